//! The smoke purchase on the rehearsal: the real wrangler, both stand-ins, the sample Worker
//! under `wrangler dev` receiving the stand-in's deliveries, the private keyring. End to end
//! (tier flips, portal session, cancel reverts to free, coupon gone, report section, no key
//! in the session or report), three broken Workers each named by their finding, and a run
//! that fails after each write landed then resumes with one coupon, one code, one checkout.
//! Needs `/work/keyring-run.sh` (or scripts/test.sh): the secrets go to the keyring.

mod support;

use golive::catalog::ValidateOptions;
use golive::connect::ConnectInput;
use golive::findings::Status;
use golive::progress::Silent;
use golive::smoke::{self, Phase, SmokeRun};
use golive::stripe_key::{parse_key, KeySlot};
use golive::wizard::go_live::{GoLiveAsk, Yes};
use golive::wizard::{SessionStore, SmokeAsk, WebhookAsk, Wizard};
use golive_rehearsal::Rehearsal;
use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use stripe_standin::Fault;
use support::connected;

/// Every rehearsal files its secrets under the same Worker name: one test at a time.
static KEYRING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A rehearsal that went live (Verify passed) in `data`, opened again.
async fn live(data: &Path) -> (Arc<Rehearsal>, Wizard) {
    let (rehearsal, wizard, _) = connected(data).await;
    let inputs = rehearsal.inputs();
    let ask = GoLiveAsk {
        connect: ConnectInput {
            test_key: parse_key(KeySlot::Test, inputs.test_key.expose_secret()).unwrap(),
            live_key: parse_key(KeySlot::Live, inputs.live_key.expose_secret()).unwrap(),
            project_dir: inputs.project_dir,
        },
        catalog: ValidateOptions { expected_tiers: None, accept_suggestions: true },
        webhook: WebhookAsk::default(),
        report_dir: None,
    };
    let outcome = wizard.go_live(ask, &Yes, &Silent).await;
    assert!(outcome.passed, "{:#?}", outcome.problem());
    (rehearsal, wizard)
}

fn ask() -> SmokeAsk {
    SmokeAsk { tier: None, email: Some("founder@example.com".into()), return_url: None }
}

/// Start, complete as the customer, watch, answer the portal: the ended run.
async fn buy_and_cancel(wizard: &Wizard) -> SmokeRun {
    let started = wizard.smoke_start(ask(), &Silent).await.unwrap();
    assert_eq!(started.run.phase, Phase::AwaitingCheckout, "{:#?}", started.run);
    wizard.smoke_complete_checkout().await.unwrap();
    let watched = wizard.smoke_watch(Duration::from_secs(30), &Silent).await.unwrap();
    assert_eq!(watched.run.phase, Phase::AwaitingPortal, "{:#?}", watched.run.findings);
    assert!(watched.portal_url.as_deref().is_some_and(|u| u.starts_with("https://billing.stripe.com/")));
    wizard.smoke_finish(true, &Silent).await.unwrap().run
}

fn status(run: &SmokeRun, check: &str) -> Status {
    run.finding(check).unwrap_or_else(|| panic!("no {check} in {:#?}", run.findings)).status
}

