//! The Verify step: proves the live setup works end to end and names what does not. Each
//! check is a [`Finding`] (title, pass/warn/fail, evidence, fix), streamed as it lands.
//!
//! This module owns the run: it reads what every check needs once (the session's records,
//! the keyring's entries, a live Stripe client) into a [`Context`], runs the named checks of
//! [`checks::CHECKS`] in order, and returns the [`VerifyReport`]. The checks themselves are
//! in [`checks`] (the list), [`probe`] (events sent to the Worker), [`live_checks`] (Stripe's
//! live mode); [`report`] renders the report.

pub mod checks;
pub mod live_checks;
pub mod probe;
pub mod report;
pub mod signature;

use crate::catalog::CatalogRecord;
use crate::connect::ConnectOutcome;
use crate::environment::{Environment, Mode};
use crate::findings::{Finding, Status};
use crate::keystore::{self, EntryName, STRIPE_SECRET_KEY};
use crate::progress::{ProgressSink, StepEvent};
use crate::secrets::push::{list_names, PushTarget};
use crate::secrets::{SecretsError, SecretsRecord};
use crate::steps::StepId;
use crate::stripe_api::ApiFailure;
use crate::stripe_key::{parse_key, tail_of, KeySlot, StripeKey};
use crate::webhook::{WebhookRecord, SECRET_VAR};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything Verify found, with what the report needs to say what was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub findings: Vec<Finding>,
    /// Unix time the checks finished.
    pub checked_at: i64,
    /// Real Stripe and Cloudflare, or the offline rehearsal on stand-ins (the report says so
    /// on every page). Sessions saved before this field existed were real runs.
    #[serde(default = "real")]
    pub mode: Mode,
    pub account_id: String,
    pub account_name: String,
    pub script: String,
    pub worker_env: Option<String>,
    pub endpoint_url: String,
    pub endpoint_id: String,
    pub price_ids: Vec<crate::catalog::price_ids::PriceIdVar>,
    pub portal_id: Option<String>,
    /// `…abcd` of each secret, for the report (never more).
    pub secret_tails: Vec<(String, String)>,
    /// The rotations done since the go-live (and the one open), for the report.
    #[serde(default)]
    pub rotations: Vec<RotationLine>,
    /// The go-live audit and the manual items' ticks, as they stood when the report was made.
    #[serde(default)]
    pub audit: Option<crate::audit::AuditRecord>,
    /// The last smoke purchase, when the report was made (none: it has not run).
    #[serde(default)]
    pub smoke: Option<crate::smoke::SmokeRun>,
    /// The last billing rehearsal (test mode), when the report was made.
    #[serde(default)]
    pub billing: Option<crate::billing::BillingReport>,
}

/// What one Verify run gives: the report, and what its probes left to clean up.
#[derive(Debug)]
pub struct Verified {
    pub report: VerifyReport,
    /// The ids of the events this run's probes sent, so exactly what they may have left in
    /// the Worker's store is deleted afterwards. Not in the report: of no use once deleted.
    pub probe_events: Vec<String>,
}

/// One rotation as the report tells it: what, when, and each phase with its proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationLine {
    /// "the webhook signing secret", …
    pub what: String,
    pub finished: bool,
    /// `(Unix time, what happened)`, in order.
    pub timeline: Vec<(i64, String)>,
}

fn real() -> Mode {
    Mode::Real
}

impl VerifyReport {
    pub fn passed(&self) -> bool {
        crate::findings::all_passed(&self.findings)
    }
}

/// Why Verify could not start (an earlier step is not done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    pub message: String,
    pub fix: String,
}

impl From<NotReady> for crate::problem::Problem {
    fn from(e: NotReady) -> Self {
        crate::problem::Problem::not_ready(e.message, e.fix)
    }
}

fn not_ready(message: &str, fix: &str) -> NotReady {
    NotReady { message: message.into(), fix: fix.into() }
}

