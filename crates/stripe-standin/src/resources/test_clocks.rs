//! `test_helpers/test_clocks`: create, retrieve, list, delete and advance Stripe's test clocks
//! (`TestHelpers.TestClock`, `stripe_spec::objects::test_clock`), test mode only — a live key
//! gets Stripe's 400 "This endpoint is only available in testmode".
//!
//! A clock is made `ready` at its `frozen_time` (`deletes_after`: 30 days after it was made).
//! Customers created with `test_clock` live on it (at most three, Stripe's limit), and so do
//! their subscriptions and invoices: they are made at the clock's time, their events carry it
//! as `created`, and only advancing the clock moves them. Deleting a clock deletes its
//! customers with their subscriptions, as Stripe does — gone, not kept as deleted: their
//! retrieves answer 404 (their invoices and cards go too); the events say so:
//! `customer.subscription.deleted` for each live subscription and `customer.deleted` for each
//! customer (at the clock's time), then `test_helpers.test_clock.deleted`.
//!
//! Advancing (`POST …/{id}/advance`, `frozen_time`) is refused with Stripe's
//! `invalid_request_error` when the new time is not after the clock's, when the clock is
//! already advancing, or when it goes further than Stripe allows: two intervals of the
//! shortest subscription interval among the clock's live subscriptions (calendar months and
//! years, as periods end), or two years when it has none. Otherwise the answer says
//! `status: advancing` with `status_details.advancing.target_frozen_time`, and the work is
//! done: every billing step of the clock's subscriptions up to the new time runs in time
//! order (`billing::run_clock`), its events are recorded in that order,
//! each `created` at the simulated moment it happened, between
//! `test_helpers.test_clock.advancing` and `test_helpers.test_clock.ready`. A spawned task
//! then delivers them to the account's endpoints, one after the other, and only then does the
//! clock read `ready` at its new `frozen_time` — so while deliveries are under way it is still
//! advancing, and a second advance is refused — or after five seconds at most, while the
//! deliveries go on (Stripe does not hold a clock for webhooks). While a clock advances, its customers cannot
//! get new subscriptions or change the ones they have (400), as on Stripe.

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_int};
use crate::ids::new_id;
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::middleware::RequestId;
use crate::resources::customers::{event_request, Customer};
use crate::resources::events::{Event, EventRequest, NewEvent};
use crate::state::{ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Stripe deletes a test clock 30 days after it was made.
const LIFETIME_SECONDS: i64 = 30 * 86_400;
/// Stripe's limit of customers on one clock.
pub const MAX_CUSTOMERS: usize = 3;

/// A test clock, as the stand-in keeps it; [`TestClock::render`] gives Stripe's object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestClock {
    pub id: String,
    pub created: i64,
    pub deletes_after: i64,
    /// The clock's time; while it advances, the time it advances from.
    pub frozen_time: i64,
    pub name: Option<String>,
    /// While advancing, the time it advances to; `None` when ready.
    #[serde(default)]
    pub advancing_to: Option<i64>,
}

impl TestClock {
    pub fn render(&self) -> Value {
        let (status, details) = match self.advancing_to {
            Some(target) => ("advancing", json!({ "advancing": { "target_frozen_time": target } })),
            None => ("ready", json!({})),
        };
        stripe_spec::objects::test_clock(&json!({
            "id": self.id,
            "created": self.created,
            "deletes_after": self.deletes_after,
            "frozen_time": self.frozen_time,
            "name": self.name,
            "status": status,
            "status_details": details,
        }))
    }

    /// Stripe's refusal of a change to the clock's objects while it advances.
    pub(crate) fn refuse_if_advancing(&self) -> ApiResult<()> {
        match self.advancing_to {
            Some(_) => Err(ApiError::invalid_request(format!(
                "The test clock {} is advancing; its objects cannot be changed until its status is `ready`.",
                self.id
            ))),
            None => Ok(()),
        }
    }
}

