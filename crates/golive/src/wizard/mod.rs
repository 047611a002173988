//! The wizard: the one place that owns the flow. It holds the session of one project and
//! mode, the environment (real services or the rehearsal's stand-ins), the keys Connect
//! accepted, and the rule "save after every write"; it offers one call per user action.
//! Both faces (the app and the CLI) are adapters over it: parse input, one call, render.
//!
//! Sessions are per project folder and mode ([`store`]): Connect with another folder opens
//! that folder's session; Connect with another Stripe account forgets what the later steps
//! recorded for the old one ([`Session::forget_other_account`]). Every failure is a
//! [`Problem`].

pub mod audit;
pub mod billing;
pub mod cloudflare;
pub mod deploy;
pub mod go_live;
pub mod outputs;
pub mod rotate;
pub mod smoke;
pub mod store;

pub use crate::local_worker::LocalWorld;
pub use crate::problem::{Problem, ProblemKind};
pub use billing::{BillingAsk, BillingPlan, BillingScenario};
pub use cloudflare::CloudflareLogin;
pub use go_live::{GoLiveAsk, GoLiveOutcome, StepReport, StepStatus};
pub use smoke::{SmokeAsk, SmokePlan, SmokeState, SmokeTier};
pub use store::{LoadNote, RecentProject, SessionStore};

use crate::catalog::{
    self, portal::PortalOutcome, price_ids::PriceIdVar, ApplyOptions, ApplyOutcome, CatalogPlan, Created,
    ValidateOptions,
};
use crate::connect::{self, ConnectInput, ConnectReport};
use crate::environment::{Environment, Mode};
use crate::keystore::{self, EntryName, STRIPE_SECRET_KEY};
use crate::progress::ProgressSink;
use crate::secrets::{SecretStatus, SecretsRecord};
use crate::session::Session;
use crate::steps::StepId;
use crate::stripe_key::{parse_key, KeySlot, StripeKey};
use crate::verify::VerifyReport;
use crate::webhook::{
    self, endpoints::Endpoint, Candidates, WebhookOutcome, WebhookPlan, WebhookRecord, WebhookRequest,
};
use secrecy::ExposeSecret;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the Catalog step made and collected.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogApplied {
    pub outcome: ApplyOutcome,
    pub price_ids: Vec<PriceIdVar>,
    pub portal: Option<PortalOutcome>,
}

/// What the user asks of the Webhook step.
#[derive(Debug, Clone, Default)]
pub struct WebhookAsk {
    /// The endpoint URL; `None`: the Worker's first candidate address.
    pub url: Option<String>,
    /// Events beyond the four subscription events.
    pub extra_events: Vec<String>,
    /// The wrangler environment the Worker is deployed as; `None` keeps the session's.
    pub worker_env: Option<String>,
}

/// What the Secrets step pushed.
#[derive(Debug, Clone, Serialize)]
pub struct SecretsPushed {
    pub record: SecretsRecord,
    pub statuses: Vec<SecretStatus>,
}

/// Refuses an environment golive cannot work in, before anything runs: a Stripe address
/// override (`GOLIVE_STRIPE_API_BASE`) that is not an http(s) URL.
fn check_environment(env: &Environment) -> Result<(), Problem> {
    if let Some(base) = &env.stripe_base_url {
        let usable = url::Url::parse(base).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !usable {
            return Err(Problem::invalid(
                format!("{} is “{base}”, which is not a Stripe API address.", crate::environment::STRIPE_BASE_VAR),
                format!(
                    "Unset {} to use Stripe itself, or give a full address such as http://127.0.0.1:12111/.",
                    crate::environment::STRIPE_BASE_VAR
                ),
            )
            .with_code("bad_environment"));
        }
    }
    Ok(())
}

/// A catalog plan that may not be applied, as a problem: its first blocking problem, with
/// that problem's fix.
pub fn blocked(plan: &CatalogPlan) -> Problem {
    let blocking: Vec<_> =
        plan.problems.iter().filter(|p| p.severity == catalog::validate::Severity::Blocking).collect();
    let (message, fix) = match blocking.first() {
        Some(first) => (
            format!(
                "{}: {}{}",
                first.product_name,
                first.message,
                match blocking.len() {
                    1 => String::new(),
                    n => format!(" (and {} more problem(s) the plan lists)", n - 1),
                }
            ),
            first.fix.clone(),
        ),
        None => ("The catalog plan is blocked.".into(), "Fix what the plan lists, then plan again.".into()),
    };
    Problem::invalid(message, fix).with_code("catalog_blocked")
}

