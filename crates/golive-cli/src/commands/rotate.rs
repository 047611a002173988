//! `golive rotate plan|start|continue|status`: Rotate (step 7) through the wizard. The new
//! live key comes from GOLIVE_STRIPE_NEW_LIVE_KEY or one line of standard input
//! (`--key-stdin`), never argv. Every call prints where the rotation stands; one that waits
//! (for the key you roll in the Dashboard, for Stripe's retries) ends with status 0 and says
//! what it waits for, so `continue` is safe to run from cron.

use super::ExitStatus;
use crate::args::{RotateArgs, RotateKind, RotateStart};
use crate::context::Context;
use crate::keys_input;
use crate::output::Printer;
use golive::rotate::{Given, Kind, Start};
use golive::wizard::Problem;

fn start_of(start: &RotateStart) -> Start {
    let kind = match start.kind {
        RotateKind::ApiKey => Kind::ApiKey,
        RotateKind::WebhookSecret => Kind::WebhookSecret,
        RotateKind::All => Kind::All,
    };
    Start {
        kind,
        dashboard: start.dashboard,
        previous_for: std::time::Duration::from_secs(start.old_secret_hours * 60 * 60),
    }
}

async fn open(out: &Printer, rehearsal: bool, args: &RotateArgs) -> Result<Context, Problem> {
    Context::open_for_rotate(out, rehearsal, args.project.clone()).await
}

/// What the user rolled in the Dashboard, from stdin or the environment (never argv).
fn given(args: &RotateArgs) -> Result<Given, Problem> {
    Ok(Given {
        key: keys_input::new_live_key(args.key_stdin)?,
        webhook_secret: keys_input::new_webhook_secret(args.secret_stdin)?,
    })
}

pub async fn plan(
    out: &Printer,
    rehearsal: bool,
    args: &RotateArgs,
    start: &RotateStart,
) -> Result<ExitStatus, Problem> {
    let ctx = open(out, rehearsal, args).await?;
    out.rotate_plan(&ctx.wizard.rotate_plan(start_of(start))?);
    Ok(ExitStatus::Success)
}

pub async fn start(
    out: &Printer,
    rehearsal: bool,
    args: &RotateArgs,
    start: &RotateStart,
) -> Result<ExitStatus, Problem> {
    let given = given(args)?;
    let ctx = open(out, rehearsal, args).await?;
    let rotation = ctx.wizard.rotate_start(start_of(start), given, &out.sink()).await?;
    out.rotation(Some(&rotation), &ctx.wizard.rotate_status().retiring);
    Ok(ExitStatus::Success)
}

pub async fn resume(out: &Printer, rehearsal: bool, args: &RotateArgs) -> Result<ExitStatus, Problem> {
    let given = given(args)?;
    let ctx = open(out, rehearsal, args).await?;
    let outcome = ctx.wizard.rotate_continue(given, &out.sink()).await?;
    out.rotation(outcome.rotation.as_ref(), &outcome.retiring);
    Ok(ExitStatus::Success)
}

pub async fn status(out: &Printer, rehearsal: bool, args: &RotateArgs) -> Result<ExitStatus, Problem> {
    let ctx = open(out, rehearsal, args).await?;
    let record = ctx.wizard.rotate_status();
    out.rotation(record.open.as_ref().or(record.history.last()), &record.retiring);
    Ok(ExitStatus::Success)
}