/// The time of `customer`'s world: its clock's frozen time, or `now` when it has none.
pub(crate) fn time_of(data: &ModeData, customer: &Customer, now: i64) -> i64 {
    customer
        .test_clock
        .as_ref()
        .and_then(|id| data.test_clocks.iter().find(|c| &c.id == id))
        .map_or(now, |c| c.frozen_time)
}

/// The clock `customer` lives on, if any.
pub(crate) fn clock_of<'a>(data: &'a ModeData, customer: &str) -> Option<&'a TestClock> {
    let clock = data.customers.iter().find(|c| c.id == customer)?.test_clock.as_ref()?;
    data.test_clocks.iter().find(|c| &c.id == clock)
}

/// Test clocks exist in test mode only.
fn test_mode_only(caller: &Caller) -> ApiResult<()> {
    if caller.livemode {
        return Err(ApiError::invalid_request(
            "This endpoint is only available in testmode. Try using your test keys instead.",
        ));
    }
    Ok(())
}

// Accepts every parameter Stripe does (`TestHelpers.TestClockCreateParams`).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    frozen_time: Option<String>,
    customer: Option<String>,
    expand: Option<Vec<String>>,
    name: Option<String>,
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("test_clocks", true)?;
    test_mode_only(&caller)?;
    let params: CreateParams = parse(&body)?;
    let frozen_time =
        parse_int("frozen_time", &params.frozen_time)?.ok_or_else(|| ApiError::missing_param("frozen_time"))?;
    if frozen_time < 0 {
        return Err(ApiError::invalid_request(format!("Invalid timestamp: {frozen_time}")).param("frozen_time"));
    }
    if params.name.as_ref().is_some_and(|n| n.chars().count() > 300) {
        return Err(ApiError::invalid_request("Invalid name: must be at most 300 characters").param("name"));
    }
    let object = {
        let mut guard = state.lock().unwrap();
        let now = guard.now();
        let data = guard.mode(&caller.account_id, caller.livemode);
        let clock = TestClock {
            id: new_id("clock"),
            created: now,
            deletes_after: now + LIFETIME_SECONDS,
            frozen_time,
            name: params.name,
            advancing_to: None,
        };
        if let Some(customer) = &params.customer {
            let record = data
                .customers
                .iter()
                .find(|c| &c.id == customer && !c.deleted)
                .ok_or_else(|| ApiError::no_such("customer", customer).param("customer"))?;
            if record.test_clock.is_some() {
                return Err(ApiError::invalid_request(format!(
                    "The customer {customer} is already attached to a test clock; a customer cannot move to another one."
                ))
                .param("customer"));
            }
            if data.subscriptions.iter().any(|s| s["customer"] == customer.as_str()) {
                return Err(ApiError::invalid_request(format!(
                    "The customer {customer} already has subscriptions: only a customer without any can be attached to a test clock."
                ))
                .param("customer"));
            }
            let record = data.customers.iter_mut().find(|c| &c.id == customer).expect("found above");
            record.test_clock = Some(clock.id.clone());
        }
        let object = clock.render();
        data.test_clocks.push(clock);
        object
    };
    let request = event_request(&request_id, &headers);
    let event = vec![("test_helpers.test_clock.created", object.clone())];
    crate::delivery::record_and_deliver(&state, &caller.account_id, false, event, request).await;
    Ok(Json(object))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("test_clocks", false)?;
    test_mode_only(&caller)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, false);
    data.test_clocks
        .iter()
        .find(|c| c.id == id)
        .map(|c| Json(c.render()))
        .ok_or_else(|| ApiError::no_such("test_clock", &id))
}

// Accepts every parameter Stripe does (`TestHelpers.TestClockListParams`).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    expand: Option<Vec<String>>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("test_clocks", false)?;
    test_mode_only(&caller)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, false);
    let items: Vec<&TestClock> = data.test_clocks.iter().rev().collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |c| c.id.as_str(), &page)?;
    let rendered: Vec<Value> = window.iter().map(|c| c.render()).collect();
    Ok(Json(envelope("/v1/test_helpers/test_clocks", has_more, rendered)))
}

