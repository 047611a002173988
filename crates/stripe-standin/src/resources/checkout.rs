//! `checkout/sessions`: create, retrieve, list (filters `status`, `customer`, `subscription`,
//! `created`, `customer_details[email]`), expire — and [`complete`], the test hook that
//! finishes a session as a customer paying on Stripe's page would. Sessions render every
//! field of the typings' `Checkout.Session` (`stripe_spec::objects::checkout_session`).
//!
//! Create takes `Checkout.SessionCreateParams` (the nested settings the stand-in does not
//! model are read and dropped; the typings no longer have `payment_method_types`, so it is
//! refused as unknown) and refuses what Stripe refuses: no `mode`; `line_items` missing, or
//! naming a price that does not exist in this mode (400 `resource_missing`), is inactive, is
//! recurring in `payment` mode, or is in another currency; `subscription` mode without a
//! recurring price or with recurring prices of different intervals; a licensed price without
//! `quantity` or a metered one with it; `price_data` (not modelled: refused as such);
//! `allow_promotion_codes` with `discounts`; more than one discount, or one naming both or
//! neither of `coupon` and `promotion_code`, an unknown one, an invalid coupon (`redeem_by`
//! passed, redeemed out) or a promotion code that cannot be redeemed (inactive, expired, at its
//! `max_redemptions`, for another customer, under its minimum); `customer` with
//! `customer_email`, or an unknown/deleted `customer`; `payment_method_collection`,
//! `subscription_data` outside `subscription` mode and `customer_creation` inside it (the
//! typings: "Can only be set in `subscription` mode", "in `payment` and `setup` mode");
//! `expires_at` less than 30 minutes or more than 24 hours ahead (default: 24 hours);
//! `success_url`/`cancel_url` with an embedded UI and `return_url` with a hosted one.
//!
//! The answer: `cs_live_…`/`cs_test_…`, `status: open`, `payment_status: unpaid`, a hosted
//! `url` (`https://checkout.stripe.com/c/pay/cs_…#…`; a `client_secret` for embedded UIs),
//! `amount_subtotal` and `amount_total` computed from the prices (per unit, tiers,
//! `transform_quantity`; a trial makes recurring lines free) less the discount (100% off:
//! 0). An open session whose `expires_at` has passed by the stand-in's clock reads as
//! `expired`; `url` is null once a session is no longer open. Expiring takes an open session
//! only, and records `checkout.session.expired` (naming the request), delivered before the
//! answer.
//!
//! Completion follows Stripe's order and rules (see [`complete`]): with
//! `payment_method_collection=if_required` a $0 first invoice collects no payment method;
//! otherwise the customer enters a card (a made-up `pm_…`) and the invoice is paid with it.

use super::RetrieveParams;
use crate::delivery::Delivery;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int};
use crate::ids::{new_id, now, random_alnum};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::middleware::RequestId;
use crate::resources::customers::{event_request, Customer};
use crate::resources::events::{created_bounds, within, Created, EventRequest};
use crate::resources::invoices::{self, FirstInvoice, Line};
use crate::resources::prices::{Price, Tier};
use crate::state::{check_metadata, ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One line of a session: a price and how many.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionLineItem {
    pub price: String,
    /// None for a metered price.
    pub quantity: Option<i64>,
}

/// A discount applied to a session, as given: a coupon or a promotion code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionDiscount {
    pub coupon: Option<String>,
    pub promotion_code: Option<String>,
}

/// A Checkout Session, as the stand-in keeps it; [`CheckoutSession::render`] gives Stripe's
/// object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub created: i64,
    pub livemode: bool,
    /// `payment`, `setup` or `subscription`.
    pub mode: String,
    pub ui_mode: String,
    /// `open`, `complete` or `expired` as stored; an open session past `expires_at` reads as
    /// expired ([`CheckoutSession::status_at`]).
    pub status: String,
    pub payment_status: String,
    pub expires_at: i64,
    pub currency: Option<String>,
    pub customer: Option<String>,
    pub customer_email: Option<String>,
    pub customer_creation: Option<String>,
    pub customer_details: Option<Value>,
    pub collected_information: Option<Value>,
    pub subscription: Option<String>,
    pub invoice: Option<String>,
    pub line_items: Vec<SessionLineItem>,
    pub discounts: Vec<SessionDiscount>,
    pub allow_promotion_codes: Option<bool>,
    pub payment_method_collection: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// `subscription_data[metadata]`: the subscription's metadata once completed.
    pub subscription_metadata: BTreeMap<String, String>,
    pub subscription_description: Option<String>,
    pub trial_period_days: Option<i64>,
    pub trial_end: Option<i64>,
    pub amount_subtotal: Option<i64>,
    pub amount_total: Option<i64>,
    pub amount_discount: i64,
    /// The hosted page (hosted UI), shown while the session is open.
    pub url: Option<String>,
    /// For embedded UIs, shown while the session is open.
    pub client_secret: Option<String>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub return_url: Option<String>,
    pub client_reference_id: Option<String>,
    pub locale: Option<String>,
    pub billing_address_collection: Option<String>,
    pub submit_type: Option<String>,
    /// The card the customer entered at completion, if one was asked for.
    pub payment_method: Option<String>,
}

impl CheckoutSession {
    /// The status at `now`: an open session past `expires_at` is expired.
    pub fn status_at(&self, now: i64) -> &str {
        if self.status == "open" && now >= self.expires_at {
            "expired"
        } else {
            &self.status
        }
    }

