//! Benchmark: migrate 200 products × 3 prices into the Stripe stand-in, which limits each
//! account and mode to 100 requests a second as Stripe does in live mode, and print wall
//! time, requests sent, 429s, and the request rate achieved against the limit.
//!
//! `cargo run --release -p golive --example catalog_bench` (scripts/bench.sh runs it).

use golive::catalog::{self, ApplyOptions, Created, ValidateOptions};
use golive::environment::{Environment, Mode};
use golive::progress::Silent;
use golive::stripe_api;
use golive::stripe_key::{parse_key, KeySlot};
use std::time::Instant;
use stripe_standin::{AccountSpec, StandIn};

const PRODUCTS: usize = 200;
const LIMIT: u32 = 100;

#[tokio::main]
async fn main() {
    let standin = StandIn::start().await.expect("stand-in starts");
    let keys = standin.add_account(AccountSpec::default());
    for i in 0..PRODUCTS {
        standin.insert_tier_with_prices(
            &keys.account_id,
            false,
            &format!("Tier {i}"),
            &format!("tier-{i}"),
            &[(900 + i as i64, "month", 1), (9000 + i as i64, "year", 1), (2500 + i as i64, "month", 3)],
        );
    }
    standin.set_rate_limit(Some(LIMIT));
    let env = Environment {
        mode: Mode::Rehearsal,
        stripe_base_url: Some(standin.base_url()),
        wrangler_env: vec![],
        wrangler_program: None,
        webhook_probe_base: None,
        stripe_timeout: None,
        cloudflare_token: Default::default(),
    };
    let test_key = parse_key(KeySlot::Test, &keys.test_secret).unwrap();
    let live_key = parse_key(KeySlot::Live, &keys.live_secret).unwrap();
    let options = ValidateOptions::default();

    let started = Instant::now();
    let (test, plan) = catalog::plan_catalog(&env, &test_key, &live_key, &options).await.expect("plan");
    let planned = started.elapsed();
    let live = stripe_api::client(&env, &live_key);
    let outcome = catalog::apply(&live, &test, &plan, ApplyOptions::default(), &Silent, &|_: &Created| {}).await;
    let total = started.elapsed();
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);

    let requests = standin.requests();
    let writes = requests.iter().filter(|r| r.method == "POST").count();
    let throttled = requests.iter().filter(|r| r.status == 429).count();
    let live_products = standin.products(&keys.account_id, true).len();
    let live_prices = standin.prices(&keys.account_id, true).len();
    let apply_secs = (total - planned).as_secs_f64();
    println!("catalog: {PRODUCTS} products x 3 prices, stand-in limit {LIMIT} req/s per account and mode");
    println!("plan (read both catalogs): {:.2} s", planned.as_secs_f64());
    println!(
        "apply: {apply_secs:.2} s for {} creates ({live_products} products, {live_prices} prices in live)",
        outcome.created.len()
    );
    println!("total wall time: {:.2} s", total.as_secs_f64());
    println!("requests sent: {} ({writes} writes, {throttled} answered 429)", requests.len());
    println!(
        "write rate during apply: {:.1} req/s against a limit of {LIMIT} ({:.0} % of it)",
        writes as f64 / apply_secs,
        100.0 * writes as f64 / apply_secs / LIMIT as f64
    );
}
