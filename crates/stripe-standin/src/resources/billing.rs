//! The billing life of subscriptions made over the API (`POST /v1/subscriptions`): their
//! first invoice and charge, price changes with their prorations, and what time does to them
//! on a test clock (`run_clock`) — each step with the events Stripe sends, in Stripe's
//! order, every event carrying its object whole as it was at that moment (`*.updated` with
//! `data.previous_attributes`), `created` at the simulated moment it happened.
//!
//! Creation (`create`) at the customer's time (its clock's, else now): with a trial, a $0
//! invoice that is paid, `trialing`; otherwise the first invoice is finalized and charged at
//! once — paid: `active`; a declined card: `incomplete` with the invoice open and
//! `invoice.payment_failed`; a card needing 3D Secure: `incomplete` and
//! `invoice.payment_action_required`; `payment_behavior=default_incomplete` leaves it
//! `incomplete` and unattempted, and `error_if_incomplete` refuses the request instead (402,
//! nothing made). Events: `customer.subscription.created`, `invoice.created`,
//! `invoice.finalized`, then `invoice.paid` + `invoice.payment_succeeded` (or the failure).
//!
//! On a clock, per subscription and in time order:
//! - three days before a trial ends (`TRIAL_NOTICE`): `customer.subscription.trial_will_end`
//!   (a trial shorter than that sends it at creation, as Stripe documents);
//! - at the trial's end and at each period's end: `invoice.created` (a draft,
//!   `billing_reason: subscription_cycle`, billing the new period, with any prorations
//!   pending), `customer.subscription.updated` (the new period; `trialing` → `active`); then,
//!   an hour later (`FINALIZE_AFTER`: Stripe finalizes drafts about an hour after it makes
//!   them), `invoice.finalized` and the charge: paid → `invoice.paid` +
//!   `invoice.payment_succeeded`; declined → `invoice.payment_failed` +
//!   `customer.subscription.updated` (`past_due`); a card needing 3D Secure also sends
//!   `invoice.payment_action_required` after the failure;
//! - retries of a failed renewal (`RETRY_DAYS`): 3, 5 and 7 days after the first attempt,
//!   each shown ahead in the invoice's `next_payment_attempt`. Stripe's default is Smart
//!   Retries, which picks its own moments — up to eight tries within a window, two weeks by
//!   default (docs.stripe.com/billing/revenue-recovery/smart-retries) — so no fixed schedule
//!   is Stripe's; this one is the shape of its custom schedule ("N days after the previous
//!   attempt"), keeps every try well inside the default window and before a monthly
//!   renewal, and lets a rehearsal see retries in one week. Each failed retry:
//!   `invoice.payment_failed` (`attempt_count` grows); one that pays: `invoice.paid` +
//!   `invoice.payment_succeeded` and `active` again. After the last failed retry the
//!   subscription is cancelled, Stripe's default "cancel the subscription":
//!   `customer.subscription.deleted` (`canceled`, `cancellation_details.reason:
//!   payment_failed`); the invoice stays open, with no attempt to come;
//! - `cancel_at_period_end` reaching the period's end: `customer.subscription.deleted`;
//! - an `incomplete` subscription not paid within 23 hours of its creation
//!   (`INCOMPLETE_EXPIRES_AFTER`) becomes `incomplete_expired`, a terminal status, and its
//!   open invoice is voided (the typings' `Subscription.status`): Stripe sends this as
//!   `customer.subscription.updated` (status `incomplete_expired`, `previous_attributes.status:
//!   incomplete`; receivers see it there, e.g. github.com/pay-rails/pay/issues/91), then
//!   `invoice.voided`.
//!
//! A price or quantity change (`change_items`) prorates the rest of the period: a credit at
//! the old terms and a charge at the new (`Unused time on …` / `Remaining time on …`), on the
//! next renewal invoice, or invoiced and charged at once with `always_invoice`. What an
//! invoice's total leaves negative becomes the customer's credit `balance`, taken off the
//! next invoices at finalization, as Stripe does.
//!
//! Not modelled: paying an open invoice by hand, the customer authenticating a 3D Secure
//! payment, Stripe not retrying a renewal without a payment method (here it fails and is
//! retried like a declined card; a first invoice without one waits unattempted),
//! `invoice.upcoming`, `invoice.updated`, charges and PaymentIntents, discounts on renewals.

