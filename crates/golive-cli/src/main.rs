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

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
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
