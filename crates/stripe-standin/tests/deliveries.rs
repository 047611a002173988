//! Webhook deliveries as Stripe makes them: the event at the receiving endpoint's API
//! version, pretty-printed in Stripe's key order, `Content-Type: application/json;
//! charset=utf-8`, signed over the exact bytes (checked with the official npm `stripe`
//! package too), every field of the typings' `Event`, and a whole `Subscription` inside.

mod common;

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::{assert_has_fields, get, post, required_fields, top_level_keys, typings};
use std::sync::{Arc, Mutex};
use stripe_standin::scenario::SEED_TIERS;
use stripe_standin::{AccountSpec, StandIn};

/// What a receiver saw: (path, headers, body) of each POST.
type Seen = Arc<Mutex<Vec<(String, HeaderMap, String)>>>;

/// A local webhook receiver answering 200 `{"received":true}`; returns its base URL.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push((uri.path().to_string(), headers, String::from_utf8(body.to_vec()).unwrap()));
            axum::Json(serde_json::json!({ "received": true }))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

async fn endpoint(standin: &StandIn, key: &str, path: &str, api_version: Option<&str>) -> String {
    let mut body = format!(
        "url=https%3A%2F%2Fapi.example.com%2F{path}&enabled_events[0]=customer.subscription.created&enabled_events[1]=invoice.paid"
    );
    if let Some(version) = api_version {
        body.push_str(&format!("&api_version={version}"));
    }
    let answer = post(&standin.base_url(), "v1/webhook_endpoints", key, &body).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_endpoint_gets_the_event_at_its_own_api_version() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec { api_version: "2024-06-20".into(), ..Default::default() });
    let (base, seen) = receiver().await;
    standin.route_deliveries("api.example.com", &base);
    let pinned = endpoint(&standin, &keys.live_secret, "pinned", Some(stripe_spec::PINNED_API_VERSION)).await;
    let unpinned = endpoint(&standin, &keys.live_secret, "unpinned", None).await;
    let (_, price) = standin.insert_monthly_tier(&keys.account_id, true, &SEED_TIERS[1]);
    let (_, _, deliveries) = standin.trigger_subscription(&keys.account_id, true, &price).await;
    assert_eq!(deliveries.len(), 2);
    let by_endpoint = |id: &str| deliveries.iter().find(|d| d.endpoint_id == id).unwrap().clone();
    assert_eq!(by_endpoint(&pinned).api_version, stripe_spec::PINNED_API_VERSION);
    assert_eq!(by_endpoint(&unpinned).api_version, "2024-06-20", "no pinned version: the account default");
    let seen = seen.lock().unwrap().clone();
    let body_at = |path: &str| {
        let (_, _, body) = seen.iter().find(|(p, _, _)| p == path).expect("delivered");
        serde_json::from_str::<serde_json::Value>(body).unwrap()
    };
    assert_eq!(body_at("/pinned")["api_version"], stripe_spec::PINNED_API_VERSION);
    assert_eq!(body_at("/unpinned")["api_version"], "2024-06-20");
    assert_eq!(body_at("/pinned")["id"], body_at("/unpinned")["id"], "one event, two renderings");

    // The event log shows it at the account default, with the request that caused it.
    let listed = get(&standin.base_url(), "v1/events?type=customer.subscription.*", &keys.live_secret).await;
    let event = &listed.json()["data"][0];
    assert_eq!(event["api_version"], "2024-06-20");
    assert!(event["request"]["id"].as_str().unwrap().starts_with("req_"));
    assert!(event["request"].get("idempotency_key").is_some());
}

