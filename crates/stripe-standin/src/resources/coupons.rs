//! `coupons`: create, retrieve, update (`name`, `metadata`, `currency_options`), delete and
//! list (filter `created`), rendering every field of the typings' `Coupon`
//! (`stripe_spec::objects::coupon`; `applies_to` and `currency_options` only when expanded).
//!
//! Create takes `CouponCreateParams` and refuses what Stripe refuses: both or neither of
//! `percent_off` and `amount_off`, a `percent_off` outside (0, 100], `amount_off` without
//! `currency` (or `currency_options` without `amount_off`), a `duration` other than
//! `once`/`repeating`/`forever` (default `once`), `duration_in_months` missing for
//! `repeating` or given for another duration, `max_redemptions` below 1, a `redeem_by` not in
//! the future or more than five years away, a `name` over 40 characters, an `id` already
//! taken, and `applies_to[products]` naming a product that does not exist. `times_redeemed`
//! counts redemptions (Checkout completion); `valid` turns false once `max_redemptions` is
//! reached or `redeem_by` has passed, by the stand-in's clock. A deleted coupon is gone
//! (retrieve: 404), while what it discounted keeps its discount, as Stripe documents.

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_int, Param};
use crate::ids::{now, random_alnum};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::resources::events::{created_bounds, Created};
use crate::resources::prices::SUPPORTED_CURRENCIES;
use crate::state::{check_metadata, merge_metadata, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Stripe's limit on how far ahead `redeem_by` may be: five years.
const MAX_REDEEM_AHEAD: i64 = 5 * 366 * 86_400;
const DURATIONS: &[&str] = &["forever", "once", "repeating"];

/// A coupon, as the stand-in keeps it; [`Coupon::render`] gives Stripe's object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coupon {
    pub id: String,
    pub created: i64,
    pub livemode: bool,
    pub amount_off: Option<i64>,
    pub currency: Option<String>,
    /// `amount_off` in other currencies.
    pub currency_options: BTreeMap<String, i64>,
    pub percent_off: Option<f64>,
    pub duration: String,
    pub duration_in_months: Option<i64>,
    pub max_redemptions: Option<i64>,
    pub redeem_by: Option<i64>,
    pub times_redeemed: i64,
    pub metadata: BTreeMap<String, String>,
    pub name: Option<String>,
    /// The products it is limited to (`applies_to.products`), if any.
    pub applies_to: Option<Vec<String>>,
}

impl Coupon {
    /// Whether it can still be applied at `now`: fewer than `max_redemptions` redemptions and
    /// `redeem_by` not passed.
    pub fn valid_at(&self, now: i64) -> bool {
        self.max_redemptions.is_none_or(|max| self.times_redeemed < max) && self.redeem_by.is_none_or(|by| now <= by)
    }

    /// Stripe's refusal to apply it at `now` (naming `param`), if it cannot be.
    pub(crate) fn refusal(&self, now: i64, param: &str) -> Option<ApiError> {
        if self.valid_at(now) {
            return None;
        }
        let why = if self.redeem_by.is_some_and(|by| now > by) {
            "its redeem_by date has passed"
        } else {
            "it has reached its max_redemptions"
        };
        Some(
            ApiError::invalid_request(format!("This coupon is no longer valid ({why}): {}", self.id))
                .code("coupon_expired")
                .param(param),
        )
    }

    /// What it takes off `amount` (in `currency`): its percentage (rounded half up, as Stripe
    /// rounds) or its `amount_off` in that currency, never more than `amount`.
    pub(crate) fn discount_on(&self, amount: i64, currency: &str) -> i64 {
        let off = match (self.percent_off, self.amount_off) {
            (Some(percent), _) => ((amount as f64) * percent / 100.0).round() as i64,
            (None, Some(off)) if self.currency.as_deref() == Some(currency) => off,
            (None, Some(_)) => self.currency_options.get(currency).copied().unwrap_or(0),
            (None, None) => 0,
        };
        off.clamp(0, amount)
    }

