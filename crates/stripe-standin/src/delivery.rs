//! Webhook deliveries, as Stripe makes them: each event goes to every enabled endpoint of its
//! account and mode that subscribes to its type (or `*`), rendered at that endpoint's
//! `api_version` (its pinned version, else the account's default), pretty-printed in Stripe's
//! key order ([`crate::json`]), as a POST with `Content-Type: application/json;
//! charset=utf-8` and `Stripe-Signature: t=…,v1=HMAC-SHA256("t.body", endpoint secret)` over
//! exactly those bytes. The signature's `t` is the wall clock (the receiver checks it against
//! its own), even when a test moved the stand-in's clock. A delivery succeeds on a 2xx; the
//! event's `delivery_success` is whether all of them did. Endpoint hosts can be routed to a
//! local address (tests run the Worker on 127.0.0.1), like a hosts file.

use crate::resources::events::{Event, NewEvent};
use crate::state::Shared;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;
use stripe_spec::objects::to_stripe_json;

/// One delivery attempt and how it ended.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event_id: String,
    pub endpoint_id: String,
    pub url: String,
    /// The HTTP status, or `None` when the endpoint could not be reached in time.
    pub status: Option<u16>,
    /// The API version the event was rendered at for this endpoint.
    pub api_version: String,
    /// The exact bytes sent (the body the signature covers).
    pub body: String,
    /// The `Stripe-Signature` header sent with it.
    pub signature: String,
}

/// Stripe's signature over a delivery's exact bytes (stripe-spec's, shared with Verify).
pub use stripe_spec::signature::header as signature;

/// The URL a delivery really goes to, after the routes tests set.
fn routed(url: &str, routes: &[(String, String)]) -> String {
    for (host, base) in routes {
        for scheme in ["https://", "http://"] {
            if let Some(rest) = url.strip_prefix(&format!("{scheme}{host}")) {
                return format!("{}{rest}", base.trim_end_matches('/'));
            }
        }
    }
    url.to_string()
}

/// An endpoint an event goes to.
struct Target {
    endpoint_id: String,
    url: String,
    /// Every active secret: one `v1=` each.
    secrets: Vec<String>,
    api_version: String,
}

/// The event's body as delivered to one endpoint: at `api_version`, with `pending_webhooks`
/// counting the deliveries not yet made.
pub fn render_for(event: &Event, api_version: &str, pending_webhooks: u32) -> String {
    let mut value = serde_json::to_value(event).expect("an event serialises");
    value["api_version"] = api_version.into();
    value["pending_webhooks"] = pending_webhooks.into();
    to_stripe_json(&value)
}

/// Records `events` (kind, whole object at that moment) in the account's log in that order,
/// all caused by `request`, then delivers each in the same order to the account's endpoints.
/// Returns every delivery made.
pub(crate) async fn record_and_deliver(
    state: &Shared,
    account_id: &str,
    livemode: bool,
    events: Vec<(&'static str, serde_json::Value)>,
    request: crate::resources::events::EventRequest,
) -> Vec<Delivery> {
    let events = events.into_iter().map(|(kind, object)| NewEvent::new(kind, object)).collect();
    record_and_deliver_new(state, account_id, livemode, events, request).await
}

/// [`record_and_deliver`] for events that may carry their own `created` (a test clock's
/// time) and `previous_attributes`.
pub(crate) async fn record_and_deliver_new(
    state: &Shared,
    account_id: &str,
    livemode: bool,
    events: Vec<NewEvent>,
    request: crate::resources::events::EventRequest,
) -> Vec<Delivery> {
    let recorded: Vec<Event> = {
        let mut guard = state.lock().unwrap();
        let recorded = events
            .into_iter()
            .map(|new| crate::resources::events::record_new(&mut guard, account_id, livemode, new, request.clone()))
            .collect();
        guard.persist();
        recorded
    };
    deliver_all(state, account_id, livemode, &recorded).await
}

/// Delivers `events` (already in the log), one after the other in their order.
pub(crate) async fn deliver_all(state: &Shared, account_id: &str, livemode: bool, events: &[Event]) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    for event in events {
        deliveries.extend(deliver(state, account_id, livemode, event).await);
    }
    deliveries
}

