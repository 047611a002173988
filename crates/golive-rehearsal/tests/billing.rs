//! The billing rehearsal on the rehearsal: test clocks on the Stripe stand-in, the sample
//! Worker under the real `wrangler dev` receiving each scenario's events signed, its tier read
//! from the local KV. Every scenario passes against the reference Worker (also shuffled);
//! Workers broken by the test fail in the scenario and phase that shows it, with the cause;
//! every clock is deleted, also one a killed run left; a fourth customer gets its own clock.

mod support;

use golive::billing::{self, BillingReport};
use golive::progress::Silent;
use golive::stripe_key::{parse_key, KeySlot};
use golive::wizard::BillingAsk;
use golive_rehearsal::Rehearsal;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::path::Path;
use support::connected;

/// Each test runs the sample Worker under `wrangler dev`: one at a time.
static ONE_WORKER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A test-mode client on the rehearsal's stand-in.
fn test_client(rehearsal: &Rehearsal) -> golive::stripe_api::Client {
    let key = parse_key(KeySlot::Test, rehearsal.inputs().test_key.expose_secret()).unwrap();
    golive::stripe_api::client(&rehearsal.environment(), &key)
}

async fn clocks(rehearsal: &Rehearsal) -> Vec<Value> {
    let page: Value = test_client(rehearsal)
        .get_query("/test_helpers/test_clocks", std::collections::BTreeMap::from([("limit", 100)]))
        .await
        .unwrap();
    page["data"].as_array().cloned().unwrap_or_default()
}

/// The reference Worker with `edit` applied to its source.
fn break_worker(dir: &Path, edit: impl Fn(String) -> String) {
    let source = golive_testkit::repo_root().join("examples/worker/src/index.js");
    std::fs::write(dir.join("src/index.js"), edit(std::fs::read_to_string(source).unwrap())).unwrap();
}

/// A change to the Worker's source.
type Edit = dyn Fn(String) -> String;

