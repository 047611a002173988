//! `subscriptions`: create, update, retrieve, list (filters `customer`, `status` — `all`,
//! `ended`, or one status; without it every subscription not canceled, as Stripe lists —,
//! `price`, `plan`, `created`, `collection_method`, `test_clock`) and cancel (`DELETE`).
//! Subscriptions are kept as whole `Subscription` objects (`stripe_spec::objects::subscription`),
//! made here, by Checkout completion ([`crate::resources::checkout`]) or
//! [`crate::StandIn::trigger_subscription`]. What happens to them after creation, on a test
//! clock, is [`crate::resources::billing`]'s.
//!
//! Create takes `customer`, `items` (up to 20, each `price` — or the legacy `plan` — and
//! `quantity`: recurring, active prices of one currency and one interval, the customer's
//! currency if it has one; `quantity` only on licensed prices), `default_payment_method`
//! (a card attached to the customer; without it the customer's
//! `invoice_settings.default_payment_method` pays), `trial_period_days`, `trial_end` (a time
//! after the customer's, at most 730 days on; `now`: no trial; it wins over
//! `trial_period_days`), `trial_from_plan`, `cancel_at_period_end`, `payment_behavior`
//! (`allow_incomplete` — the default —, `default_incomplete`, `error_if_incomplete`;
//! `pending_if_incomplete` is for updates only), `proration_behavior`, `metadata`,
//! `description`. The subscription lives at its customer's time: its test clock's
//! `frozen_time`, else now; a customer whose clock is advancing cannot subscribe until it is
//! ready.
//!
//! Update takes `items[n][id]` with a new `price` (same currency and interval) and/or
//! `quantity`, `proration_behavior` (`create_prorations` — the default: credit and charge
//! for the rest of the period on the next invoice —, `always_invoice`: invoiced and charged
//! now, `none`: neither), `cancel_at_period_end` (`true`: `cancel_at` the period's end,
//! `canceled_at` now, `cancellation_details.reason: cancellation_requested`; `false` undoes
//! it), `cancellation_details`, `default_payment_method`, `metadata` (merged; `metadata=`
//! clears it), `description`; it records `customer.subscription.updated` with
//! `data.previous_attributes` (each changed field's old value). A `canceled` or
//! `incomplete_expired` subscription cannot be updated, and an `incomplete` one only in its
//! `metadata` and `description`, with Stripe's messages.
//!
//! Parameters of the typings that change billing in ways the stand-in does not model
//! (discounts, `add_invoice_items`, `billing_cycle_anchor`, `cancel_at`, `pause_collection`,
//! `trial_end` on update, new or deleted items, `price_data`, `send_invoice`, …) are refused,
//! naming the parameter, rather than silently dropped; the rest are read and dropped.
//!
//! Cancelling ends it at once, as Stripe does: `status: canceled`, `canceled_at` and
//! `ended_at` now (the clock's time on a test clock), `cancellation_details.reason:
//! cancellation_requested` (with the request's `comment` and `feedback`); the
//! `customer.subscription.deleted` event names the request (`request.id` = its `Request-Id`)
//! and is delivered to the account's endpoints before the answer leaves. A subscription
//! already canceled cannot be cancelled again: Stripe answers that as it answers an unknown
//! one, 404 `resource_missing` ("No such subscription"), while a retrieve still shows it.

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, Param};
use crate::ids::now;
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::middleware::RequestId;
use crate::resources::customers::event_request;
use crate::resources::events::{created_bounds, range_bounds, within, Created, NewEvent};
use crate::resources::prices::Price;
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
    let (canceled, at) = {
        let mut state = state.lock().unwrap();
        let data = state.mode(&caller.account_id, caller.livemode);
        let at = match subscription_clock(data, &id) {
            Some(clock) => {
                clock.refuse_if_advancing()?;
                clock.frozen_time
            }
            None => now(),
        };
        (cancel_now(data, &id, at, details)?, at)
    };
    let request = event_request(&request_id, &headers);
    let event = vec![NewEvent::new("customer.subscription.deleted", canceled.clone()).at(at)];
    crate::delivery::record_and_deliver_new(&state, &caller.account_id, caller.livemode, event, request).await;
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
        .filter(|s| params.test_clock.as_ref().is_none_or(|t| s["test_clock"] == t.as_str()))
        .filter(|s| within(s["created"].as_i64().unwrap_or_default(), &created))
        .filter(|s| item_times(s, "current_period_end", &period_end))
        .filter(|s| item_times(s, "current_period_start", &period_start))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |s| s["id"].as_str().unwrap_or_default(), &page)?;
    Ok(Json(envelope("/v1/subscriptions", has_more, window)))
}