/// What Verify reads from the earlier steps' records (borrowed from the session).
#[derive(Debug, Clone)]
pub struct VerifyInput<'a> {
    pub connect: Option<&'a ConnectOutcome>,
    pub project_dir: Option<&'a std::path::Path>,
    /// The Worker script (the top-level name, or its environment's).
    pub script: Option<String>,
    pub worker_env: Option<&'a str>,
    pub catalog: &'a CatalogRecord,
    pub webhook: Option<&'a WebhookRecord>,
    pub pushed: Option<&'a SecretsRecord>,
    /// The rotations so far, for the report.
    pub rotations: Vec<RotationLine>,
    /// The audit and its ticks, for the report.
    pub audit: Option<crate::audit::AuditRecord>,
    /// The new endpoint of a webhook-secret rotation in progress: it sends to the same URL
    /// on purpose until the old one is retired.
    pub rotating_to: Option<&'a str>,
}

/// What the checks read, gathered once before the first one runs; what only some checks
/// need (the Worker's secret names, live prices) is read on first use and kept.
pub struct Context<'a> {
    pub input: &'a VerifyInput<'a>,
    pub env: &'a Environment,
    pub connect: &'a ConnectOutcome,
    pub script: String,
    pub webhook: WebhookRecord,
    pub pushed: SecretsRecord,
    /// Names the session says the keyring holds, but it does not.
    pub missing_in_keyring: Vec<String>,
    /// The live key and webhook secret as the keyring holds them now.
    pub key_value: Option<SecretString>,
    pub whsec: Option<SecretString>,
    /// The keyring's key, when it is a usable live key, and a client with it.
    pub live_key: Option<StripeKey>,
    pub live: Option<crate::stripe_api::Client>,
    worker_secrets: tokio::sync::OnceCell<Result<Vec<String>, SecretsError>>,
    live_prices: tokio::sync::Mutex<BTreeMap<String, Result<serde_json::Value, ApiFailure>>>,
    live_catalog: tokio::sync::OnceCell<Result<crate::catalog::Catalog, ApiFailure>>,
    /// The ids of the probe events made so far.
    probe_events: std::sync::Mutex<Vec<String>>,
}

impl Context<'_> {
    /// Which Worker the secrets went to (for `wrangler secret list`).
    pub fn target(&self) -> PushTarget<'_> {
        PushTarget {
            wrangler: &self.connect.worker.wrangler,
            project_dir: self.input.project_dir.unwrap_or(std::path::Path::new(".")),
            env: self.input.worker_env,
            script: &self.script,
            account: self.connect.worker.config.account_for(self.input.worker_env),
        }
    }

    /// The names `wrangler secret list` shows on the Worker (asked once per run).
    pub async fn worker_secret_names(&self) -> &Result<Vec<String>, SecretsError> {
        self.worker_secrets.get_or_init(|| async { list_names(&self.target(), self.env).await }).await
    }

    /// The whole live catalog (read once per run): what the price-ID names are computed from.
    pub async fn live_catalog(&self) -> &Result<crate::catalog::Catalog, ApiFailure> {
        self.live_catalog
            .get_or_init(|| async {
                match &self.live {
                    Some(live) => crate::catalog::read::read_catalog(live).await,
                    None => Err(ApiFailure::Unauthorized(crate::stripe_api::Detail::message(
                        "the keyring has no usable live key",
                    ))),
                }
            })
            .await
    }

    /// `GET /v1/prices/{id}` with the live key, as Stripe answered it (asked once per run).
    pub async fn live_price(&self, id: &str) -> Result<serde_json::Value, ApiFailure> {
        let Some(live) = &self.live else {
            return Err(ApiFailure::Unauthorized(crate::stripe_api::Detail::message(
                "the keyring has no usable live key",
            )));
        };
        let mut cache = self.live_prices.lock().await;
        if let Some(found) = cache.get(id) {
            return found.clone();
        }
        let got = live.get::<serde_json::Value>(&format!("/prices/{id}")).await;
        cache.insert(id.to_string(), got.clone());
        got
    }
}

/// Where the checks put their findings: each goes to the progress sink as it lands.
pub struct Findings<'a> {
    sink: &'a dyn ProgressSink,
    all: std::sync::Mutex<Vec<Finding>>,
}

