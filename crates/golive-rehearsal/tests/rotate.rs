//! Rotate (step 7) on the rehearsal: the real wrangler, the Cloudflare and Stripe stand-ins,
//! the sample Worker under `wrangler dev` for every probe, the private keyring. The webhook
//! secret's API path end to end, a second start refused while one is open, and a rotation
//! killed at each phase boundary then continued in a new process: one endpoint, the secret
//! kept, the keyring holding exactly the live values. Needs `/work/keyring-run.sh` (or
//! scripts/test.sh): the secrets go to the keyring.

mod support;

use golive::catalog::ValidateOptions;
use golive::connect::ConnectInput;
use golive::keystore::{self, EntryName};
use golive::progress::Silent;
use golive::rotate::{Given, Kind, Phase, Start};
use golive::stripe_key::{parse_key, KeySlot};
use golive::wizard::go_live::{GoLiveAsk, Yes};
use golive::wizard::{LocalWorld, ProblemKind, SessionStore, WebhookAsk, Wizard};
use golive_rehearsal::{Rehearsal, CF_ACCOUNT_ID, WORKER_NAME};
use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::Arc;
use support::connected;

/// Every rehearsal files its secrets under the same Worker name: one test at a time.
static KEYRING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A rehearsal that went live (Verify passed) in `data`.
async fn live(data: &Path) {
    let (_rehearsal, wizard, connect) = connected(data).await;
    let ask = GoLiveAsk {
        connect,
        catalog: ValidateOptions { expected_tiers: None, accept_suggestions: true },
        webhook: WebhookAsk::default(),
        report_dir: None,
    };
    let outcome = wizard.go_live(ask, &Yes, &Silent).await;
    assert!(outcome.passed, "{:#?}", outcome.problem());
}

fn held(variable: &str) -> Option<String> {
    keystore::get(&EntryName::new(WORKER_NAME, true, variable)).unwrap().map(|s| s.expose_secret().to_string())
}

