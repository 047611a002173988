//! The wizard layer end to end on the stand-ins: sessions per project and mode (another
//! folder or another account never inherits what went live elsewhere), the migration of a
//! first-version session file, and `go-live` from Connect to Verify — then again, writing
//! nothing.

mod support;

use golive::catalog::ValidateOptions;
use golive::connect::ConnectInput;
use golive::environment::Mode;
use golive::keystore::{self, EntryName};
use golive::local_worker::LocalWorker;
use golive::progress::Silent;
use golive::session::Session;
use golive::steps::StepId;
use golive::wizard::go_live::{GoLiveAsk, Yes};
use golive::wizard::{LocalWorld, Problem, ProblemKind, SessionStore, StepStatus, WebhookAsk, Wizard};
use golive::Environment;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stripe_standin::AccountSpec;
use support::{unique_worker, Fixture, CF_ACCOUNT};

/// A project folder with a wrangler.toml for `script` (workers.dev on), deployed on the
/// Cloudflare stand-in.
fn project(fx: &Fixture, script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrangler.toml"),
        format!("name = \"{script}\"\naccount_id = \"{CF_ACCOUNT}\"\nmain = \"src/index.js\"\nworkers_dev = true\n"),
    )
    .unwrap();
    fx.cloudflare.set_subdomain(CF_ACCOUNT, "acme");
    fx.cloudflare.add_script(CF_ACCOUNT, script);
    dir
}

fn input(fx: &Fixture, dir: &Path) -> ConnectInput {
    ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: dir.to_path_buf() }
}

fn accept() -> ValidateOptions {
    ValidateOptions { expected_tiers: None, accept_suggestions: true }
}

/// The Worker "deployed" for Verify: the reference Worker run by `wrangler dev` with the
/// secrets the Cloudflare stand-in holds for `script`.
struct StandInWorld {
    fx: Arc<Fixture>,
    script: String,
    project: tempfile::TempDir,
}

impl LocalWorld for StandInWorld {
    fn start_worker<'a>(
        &'a self,
        env: &'a Environment,
    ) -> futures::future::BoxFuture<'a, Result<LocalWorker, Problem>> {
        Box::pin(async move {
            let secrets: Vec<(String, SecretString)> = self
                .fx
                .cloudflare
                .secrets(CF_ACCOUNT, &self.script)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, SecretString::from(v)))
                .collect();
            let mut env = env.clone();
            env.wrangler_env.push(("XDG_CONFIG_HOME".into(), self.project.path().join(".xdg").display().to_string()));
            LocalWorker::start(&golive_testkit::repo_wrangler(), self.project.path(), &env, &secrets)
                .await
                .map_err(|e| Problem::new(ProblemKind::Refused, "worker", e, "see the log"))
        })
    }

    fn route_deliveries(&self, endpoint_url: &str, worker: &LocalWorker) {
        let host = url::Url::parse(endpoint_url).unwrap().host_str().unwrap().to_string();
        self.fx.stripe.route_deliveries(&host, &worker.base_url());
    }

    fn complete_checkout<'a>(&'a self, id: &'a str) -> futures::future::BoxFuture<'a, Result<(), Problem>> {
        Box::pin(async move {
            self.fx
                .stripe
                .complete_checkout(&self.fx.keys.account_id, true, id)
                .await
                .map(|_| ())
                .map_err(|e| Problem::new(ProblemKind::Refused, "checkout", e, "see the stand-in"))
        })
    }
}

fn forget_keyring(script: &str) {
    for var in [keystore::STRIPE_SECRET_KEY, golive::webhook::SECRET_VAR] {
        let _ = keystore::delete(&EntryName::new(script, true, var));
    }
}

