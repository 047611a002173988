//! `events`: the account's event log in each mode, newest first, retrieve by id, and the list
//! filters Stripe documents (`type` with `*` wildcards, `types`, `created`,
//! `delivery_success`). Each event carries every field of the typings' `Event` (`id, object,
//! api_version, created, data {object, previous_attributes?}, livemode, pending_webhooks,
//! request {id, idempotency_key}, type`; `account` and `context` only for Connect and
//! organization events, which the stand-in does not make), rendered at the account's default
//! API version; deliveries re-render it at each endpoint's pinned version
//! ([`crate::delivery`]). Events about objects on a test clock (its customers, their
//! subscriptions and invoices) carry the clock's time as `created`, the simulated moment they
//! happened, as Stripe's do. Tests record events with [`crate::StandIn::record_event`].

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::Shared;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The `object` field of this resource's answers (a restored object takes it from here).
fn object_name() -> &'static str {
    "event"
}

/// The API version the stand-in's accounts render events with unless their spec says
/// otherwise: an account default older than the version golive pins, as most accounts have.
pub const ACCOUNT_API_VERSION: &str = "2025-06-30.basil";

/// `data`: the object the event is about, and for `*.updated` events what changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventData {
    pub object: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_attributes: Option<Value>,
}

/// `request`: the API request that caused the event (both null for automatic events).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventRequest {
    pub id: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(skip_deserializing, default = "object_name")]
    pub object: &'static str,
    pub api_version: String,
    pub created: i64,
    pub data: EventData,
    pub livemode: bool,
    pub pending_webhooks: u32,
    pub request: EventRequest,
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether every delivery succeeded (what `delivery_success` filters on).
    #[serde(skip)]
    pub delivered: bool,
    /// When it was recorded, by the stand-in's clock. Usually `created`; an event of an
    /// object on a test clock has the clock's time as `created`, which can be long before or
    /// after. Deliveries judge endpoints by this (one made after the event never gets it).
    #[serde(skip)]
    pub recorded_at: i64,
}

/// An event to record: its type, its object as it is at that moment, and — for objects on
/// a test clock — the simulated time it happened at (`created`), and for `*.updated` events
/// what changed (`data.previous_attributes`).
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    pub kind: &'static str,
    pub object: Value,
    /// `None`: now, by the stand-in's clock.
    pub created: Option<i64>,
    pub previous_attributes: Option<Value>,
}

impl NewEvent {
    pub fn new(kind: &'static str, object: Value) -> Self {
        NewEvent { kind, object, created: None, previous_attributes: None }
    }

    /// The event happened at `created` (a test clock's time), not now.
    pub fn at(mut self, created: i64) -> Self {
        self.created = Some(created);
        self
    }

    /// For `*.updated` events: the changed fields' values before the change.
    pub fn previous(mut self, previous_attributes: Value) -> Self {
        self.previous_attributes = Some(previous_attributes);
        self
    }
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    types: Option<Vec<String>>,
    created: Option<Created>,
    delivery_success: Option<String>,
    expand: Option<Vec<String>>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

/// `created=<ts>` or `created[gt|gte|lt|lte]=<ts>` (any list's range filter on a timestamp).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Created {
    Exact(String),
    Range(BTreeMap<String, String>),
}