use crate::error::{ApiError, ApiResult};
use crate::resources::customers::Customer;
use crate::resources::events::NewEvent;
use crate::resources::invoices::{self, FirstInvoice, Line};
use crate::resources::payment_methods::ChargeBehavior;
use crate::resources::prices::Price;
use crate::state::{ModeData, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Stripe finalizes a subscription's draft invoice about an hour after making it.
pub const FINALIZE_AFTER: i64 = 3600;
/// An `incomplete` subscription not paid within 23 hours becomes `incomplete_expired`.
pub const INCOMPLETE_EXPIRES_AFTER: i64 = 23 * 3600;
/// `customer.subscription.trial_will_end` comes three days before a trial ends.
pub const TRIAL_NOTICE: i64 = 3 * 86_400;
/// Retries of a failed renewal, in days after its first attempt (see the module doc).
pub const RETRY_DAYS: [i64; 3] = [3, 5, 7];

/// What a subscription's JSON does not show but its life needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lifecycle {
    pub subscription: String,
    /// When `customer.subscription.trial_will_end` is due; `None` once sent (or no trial).
    pub trial_will_end_at: Option<i64>,
    /// Prorations of price changes, billed on the next renewal invoice.
    #[serde(default)]
    pub(crate) pending_prorations: Vec<Line>,
}

/// Whose invoices these are: the account's id, name and country.
pub(crate) struct Account {
    pub id: String,
    pub name: Option<String>,
    pub country: String,
}

impl Account {
    pub fn of(state: &State, id: &str) -> Account {
        let record = state.accounts.get(id);
        Account {
            id: id.to_string(),
            name: record.map(|a| a.display_name.clone()),
            country: record.map_or_else(|| "US".into(), |a| a.country.clone()),
        }
    }
}

/// How a charge went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Paid,
    Declined,
    RequiresAction,
    NoPaymentMethod,
}

/// The (year, month, day) of a Unix time, UTC (Howard Hinnant's civil-from-days).
pub(crate) fn civil_date(at: i64) -> (i64, u32, u32) {
    let z = at.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A date as Stripe writes it in proration lines: `15 Jan 2026`.
fn date_text(at: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (year, month, day) = civil_date(at);
    format!("{day} {} {year}", MONTHS[month as usize - 1])
}

/// `data.previous_attributes` of an update from `before` to `after`: each changed field with
/// its old value (nested objects: only their changed fields; lists whole), a field that did
/// not exist before as `null`.
pub(crate) fn previous_attributes(before: &Value, after: &Value) -> Value {
    let (Value::Object(old), Value::Object(new)) = (before, after) else { return before.clone() };
    let mut changed = Map::new();
    for (key, was) in old {
        let now = new.get(key);
        if now == Some(was) {
            continue;
        }
        let nested = was.is_object() && was["object"] != "list" && now.is_some_and(Value::is_object);
        let value = match now {
            Some(now) if nested && !was.as_object().is_some_and(Map::is_empty) => previous_attributes(was, now),
            _ => was.clone(),
        };
        changed.insert(key.clone(), value);
    }
    for key in new.keys().filter(|k| !old.contains_key(*k)) {
        changed.insert(key.clone(), Value::Null);
    }
    Value::Object(changed)
}

/// `customer.subscription.updated` from `before` to `after` at `at`; none when nothing changed.
fn updated(before: &Value, after: &Value, at: i64) -> Option<NewEvent> {
    let previous = previous_attributes(before, after);
    (previous.as_object().is_some_and(|m| !m.is_empty()))
        .then(|| NewEvent::new("customer.subscription.updated", after.clone()).at(at).previous(previous))
}

// ---- subscriptions as JSON ----

fn period(subscription: &Value) -> (i64, i64) {
    let item = &subscription["items"]["data"][0];
    (item["current_period_start"].as_i64().unwrap_or(0), item["current_period_end"].as_i64().unwrap_or(0))
}

fn set_period(subscription: &mut Value, start: i64, end: i64) {
    if let Some(items) = subscription["items"]["data"].as_array_mut() {
        for item in items {
            item["current_period_start"] = json!(start);
            item["current_period_end"] = json!(end);
        }
    }
}

/// The end of the billing period that starts at `start`.
fn next_period_end(subscription: &Value, start: i64) -> i64 {
    let recurring = &subscription["items"]["data"][0]["price"]["recurring"];
    let interval = recurring["interval"].as_str().unwrap_or("month");
    let count = recurring["interval_count"].as_u64().unwrap_or(1).max(1);
    stripe_spec::objects::period_end(start, interval, count)
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

fn customer_index(data: &ModeData, id: &str) -> Option<usize> {
    data.customers.iter().position(|c| c.id == id)
}

fn lifecycle<'a>(data: &'a mut ModeData, subscription: &str) -> &'a mut Lifecycle {
    if let Some(i) = data.lifecycles.iter().position(|l| l.subscription == subscription) {
        return &mut data.lifecycles[i];
    }
    data.lifecycles.push(Lifecycle {
        subscription: subscription.to_string(),
        trial_will_end_at: None,
        pending_prorations: vec![],
    });
    data.lifecycles.last_mut().expect("just pushed")
}

