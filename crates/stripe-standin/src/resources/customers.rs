//! `customers`: create, retrieve, delete and list (filters `email`, `created`), rendering every
//! field of the typings' `Customer` (`stripe_spec::objects::customer`). Checkout completion
//! makes customers too ([`crate::resources::checkout`]). As Stripe does, deleting a customer
//! cancels its subscriptions at once (each with a `customer.subscription.deleted` event),
//! records `customer.deleted`, answers a `DeletedCustomer`, and from then on a retrieve answers
//! `{id, object: "customer", deleted: true}` while lists leave it out; deleting it again is
//! 404. A customer takes its `currency` from its first subscription. The stand-in has no
//! payment methods, sources or test clocks: create refuses a reference to one as Stripe
//! refuses a missing object (400 `resource_missing`).

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int, Param};
use crate::ids::{new_id, now, random_alnum};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::middleware::RequestId;
use crate::resources::events::{created_bounds, within, Created, EventRequest};
use crate::state::{check_metadata, merge_metadata, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A customer, as the stand-in keeps it; [`Customer::render`] gives Stripe's object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub created: i64,
    pub livemode: bool,
    pub email: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub phone: Option<String>,
    pub balance: i64,
    pub metadata: BTreeMap<String, String>,
    pub preferred_locales: Vec<String>,
    pub tax_exempt: String,
    /// Set by its first subscription (that subscription's currency), as Stripe does.
    pub currency: Option<String>,
    /// The prefix of its invoices' numbers (`ABCD1234-0001`).
    pub invoice_prefix: String,
    pub next_invoice_sequence: i64,
    /// Whether it was deleted (it is kept to answer retrieves as deleted).
    pub deleted: bool,
}

impl Customer {
    /// A new customer with Stripe's defaults.
    pub fn new(id: String, created: i64, livemode: bool, email: Option<String>) -> Self {
        Customer {
            id,
            created,
            livemode,
            email,
            name: None,
            description: None,
            phone: None,
            balance: 0,
            metadata: BTreeMap::new(),
            preferred_locales: vec![],
            tax_exempt: "none".into(),
            currency: None,
            invoice_prefix: random_alnum(8).to_uppercase(),
            next_invoice_sequence: 1,
            deleted: false,
        }
    }

    /// The object Stripe answers: the whole `Customer`, or `DeletedCustomer` once deleted.
    pub fn render(&self) -> Value {
        if self.deleted {
            return stripe_spec::objects::deleted_customer(&self.id);
        }
        stripe_spec::objects::customer(&json!({
            "id": self.id,
            "balance": self.balance,
            "created": self.created,
            "currency": self.currency,
            "description": self.description,
            "email": self.email,
            "invoice_prefix": self.invoice_prefix,
            "livemode": self.livemode,
            "metadata": self.metadata,
            "name": self.name,
            "next_invoice_sequence": self.next_invoice_sequence,
            "phone": self.phone,
            "preferred_locales": self.preferred_locales,
            "tax_exempt": self.tax_exempt,
        }))
    }

    /// The next invoice number of this customer (`PREFIX-0001`), counted on.
    pub(crate) fn take_invoice_number(&mut self) -> String {
        let number = format!("{}-{:04}", self.invoice_prefix, self.next_invoice_sequence);
        self.next_invoice_sequence += 1;
        number
    }
}

/// The event request of an API request: its `Request-Id` and `Idempotency-Key`.
pub(crate) fn event_request(request_id: &RequestId, headers: &HeaderMap) -> EventRequest {
    EventRequest {
        id: Some(request_id.0.clone()),
        idempotency_key: headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string),
    }
}

const TAX_EXEMPT: &[&str] = &["exempt", "none", "reverse"];

