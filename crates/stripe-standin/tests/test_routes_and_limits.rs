//! Faults and the clock over HTTP (for tests outside Rust) answer only when turned on;
//! `Fault::Hang` never answers; rate limits are per mode, Stripe's numbers by default in the
//! binary and off in process.

mod common;

use common::{call, get, post, Answer};
use std::time::Duration;
use stripe_standin::{AccountSpec, RateLimits, StandIn};

async fn control(base: &str, path: &str, json: &str) -> common::Answer {
    call(base, "POST", path, None, &[("content-type", "application/json")], json).await
}

#[tokio::test]
async fn the_test_routes_are_unknown_urls_unless_turned_on() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let off = control(&base, "_standin/faults", r#"{"kind":"status","status":503}"#).await;
    assert_eq!(off.status, 404);
    assert!(off.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Unrecognized request URL (POST: /_standin/faults)"));
    let with_key = call(&base, "POST", "_standin/clock", Some(&keys.live_secret), &[], r#"{"seconds":5}"#).await;
    assert_eq!(with_key.status, 404, "a key opens nothing");
    assert_eq!(standin.queued_faults(), 0);
    assert_eq!(get(&base, "v1/webhook_endpoints", &keys.live_secret).await.status, 200, "no fault was queued");

    standin.enable_test_routes();
    let on = control(&base, "_standin/faults", r#"{"kind":"status","status":503}"#).await;
    assert_eq!(on.status, 200, "{}", on.body);
    let hit = get(&base, "v1/webhook_endpoints", &keys.live_secret).await;
    assert_eq!(hit.status, 503);
    assert_eq!(hit.header("stripe-should-retry"), Some("true"));
    assert_eq!(get(&base, "v1/webhook_endpoints", &keys.live_secret).await.status, 200, "one fault, one request");
}

#[tokio::test]
async fn faults_and_the_clock_over_http() {
    let standin = StandIn::start().await.unwrap();
    standin.enable_test_routes();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let create = "url=https%3A%2F%2Fapi.example.com%2Fw&enabled_events[0]=invoice.paid";
    // on the next write, not the read before it
    let queued =
        control(&base, "_standin/faults", r#"{"kind":"fail_while_processing","status":500,"on_write":0}"#).await;
    assert_eq!(queued.status, 200, "{}", queued.body);
    assert_eq!(get(&base, "v1/webhook_endpoints", &keys.live_secret).await.status, 200);
    let failed = post(&base, "v1/webhook_endpoints", &keys.live_secret, create).await;
    assert_eq!(failed.status, 500);
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true).len(), 1, "it ran, then failed");

    let before = standin.now();
    let moved = control(&base, "_standin/clock", r#"{"seconds":90000}"#).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert!(standin.now() >= before + 90_000);
    let later = post(&base, "v1/webhook_endpoints", &keys.live_secret, create).await;
    assert!(later.json()["created"].as_i64().unwrap() >= before + 90_000, "created follows the clock");

    for bad in [r#"{"kind":"status"}"#, r#"{"kind":"explode"}"#, r#"{"kind":"delay"}"#, "not json"] {
        let refused = control(&base, "_standin/faults", bad).await;
        assert_eq!(refused.status, 400, "{bad}");
        assert!(!refused.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(control(&base, "_standin/clock", r#"{"seconds":-1}"#).await.status, 400);
    assert_eq!(standin.queued_faults(), 0);
}

#[tokio::test]
async fn a_hang_never_answers() {
    let standin = StandIn::start().await.unwrap();
    standin.enable_test_routes();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    assert_eq!(control(&base, "_standin/faults", r#"{"kind":"hang"}"#).await.status, 200);
    let held = tokio::time::timeout(Duration::from_millis(500), get(&base, "v1/balance", &keys.live_secret)).await;
    assert!(held.is_err(), "the request must still be waiting: {held:?}");
    assert_eq!(get(&base, "v1/balance", &keys.live_secret).await.status, 200, "only that request hangs");
}

/// `n` requests for the balance sent at once: however slow the machine, they land within a
/// few seconds, far fewer windows than `n` / the limit.
async fn burst(base: &str, key: &str, n: usize) -> Vec<Answer> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (base, key) = (base.to_string(), key.to_string());
            tokio::spawn(async move { get(&base, "v1/balance", &key).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_are_per_mode() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    standin.set_rate_limits(RateLimits { live: None, test: Some(2), per_operation: None });
    // 20 at once would have to spread over 10 one-second windows of 2 to all get through.
    let test_statuses: Vec<u16> = burst(&base, &keys.test_secret, 20)
        .await
        .into_iter()
        .map(|answer| {
            if answer.status == 429 {
                assert_eq!(answer.json()["error"]["code"], "rate_limit");
                assert_eq!(answer.json()["error"]["type"], "invalid_request_error");
            }
            answer.status
        })
        .collect();
    assert!(test_statuses.contains(&429), "{test_statuses:?}");
    for answer in burst(&base, &keys.live_secret, 20).await {
        assert_eq!(answer.status, 200, "live mode has no limit here");
    }
    standin.set_rate_limit(None);
    assert_eq!(get(&base, "v1/balance", &keys.test_secret).await.status, 200);
}

/// Stripe budgets each named operation on its own (25 a second by default) under the
/// account's limit: a burst of one operation is refused with Stripe's 429, which says it may
/// be sent again, while another operation still goes through.
#[tokio::test(flavor = "multi_thread")]
async fn each_operation_has_its_own_budget() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    standin.set_rate_limits(RateLimits { live: None, test: None, per_operation: Some(2) });
    let answers = burst(&base, &keys.live_secret, 20).await;
    let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    assert!(!refused.is_empty(), "20 balance reads at once exceed 2 a second");
    for answer in refused {
        assert_eq!(answer.json()["error"]["code"], "rate_limit");
        assert_eq!(answer.headers.get("stripe-should-retry").map(String::as_str), Some("true"));
    }
    assert_eq!(get(&base, "v1/products", &keys.live_secret).await.status, 200, "another operation has its own budget");
    assert_eq!(RateLimits::STRIPE.per_operation, Some(25));
}

/// The binary on a free port, with its first output line (base URL and keys).
struct Binary {
    child: std::process::Child,
    base: String,
    test_key: String,
    live_key: String,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_binary(args: &[&str]) -> Binary {
    use std::io::BufRead;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stripe-standin"))
        .args(["--port", &port.to_string()])
        .args(args)
        .env_remove("STRIPE_STANDIN_TEST_ROUTES")
        .env_remove("STRIPE_STANDIN_NO_RATE_LIMIT")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    Binary {
        child,
        base: info["base_url"].as_str().unwrap().to_string(),
        test_key: info["test_secret_key"].as_str().unwrap().to_string(),
        live_key: info["live_secret_key"].as_str().unwrap().to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_limits_each_mode_at_stripes_rates_by_default() {
    let binary = start_binary(&[]);
    // 150 at once would have to spread over 6 one-second windows for test mode (25 a second)
    // to let them all through; in live mode (100 a second) one operation's 25 a second binds
    // (see each_operation_has_its_own_budget): 20 at once are under both.
    let mut test_refused = 0;
    for answer in burst(&binary.base, &binary.test_key, 150).await {
        if answer.status == 429 {
            test_refused += 1;
            assert_eq!(answer.header("stripe-should-retry"), Some("true"));
        }
    }
    assert!(test_refused > 0, "test mode allows 25 requests a second");
    for answer in burst(&binary.base, &binary.live_key, 20).await {
        assert_eq!(answer.status, 200);
    }
    let routes = control(&binary.base, "_standin/clock", r#"{"seconds":1}"#).await;
    assert_eq!(routes.status, 404, "test routes are off by default");
}

#[tokio::test]
async fn the_binary_takes_flags_for_limits_and_test_routes() {
    let binary = start_binary(&["--no-rate-limit", "--test-routes"]);
    for _ in 0..60 {
        assert_eq!(get(&binary.base, "v1/balance", &binary.test_key).await.status, 200);
    }
    let queued = control(&binary.base, "_standin/faults", r#"{"kind":"status","status":500}"#).await;
    assert_eq!(queued.status, 200);
    assert_eq!(get(&binary.base, "v1/balance", &binary.test_key).await.status, 500);
}