    /// The object Stripe answers at `now`.
    pub fn render(&self, now: i64) -> Value {
        let status = self.status_at(now);
        let open = status == "open";
        let subscription_mode = self.mode == "subscription";
        let customer_creation = match (&self.customer_creation, self.mode.as_str()) {
            (Some(given), _) => Some(given.clone()),
            (None, "subscription") => Some("always".to_string()),
            (None, _) => Some("if_required".to_string()),
        };
        let discounts: Vec<Value> =
            self.discounts.iter().map(|d| json!({ "coupon": d.coupon, "promotion_code": d.promotion_code })).collect();
        let mut value = stripe_spec::objects::checkout_session(&json!({
            "id": self.id,
            "allow_promotion_codes": self.allow_promotion_codes,
            "amount_subtotal": self.amount_subtotal,
            "amount_total": self.amount_total,
            "billing_address_collection": self.billing_address_collection,
            "cancel_url": self.cancel_url,
            "client_reference_id": self.client_reference_id,
            "client_secret": if open { self.client_secret.clone() } else { None },
            "collected_information": self.collected_information,
            "created": self.created,
            "currency": self.currency,
            "customer": self.customer,
            "customer_creation": customer_creation,
            "customer_details": self.customer_details,
            "customer_email": self.customer_email,
            "discounts": discounts,
            "expires_at": self.expires_at,
            "invoice": self.invoice,
            "livemode": self.livemode,
            "locale": self.locale,
            "metadata": self.metadata,
            "mode": self.mode,
            "payment_method_collection": if subscription_mode {
                Some(self.payment_method_collection.clone().unwrap_or_else(|| "always".into()))
            } else {
                None
            },
            "payment_status": self.payment_status,
            "status": status,
            "submit_type": self.submit_type,
            "subscription": self.subscription,
            "success_url": self.success_url,
            "total_details": { "amount_discount": self.amount_discount },
            "ui_mode": self.ui_mode,
            "url": if open { self.url.clone() } else { None },
        }));
        if let Some(url) = &self.return_url {
            // Optional in the typings: only sent when set.
            value["return_url"] = json!(url);
        }
        value
    }
}

/// What completing a session made: its customer, subscription and first invoice, and the
/// webhook deliveries of the six events it caused.
#[derive(Debug, Clone)]
pub struct CheckoutCompletion {
    pub customer: String,
    pub subscription: String,
    pub invoice: String,
    pub deliveries: Vec<Delivery>,
}

// ---- amounts ----

fn tiered_amount(tiers: &[Tier], mode: Option<&str>, quantity: i64) -> i64 {
    let unit = |t: &Tier| t.unit_amount.unwrap_or(0);
    let flat = |t: &Tier| t.flat_amount.unwrap_or(0);
    if mode == Some("volume") {
        let tier = tiers.iter().find(|t| t.up_to.is_none_or(|up| quantity <= up)).or(tiers.last());
        return tier.map(|t| flat(t) + unit(t) * quantity).unwrap_or(0);
    }
    let (mut total, mut below) = (0, 0);
    for tier in tiers {
        let top = tier.up_to.unwrap_or(i64::MAX).min(quantity);
        if top > below {
            total += flat(tier) + unit(tier) * (top - below);
        }
        below = tier.up_to.unwrap_or(i64::MAX);
        if below >= quantity {
            break;
        }
    }
    total
}

/// What `quantity` of `price` costs on a first invoice.
pub(crate) fn line_amount(price: &Price, quantity: i64) -> i64 {
    let quantity = match &price.transform_quantity {
        Some(t) if t.divide_by > 0 => {
            let exact = quantity as f64 / t.divide_by as f64;
            (if t.round == "up" { exact.ceil() } else { exact.floor() }) as i64
        }
        _ => quantity,
    };
    match (price.billing_scheme.as_str(), &price.tiers) {
        ("tiered", Some(tiers)) => tiered_amount(tiers, price.tiers_mode.as_deref(), quantity),
        _ => price.unit_amount.or(price.custom_unit_amount.as_ref().and_then(|c| c.preset)).unwrap_or(0) * quantity,
    }
}

pub(crate) fn is_metered(price: &Price) -> bool {
    price.recurring.as_ref().is_some_and(|r| r.usage_type == "metered")
}

/// Each line's first-invoice amount (before discounts; a trial or a metered price makes a
/// recurring line free now) and what `coupon` takes off it.
fn priced_lines(
    lines: &[SessionLineItem],
    data: &ModeData,
    trial: bool,
    coupon: Option<&crate::resources::coupons::Coupon>,
    currency: &str,
) -> Vec<(i64, i64)> {
    let amounts: Vec<(i64, bool)> = lines
        .iter()
        .map(|line| {
            let price = data.prices.iter().find(|p| p.id == line.price).expect("checked at creation");
            let free_now = price.recurring.is_some() && (trial || is_metered(price));
            let amount = if free_now { 0 } else { line_amount(price, line.quantity.unwrap_or(0)) };
            let eligible =
                coupon.and_then(|c| c.applies_to.as_ref()).is_none_or(|products| products.contains(&price.product));
            (amount, eligible)
        })
        .collect();
    let Some(coupon) = coupon else { return amounts.into_iter().map(|(a, _)| (a, 0)).collect() };
    if coupon.percent_off.is_some() {
        return amounts
            .into_iter()
            .map(|(a, eligible)| (a, if eligible { coupon.discount_on(a, currency) } else { 0 }))
            .collect();
    }
    // An amount off is taken from the eligible lines in order until it is used up.
    let eligible_total: i64 = amounts.iter().filter(|(_, e)| *e).map(|(a, _)| a).sum();
    let mut left = coupon.discount_on(eligible_total, currency);
    amounts
        .into_iter()
        .map(|(a, eligible)| {
            let off = if eligible { left.min(a) } else { 0 };
            left -= off;
            (a, off)
        })
        .collect()
}