/// How long a writing action waits for another golive working on the same project.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct Wizard {
    store: SessionStore,
    env: Environment,
    world: Option<Arc<dyn LocalWorld>>,
    session: Mutex<Session>,
    keys: Mutex<Option<(StripeKey, StripeKey)>>,
    note: LoadNote,
}

impl Wizard {
    /// The session of `project` in the environment's mode (a new one if there is none).
    pub fn open(
        store: SessionStore,
        env: Environment,
        world: Option<Arc<dyn LocalWorld>>,
        project: &Path,
    ) -> Result<Self, Problem> {
        check_environment(&env)?;
        if !project.is_dir() {
            return Err(Problem::invalid(
                format!("{} is not a folder.", project.display()),
                "Give the folder of your Worker: the one that holds wrangler.toml (or wrangler.jsonc) and where you run `wrangler deploy`.",
            )
            .with_code("no_project"));
        }
        store.migrate_v1()?;
        let (session, note) = store.load(env.mode, project)?;
        let wizard = Self { store, env, world, session: Mutex::new(session), keys: Mutex::new(None), note };
        wizard.load_cloudflare_token();
        Ok(wizard)
    }

    /// No project yet (the app before its first Connect): Connect names the folder.
    pub fn blank(store: SessionStore, env: Environment, world: Option<Arc<dyn LocalWorld>>) -> Result<Self, Problem> {
        check_environment(&env)?;
        store.migrate_v1()?;
        let session = Session::new(env.mode);
        let wizard =
            Self { store, env, world, session: Mutex::new(session), keys: Mutex::new(None), note: LoadNote::default() };
        wizard.load_cloudflare_token();
        Ok(wizard)
    }

    /// A copy of the session as it stands.
    pub fn session(&self) -> Session {
        self.session.lock().expect("no panic while holding the session").clone()
    }

    pub fn env(&self) -> &Environment {
        &self.env
    }

    pub fn mode(&self) -> Mode {
        self.env.mode
    }

    pub fn store(&self) -> &SessionStore {
        &self.store
    }

    /// What loading the session found (a damaged file moved aside).
    pub fn load_note(&self) -> &LoadNote {
        &self.note
    }

    /// Changes the session and saves it at once (nothing is saved before a project is known).
    fn update<T>(&self, change: impl FnOnce(&mut Session) -> T) -> Result<T, Problem> {
        let mut session = self.session.lock().expect("no panic while holding the session");
        let out = change(&mut session);
        if session.project_dir.is_some() {
            self.store.save(&session)?;
        }
        Ok(out)
    }

