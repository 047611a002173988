//! The whole first go-live in one call: Connect → Catalog → Webhook → Secrets → Audit → Verify, in
//! order. Each step says what it will do and asks (through [`Confirm`]) before it writes;
//! a step whose work is already done and still current is passed over without a write, so
//! running it again changes nothing. It stops at the first step that needs the user, with
//! that step's problem.

use super::{Problem, ProblemKind, WebhookAsk, Wizard};
use crate::catalog::ValidateOptions;
use crate::connect::ConnectInput;
use crate::findings::Status;
use crate::progress::ProgressSink;
use crate::steps::StepId;
use crate::webhook::Action;
use serde::Serialize;
use std::path::PathBuf;

/// Asks the user before a step writes; `summary` says what it will do.
pub trait Confirm: Sync {
    fn confirm(&self, step: StepId, summary: &str) -> bool;
}

/// Says yes to everything (`--yes`).
pub struct Yes;

impl Confirm for Yes {
    fn confirm(&self, _: StepId, _: &str) -> bool {
        true
    }
}

pub struct GoLiveAsk {
    pub connect: ConnectInput,
    pub catalog: ValidateOptions,
    pub webhook: WebhookAsk,
    /// Where to write the go-live report, if anywhere.
    pub report_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Done now (it wrote what the summary says).
    Done,
    /// Already done and current: nothing was written.
    AlreadyDone,
    /// Checked (read-only steps: Connect, Verify) and passed.
    Passed,
    /// The user said no: nothing was written, and the steps after it did not run.
    Declined,
    /// It stopped here; `problem` says why and what to do.
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub step: StepId,
    pub status: StepStatus,
    pub summary: String,
    pub problem: Option<Problem>,
    /// The step's own outcome (plan, price IDs, endpoint, secrets, verify report), as data.
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoLiveOutcome {
    pub steps: Vec<StepReport>,
    /// Every step done and Verify passed.
    pub passed: bool,
    /// Where the report was written (Markdown, HTML).
    pub report: Option<(PathBuf, PathBuf)>,
}

impl GoLiveOutcome {
    /// The problem that stopped the run, if one did.
    pub fn problem(&self) -> Option<&Problem> {
        self.steps.iter().rev().find_map(|s| s.problem.as_ref())
    }
}

fn report(step: StepId, status: StepStatus, summary: impl Into<String>, detail: impl Serialize) -> StepReport {
    StepReport {
        step,
        status,
        summary: summary.into(),
        problem: None,
        detail: serde_json::to_value(detail).unwrap_or(serde_json::Value::Null),
    }
}

fn failed(step: StepId, problem: Problem) -> StepReport {
    StepReport {
        step,
        status: StepStatus::Failed,
        summary: problem.message.clone(),
        problem: Some(problem),
        detail: serde_json::Value::Null,
    }
}

fn declined(step: StepId, summary: &str) -> StepReport {
    let problem = Problem::new(
        ProblemKind::NotReady,
        "declined",
        format!("Stopped before {}: you said no.", step.title()),
        "Run go-live again when you are ready; it picks up here.",
    );
    StepReport {
        step,
        status: StepStatus::Declined,
        summary: summary.into(),
        problem: Some(problem),
        detail: serde_json::Value::Null,
    }
}

impl Wizard {
    /// Runs the whole first go-live; see the module documentation.
    pub async fn go_live(&self, ask: GoLiveAsk, confirm: &dyn Confirm, sink: &dyn ProgressSink) -> GoLiveOutcome {
        let mut steps = Vec::new();
        let stop = |steps: Vec<StepReport>| GoLiveOutcome { steps, passed: false, report: None };
        // A report folder golive cannot write to is found before anything else is written.
        if let Some(dir) = &ask.report_dir {
            if let Err(p) = super::outputs::check(dir, super::outputs::Output::Folder) {
                return stop(vec![failed(StepId::Connect, p)]);
            }
        }

        // Connect (read-only).
        match self.connect(ask.connect, sink).await {
            Err(p) => return stop(vec![failed(StepId::Connect, p)]),
            Ok(r) if !r.passed() => {
                let problem = Problem::from_connect(&r).expect("a report that did not pass has a failure");
                return stop(vec![StepReport {
                    detail: serde_json::to_value(&r).unwrap_or_default(),
                    ..failed(StepId::Connect, problem)
                }]);
            }
            Ok(r) => {
                let summary = r
                    .outcome
                    .as_ref()
                    .map(|o| {
                        format!("{} ({}), Worker “{}”", o.account.name, o.account.id, o.worker.config.name.clone())
                    })
                    .unwrap_or_default();
                steps.push(report(StepId::Connect, StepStatus::Passed, summary, &r));
            }
        }

        // Catalog.
        match self.plan_catalog(&ask.catalog).await {
            Err(p) => return stop([steps, vec![failed(StepId::Catalog, p)]].concat()),
            Ok((_, plan)) if plan.blocked => {
                let problem = super::blocked(&plan);
                return stop(
                    [
                        steps,
                        vec![StepReport {
                            detail: serde_json::to_value(&plan).unwrap_or_default(),
                            ..failed(StepId::Catalog, problem)
                        }],
                    ]
                    .concat(),
                );
            }
            Ok((_, plan)) => {
                let writes = plan.writes();
                let done = self.session().catalog_done();
                if writes == 0 && done {
                    steps.push(report(
                        StepId::Catalog,
                        StepStatus::AlreadyDone,
                        "Live mode has every tier; price IDs and portal collected.",
                        &self.session().catalog,
                    ));
                } else {
                    let summary = format!("{writes} change(s) to write in live mode, then collect the live price IDs and set up the customer portal.");
                    if writes > 0 && !confirm.confirm(StepId::Catalog, &summary) {
                        return stop([steps, vec![declined(StepId::Catalog, &summary)]].concat());
                    }
                    match self.apply_catalog(&ask.catalog, sink).await {
                        Err(p) => return stop([steps, vec![failed(StepId::Catalog, p)]].concat()),
                        Ok(applied) if !applied.outcome.failed.is_empty() => {
                            let first = &applied.outcome.failed[0];
                            let problem = Problem::new(
                                ProblemKind::Refused,
                                "catalog_incomplete",
                                format!(
                                    "{} of {writes} change(s) could not be written; first: {} — {}",
                                    applied.outcome.failed.len(),
                                    first.name,
                                    first.reason
                                ),
                                "Run go-live again: golive creates only what is still missing, never a duplicate.",
                            );
                            return stop(
                                [
                                    steps,
                                    vec![StepReport {
                                        detail: serde_json::to_value(&applied).unwrap_or_default(),
                                        ..failed(StepId::Catalog, problem)
                                    }],
                                ]
                                .concat(),
                            );
                        }
                        Ok(applied) => steps.push(report(StepId::Catalog, StepStatus::Done, summary, &applied)),
                    }
                }
            }
        }

        // Webhook. Other enabled endpoints for the same URL are turned off once the Worker
        // holds this one's secret (their events are refused from then on).
        let duplicates: Vec<String>;
        match self.plan_webhook(&ask.webhook).await {
            Err(p) => return stop([steps, vec![failed(StepId::Webhook, p)]].concat()),
            Ok(plan) => {
                duplicates = plan.duplicate_ids();
                let current = matches!(&plan.action, Action::Reuse { add_events, enable, .. } if add_events.is_empty() && !enable);
                if current && self.session().webhook_done() {
                    steps.push(report(
                        StepId::Webhook,
                        StepStatus::AlreadyDone,
                        format!("The live endpoint for {} is set up.", plan.url),
                        &plan,
                    ));
                } else {
                    let summary = match &plan.action {
                        Action::Create => format!(
                            "Create a live endpoint for {} (its signing secret goes into the keyring).",
                            plan.url
                        ),
                        Action::Reuse { id, .. } => format!("Update the live endpoint {id} for {}.", plan.url),
                    };
                    if !confirm.confirm(StepId::Webhook, &summary) {
                        return stop([steps, vec![declined(StepId::Webhook, &summary)]].concat());
                    }
                    match self.ensure_webhook(&ask.webhook).await {
                        Err(p) => return stop([steps, vec![failed(StepId::Webhook, p)]].concat()),
                        Ok(outcome) => steps.push(report(StepId::Webhook, StepStatus::Done, summary, &outcome)),
                    }
                }
            }
        }

        // Secrets.
        let preview = self.secrets_preview().await;
        if self.secrets_current(&preview) {
            steps.push(report(
                StepId::Secrets,
                StepStatus::AlreadyDone,
                "The Worker holds every secret as golive has it now.",
                &preview,
            ));
        } else {
            let names: Vec<&str> = preview.iter().map(|s| s.name.as_str()).collect();
            let summary = format!("Push {} to the Worker with one `wrangler secret bulk`.", names.join(", "));
            if !confirm.confirm(StepId::Secrets, &summary) {
                return stop([steps, vec![declined(StepId::Secrets, &summary)]].concat());
            }
            match self.push_secrets(None, sink).await {
                Err(p) => return stop([steps, vec![failed(StepId::Secrets, p)]].concat()),
                Ok(pushed) => steps.push(report(StepId::Secrets, StepStatus::Done, summary, &pushed)),
            }
        }

        if !duplicates.is_empty() {
            let summary = format!(
                "Disable {}: {} for the same URL whose signing secret is not the one the Worker now checks, so every event they send is refused (and Stripe retries it for days).",
                duplicates.join(", "),
                if duplicates.len() == 1 { "another enabled endpoint" } else { "other enabled endpoints" }
            );
            // Declined: Verify says what the extra endpoints do, and how to turn them off.
            if confirm.confirm(StepId::Webhook, &summary) {
                if let Err(p) = self.disable_duplicates(&duplicates).await {
                    return stop([steps, vec![failed(StepId::Webhook, p)]].concat());
                }
                if let Some(webhook) = steps.iter_mut().find(|s| s.step == StepId::Webhook) {
                    webhook.summary = format!("{} Disabled {}.", webhook.summary, duplicates.join(", "));
                }
            }
        }

        // Audit (read-only): stops the go-live only on failures that lose money or secrets.
        let audited = match self.audit(sink).await {
            Err(p) => return stop([steps, vec![failed(StepId::Audit, p)]].concat()),
            Ok(record) => record.state(),
        };
        let findings = audited.report.as_ref().map(|r| r.findings.as_slice()).unwrap_or_default();
        let blocking: Vec<&crate::findings::Finding> =
            findings.iter().filter(|f| f.status == Status::Fail && audited.blocking.contains(&f.check)).collect();
        let counted = |s: Status| findings.iter().filter(|f| f.status == s).count();
        let summary = format!(
            "{} proven, {} to look at, {} failed",
            counted(Status::Pass),
            counted(Status::Warn),
            counted(Status::Fail)
        );
        if let Some(first) = blocking.first() {
            let problem = Problem::new(
                ProblemKind::Refused,
                "audit_blocking",
                format!(
                    "{} audit failure(s) would lose money or leak a secret; first: {} ({})",
                    blocking.len(),
                    first.title,
                    first.detail
                ),
                first.fix.clone().unwrap_or_else(|| "Fix what the audit says, then run go-live again.".into()),
            );
            return stop(
                [
                    steps,
                    vec![StepReport {
                        summary,
                        detail: serde_json::to_value(&audited).unwrap_or_default(),
                        ..failed(StepId::Audit, problem)
                    }],
                ]
                .concat(),
            );
        }
        steps.push(report(StepId::Audit, StepStatus::Passed, summary, &audited));

        // Verify (read-only).
        let verified = match self.verify(sink).await {
            Err(p) => return stop([steps, vec![failed(StepId::Verify, p)]].concat()),
            Ok(v) => v,
        };
        let written = match &ask.report_dir {
            Some(dir) => match self.save_report(dir) {
                Ok(paths) => Some(paths),
                Err(p) => return stop([steps, vec![failed(StepId::Verify, p)]].concat()),
            },
            None => None,
        };
        let verdict = crate::verify::report::model(&verified).verdict;
        if verified.passed() {
            steps.push(report(StepId::Verify, StepStatus::Passed, verdict, &verified));
            GoLiveOutcome { steps, passed: true, report: written }
        } else {
            let fails = verified.findings.iter().filter(|f| f.status == Status::Fail).count();
            let first = verified.findings.iter().find(|f| f.status == Status::Fail);
            let problem = Problem::new(
                ProblemKind::Refused,
                "verify_failed",
                format!("{fails} check(s) failed; first: {}", first.map(|f| f.title.as_str()).unwrap_or("")),
                first
                    .and_then(|f| f.fix.clone())
                    .unwrap_or_else(|| "Fix what each failed check says, then run go-live again.".into()),
            );
            steps.push(StepReport {
                detail: serde_json::to_value(&verified).unwrap_or_default(),
                summary: verdict,
                ..failed(StepId::Verify, problem)
            });
            GoLiveOutcome { steps, passed: false, report: written }
        }
    }

    /// The Worker holds every value as golive has it now: every name pushed and confirmed,
    /// the same ids, the same secrets (compared by their hints).
    fn secrets_current(&self, preview: &[crate::secrets::SecretStatus]) -> bool {
        let session = self.session();
        let Some(record) = session.secrets.as_ref().filter(|r| r.complete()) else { return false };
        preview.iter().all(|s| {
            record.confirmed.contains(&s.name)
                && if s.in_keyring || record.pushed_hints.contains_key(&s.name) {
                    record.pushed_hints.get(&s.name) == Some(&s.hint)
                } else {
                    record.pushed_ids.get(&s.name) == Some(&s.hint)
                }
        })
    }
}