// ---- parameters ----

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineItemParams {
    adjustable_quantity: Option<IgnoredAny>,
    metadata: Option<BTreeMap<String, String>>,
    price: Option<String>,
    price_data: Option<IgnoredAny>,
    quantity: Option<String>,
    tax_rates: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscountParams {
    coupon: Option<String>,
    promotion_code: Option<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionDataParams {
    application_fee_percent: Option<String>,
    billing_cycle_anchor: Option<String>,
    billing_cycle_anchor_config: Option<IgnoredAny>,
    billing_mode: Option<IgnoredAny>,
    default_tax_rates: Option<Vec<String>>,
    description: Option<String>,
    invoice_settings: Option<IgnoredAny>,
    metadata: Option<BTreeMap<String, String>>,
    on_behalf_of: Option<String>,
    pending_invoice_item_interval: Option<IgnoredAny>,
    proration_behavior: Option<String>,
    transfer_data: Option<IgnoredAny>,
    trial_end: Option<String>,
    trial_period_days: Option<String>,
    trial_settings: Option<IgnoredAny>,
}

// Accepts every parameter Stripe does (`Checkout.SessionCreateParams`); the nested settings
// the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    adaptive_pricing: Option<IgnoredAny>,
    after_expiration: Option<IgnoredAny>,
    allow_promotion_codes: Option<String>,
    allowed_payment_method_types: Option<Vec<String>>,
    automatic_tax: Option<IgnoredAny>,
    billing_address_collection: Option<String>,
    branding_settings: Option<IgnoredAny>,
    cancel_url: Option<String>,
    client_reference_id: Option<String>,
    consent_collection: Option<IgnoredAny>,
    currency: Option<String>,
    custom_fields: Option<IgnoredAny>,
    custom_text: Option<IgnoredAny>,
    customer: Option<String>,
    customer_account: Option<String>,
    customer_creation: Option<String>,
    customer_email: Option<String>,
    customer_update: Option<IgnoredAny>,
    discounts: Option<Vec<DiscountParams>>,
    excluded_payment_method_types: Option<Vec<String>>,
    expand: Option<Vec<String>>,
    expires_at: Option<String>,
    integration_identifier: Option<String>,
    invoice_creation: Option<IgnoredAny>,
    line_items: Option<Vec<LineItemParams>>,
    locale: Option<String>,
    managed_payments: Option<IgnoredAny>,
    metadata: Option<BTreeMap<String, String>>,
    mode: Option<String>,
    name_collection: Option<IgnoredAny>,
    optional_items: Option<IgnoredAny>,
    origin_context: Option<String>,
    payment_intent_data: Option<IgnoredAny>,
    payment_method_collection: Option<String>,
    payment_method_configuration: Option<String>,
    payment_method_data: Option<IgnoredAny>,
    payment_method_options: Option<IgnoredAny>,
    permissions: Option<IgnoredAny>,
    phone_number_collection: Option<IgnoredAny>,
    redirect_on_completion: Option<String>,
    return_url: Option<String>,
    saved_payment_method_options: Option<IgnoredAny>,
    setup_intent_data: Option<IgnoredAny>,
    shipping_address_collection: Option<IgnoredAny>,
    shipping_options: Option<IgnoredAny>,
    submit_type: Option<String>,
    subscription_data: Option<SubscriptionDataParams>,
    success_url: Option<String>,
    tax_id_collection: Option<IgnoredAny>,
    ui_mode: Option<String>,
    wallet_options: Option<IgnoredAny>,
}

const MODES: &[&str] = &["payment", "setup", "subscription"];
const UI_MODES: &[&str] = &["elements", "embedded_page", "form", "hosted_page"];
const COLLECTIONS: &[&str] = &["always", "if_required"];
const ADDRESS_COLLECTIONS: &[&str] = &["auto", "required"];
const SUBMIT_TYPES: &[&str] = &["auto", "book", "donate", "pay", "subscribe"];
/// How far ahead `expires_at` may be: 30 minutes to 24 hours after creation.
const MIN_EXPIRY: i64 = 30 * 60;
const MAX_EXPIRY: i64 = 24 * 60 * 60;

fn one_of(param: &str, value: &str, allowed: &[&str]) -> ApiResult<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::not_one_of(param, allowed))
    }
}

fn only_one(first: &str, second: &str, param: &str) -> ApiError {
    ApiError::invalid_request(format!("You may only specify one of these parameters: {first}, {second}.")).param(param)
}

fn check_url(param: &str, url: &str) -> ApiResult<()> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() => Ok(()),
        _ => Err(ApiError::invalid_request(format!("Not a valid URL: {url}")).param(param)),
    }
}

fn session_id(livemode: bool) -> String {
    format!("cs_{}_a1{}", if livemode { "live" } else { "test" }, random_alnum(56))
}

