//! `stripe-standin`: runs the stand-in as a server, for poking at it with curl or an SDK and
//! for tests outside Rust. Prints the base URL and a rehearsal account's made-up keys as one
//! JSON line. Rate limits are Stripe's by default (100 requests a second per account in live
//! mode, 25 in test mode); the test-only routes (faults and clock over HTTP) are off unless
//! asked for. With `--state FILE` its data lives in that file between runs (the rehearsal
//! account is made once).

use clap::Parser;
use std::net::SocketAddr;
use stripe_standin::RateLimits;

#[derive(Debug, Parser)]
#[command(name = "stripe-standin", about = "A local stand-in for the Stripe API (tests and offline rehearsal)")]
struct Args {
    /// Port on 127.0.0.1 to listen on.
    #[arg(long, env = "STRIPE_STANDIN_PORT", default_value_t = 12111)]
    port: u16,
    /// Requests a second allowed per account in live mode (Stripe: 100).
    #[arg(long, env = "STRIPE_STANDIN_RATE_LIMIT_LIVE", default_value_t = 100)]
    rate_limit_live: u32,
    /// Requests a second allowed per account in test mode (Stripe: 25).
    #[arg(long, env = "STRIPE_STANDIN_RATE_LIMIT_TEST", default_value_t = 25)]
    rate_limit_test: u32,
    /// Serve every request, however many arrive (no 429s).
    #[arg(long, env = "STRIPE_STANDIN_NO_RATE_LIMIT")]
    no_rate_limit: bool,
    /// Serve the test-only routes: POST /_standin/faults and POST /_standin/clock.
    #[arg(long, env = "STRIPE_STANDIN_TEST_ROUTES")]
    test_routes: bool,
    /// Keep the data in this file between runs (created when missing).
    #[arg(long, env = "STRIPE_STANDIN_STATE")]
    state: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let standin = match &args.state {
        Some(path) => stripe_standin::StandIn::start_persisted_on(addr, path).await?,
        None => stripe_standin::StandIn::start_on(addr).await?,
    };
    if !args.no_rate_limit {
        standin.set_rate_limits(RateLimits {
            live: Some(args.rate_limit_live),
            test: Some(args.rate_limit_test),
            per_operation: RateLimits::STRIPE.per_operation,
        });
    }
    if args.test_routes {
        standin.enable_test_routes();
    }
    let keys = match standin.account_ids().first().and_then(|id| standin.account_keys(id)) {
        Some(restored) => restored,
        None => standin.seed_rehearsal(),
    };
    println!(
        "{}",
        serde_json::json!({
            "base_url": standin.base_url(),
            "account": keys.account_id,
            "test_secret_key": keys.test_secret,
            "live_secret_key": keys.live_secret,
        })
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
