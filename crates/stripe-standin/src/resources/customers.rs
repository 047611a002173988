//! `customers`: create, retrieve, delete and list (filters `email`, `created`, `test_clock`),
//! rendering every field of the typings' `Customer` (`stripe_spec::objects::customer`).
//! Checkout completion makes customers too ([`crate::resources::checkout`]). As Stripe does,
//! deleting a customer cancels its subscriptions at once (each with a
//! `customer.subscription.deleted` event), records `customer.deleted`, answers a
//! `DeletedCustomer`, and from then on a retrieve answers `{id, object: "customer", deleted:
//! true}` while lists leave it out; deleting it again is 404. A customer takes its `currency`
//! from its first subscription.
//!
//! Create takes `test_clock` (a clock of this account in test mode, with fewer than three
//! customers — Stripe's limit —, not advancing): the customer lives on it, made at its
//! `frozen_time`, and so do its events. `payment_method` attaches a card (a test card id
//! such as `pm_card_visa`, see [`crate::resources::payment_methods`]: a new `pm_…`,
//! `payment_method.attached` after `customer.created`), and
//! `invoice_settings[default_payment_method]` makes it the customer's default — naming the
//! attached card by its new id or by the id it was attached with. Sources are not modelled:
//! `source` is refused as Stripe refuses a missing object (400 `resource_missing`).

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int, Param};
use crate::ids::{new_id, now, random_alnum};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::middleware::RequestId;
use crate::resources::events::{created_bounds, within, Created, EventRequest, NewEvent};
use crate::state::{check_metadata, merge_metadata, ModeData, Shared};
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
    /// The test clock it lives on.
    #[serde(default)]
    pub test_clock: Option<String>,
    /// `invoice_settings.default_payment_method`: the card its subscriptions are charged to
    /// unless they name their own.
    #[serde(default)]
    pub default_payment_method: Option<String>,
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
            test_clock: None,
            default_payment_method: None,
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
            "invoice_settings": { "default_payment_method": self.default_payment_method },
            "livemode": self.livemode,
            "metadata": self.metadata,
            "name": self.name,
            "next_invoice_sequence": self.next_invoice_sequence,
            "phone": self.phone,
            "preferred_locales": self.preferred_locales,
            "tax_exempt": self.tax_exempt,
            "test_clock": self.test_clock,
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

// `CustomerCreateParams.InvoiceSettings`; only the default payment method is modelled.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvoiceSettingsParams {
    custom_fields: Option<IgnoredAny>,
    default_payment_method: Option<String>,
    footer: Option<String>,
    rendering_options: Option<IgnoredAny>,
}

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
    invoice_settings: Option<InvoiceSettingsParams>,
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
    if let Some(source) = &params.source {
        return Err(ApiError::no_such("source", source).param("source"));
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
    let default_method = params.invoice_settings.and_then(|s| s.default_payment_method);
    let (object, events) = {
        let mut guard = state.lock().unwrap();
        let data = guard.mode(&caller.account_id, caller.livemode);
        if let Some(id) = &params.test_clock {
            let clock = data
                .test_clocks
                .iter()
                .find(|c| &c.id == id)
                .ok_or_else(|| ApiError::no_such("test_clock", id).param("test_clock"))?;
            clock.refuse_if_advancing()?;
            let on_it = data.customers.iter().filter(|c| c.test_clock.as_ref() == Some(id) && !c.deleted).count();
            if on_it >= crate::resources::test_clocks::MAX_CUSTOMERS {
                return Err(ApiError::invalid_request(format!(
                    "The test clock {id} already has {on_it} customers, the most a test clock can have ({}). Create another test clock for more customers.",
                    crate::resources::test_clocks::MAX_CUSTOMERS
                ))
                .param("test_clock"));
            }
            customer.created = clock.frozen_time;
            customer.test_clock = Some(id.clone());
        }
        let at = customer.created;
        let mut attached = None;
        if let Some(pm) = &params.payment_method {
            let (method, _) = crate::resources::payment_methods::attach(
                data,
                pm,
                "payment_method",
                &customer.id,
                at,
                caller.livemode,
            )?;
            attached = Some((pm.clone(), method));
        }
        if let Some(default) = &default_method {
            match &attached {
                // The card attached by this request, by the id given for it or its new one.
                Some((given, method)) if default == given || default == &method.id => {
                    customer.default_payment_method = Some(method.id.clone())
                }
                _ => {
                    if let Some((_, method)) = &attached {
                        data.payment_methods.retain(|m| m.id != method.id);
                    }
                    return Err(crate::resources::payment_methods::not_attached(
                        default,
                        "invoice_settings[default_payment_method]",
                    ));
                }
            }
        }
        let object = customer.render();
        let mut events = vec![NewEvent::new("customer.created", object.clone()).at(at)];
        if let Some((_, method)) = attached {
            events.push(NewEvent::new("payment_method.attached", method.render()).at(at));
        }
        data.customers.push(customer);
        (object, events)
    };
    let request = event_request(&request_id, &headers);
    crate::delivery::record_and_deliver_new(&state, &caller.account_id, caller.livemode, events, request).await;
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

/// Deletes customer `id` of `data` at `at`: its live subscriptions canceled, then the
/// customer; the events (`customer.subscription.deleted` for each, `customer.deleted`).
/// 404 for an unknown or already deleted customer.
pub(crate) fn delete_now(data: &mut ModeData, id: &str, at: i64) -> ApiResult<Vec<(&'static str, Value)>> {
    let customer = data
        .customers
        .iter_mut()
        .find(|c| c.id == id && !c.deleted)
        .ok_or_else(|| ApiError::no_such("customer", id))?;
    let before = customer.render();
    customer.deleted = true;
    let mut events = Vec::new();
    let live: Vec<String> = data
        .subscriptions
        .iter()
        .filter(|s| s["customer"] == id)
        .filter(|s| !matches!(s["status"].as_str(), Some("canceled" | "incomplete_expired")))
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    for subscription in live {
        let canceled = crate::resources::subscriptions::cancel_now(data, &subscription, at, Default::default())?;
        events.push(("customer.subscription.deleted", canceled));
    }
    events.push(("customer.deleted", before));
    Ok(events)
}

pub async fn delete(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("customers", true)?;
    let events = {
        let mut state = state.lock().unwrap();
        let data = state.mode(&caller.account_id, caller.livemode);
        // A customer on a test clock is deleted at the clock's time.
        let at = match data.customers.iter().find(|c| c.id == id) {
            Some(customer) => crate::resources::test_clocks::time_of(data, customer, now()),
            None => now(),
        };
        let events: Vec<NewEvent> =
            delete_now(data, &id, at)?.into_iter().map(|(kind, object)| NewEvent::new(kind, object).at(at)).collect();
        events
    };
    let request = event_request(&request_id, &headers);
    crate::delivery::record_and_deliver_new(&state, &caller.account_id, caller.livemode, events, request).await;
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
        .filter(|c| params.test_clock.as_ref().is_none_or(|t| c.test_clock.as_ref() == Some(t)))
        .filter(|c| within(c.created, &bounds))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |c| c.id.as_str(), &page)?;
    let rendered: Vec<Value> = window.iter().map(|c| c.render()).collect();
    Ok(Json(envelope("/v1/customers", has_more, rendered)))
}
