//! Benchmark: migrate 200 products × 3 prices into the Stripe stand-in with Stripe's own
//! limits (live mode 100 requests a second per account, and 25 a second for each named
//! operation — `POST /v1/prices` is the one that binds), at answer times of 0, 250 and
//! 400 ms (real Stripe answers a create in about 200–400 ms), and print for each: wall time,
//! requests sent, 429s, and the price-write rate against the binding limit.
//!
//! `cargo run --release -p golive --example catalog_bench` (scripts/bench.sh runs it);
//! `CATALOG_LATENCIES_MS=250` runs one latency only.

use golive::catalog::{self, ApplyOptions, Created, ValidateOptions};
use golive::environment::{Environment, Mode};
use golive::progress::Silent;
use golive::stripe_api;
use golive::stripe_key::{parse_key, KeySlot};
use std::time::{Duration, Instant};
use stripe_standin::{AccountSpec, RateLimits, StandIn};

const PRODUCTS: usize = 200;

#[tokio::main]
async fn main() {
    let latencies: Vec<u64> = std::env::var("CATALOG_LATENCIES_MS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 250, 400]);
    let limits = RateLimits::STRIPE;
    let binding = limits.per_operation.expect("Stripe limits each operation");
    println!(
        "catalog: {PRODUCTS} products x 3 prices; stand-in limits: {} req/s per account (live), {binding} req/s per operation",
        limits.live.unwrap_or(0)
    );
    for latency in latencies {
        run(latency, limits, binding).await;
    }
}

async fn run(latency_ms: u64, limits: RateLimits, binding: u32) {
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
    standin.set_rate_limits(limits);
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
    let (test, plan) =
        catalog::plan_catalog(&env, &test_key, &live_key, &ValidateOptions::default()).await.expect("plan");
    // The answer time applies to the writes only: the plan's reads are not what is measured.
    standin.set_latency(Duration::from_millis(latency_ms), Duration::from_millis(latency_ms / 5));
    let before = standin.requests().len();
    let started = Instant::now();
    let live = stripe_api::client(&env, &live_key);
    let outcome = catalog::apply(&live, &test, &plan, ApplyOptions::default(), &Silent, &|_: &Created| {}).await;
    let apply_secs = started.elapsed().as_secs_f64();
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);

    let requests = &standin.requests()[before..];
    let writes = requests.iter().filter(|r| r.method == "POST").count();
    let price_writes =
        requests.iter().filter(|r| r.method == "POST" && r.path == "/v1/prices" && r.status == 200).count();
    let throttled = requests.iter().filter(|r| r.status == 429).count();
    let live_prices = standin.prices(&keys.account_id, true).len();
    let floor = price_writes as f64 / f64::from(binding);
    println!(
        "latency {latency_ms} ms (+ up to {} ms): apply {apply_secs:.1} s for {} creates ({live_prices} prices live), {writes} writes, {throttled} answered 429; \
         prices at {:.1} req/s = {:.0} % of the {binding}/s limit (floor {floor:.1} s)",
        latency_ms / 5,
        outcome.created.len(),
        price_writes as f64 / apply_secs,
        100.0 * floor / apply_secs,
    );
}