impl Findings<'_> {
    pub fn emit(&self, finding: Finding) {
        self.sink.emit(StepEvent::Finding { step: StepId::Verify, finding: finding.clone() });
        self.all.lock().expect("no check panics while holding the list").push(finding);
    }

    /// The status of a check that already ran in this run.
    pub fn status_of(&self, check: &str) -> Option<Status> {
        self.all
            .lock()
            .expect("no check panics while holding the list")
            .iter()
            .find(|f| f.check == check)
            .map(|f| f.status)
    }
}

/// Runs every check of [`checks::CHECKS`] for the session's Worker, in order. Needs Connect,
/// Catalog, Webhook and Secrets done.
pub async fn run(input: &VerifyInput<'_>, env: &Environment, sink: &dyn ProgressSink) -> Result<Verified, NotReady> {
    let connect = input.connect.ok_or_else(|| not_ready("Connect is not done.", "Start with the Connect step."))?;
    let script = input.script.clone().expect("connected");
    let webhook = input
        .webhook
        .cloned()
        .filter(|w| w.endpoint_id.is_some())
        .ok_or_else(|| not_ready("There is no live endpoint yet.", "Run the Webhook step first."))?;
    let pushed = input
        .pushed
        .cloned()
        .ok_or_else(|| not_ready("The secrets were not pushed yet.", "Run the Secrets step first."))?;
    let read = |var: &str| {
        let entry = EntryName::new(&script, true, var);
        keystore::blocking(move || keystore::get(&entry))
    };
    // Each keyring entry is read once: the two Verify uses, then the rest the session lists.
    let mut held = BTreeMap::new();
    for var in [STRIPE_SECRET_KEY, SECRET_VAR] {
        held.insert(var.to_string(), read(var).await.map_err(|e| NotReady { message: e.message, fix: e.fix })?);
    }
    for name in &pushed.in_keyring {
        if !held.contains_key(name) {
            held.insert(name.clone(), read(name).await.ok().flatten());
        }
    }
    let missing_in_keyring: Vec<String> =
        pushed.in_keyring.iter().filter(|n| held.get(*n).is_none_or(|v| v.is_none())).cloned().collect();
    let key_value = held.remove(STRIPE_SECRET_KEY).flatten();
    let whsec = held.remove(SECRET_VAR).flatten();
    let live_key = key_value.as_ref().and_then(|k| parse_key(KeySlot::Live, k.expose_secret()).ok());
    let live = live_key.as_ref().map(|key| crate::stripe_api::client(env, key));

    let cx = Context {
        input,
        env,
        connect,
        script,
        webhook,
        pushed,
        missing_in_keyring,
        key_value,
        whsec,
        live_key,
        live,
        worker_secrets: tokio::sync::OnceCell::new(),
        live_prices: tokio::sync::Mutex::new(BTreeMap::new()),
        live_catalog: tokio::sync::OnceCell::new(),
        probe_events: std::sync::Mutex::new(Vec::new()),
    };
    let out = Findings { sink, all: std::sync::Mutex::new(Vec::new()) };
    for check in checks::CHECKS {
        (check.run)(&cx, &out).await;
    }

    let mut secret_tails = Vec::new();
    if let Some(k) = &cx.key_value {
        secret_tails.push((STRIPE_SECRET_KEY.to_string(), tail_of(k.expose_secret())));
    }
    if let Some(w) = &cx.whsec {
        secret_tails.push((SECRET_VAR.to_string(), tail_of(w.expose_secret())));
    }
    let mut findings = out.all.into_inner().expect("no check panicked");
    findings.sort_by_key(|f| match f.status {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Pass => 2,
    });
    let report = VerifyReport {
        findings,
        checked_at: crate::clock::unix_now(),
        mode: env.mode,
        account_id: connect.account.id.clone(),
        account_name: connect.account.name.clone(),
        script: cx.script.clone(),
        worker_env: input.worker_env.map(str::to_string),
        endpoint_url: cx.webhook.url.clone(),
        endpoint_id: cx.webhook.endpoint_id.clone().unwrap_or_default(),
        price_ids: input.catalog.price_ids.clone().unwrap_or_default(),
        portal_id: input.catalog.portal.as_ref().map(|p| p.id.clone()),
        secret_tails,
        rotations: input.rotations.clone(),
        audit: input.audit.clone(),
        smoke: None,
        billing: None,
    };
    Ok(Verified { report, probe_events: cx.probe_events.into_inner().expect("no check panicked") })
}
