//! `golive deploy`: the Worker's first deploy (and its missing KV namespaces), shown, asked
//! for, then run with wrangler's output streamed.

use super::ExitStatus;
use crate::args::KeyArgs;
use crate::context::Context;
use crate::output::Printer;
use golive::wizard::Problem;
use std::io::{BufRead, IsTerminal, Write};

pub async fn run(
    out: &Printer,
    rehearsal: bool,
    keys: &KeyArgs,
    plan_only: bool,
    yes: bool,
) -> Result<ExitStatus, Problem> {
    if !plan_only && !yes && (keys.keys_stdin || !std::io::stdin().is_terminal()) {
        return Err(Problem::invalid(
            "golive deploy asks before it runs anything, and standard input is not a terminal to answer on.",
            "Run it in a terminal to answer, or pass --yes (see what it would run with `golive deploy --plan` first).",
        )
        .with_code("needs_yes"));
    }
    let ctx = Context::open(out, rehearsal, keys).await?;
    ctx.connected().await?;
    let plan = ctx.wizard.deploy_plan().await?;
    if plan_only || plan.actions.is_empty() || !out.json {
        out.deploy_plan(&plan);
    }
    if plan_only || plan.actions.is_empty() {
        return Ok(ExitStatus::Success);
    }
    if !yes {
        eprint!("Run {}? [y/N] ", if plan.actions.len() == 1 { "it" } else { "them" });
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            eprintln!("Nothing was run.");
            return Ok(ExitStatus::Success);
        }
    }
    let outcome = ctx.wizard.deploy(&out.sink()).await?;
    out.deploy_outcome(&outcome);
    Ok(ExitStatus::Success)
}
