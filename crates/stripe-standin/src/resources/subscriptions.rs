//! `subscriptions`: retrieve, list (filters `customer`, `status` — `all`, `ended`, or one
//! status; without it every subscription not canceled, as Stripe lists —, `price`, `plan`,
//! `created`, `collection_method`) and cancel (`DELETE`). Subscriptions are kept as whole
//! `Subscription` objects (`stripe_spec::objects::subscription`), made by Checkout completion
//! ([`crate::resources::checkout`]) or [`crate::StandIn::trigger_subscription`].
//!
//! Cancelling ends it at once, as Stripe does: `status: canceled`, `canceled_at` and
//! `ended_at` now, `cancellation_details.reason: cancellation_requested` (with the request's
//! `comment` and `feedback`); the `customer.subscription.deleted` event names the request
//! (`request.id` = its `Request-Id`) and is delivered to the account's endpoints before the
//! answer leaves. A subscription already canceled cannot be cancelled again: Stripe answers
//! that as it answers an unknown one, 404 `resource_missing` ("No such subscription"), while
//! a retrieve still shows it.

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, Param};
use crate::ids::now;
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::middleware::RequestId;
use crate::resources::customers::event_request;
use crate::resources::events::{created_bounds, range_bounds, within, Created};
use crate::state::{ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

const STATUSES: &[&str] = &[
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
];
const FEEDBACK: &[&str] = &[
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
];

/// What a cancellation records under `cancellation_details` besides its reason.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cancellation {
    pub comment: Option<String>,
    pub feedback: Option<String>,
}

/// Cancels subscription `id` of `data` at `at`: the canceled object. 404 for an unknown or
/// an already canceled subscription (Stripe's answer to both).
pub(crate) fn cancel_now(data: &mut ModeData, id: &str, at: i64, details: Cancellation) -> ApiResult<Value> {
    let subscription = data
        .subscriptions
        .iter_mut()
        .find(|s| s["id"] == id)
        .filter(|s| !matches!(s["status"].as_str(), Some("canceled" | "incomplete_expired")))
        .ok_or_else(|| ApiError::no_such("subscription", id))?;
    subscription["status"] = json!("canceled");
    subscription["canceled_at"] = json!(at);
    subscription["ended_at"] = json!(at);
    subscription["cancel_at"] = Value::Null;
    subscription["cancel_at_period_end"] = json!(false);
    subscription["cancellation_details"] = json!({
        "comment": details.comment,
        "feedback": details.feedback,
        "feedback_option": null,
        "reason": "cancellation_requested",
    });
    Ok(subscription.clone())
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("subscriptions", false)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.subscriptions
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::no_such("subscription", &id))
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancellationDetailsParams {
    #[serde(default)]
    comment: Param<String>,
    #[serde(default)]
    feedback: Param<String>,
    feedback_option: Option<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancelParams {
    cancellation_details: Option<CancellationDetailsParams>,
    expand: Option<Vec<String>>,
    invoice_now: Option<String>,
    prorate: Option<String>,
}

pub async fn cancel(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("subscriptions", true)?;
    // Clients send DELETE parameters in the query string or the body; Stripe reads both.
    let raw = if body.is_empty() { query.unwrap_or_default().into_bytes() } else { body.to_vec() };
    let params: CancelParams = parse(&raw)?;
    parse_bool("invoice_now", &params.invoice_now)?;
    parse_bool("prorate", &params.prorate)?;
    let mut details = Cancellation::default();
    if let Some(given) = params.cancellation_details {
        details.comment = given.comment.update().flatten();
        if let Some(feedback) = given.feedback.update().flatten() {
            if !FEEDBACK.contains(&feedback.as_str()) {
                return Err(ApiError::not_one_of("cancellation_details[feedback]", FEEDBACK));
            }
            details.feedback = Some(feedback);
        }
    }
    let canceled = {
        let mut state = state.lock().unwrap();
        let data = state.mode(&caller.account_id, caller.livemode);
        cancel_now(data, &id, now(), details)?
    };
    let request = event_request(&request_id, &headers);
    let event = vec![("customer.subscription.deleted", canceled.clone())];
    crate::delivery::record_and_deliver(&state, &caller.account_id, caller.livemode, event, request).await;
    Ok(Json(canceled))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AutomaticTaxParams {
    enabled: Option<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    automatic_tax: Option<AutomaticTaxParams>,
    collection_method: Option<String>,
    created: Option<Created>,
    current_period_end: Option<Created>,
    current_period_start: Option<Created>,
    customer: Option<String>,
    customer_account: Option<String>,
    expand: Option<Vec<String>>,
    plan: Option<String>,
    price: Option<String>,
    status: Option<String>,
    test_clock: Option<String>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

/// Whether a subscription's `status` passes the list's `status` filter.
fn status_matches(filter: Option<&str>, status: &str) -> bool {
    match filter {
        None => status != "canceled",
        Some("all") => true,
        Some("ended") => matches!(status, "canceled" | "incomplete_expired"),
        Some(wanted) => status == wanted,
    }
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("subscriptions", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    if let Some(status) = &params.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::not_one_of("status", STATUSES));
        }
    }
    let automatic_tax = match &params.automatic_tax {
        Some(tax) => Some(
            parse_bool("automatic_tax[enabled]", &tax.enabled)?
                .ok_or_else(|| ApiError::missing_param("automatic_tax[enabled]"))?,
        ),
        None => None,
    };
    let created = created_bounds(&params.created)?;
    let period_end = range_bounds("current_period_end", &params.current_period_end)?;
    let period_start = range_bounds("current_period_start", &params.current_period_start)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let has_price = |s: &Value, price: &str| {
        s["items"]["data"].as_array().is_some_and(|items| items.iter().any(|i| i["price"]["id"] == price))
    };
    let item_times = |s: &Value, field: &str, bounds: &[(String, i64)]| {
        bounds.is_empty()
            || s["items"]["data"]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| within(i[field].as_i64().unwrap_or_default(), bounds)))
    };
    let items: Vec<&Value> = data
        .subscriptions
        .iter()
        .rev()
        .filter(|s| params.customer.as_ref().is_none_or(|c| s["customer"] == c.as_str()))
        .filter(|s| params.customer_account.as_ref().is_none_or(|c| s["customer_account"] == c.as_str()))
        .filter(|s| status_matches(params.status.as_deref(), s["status"].as_str().unwrap_or_default()))
        .filter(|s| params.price.as_ref().is_none_or(|p| has_price(s, p)))
        .filter(|s| params.plan.as_ref().is_none_or(|p| has_price(s, p)))
        .filter(|s| params.collection_method.as_ref().is_none_or(|m| s["collection_method"] == m.as_str()))
        .filter(|s| automatic_tax.is_none_or(|on| s["automatic_tax"]["enabled"] == on))
        .filter(|_| params.test_clock.is_none())
        .filter(|s| within(s["created"].as_i64().unwrap_or_default(), &created))
        .filter(|s| item_times(s, "current_period_end", &period_end))
        .filter(|s| item_times(s, "current_period_start", &period_start))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |s| s["id"].as_str().unwrap_or_default(), &page)?;
    Ok(Json(envelope("/v1/subscriptions", has_more, window)))
}