/// The objects of `run` in the stand-in: (coupons, promotion codes, checkout sessions).
fn made(rehearsal: &Rehearsal, run: &str) -> (usize, usize, usize) {
    let stripe = rehearsal.stripe();
    let account = rehearsal.account_id();
    let ours = |m: &std::collections::BTreeMap<String, String>| m.get("golive_smoke").is_some_and(|r| r == run);
    (
        stripe.coupons(account, true).iter().filter(|c| ours(&c.metadata)).count(),
        stripe.promotion_codes(account, true).iter().filter(|p| ours(&p.metadata)).count(),
        stripe.checkout_sessions(account, true).iter().filter(|s| ours(&s.metadata)).count(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smoke_purchase_flips_the_tier_and_cancelling_reverts_it_with_nothing_left_but_the_customer() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    let (rehearsal, wizard) = live(data.path()).await;
    let plan = wizard.smoke_plan().await.unwrap();
    assert!(plan.rehearsal && !plan.tiers.is_empty(), "{plan:#?}");
    let run = buy_and_cancel(&wizard).await;
    assert_eq!(run.phase, Phase::Done);
    assert_eq!(run.tier, plan.tiers[0].tier);
    for check in [
        smoke::COUPON,
        smoke::CHECKOUT,
        smoke::DELIVERED,
        smoke::TIER,
        smoke::PORTAL,
        smoke::CANCEL,
        smoke::REVERTED,
        smoke::CLEANUP,
    ] {
        assert_eq!(status(&run, check), Status::Pass, "{check}: {:#?}", run.finding(check));
    }
    assert!(run.finding(smoke::TIER).unwrap().detail.contains(&format!(": {}", run.tier)), "{:#?}", run.findings);
    assert_eq!(status(&run, smoke::CUSTOMER), Status::Warn, "a live customer stays, and golive says so");
    assert_eq!(run.amount_total, Some(0));
    // In Stripe: the coupon deleted, the code off, the subscription cancelled, one of each made.
    let account = rehearsal.account_id();
    let stripe = rehearsal.stripe();
    assert!(stripe.coupons(account, true).iter().all(|c| c.metadata.get("golive_smoke") != Some(&run.id)), "deleted");
    assert!(stripe
        .promotion_codes(account, true)
        .iter()
        .filter(|p| p.metadata.get("golive_smoke") == Some(&run.id))
        .all(|p| !p.active));
    let subscription = run.subscription.clone().unwrap();
    assert!(stripe
        .subscriptions(account, true)
        .iter()
        .any(|s| s["id"] == subscription.as_str() && s["status"] == "canceled"));
    assert_eq!(made(&rehearsal, &run.id).2, 1);
    // The report's section, and no key or secret in the session file or the report.
    let (md, html) = wizard.save_report(&data.path().join("report")).unwrap();
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.contains("## Smoke purchase") && md.contains(&run.customer.clone().unwrap()), "{md}");
    assert!(std::fs::read_to_string(html).unwrap().contains("<h2>Smoke purchase</h2>"));
    let inputs = rehearsal.inputs();
    let secret = rehearsal.stripe().webhook_endpoints(account, true)[0].secret.clone();
    for file in [
        data.path().join("report/go-live-report.md"),
        SessionStore::new(data.path()).path_for(golive::environment::Mode::Rehearsal, &inputs.project_dir),
    ] {
        let text = std::fs::read_to_string(&file).unwrap();
        for value in [inputs.live_key.expose_secret(), inputs.test_key.expose_secret(), secret.as_str()] {
            assert!(!text.contains(value), "{} holds a secret", file.display());
        }
    }
    // Deleting the customer, on request.
    let deleted = wizard.smoke_delete_customer().await.unwrap().run;
    assert!(deleted.cleanup.customer_deleted);
    assert_eq!(status(&deleted, smoke::CUSTOMER), Status::Pass);
    assert!(wizard.session().done(golive::steps::StepId::Smoke));
}

/// The reference Worker changed by `edit`, and its wrangler.toml by `toml`.
fn break_worker(dir: &Path, edit: &Edit, toml: &Edit) {
    let source = golive_testkit::repo_root().join("examples/worker/src/index.js");
    std::fs::write(dir.join("src/index.js"), edit(std::fs::read_to_string(source).unwrap())).unwrap();
    let config = dir.join("wrangler.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, toml(text)).unwrap();
}

/// A change to a file's text (the Worker's source, its wrangler.toml).
type Edit = dyn Fn(String) -> String;

#[tokio::test(flavor = "multi_thread")]
async fn broken_workers_each_end_with_the_finding_that_names_the_cause() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    let (rehearsal, wizard) = live(data.path()).await;
    let dir = rehearsal.project_dir().to_path_buf();
    let same = |t: String| t;
    let cases: [(&str, &Edit, &Edit); 3] = [
        (
            "not_stored",
            &|js: String| {
                js.replace("  \"checkout.session.completed\",\n", "")
                    .replace("object.metadata?.plan ?? price?.metadata?.plan", "object.metadata?.plan")
            },
            &same,
        ),
        ("kv_binding", &|js: String| js.replace("env.TIERS", "env.USERS"), &|t: String| {
            t.replace("binding = \"TIERS\"", "binding = \"USERS\"")
        }),
        (
            "worker_error",
            &|js: String| {
                js.replace("  await apply(event, env);", "  if (event.type === \"checkout.session.completed\") throw new Error(\"boom\");\n  await apply(event, env);")
            },
            &same,
        ),
    ];
    let reference = (
        std::fs::read_to_string(dir.join("src/index.js")).unwrap(),
        std::fs::read_to_string(dir.join("wrangler.toml")).unwrap(),
    );
    for (cause, js, toml) in cases {
        std::fs::write(dir.join("src/index.js"), &reference.0).unwrap();
        std::fs::write(dir.join("wrangler.toml"), &reference.1).unwrap();
        break_worker(&dir, js, toml);
        let run = buy_and_cancel(&wizard).await;
        let tier = run.finding(smoke::TIER).unwrap();
        assert_eq!(tier.status, Status::Fail, "{cause}: {tier:#?}");
        assert!(tier.detail.contains(&format!("(cause: {cause})")), "{cause}: {tier:#?}");
        assert!(tier.fix.as_deref().is_some_and(|f| !f.is_empty()));
        assert_eq!(status(&run, smoke::CLEANUP), Status::Pass, "{cause}: cleanup runs whatever the Worker did");
        if cause == "worker_error" {
            assert!(tier.detail.contains("answered 500"), "{tier:#?}");
            assert_eq!(status(&run, smoke::DELIVERED), Status::Fail);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_stops_after_each_write_resumes_with_one_of_everything_and_always_cleans_up() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    drop(live(data.path()).await);
    // The coupon, the code, the checkout: each lands in Stripe and its answer is a failure
    // (replayed for the same Idempotency-Key), as if golive died before saving it.
    for write in 0..3 {
        let (rehearsal, wizard, _) = connected(data.path()).await;
        rehearsal.stripe().inject_on_write(write, Fault::FailWhileProcessing(500));
        let failed = wizard.smoke_start(ask(), &Silent).await;
        assert!(failed.is_err(), "write {write}: {failed:#?}");
        let run = wizard.smoke_status().open.unwrap();
        drop((wizard, rehearsal));
        let (rehearsal, wizard, _) = connected(data.path()).await;
        let resumed = wizard.smoke_start(ask(), &Silent).await.unwrap().run;
        assert_eq!(resumed.id, run.id, "the same run goes on");
        assert_eq!(resumed.phase, Phase::AwaitingCheckout);
        assert_eq!(made(&rehearsal, &run.id), (1, 1, 1), "write {write}: never two of anything");
        wizard.smoke_stop(&Silent).await.unwrap();
        let stopped = wizard.smoke_status().history.last().cloned().unwrap();
        assert_eq!(stopped.phase, Phase::Abandoned);
        assert!(stopped.cleanup.coupon_deleted && stopped.cleanup.code_deactivated && stopped.cleanup.checkout_expired);
        assert_eq!(made(&rehearsal, &run.id).0, 0, "the coupon is gone");
    }
    // Cleanup fails after the cancel (the code's update lands, Stripe answers a failure):
    // finishing again completes it.
    let (rehearsal, wizard, _) = connected(data.path()).await;
    wizard.smoke_start(ask(), &Silent).await.unwrap();
    wizard.smoke_complete_checkout().await.unwrap();
    wizard.smoke_watch(Duration::from_secs(30), &Silent).await.unwrap();
    rehearsal.stripe().inject_on_write(0, Fault::FailWhileProcessing(400));
    assert!(wizard.smoke_finish(true, &Silent).await.is_err());
    let run = wizard.smoke_status().open.unwrap();
    assert_eq!(run.phase, Phase::AwaitingPortal, "not done until cleaned up");
    drop((wizard, rehearsal));
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let done = wizard.smoke_finish(true, &Silent).await.unwrap().run;
    assert_eq!(done.phase, Phase::Done);
    assert_eq!(status(&done, smoke::REVERTED), Status::Pass, "{:#?}", done.findings);
    assert!(done.cleanup.coupon_deleted && done.cleanup.code_deactivated);
    assert_eq!(made(&rehearsal, &run.id).0, 0);
}
