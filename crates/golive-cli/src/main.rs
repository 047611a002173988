//! `golive`: the wizard's steps without a window, for scripts, CI and terminal users.
//! Thin: [`args`] parses what was typed, [`context`] opens the project's wizard, each of
//! [`commands`] makes one wizard call, [`output`] prints. How the process ends is decided here
//! only: a command's [`commands::ExitStatus`], or the [`golive::wizard::Problem`] that stopped
//! it, printed in one place with its exit code (0 done, 2 input or order of steps, 3 refused
//! by a service or a failed check, 4 a bug). Keys come from the environment, stdin or the OS
//! keyring, never from argv.

mod args;
mod commands;
mod context;
mod keys_input;
mod output;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // The version names the commit the build came from (see golive::about), known at run time.
    let version: &'static str = Box::leak(golive::about::version_line().into_boxed_str());
    let parsed = args::Cli::command().version(version).try_get_matches().and_then(|m| args::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(output::usage_error(e)),
    };
    let out = output::Printer { json: cli.json };
    let code = match commands::run(cli, &out).await {
        Ok(status) => status.code(),
        Err(problem) => {
            out.problem(&problem);
            problem.kind.exit_code()
        }
    };
    ExitCode::from(code)
}