/// The card a subscription's invoices are charged to: its `default_payment_method`, else its
/// customer's `invoice_settings.default_payment_method`.
fn payment_method_of(data: &ModeData, subscription: &Value) -> Option<String> {
    if let Some(pm) = subscription["default_payment_method"].as_str() {
        return Some(pm.to_string());
    }
    let customer = data.customers.iter().find(|c| c.id == subscription["customer"].as_str().unwrap_or_default())?;
    customer.default_payment_method.clone()
}

/// Charges `payment_method`, as its test card does.
fn charge(data: &ModeData, payment_method: Option<&str>) -> Outcome {
    let Some(method) = payment_method.and_then(|id| data.payment_methods.iter().find(|m| m.id == id)) else {
        return Outcome::NoPaymentMethod;
    };
    match method.behavior {
        ChargeBehavior::Succeeds => Outcome::Paid,
        ChargeBehavior::Declined => Outcome::Declined,
        ChargeBehavior::RequiresAuthentication => Outcome::RequiresAction,
    }
}

// ---- invoices ----

/// A draft invoice of `subscription` at `at` for `lines` (`billing_reason` `reason`).
fn draft_invoice(
    data: &ModeData,
    account: &Account,
    subscription: &Value,
    at: i64,
    reason: &str,
    lines: Vec<Line>,
) -> Value {
    let customer_id = text(&subscription["customer"]);
    let fallback;
    let customer = match data.customers.iter().find(|c| c.id == customer_id) {
        Some(c) => c,
        None => {
            fallback = Customer::new(customer_id.clone(), at, subscription["livemode"] == true, None);
            &fallback
        }
    };
    let id = format!("in_{}", crate::ids::random_alnum(24));
    let mut invoice = invoices::draft(&FirstInvoice {
        id: &id,
        created: at,
        livemode: subscription["livemode"] == true,
        currency: subscription["currency"].as_str().unwrap_or("usd"),
        account_name: account.name.as_deref(),
        account_country: &account.country,
        customer,
        subscription: subscription["id"].as_str().unwrap_or_default(),
        subscription_metadata: &subscription["metadata"],
        discount: None,
        default_payment_method: None,
        lines,
    });
    let total = invoice["total"].as_i64().unwrap_or(0);
    invoice["amount_due"] = json!(total.max(0));
    invoice["amount_remaining"] = json!(total.max(0));
    invoice["billing_reason"] = json!(reason);
    invoice["test_clock"] = subscription["test_clock"].clone();
    invoice
}

/// Finalizes `invoice` at `at` (numbered from its customer; the customer's credit balance
/// applied, a negative total adding to it) and records `invoice.finalized`.
fn finalize(data: &mut ModeData, account: &Account, invoice: &mut Value, at: i64, events: &mut Vec<NewEvent>) {
    let customer = customer_index(data, invoice["customer"].as_str().unwrap_or_default());
    let number = customer.map_or_else(|| "DRAFT-0001".to_string(), |i| data.customers[i].take_invoice_number());
    invoices::finalize(invoice, at, &number, &account.id);
    invoice["automatically_finalizes_at"] = Value::Null;
    let balance = customer.map_or(0, |i| data.customers[i].balance);
    let total = invoice["total"].as_i64().unwrap_or(0);
    if balance != 0 || total < 0 {
        let owed = total + balance;
        invoice["starting_balance"] = json!(balance);
        invoice["ending_balance"] = json!(owed.min(0));
        invoice["amount_due"] = json!(owed.max(0));
        invoice["amount_remaining"] = json!(owed.max(0));
        if let Some(i) = customer {
            data.customers[i].balance = owed.min(0);
        }
    }
    events.push(NewEvent::new("invoice.finalized", invoice.clone()).at(at));
}

/// Marks `invoice` paid at `at` and records `invoice.paid` and `invoice.payment_succeeded`.
fn mark_paid(invoice: &mut Value, at: i64, charged: bool, events: &mut Vec<NewEvent>) {
    let attempts = invoice["attempt_count"].as_i64().unwrap_or(0);
    invoices::pay(invoice, at, charged);
    invoice["attempt_count"] = json!(attempts + i64::from(charged));
    invoice["next_payment_attempt"] = Value::Null;
    invoice["automatically_finalizes_at"] = Value::Null;
    events.push(NewEvent::new("invoice.paid", invoice.clone()).at(at));
    events.push(NewEvent::new("invoice.payment_succeeded", invoice.clone()).at(at));
}

