//! A stand-in started with a state file keeps its data between processes: everything a
//! request or a seed method changes is saved at once (0600), and a new stand-in on the same
//! file answers byte for byte as the old one did — ids, keys, webhook secrets, hidden fields
//! (tiers, currency options, delivery outcomes), idempotent replays and the moved clock. A
//! damaged file is refused with what to do, and left as it is.

mod common;

use common::{call, get, post, Answer};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;
use stripe_standin::StandIn;

const ENDPOINT: &str =
    "url=https%3A%2F%2Fapi.example.com%2Fwebhook&enabled_events[0]=customer.subscription.created&api_version=2026-10-28.endive";

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// What a client can see of a stand-in's data, as exact answer bodies.
async fn visible(standin: &StandIn, key: &str, price: &str) -> Vec<String> {
    let base = standin.base_url();
    let mut bodies = Vec::new();
    for path in [
        "v1/account".to_string(),
        "v1/products?limit=100".into(),
        format!("v1/prices/{price}?expand[]=tiers&expand[]=currency_options"),
        "v1/webhook_endpoints".into(),
        "v1/events?delivery_success=false".into(),
        "v1/events?delivery_success=true".into(),
    ] {
        let answer = get(&base, &path, key).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        bodies.push(answer.body);
    }
    bodies
}

async fn keyed_post(standin: &StandIn, key: &str, path: &str, idempotency_key: &str, body: &str) -> Answer {
    call(&standin.base_url(), "POST", path, Some(key), &[("idempotency-key", idempotency_key)], body).await
}

#[tokio::test]
async fn a_restored_stand_in_answers_as_the_one_that_saved() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stripe.json");
    let first = StandIn::start_persisted(&file).await.unwrap();
    assert!(first.account_ids().is_empty(), "no file: an empty stand-in");
    assert_eq!(mode_of(&file), 0o600, "written at once, owner only");

    let keys = first.seed_rehearsal();
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains(&keys.live_secret), "a seed method saves at once");
    let (base, live) = (first.base_url(), keys.live_secret.clone());

    // Writes over HTTP, each with something its answers never show.
    let product = post(&base, "v1/products", &live, "name=Pro&metadata[plan]=pro").await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tiered = format!(
        "currency=usd&product={product}&billing_scheme=tiered&tiers_mode=graduated&recurring[interval]=month&tiers[0][up_to]=10&tiers[0][unit_amount]=500&tiers[1][up_to]=inf&tiers[1][unit_amount]=400&currency_options[eur][tiers][0][up_to]=10&currency_options[eur][tiers][0][unit_amount]=450&currency_options[eur][tiers][1][up_to]=inf&currency_options[eur][tiers][1][unit_amount]=350"
    );
    let price = keyed_post(&first, &live, "v1/prices", "golive-price-1", &tiered).await;
    assert_eq!(price.status, 200, "{}", price.body);
    let price_id = price.json()["id"].as_str().unwrap().to_string();
    let endpoint = keyed_post(&first, &live, "v1/webhook_endpoints", "golive-webhook-live", ENDPOINT).await;
    assert_eq!(endpoint.status, 200, "{}", endpoint.body);
    let secret = endpoint.json()["secret"].as_str().unwrap().to_string();
    assert!(std::fs::read_to_string(&file).unwrap().contains(&secret), "a POST is saved before its answer");
    // A delivery that fails (nothing listens) marks the event undelivered.
    first.route_deliveries("api.example.com", "http://127.0.0.1:9");
    let (_, _, deliveries) = first.trigger_subscription(&keys.account_id, true, &price_id).await;
    assert_eq!(deliveries.len(), 1);
    first.record_event(&keys.account_id, true, "invoice.paid", serde_json::json!({"id": "in_1"}), true);
    first.advance_clock(Duration::from_secs(3 * 3600));
    let clock_then = first.now();
    let restricted = first.add_restricted_key(&keys.account_id, true, &["products:read"]);

    let before = visible(&first, &live, &price_id).await;
    let saved = std::fs::read(&file).unwrap();
    drop(first);

    let second = StandIn::start_persisted(&file).await.unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), saved, "restored equal: it saves the same bytes");
    assert_eq!(mode_of(&file), 0o600);
    assert_ne!(second.base_url(), base, "a new server (its own port)");
    assert_eq!(second.account_ids(), vec![keys.account_id.clone()]);
    let again = second.account_keys(&keys.account_id).expect("the account's secret keys");
    assert_eq!((again.test_secret.as_str(), again.live_secret.as_str()), (keys.test_secret.as_str(), live.as_str()));
    assert_eq!(visible(&second, &live, &price_id).await, before, "every answer byte for byte");
    assert_eq!(second.webhook_endpoints(&keys.account_id, true)[0].secret, secret, "the secret still signs");
    assert!(second.now() >= clock_then && second.now() < clock_then + 60, "the moved clock persists");
    let read = get(&second.base_url(), &format!("v1/products/{product}"), &restricted).await;
    assert_eq!(read.status, 200, "the restricted key too: {}", read.body);

    // Idempotency keys outlive the process: the same request is a replay, not a duplicate.
    let replay = keyed_post(&second, &live, "v1/webhook_endpoints", "golive-webhook-live", ENDPOINT).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, endpoint.body);
    assert_eq!(replay.header("original-request"), endpoint.header("request-id"));
    assert_eq!(second.webhook_endpoints(&keys.account_id, true).len(), 1);
    // ...and still expire 24 hours after they were saved, by the restored clock.
    second.advance_clock(Duration::from_secs(21 * 3600 + 60));
    let late = keyed_post(&second, &live, "v1/webhook_endpoints", "golive-webhook-live", ENDPOINT).await;
    assert_eq!(late.header("idempotent-replayed"), None);
    assert_eq!(second.webhook_endpoints(&keys.account_id, true).len(), 2);
}

#[tokio::test]
async fn a_damaged_state_file_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stripe.json");
    for damaged in
        ["{\"kind\": \"stripe-standin state\", \"version\": 1, \"accou", "[1, 2, 3]", "{\"kind\": \"other\"}"]
    {
        std::fs::write(&file, damaged).unwrap();
        let err = StandIn::start_persisted(&file).await.err().expect("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        let message = err.to_string();
        assert!(message.contains(&file.display().to_string()) && message.contains("delete it"), "{message}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), damaged, "nothing overwritten");
    }
}

#[tokio::test]
async fn a_state_file_that_cannot_be_written_is_an_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let err = StandIn::start_persisted(&dir.path().join("no-such-folder/stripe.json")).await.err().expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
}
