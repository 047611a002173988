//! Audit (before Verify): every item of Stripe's go-live checklist a machine can prove,
//! proven with evidence, and the rest as a short list the user ticks. Three sources:
//! the account as the live key reads it ([`account`]), the project folder and its git
//! history, read-only ([`project`], [`history`]), and the manual items ([`manual`]).
//! Findings stream as they land; only failures that lose money or secrets block the
//! go-live (a live secret in git, an account that cannot charge, test ids in code, a
//! secret in plaintext config). Nothing here writes to Stripe, Cloudflare or the folder.

pub mod account;
pub mod behaviour;
pub mod history;
pub mod manual;
pub mod project;

use crate::catalog::CatalogRecord;
use crate::environment::Environment;
use crate::findings::{Finding, Link, Status};
use crate::problem::Problem;
use crate::progress::{ProgressSink, StepEvent};
use crate::steps::StepId;
use crate::stripe_key::StripeKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Failed checks that block the go-live: they lose money or leak secrets.
pub const BLOCKING: [&str; 5] = [
    "audit.account.charges",
    "audit.repo.live_secret",
    "audit.repo.webhook_secret",
    "audit.repo.test_ids",
    "audit.repo.config_vars",
];

/// A manual item as the report shows it: confirmed by the user on a date, or not yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualState {
    pub id: String,
    pub title: String,
    pub why: String,
    pub link: Option<Link>,
    /// When the user confirmed it (Unix time).
    pub confirmed_at: Option<i64>,
}

/// One audit run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Unix time.
    pub ran_at: i64,
    pub findings: Vec<Finding>,
    /// Commits and distinct files the history walk read.
    pub commits: usize,
    pub blobs: usize,
    pub elapsed_ms: u64,
}

impl AuditReport {
    /// The failures that block the go-live.
    pub fn blocking(&self) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.status == Status::Fail && BLOCKING.contains(&f.check.as_str())).collect()
    }
}

/// What the session keeps: the last run and the user's ticks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub report: Option<AuditReport>,
    /// Manual item id → when the user confirmed it (Unix time).
    #[serde(default)]
    pub confirmed: BTreeMap<String, i64>,
    /// Where the Worker keeps tiers, for the behaviour probes (the reference layout unless
    /// the user said otherwise).
    #[serde(default)]
    pub tier_source: behaviour::TierSetting,
}

/// The audit as the faces show it: the last run, the checks that block (ids), and every
/// manual item with its tick.
#[derive(Debug, Clone, Serialize)]
pub struct AuditState {
    pub report: Option<AuditReport>,
    pub blocking: Vec<String>,
    pub manual: Vec<ManualState>,
}

impl AuditRecord {
    pub fn state(&self) -> AuditState {
        let mut blocking: Vec<String> =
            self.report.iter().flat_map(|r| r.blocking()).map(|f| f.check.clone()).collect();
        blocking.dedup();
        AuditState { report: self.report.clone(), blocking, manual: self.manual() }
    }

    /// Every manual item with its tick.
    pub fn manual(&self) -> Vec<ManualState> {
        manual::ITEMS
            .iter()
            .map(|i| ManualState {
                id: i.id.into(),
                title: i.title.into(),
                why: i.why.into(),
                link: i.link(),
                confirmed_at: self.confirmed.get(i.id).copied(),
            })
            .collect()
    }

    /// Ticks (or unticks) a manual item; an unknown id is refused with the ids there are.
    pub fn confirm(&mut self, id: &str, confirmed: bool) -> Result<(), Problem> {
        manual::find(id).map_err(|ids| {
            Problem::invalid(format!("There is no manual audit item “{id}”."), format!("Give one of: {ids}."))
                .with_code("unknown_item")
        })?;
        if confirmed {
            self.confirmed.entry(id.to_string()).or_insert_with(crate::clock::unix_now);
        } else {
            self.confirmed.remove(id);
        }
        Ok(())
    }
}

/// What the audit reads of the session.
pub struct AuditInput<'a> {
    pub live_key: &'a StripeKey,
    pub project_dir: &'a Path,
    pub catalog: &'a CatalogRecord,
    /// The live endpoint's pinned API version, once the Webhook step ran.
    pub endpoint_api_version: Option<&'a str>,
    /// Where the behaviour probes go, once the Worker holds the webhook secret (after
    /// Secrets); `None` skips them with a finding that says when they run.
    pub behaviour: Option<behaviour::Target<'a>>,
}

fn emit(sink: &dyn ProgressSink, findings: &[Finding]) {
    for finding in findings {
        sink.emit(StepEvent::Finding { step: StepId::Audit, finding: finding.clone() });
    }
}

fn progress(sink: &dyn ProgressSink, done: usize, message: &str) {
    sink.progress(StepId::Audit, "audit", done, 4, message);
}

