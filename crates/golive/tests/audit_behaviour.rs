//! The audit's behaviour probes against the real reference Worker under `wrangler dev`, and
//! against broken copies the test writes — one without dedupe, one that lets an older event
//! overwrite a newer state, one that ignores `customer.subscription.deleted`: each is caught
//! by the scenario of the guarantee it breaks, and every key the probes wrote (and Verify's
//! probe customer) is gone afterwards.

use golive::audit::behaviour::{self, Kv, Target, TierSource};
use golive::findings::{Finding, Status};
use golive::wrangler::{Wrangler, WranglerSource};
use golive_testkit::ReferenceWorker;
use secrecy::SecretString;

/// A made-up signing secret, built at run time so no secret-shaped literal is in the tree.
fn secret() -> String {
    format!("{}_{}", "whsec", "FAKE0audit0probe0not0a0real0secret")
}

/// The reference Worker's source with `from` replaced by `to` (the test's broken Worker).
fn broken(from: &str, to: &str) -> tempfile::TempDir {
    let dir = golive_testkit::worker_project(&golive_testkit::repo_root().join("examples/worker"));
    let path = dir.path().join("src/index.js");
    let source = std::fs::read_to_string(&path).unwrap();
    assert!(source.contains(from), "the reference Worker no longer has {from:?}");
    std::fs::write(&path, source.replace(from, to)).unwrap();
    dir
}

async fn probe(worker: &ReferenceWorker) -> Vec<Finding> {
    probe_with(worker, TierSource::default()).await
}

async fn probe_with(worker: &ReferenceWorker, source: TierSource) -> Vec<Finding> {
    let secret = SecretString::from(secret());
    let wrangler = Wrangler {
        program: golive_testkit::repo_wrangler(),
        version: String::new(),
        source: WranglerSource::Configured,
    };
    let target = Target {
        url: format!("{}/webhook/stripe", worker.base_url()),
        secret: &secret,
        tier: "pro",
        price_id: "price_golive_audit",
        api_version: "2026-10-28.endive",
        kv: Kv { wrangler: &wrangler, project_dir: worker.dir(), worker_env: None, local: true, source },
    };
    behaviour::run(&target, &worker.environment()).await
}

fn status_of(findings: &[Finding], id: &str) -> Status {
    findings.iter().find(|f| f.check == id).unwrap_or_else(|| panic!("{id}: {findings:#?}")).status
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reference_worker_keeps_every_guarantee_and_the_probes_leave_nothing_behind() {
    let worker = ReferenceWorker::start(&[("STRIPE_WEBHOOK_SECRET", secret().as_str())]).await;
    // What Verify's probe leaves in the Worker's KV: the clean-up takes it too.
    let mut env = worker.environment();
    env.webhook_probe_base = Some(worker.base_url());
    let event = golive::verify::probe::ProbeEvent::new(
        "pro",
        "price_golive_audit",
        None,
        "2026-10-28.endive",
        golive::clock::unix_now(),
    );
    let facts =
        async { golive::verify::probe::SecretFacts { pushed_hint: None, held_hint: String::new(), on_worker: None } };
    let secret = SecretString::from(secret());
    let verified =
        golive::verify::probe::signed(&env, "https://api.example.com/webhook/stripe", &secret, &event, facts).await;
    assert_eq!(verified.status, Status::Pass, "{verified:?}");
    let verify_key = format!("customer:{}", golive::verify::probe::PROBE_CUSTOMER);
    assert!(worker.kv_get(&verify_key).is_some(), "Verify's probe stored its customer");

    let findings = probe(&worker).await;
    assert_eq!(worker.kv_get(&verify_key), None, "Verify's probe customer is gone too");
    for scenario in &behaviour::SCENARIOS {
        assert_eq!(status_of(&findings, scenario.id), Status::Pass, "{findings:#?}");
    }
    assert_eq!(status_of(&findings, "audit.behaviour.cleanup"), Status::Pass, "{findings:#?}");
    let customers: Vec<String> = findings
        .iter()
        .filter_map(|f| f.detail.split("tier read for ").nth(1).and_then(|t| t.split(':').next()).map(str::to_string))
        .collect();
    assert_eq!(customers.len(), behaviour::SCENARIOS.len());
    for customer in customers {
        assert_eq!(worker.kv_get(&format!("customer:{customer}")), None, "{customer} was cleaned up");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_worker_is_caught_by_the_guarantee_it_breaks() {
    let cases = [
        (
            "  if (await env.TIERS.get(seen)) return json({ received: true });\n",
            "",
            "audit.behaviour.duplicate",
        ),
        ("  if (current && current.updated > event.created) return;\n", "", "audit.behaviour.order"),
        (
            "    case \"customer.subscription.deleted\":\n      return object.customer ? { customer: object.customer, tier: \"free\" } : null;",
            "    case \"customer.subscription.deleted\":\n      return null;",
            "audit.behaviour.deleted_then_late_created",
        ),
    ];
    for (from, to, caught) in cases {
        let dir = broken(from, to);
        let worker = ReferenceWorker::start_from(dir.path(), &[("STRIPE_WEBHOOK_SECRET", secret().as_str())]).await;
        let findings = probe(&worker).await;
        let failed: Vec<&str> =
            findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.check.as_str()).collect();
        assert!(failed.contains(&caught), "{caught} not caught: {findings:#?}");
        let finding = findings.iter().find(|f| f.check == caught).unwrap();
        assert!(
            finding.detail.contains("expected"),
            "the evidence says what was read and what was expected: {finding:?}"
        );
        assert!(finding.fix.as_deref().is_some_and(|f| !f.is_empty()));
        assert_eq!(status_of(&findings, "audit.behaviour.late"), Status::Pass, "{caught}: {findings:#?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_with_its_own_layout_is_not_failed_but_asked_where_and_then_proven() {
    let dir = broken("const key = `customer:${change.customer}`;", "const key = `plan/${change.customer}`;");
    let worker = ReferenceWorker::start_from(dir.path(), &[("STRIPE_WEBHOOK_SECRET", secret().as_str())]).await;
    // Where golive looks by default, nothing: a warning that says how to point it elsewhere.
    let findings = probe(&worker).await;
    for scenario in &behaviour::SCENARIOS {
        let f = findings.iter().find(|f| f.check == scenario.id).unwrap();
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(f.fix.as_deref().unwrap().contains("--tier-key"), "{f:?}");
    }
    // Told where, every guarantee is proven, and the probe customers of both runs (4 each) go.
    let setting = behaviour::TierSetting::Kv { binding: "TIERS".into(), customer_key: "plan/{customer}".into() };
    let findings = probe_with(&worker, setting.checked().unwrap().source()).await;
    for scenario in &behaviour::SCENARIOS {
        assert_eq!(status_of(&findings, scenario.id), Status::Pass, "{findings:#?}");
    }
    let cleanup = findings.iter().find(|f| f.check == "audit.behaviour.cleanup").unwrap();
    assert!(
        cleanup.status == Status::Pass && cleanup.detail.starts_with("8 keys under plan/cus_golive_"),
        "{cleanup:?}"
    );
}