// ---- create and update ----

const PAYMENT_BEHAVIORS: &[&str] =
    &["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"];
const PRORATION_BEHAVIORS: &[&str] = &["always_invoice", "create_prorations", "none"];
/// Stripe's limit of items on one subscription.
const MAX_ITEMS: usize = 20;
/// Stripe's limit on a trial: 730 days.
const MAX_TRIAL_SECONDS: i64 = 730 * 86_400;

/// The test clock subscription `id` lives on, if any.
fn subscription_clock<'a>(data: &'a ModeData, id: &str) -> Option<&'a crate::resources::test_clocks::TestClock> {
    let subscription = data.subscriptions.iter().find(|s| s["id"] == id)?;
    crate::resources::test_clocks::clock_of(data, subscription["customer"].as_str()?)
}

/// A parameter the typings take that changes billing in a way the stand-in does not model.
fn not_modelled(param: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "The Stripe stand-in does not model `{param}` on subscriptions; leave it out (real Stripe takes it)."
    ))
    .param(param)
}

/// Refuses the first of `params` (name, whether given) that was given.
fn refuse_unmodelled(params: &[(&str, bool)]) -> ApiResult<()> {
    match params.iter().find(|(_, given)| *given) {
        Some((name, _)) => Err(not_modelled(name)),
        None => Ok(()),
    }
}

/// A price a subscription item may take (param `param`): one that exists, is active and
/// recurring.
fn recurring_price(data: &ModeData, id: &str, param: &str) -> ApiResult<Price> {
    let price = data.prices.iter().find(|p| p.id == id).ok_or_else(|| ApiError::no_such("price", id).param(param))?;
    if !price.active {
        return Err(ApiError::invalid_request(
            "The price specified is inactive. This field only accepts active prices.",
        )
        .param(param));
    }
    if price.recurring.is_none() {
        return Err(ApiError::invalid_request(
            "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
        )
        .param(param));
    }
    Ok(price.clone())
}

fn interval_of(price: &Price) -> (String, i64) {
    let recurring = price.recurring.as_ref().expect("checked: recurring");
    (recurring.interval.clone(), recurring.interval_count)
}

/// An item's quantity for `price`: licensed prices default to 1, metered ones take none.
fn quantity_for(price: &Price, raw: &Option<String>, item: usize) -> ApiResult<Option<i64>> {
    let param = format!("items[{item}][quantity]");
    let quantity = crate::form::parse_int(&param, raw)?;
    if crate::resources::checkout::is_metered(price) {
        if quantity.is_some() {
            return Err(ApiError::invalid_request(format!(
                "Quantity should not be specified where usage_type is `metered`. Remove quantity from `items[{item}]`."
            ))
            .param(param));
        }
        return Ok(None);
    }
    match quantity {
        Some(q) if q < 0 => Err(ApiError::invalid_request(format!("Invalid non-negative integer: {q}")).param(param)),
        Some(q) => Ok(Some(q)),
        None => Ok(Some(1)),
    }
}

// `SubscriptionCreateParams.Item`.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateItemParams {
    billing_thresholds: Option<serde::de::IgnoredAny>,
    current_trial: Option<serde::de::IgnoredAny>,
    discounts: Option<serde::de::IgnoredAny>,
    metadata: Option<std::collections::BTreeMap<String, String>>,
    plan: Option<String>,
    price: Option<String>,
    price_data: Option<serde::de::IgnoredAny>,
    quantity: Option<String>,
    tax_rates: Option<serde::de::IgnoredAny>,
}

