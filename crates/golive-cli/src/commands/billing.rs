//! `golive rehearse-billing`: the billing rehearsal through the wizard — `--list` shows what
//! would run, else one run, its phases printed as they land and the report at the end.

use super::ExitStatus;
use crate::args::BillingArgs;
use crate::context::Context;
use crate::output::Printer;
use golive::wizard::{BillingAsk, Problem, ProblemKind};

pub async fn run(out: &Printer, rehearsal: bool, args: &BillingArgs) -> Result<ExitStatus, Problem> {
    let ctx = Context::open(out, rehearsal, &args.keys).await?;
    ctx.connected().await?;
    if args.list {
        out.billing_plan(&ctx.wizard.billing_plan().await?);
        return Ok(ExitStatus::Success);
    }
    let ask = BillingAsk { scenarios: args.scenarios.clone(), shuffle: args.shuffle };
    let report = ctx.wizard.rehearse_billing(ask, &out.sink()).await?;
    out.billing_report(&report);
    Ok(if report.passed() { ExitStatus::Success } else { ExitStatus::NotPassed(ProblemKind::Refused) })
}
