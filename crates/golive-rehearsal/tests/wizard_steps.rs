//! The rehearsal under the wizard, one process per step as `golive --rehearsal connect`,
//! `catalog apply`, `webhook`, `secrets push`, `verify` run it: each step opens the
//! rehearsal afresh (new stand-in servers, restored from the data folder) and the wizard's
//! session, and the last one ends with Verify passed. `go-live --yes` in yet another process
//! then finds every step done and writes nothing. Needs the private Secret Service
//! (`/work/keyring-run.sh`): the Webhook step keeps its secret in the keyring.

mod support;

use golive::catalog::ValidateOptions;
use golive::findings::Status;
use golive::progress::Silent;
use golive::steps::StepId;
use golive::wizard::go_live::{GoLiveAsk, Yes};
use golive::wizard::{StepStatus, WebhookAsk};
use golive_rehearsal::{CF_ACCOUNT_ID, WORKER_NAME};
use support::{connected, process};

fn accept() -> ValidateOptions {
    ValidateOptions { expected_tiers: None, accept_suggestions: true }
}

#[tokio::test(flavor = "multi_thread")]
async fn step_by_step_in_five_processes_then_go_live_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let account = {
        let (rehearsal, _wizard, _) = connected(data.path()).await;
        rehearsal.account_id().to_string()
    };
    {
        let (_rehearsal, wizard, _) = connected(data.path()).await;
        let applied = wizard.apply_catalog(&accept(), &Silent).await.unwrap();
        assert!(applied.outcome.failed.is_empty() && !applied.price_ids.is_empty(), "{applied:#?}");
    }
    {
        let (rehearsal, wizard, _) = connected(data.path()).await;
        assert_eq!(rehearsal.account_id(), account, "the same made-up account in every process");
        assert!(!rehearsal.stripe().products(&account, true).is_empty(), "the live catalog is still there");
        wizard.ensure_webhook(&WebhookAsk::default()).await.unwrap();
    }
    {
        let (_rehearsal, wizard, _) = connected(data.path()).await;
        wizard.push_secrets(None, &Silent).await.unwrap();
    }
    {
        let (rehearsal, wizard, _) = connected(data.path()).await;
        let held = rehearsal.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap();
        assert!(held.contains_key("STRIPE_WEBHOOK_SECRET"), "{:?}", held.keys());
        let report = wizard.verify(&Silent).await.unwrap();
        let failed: Vec<_> = report.findings.iter().filter(|f| f.status != Status::Pass).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        // Verify's probe customer does not stay in the Worker's KV (its tier store).
        let env = rehearsal.environment();
        let wrangler =
            env.wrangler_program.clone().unwrap_or_else(|| rehearsal.project_dir().join("node_modules/.bin/wrangler"));
        let key = format!("customer:{}", golive::verify::probe::PROBE_CUSTOMER);
        let args = ["kv", "key", "list", "--binding", "TIERS", "--local", "--prefix", "customer:"];
        let listed = golive::wrangler::run(&wrangler, &args, rehearsal.project_dir(), &env).await.unwrap();
        assert!(listed.success, "{}", listed.stderr);
        assert!(listed.stdout.trim_start().starts_with('['), "{}", listed.stdout);
        assert!(!listed.stdout.contains(&key), "the probe customer was deleted: {}", listed.stdout);
    }

    // go-live --yes in one more process: every step found done, not one write.
    let (rehearsal, wizard, connect) = process(data.path()).await;
    let versions = rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME);
    let ask = GoLiveAsk { connect, catalog: accept(), webhook: WebhookAsk::default(), report_dir: None };
    let outcome = wizard.go_live(ask, &Yes, &Silent).await;
    assert!(outcome.passed, "{:#?}", outcome.problem());
    let statuses: Vec<(StepId, StepStatus)> = outcome.steps.iter().map(|s| (s.step, s.status)).collect();
    assert_eq!(
        statuses,
        [
            (StepId::Connect, StepStatus::Passed),
            (StepId::Catalog, StepStatus::AlreadyDone),
            (StepId::Webhook, StepStatus::AlreadyDone),
            (StepId::Secrets, StepStatus::AlreadyDone),
            (StepId::Audit, StepStatus::Passed),
            (StepId::Verify, StepStatus::Passed),
        ]
    );
    let writes: Vec<_> = rehearsal.stripe().requests().into_iter().filter(|r| r.method != "GET").collect();
    assert!(writes.is_empty(), "{writes:#?}");
    assert_eq!(rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME), versions, "no new Worker version");
}