    /// The object Stripe answers at `now`, with what `expand` asks for.
    pub fn render(&self, now: i64, expand: &[String]) -> Value {
        let mut value = stripe_spec::objects::coupon(&json!({
            "id": self.id,
            "amount_off": self.amount_off,
            "created": self.created,
            "currency": self.currency,
            "duration": self.duration,
            "duration_in_months": self.duration_in_months,
            "livemode": self.livemode,
            "max_redemptions": self.max_redemptions,
            "metadata": self.metadata,
            "name": self.name,
            "percent_off": self.percent_off,
            "redeem_by": self.redeem_by,
            "times_redeemed": self.times_redeemed,
            "valid": self.valid_at(now),
        }));
        let asked = |field: &str| expand.iter().any(|e| e == field || *e == format!("data.{field}"));
        if asked("applies_to") {
            value["applies_to"] = json!({ "products": self.applies_to.clone().unwrap_or_default() });
        }
        if asked("currency_options") {
            let options: BTreeMap<&String, Value> =
                self.currency_options.iter().map(|(code, off)| (code, json!({ "amount_off": off }))).collect();
            value["currency_options"] = json!(options);
        }
        value
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppliesToParams {
    products: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CurrencyOptionParams {
    amount_off: Option<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    amount_off: Option<String>,
    applies_to: Option<AppliesToParams>,
    currency: Option<String>,
    currency_options: Option<BTreeMap<String, CurrencyOptionParams>>,
    duration: Option<String>,
    duration_in_months: Option<String>,
    expand: Option<Vec<String>>,
    id: Option<String>,
    max_redemptions: Option<String>,
    #[serde(default)]
    metadata: Param<BTreeMap<String, String>>,
    name: Option<String>,
    percent_off: Option<String>,
    redeem_by: Option<String>,
}

/// A positive integer parameter (`max_redemptions`, `duration_in_months`, `amount_off`).
fn positive(param: &str, raw: &Option<String>) -> ApiResult<Option<i64>> {
    match parse_int(param, raw)? {
        Some(n) if n < 1 => Err(ApiError::invalid_request(format!(
            "Invalid positive integer: {param} must be a positive integer, but {n} was given."
        ))
        .code("parameter_invalid_integer")
        .param(param)),
        other => Ok(other),
    }
}

fn check_currency(param: &str, code: &str) -> ApiResult<()> {
    if SUPPORTED_CURRENCIES.contains(&code) {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "Invalid currency: {code}. Stripe currently supports these currencies: {}",
            SUPPORTED_CURRENCIES.join(", ")
        ))
        .param(param))
    }
}

fn check_name(name: &str) -> ApiResult<()> {
    if name.chars().count() > 40 {
        return Err(ApiError::invalid_request(format!(
            "Invalid name: must be at most 40 characters, but {} were given.",
            name.chars().count()
        ))
        .param("name"));
    }
    Ok(())
}