/// Records a failed attempt on `invoice` at `at` (`next`: when the next one is due) and its
/// events: `invoice.payment_failed`, and `invoice.payment_action_required` for a card that
/// asks for authentication.
fn mark_failed(invoice: &mut Value, at: i64, outcome: Outcome, next: Option<i64>, events: &mut Vec<NewEvent>) {
    invoice["attempted"] = json!(true);
    invoice["attempt_count"] = json!(invoice["attempt_count"].as_i64().unwrap_or(0) + 1);
    invoice["next_payment_attempt"] = json!(next);
    events.push(NewEvent::new("invoice.payment_failed", invoice.clone()).at(at));
    if outcome == Outcome::RequiresAction {
        events.push(NewEvent::new("invoice.payment_action_required", invoice.clone()).at(at));
    }
}

/// The lines billing `subscription`'s items for the period `start`..`end`.
fn period_lines(data: &ModeData, subscription: &Value, start: i64, end: i64) -> Vec<Line> {
    let items = subscription["items"]["data"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|item| {
            let price_id = text(&item["price"]["id"]);
            let stored = data.prices.iter().find(|p| p.id == price_id);
            let quantity = item["quantity"].as_i64().unwrap_or(0);
            let amount = match stored {
                Some(price) if !crate::resources::checkout::is_metered(price) => {
                    crate::resources::checkout::line_amount(price, quantity)
                }
                _ => 0,
            };
            Line {
                subscription_item: text(&item["id"]),
                price: price_id,
                product: text(&item["price"]["product"]),
                product_name: product_name(data, &item["price"]["product"]),
                interval: text(&item["price"]["recurring"]["interval"]),
                unit_amount_decimal: item["price"]["unit_amount_decimal"].as_str().map(str::to_string),
                quantity,
                amount,
                discount: 0,
                period_start: start,
                period_end: end,
                description: None,
                proration: false,
            }
        })
        .collect()
}

fn product_name(data: &ModeData, product: &Value) -> String {
    let id = product.as_str().unwrap_or_default();
    data.products.iter().find(|p| p.id == id).map_or_else(|| id.to_string(), |p| p.name.clone())
}

// ---- creation ----

/// A subscription to make (parameters already read and checked one by one).
pub(crate) struct NewSubscription {
    pub customer: String,
    /// Each item's price (recurring, active, one currency and interval) and quantity (none
    /// for a metered price).
    pub items: Vec<(Price, Option<i64>)>,
    pub default_payment_method: Option<String>,
    pub trial_end: Option<i64>,
    pub cancel_at_period_end: bool,
    /// `allow_incomplete`, `default_incomplete` or `error_if_incomplete`.
    pub payment_behavior: String,
    pub metadata: BTreeMap<String, String>,
    pub description: Option<String>,
    /// The customer's time: its clock's, or now.
    pub at: i64,
    pub livemode: bool,
}

