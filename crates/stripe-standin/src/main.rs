//! `stripe-standin`: runs the stand-in as a server, for poking at it with curl or an SDK.
//! Prints the base URL and a rehearsal account's made-up keys as one JSON line.

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().skip_while(|a| a != "--port").nth(1).and_then(|p| p.parse().ok()).unwrap_or(12111);
    let standin = stripe_standin::StandIn::start_on(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let keys = standin.seed_rehearsal();
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