/// Whether `kind` matches a `type` filter, where `*` stands for any run of characters.
fn type_matches(pattern: &str, kind: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = kind.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The `created` filter as (operator, timestamp) pairs.
pub(crate) fn created_bounds(created: &Option<Created>) -> ApiResult<Vec<(String, i64)>> {
    range_bounds("created", created)
}

/// A range filter on the timestamp parameter `param` as (operator, timestamp) pairs.
pub(crate) fn range_bounds(param: &str, created: &Option<Created>) -> ApiResult<Vec<(String, i64)>> {
    let mut bounds = Vec::new();
    match created {
        None => {}
        Some(Created::Exact(raw)) => {
            bounds.push(("eq".to_string(), parse_int(param, &Some(raw.clone()))?.unwrap_or_default()))
        }
        Some(Created::Range(range)) => {
            for (op, raw) in range {
                if !["gt", "gte", "lt", "lte"].contains(&op.as_str()) {
                    return Err(ApiError::unknown_param(&format!("{param}[{op}]")));
                }
                let at = parse_int(&format!("{param}[{op}]"), &Some(raw.clone()))?.unwrap_or_default();
                bounds.push((op.clone(), at));
            }
        }
    }
    Ok(bounds)
}

/// Whether `created` satisfies every bound of a range filter.
pub(crate) fn within(created: i64, bounds: &[(String, i64)]) -> bool {
    bounds.iter().all(|(op, at)| match op.as_str() {
        "gt" => created > *at,
        "gte" => created >= *at,
        "lt" => created < *at,
        "lte" => created <= *at,
        _ => created == *at,
    })
}

/// Records an event of `kind` about `object` (its whole state now) in the account's log, at
/// the account's default API version, caused by `request` (both null for automatic events);
/// `delivered` says whether its webhook deliveries succeeded. Returns the event as recorded.
pub(crate) fn record(
    state: &mut crate::state::State,
    account_id: &str,
    livemode: bool,
    kind: &str,
    object: Value,
    request: EventRequest,
    delivered: bool,
) -> Event {
    let api_version =
        state.accounts.get(account_id).map(|a| a.api_version.clone()).unwrap_or_else(|| ACCOUNT_API_VERSION.into());
    let now = state.now();
    let event = Event {
        id: crate::ids::new_id("evt"),
        object: "event",
        api_version,
        created: now,
        data: EventData { object, previous_attributes: None },
        livemode,
        pending_webhooks: u32::from(!delivered),
        request,
        kind: kind.into(),
        delivered,
        recorded_at: now,
    };
    state.mode(account_id, livemode).events.push(event.clone());
    event
}

/// [`record`] for a [`NewEvent`]: at its own `created` when it has one, with its
/// `previous_attributes`; undelivered so far.
pub(crate) fn record_new(
    state: &mut crate::state::State,
    account_id: &str,
    livemode: bool,
    new: NewEvent,
    request: EventRequest,
) -> Event {
    let mut event = record(state, account_id, livemode, new.kind, new.object, request, false);
    let stored = state.mode(account_id, livemode).events.last_mut().expect("just recorded");
    if let Some(created) = new.created {
        stored.created = created;
    }
    stored.data.previous_attributes = new.previous_attributes;
    event.created = stored.created;
    event.data.previous_attributes = stored.data.previous_attributes.clone();
    event
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("events", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    if params.kind.is_some() && params.types.is_some() {
        return Err(ApiError::invalid_request("You may pass either type or types, but not both.").param("types"));
    }
    if params.types.as_ref().is_some_and(|t| t.len() > 20) {
        return Err(ApiError::invalid_request("You may pass up to 20 event types in types.").param("types"));
    }
    let delivered = parse_bool("delivery_success", &params.delivery_success)?;
    let bounds = created_bounds(&params.created)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&Event> = data
        .events
        .iter()
        .rev()
        .filter(|e| params.kind.as_ref().is_none_or(|k| type_matches(k, &e.kind)))
        .filter(|e| params.types.as_ref().is_none_or(|t| t.contains(&e.kind)))
        .filter(|e| within(e.created, &bounds))
        .filter(|e| delivered.is_none_or(|d| e.delivered == d))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |e| e.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/events", has_more, window)))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Event>> {
    caller.require("events", false)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.events.iter().find(|e| e.id == id).cloned().map(Json).ok_or_else(|| ApiError::no_such("event", &id))
}

#[cfg(test)]
mod tests {
    use super::type_matches;

    #[test]
    fn type_filters_take_star_wildcards() {
        assert!(type_matches("customer.subscription.created", "customer.subscription.created"));
        assert!(type_matches("customer.subscription.*", "customer.subscription.deleted"));
        assert!(type_matches("*.created", "customer.subscription.created"));
        assert!(type_matches("customer.*.created", "customer.subscription.created"));
        assert!(!type_matches("customer.subscription.*", "invoice.paid"));
        assert!(!type_matches("customer.subscription.created", "customer.subscription.created2"));
    }
}