/// Makes the subscription, its first invoice and their events (see the module doc); `Err`
/// when `error_if_incomplete` meets a payment that does not go through (nothing is made).
pub(crate) fn create(
    data: &mut ModeData,
    account: &Account,
    spec: NewSubscription,
) -> ApiResult<(Value, Vec<NewEvent>)> {
    let at = spec.at;
    let subscription_id = crate::ids::new_id("sub");
    let (first_price, _) = spec.items.first().ok_or_else(|| ApiError::missing_param("items"))?;
    let recurring = first_price.recurring.clone().expect("checked: recurring");
    let period_end = spec.trial_end.unwrap_or_else(|| {
        stripe_spec::objects::period_end(at, &recurring.interval, recurring.interval_count.max(1) as u64)
    });
    let clock = data.customers.iter().find(|c| c.id == spec.customer).and_then(|c| c.test_clock.clone());
    let metadata = json!(spec.metadata);
    let mut items = Vec::new();
    let mut lines = Vec::new();
    for (price, quantity) in &spec.items {
        let item_id = crate::ids::new_id("si");
        let seed = stripe_spec::objects::SubscriptionSeed {
            id: &subscription_id,
            item_id: &item_id,
            customer: &spec.customer,
            created: at,
            livemode: spec.livemode,
            status: "active",
            metadata: metadata.clone(),
            price: price.render(&[]),
            quantity: quantity.unwrap_or(1).max(0) as u64,
        };
        let mut item = stripe_spec::objects::subscription(&seed)["items"]["data"][0].clone();
        item["current_period_end"] = json!(period_end);
        items.push(item);
        let name = data.products.iter().find(|p| p.id == price.product).map_or_else(String::new, |p| p.name.clone());
        let metered = crate::resources::checkout::is_metered(price);
        let amount = if spec.trial_end.is_some() || metered {
            0
        } else {
            crate::resources::checkout::line_amount(price, quantity.unwrap_or(0))
        };
        lines.push(Line {
            subscription_item: item_id,
            price: price.id.clone(),
            product: price.product.clone(),
            product_name: if spec.trial_end.is_some() { format!("Trial period for {name}") } else { name },
            interval: recurring.interval.clone(),
            unit_amount_decimal: price.unit_amount_decimal.clone(),
            quantity: quantity.unwrap_or(0),
            amount,
            discount: 0,
            period_start: at,
            period_end,
            description: None,
            proration: false,
        });
    }
    let total: i64 = lines.iter().map(|l| l.amount).sum();
    let payment_method = spec.default_payment_method.clone().or_else(|| {
        data.customers.iter().find(|c| c.id == spec.customer).and_then(|c| c.default_payment_method.clone())
    });
    // What the first invoice's payment does: decided before anything is kept, since
    // `error_if_incomplete` makes nothing when it does not go through. `default_incomplete`
    // leaves a payment due unattempted (the customer confirms it).
    let unattempted = total > 0 && spec.payment_behavior == "default_incomplete";
    let outcome = (total > 0 && !unattempted).then(|| charge(data, payment_method.as_deref()));
    if spec.payment_behavior == "error_if_incomplete" {
        match outcome {
            Some(Outcome::Declined) => {
                return Err(ApiError::new(StatusCode::PAYMENT_REQUIRED, "card_error", "Your card was declined.")
                    .code("card_declined"))
            }
            Some(Outcome::RequiresAction) => {
                return Err(ApiError::new(
                    StatusCode::PAYMENT_REQUIRED,
                    "card_error",
                    "Your card was declined. This transaction requires authentication.",
                )
                .code("authentication_required"))
            }
            Some(Outcome::NoPaymentMethod) => {
                return Err(ApiError::invalid_request(
                    "This customer has no attached payment source or default payment method. Please consider adding a default payment method.",
                ))
            }
            _ => {}
        }
    }
    let paid = total == 0 || outcome == Some(Outcome::Paid);
    let status = match (spec.trial_end, paid) {
        (Some(_), _) => "trialing",
        (None, true) => "active",
        (None, false) => "incomplete",
    };
    let mut subscription = stripe_spec::objects::subscription(&stripe_spec::objects::SubscriptionSeed {
        id: &subscription_id,
        item_id: "si_unused",
        customer: &spec.customer,
        created: at,
        livemode: spec.livemode,
        status,
        metadata,
        price: first_price.render(&[]),
        quantity: 1,
    });
    subscription["items"]["data"] = json!(items);
    subscription["default_payment_method"] = json!(spec.default_payment_method);
    subscription["description"] = json!(spec.description);
    subscription["test_clock"] = json!(clock);
    subscription["billing_cycle_anchor"] = json!(spec.trial_end.unwrap_or(at));
    if let Some(end) = spec.trial_end {
        subscription["trial_start"] = json!(at);
        subscription["trial_end"] = json!(end);
    }
    if spec.cancel_at_period_end {
        subscription["cancel_at_period_end"] = json!(true);
        subscription["cancel_at"] = json!(period_end);
        subscription["canceled_at"] = json!(at);
        subscription["cancellation_details"]["reason"] = json!("cancellation_requested");
    }
    if let Some(i) = customer_index(data, &spec.customer) {
        let customer = &mut data.customers[i];
        customer.currency.get_or_insert_with(|| first_price.currency.clone());
    }
    let mut invoice = draft_invoice(data, account, &subscription, at, "subscription_create", lines);
    subscription["latest_invoice"] = invoice["id"].clone();
    let mut events = vec![NewEvent::new("customer.subscription.created", subscription.clone()).at(at)];
    events.push(NewEvent::new("invoice.created", invoice.clone()).at(at));
    finalize(data, account, &mut invoice, at, &mut events);
    match outcome {
        _ if unattempted => {}
        None => mark_paid(&mut invoice, at, false, &mut events),
        Some(Outcome::Paid) => mark_paid(&mut invoice, at, true, &mut events),
        Some(Outcome::RequiresAction) => {
            // The first payment waits for the customer to authenticate: no failure yet.
            invoice["attempted"] = json!(true);
            invoice["attempt_count"] = json!(1);
            events.push(NewEvent::new("invoice.payment_action_required", invoice.clone()).at(at));
        }
        // Nothing to charge: the invoice waits for a payment method, unattempted.
        Some(Outcome::NoPaymentMethod) => {}
        Some(failed) => mark_failed(&mut invoice, at, failed, None, &mut events),
    }
    let mut trial_will_end_at = None;
    if let Some(end) = spec.trial_end {
        let notice = end - TRIAL_NOTICE;
        if notice <= at {
            // A trial shorter than the notice: Stripe sends it at once.
            events.push(NewEvent::new("customer.subscription.trial_will_end", subscription.clone()).at(at));
        } else {
            trial_will_end_at = Some(notice);
        }
    }
    data.subscriptions.push(subscription.clone());
    data.invoices.push(invoice);
    lifecycle(data, &subscription_id).trial_will_end_at = trial_will_end_at;
    Ok((subscription, events))
}

// ---- price changes ----