// Accepts every parameter Stripe does (`SubscriptionCreateParams`); see the module doc for
// the ones refused as not modelled.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    add_invoice_items: Option<serde::de::IgnoredAny>,
    application_fee_percent: Option<String>,
    automatic_tax: Option<serde::de::IgnoredAny>,
    backdate_start_date: Option<String>,
    billing_cycle_anchor: Option<String>,
    billing_cycle_anchor_config: Option<serde::de::IgnoredAny>,
    billing_mode: Option<serde::de::IgnoredAny>,
    billing_schedules: Option<serde::de::IgnoredAny>,
    billing_thresholds: Option<serde::de::IgnoredAny>,
    cancel_at: Option<serde::de::IgnoredAny>,
    cancel_at_period_end: Option<String>,
    collection_method: Option<String>,
    currency: Option<String>,
    customer: Option<String>,
    customer_account: Option<String>,
    days_until_due: Option<String>,
    default_payment_method: Option<String>,
    default_source: Option<String>,
    default_tax_rates: Option<serde::de::IgnoredAny>,
    description: Option<String>,
    discounts: Option<serde::de::IgnoredAny>,
    expand: Option<Vec<String>>,
    invoice_settings: Option<serde::de::IgnoredAny>,
    items: Option<Vec<CreateItemParams>>,
    #[serde(default)]
    metadata: Param<std::collections::BTreeMap<String, String>>,
    off_session: Option<String>,
    on_behalf_of: Option<String>,
    payment_behavior: Option<String>,
    payment_settings: Option<serde::de::IgnoredAny>,
    pending_invoice_item_interval: Option<serde::de::IgnoredAny>,
    proration_behavior: Option<String>,
    transfer_data: Option<serde::de::IgnoredAny>,
    trial_end: Option<String>,
    trial_from_plan: Option<String>,
    trial_period_days: Option<String>,
    trial_settings: Option<serde::de::IgnoredAny>,
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("subscriptions", true)?;
    let params: CreateParams = parse(&body)?;
    refuse_unmodelled(&[
        ("add_invoice_items", params.add_invoice_items.is_some()),
        ("backdate_start_date", params.backdate_start_date.is_some()),
        ("billing_cycle_anchor", params.billing_cycle_anchor.is_some()),
        ("billing_cycle_anchor_config", params.billing_cycle_anchor_config.is_some()),
        ("billing_schedules", params.billing_schedules.is_some()),
        ("cancel_at", params.cancel_at.is_some()),
        ("customer_account", params.customer_account.is_some()),
        ("days_until_due", params.days_until_due.is_some()),
        ("default_source", params.default_source.is_some()),
        ("discounts", params.discounts.is_some()),
        ("transfer_data", params.transfer_data.is_some()),
    ])?;
    match params.collection_method.as_deref() {
        None | Some("charge_automatically") => {}
        Some("send_invoice") => return Err(not_modelled("collection_method")),
        Some(_) => return Err(ApiError::not_one_of("collection_method", &["charge_automatically", "send_invoice"])),
    }
    let payment_behavior = params.payment_behavior.clone().unwrap_or_else(|| "allow_incomplete".into());
    if !PAYMENT_BEHAVIORS.contains(&payment_behavior.as_str()) {
        return Err(ApiError::not_one_of("payment_behavior", PAYMENT_BEHAVIORS));
    }
    if payment_behavior == "pending_if_incomplete" {
        return Err(ApiError::invalid_request(
            "You can only use `payment_behavior=pending_if_incomplete` when updating a subscription.",
        )
        .param("payment_behavior"));
    }
    if params.proration_behavior.as_ref().is_some_and(|p| !PRORATION_BEHAVIORS.contains(&p.as_str())) {
        return Err(ApiError::not_one_of("proration_behavior", PRORATION_BEHAVIORS));
    }
    let cancel_at_period_end = parse_bool("cancel_at_period_end", &params.cancel_at_period_end)?.unwrap_or(false);
    parse_bool("off_session", &params.off_session)?;
    let trial_from_plan = parse_bool("trial_from_plan", &params.trial_from_plan)?.unwrap_or(false);
    let trial_days = crate::form::parse_int("trial_period_days", &params.trial_period_days)?;
    if trial_days.is_some_and(|d| !(0..=730).contains(&d)) {
        return Err(
            ApiError::invalid_request("trial_period_days must be between 0 and 730.").param("trial_period_days")
        );
    }
    let trial_end = match params.trial_end.as_deref() {
        None => None,
        Some("now") => Some(None),
        Some(raw) => Some(Some(crate::form::parse_int("trial_end", &Some(raw.to_string()))?.expect("given"))),
    };
    let mut metadata = std::collections::BTreeMap::new();
    if let Param::Given(given) = params.metadata {
        crate::state::merge_metadata(&mut metadata, given);
    }
    crate::state::check_metadata(&metadata)?;
    let customer_id = params.customer.clone().ok_or_else(|| ApiError::missing_param("customer"))?;
    let items = params.items.unwrap_or_default();
    if items.is_empty() {
        return Err(ApiError::missing_param("items"));
    }
    if items.len() > MAX_ITEMS {
        return Err(ApiError::invalid_request(format!(
            "A subscription can have at most {MAX_ITEMS} items; you passed {}.",
            items.len()
        ))
        .param("items"));
    }
    let (subscription, events) = {
        let mut guard = state.lock().unwrap();
        let now = guard.now();
        let account = crate::resources::billing::Account::of(&guard, &caller.account_id);
        let data = guard.mode(&caller.account_id, caller.livemode);
        let customer = data
            .customers
            .iter()
            .find(|c| c.id == customer_id && !c.deleted)
            .ok_or_else(|| ApiError::no_such("customer", &customer_id).param("customer"))?;
        if let Some(clock) = crate::resources::test_clocks::clock_of(data, &customer_id) {
            clock.refuse_if_advancing()?;
        }
        let at = crate::resources::test_clocks::time_of(data, customer, now);
        let customer_currency = customer.currency.clone();
        let mut priced: Vec<(Price, Option<i64>)> = Vec::new();
        for (n, item) in items.iter().enumerate() {
            if item.price_data.is_some() {
                return Err(not_modelled(&format!("items[{n}][price_data]")));
            }
            if item.discounts.is_some() {
                return Err(not_modelled(&format!("items[{n}][discounts]")));
            }
            let (id, param) = match (&item.price, &item.plan) {
                (Some(price), _) => (price, format!("items[{n}][price]")),
                (None, Some(plan)) => (plan, format!("items[{n}][plan]")),
                (None, None) => return Err(ApiError::missing_param(&format!("items[{n}][price]"))),
            };
            let price = recurring_price(data, id, &param)?;
            if priced.iter().any(|(p, _)| p.id == price.id) {
                return Err(ApiError::invalid_request(format!(
                    "Cannot add multiple subscription items with the same price: {}",
                    price.id
                ))
                .param(param));
            }
            if let Some((first, _)) = priced.first() {
                if first.currency != price.currency {
                    return Err(ApiError::invalid_request(
                        "Currency and interval fields must match across all plans on this subscription. Found mismatch in currency field.",
                    )
                    .param(param));
                }
                if interval_of(first) != interval_of(&price) {
                    return Err(ApiError::invalid_request(
                        "Currency and interval fields must match across all plans on this subscription. Found mismatch in interval field.",
                    )
                    .param(param));
                }
            }
            let quantity = quantity_for(&price, &item.quantity, n)?;
            priced.push((price, quantity));
        }
        let currency = priced[0].0.currency.clone();
        if params.currency.as_ref().is_some_and(|c| c.to_lowercase() != currency) {
            return Err(ApiError::invalid_request(format!(
                "The currency given ({}) is not the currency of the subscription's prices ({currency}).",
                params.currency.as_deref().unwrap_or_default()
            ))
            .param("currency"));
        }
        if let Some(existing) = customer_currency.filter(|c| c != &currency) {
            return Err(ApiError::invalid_request(format!(
                "You cannot combine currencies on a single customer. This customer has an active subscription, subscription schedule, discount, quote, or invoice item with currency {existing}."
            )));
        }
        if let Some(pm) = &params.default_payment_method {
            if crate::resources::payment_methods::attached_to(data, pm, &customer_id).is_none() {
                return Err(crate::resources::payment_methods::not_attached(pm, "default_payment_method"));
            }
        }
        let trial_end = match trial_end {
            Some(Some(end)) => {
                if end <= at {
                    return Err(ApiError::invalid_request(format!(
                        "Invalid timestamp: must be an integer Unix timestamp in the future (after {at})."
                    ))
                    .param("trial_end"));
                }
                if end - at > MAX_TRIAL_SECONDS {
                    return Err(ApiError::invalid_request("trial_end can be no more than 730 days in the future.")
                        .param("trial_end"));
                }
                Some(end)
            }
            Some(None) => None,
            None => {
                let plan_days = if trial_from_plan {
                    priced[0].0.recurring.as_ref().and_then(|r| r.trial_period_days)
                } else {
                    None
                };
                trial_days.or(plan_days).filter(|d| *d > 0).map(|days| at + days * 86_400)
            }
        };
        let spec = crate::resources::billing::NewSubscription {
            customer: customer_id.clone(),
            items: priced,
            default_payment_method: params.default_payment_method.clone(),
            trial_end,
            cancel_at_period_end,
            payment_behavior,
            metadata,
            description: params.description.clone(),
            at,
            livemode: caller.livemode,
        };
        crate::resources::billing::create(data, &account, spec)?
    };
    let request = event_request(&request_id, &headers);
    crate::delivery::record_and_deliver_new(&state, &caller.account_id, caller.livemode, events, request).await;
    Ok(Json(subscription))
}