/// Runs every check. Stripe answering with an error stops the run (nothing is written, so a
/// re-run is all it takes).
pub async fn run(input: &AuditInput<'_>, env: &Environment, sink: &dyn ProgressSink) -> Result<AuditReport, Problem> {
    let started = std::time::Instant::now();
    let client = crate::stripe_api::client(env, input.live_key);
    let mut findings = Vec::new();

    progress(sink, 0, "Reading the account with the live key");
    let account: serde_json::Value = client.get("/account").await?;
    let mut found = account::readiness(&account);
    found.extend(account::tax(&client, input.catalog).await?);
    found.extend(account::portal(&client, input.catalog).await?);
    emit(sink, &found);
    findings.append(&mut found);

    progress(sink, 1, "Searching the project's git history for keys");
    let dir = input.project_dir.to_path_buf();
    let scan = tokio::task::spawn_blocking(move || history::scan(&dir))
        .await
        .map_err(|e| Problem::internal(format!("The history walk stopped: {e}")))?
        .map_err(|e| {
            Problem::invalid(
                format!("golive could not read the git repository of {}: {e}", input.project_dir.display()),
                "Check that the folder's .git is readable (`git status` works there), then run the audit again.",
            )
        })?;
    let mut found = history_findings(&scan);
    emit(sink, &found);
    findings.append(&mut found);

    progress(sink, 2, "Reading the project's code and config");
    let dir = input.project_dir.to_path_buf();
    let files = tokio::task::spawn_blocking(move || project::read_files(&dir))
        .await
        .map_err(|e| Problem::internal(format!("Reading the project stopped: {e}")))?;
    let live_ids: Vec<String> = input
        .catalog
        .price_ids
        .iter()
        .flatten()
        .flat_map(|p| [Some(p.price_id.clone()), p.product_id.clone()])
        .flatten()
        .chain(input.catalog.portal.as_ref().map(|p| p.id.clone()))
        .collect();
    let mut found = project::config_vars(input.project_dir);
    found.extend(project::local_secret_files(input.project_dir, &files));
    found.extend(project::test_ids(&files, &client, &live_ids).await?);
    found.push(project::api_version(&files, input.project_dir, input.endpoint_api_version));
    found.extend(project::front_end(&files));
    found.extend(project::webhook_handler(&files));
    emit(sink, &found);
    findings.append(&mut found);

    progress(sink, 3, "Probing the Worker with duplicate, late and out-of-order events");
    let mut found = match &input.behaviour {
        Some(target) => behaviour::run(target, env).await,
        None => vec![Finding::warn(
            "audit.behaviour",
            "The Worker's handling of duplicate, late and out-of-order events is not proven yet",
            "the probes need the live endpoint's secret on the Worker",
            "Finish the Webhook and Secrets steps, then run the audit again.",
        )],
    };
    emit(sink, &found);
    findings.append(&mut found);
    progress(sink, 4, "Audit done");

    Ok(AuditReport {
        ran_at: crate::clock::unix_now(),
        findings,
        commits: scan.commits,
        blobs: scan.blobs,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// One finding per secret found in git, live ones failing and blocking.
fn history_findings(scan: &history::Scan) -> Vec<Finding> {
    if scan.no_repository {
        return vec![Finding::warn(
            "audit.repo.history",
            "The project is not a git repository, so its history cannot be searched for keys",
            "no .git found in the folder or above it",
            "Nothing to do if the Worker's source is not kept in git; otherwise run the audit in the repository's folder.",
        )];
    }
    if scan.leaks.is_empty() {
        return vec![Finding::pass(
            "audit.repo.history",
            "No Stripe secret in the repository or its history",
            format!("{} commits and {} distinct files searched", scan.commits, scan.blobs),
        )];
    }
    scan.leaks
        .iter()
        .map(|leak| {
            let places: Vec<String> = leak
                .places
                .iter()
                .map(|p| match &p.commit {
                    Some(c) => format!("{}:{} in commit {c}", p.path, p.line),
                    None => format!("{}:{} (not committed yet)", p.path, p.line),
                })
                .collect();
            let still = if leak.in_current_files { "" } else { " (deleted since, but still in history)" };
            let detail = format!("{}{still}: {}", leak.hint, places.join("; "));
            let purge = "purge it from history (`git filter-repo --replace-text`, then force-push and have every clone re-cloned)";
            match leak.prefix {
                "sk_live_" | "rk_live_" => Finding::fail(
                    "audit.repo.live_secret",
                    "A live Stripe key is in the git repository",
                    detail,
                    format!("Anyone with the repository can charge and refund on your account. Roll the key now (`golive rotate start --kind api-key`, or Rotate in the app), then {purge}."),
                )
                .with_link("Open API keys", "https://dashboard.stripe.com/apikeys"),
                "whsec_" => Finding::fail(
                    "audit.repo.webhook_secret",
                    "A webhook signing secret is in the git repository",
                    detail,
                    format!("Anyone with it can send your Worker events Stripe never sent (free upgrades). Rotate the webhook secret (`golive rotate start --kind webhook-secret`), then {purge}."),
                ),
                _ => Finding::warn(
                    "audit.repo.test_secret",
                    "A test-mode Stripe key is in the git repository",
                    detail,
                    format!("Test keys move no money, but they read and write your test data: roll it in the Dashboard (test mode) and {purge}."),
                ),
            }
        })
        .collect()
}