/// A change of one item: its new price and quantity.
pub(crate) struct ItemChange {
    pub item: String,
    pub price: Option<Price>,
    pub quantity: Option<i64>,
}

/// Applies `changes` to subscription `index` at `at` and returns their prorations with
/// `proration_behavior` `proration`: a credit for the rest of the period at the old terms and
/// a charge at the new ones (none with `none`, during a trial, or when the amount is the
/// same). See [`invoice_prorations`] for where they go.
pub(crate) fn change_items(
    data: &mut ModeData,
    index: usize,
    changes: Vec<ItemChange>,
    proration: &str,
    at: i64,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let (start, end) = period(&data.subscriptions[index]);
    let trialing = data.subscriptions[index]["status"] == "trialing";
    for change in changes {
        let subscription = &data.subscriptions[index];
        let Some(position) = subscription["items"]["data"]
            .as_array()
            .and_then(|items| items.iter().position(|i| i["id"] == change.item.as_str()))
        else {
            continue;
        };
        let old = subscription["items"]["data"][position].clone();
        let mut new = old.clone();
        if let Some(price) = &change.price {
            let rendered = price.render(&[]);
            new["plan"] = stripe_spec::objects::plan(&rendered);
            new["price"] = rendered;
        }
        if let Some(quantity) = change.quantity {
            new["quantity"] = json!(quantity);
        }
        if proration != "none" && !trialing && end > start && at < end {
            let mut old_lines = period_lines(data, &json!({ "items": { "data": [old] } }), at, end);
            let mut new_lines = period_lines(data, &json!({ "items": { "data": [new.clone()] } }), at, end);
            let share = |amount: i64| ((amount as f64) * (end - at) as f64 / (end - start) as f64).round() as i64;
            if let (Some(was), Some(now)) = (old_lines.pop(), new_lines.pop()) {
                if was.amount != now.amount {
                    let times = |l: &Line| if l.quantity > 1 { format!("{} × ", l.quantity) } else { String::new() };
                    let after = date_text(at);
                    lines.push(Line {
                        amount: -share(was.amount),
                        description: Some(format!("Unused time on {}{} after {after}", times(&was), was.product_name)),
                        proration: true,
                        ..was
                    });
                    lines.push(Line {
                        amount: share(now.amount),
                        description: Some(format!(
                            "Remaining time on {}{} after {after}",
                            times(&now),
                            now.product_name
                        )),
                        proration: true,
                        ..now
                    });
                }
            }
        }
        data.subscriptions[index]["items"]["data"][position] = new;
    }
    lines
}

/// Where a change's prorations go: with `always_invoice` on an invoice now
/// (`billing_reason: subscription_update`), finalized and charged at once (its events
/// returned); otherwise onto the next renewal invoice.
pub(crate) fn invoice_prorations(
    data: &mut ModeData,
    account: &Account,
    index: usize,
    lines: Vec<Line>,
    proration: &str,
    at: i64,
) -> Vec<NewEvent> {
    let mut events = Vec::new();
    if lines.is_empty() {
        return events;
    }
    let id = text(&data.subscriptions[index]["id"]);
    if proration != "always_invoice" {
        lifecycle(data, &id).pending_prorations.extend(lines);
        return events;
    }
    let before = data.subscriptions[index].clone();
    let mut invoice = draft_invoice(data, account, &before, at, "subscription_update", lines);
    invoice["period_start"] = json!(at);
    invoice["period_end"] = json!(at);
    data.subscriptions[index]["latest_invoice"] = invoice["id"].clone();
    events.push(NewEvent::new("invoice.created", invoice.clone()).at(at));
    finalize(data, account, &mut invoice, at, &mut events);
    settle(data, index, &mut invoice, at, &mut events);
    data.invoices.push(invoice);
    events
}

/// Charges a just-finalized renewal or update invoice of subscription `index` at `at`: paid
/// (nothing due, or the card pays), or failed — retries scheduled, `past_due`.
fn settle(data: &mut ModeData, index: usize, invoice: &mut Value, at: i64, events: &mut Vec<NewEvent>) {
    if invoice["amount_due"].as_i64().unwrap_or(0) <= 0 {
        mark_paid(invoice, at, false, events);
        return;
    }
    let payment_method = payment_method_of(data, &data.subscriptions[index]);
    match charge(data, payment_method.as_deref()) {
        Outcome::Paid => {
            mark_paid(invoice, at, true, events);
            recover(data, index, at, events);
        }
        failed => {
            mark_failed(invoice, at, failed, Some(at + RETRY_DAYS[0] * 86_400), events);
            let before = data.subscriptions[index].clone();
            data.subscriptions[index]["status"] = json!("past_due");
            events.extend(updated(&before, &data.subscriptions[index], at));
        }
    }
}

