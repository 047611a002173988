//! The event log as `GET /v1/events` and `GET /v1/events/{id}` show it: newest first, every
//! field of the typings' `Event`, and the filters Stripe documents (`type` with `*`,
//! `types`, `created` exact or as a range, `delivery_success`).

mod common;

use common::{assert_has_fields, get, required_fields, typings};
use std::time::Duration;
use stripe_standin::{AccountSpec, StandIn};

fn ids(answer: &common::Answer) -> Vec<String> {
    answer.json()["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_log_filters_as_stripe_documents() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let key = &keys.live_secret;
    let object = serde_json::json!({ "id": "sub_1", "object": "subscription" });
    let created = standin.record_event(&keys.account_id, true, "customer.subscription.created", object.clone(), true);
    let start = standin.now();
    standin.advance_clock(Duration::from_secs(3600));
    let failed = standin.record_event(&keys.account_id, true, "invoice.payment_failed", object.clone(), false);
    let deleted = standin.record_event(&keys.account_id, true, "customer.subscription.deleted", object, true);

    assert_eq!(
        ids(&get(&base, "v1/events", key).await),
        [deleted.as_str(), failed.as_str(), created.as_str()],
        "newest first"
    );
    assert_eq!(
        ids(&get(&base, "v1/events?type=customer.subscription.*", key).await),
        [deleted.as_str(), created.as_str()]
    );
    assert_eq!(
        ids(&get(&base, "v1/events?types[]=invoice.payment_failed&types[]=customer.subscription.created", key).await),
        [failed.as_str(), created.as_str()]
    );
    assert_eq!(
        ids(&get(&base, &format!("v1/events?created[gte]={}", start + 3600), key).await),
        [deleted.as_str(), failed.as_str()]
    );
    assert_eq!(ids(&get(&base, &format!("v1/events?created[lt]={}", start + 3600), key).await), [created.as_str()]);
    assert_eq!(ids(&get(&base, "v1/events?delivery_success=false", key).await), [failed.as_str()]);
    let both = get(&base, "v1/events?type=invoice.paid&types[]=invoice.paid", key).await;
    assert_eq!(both.status, 400, "type or types, not both");
    let op = get(&base, "v1/events?created[after]=1", key).await;
    assert_eq!(op.status, 400);
    assert_eq!(op.json()["error"]["param"], "created[after]");
    assert!(ids(&get(&base, "v1/events", &keys.test_secret).await).is_empty(), "test mode has its own log");
}

#[tokio::test]
async fn an_event_is_retrieved_whole_by_id() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let object = serde_json::json!({ "id": "sub_1", "object": "subscription" });
    let id = standin.record_event(&keys.account_id, false, "customer.subscription.updated", object, true);
    let answer = get(&base, &format!("v1/events/{id}"), &keys.test_secret).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let event = answer.json();
    assert_has_fields(&event, &required_fields(&typings("Events.d.ts"), "export interface EventBase {"), "the event");
    assert_eq!(event["request"], serde_json::json!({ "id": null, "idempotency_key": null }), "an automatic event");
    assert_eq!(event["api_version"], stripe_standin::resources::events::ACCOUNT_API_VERSION);
    assert_eq!(get(&base, &format!("v1/events/{id}"), &keys.live_secret).await.status, 404, "not in live mode");
}
