//! `golive go-live`: the whole first go-live in one run. On a terminal it asks before each
//! step that writes; `--yes` says yes to all; with neither (a script, a pipe) it refuses
//! rather than write without asking.

use super::ExitStatus;
use crate::args::{CatalogArgs, WebhookTarget};
use crate::context::Context;
use crate::output::Printer;
use golive::catalog::ValidateOptions;
use golive::steps::StepId;
use golive::wizard::go_live::{Confirm, Yes};
use golive::wizard::{GoLiveAsk, Problem, WebhookAsk};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Asks on the terminal; anything but "y" or "yes" is a no.
struct Ask;

impl Confirm for Ask {
    fn confirm(&self, step: StepId, summary: &str) -> bool {
        eprint!("{}: {summary}\nGo ahead? [y/N] ", step.title());
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    }
}

pub async fn run(
    out: &Printer,
    rehearsal: bool,
    catalog: CatalogArgs,
    webhook: WebhookTarget,
    report_dir: Option<PathBuf>,
    yes: bool,
) -> Result<ExitStatus, Problem> {
    // Keys on standard input leave no terminal to answer on.
    if !yes && (catalog.keys.keys_stdin || !std::io::stdin().is_terminal()) {
        return Err(Problem::invalid(
            "go-live asks before each step that writes, and standard input is not a terminal to answer on.",
            "Run it in a terminal to answer each question, or pass --yes to go ahead with every step (see what each does with `golive catalog plan` and `golive webhook --plan` first).",
        )
        .with_code("needs_yes"));
    }
    let ctx = Context::open(out, rehearsal, &catalog.keys).await?;
    let ask = GoLiveAsk {
        connect: ctx.input(),
        catalog: ValidateOptions { expected_tiers: catalog.tiers, accept_suggestions: catalog.accept_suggestions },
        webhook: WebhookAsk { url: webhook.url, extra_events: webhook.events, worker_env: webhook.env },
        report_dir,
    };
    let confirm: &dyn Confirm = if yes { &Yes } else { &Ask };
    let outcome = ctx.wizard.go_live(ask, confirm, &out.sink()).await;
    out.go_live(&outcome);
    Ok(match outcome.problem() {
        None if outcome.passed => ExitStatus::Success,
        None => ExitStatus::NotPassed(golive::wizard::ProblemKind::Refused),
        Some(problem) => ExitStatus::NotPassed(problem.kind),
    })
}
