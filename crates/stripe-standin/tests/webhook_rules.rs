//! Webhook endpoints take only what Stripe takes, in test mode as in live mode: event types
//! from Stripe's own list (or `*`), released API versions; and they render every field of
//! the typings' `WebhookEndpoint`.

mod common;

use common::{assert_has_fields, get, post, required_fields, typings};
use stripe_standin::{AccountSpec, StandIn};

const URL: &str = "url=https%3A%2F%2Fapi.example.com%2Fwebhook%2Fstripe";

#[tokio::test]
async fn a_typo_in_an_event_type_is_refused_in_test_and_live_mode() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    for key in [&keys.test_secret, &keys.live_secret] {
        let body = format!(
            "{URL}&enabled_events[0]=customer.subscription.created&enabled_events[1]=customer.subscription.creatd"
        );
        let answer = post(&base, "v1/webhook_endpoints", key, &body).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["type"], "invalid_request_error");
        assert_eq!(error["param"], "enabled_events[1]");
        let message = error["message"].as_str().unwrap();
        assert!(message.starts_with("Invalid enabled_events[1]: must be one of *, account.application.authorized,"));
        assert!(message.contains("customer.subscription.created, "), "the message lists Stripe's event types");
    }
    assert!(standin.webhook_endpoints(&keys.account_id, false).is_empty());
    assert!(standin.webhook_endpoints(&keys.account_id, true).is_empty());
}

#[tokio::test]
async fn prefix_wildcards_are_refused_and_star_alone_is_taken() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let refused =
        post(&base, "v1/webhook_endpoints", &keys.test_secret, &format!("{URL}&enabled_events[0]=customer.*")).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["error"]["param"], "enabled_events[0]");
    let star = post(&base, "v1/webhook_endpoints", &keys.test_secret, &format!("{URL}&enabled_events[0]=*")).await;
    assert_eq!(star.status, 200, "{}", star.body);
    assert_eq!(star.json()["enabled_events"], serde_json::json!(["*"]));
}

#[tokio::test]
async fn an_update_with_a_typo_is_refused_and_changes_nothing() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let created =
        post(&base, "v1/webhook_endpoints", &keys.test_secret, &format!("{URL}&enabled_events[0]=invoice.paid")).await;
    let id = created.json()["id"].as_str().unwrap().to_string();
    let answer =
        post(&base, &format!("v1/webhook_endpoints/{id}"), &keys.test_secret, "enabled_events[0]=invoice.payed").await;
    assert_eq!(answer.status, 400);
    assert_eq!(standin.webhook_endpoints(&keys.account_id, false)[0].enabled_events, vec!["invoice.paid"]);
}

#[tokio::test]
async fn enabled_events_are_kept_in_the_order_given() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let events = ["invoice.paid", "customer.subscription.deleted", "checkout.session.completed", "invoice.paid"];
    let body = events.iter().enumerate().fold(URL.to_string(), |b, (i, e)| format!("{b}&enabled_events[{i}]={e}"));
    let created = post(&standin.base_url(), "v1/webhook_endpoints", &keys.live_secret, &body).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.json()["enabled_events"], serde_json::json!(events));
}

#[tokio::test]
async fn only_released_api_versions_are_taken() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    for version in ["2026-10-29.endive", "2026-10-28", "latest"] {
        let body = format!("{URL}&enabled_events[0]=invoice.paid&api_version={version}");
        let answer = post(&base, "v1/webhook_endpoints", &keys.test_secret, &body).await;
        assert_eq!(answer.status, 400, "{version} is no released version: {}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["param"], "api_version");
        assert!(error["message"].as_str().unwrap().starts_with("Invalid api_version: must be one of 2011-01-01,"));
    }
    let body = format!("{URL}&enabled_events[0]=invoice.paid&api_version={}", stripe_spec::PINNED_API_VERSION);
    let pinned = post(&base, "v1/webhook_endpoints", &keys.test_secret, &body).await;
    assert_eq!(pinned.status, 200, "{}", pinned.body);
    assert_eq!(pinned.json()["api_version"], stripe_spec::PINNED_API_VERSION);
    let id = pinned.json()["id"].as_str().unwrap().to_string();
    let change = format!("api_version={}", stripe_spec::PINNED_API_VERSION);
    let refused = post(&base, &format!("v1/webhook_endpoints/{id}"), &keys.test_secret, &change).await;
    assert_eq!(refused.status, 400, "an endpoint's API version cannot change");
    assert_eq!(refused.json()["error"]["code"], "parameter_unknown");
}

#[tokio::test]
async fn every_field_of_the_typings_webhook_endpoint_is_rendered() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let required = required_fields(&typings("WebhookEndpoints.d.ts"), "export interface WebhookEndpoint {");
    let created = post(
        &base,
        "v1/webhook_endpoints",
        &keys.live_secret,
        &format!("{URL}&enabled_events[0]=invoice.paid&description=Production&metadata[golive_project]=demo"),
    )
    .await;
    assert_has_fields(&created.json(), &required, "a created webhook endpoint");
    assert!(created.json()["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created.json()["api_version"], serde_json::Value::Null, "no pinned version: null");
    let id = created.json()["id"].as_str().unwrap().to_string();
    let fetched = get(&base, &format!("v1/webhook_endpoints/{id}"), &keys.live_secret).await;
    assert_has_fields(&fetched.json(), &required, "a retrieved webhook endpoint");
    assert!(fetched.json().get("secret").is_none());
    // Emptyable: description= and metadata= unset
    let cleared = post(&base, &format!("v1/webhook_endpoints/{id}"), &keys.live_secret, "description=&metadata=").await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.json()["description"], serde_json::Value::Null);
    assert_eq!(cleared.json()["metadata"], serde_json::json!({}));
}
