//! `golive`: the wizard's steps without a window, for scripts, CI and terminal users.
//! Thin: it reads input, calls the engine, prints. Keys come from the environment, stdin or
//! the OS keyring, never from argv.

mod cmd_catalog;
mod cmd_connect;
mod cmd_keys;
mod cmd_secrets;
mod cmd_verify;
mod cmd_webhook;
mod keys_input;
mod output;
mod stage;

use clap::{Args, Parser, Subcommand};
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

/// Where the project is and where the keys come from (never argv).
///
/// Keys are read from GOLIVE_STRIPE_TEST_KEY and GOLIVE_STRIPE_LIVE_KEY, or with
/// --keys-stdin from two lines on standard input (test key first), or from the OS keyring.
#[derive(Args, Clone)]
pub struct KeyArgs {
    /// The folder of the Worker (holds wrangler.toml or wrangler.jsonc). Default: here.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Read the test key then the live key, one per line, from standard input.
    #[arg(long, conflicts_with = "keys_from_keyring")]
    pub keys_stdin: bool,
    /// Read both keys from the OS keyring (saved with `golive keys save`).
    #[arg(long)]
    pub keys_from_keyring: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check both Stripe keys and find the Worker and wrangler (read-only).
    Connect {
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Recreate the test catalog in live mode: `plan` shows, `apply` creates what is missing.
    Catalog {
        #[command(subcommand)]
        action: CatalogAction,
    },
    /// Make sure one live webhook endpoint sends the four subscription events to the Worker;
    /// its signing secret goes into the OS keyring.
    Webhook {
        #[command(flatten)]
        args: WebhookArgs,
    },
    /// Push the live secrets to the Worker with wrangler, and confirm them.
    Secrets {
        #[command(subcommand)]
        action: SecretsAction,
    },
    /// Prove the live setup end to end (signed probes, price ids, endpoint, deliveries,
    /// secrets); exit 3 when any check fails.
    Verify {
        #[command(flatten)]
        keys: KeyArgs,
        /// Also write go-live-report.md and go-live-report.html into this folder.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
    },
    /// Keep the Stripe keys in the OS keyring.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Args, Clone)]
pub struct CatalogArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The tier names the app's code expects, comma-separated (e.g. its TIER_CONFIG keys).
    #[arg(long, value_delimiter = ',', value_name = "TIER,…")]
    pub tiers: Option<Vec<String>>,
    /// Use golive's suggested tier values in live mode (lowercased, key renamed to `plan`).
    #[arg(long)]
    pub accept_suggestions: bool,
}

#[derive(Subcommand)]
enum CatalogAction {
    /// Show what live mode needs (read-only). Exit 2 when a problem blocks it.
    Plan {
        #[command(flatten)]
        args: CatalogArgs,
    },
    /// Create what is missing, ensure the customer portal, and print the live price IDs.
    Apply {
        #[command(flatten)]
        args: CatalogArgs,
        /// Also write the price IDs and portal id as `.env` lines to this file.
        #[arg(long, value_name = "FILE")]
        env_file: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
pub struct WebhookArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The endpoint URL. Default: the Worker's route or workers.dev address + /webhook/stripe.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The wrangler environment the Worker is deployed as (`wrangler deploy --env NAME`).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Another event to send, beyond the four subscription events (repeatable).
    #[arg(long = "event", value_name = "TYPE")]
    pub events: Vec<String>,
    /// Only show what would happen (read-only).
    #[arg(long, conflicts_with = "disable_duplicates")]
    pub plan: bool,
    /// Also turn off the other enabled endpoints for the same URL.
    #[arg(long)]
    pub disable_duplicates: bool,
}

#[derive(Subcommand)]
enum SecretsAction {
    /// Keep the secrets in the keyring, upload all with one `wrangler secret bulk`, confirm
    /// with `wrangler secret list`.
    Push {
        #[command(flatten)]
        keys: KeyArgs,
        /// The wrangler environment (default: the one the webhook step used).
        #[arg(long, value_name = "NAME")]
        env: Option<String>,
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
        Command::Connect { keys } => cmd_connect::run(&out, cli.rehearsal, keys).await,
        Command::Catalog { action: CatalogAction::Plan { args } } => cmd_catalog::plan(&out, cli.rehearsal, args).await,
        Command::Catalog { action: CatalogAction::Apply { args, env_file } } => {
            cmd_catalog::apply(&out, cli.rehearsal, args, env_file).await
        }
        Command::Webhook { args } => cmd_webhook::run(&out, cli.rehearsal, args).await,
        Command::Secrets { action: SecretsAction::Push { keys, env } } => {
            cmd_secrets::push(&out, cli.rehearsal, keys, env).await
        }
        Command::Verify { keys, report } => cmd_verify::run(&out, cli.rehearsal, keys, report).await,
        Command::Keys { action: KeysAction::Save { project, keys_stdin } } => {
            cmd_keys::save(&out, project, keys_stdin).await
        }
        Command::Keys { action: KeysAction::Forget { project } } => cmd_keys::forget(&out, project).await,
    };
    ExitCode::from(code)
}
