//! One function per command, each input → one wizard call → output. They return what the
//! process ends with: an [`ExitStatus`] when the command ran (a failed check is a status, its
//! report already printed), or a [`Problem`] that stopped it, printed by `main` in one place.

mod billing;
mod cloudflare;
mod deploy;
mod go_live;
mod keys;
mod rotate;
mod smoke;
mod steps;

use crate::args::{CatalogAction, Cli, CloudflareAction, Command, KeysAction, RotateAction, SecretsAction};
use crate::output::Printer;
use golive::wizard::{Problem, ProblemKind};

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done, or the checks passed.
    Success,
    /// It ran, and what it checked did not pass (its report says why): the exit code of
    /// that kind of trouble.
    NotPassed(ProblemKind),
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::NotPassed(kind) => kind.exit_code(),
        }
    }
}

pub async fn run(cli: Cli, out: &Printer) -> Result<ExitStatus, Problem> {
    let rehearsal = cli.rehearsal;
    match cli.command {
        Command::Connect { keys } => steps::connect(out, rehearsal, &keys).await,
        Command::Catalog { action: CatalogAction::Plan { args } } => steps::catalog_plan(out, rehearsal, &args).await,
        Command::Catalog { action: CatalogAction::Apply { args, env_file } } => {
            steps::catalog_apply(out, rehearsal, &args, env_file.as_deref()).await
        }
        Command::Webhook { args } => steps::webhook(out, rehearsal, &args).await,
        Command::Secrets { action: SecretsAction::Push { keys, env } } => {
            steps::secrets_push(out, rehearsal, &keys, env).await
        }
        Command::Audit { keys, confirm, unconfirm, tiers } => {
            steps::audit(out, rehearsal, &keys, (&confirm, &unconfirm), &tiers).await
        }
        Command::Verify { keys, report } => steps::verify(out, rehearsal, &keys, report.as_deref()).await,
        Command::GoLive { catalog, webhook, report, yes } => {
            go_live::run(out, rehearsal, catalog, webhook, report, yes).await
        }
        Command::Rotate { action: RotateAction::Plan { args, start } } => {
            rotate::plan(out, rehearsal, &args, &start).await
        }
        Command::Rotate { action: RotateAction::Start { args, start } } => {
            rotate::start(out, rehearsal, &args, &start).await
        }
        Command::Rotate { action: RotateAction::Continue { args } } => rotate::resume(out, rehearsal, &args).await,
        Command::Rotate { action: RotateAction::Status { args } } => rotate::status(out, rehearsal, &args).await,
        Command::Smoke(args) => smoke::run(out, rehearsal, &args).await,
        Command::RehearseBilling(args) => billing::run(out, rehearsal, &args).await,
        Command::Reset => keys::reset(out, rehearsal),
        Command::Keys { action: KeysAction::Save { project, keys_stdin } } => {
            keys::save(out, project, keys_stdin).await
        }
        Command::Keys { action: KeysAction::Forget { project } } => keys::forget(out, project).await,
        Command::Cloudflare { action: CloudflareAction::Login { project } } => {
            cloudflare::login(out, rehearsal, project).await
        }
        Command::Cloudflare { action: CloudflareAction::Token { project, help_link } } => {
            cloudflare::token(out, rehearsal, project, help_link).await
        }
        Command::Deploy { keys, plan, yes } => deploy::run(out, rehearsal, &keys, plan, yes).await,
        Command::Cloudflare { action: CloudflareAction::Forget } => cloudflare::forget(out, rehearsal).await,
    }
}