// Accepts every parameter Stripe does (`CustomerCreateParams`); the nested ones the stand-in
// does not model (address, shipping, tax, …) are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    address: Option<IgnoredAny>,
    balance: Option<String>,
    business_name: Option<String>,
    cash_balance: Option<IgnoredAny>,
    description: Option<String>,
    email: Option<String>,
    expand: Option<Vec<String>>,
    individual_name: Option<String>,
    invoice_prefix: Option<String>,
    invoice_settings: Option<IgnoredAny>,
    #[serde(default)]
    metadata: Param<BTreeMap<String, String>>,
    name: Option<String>,
    next_invoice_sequence: Option<String>,
    payment_method: Option<String>,
    phone: Option<String>,
    preferred_locales: Option<Vec<String>>,
    shipping: Option<IgnoredAny>,
    source: Option<String>,
    tax: Option<IgnoredAny>,
    tax_exempt: Option<String>,
    tax_id_data: Option<IgnoredAny>,
    test_clock: Option<String>,
    validate: Option<String>,
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("customers", true)?;
    let params: CreateParams = parse(&body)?;
    if let Some(pm) = &params.payment_method {
        return Err(ApiError::no_such("PaymentMethod", pm).param("payment_method"));
    }
    if let Some(source) = &params.source {
        return Err(ApiError::no_such("source", source).param("source"));
    }
    if let Some(clock) = &params.test_clock {
        return Err(ApiError::no_such("test_clock", clock).param("test_clock"));
    }
    parse_bool("validate", &params.validate)?;
    let mut customer = Customer::new(new_id("cus"), now(), caller.livemode, params.email);
    customer.name = params.name;
    customer.description = params.description;
    customer.phone = params.phone;
    customer.balance = parse_int("balance", &params.balance)?.unwrap_or(0);
    customer.preferred_locales = params.preferred_locales.unwrap_or_default();
    if let Some(prefix) = params.invoice_prefix {
        let ok =
            (3..=12).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            return Err(ApiError::invalid_request(
                "Invalid invoice_prefix: must be 3 to 12 uppercase letters or numbers.",
            )
            .param("invoice_prefix"));
        }
        customer.invoice_prefix = prefix;
    }
    if let Some(sequence) = parse_int("next_invoice_sequence", &params.next_invoice_sequence)? {
        customer.next_invoice_sequence = sequence.max(1);
    }
    if let Some(exempt) = params.tax_exempt {
        if !TAX_EXEMPT.contains(&exempt.as_str()) {
            return Err(ApiError::not_one_of("tax_exempt", TAX_EXEMPT));
        }
        customer.tax_exempt = exempt;
    }
    if let Param::Given(given) = params.metadata {
        merge_metadata(&mut customer.metadata, given);
    }
    check_metadata(&customer.metadata)?;
    let object = customer.render();
    state.lock().unwrap().mode(&caller.account_id, caller.livemode).customers.push(customer);
    let request = event_request(&request_id, &headers);
    crate::delivery::record_and_deliver(
        &state,
        &caller.account_id,
        caller.livemode,
        vec![("customer.created", object.clone())],
        request,
    )
    .await;
    Ok(Json(object))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("customers", false)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.customers
        .iter()
        .find(|c| c.id == id)
        .map(|c| Json(c.render()))
        .ok_or_else(|| ApiError::no_such("customer", &id))
}

pub async fn delete(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("customers", true)?;
    let at = now();
    let events = {
        let mut state = state.lock().unwrap();
        let data = state.mode(&caller.account_id, caller.livemode);
        let customer = data
            .customers
            .iter_mut()
            .find(|c| c.id == id && !c.deleted)
            .ok_or_else(|| ApiError::no_such("customer", &id))?;
        let before = customer.render();
        customer.deleted = true;
        let mut events = Vec::new();
        let live: Vec<String> = data
            .subscriptions
            .iter()
            .filter(|s| s["customer"] == id.as_str())
            .filter(|s| !matches!(s["status"].as_str(), Some("canceled" | "incomplete_expired")))
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect();
        for subscription in live {
            let canceled = crate::resources::subscriptions::cancel_now(data, &subscription, at, Default::default())?;
            events.push(("customer.subscription.deleted", canceled));
        }
        events.push(("customer.deleted", before));
        events
    };
    let request = event_request(&request_id, &headers);
    crate::delivery::record_and_deliver(&state, &caller.account_id, caller.livemode, events, request).await;
    Ok(Json(stripe_spec::objects::deleted_customer(&id)))
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    created: Option<Created>,
    email: Option<String>,
    test_clock: Option<String>,
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
    caller.require("customers", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let bounds = created_bounds(&params.created)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&Customer> = data
        .customers
        .iter()
        .rev()
        .filter(|c| !c.deleted)
        // Stripe's email filter is an exact, case-sensitive match.
        .filter(|c| params.email.as_ref().is_none_or(|e| c.email.as_ref() == Some(e)))
        // The stand-in makes no test clocks: no customer belongs to one.
        .filter(|_| params.test_clock.is_none())
        .filter(|c| within(c.created, &bounds))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |c| c.id.as_str(), &page)?;
    let rendered: Vec<Value> = window.iter().map(|c| c.render()).collect();
    Ok(Json(envelope("/v1/customers", has_more, rendered)))
}