/// Starts a rotation in a task and drops the task (as a killed process stops) the moment the
/// session records `phase`.
async fn stopped_at(data: &Path, wizard: Wizard, phase: Phase, start: Start, given: Given) {
    let wizard = Arc::new(wizard);
    let running = {
        let wizard = wizard.clone();
        tokio::spawn(async move { wizard.rotate_start(start, given, &Silent).await })
    };
    let store = SessionStore::new(data);
    let project = wizard.session().project_dir.unwrap();
    loop {
        let (session, _) = store.load(golive::environment::Mode::Rehearsal, &project).unwrap();
        if session.rotate.open.as_ref().is_some_and(|r| r.phase == phase) || running.is_finished() {
            running.abort();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let _ = running.await;
}

/// After a finished webhook rotation: one enabled endpoint for the URL (not the old one),
/// the keyring's current secret is its secret and nothing is left under `…_NEXT`, the
/// Worker holds that secret and no previous one.
fn assert_rotated(rehearsal: &Rehearsal, old_endpoint: &str) -> String {
    let account = rehearsal.account_id();
    let endpoints = rehearsal.stripe().webhook_endpoints(account, true);
    assert_eq!(endpoints.len(), 1, "{endpoints:#?}");
    let b = &endpoints[0];
    assert_ne!(b.id, old_endpoint, "the old endpoint is retired");
    assert_eq!(b.status, "enabled");
    assert_eq!(held("STRIPE_WEBHOOK_SECRET").as_deref(), Some(b.secret.as_str()), "the keyring holds B's secret");
    assert_eq!(held("STRIPE_WEBHOOK_SECRET_NEXT"), None, "no pending secret is left in the keyring");
    let worker = rehearsal.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap();
    assert_eq!(worker["STRIPE_WEBHOOK_SECRET"], b.secret);
    assert!(!worker.contains_key("STRIPE_WEBHOOK_SECRET_PREVIOUS"), "{:?}", worker.keys());
    b.id.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_webhook_secret_rotates_with_two_worker_versions_and_verify_passes_after() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    live(data.path()).await;
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let old = wizard.session().webhook.unwrap().endpoint_id.unwrap();
    let old_secret = held("STRIPE_WEBHOOK_SECRET").unwrap();
    let versions = rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME);
    let plan = wizard.rotate_plan(Start::new(Kind::WebhookSecret)).await.unwrap();
    assert!(plan.steps.iter().any(|s| s.contains(&old)), "{plan:#?}");

    let started = std::time::Instant::now();
    let rotation = wizard.rotate_start(Start::new(Kind::WebhookSecret), Given::default(), &Silent).await.unwrap();
    let took = started.elapsed();
    assert_eq!(rotation.phase, Phase::Done, "{rotation:#?}");
    let new = assert_rotated(&rehearsal, &old);
    assert_ne!(held("STRIPE_WEBHOOK_SECRET").unwrap(), old_secret);
    let made = rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME) - versions;
    println!(
        "webhook rotation: start → new secret proven and old endpoint retired in {} ms, {made} Worker versions (goal 2)",
        took.as_millis()
    );
    assert_eq!(made, 2, "one version for the push, one for removing the previous secret");
    assert_eq!(rotation.worker_versions, 2);
    let session = wizard.session();
    assert_eq!(session.webhook.as_ref().unwrap().endpoint_id.as_deref(), Some(new.as_str()));
    assert!(session.rotate.open.is_none() && session.rotate.history.len() == 1);

    let report = wizard.verify(&Silent).await.unwrap();
    let failed: Vec<_> = report.findings.iter().filter(|f| f.status == golive::findings::Status::Fail).collect();
    assert!(failed.is_empty(), "Verify after the rotation: {failed:#?}");
    let reports = tempfile::tempdir().unwrap();
    let (md, _) = wizard.save_report(reports.path()).unwrap();
    let text = std::fs::read_to_string(md).unwrap();
    assert!(text.contains("## Rotations") && text.contains("Rotation of the webhook signing secret"), "{text}");
    assert!(text.contains(&format!("Endpoint {new} created")), "the report names the new endpoint: {text}");
    assert!(!text.contains(&held("STRIPE_WEBHOOK_SECRET").unwrap()), "no secret in the report");
    keystore::delete(&EntryName::new(WORKER_NAME, true, "STRIPE_WEBHOOK_SECRET")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_rotation_is_refused_while_one_is_open() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    live(data.path()).await;
    let (_rehearsal, wizard, _) = connected(data.path()).await;
    // An API-key rotation waits for the key the user rolls in the Dashboard: it stays open.
    let open = wizard.rotate_start(Start::new(Kind::ApiKey), Given::default(), &Silent).await.unwrap();
    assert_eq!(open.phase, Phase::AwaitNewKey);
    assert!(open.waiting.as_ref().unwrap().fix.contains("never “Now”"), "{open:#?}");
    let second = wizard.rotate_start(Start::new(Kind::WebhookSecret), Given::default(), &Silent).await.unwrap_err();
    assert_eq!((second.kind, second.code.as_str()), (ProblemKind::NotReady, "rotation_open"), "{second:?}");
    assert!(second.fix.contains("golive rotate continue"));
    // The refused key of another kind: the same key as now is not a new key; nothing pushed.
    let same = parse_key(KeySlot::Live, _rehearsal.inputs().live_key.expose_secret()).unwrap();
    let versions = _rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME);
    let refused = wizard.rotate_continue(Given { key: Some(same), ..Given::default() }, &Silent).await.unwrap_err();
    assert_eq!(refused.code, "new_key_refused", "{refused:?}");
    assert_eq!(_rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME), versions, "nothing pushed");
    assert_eq!(wizard.session().rotate.open.unwrap().phase, Phase::AwaitNewKey);
    keystore::delete(&EntryName::new(WORKER_NAME, true, "STRIPE_WEBHOOK_SECRET")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_stopped_at_each_phase_continues_in_a_new_process_to_one_endpoint() {
    let _one_at_a_time = KEYRING.lock().await;
    for stop_at in [Phase::PushSecrets, Phase::ProveSecret, Phase::RetireEndpoint] {
        let data = tempfile::tempdir().unwrap();
        live(data.path()).await;
        let old = {
            let (_rehearsal, wizard, _) = connected(data.path()).await;
            let old = wizard.session().webhook.unwrap().endpoint_id.unwrap();
            stopped_at(data.path(), wizard, stop_at, Start::new(Kind::WebhookSecret), Given::default()).await;
            old
        };
        let (rehearsal, wizard, _) = connected(data.path()).await;
        let open = wizard.session().rotate.open;
        assert!(open.is_some(), "stopped at {stop_at:?}: the rotation is still open");
        let outcome = wizard.rotate_continue(Given::default(), &Silent).await.unwrap();
        assert_eq!(outcome.rotation.unwrap().phase, Phase::Done, "continued from {stop_at:?}");
        assert_rotated(&rehearsal, &old);
        keystore::delete(&EntryName::new(WORKER_NAME, true, "STRIPE_WEBHOOK_SECRET")).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_key_rotates_refusing_bad_keys_and_the_old_one_is_forgotten_once_stripe_refuses_it() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    live(data.path()).await;
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let account = rehearsal.account_id().to_string();
    let old = rehearsal.inputs().live_key.expose_secret().to_string();
    let versions = rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME);
    let waiting = wizard.rotate_start(Start::new(Kind::ApiKey), Given::default(), &Silent).await.unwrap();
    assert_eq!(waiting.phase, Phase::AwaitNewKey);

    // Keys that are not a new key of this account are refused, and nothing is pushed.
    let other = rehearsal.stripe().add_account(stripe_standin::AccountSpec::default());
    let revoked = rehearsal.stripe().roll_key(&account, true);
    rehearsal.stripe().revoke_key(&revoked);
    let restricted = rehearsal.stripe().add_restricted_key(&account, true, &["accounts:read", "balance:read"]);
    for (bad, code) in [
        (other.live_secret.as_str(), "other_account"),
        (revoked.as_str(), "new_key_refused"),
        (restricted.as_str(), "new_key_refused"),
    ] {
        let key = parse_key(KeySlot::Live, bad).unwrap();
        let problem = wizard.rotate_continue(Given { key: Some(key), ..Given::default() }, &Silent).await.unwrap_err();
        assert_eq!((problem.kind, problem.code.as_str()), (ProblemKind::InvalidInput, code), "{problem:?}");
        assert!(!problem.fix.is_empty());
    }
    assert_eq!(rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME), versions, "nothing was pushed");
    assert_eq!(held("STRIPE_SECRET_KEY_NEXT"), None, "no refused key was kept");

    // The key rolled in the Dashboard: pushed, proven, current; the old one kept as previous.
    let new = rehearsal.stripe().roll_key(&account, true);
    let outcome = wizard
        .rotate_continue(Given { key: Some(parse_key(KeySlot::Live, &new).unwrap()), ..Given::default() }, &Silent)
        .await
        .unwrap();
    let rotation = outcome.rotation.as_ref().unwrap();
    assert_eq!(rotation.phase, Phase::Done, "{outcome:#?}");
    // Proven by an answer from another Worker version than the one before the push.
    let before = rotation.key.as_ref().unwrap().version_before.clone().unwrap();
    assert_ne!(before, "unknown", "the reference Worker names its version");
    let proof = &rotation.timeline.iter().find(|m| m.phase == Phase::Done).unwrap().note;
    assert!(proof.contains(&format!(", not {before} which answered before")), "{proof}");
    assert_eq!(rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME) - versions, 1, "one version for the push");
    assert_eq!(rehearsal.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap()["STRIPE_SECRET_KEY"], new);
    assert_eq!(held("STRIPE_SECRET_KEY").as_deref(), Some(new.as_str()));
    assert_eq!(held("STRIPE_SECRET_KEY_PREVIOUS").as_deref(), Some(old.as_str()));
    assert_eq!(held("STRIPE_SECRET_KEY_NEXT"), None);
    assert_eq!(outcome.retiring.len(), 1, "the old key is kept until Stripe refuses it");
    assert!(wizard.session().connect.unwrap().live_key_hint.ends_with(&new[new.len() - 4..]));

    // The old key cannot come back through Connect (Secrets would push it again).
    let inputs = rehearsal.inputs();
    let with_old = ConnectInput {
        test_key: parse_key(KeySlot::Test, inputs.test_key.expose_secret()).unwrap(),
        live_key: parse_key(KeySlot::Live, &old).unwrap(),
        project_dir: inputs.project_dir.clone(),
    };
    let refused = wizard.connect(with_old, &Silent).await.unwrap_err();
    assert_eq!(refused.code, "rotated_key", "{refused:?}");
    assert!(refused.fix.contains("new live key"));

    // While Stripe still accepts the old key, it stays; once its expiry passes, it goes.
    assert_eq!(wizard.rotate_continue(Given::default(), &Silent).await.unwrap().retiring.len(), 1);
    rehearsal.stripe().revoke_key(&old);
    assert!(wizard.rotate_continue(Given::default(), &Silent).await.unwrap().retiring.is_empty());
    assert_eq!(held("STRIPE_SECRET_KEY_PREVIOUS"), None, "the keyring holds exactly the live values");
    for variable in ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] {
        keystore::delete(&EntryName::new(WORKER_NAME, true, variable)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_path_pushes_both_secrets_proves_the_new_one_and_removes_the_old_after_its_expiry() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    live(data.path()).await;
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let ids = || -> Vec<String> {
        rehearsal.stripe().webhook_endpoints(rehearsal.account_id(), true).into_iter().map(|e| e.id).collect()
    };
    let endpoints = ids();
    let secret = |tag: &str| secrecy::SecretString::from(format!("{}_{tag}{:0>24}", "whsec", std::process::id()));
    let dashboard = |hours: u64| Start {
        kind: Kind::WebhookSecret,
        dashboard: true,
        previous_for: std::time::Duration::from_secs(hours * 3600),
    };

    // The user chose "expire now" for the old secret: proven, then the previous one goes at once.
    let waiting = wizard.rotate_start(dashboard(0), Given::default(), &Silent).await.unwrap();
    assert_eq!(waiting.phase, Phase::AwaitNewSecret);
    assert!(waiting.waiting.unwrap().fix.contains("Roll secret"));
    let bad =
        Given { webhook_secret: Some(secrecy::SecretString::from("not-a-secret".to_string())), ..Given::default() };
    assert_eq!(wizard.rotate_continue(bad, &Silent).await.unwrap_err().code, "new_secret_refused");
    let first = secret("first");
    let given = Given { webhook_secret: Some(first.clone()), ..Given::default() };
    let done = wizard.rotate_continue(given, &Silent).await.unwrap().rotation.unwrap();
    assert_eq!(done.phase, Phase::Done, "{done:#?}");
    let worker = rehearsal.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap();
    assert_eq!(worker["STRIPE_WEBHOOK_SECRET"], first.expose_secret());
    assert!(!worker.contains_key("STRIPE_WEBHOOK_SECRET_PREVIOUS"));
    assert_eq!(held("STRIPE_WEBHOOK_SECRET").as_deref(), Some(first.expose_secret()));
    assert_eq!(ids(), endpoints, "no endpoint made");

    // Rolled in the (stand-in's) Dashboard, the old secret kept 24 h: Stripe signs with both,
    // both are on the Worker, the rotation waits for the expiry.
    let endpoint = wizard.session().webhook.unwrap().endpoint_id.unwrap();
    let rolled = rehearsal
        .stripe()
        .roll_endpoint_secret(rehearsal.account_id(), true, &endpoint, std::time::Duration::from_secs(24 * 3600))
        .unwrap();
    let second = secrecy::SecretString::from(rolled);
    let given = Given { webhook_secret: Some(second.clone()), ..Given::default() };
    let open = wizard.rotate_start(dashboard(24), given, &Silent).await.unwrap();
    assert_eq!(open.phase, Phase::RetirePrevious, "{open:#?}");
    assert!(open.waiting.as_ref().unwrap().message.contains("still signs every event with the old one"));
    let worker = rehearsal.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap();
    assert_eq!(worker["STRIPE_WEBHOOK_SECRET"], second.expose_secret());
    assert_eq!(worker["STRIPE_WEBHOOK_SECRET_PREVIOUS"], first.expose_secret());
    let again = wizard.rotate_continue(Given::default(), &Silent).await.unwrap().rotation.unwrap();
    assert_eq!(again.phase, Phase::RetirePrevious, "before the expiry nothing is removed");

    // A real delivery during the overlap (two `v1=` in one header) is accepted by the Worker.
    let worker = rehearsal.start_worker(&rehearsal.environment()).await.unwrap();
    rehearsal.stripe().route_deliveries("rehearsal-api.rehearsal.workers.dev", &worker.base_url());
    let price = wizard.session().catalog.price_ids.unwrap()[0].price_id.clone();
    let (_, _, deliveries) = rehearsal.stripe().trigger_subscription(rehearsal.account_id(), true, &price).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].signature.matches("v1=").count(), 2, "Stripe signs with both secrets");
    assert_eq!(deliveries[0].status, Some(200), "the Worker accepts it");
    drop(worker);
    keystore::delete(&EntryName::new(WORKER_NAME, true, "STRIPE_WEBHOOK_SECRET")).unwrap();
    keystore::delete(&EntryName::new(WORKER_NAME, true, "STRIPE_WEBHOOK_SECRET_NEXT")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_old_endpoint_stays_while_an_older_event_still_has_a_failed_delivery_and_goes_once_the_retry_lands() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    live(data.path()).await;
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let old = wizard.session().webhook.unwrap().endpoint_id.unwrap();
    // An event Stripe could not deliver before the rotation: it may yet be retried to A.
    let failed = rehearsal.stripe().record_event(
        rehearsal.account_id(),
        true,
        "customer.subscription.updated",
        serde_json::json!({ "id": "sub_failed", "object": "subscription" }),
        false,
    );
    let waiting = wizard.rotate_start(Start::new(Kind::WebhookSecret), Given::default(), &Silent).await.unwrap();
    assert_eq!(waiting.phase, Phase::RetireEndpoint, "{waiting:#?}");
    let said = waiting.waiting.as_ref().unwrap();
    assert!(said.message.contains(&failed) && said.message.contains(&old), "{said:#?}");
    assert!(said.fix.contains("golive rotate continue"));
    let endpoints = rehearsal.stripe().webhook_endpoints(rehearsal.account_id(), true);
    assert_eq!(endpoints.iter().filter(|e| e.status == "enabled").count(), 2, "A is kept, B delivers too");
    assert!(endpoints.iter().any(|e| e.id == old && e.status == "enabled"));
    let worker = rehearsal.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap();
    assert!(worker.contains_key("STRIPE_WEBHOOK_SECRET_PREVIOUS"), "both secrets stay on the Worker");
    // Verify understands the overlap: two enabled endpoints for the URL is the rotation's.
    let report = wizard.verify(&Silent).await.unwrap();
    let unique = report.findings.iter().find(|f| f.check == "verify.endpoint.unique").unwrap();
    assert_eq!(unique.status, golive::findings::Status::Pass, "{unique:#?}");

    // During the overlap both endpoints deliver each new event, with the same event id, each
    // signed with its own secret; the Worker (holding both) accepts both.
    let worker = rehearsal.start_worker(&rehearsal.environment()).await.unwrap();
    rehearsal.stripe().route_deliveries("rehearsal-api.rehearsal.workers.dev", &worker.base_url());
    let price = wizard.session().catalog.price_ids.unwrap()[0].price_id.clone();
    let (_, _, both) = rehearsal.stripe().trigger_subscription(rehearsal.account_id(), true, &price).await;
    assert_eq!(both.len(), 2, "A and B each deliver it: {both:#?}");
    assert_eq!(both[0].event_id, both[1].event_id);
    assert_ne!(both[0].signature, both[1].signature, "each endpoint signs with its own secret");
    assert!(both.iter().all(|d| d.status == Some(200)), "{both:#?}");

    // Stripe's retry lands (the Worker, holding both secrets, accepts it): A may go now.
    assert_eq!(rehearsal.stripe().retry_failed_deliveries().await, 1);
    let retried: Vec<_> = rehearsal.stripe().deliveries().into_iter().filter(|d| d.event_id == failed).collect();
    assert!(retried.iter().any(|d| d.endpoint_id == old), "retried to A: {retried:#?}");
    assert!(retried.iter().all(|d| d.status == Some(200)), "{retried:#?}");
    drop(worker);
    let done = wizard.rotate_continue(Given::default(), &Silent).await.unwrap().rotation.unwrap();
    assert_eq!(done.phase, Phase::Done, "{done:#?}");
    assert!(rehearsal.stripe().webhook_endpoints(rehearsal.account_id(), true).iter().all(|e| e.id != old));
    keystore::delete(&EntryName::new(WORKER_NAME, true, "STRIPE_WEBHOOK_SECRET")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_key_rotation_stopped_at_each_phase_continues_with_the_key_kept_and_nothing_leaks() {
    let _one_at_a_time = KEYRING.lock().await;
    for stop_at in [Phase::PushKey, Phase::ProveKey] {
        let data = tempfile::tempdir().unwrap();
        live(data.path()).await;
        let (old, new) = {
            let (rehearsal, wizard, _) = connected(data.path()).await;
            let old = rehearsal.inputs().live_key.expose_secret().to_string();
            let new = rehearsal.stripe().roll_key(rehearsal.account_id(), true);
            let given = Given { key: Some(parse_key(KeySlot::Live, &new).unwrap()), ..Given::default() };
            stopped_at(data.path(), wizard, stop_at, Start::new(Kind::ApiKey), given).await;
            (old, new)
        };
        // A new process, no key given again: the one kept in the keyring finishes the rotation.
        let (rehearsal, wizard, _) = connected(data.path()).await;
        assert!(wizard.session().rotate.open.is_some(), "stopped at {stop_at:?}: still open");
        let outcome = wizard.rotate_continue(Given::default(), &Silent).await.unwrap();
        assert_eq!(outcome.rotation.unwrap().phase, Phase::Done, "continued from {stop_at:?}");
        assert_eq!(held("STRIPE_SECRET_KEY").as_deref(), Some(new.as_str()));
        assert_eq!(held("STRIPE_SECRET_KEY_PREVIOUS").as_deref(), Some(old.as_str()));
        assert_eq!(held("STRIPE_SECRET_KEY_NEXT"), None, "the keyring holds exactly the live values");
        assert_eq!(rehearsal.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap()["STRIPE_SECRET_KEY"], new);
        // No key and no webhook secret in the sessions or the report.
        let reports = tempfile::tempdir().unwrap();
        wizard.verify(&Silent).await.unwrap();
        wizard.save_report(reports.path()).unwrap();
        let whsec = held("STRIPE_WEBHOOK_SECRET").unwrap();
        let written = golive_testkit::all_text_under(&data.path().join("sessions"))
            + &golive_testkit::all_text_under(reports.path());
        golive_testkit::assert_no_key_in("sessions and report", &written, &[&new, &old, &whsec]);
        for variable in ["STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY_PREVIOUS", "STRIPE_WEBHOOK_SECRET"] {
            keystore::delete(&EntryName::new(WORKER_NAME, true, variable)).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gradual_deployment_is_in_the_plan_and_refuses_the_start_with_nothing_made() {
    let _one_at_a_time = KEYRING.lock().await;
    let data = tempfile::tempdir().unwrap();
    live(data.path()).await;
    let (rehearsal, wizard, _) = connected(data.path()).await;
    let old = wizard.session().webhook.unwrap().endpoint_id.unwrap();
    assert!(rehearsal.cloudflare().set_gradual_deployment(CF_ACCOUNT_ID, WORKER_NAME, true));
    let versions = rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME);

    // The plan reads the deployment (`wrangler deployments status`) and names the split.
    let plan = wizard.rotate_plan(Start::new(Kind::WebhookSecret)).await.unwrap();
    let rollout = plan.rollout.expect("the plan sees the gradual deployment");
    assert!(rollout.message.contains("at 10%") && rollout.message.contains("at 90%"), "{rollout:?}");
    assert!(rollout.fix.contains("versions deploy"), "{rollout:?}");

    let problem = wizard.rotate_start(Start::new(Kind::WebhookSecret), Given::default(), &Silent).await.unwrap_err();
    assert_eq!(problem.code, "gradual_deployment", "{problem:?}");
    assert!(problem.fix.contains("versions deploy") && !problem.message.contains("[code: 10214]"), "{problem:?}");
    assert_eq!(rehearsal.cloudflare().versions(CF_ACCOUNT_ID, WORKER_NAME), versions, "nothing pushed");
    assert!(wizard.session().rotate.open.is_none(), "no rotation is left open");
    assert!(held("STRIPE_WEBHOOK_SECRET_NEXT").is_none(), "no new endpoint was made");

    assert!(rehearsal.cloudflare().set_gradual_deployment(CF_ACCOUNT_ID, WORKER_NAME, false));
    assert!(wizard.rotate_plan(Start::new(Kind::WebhookSecret)).await.unwrap().rollout.is_none());
    let done = wizard.rotate_start(Start::new(Kind::WebhookSecret), Given::default(), &Silent).await.unwrap();
    assert_eq!(done.phase, Phase::Done);
    assert_rotated(&rehearsal, &old);
    keystore::delete(&EntryName::new(WORKER_NAME, true, "STRIPE_WEBHOOK_SECRET")).unwrap();
}