pub async fn delete(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("test_clocks", true)?;
    test_mode_only(&caller)?;
    let events = {
        let mut guard = state.lock().unwrap();
        let data = guard.mode(&caller.account_id, false);
        let index =
            data.test_clocks.iter().position(|c| c.id == id).ok_or_else(|| ApiError::no_such("test_clock", &id))?;
        let clock = data.test_clocks.remove(index);
        let at = clock.frozen_time;
        let mut events = Vec::new();
        let customers: Vec<String> = data
            .customers
            .iter()
            .filter(|c| c.test_clock.as_deref() == Some(id.as_str()) && !c.deleted)
            .map(|c| c.id.clone())
            .collect();
        for customer in &customers {
            for (kind, object) in crate::resources::customers::delete_now(data, customer, at)? {
                events.push(NewEvent::new(kind, object).at(at));
            }
        }
        // Gone with the clock, not kept as deleted: a retrieve answers 404.
        let subscriptions: Vec<String> = data
            .subscriptions
            .iter()
            .filter(|s| s["customer"].as_str().is_some_and(|c| customers.iter().any(|gone| gone == c)))
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect();
        data.customers.retain(|c| !customers.contains(&c.id));
        data.subscriptions.retain(|s| !subscriptions.iter().any(|gone| s["id"] == gone.as_str()));
        data.invoices.retain(|i| !i["customer"].as_str().is_some_and(|c| customers.iter().any(|gone| gone == c)));
        data.lifecycles.retain(|l| !subscriptions.contains(&l.subscription));
        data.payment_methods.retain(|m| !m.customer.as_ref().is_some_and(|c| customers.contains(c)));
        events.push(NewEvent::new("test_helpers.test_clock.deleted", clock.render()));
        events
    };
    let request = event_request(&request_id, &headers);
    crate::delivery::record_and_deliver_new(&state, &caller.account_id, false, events, request).await;
    Ok(Json(stripe_spec::objects::deleted_test_clock(&id)))
}

// Accepts every parameter Stripe does (`TestHelpers.TestClockAdvanceParams`).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceParams {
    frozen_time: Option<String>,
    expand: Option<Vec<String>>,
}

/// The furthest `clock` may be advanced to in one go, by Stripe's rule: two intervals of the
/// shortest subscription interval among its live subscriptions (that interval, `month`, `3
/// months`, is given too), or two years when it has none (`None`).
fn advance_limit(data: &ModeData, clock: &TestClock) -> (i64, Option<String>) {
    let from = clock.frozen_time;
    data.subscriptions
        .iter()
        .filter(|s| s["test_clock"] == clock.id.as_str())
        .filter(|s| !matches!(s["status"].as_str(), Some("canceled" | "incomplete_expired")))
        .filter_map(|s| {
            let recurring = &s["items"]["data"][0]["price"]["recurring"];
            let interval = recurring["interval"].as_str()?;
            let count = recurring["interval_count"].as_u64().unwrap_or(1);
            let limit = stripe_spec::objects::period_end(from, interval, 2 * count);
            let named = if count == 1 { interval.to_string() } else { format!("{count} {interval}s") };
            Some((limit, Some(named)))
        })
        .min_by_key(|(limit, _)| *limit)
        .unwrap_or((stripe_spec::objects::period_end(from, "year", 2), None))
}

