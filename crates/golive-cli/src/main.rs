//! `golive`: the wizard's steps without a window, for scripts, CI and terminal users.
//! Thin: it reads input, calls the engine, prints. Keys come from the environment or stdin,
//! never from argv.

mod keys_input;
mod output;

use clap::{Parser, Subcommand};
use golive::connect::{self, ConnectInput, FailureKind};
use golive::environment::{Environment, Mode};
use golive::rehearsal::Rehearsal;
use golive::session::{self, Session};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes that tell a script what kind of trouble it is in.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INVALID_INPUT: u8 = 2;
    pub const EXTERNAL_REFUSED: u8 = 3;
    pub const INTERNAL: u8 = 4;
}

#[derive(Parser)]
#[command(
    name = "golive",
    version,
    about = "Take a SaaS on Cloudflare Workers from Stripe test mode to live mode."
)]
struct Cli {
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Use the offline rehearsal: local Stripe and Cloudflare stand-ins, made-up keys.
    #[arg(long, global = true)]
    rehearsal: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check both Stripe keys and find the Worker and wrangler (read-only).
    ///
    /// Keys are read from GOLIVE_STRIPE_TEST_KEY and GOLIVE_STRIPE_LIVE_KEY, or with
    /// --keys-stdin from two lines on standard input (test key first). Never pass them as arguments.
    Connect {
        /// The folder of the Worker (holds wrangler.toml or wrangler.jsonc).
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// Read the test key then the live key, one per line, from standard input.
        #[arg(long)]
        keys_stdin: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = output::Printer { json: cli.json };
    let code = match cli.command {
        Command::Connect {
            project,
            keys_stdin,
        } => run_connect(&out, cli.rehearsal, project, keys_stdin).await,
    };
    ExitCode::from(code)
}

async fn run_connect(
    out: &output::Printer,
    rehearsal: bool,
    project: Option<PathBuf>,
    keys_stdin: bool,
) -> u8 {
    let data_dir = session::data_dir();
    let stage = if rehearsal {
        match Rehearsal::start(&data_dir).await {
            Ok(r) => Some(r),
            Err(e) => {
                return out.error(
                    exit::INTERNAL,
                    "internal_error",
                    &format!("Could not start the rehearsal stand-ins: {e}"),
                    "Report this as a bug.",
                )
            }
        }
    } else {
        None
    };
    let env = stage
        .as_ref()
        .map(Rehearsal::environment)
        .unwrap_or_else(Environment::real);
    let keys = match &stage {
        Some(r) => keys_input::from_rehearsal(r),
        None => keys_input::read(keys_stdin),
    };
    let (test_key, live_key) = match keys {
        Ok(keys) => keys,
        Err(problem) => {
            return out.error(
                exit::INVALID_INPUT,
                "invalid_input",
                &problem.message,
                &problem.fix,
            )
        }
    };
    let project_dir = match project.or_else(|| stage.as_ref().map(|r| r.project_dir.clone())) {
        Some(dir) => dir,
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let input = ConnectInput {
        test_key,
        live_key,
        project_dir: project_dir.clone(),
    };
    let sink = out.live_findings();
    let report = connect::check(&input, &env, &sink).await;
    let mut saved = Session::new(if stage.is_some() {
        Mode::Rehearsal
    } else {
        Mode::Real
    });
    saved.project_dir = Some(project_dir);
    saved.connect = report.outcome.clone();
    if let Err(e) = saved.save(&data_dir.join(session::FILE_NAME)) {
        return out.error(
            exit::INTERNAL,
            "internal_error",
            &e.0,
            "Check that the data folder is writable, or set GOLIVE_DATA_DIR.",
        );
    }
    out.connect_report(&report);
    match report.failure_kind() {
        None => exit::OK,
        Some(FailureKind::InvalidInput) => exit::INVALID_INPUT,
        Some(FailureKind::ExternalRefused) => exit::EXTERNAL_REFUSED,
    }
}