    /// Waits for this project's lock (another golive may be working on it), then reads the
    /// session again from disk: what that other run wrote is where this one starts. `None`
    /// before a project is known.
    async fn lock(&self, action: &str) -> Result<Option<store::SessionLock>, Problem> {
        let Some(project) = self.session().project_dir else { return Ok(None) };
        let started = std::time::Instant::now();
        let lock = loop {
            match self.store.try_lock(self.env.mode, &project, action)? {
                Ok(lock) => break lock,
                Err(_) if started.elapsed() < LOCK_WAIT => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await
                }
                Err(holder) => {
                    return Err(Problem::new(
                        ProblemKind::NotReady,
                        "busy",
                        format!(
                            "Another golive is working on this project{}.",
                            if holder.is_empty() { String::new() } else { format!(" ({holder})") }
                        ),
                        "Wait for it to finish (or close the other window), then try again.",
                    ))
                }
            }
        };
        let (fresh, _) = self.store.load(self.env.mode, &project)?;
        *self.session.lock().expect("no panic while holding the session") = fresh;
        Ok(Some(lock))
    }

    /// The keys Connect accepted in this process.
    pub fn keys(&self) -> Result<(StripeKey, StripeKey), Problem> {
        self.keys.lock().expect("no panic while holding the keys").clone().ok_or_else(|| {
            Problem::not_ready(
                "golive keeps your Stripe keys in memory only, and this run has none yet.",
                "Go back to Connect and press Check (the CLI: give the keys as for `golive connect`), then return here.",
            )
        })
    }

    /// The live key: Connect's in this run, else the one the Secrets step kept in the keyring
    /// for this Worker (so the later steps survive a restart of the app).
    pub async fn live_key(&self) -> Result<StripeKey, Problem> {
        if let Ok((_, live)) = self.keys() {
            return Ok(live);
        }
        let missing = self.keys().expect_err("no keys");
        let Some(script) = self.session().script_name() else { return Err(missing) };
        let entry = EntryName::new(&script, true, STRIPE_SECRET_KEY);
        let key = match keystore::blocking(move || keystore::get(&entry)).await? {
            Some(value) => {
                parse_key(KeySlot::Live, value.expose_secret()).map_err(|p| Problem::invalid(p.message, p.fix))?
            }
            None => return Err(missing),
        };
        // Not Connect's: prove it is this project's account before anything reads or writes.
        let expected = self.session().connect.map(|c| c.account.id).unwrap_or_default();
        let account = crate::stripe_api::retrieve_account(&crate::stripe_api::client(&self.env, &key)).await?;
        if account.id != expected {
            return Err(Problem::invalid(
                format!(
                    "The live key the keyring holds for {script} ({}) is of Stripe account {}, not {expected}, the one this project went live with.",
                    key.hint(),
                    account.id
                ),
                "Go back to Connect and check both keys of the right account; golive then keeps that live key.",
            )
            .with_code("other_account"));
        }
        Ok(key)
    }

    /// Connect: checks both keys and the Worker folder (read-only). When it passes, the
    /// session becomes that folder's (another folder: its own session), an account other
    /// than the session's makes the later steps start over, and the keys are kept in memory.
    pub async fn connect(&self, input: ConnectInput, sink: &dyn ProgressSink) -> Result<ConnectReport, Problem> {
        self.connect_with(input, sink, true).await
    }

    /// Connect for the steps after it: the same checks, a problem when they do not pass (so a
    /// later step always acts on the keys and Worker as they are now), and keys of another
    /// account than the project's are refused, not switched to — moving a project to another
    /// account is Connect's alone, done on purpose.
    pub async fn connect_checked(
        &self,
        input: ConnectInput,
        sink: &dyn ProgressSink,
    ) -> Result<ConnectReport, Problem> {
        let report = self.connect_with(input, sink, false).await?;
        match Problem::from_connect(&report) {
            Some(problem) => Err(problem),
            None => Ok(report),
        }
    }

    async fn connect_with(
        &self,
        input: ConnectInput,
        sink: &dyn ProgressSink,
        may_switch_account: bool,
    ) -> Result<ConnectReport, Problem> {
        let report = connect::check(&input, &self.env, sink).await;
        let Some(outcome) = report.outcome.clone() else {
            *self.keys.lock().expect("no panic while holding the keys") = None;
            return Ok(report);
        };
        let same_folder = |a: &Path| {
            let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
            canonical(a) == canonical(&input.project_dir)
        };
        let other_project = self.session().project_dir.as_deref().is_none_or(|p| !same_folder(p));
        if other_project {
            let (session, _) = self.store.load(self.env.mode, &input.project_dir)?;
            *self.session.lock().expect("no panic while holding the session") = session;
        }
        self.refuse_a_rotated_key(&input).await?;
        if !may_switch_account {
            if let Some(old) = self.session().connect.filter(|old| old.account.id != outcome.account.id) {
                *self.keys.lock().expect("no panic while holding the keys") = None;
                return Err(Problem::invalid(
                    format!(
                        "These keys are of Stripe account {} ({}), but this project is set up with account {} ({}).",
                        outcome.account.name, outcome.account.id, old.account.name, old.account.id
                    ),
                    format!(
                        "Use the keys of {} for this project. To move the project to {} on purpose, run Connect with its keys first (`golive connect`): golive then starts the later steps over for that account.",
                        old.account.id, outcome.account.id
                    ),
                )
                .with_code("other_account"));
            }
        }
        *self.keys.lock().expect("no panic while holding the keys") =
            Some((input.test_key.clone(), input.live_key.clone()));
        let _lock = self.lock("connecting").await?;
        self.update(|session| {
            if session.connect.as_ref().is_some_and(|old| old.account.id != outcome.account.id) {
                session.forget_other_account();
            }
            session.project_dir = Some(input.project_dir.clone());
            session.connect = Some(outcome);
        })?;
        Ok(report)
    }

    /// A live key this project rotated away from (kept as previous until Stripe refuses it)
    /// must not come back through Connect: the Secrets step would push it again, and the
    /// Worker would stop working the day it expires.
    async fn refuse_a_rotated_key(&self, input: &ConnectInput) -> Result<(), Problem> {
        let session = self.session();
        let (Some(script), Some(retiring)) = (session.script_name(), session.rotate.retiring.last()) else {
            return Ok(());
        };
        let entry = EntryName::new(&script, true, crate::rotate::KEY_PREVIOUS);
        let Some(previous) = keystore::blocking(move || keystore::get(&entry)).await? else { return Ok(()) };
        if previous.expose_secret() != input.live_key.expose() {
            return Ok(());
        }
        *self.keys.lock().expect("no panic while holding the keys") = None;
        Err(Problem::invalid(
            format!(
                "The live key {} is the one this project rotated away from on {}; Stripe stops accepting it when the expiry you chose passes.",
                input.live_key.hint(),
                crate::clock::describe(retiring.since)
            ),
            "Use the new live key: the keyring holds it (`--keys-from-keyring`), or copy it again from Dashboard → Developers → API keys.",
        )
        .with_code("rotated_key"))
    }

    /// The catalog plan: both catalogs read and compared, tiers validated; nothing written.
    pub async fn plan_catalog(&self, options: &ValidateOptions) -> Result<(catalog::Catalog, CatalogPlan), Problem> {
        self.connected()?;
        let (test_key, live_key) = self.keys()?;
        Ok(catalog::plan_catalog(&self.env, &test_key, &live_key, options).await?)
    }

    /// Creates what live mode lacks (each id saved the moment it lands), then collects the
    /// live price IDs and ensures the customer portal.
    pub async fn apply_catalog(
        &self,
        options: &ValidateOptions,
        sink: &dyn ProgressSink,
    ) -> Result<CatalogApplied, Problem> {
        let _lock = self.lock("creating the live catalog").await?;
        let (test, plan) = self.plan_catalog(options).await?;
        if plan.blocked {
            return Err(blocked(&plan));
        }
        let (_, live_key) = self.keys()?;
        let live = crate::stripe_api::client(&self.env, &live_key);
        let record = |created: &Created| {
            // A failed save here is reported by the next one; the write itself has landed.
            let _ = self.update(|s| s.catalog.created.push(created.clone()));
        };
        let outcome = catalog::apply(&live, &test, &plan, ApplyOptions::default(), sink, &record).await;
        if !outcome.failed.is_empty() {
            return Ok(CatalogApplied { outcome, price_ids: Vec::new(), portal: None });
        }
        let (live_catalog, portal) =
            tokio::try_join!(catalog::read::read_catalog(&live), catalog::portal::ensure_portal(&live))?;
        let price_ids = catalog::price_ids::price_id_vars(&live_catalog);
        self.update(|s| {
            s.catalog.price_ids = Some(price_ids.clone());
            s.catalog.portal = Some(portal.clone());
        })?;
        Ok(CatalogApplied { outcome, price_ids, portal: Some(portal) })
    }

    /// The addresses to offer for the Worker (its routes, or workers.dev) in `worker_env`.
    pub async fn webhook_candidates(&self, worker_env: Option<&str>) -> Result<Candidates, Problem> {
        let session = self.connected()?;
        let connect = session.connect.as_ref().expect("connected");
        let project = session.project_dir.clone().expect("connected");
        Ok(webhook::candidate_urls(&self.env, &connect.worker, &project, worker_env).await)
    }

    /// The request the Webhook step carries out, with the URL resolved (and the session's
    /// wrangler environment set when the ask names one).
    async fn webhook_request(&self, ask: &WebhookAsk) -> Result<WebhookRequest, Problem> {
        self.connected()?;
        if let Some(env) = &ask.worker_env {
            self.set_worker_env(env)?;
        }
        let session = self.session();
        let url = match &ask.url {
            Some(url) => url.clone(),
            None => {
                let found = self.webhook_candidates(session.worker_env.as_deref()).await?;
                match found.candidates.first() {
                    Some(c) => c.url.clone(),
                    None => {
                        return Err(Problem::invalid(
                            found.note.unwrap_or_else(|| {
                                "The Worker's configuration has no route and workers.dev is off.".into()
                            }),
                            "Give the Worker's address (e.g. https://api.example.com/webhook/stripe).",
                        ))
                    }
                }
            }
        };
        Ok(WebhookRequest {
            url,
            extra_events: ask.extra_events.clone(),
            project: session.script_name().expect("connected"),
        })
    }

    /// What the Webhook step would do (nothing is written).
    pub async fn plan_webhook(&self, ask: &WebhookAsk) -> Result<WebhookPlan, Problem> {
        let request = self.webhook_request(ask).await?;
        let live_key = self.live_key().await?;
        Ok(webhook::plan(&self.env, &live_key, &request, self.session().webhook.as_ref()).await?)
    }

    /// One live endpoint for the Worker, its secret in the keyring (the record is saved
    /// before the create and again the moment the secret is kept).
    pub async fn ensure_webhook(&self, ask: &WebhookAsk) -> Result<WebhookOutcome, Problem> {
        let _lock = self.lock("setting up the live webhook endpoint").await?;
        let request = self.webhook_request(ask).await?;
        let live_key = self.live_key().await?;
        let save = |record: &WebhookRecord| {
            let _ = self.update(|s| s.webhook = Some(record.clone()));
        };
        let record = self.session().webhook;
        let outcome = webhook::ensure(&self.env, &live_key, &request, record.as_ref(), &save).await?;
        // The last save above may have failed silently; this one reports.
        self.update(|_| ())?;
        Ok(outcome)
    }

    /// Turns off the other enabled endpoints the plan offered as duplicates.
    pub async fn disable_duplicates(&self, ids: &[String]) -> Result<Vec<Endpoint>, Problem> {
        let _lock = self.lock("turning off duplicate endpoints").await?;
        let live_key = self.live_key().await?;
        Ok(webhook::disable_duplicates(&self.env, &live_key, ids, self.session().webhook.as_ref()).await?)
    }

    /// What the Secrets step will push, and where each secret stands.
    pub async fn secrets_preview(&self) -> Vec<SecretStatus> {
        let live_key = self.keys().ok().map(|(_, live)| live);
        crate::secrets::preview(&self.session().secrets_input(), live_key.as_ref()).await
    }

    /// Pushes every secret with one `wrangler secret bulk` and confirms each name.
    pub async fn push_secrets(
        &self,
        worker_env: Option<String>,
        sink: &dyn ProgressSink,
    ) -> Result<SecretsPushed, Problem> {
        let _lock = self.lock("pushing the Worker's secrets").await?;
        self.connected()?;
        if let Some(env) = worker_env {
            self.set_worker_env(&env)?;
        }
        if !self.session().webhook_done() {
            // A webhook secret left in the keyring by another run is not this endpoint's.
            return Err(Problem::not_ready(
                "This project has no live webhook endpoint of golive's yet, so there is no signing secret to push.",
                "Run the Webhook step first: it creates (or finds) the endpoint and keeps its secret.",
            ));
        }
        let live_key = self.keys().ok().map(|(_, live)| live);
        let (record, statuses) =
            crate::secrets::push_step(&self.session().secrets_input(), &self.env, live_key.as_ref(), sink).await?;
        self.update(|s| s.secrets = Some(record.clone()))?;
        Ok(SecretsPushed { record, statuses })
    }

    /// Every Verify check, against the deployed Worker — or, in a rehearsal, against its
    /// Worker run on this machine. The report is kept in the session.
    pub async fn verify(&self, sink: &dyn ProgressSink) -> Result<VerifyReport, Problem> {
        let _lock = self.lock("verifying").await?;
        let session = self.session();
        let (worker, env) = self.probe_world().await?;
        let verified = crate::verify::run(&session.verify_input(), &env, sink).await;
        drop(worker);
        let crate::verify::Verified { mut report, probe_events } = verified?;
        // The probe's customer must not stay in the Worker's KV (its tier store in production),
        // nor the events it recorded (the reference Worker's `event:<id>`): exactly those keys
        // are deleted, in one wrangler run. (A run stopped before this leaves the customer to
        // the next Verify — its id never changes — and the events to their 7-day TTL, or to
        // the Audit's sweep of `event:evt_golive_`.)
        if let Some(kv) = worker_kv(&session, &env, crate::audit::behaviour::TierSource::default()) {
            let customer = kv.source.key_of(crate::verify::probe::PROBE_CUSTOMER);
            let keys: Vec<String> =
                std::iter::once(customer.clone()).chain(probe_events.iter().map(|id| format!("event:{id}"))).collect();
            if let Err(e) = kv.delete(&env, &keys).await {
                report.findings.push(crate::findings::Finding::warn(
                    "verify.cleanup",
                    "golive could not delete its probe customer from the Worker's KV",
                    e,
                    format!(
                        "Delete `{customer}` with `npx wrangler kv key delete --binding TIERS {customer} --remote`."
                    ),
                ));
            }
        }
        self.update(|s| s.verify = Some(report.clone()))?;
        Ok(report)
    }

    /// Where probes go: in the rehearsal, the project's Worker started on this machine (it
    /// runs while the returned handle lives) and an environment whose probes reach it; else
    /// the deployed Worker, as the environment says.
    async fn probe_world(&self) -> Result<(Option<crate::local_worker::LocalWorker>, Environment), Problem> {
        let mut env = self.env.clone();
        let Some(world) = &self.world else { return Ok((None, env)) };
        let worker = world.start_worker(&self.env).await?;
        env.webhook_probe_base = Some(worker.base_url());
        Ok((Some(worker), env))
    }

    /// Writes the last Verify report as Markdown and HTML into `dir`.
    pub fn save_report(&self, dir: &Path) -> Result<(PathBuf, PathBuf), Problem> {
        let session = self.session();
        let mut report =
            session.verify.ok_or_else(|| Problem::not_ready("Verify has not run yet.", "Run Verify first."))?;
        // The audit as it stands now: ticks given after Verify ran belong in the report.
        report.audit = Some(session.audit);
        report.smoke = session.smoke.latest().cloned();
        report.billing = session.billing.clone();
        crate::verify::report::save(&report, dir).map_err(|e| {
            Problem::invalid(
                format!("Could not write the report into {}: {e}", dir.display()),
                "Choose a folder you may write to (it is created if missing).",
            )
            .with_code("report_path")
        })
    }

    /// Remembers which step the user is on, so the window reopens there.
    pub fn go_to(&self, step: StepId) -> Result<(), Problem> {
        if !self.session().reachable().contains(&step) {
            return Err(Problem::not_ready(
                format!("{} is not open yet.", step.title()),
                "Finish the steps before it first.",
            ));
        }
        self.update(|s| s.current = step)
    }

    /// Targets the wrangler environment `env` (`""`: the top level), which must be one the
    /// Worker's configuration defines — checked before anything is stored or run under it.
    pub fn set_worker_env(&self, env: &str) -> Result<(), Problem> {
        let env = Some(env.trim().to_string()).filter(|e| !e.is_empty());
        if let Some(name) = &env {
            let session = self.connected()?;
            let config = &session.connect.as_ref().expect("connected").worker.config;
            if !config.environments.contains_key(name) {
                let known: Vec<&str> = config.environments.keys().map(String::as_str).collect();
                let shown: String = name.chars().take(60).collect();
                return Err(Problem::invalid(
                    format!(
                        "“{shown}” is not an environment of {} ({}).",
                        config.file.display(),
                        if known.is_empty() { "it defines none".to_string() } else { format!("it defines {}", known.join(", ")) }
                    ),
                    "Use one of the environments the file defines under [env.NAME] (the --env you deploy with), or none for the top-level Worker.",
                ));
            }
        }
        self.update(|s| s.worker_env = env)
    }

    /// The session, once Connect has passed for it.
    fn connected(&self) -> Result<Session, Problem> {
        let session = self.session();
        if session.connect.is_none() || session.project_dir.is_none() {
            return Err(Problem::not_ready(
                "Connect has not passed for this project yet.",
                "Start with the Connect step.",
            ));
        }
        Ok(session)
    }
}

/// The Worker's KV as golive reaches it for `session` (`None` before Connect): through the
/// project's wrangler and config, `--local` when the probes go to a Worker on this machine.
fn worker_kv<'s>(
    session: &'s Session,
    env: &Environment,
    source: crate::audit::behaviour::TierSource,
) -> Option<crate::audit::behaviour::Kv<'s>> {
    Some(crate::audit::behaviour::Kv {
        wrangler: &session.connect.as_ref()?.worker.wrangler,
        project_dir: session.project_dir.as_deref()?,
        worker_env: session.worker_env.as_deref(),
        local: env.webhook_probe_base.is_some(),
        source,
    })
}