#[tokio::test]
async fn a_delivery_is_pretty_json_in_stripes_key_order_signed_over_its_exact_bytes() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let (base, seen) = receiver().await;
    standin.route_deliveries("api.example.com", &base);
    endpoint(&standin, &keys.live_secret, "webhook/stripe", Some(stripe_spec::PINNED_API_VERSION)).await;
    let secret = standin.webhook_endpoints(&keys.account_id, true)[0].secret.clone();
    let (_, price) = standin.insert_monthly_tier(&keys.account_id, true, &SEED_TIERS[1]);
    let (customer, subscription, _) = standin.trigger_subscription(&keys.account_id, true, &price).await;

    let (path, headers, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(path, "/webhook/stripe");
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    assert_eq!(
        top_level_keys(&body),
        ["id", "object", "api_version", "created", "data", "livemode", "pending_webhooks", "request", "type"]
    );
    assert!(body.starts_with("{\n  \"id\": \"evt_"), "pretty-printed with two spaces: {body}");
    assert!(
        body.contains(&format!(
            "  \"data\": {{\n    \"object\": {{\n      \"id\": \"{subscription}\",\n      \"object\": \"subscription\",\n"
        )),
        "nested objects lead with id and object too: {body}"
    );

    // The signature covers exactly these bytes.
    let signature = headers["stripe-signature"].to_str().unwrap().to_string();
    let (t, v1) = signature.split_once(",v1=").unwrap();
    let t: i64 = t.strip_prefix("t=").unwrap().parse().unwrap();
    assert_eq!(stripe_standin::delivery::signature(&secret, t, &body), signature);

    // And the official SDK agrees, reading the same bytes (secret passed in the environment).
    let script = "const stripe = require(process.env.STRIPE_NODE)('unused'); \
        const body = require('fs').readFileSync(0, 'utf8'); \
        const e = stripe.webhooks.constructEvent(body, process.env.SIGNATURE, process.env.ENDPOINT_SECRET); \
        process.stdout.write(JSON.stringify({ id: e.id, type: e.type, customer: e.data.object.customer }));";
    let mut node = std::process::Command::new("node")
        .args(["-e", script])
        .env("STRIPE_NODE", common::repo_root().join("node_modules/stripe"))
        .env("SIGNATURE", &signature)
        .env("ENDPOINT_SECRET", &secret)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node is on the machine");
    use std::io::Write;
    node.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = node.wait_with_output().unwrap();
    assert!(out.status.success(), "stripe-node refused the delivery: {}", String::from_utf8_lossy(&out.stderr));
    let verified: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verified["type"], "customer.subscription.created");
    assert_eq!(verified["customer"], customer);

    // A byte changed and the signature no longer holds.
    let tampered = body.replacen("\"livemode\": true", "\"livemode\": false", 1);
    assert_ne!(stripe_standin::delivery::signature(&secret, t, &tampered), signature);
    assert!(!v1.is_empty());
}

#[tokio::test]
async fn the_event_and_its_subscription_carry_every_field_of_the_typings() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let (base, seen) = receiver().await;
    standin.route_deliveries("api.example.com", &base);
    endpoint(&standin, &keys.test_secret, "hook", None).await;
    let (_, price) = standin.insert_monthly_tier(&keys.account_id, false, &SEED_TIERS[2]);
    standin.trigger_subscription(&keys.account_id, false, &price).await;
    let body = seen.lock().unwrap()[0].2.clone();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();

    let events = typings("Events.d.ts");
    assert_has_fields(&event, &required_fields(&events, "export interface EventBase {"), "the event");
    assert!(event.get("account").is_none(), "account only on events from connected accounts");
    assert_has_fields(&event["request"], &required_fields(&events, "interface Request {"), "event.request");
    assert_eq!(event["pending_webhooks"], 1);

    let subscription = &event["data"]["object"];
    let typed = typings("Subscriptions.d.ts");
    assert_has_fields(subscription, &required_fields(&typed, "export interface Subscription {"), "the subscription");
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["metadata"]["plan"], "enterprise");
    for nested in
        ["AutomaticTax", "BillingMode", "CancellationDetails", "InvoiceSettings", "PaymentSettings", "TrialSettings"]
    {
        let field = match nested {
            "AutomaticTax" => "automatic_tax",
            "BillingMode" => "billing_mode",
            "CancellationDetails" => "cancellation_details",
            "InvoiceSettings" => "invoice_settings",
            "PaymentSettings" => "payment_settings",
            _ => "trial_settings",
        };
        let required = required_fields(&typed, &format!("interface {nested} {{"));
        assert_has_fields(&subscription[field], &required, &format!("subscription.{field}"));
    }
    let item = &subscription["items"]["data"][0];
    let items = typings("SubscriptionItems.d.ts");
    assert_has_fields(item, &required_fields(&items, "export interface SubscriptionItem {"), "the subscription item");
    assert_eq!(item["price"]["id"], price);
    assert!(item["current_period_end"].as_i64().unwrap() > item["current_period_start"].as_i64().unwrap());
    let plans = typings("Plans.d.ts");
    assert_has_fields(&item["plan"], &required_fields(&plans, "export interface Plan {"), "the item's plan");
    assert_eq!(item["plan"]["amount"], 9900);
}