fn currency_options(
    raw: Option<BTreeMap<String, CurrencyOptionParams>>,
    into: &mut BTreeMap<String, i64>,
) -> ApiResult<()> {
    for (code, option) in raw.unwrap_or_default() {
        let param = format!("currency_options[{code}][amount_off]");
        check_currency(&format!("currency_options[{code}]"), &code)?;
        let off = positive(&param, &option.amount_off)?.ok_or_else(|| ApiError::missing_param(&param))?;
        into.insert(code, off);
    }
    Ok(())
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("coupons", true)?;
    let params: CreateParams = parse(&body)?;
    let at = now();
    let percent_off = match &params.percent_off {
        None => None,
        Some(raw) => {
            let value: f64 = raw
                .parse()
                .map_err(|_| ApiError::invalid_request(format!("Invalid decimal: {raw}")).param("percent_off"))?;
            if !(value > 0.0 && value <= 100.0) {
                return Err(ApiError::invalid_request(
                    "Invalid percent_off: must be greater than 0 and less than or equal to 100.",
                )
                .param("percent_off"));
            }
            Some(value)
        }
    };
    let amount_off = positive("amount_off", &params.amount_off)?;
    match (percent_off, amount_off) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_request(
                "You may only specify one of these parameters: amount_off, percent_off.",
            )
            .param("amount_off"))
        }
        (None, None) => {
            return Err(ApiError::invalid_request("Must provide either amount_off or percent_off.").param("percent_off"))
        }
        _ => {}
    }
    let currency = params.currency.map(|c| c.to_lowercase());
    if let Some(code) = &currency {
        check_currency("currency", code)?;
    }
    if amount_off.is_some() && currency.is_none() {
        return Err(ApiError::invalid_request("You must pass currency when passing amount_off.").param("currency"));
    }
    let mut options = BTreeMap::new();
    if params.currency_options.is_some() && amount_off.is_none() {
        return Err(ApiError::invalid_request("currency_options can only be set on a coupon with amount_off.")
            .param("currency_options"));
    }
    currency_options(params.currency_options, &mut options)?;
    let duration = params.duration.unwrap_or_else(|| "once".into());
    if !DURATIONS.contains(&duration.as_str()) {
        return Err(ApiError::not_one_of("duration", DURATIONS));
    }
    let months = positive("duration_in_months", &params.duration_in_months)?;
    match (duration.as_str(), months) {
        ("repeating", None) => return Err(ApiError::missing_param("duration_in_months")),
        ("repeating", Some(_)) => {}
        (_, Some(_)) => {
            return Err(ApiError::invalid_request("duration_in_months can only be set when duration is repeating.")
                .param("duration_in_months"))
        }
        (_, None) => {}
    }
    let max_redemptions = positive("max_redemptions", &params.max_redemptions)?;
    let redeem_by = parse_int("redeem_by", &params.redeem_by)?;
    if let Some(by) = redeem_by {
        if by <= at {
            return Err(ApiError::invalid_request("Invalid redeem_by: must be in the future.").param("redeem_by"));
        }
        if by > at + MAX_REDEEM_AHEAD {
            return Err(ApiError::invalid_request(
                "Invalid redeem_by: cannot be set to more than 5 years in the future.",
            )
            .param("redeem_by"));
        }
    }
    if let Some(name) = &params.name {
        check_name(name)?;
    }
    let mut metadata = BTreeMap::new();
    if let Param::Given(given) = params.metadata {
        merge_metadata(&mut metadata, given);
    }
    check_metadata(&metadata)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let applies_to = match params.applies_to.and_then(|a| a.products) {
        None => None,
        Some(products) => {
            for (i, product) in products.iter().enumerate() {
                if !data.products.iter().any(|p| &p.id == product) {
                    return Err(ApiError::no_such("product", product).param(format!("applies_to[products][{i}]")));
                }
            }
            Some(products)
        }
    };
    let id = match params.id {
        Some(id) if id.is_empty() => return Err(ApiError::invalid_value("id", "Invalid id: cannot be empty.")),
        Some(id) => {
            if data.coupons.iter().any(|c| c.id == id) {
                return Err(ApiError::invalid_request("Coupon already exists.")
                    .code("resource_already_exists")
                    .param("id"));
            }
            id
        }
        None => random_alnum(8),
    };
    let coupon = Coupon {
        id,
        created: at,
        livemode: caller.livemode,
        amount_off,
        currency: if amount_off.is_some() { currency } else { None },
        currency_options: options,
        percent_off,
        duration,
        duration_in_months: months,
        max_redemptions,
        redeem_by,
        times_redeemed: 0,
        metadata,
        name: params.name,
        applies_to,
    };
    let expand = params.expand.unwrap_or_default();
    let answer = coupon.render(at, &expand);
    data.coupons.push(coupon);
    Ok(Json(answer))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("coupons", false)?;
    let params: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let coupon = data.coupons.iter().find(|c| c.id == id).ok_or_else(|| ApiError::no_such("coupon", &id))?;
    Ok(Json(coupon.render(at, &params.expand.unwrap_or_default())))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateParams {
    currency_options: Option<BTreeMap<String, CurrencyOptionParams>>,
    expand: Option<Vec<String>>,
    #[serde(default)]
    metadata: Param<BTreeMap<String, String>>,
    name: Option<String>,
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("coupons", true)?;
    let params: UpdateParams = parse(&body)?;
    if let Some(name) = &params.name {
        check_name(name)?;
    }
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let coupon = data.coupons.iter_mut().find(|c| c.id == id).ok_or_else(|| ApiError::no_such("coupon", &id))?;
    if params.currency_options.is_some() && coupon.amount_off.is_none() {
        return Err(ApiError::invalid_request("currency_options can only be set on a coupon with amount_off.")
            .param("currency_options"));
    }
    let mut options = coupon.currency_options.clone();
    currency_options(params.currency_options, &mut options)?;
    let mut metadata = coupon.metadata.clone();
    match params.metadata {
        Param::Empty => metadata.clear(),
        Param::Given(update) => merge_metadata(&mut metadata, update),
        Param::Absent => {}
    }
    check_metadata(&metadata)?;
    coupon.currency_options = options;
    coupon.metadata = metadata;
    if let Some(name) = params.name {
        coupon.name = Some(name);
    }
    Ok(Json(coupon.render(at, &params.expand.unwrap_or_default())))
}

pub async fn delete(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("coupons", true)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let before = data.coupons.len();
    data.coupons.retain(|c| c.id != id);
    if data.coupons.len() == before {
        return Err(ApiError::no_such("coupon", &id));
    }
    Ok(Json(stripe_spec::objects::deleted_coupon(&id)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    created: Option<Created>,
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
    caller.require("coupons", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let bounds = created_bounds(&params.created)?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&Coupon> =
        data.coupons.iter().rev().filter(|c| crate::resources::events::within(c.created, &bounds)).collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |c| c.id.as_str(), &page)?;
    let expand = params.expand.unwrap_or_default();
    let rendered: Vec<Value> = window.iter().map(|c| c.render(at, &expand)).collect();
    Ok(Json(envelope("/v1/coupons", has_more, rendered)))
}