/// The checked line items, their currency, and whether any price is recurring.
fn check_lines(
    mode: &str,
    raw: Option<Vec<LineItemParams>>,
    data: &ModeData,
) -> ApiResult<(Vec<SessionLineItem>, Option<String>)> {
    let Some(raw) = raw else {
        if mode == "setup" {
            return Ok((vec![], None));
        }
        return Err(ApiError::missing_param("line_items"));
    };
    if mode == "setup" {
        return Err(ApiError::invalid_request("line_items cannot be used in setup mode.").param("line_items"));
    }
    if raw.is_empty() {
        return Err(ApiError::missing_param("line_items"));
    }
    let limit = if mode == "subscription" { 20 } else { 100 };
    if raw.len() > limit {
        return Err(ApiError::invalid_request(format!("You may only pass up to {limit} line_items in {mode} mode."))
            .param("line_items"));
    }
    let mut lines = Vec::new();
    let mut currency: Option<String> = None;
    let mut interval: Option<(String, i64)> = None;
    for (i, line) in raw.into_iter().enumerate() {
        let at = |field: &str| format!("line_items[{i}][{field}]");
        if line.price_data.is_some() {
            return Err(ApiError::invalid_request(
                "The Stripe stand-in does not model price_data: create the price first and pass `price`.",
            )
            .param(at("price_data")));
        }
        if let Some(rate) = line.tax_rates.as_ref().and_then(|r| r.first()) {
            return Err(ApiError::no_such("tax_rate", rate).param(format!("{}[0]", at("tax_rates"))));
        }
        if let Some(metadata) = &line.metadata {
            check_metadata(metadata)?;
        }
        let price_id = line.price.ok_or_else(|| ApiError::missing_param(&at("price")))?;
        let price = data
            .prices
            .iter()
            .find(|p| p.id == price_id)
            .ok_or_else(|| ApiError::no_such("price", &price_id).param(at("price")))?;
        if !price.active {
            return Err(ApiError::invalid_request(
                "The price specified is inactive. This field only accepts active prices.",
            )
            .param(at("price")));
        }
        if mode == "payment" && price.recurring.is_some() {
            return Err(ApiError::invalid_request(
                "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
            )
            .param(at("price")));
        }
        if let Some(recurring) = &price.recurring {
            let this = (recurring.interval.clone(), recurring.interval_count);
            if interval.as_ref().is_some_and(|seen| *seen != this) {
                return Err(ApiError::invalid_request(
                    "Checkout does not support multiple prices with different billing intervals.",
                )
                .param(at("price")));
            }
            interval = Some(this);
        }
        if currency.as_ref().is_some_and(|c| *c != price.currency) {
            return Err(
                ApiError::invalid_request("All line items must use prices in the same currency.").param(at("price"))
            );
        }
        currency = Some(price.currency.clone());
        let quantity = parse_int(&at("quantity"), &line.quantity)?;
        let quantity = match (is_metered(price), quantity) {
            (true, Some(_)) => {
                return Err(ApiError::invalid_request(format!(
                    "Quantity should not be specified where usage_type is `metered`. Remove quantity from `line_items[{i}]`."
                ))
                .param(at("quantity")))
            }
            (true, None) => None,
            (false, None) => {
                return Err(ApiError::invalid_request(format!(
                    "Quantity is required. Add `quantity` to `line_items[{i}]`."
                ))
                .code("parameter_missing")
                .param(at("quantity")))
            }
            (false, Some(q)) if !(0..=999_999).contains(&q) || (q == 0 && mode == "payment") => {
                return Err(ApiError::invalid_request(format!("Invalid quantity: {q}")).param(at("quantity")))
            }
            (false, Some(q)) => Some(q),
        };
        lines.push(SessionLineItem { price: price_id, quantity });
    }
    if mode == "subscription" && interval.is_none() {
        return Err(ApiError::invalid_request(
            "You must provide at least one recurring price in `subscription` mode when using prices.",
        )
        .param("line_items"));
    }
    Ok((lines, currency))
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("checkout_sessions", true)?;
    let params: CreateParams = parse(&body)?;
    let at = now();
    let mode = params.mode.ok_or_else(|| ApiError::missing_param("mode"))?;
    one_of("mode", &mode, MODES)?;
    let subscription_mode = mode == "subscription";
    let ui_mode = params.ui_mode.unwrap_or_else(|| "hosted_page".into());
    one_of("ui_mode", &ui_mode, UI_MODES)?;
    let hosted = ui_mode == "hosted_page";
    for (param, url) in [("success_url", &params.success_url), ("cancel_url", &params.cancel_url)] {
        if let Some(url) = url {
            if matches!(ui_mode.as_str(), "embedded_page" | "elements") {
                return Err(ApiError::invalid_request(format!("{param} is not allowed when ui_mode is {ui_mode}."))
                    .param(param));
            }
            check_url(param, url)?;
        }
    }
    if let Some(url) = &params.return_url {
        if hosted {
            return Err(ApiError::invalid_request("return_url is only allowed when ui_mode is not hosted_page.")
                .param("return_url"));
        }
        check_url("return_url", url)?;
    }
    if params.customer.is_some() && params.customer_email.is_some() {
        return Err(only_one("customer", "customer_email", "customer_email"));
    }
    if let Some(account) = &params.customer_account {
        return Err(ApiError::no_such("account", account).param("customer_account"));
    }
    if params.customer_update.is_some() && params.customer.is_none() {
        return Err(
            ApiError::invalid_request("customer_update can only be used with customer.").param("customer_update")
        );
    }
    if let Some(creation) = &params.customer_creation {
        if subscription_mode {
            return Err(ApiError::invalid_request("customer_creation can only be used in `payment` and `setup` mode.")
                .param("customer_creation"));
        }
        one_of("customer_creation", creation, COLLECTIONS)?;
    }
    if let Some(collection) = &params.payment_method_collection {
        if !subscription_mode {
            return Err(ApiError::invalid_request(
                "payment_method_collection can only be used in `subscription` mode.",
            )
            .param("payment_method_collection"));
        }
        one_of("payment_method_collection", collection, COLLECTIONS)?;
    }
    if let Some(collection) = &params.billing_address_collection {
        one_of("billing_address_collection", collection, ADDRESS_COLLECTIONS)?;
    }
    if let Some(submit) = &params.submit_type {
        if mode == "setup" {
            return Err(ApiError::invalid_request("submit_type can only be used in `payment` or `subscription` mode.")
                .param("submit_type"));
        }
        one_of("submit_type", submit, SUBMIT_TYPES)?;
    }
    if params.invoice_creation.is_some() && mode != "payment" {
        return Err(
            ApiError::invalid_request("invoice_creation can only be used in `payment` mode.").param("invoice_creation")
        );
    }
    if params.payment_intent_data.is_some() && mode != "payment" {
        return Err(ApiError::invalid_request("payment_intent_data can only be used in `payment` mode.")
            .param("payment_intent_data"));
    }
    if params.setup_intent_data.is_some() && mode != "setup" {
        return Err(
            ApiError::invalid_request("setup_intent_data can only be used in `setup` mode.").param("setup_intent_data")
        );
    }
    if params.client_reference_id.as_ref().is_some_and(|r| r.chars().count() > 200) {
        return Err(ApiError::invalid_request("client_reference_id can be at most 200 characters long.")
            .param("client_reference_id"));
    }
    let allow_promotion_codes = parse_bool("allow_promotion_codes", &params.allow_promotion_codes)?;
    if allow_promotion_codes.is_some() && params.discounts.is_some() {
        return Err(only_one("allow_promotion_codes", "discounts", "discounts"));
    }
    let expires_at = match parse_int("expires_at", &params.expires_at)? {
        None => at + MAX_EXPIRY,
        Some(when) if when < at + MIN_EXPIRY => {
            return Err(ApiError::invalid_request(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            )
            .param("expires_at"))
        }
        Some(when) if when > at + MAX_EXPIRY => {
            return Err(ApiError::invalid_request(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            )
            .param("expires_at"))
        }
        Some(when) => when,
    };
    let metadata = params.metadata.unwrap_or_default();
    check_metadata(&metadata)?;
    let (mut subscription_metadata, mut description, mut trial_days, mut trial_end) =
        (BTreeMap::new(), None, None, None);
    if let Some(data) = params.subscription_data {
        if !subscription_mode {
            return Err(ApiError::invalid_request("subscription_data can only be used in `subscription` mode.")
                .param("subscription_data"));
        }
        subscription_metadata = data.metadata.unwrap_or_default();
        check_metadata(&subscription_metadata)?;
        description = data.description;
        trial_days = parse_int("subscription_data[trial_period_days]", &data.trial_period_days)?;
        trial_end = parse_int("subscription_data[trial_end]", &data.trial_end)?;
        if trial_days.is_some() && trial_end.is_some() {
            return Err(only_one(
                "subscription_data[trial_end]",
                "subscription_data[trial_period_days]",
                "subscription_data[trial_end]",
            ));
        }
        if trial_days.is_some_and(|d| !(1..=730).contains(&d)) {
            return Err(ApiError::invalid_request("trial_period_days must be between 1 and 730.")
                .param("subscription_data[trial_period_days]"));
        }
        if trial_end.is_some_and(|end| end < at + 2 * 86_400) {
            return Err(ApiError::invalid_request("The `trial_end` date has to be at least 2 days in the future.")
                .param("subscription_data[trial_end]"));
        }
        if let Some(rate) = data.default_tax_rates.as_ref().and_then(|r| r.first()) {
            return Err(ApiError::no_such("tax_rate", rate).param("subscription_data[default_tax_rates][0]"));
        }
    }
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    if let Some(customer) = &params.customer {
        if !data.customers.iter().any(|c| &c.id == customer && !c.deleted) {
            return Err(ApiError::no_such("customer", customer).param("customer"));
        }
    }
    let (lines, price_currency) = check_lines(&mode, params.line_items, data)?;
    let currency = price_currency.or(params.currency.map(|c| c.to_lowercase()));
    let discounts: Vec<SessionDiscount> = match params.discounts {
        None => vec![],
        Some(list) if list.len() > 1 => {
            return Err(ApiError::invalid_request("You may only specify one discount.").param("discounts"))
        }
        Some(list) => list
            .into_iter()
            .map(|d| match (d.coupon, d.promotion_code) {
                (Some(_), Some(_)) => Err(only_one("coupon", "promotion_code", "discounts[0]")),
                (None, None) => Err(ApiError::invalid_request("You must specify either coupon or promotion_code.")
                    .param("discounts[0]")),
                (coupon, promotion_code) => Ok(SessionDiscount { coupon, promotion_code }),
            })
            .collect::<ApiResult<_>>()?,
    };
    if !discounts.is_empty() && mode == "setup" {
        return Err(ApiError::invalid_request("discounts cannot be used in setup mode.").param("discounts"));
    }
    let trial = trial_days.is_some() || trial_end.is_some();
    let currency_code = currency.clone().unwrap_or_default();
    let undiscounted: i64 = priced_lines(&lines, data, trial, None, &currency_code).iter().map(|(a, _)| a).sum();
    let coupon = match discounts.first() {
        None => None,
        Some(SessionDiscount { coupon: Some(id), .. }) => {
            let param = "discounts[0][coupon]";
            let coupon = data
                .coupons
                .iter()
                .find(|c| &c.id == id)
                .ok_or_else(|| ApiError::no_such("coupon", id).param(param))?;
            if let Some(error) = coupon.refusal(at, param) {
                return Err(error);
            }
            Some(coupon)
        }
        Some(SessionDiscount { promotion_code: Some(id), .. }) => {
            let param = "discounts[0][promotion_code]";
            let code = data
                .promotion_codes
                .iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| ApiError::no_such("promotion_code", id).param(param))?;
            if let Some(error) =
                code.refusal(&data.coupons, at, params.customer.as_deref(), undiscounted, &currency_code, param)
            {
                return Err(error);
            }
            data.coupons.iter().find(|c| c.id == code.coupon)
        }
        Some(_) => None,
    };
    if let Some(coupon) = coupon {
        if coupon.amount_off.is_some()
            && coupon.currency.as_deref() != Some(currency_code.as_str())
            && !coupon.currency_options.contains_key(&currency_code)
        {
            return Err(ApiError::invalid_request(format!(
                "The coupon `{}` is in {} and cannot be applied to a Checkout Session in {currency_code}.",
                coupon.id,
                coupon.currency.clone().unwrap_or_default()
            ))
            .param("discounts[0]"));
        }
    }
    let priced = priced_lines(&lines, data, trial, coupon, &currency_code);
    let subtotal: i64 = priced.iter().map(|(a, _)| a).sum();
    let discount: i64 = priced.iter().map(|(_, d)| d).sum();
    let id = session_id(caller.livemode);
    let (url, client_secret) = if hosted {
        (Some(format!("https://checkout.stripe.com/c/pay/{id}#fid{}", random_alnum(60))), None)
    } else {
        (None, Some(format!("{id}_secret_{}", random_alnum(24))))
    };
    let customer_details = params.customer_email.as_ref().map(|email| customer_details(email, false, false));
    let session = CheckoutSession {
        id,
        created: at,
        livemode: caller.livemode,
        mode: mode.clone(),
        ui_mode,
        status: "open".into(),
        payment_status: "unpaid".into(),
        expires_at,
        currency,
        customer: params.customer,
        customer_email: params.customer_email,
        customer_creation: params.customer_creation,
        customer_details,
        collected_information: None,
        subscription: None,
        invoice: None,
        line_items: lines,
        discounts,
        allow_promotion_codes,
        payment_method_collection: params.payment_method_collection,
        metadata,
        subscription_metadata,
        subscription_description: description,
        trial_period_days: trial_days,
        trial_end,
        amount_subtotal: (mode != "setup").then_some(subtotal),
        amount_total: (mode != "setup").then_some(subtotal - discount),
        amount_discount: discount,
        url,
        client_secret,
        success_url: params.success_url,
        cancel_url: params.cancel_url,
        return_url: params.return_url,
        client_reference_id: params.client_reference_id,
        locale: params.locale,
        billing_address_collection: params.billing_address_collection,
        submit_type: params.submit_type,
        payment_method: None,
    };
    let answer = session.render(at);
    data.checkout_sessions.push(session);
    Ok(Json(answer))
}

