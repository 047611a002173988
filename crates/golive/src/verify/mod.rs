//! The Verify step: proves the live setup works end to end and names what does not. Each
//! check is a [`Finding`] (title, pass/warn/fail, evidence, fix), streamed as it lands:
//! the three probes to the Worker, every price id, the endpoint and its duplicates, failed
//! deliveries, the secrets on the Worker, the pushed key, and the keyring's entries.

pub mod live_checks;
pub mod probe;
pub mod report;
pub mod signature;

use crate::environment::Environment;
use crate::findings::{Finding, Status};
use crate::keystore::{self, EntryName, STRIPE_SECRET_KEY};
use crate::progress::{ProgressSink, StepEvent};
use crate::secrets::push::{list_names, PushTarget};
use crate::session::Session;
use crate::steps::StepId;
use crate::stripe_key::{parse_key, tail_of, KeySlot};
use crate::webhook::SECRET_VAR;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

/// Everything Verify found, with what the report needs to say what was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub findings: Vec<Finding>,
    /// Unix time the checks finished.
    pub checked_at: i64,
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

fn not_ready(message: &str, fix: &str) -> NotReady {
    NotReady { message: message.into(), fix: fix.into() }
}

/// Runs every check for the session's Worker. Needs Connect, Catalog, Webhook and Secrets done.
pub async fn run(session: &Session, env: &Environment, sink: &dyn ProgressSink) -> Result<VerifyReport, NotReady> {
    let connect =
        session.connect.as_ref().ok_or_else(|| not_ready("Connect is not done.", "Start with the Connect step."))?;
    let script = session.script_name().expect("connected");
    let webhook = session
        .webhook
        .clone()
        .filter(|w| w.endpoint_id.is_some())
        .ok_or_else(|| not_ready("There is no live endpoint yet.", "Run the Webhook step first."))?;
    let pushed = session
        .secrets
        .clone()
        .ok_or_else(|| not_ready("The secrets were not pushed yet.", "Run the Secrets step first."))?;
    let read = |var: &str| {
        let entry = EntryName::new(&script, true, var);
        keystore::blocking(move || keystore::get(&entry))
    };
    // Each keyring entry is read once: the two Verify uses, then the rest the session lists.
    let mut held = std::collections::BTreeMap::new();
    for var in [STRIPE_SECRET_KEY, SECRET_VAR] {
        held.insert(var.to_string(), read(var).await.map_err(|e| NotReady { message: e.message, fix: e.fix })?);
    }
    for name in &pushed.in_keyring {
        if !held.contains_key(name) {
            held.insert(name.clone(), read(name).await.ok().flatten());
        }
    }
    let missing: Vec<String> =
        pushed.in_keyring.iter().filter(|n| held.get(*n).is_none_or(|v| v.is_none())).cloned().collect();
    let key_value = held.remove(STRIPE_SECRET_KEY).flatten();
    let whsec = held.remove(SECRET_VAR).flatten();
    let mut findings: Vec<Finding> = Vec::new();
    let emit = |f: Finding, all: &mut Vec<Finding>| {
        sink.emit(StepEvent::Finding { step: StepId::Verify, finding: f.clone() });
        all.push(f);
    };

    // The keyring holds what the session says it holds.
    let title = "The keyring holds every secret golive kept";
    emit(
        if missing.is_empty() {
            Finding::pass(
                "verify.keyring",
                title,
                format!("golive / {script}/live/…: {}", pushed.in_keyring.join(", ")),
            )
        } else {
            Finding::fail(
                "verify.keyring",
                title,
                format!("Missing: {}", missing.join(", ")),
                "Run the Webhook and Secrets steps again: they store the secrets and push them.",
            )
        },
        &mut findings,
    );

    let tier =
        session.catalog.price_ids.iter().flatten().next().map(|v| v.tier.clone()).unwrap_or_else(|| "pro".into());
    if let Some(whsec) = &whsec {
        emit(probe::signed(env, &webhook.url, whsec, &tier).await, &mut findings);
        emit(probe::refused(env, &webhook.url, whsec, &tier, false).await, &mut findings);
        emit(probe::refused(env, &webhook.url, whsec, &tier, true).await, &mut findings);
    }

    let live_key = key_value.as_ref().and_then(|k| parse_key(KeySlot::Live, k.expose_secret()).ok());
    match &live_key {
        Some(key) => {
            emit(live_checks::pushed_key(env, key, &connect.account.id).await, &mut findings);
            let live = crate::stripe_api::client(env, key);
            for f in live_checks::price_ids(&live, session.catalog.price_ids.as_deref().unwrap_or_default()).await {
                emit(f, &mut findings);
            }
            let (endpoint_findings, created) = live_checks::endpoint(&live, &webhook).await;
            for f in endpoint_findings {
                emit(f, &mut findings);
            }
            if let Some(since) = created {
                emit(live_checks::failed_deliveries(&live, since).await, &mut findings);
            }
        }
        None => emit(
            Finding::fail(
                "verify.key",
                "The pushed STRIPE_SECRET_KEY is a live key of the same account",
                "The keyring has no usable live key for this Worker.",
                "Run the Secrets step again: it keeps the live key it pushes.",
            ),
            &mut findings,
        ),
    }

    // The Worker has every secret (names only: Cloudflare never shows values).
    let target = PushTarget {
        wrangler: &connect.worker.wrangler,
        project_dir: session.project_dir.as_deref().unwrap_or(std::path::Path::new(".")),
        env: session.worker_env.as_deref(),
        script: &script,
        account: connect.worker.config.account_id.as_deref(),
    };
    let title = "The Worker has every secret";
    emit(
        match list_names(&target, env).await {
            Ok(names) => {
                let absent: Vec<&String> = pushed.pushed.iter().filter(|n| !names.contains(n)).collect();
                if absent.is_empty() {
                    Finding::pass(
                        "verify.secrets",
                        title,
                        format!("`wrangler secret list` shows {}", pushed.pushed.join(", ")),
                    )
                } else {
                    Finding::fail(
                        "verify.secrets",
                        title,
                        format!(
                            "`wrangler secret list` lacks {}",
                            absent.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                        "Push the secrets again from the Secrets step.",
                    )
                }
            }
            Err(e) => Finding::fail("verify.secrets", title, e.message(), e.fix()),
        },
        &mut findings,
    );

    let mut secret_tails = Vec::new();
    if let Some(k) = &key_value {
        secret_tails.push((STRIPE_SECRET_KEY.to_string(), tail_of(k.expose_secret())));
    }
    if let Some(w) = &whsec {
        secret_tails.push((SECRET_VAR.to_string(), tail_of(w.expose_secret())));
    }
    findings.sort_by_key(|f| match f.status {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Pass => 2,
    });
    Ok(VerifyReport {
        findings,
        checked_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
        account_id: connect.account.id.clone(),
        account_name: connect.account.name.clone(),
        script,
        worker_env: session.worker_env.clone(),
        endpoint_url: webhook.url.clone(),
        endpoint_id: webhook.endpoint_id.clone().unwrap_or_default(),
        price_ids: session.catalog.price_ids.clone().unwrap_or_default(),
        portal_id: session.catalog.portal.as_ref().map(|p| p.id.clone()),
        secret_tails,
    })
}