pub async fn advance(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("test_clocks", true)?;
    test_mode_only(&caller)?;
    let params: AdvanceParams = parse(&body)?;
    let target =
        parse_int("frozen_time", &params.frozen_time)?.ok_or_else(|| ApiError::missing_param("frozen_time"))?;
    let account = &caller.account_id;
    let (object, recorded) = {
        let mut guard = state.lock().unwrap();
        let billing_account = crate::resources::billing::Account::of(&guard, account);
        let data = guard.mode(account, false);
        let clock = data.test_clocks.iter().find(|c| c.id == id).ok_or_else(|| ApiError::no_such("test_clock", &id))?;
        if clock.advancing_to.is_some() {
            return Err(ApiError::invalid_request(format!(
                "The test clock {id} is already advancing. Wait until its status is `ready` before advancing it again."
            )));
        }
        if target <= clock.frozen_time {
            return Err(ApiError::invalid_request(format!(
                "The test clock's frozen_time can only move forward: {target} is not after its current frozen_time {}.",
                clock.frozen_time
            ))
            .param("frozen_time"));
        }
        let (limit, interval) = advance_limit(data, clock);
        if target > limit {
            let rule = match interval {
                Some(interval) => {
                    format!("more than two intervals of the shortest subscription interval on it ({interval})")
                }
                None => "more than two years when it has no subscriptions".to_string(),
            };
            return Err(ApiError::invalid_request(format!(
                "A test clock cannot be advanced {rule} at a time: {target} is after {limit}. Advance it in smaller steps."
            ))
            .param("frozen_time"));
        }
        let clock = data.test_clocks.iter_mut().find(|c| c.id == id).expect("found above");
        clock.advancing_to = Some(target);
        let object = clock.render();
        let mut events = vec![NewEvent::new("test_helpers.test_clock.advancing", object.clone())];
        events.extend(crate::resources::billing::run_clock(data, &billing_account, &id, target));
        let request = event_request(&request_id, &headers);
        let mut recorded = Vec::new();
        for (n, event) in events.into_iter().enumerate() {
            // Only the advancing event is the request's; what the clock does is automatic.
            let cause = if n == 0 { request.clone() } else { EventRequest::default() };
            recorded.push(crate::resources::events::record_new(&mut guard, account, false, event, cause));
        }
        guard.persist();
        (object, recorded)
    };
    let state = state.clone();
    let account = account.clone();
    tokio::spawn(async move { finish_advance(state, account, id, target, recorded).await });
    Ok(Json(object))
}

/// How long at most a clock waits for its advance's deliveries before it reads `ready`:
/// Stripe does not hold a clock for webhooks, so a slow endpoint must not hold it either.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Delivers what an advance recorded, in order, then makes the clock `ready` at `target`
/// (recording and delivering `test_helpers.test_clock.ready` after the others) — ready once
/// the deliveries are done, or after [`READY_WITHIN`] while they go on.
async fn finish_advance(state: Shared, account: String, id: String, target: i64, recorded: Vec<Event>) {
    let mut deliveries = {
        let (state, account) = (state.clone(), account.clone());
        tokio::spawn(async move { crate::delivery::deliver_all(&state, &account, false, &recorded).await })
    };
    let delivered = tokio::time::timeout(READY_WITHIN, &mut deliveries).await.is_ok();
    let ready = {
        let mut guard = state.lock().unwrap();
        let Some(clock) = guard.mode(&account, false).test_clocks.iter_mut().find(|c| c.id == id) else { return };
        clock.frozen_time = target;
        clock.advancing_to = None;
        let object = clock.render();
        let event = NewEvent::new("test_helpers.test_clock.ready", object);
        let event = crate::resources::events::record_new(&mut guard, &account, false, event, EventRequest::default());
        guard.persist();
        event
    };
    if !delivered {
        let _ = deliveries.await;
    }
    crate::delivery::deliver(&state, &account, false, &ready).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_subscriptions_a_clock_advances_two_years_at_most() {
        let data = ModeData::default();
        let clock = TestClock {
            id: "clock_1".into(),
            created: 0,
            deletes_after: 0,
            frozen_time: 0,
            name: None,
            advancing_to: None,
        };
        let (limit, interval) = advance_limit(&data, &clock);
        assert_eq!((limit, interval), (stripe_spec::objects::period_end(0, "year", 2), None));
        assert_eq!(clock.render()["status"], "ready");
        let advancing = TestClock { advancing_to: Some(9), ..clock };
        assert_eq!(advancing.render()["status_details"]["advancing"]["target_frozen_time"], 9);
        assert!(advancing.refuse_if_advancing().is_err());
    }
}
