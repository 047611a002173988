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
fn given(args: &RotateArgs, rehearsal: bool) -> Result<Given, Problem> {
    if args.roll_rehearsal_key && !rehearsal {
        return Err(Problem::invalid(
            "--roll-rehearsal-key works only with --rehearsal: golive cannot roll a real key.",
            "Roll your live key in the Stripe Dashboard (API keys → ⋯ → Roll key), then give it in GOLIVE_STRIPE_NEW_LIVE_KEY or with --key-stdin.",
        ));
    }
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
    out.rotate_plan(&ctx.wizard.rotate_plan(start_of(start)).await?);
    Ok(ExitStatus::Success)
}

pub async fn start(
    out: &Printer,
    rehearsal: bool,
    args: &RotateArgs,
    start: &RotateStart,
) -> Result<ExitStatus, Problem> {
    let mut given = given(args, rehearsal)?;
    let ctx = open(out, rehearsal, args).await?;
    rolled_in_rehearsal(&ctx, args, &mut given)?;
    let rotation = ctx.wizard.rotate_start(start_of(start), given, &out.sink()).await?;
    out.rotation(Some(&rotation), &ctx.wizard.rotate_status().retiring);
    Ok(ExitStatus::Success)
}

/// `--roll-rehearsal-key`: the rehearsal's Dashboard rolls its made-up key, given as new
/// (outside the rehearsal, [`given`] has refused the flag already).
fn rolled_in_rehearsal(ctx: &Context, args: &RotateArgs, given: &mut Given) -> Result<(), Problem> {
    let (true, Some(rehearsal)) = (args.roll_rehearsal_key, ctx.rehearsal()) else { return Ok(()) };
    let key = rehearsal.roll_live_key();
    given.key = Some(
        golive::stripe_key::parse_key(golive::stripe_key::KeySlot::Live, secrecy::ExposeSecret::expose_secret(&key))
            .map_err(|p| Problem::internal(format!("The rehearsal rolled a key golive cannot read: {}", p.message)))?,
    );
    Ok(())
}

pub async fn resume(out: &Printer, rehearsal: bool, args: &RotateArgs) -> Result<ExitStatus, Problem> {
    let mut given = given(args, rehearsal)?;
    let ctx = open(out, rehearsal, args).await?;
    rolled_in_rehearsal(&ctx, args, &mut given)?;
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