/// `customer_details` for `email`, before (`completed` false: only the email given) or after
/// completion; with a card, the billing country and postal code Checkout collects with it.
fn customer_details(email: &str, card: bool, completed: bool) -> Value {
    let address = card.then(|| {
        json!({ "city": null, "country": "US", "line1": null, "line2": null, "postal_code": "10001", "state": null })
    });
    json!({
        "address": address,
        "business_name": null,
        "email": email,
        "individual_name": null,
        "name": null,
        "phone": null,
        "tax_exempt": "none",
        "tax_ids": completed.then(Vec::<Value>::new),
    })
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("checkout_sessions", false)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.checkout_sessions
        .iter()
        .find(|s| s.id == id)
        .map(|s| Json(s.render(at)))
        .ok_or_else(|| ApiError::no_such("checkout.session", &id))
}

pub async fn expire(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("checkout_sessions", true)?;
    let _: RetrieveParams = parse(&body)?;
    let at = now();
    let expired = {
        let mut state = state.lock().unwrap();
        let data = state.mode(&caller.account_id, caller.livemode);
        let session = data
            .checkout_sessions
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| ApiError::no_such("checkout.session", &id))?;
        let status = session.status_at(at).to_string();
        if status != "open" {
            return Err(ApiError::invalid_request(format!(
                "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{status}\"."
            )));
        }
        session.status = "expired".into();
        session.render(at)
    };
    let request = event_request(&request_id, &headers);
    let event = vec![("checkout.session.expired", expired.clone())];
    crate::delivery::record_and_deliver(&state, &caller.account_id, caller.livemode, event, request).await;
    Ok(Json(expired))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerDetailsParams {
    email: Option<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    created: Option<Created>,
    customer: Option<String>,
    customer_account: Option<String>,
    customer_details: Option<CustomerDetailsParams>,
    expand: Option<Vec<String>>,
    payment_intent: Option<String>,
    payment_link: Option<String>,
    status: Option<String>,
    subscription: Option<String>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("checkout_sessions", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    if let Some(status) = &params.status {
        one_of("status", status, &["complete", "expired", "open"])?;
    }
    let email = match params.customer_details {
        Some(details) => Some(details.email.ok_or_else(|| ApiError::missing_param("customer_details[email]"))?),
        None => None,
    };
    let bounds = created_bounds(&params.created)?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&CheckoutSession> = data
        .checkout_sessions
        .iter()
        .rev()
        .filter(|s| params.status.as_ref().is_none_or(|st| s.status_at(at) == st))
        .filter(|s| params.customer.as_ref().is_none_or(|c| s.customer.as_ref() == Some(c)))
        .filter(|s| params.subscription.as_ref().is_none_or(|c| s.subscription.as_ref() == Some(c)))
        .filter(|s| {
            email.as_ref().is_none_or(|e| s.customer_details.as_ref().is_some_and(|d| d["email"] == e.as_str()))
        })
        // The stand-in makes no payment intents, payment links or customer accounts.
        .filter(|_| params.payment_intent.is_none() && params.payment_link.is_none())
        .filter(|_| params.customer_account.is_none())
        .filter(|s| within(s.created, &bounds))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |s| s.id.as_str(), &page)?;
    let rendered: Vec<Value> = window.iter().map(|s| s.render(at)).collect();
    Ok(Json(envelope("/v1/checkout/sessions", has_more, rendered)))
}