// `SubscriptionUpdateParams.Item`.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateItemParams {
    billing_thresholds: Option<serde::de::IgnoredAny>,
    clear_usage: Option<String>,
    current_trial: Option<serde::de::IgnoredAny>,
    deleted: Option<String>,
    discounts: Option<serde::de::IgnoredAny>,
    id: Option<String>,
    metadata: Option<serde::de::IgnoredAny>,
    plan: Option<String>,
    price: Option<String>,
    price_data: Option<serde::de::IgnoredAny>,
    quantity: Option<String>,
    tax_rates: Option<serde::de::IgnoredAny>,
}

// Accepts every parameter Stripe does (`SubscriptionUpdateParams`); see the module doc for
// the ones refused as not modelled.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateParams {
    add_invoice_items: Option<serde::de::IgnoredAny>,
    application_fee_percent: Option<String>,
    automatic_tax: Option<serde::de::IgnoredAny>,
    billing_cycle_anchor: Option<String>,
    billing_schedules: Option<serde::de::IgnoredAny>,
    billing_thresholds: Option<serde::de::IgnoredAny>,
    cancel_at: Option<serde::de::IgnoredAny>,
    cancel_at_period_end: Option<String>,
    cancellation_details: Option<CancellationDetailsParams>,
    collection_method: Option<String>,
    days_until_due: Option<String>,
    default_payment_method: Option<String>,
    default_source: Option<String>,
    default_tax_rates: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    description: Param<String>,
    discounts: Option<serde::de::IgnoredAny>,
    expand: Option<Vec<String>>,
    invoice_settings: Option<serde::de::IgnoredAny>,
    items: Option<Vec<UpdateItemParams>>,
    #[serde(default)]
    metadata: Param<std::collections::BTreeMap<String, String>>,
    off_session: Option<String>,
    on_behalf_of: Option<String>,
    pause_collection: Option<serde::de::IgnoredAny>,
    payment_behavior: Option<String>,
    payment_settings: Option<serde::de::IgnoredAny>,
    pending_invoice_item_interval: Option<serde::de::IgnoredAny>,
    proration_behavior: Option<String>,
    proration_date: Option<String>,
    transfer_data: Option<serde::de::IgnoredAny>,
    trial_end: Option<String>,
    trial_from_plan: Option<String>,
    trial_settings: Option<serde::de::IgnoredAny>,
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("subscriptions", true)?;
    let params: UpdateParams = parse(&body)?;
    refuse_unmodelled(&[
        ("add_invoice_items", params.add_invoice_items.is_some()),
        ("billing_cycle_anchor", params.billing_cycle_anchor.is_some()),
        ("billing_schedules", params.billing_schedules.is_some()),
        ("cancel_at", params.cancel_at.is_some()),
        ("days_until_due", params.days_until_due.is_some()),
        ("default_source", params.default_source.is_some()),
        ("discounts", params.discounts.is_some()),
        ("pause_collection", params.pause_collection.is_some()),
        ("transfer_data", params.transfer_data.is_some()),
        ("trial_end", params.trial_end.is_some()),
    ])?;
    match params.collection_method.as_deref() {
        None | Some("charge_automatically") => {}
        Some("send_invoice") => return Err(not_modelled("collection_method")),
        Some(_) => return Err(ApiError::not_one_of("collection_method", &["charge_automatically", "send_invoice"])),
    }
    if let Some(behavior) = &params.payment_behavior {
        if !PAYMENT_BEHAVIORS.contains(&behavior.as_str()) {
            return Err(ApiError::not_one_of("payment_behavior", PAYMENT_BEHAVIORS));
        }
        if behavior == "pending_if_incomplete" {
            return Err(not_modelled("payment_behavior"));
        }
    }
    let proration = params.proration_behavior.clone().unwrap_or_else(|| "create_prorations".into());
    if !PRORATION_BEHAVIORS.contains(&proration.as_str()) {
        return Err(ApiError::not_one_of("proration_behavior", PRORATION_BEHAVIORS));
    }
    let cancel_at_period_end = parse_bool("cancel_at_period_end", &params.cancel_at_period_end)?;
    parse_bool("off_session", &params.off_session)?;
    crate::form::parse_int("proration_date", &params.proration_date)?;
    let mut details = Cancellation::default();
    if let Some(given) = &params.cancellation_details {
        details.comment = given.comment.clone().update().flatten();
        if let Some(feedback) = given.feedback.clone().update().flatten() {
            if !FEEDBACK.contains(&feedback.as_str()) {
                return Err(ApiError::not_one_of("cancellation_details[feedback]", FEEDBACK));
            }
            details.feedback = Some(feedback);
        }
    }
    let items = params.items.unwrap_or_default();
    let (subscription, events) = {
        let mut guard = state.lock().unwrap();
        let now = guard.now();
        let account = crate::resources::billing::Account::of(&guard, &caller.account_id);
        let data = guard.mode(&caller.account_id, caller.livemode);
        let index = data
            .subscriptions
            .iter()
            .position(|s| s["id"] == id.as_str())
            .ok_or_else(|| ApiError::no_such("subscription", &id))?;
        let before = data.subscriptions[index].clone();
        let status = before["status"].as_str().unwrap_or_default().to_string();
        if matches!(status.as_str(), "canceled" | "incomplete_expired") {
            return Err(ApiError::invalid_request(
                "You cannot update a subscription that is `canceled` or `incomplete_expired`.",
            ));
        }
        let customer_id = before["customer"].as_str().unwrap_or_default().to_string();
        let at = match crate::resources::test_clocks::clock_of(data, &customer_id) {
            Some(clock) => {
                clock.refuse_if_advancing()?;
                clock.frozen_time
            }
            None => now,
        };
        let billing_change = !items.is_empty()
            || cancel_at_period_end.is_some()
            || params.cancellation_details.is_some()
            || params.default_payment_method.is_some();
        if status == "incomplete" && billing_change {
            return Err(ApiError::invalid_request(
                "This subscription is `incomplete`: until its first invoice is paid, only its metadata can be updated.",
            ));
        }
        let currency = before["currency"].as_str().unwrap_or_default().to_string();
        let mut changes = Vec::new();
        for (n, item) in items.iter().enumerate() {
            if item.price_data.is_some() {
                return Err(not_modelled(&format!("items[{n}][price_data]")));
            }
            if item.discounts.is_some() {
                return Err(not_modelled(&format!("items[{n}][discounts]")));
            }
            if parse_bool(&format!("items[{n}][deleted]"), &item.deleted)? == Some(true) {
                return Err(not_modelled(&format!("items[{n}][deleted]")));
            }
            let Some(item_id) = &item.id else {
                return Err(not_modelled(&format!("items[{n}] without an id (a new item)")));
            };
            let current = before["items"]["data"]
                .as_array()
                .and_then(|all| all.iter().find(|i| i["id"] == item_id.as_str()))
                .ok_or_else(|| {
                    ApiError::invalid_request(format!(
                        "Subscription item {item_id} does not belong to subscription {id}."
                    ))
                    .code("resource_missing")
                    .param(format!("items[{n}][id]"))
                })?;
            let price = match (&item.price, &item.plan) {
                (Some(price), _) => Some(recurring_price(data, price, &format!("items[{n}][price]"))?),
                (None, Some(plan)) => Some(recurring_price(data, plan, &format!("items[{n}][plan]"))?),
                (None, None) => None,
            };
            if let Some(price) = &price {
                let param = format!("items[{n}][price]");
                if price.currency != currency {
                    return Err(ApiError::invalid_request(format!(
                        "The price specified uses currency `{}`, but this subscription is in `{currency}`: a subscription's prices must all be in one currency.",
                        price.currency
                    ))
                    .param(param));
                }
                let recurring = &current["price"]["recurring"];
                let now_interval = (
                    recurring["interval"].as_str().unwrap_or_default().to_string(),
                    recurring["interval_count"].as_i64().unwrap_or(1),
                );
                if interval_of(price) != now_interval {
                    return Err(not_modelled(&format!("{param} with another billing interval")));
                }
            }
            let metered = current["price"]["recurring"]["usage_type"] == "metered";
            let quantity = match (&item.quantity, &price) {
                (None, _) => None,
                (raw, Some(price)) => quantity_for(price, raw, n)?,
                (_, None) if metered => {
                    return Err(ApiError::invalid_request(format!(
                        "Quantity should not be specified where usage_type is `metered`. Remove quantity from `items[{n}]`."
                    ))
                    .param(format!("items[{n}][quantity]")))
                }
                (raw, None) => {
                    let param = format!("items[{n}][quantity]");
                    match crate::form::parse_int(&param, raw)? {
                        Some(q) if q < 0 => {
                            return Err(ApiError::invalid_request(format!("Invalid non-negative integer: {q}")).param(param))
                        }
                        q => q,
                    }
                }
            };
            changes.push(crate::resources::billing::ItemChange { item: item_id.clone(), price, quantity });
        }
        if let Some(pm) = &params.default_payment_method {
            if crate::resources::payment_methods::attached_to(data, pm, &customer_id).is_none() {
                return Err(crate::resources::payment_methods::not_attached(pm, "default_payment_method"));
            }
        }
        let prorations = crate::resources::billing::change_items(data, index, changes, &proration, at);
        let subscription = &mut data.subscriptions[index];
        match params.metadata {
            Param::Given(given) => {
                let mut metadata: std::collections::BTreeMap<String, String> =
                    serde_json::from_value(subscription["metadata"].clone()).unwrap_or_default();
                crate::state::merge_metadata(&mut metadata, given);
                crate::state::check_metadata(&metadata)?;
                subscription["metadata"] = json!(metadata);
            }
            Param::Empty => subscription["metadata"] = json!({}),
            Param::Absent => {}
        }
        if let Some(description) = params.description.update() {
            subscription["description"] = json!(description);
        }
        if let Some(pm) = &params.default_payment_method {
            subscription["default_payment_method"] = json!(pm);
        }
        match cancel_at_period_end {
            Some(true) => {
                let period_end = subscription["items"]["data"][0]["current_period_end"].clone();
                subscription["cancel_at_period_end"] = json!(true);
                subscription["cancel_at"] = period_end;
                subscription["canceled_at"] = json!(at);
                subscription["cancellation_details"] = json!({
                    "comment": details.comment,
                    "feedback": details.feedback,
                    "feedback_option": null,
                    "reason": "cancellation_requested",
                });
            }
            Some(false) => {
                subscription["cancel_at_period_end"] = json!(false);
                subscription["cancel_at"] = Value::Null;
                subscription["canceled_at"] = Value::Null;
                subscription["cancellation_details"] =
                    json!({ "comment": null, "feedback": null, "feedback_option": null, "reason": null });
            }
            None => {
                if params.cancellation_details.is_some() {
                    subscription["cancellation_details"]["comment"] = json!(details.comment);
                    subscription["cancellation_details"]["feedback"] = json!(details.feedback);
                }
            }
        }
        let after = subscription.clone();
        let previous = crate::resources::billing::previous_attributes(&before, &after);
        let mut events = Vec::new();
        if previous.as_object().is_some_and(|changed| !changed.is_empty()) {
            events.push(NewEvent::new("customer.subscription.updated", after.clone()).at(at).previous(previous));
        }
        // `always_invoice`: the prorations invoiced and charged now, after the change.
        events.extend(crate::resources::billing::invoice_prorations(data, &account, index, prorations, &proration, at));
        let after = data.subscriptions[index].clone();
        (after, events)
    };
    let request = event_request(&request_id, &headers);
    crate::delivery::record_and_deliver_new(&state, &caller.account_id, caller.livemode, events, request).await;
    Ok(Json(subscription))
}