#[tokio::test]
async fn another_account_starts_the_later_steps_over_and_another_folder_has_its_own_session() {
    let fx = Fixture::new().await;
    fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let data = tempfile::tempdir().unwrap();
    let (x_name, y_name) = (unique_worker("x"), unique_worker("y"));
    let (x, y) = (project(&fx, &x_name), project(&fx, &y_name));
    let wizard = Wizard::open(SessionStore::new(data.path()), fx.env(), None, x.path()).unwrap();
    assert!(wizard.connect(input(&fx, x.path()), &Silent).await.unwrap().passed());
    let applied = wizard.apply_catalog(&accept(), &Silent).await.unwrap();
    assert!(applied.portal.is_some() && !applied.price_ids.is_empty());
    assert!(wizard.session().catalog_done());

    // Project Y on the same account: its own session, starting at Connect; X's is intact.
    assert!(wizard.connect(input(&fx, y.path()), &Silent).await.unwrap().passed());
    let y_session = wizard.session();
    assert_eq!(y_session.project_dir.as_deref(), Some(y.path()));
    assert!(!y_session.catalog_done() && y_session.catalog.created.is_empty());
    let store = SessionStore::new(data.path());
    let (x_saved, _) = store.load(Mode::Rehearsal, x.path()).unwrap();
    assert!(x_saved.catalog_done(), "X's record of what went live is kept");
    assert_eq!(store.recent().len(), 2);

    // Back to X with another Stripe account: nothing of the first account's remains.
    let other = fx.stripe.add_account(AccountSpec { display_name: "Other SaaS".into(), ..Default::default() });
    let other_input = ConnectInput {
        test_key: golive::stripe_key::parse_key(golive::stripe_key::KeySlot::Test, &other.test_secret).unwrap(),
        live_key: golive::stripe_key::parse_key(golive::stripe_key::KeySlot::Live, &other.live_secret).unwrap(),
        project_dir: x.path().to_path_buf(),
    };
    assert!(wizard.connect(other_input, &Silent).await.unwrap().passed());
    let switched = wizard.session();
    assert_eq!(switched.connect.as_ref().unwrap().account.id, other.account_id);
    assert_eq!(switched.catalog, Default::default());
    assert!(switched.webhook.is_none() && switched.secrets.is_none() && switched.verify.is_none());
    assert_eq!(store.load(Mode::Rehearsal, x.path()).unwrap().0, switched, "saved as it is");
}

#[tokio::test]
async fn a_first_version_session_file_moves_to_its_project_with_nothing_lost() {
    let fx = Fixture::new().await;
    let script = unique_worker("v1");
    let dir = project(&fx, &script);
    let mut old =
        fx.connected_session(&std::fs::read_to_string(dir.path().join("wrangler.toml")).unwrap(), &script).await;
    old.project_dir = Some(dir.path().to_path_buf());
    old.version = 1;
    old.mode = Mode::Real;
    old.webhook = Some(golive::webhook::WebhookRecord {
        url: format!("https://{script}.acme.workers.dev/webhook/stripe"),
        endpoint_id: Some("we_went_live_last_week".into()),
        ..Default::default()
    });
    let data = tempfile::tempdir().unwrap();
    // As golive 0.1 wrote it: one session.json in the data folder.
    std::fs::write(data.path().join("session.json"), serde_json::to_vec_pretty(&old).unwrap()).unwrap();

    let mut env = fx.env();
    env.mode = Mode::Real;
    let wizard = Wizard::open(SessionStore::new(data.path()), env, None, dir.path()).unwrap();
    let migrated = wizard.session();
    assert_eq!(migrated.webhook.as_ref().unwrap().endpoint_id.as_deref(), Some("we_went_live_last_week"));
    assert_eq!(migrated.connect, old.connect);
    assert_eq!(migrated.version, golive::session::VERSION);
    assert!(!data.path().join("session.json").exists());
    let backup = std::fs::read_to_string(data.path().join("session.json.v1-backup")).unwrap();
    assert_eq!(serde_json::from_str::<Session>(&backup).unwrap(), old, "the old file is kept as it was");
    // A rehearsal never touches it.
    let rehearsal = Wizard::open(SessionStore::new(data.path()), fx.env(), None, dir.path()).unwrap();
    assert!(rehearsal.session().webhook.is_none());
}