#[tokio::test]
async fn a_secret_rolled_in_the_dashboard_signs_beside_the_new_one_until_it_expires() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let (base, _seen) = receiver().await;
    standin.route_deliveries("api.example.com", &base);
    let id = endpoint(&standin, &keys.live_secret, "rolled", None).await;
    let old = standin.webhook_endpoints(&keys.account_id, true)[0].secret.clone();
    let new = standin
        .roll_endpoint_secret(&keys.account_id, true, &id, std::time::Duration::from_secs(3600))
        .expect("the endpoint exists");
    assert_ne!(new, old);
    assert!(new.starts_with("whsec_"));
    let (_, price) = standin.insert_monthly_tier(&keys.account_id, true, &SEED_TIERS[1]);

    // During the overlap: one header, a `v1=` for the new secret then one for the old.
    let (_, _, deliveries) = standin.trigger_subscription(&keys.account_id, true, &price).await;
    let d = &deliveries[0];
    let t: i64 = d.signature.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
    assert_eq!(d.signature, stripe_spec::signature::header_all(&[&new, &old], t, &d.body));
    assert_eq!(d.status, Some(200));

    // After the expiry the user chose, only the new secret signs.
    standin.advance_clock(std::time::Duration::from_secs(2 * 3600));
    let (_, _, deliveries) = standin.trigger_subscription(&keys.account_id, true, &price).await;
    let d = &deliveries[0];
    let t: i64 = d.signature.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
    assert_eq!(d.signature, stripe_spec::signature::header(&new, t, &d.body));

    // "Now": the old secret stops at once.
    let newest = standin.roll_endpoint_secret(&keys.account_id, true, &id, std::time::Duration::ZERO).unwrap();
    let (_, _, deliveries) = standin.trigger_subscription(&keys.account_id, true, &price).await;
    assert_eq!(deliveries[0].signature.matches("v1=").count(), 1);
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true)[0].secret, newest);
    assert!(standin.roll_endpoint_secret(&keys.account_id, true, "we_missing", std::time::Duration::ZERO).is_none());
}

#[tokio::test]
async fn failed_deliveries_are_retried_to_enabled_endpoints_until_they_land() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let id = endpoint(&standin, &keys.live_secret, "late", None).await;
    let (_, price) = standin.insert_monthly_tier(&keys.account_id, true, &SEED_TIERS[1]);
    // Nothing listens at api.example.com yet: the delivery fails, the event is not delivered.
    let (_, _, first) = standin.trigger_subscription(&keys.account_id, true, &price).await;
    assert_eq!(first[0].status, None);
    let failing = get(&standin.base_url(), "v1/events?delivery_success=false", &keys.live_secret).await;
    assert_eq!(failing.json()["data"].as_array().unwrap().len(), 1);

    // Disabled, the endpoint gets no retry, and the event stays failed.
    let off =
        post(&standin.base_url(), &format!("v1/webhook_endpoints/{id}"), &keys.live_secret, "disabled=true").await;
    assert_eq!(off.status, 200);
    assert_eq!(standin.retry_failed_deliveries().await, 0);
    assert_eq!(standin.deliveries().len(), 1, "no retry to a disabled endpoint");

    // Enabled again and reachable: the retry lands and the event counts as delivered.
    let on =
        post(&standin.base_url(), &format!("v1/webhook_endpoints/{id}"), &keys.live_secret, "disabled=false").await;
    assert_eq!(on.status, 200);
    let (base, seen) = receiver().await;
    standin.route_deliveries("api.example.com", &base);
    assert_eq!(standin.retry_failed_deliveries().await, 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
    let failing = get(&standin.base_url(), "v1/events?delivery_success=false", &keys.live_secret).await;
    assert!(failing.json()["data"].as_array().unwrap().is_empty());
    assert_eq!(standin.retry_failed_deliveries().await, 0, "nothing left to retry");
    assert_eq!(seen.lock().unwrap().len(), 1, "a landed delivery is not sent again");
}
