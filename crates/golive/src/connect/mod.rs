//! The Connect step: are the two Stripe keys usable and of one account, and where is the
//! user's Worker and wrangler? Read-only; its outcome goes into the session file.

pub mod stripe_checks;
mod worker_checks;
pub mod worker_config;

use crate::environment::Environment;
use crate::findings::{all_passed, Finding};
use crate::progress::{ProgressSink, StepEvent};
use crate::steps::StepId;
use crate::stripe_key::{KeyKind, StripeKey};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use stripe_checks::StripeAccount;
pub use worker_checks::WorkerFound;

/// What the user gave: pasted keys (already shape-checked) and a project folder.
#[derive(Clone)]
pub struct ConnectInput {
    pub test_key: StripeKey,
    pub live_key: StripeKey,
    pub project_dir: PathBuf,
}

/// What Connect learned, safe to save: no key values, only hints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConnectOutcome {
    pub account: StripeAccount,
    pub test_key_hint: String,
    pub live_key_hint: String,
    pub live_key_restricted: bool,
    pub worker: WorkerFound,
}

/// Every finding of the step, and the outcome when nothing failed.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectReport {
    pub findings: Vec<Finding>,
    pub outcome: Option<ConnectOutcome>,
}

/// Who has to act on a failed check: the user's own input, or an outside service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Something the user gave is wrong: a key's shape, the folder, the wrangler file.
    InvalidInput,
    /// Stripe, Cloudflare or wrangler refused or could not be reached.
    ExternalRefused,
}

impl ConnectReport {
    pub fn passed(&self) -> bool {
        self.outcome.is_some()
    }

    /// The kind of the first failure, `None` when the step passed.
    pub fn failure_kind(&self) -> Option<FailureKind> {
        let failed: Vec<&Finding> =
            self.findings.iter().filter(|f| f.status == crate::findings::Status::Fail).collect();
        if failed.is_empty() && self.passed() {
            return None;
        }
        if failed.iter().any(|f| f.check.starts_with("worker.config")) {
            Some(FailureKind::InvalidInput)
        } else {
            Some(FailureKind::ExternalRefused)
        }
    }
}

/// Runs every Connect check, emitting each finding as it lands.
pub async fn check(input: &ConnectInput, env: &Environment, sink: &dyn ProgressSink) -> ConnectReport {
    let mut findings = Vec::new();
    let total = 2;
    let progress = |done: usize, item: &str, message: &str| sink.progress(StepId::Connect, item, done, total, message);
    let record = |batch: Vec<Finding>, findings: &mut Vec<Finding>| {
        for finding in batch {
            sink.emit(StepEvent::Finding { step: StepId::Connect, finding: finding.clone() });
            findings.push(finding);
        }
    };

    // The two halves ask different services and need nothing from each other: they run at
    // once, so Connect takes as long as the slower (a wrangler start), not the sum. Their
    // findings are recorded Stripe first, as the page lists them.
    progress(0, "stripe", "Asking Stripe about both keys, and wrangler about the Worker");
    let stripe = async {
        let found = stripe_checks::check(&input.test_key, &input.live_key, env).await;
        progress(1, "stripe", "Stripe answered");
        found
    };
    let ((stripe_findings, account), (worker_findings, worker)) =
        tokio::join!(stripe, worker_checks::check(&input.project_dir, env));
    record(stripe_findings, &mut findings);
    record(worker_findings, &mut findings);
    progress(2, "done", "Connect checks finished");

    let outcome = match (all_passed(&findings), account, worker) {
        (true, Some(account), Some(worker)) => Some(ConnectOutcome {
            account,
            test_key_hint: input.test_key.hint(),
            live_key_hint: input.live_key.hint(),
            live_key_restricted: input.live_key.kind == KeyKind::Restricted,
            worker,
        }),
        _ => None,
    };
    ConnectReport { findings, outcome }
}