// ---- completion ----

/// Completes open session `session_id` of the account's mode as a customer would on Stripe's
/// page, in Stripe's order, and delivers the events it causes (each automatic: `request.id`
/// null; each carrying its object as it was at that moment): `customer.created` (a new
/// customer, `email` = `customer_email`; none when the session names an existing customer),
/// `customer.subscription.created` (active — trialing with a trial —, `metadata` =
/// `subscription_data[metadata]`, with the session's prices and discount),
/// `invoice.created` (draft), `invoice.finalized` (open), `invoice.paid`,
/// `checkout.session.completed` (the whole completed session: `customer`, `subscription`,
/// `invoice`, `payment_status` `no_payment_required` for $0 else `paid`, `customer_details`).
///
/// Payment, as Stripe decides it: with `payment_method_collection=if_required` and a $0 first
/// invoice nothing is collected; otherwise the customer enters a card (a made-up `pm_…`, the
/// subscription's `default_payment_method`) and the invoice is paid with it. The promotion
/// code and its coupon (or the coupon) are redeemed (`times_redeemed` + 1); one that can no
/// longer be redeemed (another completion took its last redemption, its coupon was deleted or
/// passed `redeem_by`) refuses the completion, as Checkout would.
///
/// Refused with a message: an unknown session, one not open (complete, expired — also by the
/// clock), and a session not in `subscription` mode (the stand-in completes those only).
pub async fn complete(
    state: &Shared,
    account_id: &str,
    livemode: bool,
    session_id: &str,
) -> Result<CheckoutCompletion, String> {
    let (customer, subscription, invoice, events) = {
        let mut guard = state.lock().unwrap();
        let at = guard.now();
        let (account_name, account_country) = guard
            .accounts
            .get(account_id)
            .map(|a| (Some(a.display_name.clone()), a.country.clone()))
            .unwrap_or((None, "US".into()));
        let data = guard.mode(account_id, livemode);
        let outcome = complete_in(data, account_id, livemode, session_id, at, account_name, &account_country)?;
        guard.persist();
        outcome
    };
    let deliveries =
        crate::delivery::record_and_deliver(state, account_id, livemode, events, EventRequest::default()).await;
    Ok(CheckoutCompletion { customer, subscription, invoice, deliveries })
}

