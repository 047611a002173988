//! `golive smoke`: the smoke purchase through the wizard, taken as far as it goes in one call
//! — start (or resume), print the checkout link and wait for it, then the portal link; with
//! `--portal ok|problem` (or the answer typed at a terminal) cancel, prove the revert and
//! clean up. A call that waits for the user ends with status 0 and says what to do next.

use super::ExitStatus;
use crate::args::{PortalSeen, SmokeArgs};
use crate::context::Context;
use crate::output::Printer;
use golive::smoke::Phase;
use golive::wizard::{Problem, ProblemKind, SmokeAsk};
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

pub async fn run(out: &Printer, rehearsal: bool, args: &SmokeArgs) -> Result<ExitStatus, Problem> {
    if args.complete_checkout && !rehearsal {
        return Err(Problem::invalid(
            "--complete-checkout works only with --rehearsal: with a real account you complete the checkout in your browser.",
            "Open the checkout link golive printed and complete it there (no card is asked for the $0 subscription).",
        ));
    }
    let ctx = Context::open_for_rotate(out, rehearsal, args.project.clone()).await?;
    let wizard = &ctx.wizard;
    let sink = out.sink();
    if args.stop {
        return Ok(ended(out, &wizard.smoke_stop(&sink).await?.run));
    }
    if args.delete_customer {
        return Ok(ended(out, &wizard.smoke_delete_customer().await?.run));
    }
    let ask = SmokeAsk { tier: args.tier.clone(), email: args.email.clone(), return_url: args.return_url.clone() };
    let mut state = wizard.smoke_start(ask, &sink).await?;
    if state.run.phase == Phase::AwaitingCheckout {
        if args.complete_checkout {
            wizard.smoke_complete_checkout().await?;
        } else {
            out.smoke_waiting_for_checkout(&state.run);
        }
        state = wizard.smoke_watch(Duration::from_secs(args.wait * 60), &sink).await?;
        if let Some(left) = state.waiting_seconds_left {
            out.smoke_still_open(&state.run, left);
            return Ok(ExitStatus::Success);
        }
    }
    if state.run.phase == Phase::AwaitingPortal {
        let seen = match args.portal {
            Some(seen) => seen == PortalSeen::Ok,
            None => {
                let link = match state.portal_url.take() {
                    Some(link) => link,
                    None => wizard.smoke_portal_link().await?,
                };
                out.smoke_portal(&state.run, &link);
                match ask_portal(out) {
                    Some(seen) => seen,
                    None => return Ok(ExitStatus::Success),
                }
            }
        };
        state = wizard.smoke_finish(seen, &sink).await?;
    }
    Ok(ended(out, &state.run))
}

/// At a terminal: whether the portal showed what it should (`None`: no terminal, or no answer).
fn ask_portal(out: &Printer) -> Option<bool> {
    if out.json || !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("Did the portal show the subscription, its invoices and a way to update the payment method? [y/n] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok()?;
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "n" | "no" => Some(false),
        _ => None,
    }
}

/// The run's report; a failed check ends with the outside world's exit code.
fn ended(out: &Printer, run: &golive::smoke::SmokeRun) -> ExitStatus {
    out.smoke_run(run);
    if run.findings.iter().any(|f| f.status == golive::findings::Status::Fail) {
        ExitStatus::NotPassed(ProblemKind::Refused)
    } else {
        ExitStatus::Success
    }
}