/// A `past_due` subscription whose invoices are all paid again is `active` again.
fn recover(data: &mut ModeData, index: usize, at: i64, events: &mut Vec<NewEvent>) {
    let id = text(&data.subscriptions[index]["id"]);
    let owing = data
        .invoices
        .iter()
        .any(|i| i["parent"]["subscription_details"]["subscription"] == id.as_str() && i["status"] == "open");
    if data.subscriptions[index]["status"] == "past_due" && !owing {
        let before = data.subscriptions[index].clone();
        data.subscriptions[index]["status"] = json!("active");
        events.extend(updated(&before, &data.subscriptions[index], at));
    }
}

// ---- time ----

/// What happens next to a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    TrialWillEnd,
    Retry(String),
    Finalize(String),
    PeriodEnd,
    Expire,
}

impl Step {
    /// Order among steps due at the same second.
    fn rank(&self) -> u8 {
        match self {
            Step::TrialWillEnd => 0,
            Step::Retry(_) => 1,
            Step::Finalize(_) => 2,
            Step::PeriodEnd => 3,
            Step::Expire => 4,
        }
    }
}

/// The next step of `subscription` and when it is due.
fn next_step(data: &ModeData, subscription: &Value) -> Option<(i64, Step)> {
    let id = subscription["id"].as_str()?;
    match subscription["status"].as_str()? {
        "incomplete" => Some((subscription["created"].as_i64()? + INCOMPLETE_EXPIRES_AFTER, Step::Expire)),
        "trialing" | "active" | "past_due" => {
            let mut steps = Vec::new();
            if let Some(at) = data.lifecycles.iter().find(|l| l.subscription == id).and_then(|l| l.trial_will_end_at) {
                steps.push((at, Step::TrialWillEnd));
            }
            for invoice in data.invoices.iter().filter(|i| i["parent"]["subscription_details"]["subscription"] == id) {
                let invoice_id = text(&invoice["id"]);
                match (invoice["status"].as_str(), invoice["billing_reason"].as_str()) {
                    (Some("draft"), _) => {
                        if let Some(at) = invoice["automatically_finalizes_at"].as_i64() {
                            steps.push((at, Step::Finalize(invoice_id)));
                        }
                    }
                    (Some("open"), Some(reason)) if reason != "subscription_create" => {
                        if let Some(at) = invoice["next_payment_attempt"].as_i64() {
                            steps.push((at, Step::Retry(invoice_id)));
                        }
                    }
                    _ => {}
                }
            }
            steps.push((period(subscription).1, Step::PeriodEnd));
            steps.into_iter().min_by_key(|(at, step)| (*at, step.rank()))
        }
        _ => None,
    }
}

/// Runs every billing step of the subscriptions on test clock `clock` due up to `to`, in time
/// order (steps due at the same second: by kind, then by subscription age), and returns their
/// events in that order, each `created` at its moment.
pub(crate) fn run_clock(data: &mut ModeData, account: &Account, clock: &str, to: i64) -> Vec<NewEvent> {
    let mut events = Vec::new();
    // A bound no real schedule reaches (two years of daily renewals with retries), so that a
    // bug cannot hang the stand-in.
    for _ in 0..10_000 {
        let next = data
            .subscriptions
            .iter()
            .enumerate()
            .filter(|(_, s)| s["test_clock"] == clock)
            .filter_map(|(index, s)| next_step(data, s).map(|(at, step)| (at, step.rank(), index, step)))
            .filter(|(at, ..)| *at <= to)
            .min_by_key(|(at, rank, index, _)| (*at, *rank, *index));
        let Some((at, _, index, step)) = next else { break };
        apply(data, account, index, at, step, &mut events);
    }
    events
}

fn invoice_index(data: &ModeData, id: &str) -> Option<usize> {
    data.invoices.iter().position(|i| i["id"] == id)
}