type Completed = (String, String, String, Vec<(&'static str, Value)>);

/// The completion's changes to `data`; the events to record, in order.
fn complete_in(
    data: &mut ModeData,
    account_id: &str,
    livemode: bool,
    session_id: &str,
    at: i64,
    account_name: Option<String>,
    account_country: &str,
) -> Result<Completed, String> {
    let index = data
        .checkout_sessions
        .iter()
        .position(|s| s.id == session_id)
        .ok_or_else(|| format!("No such checkout.session: '{session_id}'"))?;
    let session = data.checkout_sessions[index].clone();
    let status = session.status_at(at);
    if status != "open" {
        return Err(format!("The Checkout Session {session_id} is {status}: only an open session can be completed."));
    }
    if session.mode != "subscription" {
        return Err(format!(
            "The Checkout Session {session_id} is in {} mode: the stand-in completes subscription-mode sessions only.",
            session.mode
        ));
    }
    let currency = session.currency.clone().unwrap_or_else(|| "usd".into());
    // The discount must still be redeemable now.
    let discount = session.discounts.first();
    let promotion = discount.and_then(|d| d.promotion_code.clone());
    let coupon_id = match (discount, &promotion) {
        (Some(SessionDiscount { coupon: Some(c), .. }), _) => Some(c.clone()),
        (_, Some(code)) => {
            let code = data
                .promotion_codes
                .iter()
                .find(|p| &p.id == code)
                .ok_or_else(|| format!("The promotion code {code} no longer exists."))?;
            let undiscounted = session.amount_subtotal.unwrap_or(0);
            if let Some(error) =
                code.refusal(&data.coupons, at, session.customer.as_deref(), undiscounted, &currency, "promotion_code")
            {
                return Err(format!("The promotion code {} can no longer be redeemed: {}", code.code, error.message));
            }
            Some(code.coupon.clone())
        }
        _ => None,
    };
    if let Some(id) = &coupon_id {
        let coupon =
            data.coupons.iter().find(|c| &c.id == id).ok_or_else(|| format!("The coupon {id} was deleted."))?;
        if let Some(error) = coupon.refusal(at, "coupon") {
            return Err(format!("The coupon {id} can no longer be redeemed: {}", error.message));
        }
    }
    let trial_end = match (session.trial_period_days, session.trial_end) {
        (Some(days), _) => Some(at + days * 86_400),
        (None, end) => end,
    };
    let coupon = coupon_id.as_ref().and_then(|id| data.coupons.iter().find(|c| &c.id == id));
    let priced = priced_lines(&session.line_items, data, trial_end.is_some(), coupon, &currency);
    let total: i64 = priced.iter().map(|(a, d)| a - d).sum();
    let needs_card = session.payment_method_collection.as_deref() != Some("if_required") || total > 0;
    let payment_method = needs_card.then(|| format!("pm_{}", random_alnum(24)));

    let mut events: Vec<(&'static str, Value)> = Vec::new();
    // The customer: the session's, or a new one with the email given.
    let customer_index = match &session.customer {
        Some(id) => data
            .customers
            .iter()
            .position(|c| &c.id == id && !c.deleted)
            .ok_or_else(|| format!("The session's customer {id} was deleted."))?,
        None => {
            let email = session
                .customer_email
                .clone()
                .unwrap_or_else(|| format!("customer.{}@example.com", random_alnum(8).to_lowercase()));
            let customer = Customer::new(new_id("cus"), at, livemode, Some(email));
            events.push(("customer.created", customer.render()));
            data.customers.push(customer);
            data.customers.len() - 1
        }
    };
    let email = data.customers[customer_index].email.clone().unwrap_or_default();
    let customer_id = data.customers[customer_index].id.clone();
    if data.customers[customer_index].currency.is_none() {
        data.customers[customer_index].currency = Some(currency.clone());
    }
    let number = data.customers[customer_index].take_invoice_number();

    let (subscription_id, invoice_id) = (format!("sub_{}", random_alnum(24)), format!("in_{}", random_alnum(24)));
    let discount_id = coupon_id.as_ref().map(|_| format!("di_{}", random_alnum(24)));
    let metadata = json!(session.subscription_metadata);
    let mut items = Vec::new();
    let mut lines = Vec::new();
    for (line, (amount, off)) in session.line_items.iter().zip(&priced) {
        let price = data.prices.iter().find(|p| p.id == line.price).ok_or("a price of the session is gone")?;
        let product_name =
            data.products.iter().find(|p| p.id == price.product).map(|p| p.name.clone()).unwrap_or_default();
        let rendered = price.render(&[]);
        let item_id = format!("si_{}", random_alnum(14));
        let (mut period_start, mut period_end) = (at, at);
        if let Some(recurring) = &price.recurring {
            let seed = stripe_spec::objects::SubscriptionSeed {
                id: &subscription_id,
                item_id: &item_id,
                customer: &customer_id,
                created: at,
                livemode,
                status: "active",
                metadata: metadata.clone(),
                price: rendered.clone(),
                quantity: line.quantity.unwrap_or(1).max(0) as u64,
            };
            let mut item = stripe_spec::objects::subscription(&seed)["items"]["data"][0].clone();
            period_end = stripe_spec::objects::period_end(at, &recurring.interval, recurring.interval_count as u64);
            if let Some(end) = trial_end {
                period_end = end;
                item["current_period_end"] = json!(end);
            }
            period_start = at;
            items.push(item);
        }
        lines.push(Line {
            subscription_item: item_id,
            price: price.id.clone(),
            product: price.product.clone(),
            product_name: if trial_end.is_some() && price.recurring.is_some() {
                format!("Trial period for {product_name}")
            } else {
                product_name
            },
            interval: price.recurring.as_ref().map(|r| r.interval.clone()).unwrap_or_else(|| "once".into()),
            unit_amount_decimal: price.unit_amount_decimal.clone(),
            quantity: line.quantity.unwrap_or(0),
            amount: *amount,
            discount: *off,
            period_start,
            period_end,
            description: None,
            proration: false,
        });
    }
    let first_price = data
        .prices
        .iter()
        .find(|p| p.recurring.is_some() && session.line_items.iter().any(|l| l.price == p.id))
        .ok_or("the session has no recurring price")?
        .render(&[]);
    let mut subscription = stripe_spec::objects::subscription(&stripe_spec::objects::SubscriptionSeed {
        id: &subscription_id,
        item_id: "si_unused",
        customer: &customer_id,
        created: at,
        livemode,
        status: if trial_end.is_some() { "trialing" } else { "active" },
        metadata: metadata.clone(),
        price: first_price,
        quantity: 1,
    });
    subscription["items"]["data"] = json!(items);
    subscription["items"]["has_more"] = json!(false);
    subscription["latest_invoice"] = json!(invoice_id);
    subscription["default_payment_method"] = json!(payment_method);
    subscription["description"] = json!(session.subscription_description);
    if let Some(discount) = &discount_id {
        subscription["discounts"] = json!([discount]);
    }
    if let Some(end) = trial_end {
        subscription["trial_start"] = json!(at);
        subscription["trial_end"] = json!(end);
        subscription["billing_cycle_anchor"] = json!(end);
    } else {
        subscription["billing_cycle_anchor"] = json!(at);
    }
    events.push(("customer.subscription.created", subscription.clone()));

    let customer = data.customers[customer_index].clone();
    let mut invoice = invoices::draft(&FirstInvoice {
        id: &invoice_id,
        created: at,
        livemode,
        currency: &currency,
        account_name: account_name.as_deref(),
        account_country,
        customer: &customer,
        subscription: &subscription_id,
        subscription_metadata: &metadata,
        discount: discount_id.as_deref(),
        default_payment_method: None,
        lines,
    });
    events.push(("invoice.created", invoice.clone()));
    invoices::finalize(&mut invoice, at, &number, account_id);
    events.push(("invoice.finalized", invoice.clone()));
    invoices::pay(&mut invoice, at, total > 0);
    events.push(("invoice.paid", invoice.clone()));

    // Redemptions.
    if let Some(code) = &promotion {
        if let Some(code) = data.promotion_codes.iter_mut().find(|p| &p.id == code) {
            code.times_redeemed += 1;
        }
    }
    if let Some(id) = &coupon_id {
        if let Some(coupon) = data.coupons.iter_mut().find(|c| &c.id == id) {
            coupon.times_redeemed += 1;
        }
    }

    let stored = &mut data.checkout_sessions[index];
    stored.status = "complete".into();
    stored.payment_status = if total == 0 { "no_payment_required" } else { "paid" }.into();
    stored.customer = Some(customer_id.clone());
    stored.subscription = Some(subscription_id.clone());
    stored.invoice = Some(invoice_id.clone());
    stored.amount_total = Some(total);
    stored.customer_details = Some(customer_details(&email, payment_method.is_some(), true));
    stored.collected_information =
        Some(json!({ "business_name": null, "individual_name": null, "shipping_details": null }));
    stored.payment_method = payment_method;
    events.push(("checkout.session.completed", stored.render(at)));

    data.subscriptions.push(subscription);
    data.invoices.push(invoice);
    Ok((customer_id, subscription_id, invoice_id, events))
}

/// `POST /_standin/checkout/sessions/{id}/complete` (test routes only): [`complete`] for the
/// caller's account and mode; answers `{customer, subscription, invoice}`, 404 for an unknown
/// session, 400 with the reason for one that cannot be completed.
pub(crate) async fn complete_over_http(state: &Shared, caller: &Caller, session_id: &str) -> Response {
    let known = state
        .lock()
        .unwrap()
        .mode(&caller.account_id, caller.livemode)
        .checkout_sessions
        .iter()
        .any(|s| s.id == session_id);
    if !known {
        return ApiError::no_such("checkout.session", session_id).into_response();
    }
    match complete(state, &caller.account_id, caller.livemode, session_id).await {
        Ok(done) => Json(json!({
            "customer": done.customer,
            "subscription": done.subscription,
            "invoice": done.invoice,
        }))
        .into_response(),
        Err(message) => ApiError::invalid_request(message).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(up_to: Option<i64>, unit: i64, flat: i64) -> Tier {
        Tier {
            flat_amount: Some(flat),
            flat_amount_decimal: None,
            unit_amount: Some(unit),
            unit_amount_decimal: None,
            up_to,
        }
    }

    #[test]
    fn tiers_price_as_stripe_bills_them() {
        let tiers = [tier(Some(5), 100, 0), tier(None, 50, 200)];
        assert_eq!(tiered_amount(&tiers, Some("graduated"), 3), 300);
        assert_eq!(tiered_amount(&tiers, Some("graduated"), 7), 500 + 200 + 100);
        assert_eq!(tiered_amount(&tiers, Some("volume"), 7), 200 + 350);
        assert_eq!(tiered_amount(&tiers, Some("volume"), 5), 500);
    }
}
