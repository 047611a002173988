//! `golive`: the wizard's steps without a window, for scripts, CI and terminal users.
//! Thin: it reads input, calls the engine, prints. Keys come from the environment, stdin or
//! the OS keyring, never from argv.

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
#[command(name = "golive", version, about = "Take a SaaS on Cloudflare Workers from Stripe test mode to live mode.")]
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
        #[arg(long, conflicts_with = "keys_from_keyring")]
        keys_stdin: bool,
        /// Read both keys from the OS keyring (saved with `golive keys save`).
        #[arg(long)]
        keys_from_keyring: bool,
    },
    /// Keep the Stripe keys in the OS keyring.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Save both keys (from the environment or --keys-stdin) in the OS keyring, filed under
    /// the Worker's name, so later runs can use --keys-from-keyring.
    Save {
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        #[arg(long)]
        keys_stdin: bool,
    },
    /// Remove both keys of a project from the OS keyring.
    Forget {
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = output::Printer { json: cli.json };
    let code = match cli.command {
        Command::Connect { project, keys_stdin, keys_from_keyring } => {
            let source = match (keys_stdin, keys_from_keyring) {
                (true, _) => KeySource::Stdin,
                (_, true) => KeySource::Keyring,
                _ => KeySource::Env,
            };
            run_connect(&out, cli.rehearsal, project, source).await
        }
        Command::Keys { action } => run_keys(&out, action).await,
    };
    ExitCode::from(code)
}

#[derive(Clone, Copy)]
enum KeySource {
    Env,
    Stdin,
    Keyring,
}

fn project_or_cwd(project: Option<PathBuf>) -> PathBuf {
    project.unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

async fn run_keys(out: &output::Printer, action: KeysAction) -> u8 {
    let (project, stdin) = match &action {
        KeysAction::Save { project, keys_stdin } => (project.clone(), *keys_stdin),
        KeysAction::Forget { project } => (project.clone(), false),
    };
    let project_dir = project_or_cwd(project);
    let names = match keys_input::keyring_names(&project_dir) {
        Ok(names) => names,
        Err(p) => return out.error(exit::INVALID_INPUT, "invalid_input", &p.message, &p.fix),
    };
    let result = match action {
        KeysAction::Save { .. } => {
            let (test, live) = match keys_input::read(stdin) {
                Ok(keys) => keys,
                Err(p) => return out.error(exit::INVALID_INPUT, "invalid_input", &p.message, &p.fix),
            };
            tokio::task::spawn_blocking(move || {
                golive::keystore::put(&names.0, &test.secret())?;
                golive::keystore::put(&names.1, &live.secret())?;
                Ok::<_, golive::keystore::KeystoreError>(vec![names.0.user(), names.1.user()])
            })
            .await
        }
        KeysAction::Forget { .. } => {
            tokio::task::spawn_blocking(move || {
                golive::keystore::delete(&names.0)?;
                golive::keystore::delete(&names.1)?;
                Ok(vec![names.0.user(), names.1.user()])
            })
            .await
        }
    };
    match result {
        Ok(Ok(entries)) => {
            out.entries(&entries);
            exit::OK
        }
        Ok(Err(e)) => out.error(exit::EXTERNAL_REFUSED, "keyring_unavailable", &e.message, &e.fix),
        Err(e) => out.error(exit::INTERNAL, "internal_error", &e.to_string(), "Report this as a bug."),
    }
}

async fn run_connect(out: &output::Printer, rehearsal: bool, project: Option<PathBuf>, source: KeySource) -> u8 {
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
    let env = stage.as_ref().map(Rehearsal::environment).unwrap_or_else(Environment::real);
    let project_dir = match project.or_else(|| stage.as_ref().map(|r| r.project_dir.clone())) {
        Some(dir) => dir,
        None => project_or_cwd(None),
    };
    let keys = match (&stage, source) {
        (Some(r), _) => keys_input::from_rehearsal(r),
        (None, KeySource::Keyring) => {
            let dir = project_dir.clone();
            tokio::task::spawn_blocking(move || keys_input::from_keyring(&dir))
                .await
                .expect("keyring read does not panic")
        }
        (None, KeySource::Stdin) => keys_input::read(true),
        (None, KeySource::Env) => keys_input::read(false),
    };
    let (test_key, live_key) = match keys {
        Ok(keys) => keys,
        Err(problem) => return out.error(exit::INVALID_INPUT, "invalid_input", &problem.message, &problem.fix),
    };
    let input = ConnectInput { test_key, live_key, project_dir: project_dir.clone() };
    let sink = out.live_findings();
    let report = connect::check(&input, &env, &sink).await;
    let mut saved = Session::new(if stage.is_some() { Mode::Rehearsal } else { Mode::Real });
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