fn failing(report: &BillingReport) -> Vec<(String, String)> {
    report
        .scenarios
        .iter()
        .flat_map(|s| {
            s.phases.iter().filter(|p| p.finding.status == golive::findings::Status::Fail).map(|p| {
                let cause = p.finding.detail.split("(cause: ").nth(1).unwrap_or("").trim_end_matches(')').to_string();
                (s.id.clone(), cause)
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_scenario_passes_against_the_reference_worker_in_order_and_shuffled() {
    let _one = ONE_WORKER.lock().await;
    let data = tempfile::tempdir().unwrap();
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let plan = wizard.billing_plan().await.unwrap();
    assert!(plan.tiers.len() >= 2, "{:#?}", plan.tiers);
    assert!(plan.tiers.windows(2).all(|w| w[0].unit_amount <= w[1].unit_amount), "cheapest first");

    let report = wizard.rehearse_billing(BillingAsk::default(), &Silent).await.unwrap();
    assert!(report.passed(), "{:#?}", report);
    assert_eq!(report.scenarios.len(), billing::SCENARIOS.len());
    for s in &report.scenarios {
        assert_eq!(s.phases.len(), billing::SCENARIOS.iter().find(|x| x.id == s.id).unwrap().phases.len(), "{}", s.id);
        // Every phase delivered what it had and the Worker accepted each event.
        assert!(s.phases.iter().flat_map(|p| &p.deliveries).all(|d| d.status == 200), "{s:#?}");
    }
    let past_due = &report.scenarios.iter().find(|s| s.id == "trial_card_fails").unwrap().phases[1];
    assert_eq!(
        (past_due.status.as_str(), past_due.worker_tier.as_deref()),
        ("past_due", Some(plan.tiers[0].tier.as_str()))
    );
    let upgraded = &report.scenarios.iter().find(|s| s.id == "upgrade_then_downgrade").unwrap().phases[1];
    assert_eq!(upgraded.worker_tier.as_deref(), Some(plan.tiers[1].tier.as_str()), "the upgrade is at once");
    assert!(clocks(&rehearsal).await.is_empty(), "every clock deleted");
    assert_eq!(report.clocks_deleted, report.scenarios.len());
    assert!(wizard.session().billing.as_ref().is_some_and(|b| b.passed()));

    // Shuffled: each phase's events and the phase before's again, newest first.
    let ask =
        BillingAsk { scenarios: vec!["cancel_at_period_end".into(), "upgrade_then_downgrade".into()], shuffle: true };
    let shuffled = wizard.rehearse_billing(ask, &Silent).await.unwrap();
    assert!(shuffled.passed(), "{shuffled:#?}");
    assert!(shuffled.scenarios.iter().flat_map(|s| &s.phases).flat_map(|p| &p.deliveries).any(|d| d.copy));

    // No secret in the session file.
    let session = std::fs::read_to_string(
        golive::wizard::SessionStore::new(data.path())
            .path_for(golive::environment::Mode::Rehearsal, &rehearsal.inputs().project_dir),
    )
    .unwrap();
    assert!(!session.contains(rehearsal.inputs().test_key.expose_secret()));
    assert!(!session.contains("whsec_"), "the run's signing secret stays in memory");
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_workers_fail_in_the_phase_that_shows_it_with_the_cause() {
    let _one = ONE_WORKER.lock().await;
    let data = tempfile::tempdir().unwrap();
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let dir = rehearsal.project_dir().to_path_buf();
    let cases: [(&str, &Edit, &str, bool, &str); 3] = [
        (
            "past_due as free",
            &|js: String| js.replace(r#"["active", "trialing", "past_due"]"#, r#"["active", "trialing"]"#),
            "trial_card_fails",
            false,
            "past_due_free",
        ),
        (
            "ignores customer.subscription.updated",
            &|js: String| js.replace("  \"customer.subscription.updated\",\n", ""),
            "upgrade_then_downgrade",
            false,
            "updated_ignored",
        ),
        (
            "applies every delivery (no event ids, no ordering)",
            &|js: String| {
                js.replace("if (await env.TIERS.get(seen)) return json({ received: true });", "")
                    .replace("if (current && current.updated > event.created) return;", "")
            },
            "cancel_at_period_end",
            true,
            "shuffled_delivery",
        ),
    ];
    for (what, edit, scenario, shuffle, cause) in cases {
        break_worker(&dir, edit);
        let source = std::fs::read_to_string(dir.join("src/index.js")).unwrap();
        assert_ne!(
            source,
            std::fs::read_to_string(golive_testkit::repo_root().join("examples/worker/src/index.js")).unwrap(),
            "{what}: the edit applied"
        );
        let ask = BillingAsk { scenarios: vec![scenario.into()], shuffle };
        let report = wizard.rehearse_billing(ask, &Silent).await.unwrap();
        assert!(!report.passed(), "{what}: {report:#?}");
        let failed = failing(&report);
        assert!(failed.iter().any(|(s, c)| s == scenario && c == cause), "{what}: {failed:?} {report:#?}");
        let phase =
            report.scenarios[0].phases.iter().find(|p| p.finding.status == golive::findings::Status::Fail).unwrap();
        assert!(phase.finding.fix.as_deref().is_some_and(|f| f.len() > 20), "{what}: a fix");
        assert!(clocks(&rehearsal).await.is_empty(), "{what}: clocks deleted although the scenario failed");
    }
    // The same unshuffled Worker without dedupe still passes in order: the switch is what shows it.
    let ask = BillingAsk { scenarios: vec!["cancel_at_period_end".into()], shuffle: false };
    assert!(wizard.rehearse_billing(ask, &Silent).await.unwrap().passed());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_runs_clocks_are_deleted_and_a_fourth_customer_gets_a_new_clock() {
    let _one = ONE_WORKER.lock().await;
    let data = tempfile::tempdir().unwrap();
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let client = test_client(&rehearsal);
    // Four customers for one label: three on the first clock, the fourth on a second.
    let mut made = Vec::new();
    let start = golive::clock::unix_now() - 60;
    let customers = billing::run::customers_on_clocks(
        &client,
        &format!("{}killed-run", billing::CLOCK_PREFIX),
        start,
        &["pm_card_visa"; 4],
        &mut made,
    )
    .await
    .unwrap();
    assert_eq!(made.len(), 2, "{customers:?}");
    let on = |clock: &str| customers.iter().filter(|(c, _)| c == clock).count();
    assert_eq!((on(&made[0]), on(&made[1])), (3, 1));
    // Those clocks stand for a run that was killed: the next run deletes them first.
    let ask = BillingAsk { scenarios: vec!["three_d_secure".into()], shuffle: false };
    let report = wizard.rehearse_billing(ask, &Silent).await.unwrap();
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.clocks_deleted, 3, "the two left behind and its own");
    assert!(clocks(&rehearsal).await.is_empty());
    // An unknown scenario is refused before anything is made.
    let err = wizard
        .rehearse_billing(BillingAsk { scenarios: vec!["nope".into()], shuffle: false }, &Silent)
        .await
        .unwrap_err();
    assert_eq!(err.code, "billing_scenario");
}
