//! Every command, flag and argument of `golive`, in one place: what the user types is parsed
//! here once (clap) and handed to [`crate::commands`] as plain values. Keys are never
//! arguments: they come from the environment, standard input or the OS keyring.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "golive", version, about = "Take a SaaS on Cloudflare Workers from Stripe test mode to live mode.")]
#[command(
    after_help = "Exit codes: 0 done (or passed), 2 fix the input or do an earlier step first, 3 Stripe, Cloudflare, wrangler or the keyring refused (or a check failed), 4 a bug in golive."
)]
pub struct Cli {
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Use the offline rehearsal: local Stripe and Cloudflare stand-ins, made-up keys.
    #[arg(long, global = true)]
    pub rehearsal: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the project is and where the keys come from (never argv).
///
/// Keys are read from GOLIVE_STRIPE_TEST_KEY and GOLIVE_STRIPE_LIVE_KEY, or with
/// --keys-stdin from two lines on standard input (test key first), or from the OS keyring.
#[derive(Args, Clone, Default)]
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
pub enum Command {
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
    /// Audit the go-live: every checklist item golive can prove from the account and the
    /// project folder (read-only), and the manual items you confirm. Exit 3 when a failure
    /// would lose money or secrets (a live key in git history, an account that cannot charge,
    /// test ids in code, a secret in plaintext config).
    Audit {
        #[command(flatten)]
        keys: KeyArgs,
        /// Confirm a manual item (e.g. `two-step-login`); repeat for several. `--confirm list`
        /// lists them.
        #[arg(long, value_name = "ITEM")]
        confirm: Vec<String>,
        /// Take back a confirmation.
        #[arg(long, value_name = "ITEM")]
        unconfirm: Vec<String>,
        #[command(flatten)]
        tiers: TierSourceArgs,
    },
    /// The whole first go-live: Connect, Catalog, Webhook, Secrets, Audit, Verify. Asks before each
    /// step that writes (or --yes); a step already done is passed over, so running it again
    /// writes nothing. Stops at the first step that needs you, with what to do.
    GoLive {
        #[command(flatten)]
        catalog: CatalogArgs,
        #[command(flatten)]
        webhook: WebhookTarget,
        /// Also write go-live-report.md and go-live-report.html into this folder.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
        /// Say yes to every step instead of asking (needed when standard input is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Roll the live API key or the webhook signing secret with no downtime (after Verify
    /// passed): `plan` says what will happen, `start` begins, `continue` resumes from where it
    /// stopped (safe from cron), `status` shows where it stands.
    Rotate {
        #[command(subcommand)]
        action: RotateAction,
    },
    /// The smoke purchase (after Verify passed): a real $0 checkout in live mode with a
    /// one-time 100%-off code proves the Worker gives the tier bought, the customer portal
    /// works, and cancelling reverts to free; then the coupon is deleted. Each call takes the
    /// run as far as it can: start (or resume), wait for the checkout, then — once you looked
    /// at the portal — `--portal ok|problem` cancels and cleans up. Exit 3 when a check failed.
    Smoke(SmokeArgs),
    /// The billing rehearsal, in test mode, any time after Connect: trials, renewals, a
    /// declined card with Stripe's retries, 3D Secure, an upgrade and a downgrade, a
    /// cancellation — each on a Stripe test clock, every event forwarded signed to your own
    /// Worker run on this machine (`wrangler dev`), and the tier it keeps compared, phase by
    /// phase, with the tier it should keep. Nothing deployed is touched; every clock is
    /// deleted. Exit 3 when a scenario failed.
    RehearseBilling(BillingArgs),
    /// With --rehearsal: forget the offline rehearsal (its made-up account, sample project and
    /// sessions) so the next rehearsal starts anew. Nothing real is touched.
    Reset,
    /// Keep the Stripe keys in the OS keyring.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Deploy the Worker when Cloudflare does not have it yet (and create the KV namespaces
    /// its configuration binds but never created, writing their ids into wrangler.toml).
    /// Shows the exact wrangler commands and what they change, then asks (or --yes). A Worker
    /// that is deployed already is left alone.
    Deploy {
        #[command(flatten)]
        keys: KeyArgs,
        /// Only show what would run.
        #[arg(long)]
        plan: bool,
        /// Go ahead without asking (needed when standard input is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Give wrangler a Cloudflare login without a terminal session of its own: `login` runs
    /// `wrangler login` (it opens your browser), `token` takes an API token on standard input
    /// (checked by Cloudflare, kept in the OS keyring, given to wrangler in its environment
    /// only), `forget` removes that token.
    Cloudflare {
        #[command(subcommand)]
        action: CloudflareAction,
    },
}

#[derive(Subcommand)]
pub enum CloudflareAction {
    /// Run `wrangler login`: allow access in the browser it opens; golive waits up to 5 minutes.
    Login {
        /// The folder of the Worker (its wrangler is used). Default: here.
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
    },
    /// Read an API token from standard input (typed hidden on a terminal), check it with
    /// Cloudflare and wrangler, and keep it in the OS keyring for every later run. Make one
    /// with golive's permissions at the link `golive cloudflare token --help-link` prints.
    Token {
        /// The folder of the Worker (its wrangler checks the token). Default: here.
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// Only print the link that makes a token with golive's permissions.
        #[arg(long)]
        help_link: bool,
    },
    /// Remove the API token golive keeps (wrangler's own login, if any, is used again).
    Forget,
}

/// Where the Worker keeps each customer's tier, for the audit's behaviour probes (saved in
/// the project's session). Default: the reference Worker's KV layout, `customer:{customer}`
/// in the `TIERS` namespace.
#[derive(Args, Clone, Default)]
pub struct TierSourceArgs {
    /// The KV namespace binding that holds tiers.
    #[arg(long, value_name = "BINDING", conflicts_with = "tier_url")]
    pub tier_binding: Option<String>,
    /// The KV key of a customer's tier, with `{customer}` for the id.
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "tier_url")]
    pub tier_key: Option<String>,
    /// Or an https:// URL (with `{customer}`) that answers a customer's tier.
    #[arg(long, value_name = "URL")]
    pub tier_url: Option<String>,
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
pub enum CatalogAction {
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

/// Where the webhook goes and what it sends.
#[derive(Args, Clone)]
pub struct WebhookTarget {
    /// The endpoint URL. Default: the Worker's route or workers.dev address + /webhook/stripe.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The wrangler environment the Worker is deployed as (`wrangler deploy --env NAME`).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Another event to send, beyond the four subscription events (repeatable).
    #[arg(long = "event", value_name = "TYPE")]
    pub events: Vec<String>,
}

#[derive(Args, Clone)]
pub struct WebhookArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub target: WebhookTarget,
    /// Only show what would happen (read-only).
    #[arg(long, conflicts_with = "disable_duplicates")]
    pub plan: bool,
    /// Also turn off the other enabled endpoints for the same URL.
    #[arg(long)]
    pub disable_duplicates: bool,
}

#[derive(Subcommand)]
pub enum SecretsAction {
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
pub enum KeysAction {
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

#[derive(Args, Clone, Default)]
pub struct SmokeArgs {
    /// The folder of the Worker (holds wrangler.toml or wrangler.jsonc). Default: here.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// The tier to buy (default: the first of the live catalog).
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// The customer's email (default: the Stripe account's); the $0 receipt goes there.
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    /// Where the checkout and the portal send the customer back (default: the account's
    /// website, else the Worker's address).
    #[arg(long, value_name = "URL")]
    pub return_url: Option<String>,
    /// How many minutes to wait for the checkout to be completed this time (run again to
    /// wait more; the checkout stays open for an hour).
    #[arg(long, value_name = "MINUTES", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=60))]
    pub wait: u64,
    /// What the customer portal showed: `ok` (the subscription, invoices and the payment
    /// method update) or `problem`. Then the subscription is cancelled and the coupon deleted.
    #[arg(long, value_enum, value_name = "ok|problem")]
    pub portal: Option<PortalSeen>,
    /// With --rehearsal: complete the checkout as a customer would (there is no browser).
    #[arg(long)]
    pub complete_checkout: bool,
    /// Stop the smoke purchase under way: the checkout expires, any subscription is
    /// cancelled, the coupon deleted.
    #[arg(long, conflicts_with_all = ["portal", "complete_checkout", "delete_customer"])]
    pub stop: bool,
    /// Delete the live customer the last smoke purchase made (its $0 invoice stays).
    #[arg(long, conflicts_with_all = ["portal", "complete_checkout"])]
    pub delete_customer: bool,
}

#[derive(Args, Clone, Default)]
pub struct BillingArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Run only this scenario (repeat, or separate with commas); `--list` names them.
    #[arg(long = "scenario", value_name = "ID", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Deliver every event twice, the copies newest first, as Stripe may (at least once, in no
    /// promised order): proves the Worker's dedupe and ordering.
    #[arg(long)]
    pub shuffle: bool,
    /// List the scenarios and the test catalog's tiers; run nothing.
    #[arg(long, conflicts_with_all = ["scenarios", "shuffle"])]
    pub list: bool,
}

/// What the customer portal showed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortalSeen {
    Ok,
    Problem,
}

/// What to rotate.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum RotateKind {
    ApiKey,
    WebhookSecret,
    All,
}

#[derive(Args, Clone)]
pub struct RotateArgs {
    /// The folder of the Worker (holds wrangler.toml or wrangler.jsonc). Default: here.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Read the new live key (the one you rolled in the Dashboard) from standard input;
    /// without it, from GOLIVE_STRIPE_NEW_LIVE_KEY when set.
    #[arg(long, conflicts_with = "secret_stdin")]
    pub key_stdin: bool,
    /// Read the new webhook secret (rolled in the Dashboard, with --dashboard) from standard
    /// input; without it, from GOLIVE_STRIPE_NEW_WEBHOOK_SECRET when set.
    #[arg(long)]
    pub secret_stdin: bool,
    /// With --rehearsal: roll the made-up live key in the rehearsal's Dashboard (the old one
    /// keeps working) and give the new one, as you would paste a real one.
    #[arg(long, conflicts_with = "key_stdin")]
    pub roll_rehearsal_key: bool,
}

/// How a rotation starts.
#[derive(Args, Clone)]
pub struct RotateStart {
    #[arg(long, value_enum, default_value = "webhook-secret")]
    pub kind: RotateKind,
    /// Roll the webhook secret in the Stripe Dashboard (Roll secret) instead of through a
    /// second endpoint.
    #[arg(long)]
    pub dashboard: bool,
    /// With --dashboard: how many hours you told Stripe to keep the old secret (at most 24).
    #[arg(long, value_name = "HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(0..=24))]
    pub old_secret_hours: u64,
}

#[derive(Subcommand)]
pub enum RotateAction {
    /// What a rotation will do, in plain words (read-only).
    Plan {
        #[command(flatten)]
        args: RotateArgs,
        #[command(flatten)]
        start: RotateStart,
    },
    /// Start a rotation and take it as far as it goes now.
    Start {
        #[command(flatten)]
        args: RotateArgs,
        #[command(flatten)]
        start: RotateStart,
    },
    /// Go on with the open rotation; forget old keys Stripe now refuses.
    Continue {
        #[command(flatten)]
        args: RotateArgs,
    },
    /// Where the rotations stand (read-only).
    Status {
        #[command(flatten)]
        args: RotateArgs,
    },
}