/// Does `step` of subscription `index` at `at`.
fn apply(data: &mut ModeData, account: &Account, index: usize, at: i64, step: Step, events: &mut Vec<NewEvent>) {
    let id = text(&data.subscriptions[index]["id"]);
    match step {
        Step::TrialWillEnd => {
            lifecycle(data, &id).trial_will_end_at = None;
            events
                .push(NewEvent::new("customer.subscription.trial_will_end", data.subscriptions[index].clone()).at(at));
        }
        Step::PeriodEnd if data.subscriptions[index]["cancel_at_period_end"] == true => {
            let subscription = &mut data.subscriptions[index];
            subscription["status"] = json!("canceled");
            subscription["ended_at"] = json!(at);
            if subscription["canceled_at"].is_null() {
                subscription["canceled_at"] = json!(at);
            }
            subscription["cancellation_details"]["reason"] = json!("cancellation_requested");
            events.push(NewEvent::new("customer.subscription.deleted", subscription.clone()).at(at));
        }
        Step::PeriodEnd => {
            let before = data.subscriptions[index].clone();
            let (start, _) = period(&before);
            let end = next_period_end(&before, at);
            let subscription = &mut data.subscriptions[index];
            set_period(subscription, at, end);
            if subscription["status"] == "trialing" {
                subscription["status"] = json!("active");
            }
            let subscription = data.subscriptions[index].clone();
            let mut lines = period_lines(data, &subscription, at, end);
            lines.append(&mut lifecycle(data, &id).pending_prorations);
            let mut invoice = draft_invoice(data, account, &subscription, at, "subscription_cycle", lines);
            // A renewal invoice covers the period that just ended; its lines the new one.
            invoice["period_start"] = json!(start);
            invoice["period_end"] = json!(at);
            invoice["automatically_finalizes_at"] = json!(at + FINALIZE_AFTER);
            invoice["next_payment_attempt"] = json!(at + FINALIZE_AFTER);
            data.subscriptions[index]["latest_invoice"] = invoice["id"].clone();
            events.push(NewEvent::new("invoice.created", invoice.clone()).at(at));
            events.extend(updated(&before, &data.subscriptions[index], at));
            data.invoices.push(invoice);
        }
        Step::Finalize(invoice_id) => {
            let Some(i) = invoice_index(data, &invoice_id) else { return };
            let mut invoice = data.invoices[i].clone();
            finalize(data, account, &mut invoice, at, events);
            settle(data, index, &mut invoice, at, events);
            data.invoices[i] = invoice;
        }
        Step::Retry(invoice_id) => {
            let Some(i) = invoice_index(data, &invoice_id) else { return };
            let mut invoice = data.invoices[i].clone();
            let payment_method = payment_method_of(data, &data.subscriptions[index]);
            match charge(data, payment_method.as_deref()) {
                Outcome::Paid => {
                    mark_paid(&mut invoice, at, true, events);
                    data.invoices[i] = invoice;
                    recover(data, index, at, events);
                }
                failed => {
                    let first = invoice["status_transitions"]["finalized_at"].as_i64().unwrap_or(at);
                    // The attempt now is number attempt_count + 1; retry n follows attempt n.
                    let done = invoice["attempt_count"].as_i64().unwrap_or(1) as usize;
                    let next = RETRY_DAYS.get(done).map(|days| first + days * 86_400);
                    mark_failed(&mut invoice, at, failed, next, events);
                    data.invoices[i] = invoice;
                    if next.is_none() {
                        // Every retry failed: Stripe's default, cancel the subscription.
                        let subscription = &mut data.subscriptions[index];
                        subscription["status"] = json!("canceled");
                        subscription["canceled_at"] = json!(at);
                        subscription["ended_at"] = json!(at);
                        subscription["cancel_at"] = Value::Null;
                        subscription["cancel_at_period_end"] = json!(false);
                        subscription["cancellation_details"]["reason"] = json!("payment_failed");
                        events.push(NewEvent::new("customer.subscription.deleted", subscription.clone()).at(at));
                    }
                }
            }
        }
        Step::Expire => {
            let before = data.subscriptions[index].clone();
            let subscription = &mut data.subscriptions[index];
            subscription["status"] = json!("incomplete_expired");
            subscription["ended_at"] = json!(at);
            subscription["canceled_at"] = json!(at);
            events.extend(updated(&before, &data.subscriptions[index], at));
            let latest = text(&before["latest_invoice"]);
            if let Some(i) = invoice_index(data, &latest).filter(|i| data.invoices[*i]["status"] == "open") {
                let invoice = &mut data.invoices[i];
                invoice["status"] = json!("void");
                invoice["status_transitions"]["voided_at"] = json!(at);
                invoice["next_payment_attempt"] = Value::Null;
                invoice["auto_advance"] = json!(false);
                events.push(NewEvent::new("invoice.voided", invoice.clone()).at(at));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_stripe_writes_them() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(date_text(1_767_225_600), "1 Jan 2026");
        assert_eq!(date_text(1_709_164_800), "29 Feb 2024");
    }

    #[test]
    fn previous_attributes_name_what_changed_with_its_old_value() {
        let before = json!({ "status": "trialing", "metadata": { "plan": "pro", "a": "1" }, "items": { "object": "list", "data": [1] }, "x": 1 });
        let after = json!({ "status": "active", "metadata": { "plan": "team", "a": "1" }, "items": { "object": "list", "data": [2] }, "x": 1, "y": 2 });
        assert_eq!(
            previous_attributes(&before, &after),
            json!({ "status": "trialing", "metadata": { "plan": "pro" }, "items": { "object": "list", "data": [1] }, "y": null })
        );
        assert!(updated(&before, &before, 0).is_none());
    }
}
