//! Idempotency as Stripe documents it: a keyed POST's result is saved once the endpoint has
//! started executing (errors raised while processing included) and replayed for 24 hours;
//! a refusal before execution (bad parameters, 401, 429, a key in flight) saves nothing;
//! after 24 hours the key is forgotten and the same request runs again.

mod common;

use common::{call, Answer};
use std::time::Duration;
use stripe_standin::{AccountSpec, Fault, StandIn};

const CREATE: &str =
    "url=https%3A%2F%2Fapi.example.com%2Fwebhook%2Fstripe&enabled_events[0]=customer.subscription.created";

async fn create(standin: &StandIn, key: &str, idempotency_key: &str, body: &str) -> Answer {
    call(&standin.base_url(), "POST", "v1/webhook_endpoints", Some(key), &[("idempotency-key", idempotency_key)], body)
        .await
}

#[tokio::test]
async fn a_retry_within_a_day_replays_and_after_a_day_runs_again() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let first = create(&standin, &keys.live_secret, "golive-webhook-live", CREATE).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(first.header("original-request"), first.header("request-id"));

    standin.advance_clock(Duration::from_secs(23 * 3600));
    let again = create(&standin, &keys.live_secret, "golive-webhook-live", CREATE).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body, "the same bytes, secret included");
    assert_eq!(again.header("original-request"), first.header("request-id"), "names the request that ran");
    assert_ne!(again.header("request-id"), first.header("request-id"), "a replay is a request of its own");
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true).len(), 1);

    standin.advance_clock(Duration::from_secs(2 * 3600));
    let late = create(&standin, &keys.live_secret, "golive-webhook-live", CREATE).await;
    assert_eq!(late.status, 200);
    assert_eq!(late.header("idempotent-replayed"), None, "a key older than 24 hours is forgotten");
    assert_ne!(late.json()["id"], first.json()["id"]);
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true).len(), 2, "a duplicate, as with real Stripe");
    assert!(late.json()["created"].as_i64().unwrap() >= first.json()["created"].as_i64().unwrap() + 25 * 3600);
}

#[tokio::test]
async fn a_failure_while_processing_is_saved_and_replayed() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    standin.inject(Fault::FailWhileProcessing(500));
    let failed = create(&standin, &keys.live_secret, "k-500", CREATE).await;
    assert_eq!(failed.status, 500);
    assert_eq!(failed.json()["error"]["type"], "api_error");
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true).len(), 1, "the effect landed before the failure");

    let retry = create(&standin, &keys.live_secret, "k-500", CREATE).await;
    assert_eq!(retry.status, 500, "Stripe: the same result, including 500 errors");
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, failed.body);
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true).len(), 1, "nothing ran twice");
    let records = standin.requests();
    assert!(records.last().unwrap().replayed);
}

#[tokio::test]
async fn a_refusal_before_execution_saves_nothing() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    // bad parameters
    let bad = create(&standin, &keys.live_secret, "k-fix", &format!("{CREATE}&colour=red")).await;
    assert_eq!(bad.status, 400);
    let fixed = create(&standin, &keys.live_secret, "k-fix", CREATE).await;
    assert_eq!(fixed.status, 200, "the key was not used up by a refused request: {}", fixed.body);
    assert_eq!(fixed.header("idempotent-replayed"), None);
    // a queued Status fault answers before the request runs
    standin.inject(Fault::Status(503));
    assert_eq!(create(&standin, &keys.live_secret, "k-503", CREATE).await.status, 503);
    let after = create(&standin, &keys.live_secret, "k-503", CREATE).await;
    assert_eq!((after.status, after.header("idempotent-replayed")), (200, None));
    // rate limited
    standin.set_rate_limit(Some(0));
    let limited = create(&standin, &keys.live_secret, "k-429", CREATE).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["error"]["code"], "rate_limit");
    standin.set_rate_limit(None);
    let through = create(&standin, &keys.live_secret, "k-429", CREATE).await;
    assert_eq!((through.status, through.header("idempotent-replayed")), (200, None));
    // a different body under a used key is refused, and the saved result stays
    let other = create(&standin, &keys.live_secret, "k-fix", &CREATE.replace("created", "deleted")).await;
    assert_eq!(other.status, 400);
    assert_eq!(other.json()["error"]["type"], "idempotency_error");
    let same = create(&standin, &keys.live_secret, "k-fix", CREATE).await;
    assert_eq!(same.header("idempotent-replayed"), Some("true"));
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true).len(), 3);
}

#[tokio::test]
async fn a_key_in_flight_gets_409_and_saves_nothing() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    standin.inject(Fault::Delay(Duration::from_millis(300)));
    let base = standin.base_url();
    let slow = {
        let key = keys.live_secret.clone();
        tokio::spawn(async move {
            call(&base, "POST", "v1/webhook_endpoints", Some(&key), &[("idempotency-key", "k-busy")], CREATE).await
        })
    };
    // Wait until the slow request has taken the fault (it holds its key from then on).
    while standin.queued_faults() > 0 {
        tokio::task::yield_now().await;
    }
    let conflict = create(&standin, &keys.live_secret, "k-busy", CREATE).await;
    assert_eq!(conflict.status, 409, "{}", conflict.body);
    assert_eq!(conflict.json()["error"]["type"], "idempotency_error");
    assert_eq!(conflict.json()["error"]["code"], "idempotency_key_in_use");
    let first = slow.await.unwrap();
    assert_eq!(first.status, 200);
    let replay = create(&standin, &keys.live_secret, "k-busy", CREATE).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.json()["id"], first.json()["id"]);
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true).len(), 1);
}

#[tokio::test]
async fn keys_belong_to_one_account_and_mode() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let live = create(&standin, &keys.live_secret, "shared-key", CREATE).await;
    let test = create(&standin, &keys.test_secret, "shared-key", CREATE).await;
    assert_eq!(test.header("idempotent-replayed"), None);
    assert_ne!(live.json()["id"], test.json()["id"]);
}