/// Delivers `event` (already in the log) and records the outcome on it.
pub async fn deliver(state: &Shared, account_id: &str, livemode: bool, event: &Event) -> Vec<Delivery> {
    deliver_to(state, account_id, livemode, event, false).await
}

/// Stripe's retry of `event`: delivered again to each enabled endpoint that has not yet
/// answered it with a 2xx (never to a disabled or deleted one); the event's
/// `delivery_success` becomes true once every one has.
pub async fn redeliver(state: &Shared, account_id: &str, livemode: bool, event: &Event) -> Vec<Delivery> {
    deliver_to(state, account_id, livemode, event, true).await
}

async fn deliver_to(
    state: &Shared,
    account_id: &str,
    livemode: bool,
    event: &Event,
    only_unanswered: bool,
) -> Vec<Delivery> {
    let (targets, routes) = {
        let mut guard = state.lock().unwrap();
        let routes = guard.delivery_routes.clone();
        let account_default = guard
            .accounts
            .get(account_id)
            .map(|a| a.api_version.clone())
            .unwrap_or_else(|| crate::resources::events::ACCOUNT_API_VERSION.to_string());
        let now = guard.now();
        let answered: Vec<String> = guard
            .deliveries
            .iter()
            .filter(|d| only_unanswered && d.event_id == event.id && d.status.is_some_and(|s| (200..300).contains(&s)))
            .map(|d| d.endpoint_id.clone())
            .collect();
        let data = guard.mode(account_id, livemode);
        let targets: Vec<Target> = data
            .webhook_endpoints
            .iter()
            .filter(|e| e.status == "enabled")
            .filter(|e| !answered.contains(&e.id))
            // An endpoint made after the event never receives it, retries included. (Judged by
            // when the event was recorded: one on a test clock has the clock's time as `created`.)
            .filter(|e| e.created <= event.recorded_at)
            .filter(|e| e.enabled_events.iter().any(|t| t == "*" || t == &event.kind))
            .map(|e| Target {
                endpoint_id: e.id.clone(),
                url: e.url.clone(),
                secrets: e.active_secrets(now),
                api_version: e.api_version.clone().unwrap_or_else(|| account_default.clone()),
            })
            .collect();
        (targets, routes)
    };
    let pending = targets.len() as u32;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<bytes::Bytes>>();
    let mut deliveries = Vec::new();
    for target in targets {
        let body = render_for(event, &target.api_version, pending);
        let secrets: Vec<&str> = target.secrets.iter().map(String::as_str).collect();
        let signature = stripe_spec::signature::header_all(&secrets, crate::ids::real_now(), &body);
        let request = hyper::Request::post(routed(&target.url, &routes))
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", &signature)
            .header("user-agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
            .header("accept", "*/*; q=0.5, application/xml")
            .header("cache-control", "no-cache")
            .body(Full::new(bytes::Bytes::from(body.clone())));
        let status = match request {
            Ok(request) => match tokio::time::timeout(Duration::from_secs(10), client.request(request)).await {
                Ok(Ok(answer)) => {
                    let status = answer.status().as_u16();
                    let _ = answer.into_body().collect().await;
                    Some(status)
                }
                _ => None,
            },
            Err(_) => None,
        };
        deliveries.push(Delivery {
            event_id: event.id.clone(),
            endpoint_id: target.endpoint_id,
            url: target.url,
            status,
            api_version: target.api_version,
            body,
            signature,
        });
    }
    let all_ok = deliveries.iter().all(|d| d.status.is_some_and(|s| (200..300).contains(&s)));
    let mut guard = state.lock().unwrap();
    if only_unanswered && deliveries.is_empty() {
        // Nothing left to retry to (the failing endpoint was disabled or deleted): Stripe's
        // record of the event stays as it was.
        return deliveries;
    }
    if let Some(stored) = guard.mode(account_id, livemode).events.iter_mut().find(|e| e.id == event.id) {
        stored.delivered = all_ok;
        stored.pending_webhooks =
            deliveries.iter().filter(|d| !d.status.is_some_and(|s| (200..300).contains(&s))).count() as u32;
    }
    guard.deliveries.extend(deliveries.iter().cloned());
    guard.persist();
    deliveries
}