#[tokio::test]
async fn an_earlier_step_not_done_is_a_problem_that_says_which() {
    let fx = Fixture::new().await;
    let data = tempfile::tempdir().unwrap();
    let dir = project(&fx, &unique_worker("early"));
    let wizard = Wizard::open(SessionStore::new(data.path()), fx.env(), None, dir.path()).unwrap();
    let problem = wizard.plan_catalog(&accept()).await.unwrap_err();
    assert_eq!(problem.kind, ProblemKind::NotReady);
    assert_eq!(problem.kind.exit_code(), 2);
    assert!(problem.fix.contains("Connect"), "{problem:?}");
    assert!(wizard.go_to(StepId::Secrets).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn go_live_runs_every_step_then_again_writes_nothing() {
    let fx = Arc::new(Fixture::new().await);
    fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Starter", "starter", &[(900, "month", 1)]);
    fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Pro", "Pro", &[(2900, "month", 1)]);
    let script = unique_worker("golive");
    let dir = project(&fx, &script);
    let data = tempfile::tempdir().unwrap();
    let world = StandInWorld {
        fx: fx.clone(),
        script: script.clone(),
        project: golive_testkit::worker_project(&golive_testkit::repo_root().join("examples/worker")),
    };
    let world: Arc<dyn LocalWorld> = Arc::new(world);
    let ask = || GoLiveAsk {
        connect: input(&fx, dir.path()),
        catalog: accept(),
        webhook: WebhookAsk::default(),
        report_dir: Some(data.path().join("report")),
    };
    let wizard = Wizard::open(SessionStore::new(data.path()), fx.env(), Some(world.clone()), dir.path()).unwrap();
    let first = wizard.go_live(ask(), &Yes, &Silent).await;
    let statuses: Vec<(StepId, StepStatus)> = first.steps.iter().map(|s| (s.step, s.status)).collect();
    assert!(first.passed, "{:#?}", first.problem());
    assert_eq!(
        statuses,
        [
            (StepId::Connect, StepStatus::Passed),
            (StepId::Catalog, StepStatus::Done),
            (StepId::Webhook, StepStatus::Done),
            (StepId::Secrets, StepStatus::Done),
            (StepId::Audit, StepStatus::Passed),
            (StepId::Verify, StepStatus::Passed),
        ]
    );
    assert!(data.path().join("report/go-live-report.md").exists());

    // Again, in a new process's worth of wizard: every step found done, not one write.
    let live_writes =
        |fx: &Fixture| fx.stripe.requests().iter().filter(|r| r.method != "GET" && r.livemode == Some(true)).count();
    let (writes, versions) = (live_writes(&fx), fx.cloudflare.versions(CF_ACCOUNT, &script));
    let again = Wizard::open(SessionStore::new(data.path()), fx.env(), Some(world), dir.path()).unwrap();
    let second = again.go_live(ask(), &Yes, &Silent).await;
    assert!(second.passed, "{:#?}", second.problem());
    let statuses: Vec<StepStatus> = second.steps.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        [
            StepStatus::Passed,
            StepStatus::AlreadyDone,
            StepStatus::AlreadyDone,
            StepStatus::AlreadyDone,
            StepStatus::Passed,
            StepStatus::Passed
        ]
    );
    assert_eq!(live_writes(&fx), writes, "no write to Stripe's live mode");
    assert_eq!(fx.cloudflare.versions(CF_ACCOUNT, &script), versions, "no new Worker version");
    forget_keyring(&script);
}

#[tokio::test(flavor = "multi_thread")]
async fn go_live_stops_at_a_blocked_catalog_with_its_fix_and_writes_nothing() {
    let fx = Fixture::new().await;
    fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Pro", "Pro", &[(2900, "month", 1)]);
    let dir = project(&fx, &unique_worker("blocked"));
    let data = tempfile::tempdir().unwrap();
    let wizard = Wizard::open(SessionStore::new(data.path()), fx.env(), None, dir.path()).unwrap();
    let ask = GoLiveAsk {
        connect: input(&fx, dir.path()),
        catalog: ValidateOptions::default(),
        webhook: WebhookAsk::default(),
        report_dir: None::<PathBuf>,
    };
    let outcome = wizard.go_live(ask, &Yes, &Silent).await;
    assert!(!outcome.passed);
    let last = outcome.steps.last().unwrap();
    assert_eq!((last.step, last.status), (StepId::Catalog, StepStatus::Failed));
    let problem = outcome.problem().unwrap();
    assert_eq!(problem.kind, ProblemKind::InvalidInput);
    assert!(problem.message.contains("Pro") && problem.fix.contains("pro"), "{problem:?}");
    assert!(fx.stripe.requests().iter().all(|r| r.method == "GET"), "nothing written");
}

#[tokio::test]
async fn an_environment_the_configuration_lacks_is_refused_before_anything_is_stored() {
    let fx = Fixture::new().await;
    fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let script = unique_worker("envs");
    let dir = project(&fx, &script);
    let toml =
        std::fs::read_to_string(dir.path().join("wrangler.toml")).unwrap() + "\n[env.staging]\nworkers_dev = true\n";
    std::fs::write(dir.path().join("wrangler.toml"), toml).unwrap();
    let data = tempfile::tempdir().unwrap();
    let wizard = Wizard::open(SessionStore::new(data.path()), fx.env(), None, dir.path()).unwrap();
    assert!(wizard.connect(input(&fx, dir.path()), &Silent).await.unwrap().passed());
    wizard.apply_catalog(&accept(), &Silent).await.unwrap();

    // Secrets before the Webhook step: a secret another run left in the keyring is not pushed.
    let stray = EntryName::new(&script, true, golive::webhook::SECRET_VAR);
    keystore::put(&stray, &SecretString::from(format!("{}_{}", "whsec", "L3ftBy4n0therRun".repeat(2)))).unwrap();
    let early = wizard.push_secrets(None, &Silent).await.unwrap_err();
    assert_eq!(early.kind, ProblemKind::NotReady, "{early:?}");
    assert!(fx.cloudflare.secrets(CF_ACCOUNT, &script).unwrap_or_default().is_empty());
    keystore::delete(&stray).unwrap();

    for bad in ["nosuch", "x; rm -rf ~", "-rf"] {
        let ask = WebhookAsk { worker_env: Some(bad.into()), ..Default::default() };
        let problem = wizard.ensure_webhook(&ask).await.unwrap_err();
        assert_eq!(problem.kind, ProblemKind::InvalidInput, "{bad}: {problem:?}");
        assert!(problem.message.contains("staging"), "names the environments there are: {problem:?}");
        assert_eq!(wizard.session().worker_env, None);
        assert!(fx.stripe.webhook_endpoints(&fx.keys.account_id, true).is_empty(), "nothing created for {bad}");
        let entry = EntryName::new(&format!("{script}-{bad}"), true, golive::webhook::SECRET_VAR);
        assert!(keystore::get(&entry).unwrap().is_none(), "nothing filed under {bad}");
    }
    let staging = WebhookAsk { worker_env: Some("staging".into()), ..Default::default() };
    assert!(wizard.plan_webhook(&staging).await.unwrap().url.contains(&format!("{script}-staging")));
    forget_keyring(&format!("{script}-staging"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_runs_at_once_make_one_endpoint_whose_secret_the_keyring_holds() {
    let fx = Fixture::new().await;
    fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let script = unique_worker("twice");
    let dir = project(&fx, &script);
    let data = tempfile::tempdir().unwrap();
    let open = || Wizard::open(SessionStore::new(data.path()), fx.env(), None, dir.path()).unwrap();
    let (a, b) = (open(), open());
    for w in [&a, &b] {
        assert!(w.connect(input(&fx, dir.path()), &Silent).await.unwrap().passed());
    }
    a.apply_catalog(&accept(), &Silent).await.unwrap();
    let ask = WebhookAsk::default();
    let (first, second) = tokio::join!(a.ensure_webhook(&ask), b.ensure_webhook(&ask));
    let (first, second) = (first.unwrap(), second.unwrap());
    let live = fx.stripe.webhook_endpoints(&fx.keys.account_id, true);
    assert_eq!(live.len(), 1, "{live:#?}");
    assert_eq!(first.endpoint.id, second.endpoint.id, "the second run found what the first made");
    let held = keystore::get(&EntryName::new(&script, true, golive::webhook::SECRET_VAR)).unwrap().unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&held), live[0].secret);
    forget_keyring(&script);
}

#[tokio::test]
async fn a_live_key_of_another_account_in_the_keyring_is_refused_before_any_write() {
    let fx = Fixture::new().await;
    fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let script = unique_worker("other");
    let dir = project(&fx, &script);
    let data = tempfile::tempdir().unwrap();
    let wizard = Wizard::open(SessionStore::new(data.path()), fx.env(), None, dir.path()).unwrap();
    assert!(wizard.connect(input(&fx, dir.path()), &Silent).await.unwrap().passed());
    wizard.apply_catalog(&accept(), &Silent).await.unwrap();
    // Later, in a new run that has no keys in memory, the keyring holds account B's live key.
    let other = fx.stripe.add_account(AccountSpec::default());
    let entry = EntryName::new(&script, true, keystore::STRIPE_SECRET_KEY);
    keystore::put(&entry, &SecretString::from(other.live_secret.clone())).unwrap();
    let later = Wizard::open(SessionStore::new(data.path()), fx.env(), None, dir.path()).unwrap();
    let problem = later.ensure_webhook(&WebhookAsk::default()).await.unwrap_err();
    assert_eq!((problem.kind, problem.code.as_str()), (ProblemKind::InvalidInput, "other_account"), "{problem:?}");
    assert!(problem.message.contains(&other.account_id) && problem.message.contains(&fx.keys.account_id));
    for account in [&fx.keys.account_id, &other.account_id] {
        assert!(fx.stripe.webhook_endpoints(account, true).is_empty(), "nothing written in {account}");
    }
    forget_keyring(&script);
}

#[tokio::test]
async fn a_missing_folder_or_a_broken_stripe_address_is_refused_at_once() {
    let fx = Fixture::new().await;
    let data = tempfile::tempdir().unwrap();
    let gone = data.path().join("no-such-project");
    let problem = Wizard::open(SessionStore::new(data.path()), fx.env(), None, &gone).err().expect("refused");
    assert_eq!((problem.kind, problem.code.as_str()), (ProblemKind::InvalidInput, "no_project"));
    assert!(problem.message.contains("no-such-project"));
    let mut env = fx.env();
    env.stripe_base_url = Some("localhost:12111".into());
    let problem = Wizard::blank(SessionStore::new(data.path()), env, None).err().expect("refused");
    assert_eq!(problem.kind, ProblemKind::InvalidInput);
    assert!(problem.message.contains("GOLIVE_STRIPE_API_BASE") && problem.fix.contains("http://"), "{problem:?}");
    assert!(std::fs::read_dir(data.path()).unwrap().next().is_none(), "nothing written");
}
