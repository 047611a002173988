//! `promotion_codes`: create, retrieve, update (`active`, `metadata`,
//! `restrictions[currency_options]`) and list (filters `active`, `code`, `coupon`,
//! `customer`, `created`), rendering every field of the typings' `PromotionCode`
//! (`stripe_spec::objects::promotion_code`).
//!
//! At this API version a code points at its coupon through `promotion[type]=coupon` and
//! `promotion[coupon]=<id>` (`PromotionCodeCreateParams.Promotion`); the typings have no
//! top-level `coupon` any more, so one is refused as an unknown parameter, as Stripe refuses
//! it at this version. Create also refuses a coupon that does not exist or is no longer
//! valid, a `code` with characters other than a-z, A-Z, 0-9 and `-`, a `code` an active code
//! (of the same customer, or of none) already has regardless of case, an unknown `customer`,
//! `max_redemptions` below 1 or above the coupon's, an `expires_at` not in the future or after
//! the coupon's `redeem_by`, and `minimum_amount` without `minimum_amount_currency`. Without
//! `code` Stripe makes one up. `active` reads false while the coupon is not valid (deleted,
//! redeemed out, past `redeem_by`), as the typings say; reactivating a code that could not be
//! redeemed is refused. `times_redeemed` counts Checkout completions that used it.

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int, Param};
use crate::ids::{now, random_alnum};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::resources::coupons::Coupon;
use crate::resources::events::{created_bounds, within, Created};
use crate::state::{check_metadata, merge_metadata, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A promotion code, as the stand-in keeps it; [`PromotionCode::render`] gives Stripe's object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PromotionCode {
    pub id: String,
    pub code: String,
    pub created: i64,
    pub livemode: bool,
    /// As set (create's `active`, updates); what Stripe shows also needs a valid coupon.
    pub active: bool,
    /// `promotion.coupon`.
    pub coupon: String,
    pub customer: Option<String>,
    pub expires_at: Option<i64>,
    pub max_redemptions: Option<i64>,
    pub metadata: BTreeMap<String, String>,
    pub times_redeemed: i64,
    pub first_time_transaction: bool,
    pub minimum_amount: Option<i64>,
    pub minimum_amount_currency: Option<String>,
    /// `restrictions.currency_options`: the minimum amount in other currencies.
    pub minimum_amounts: BTreeMap<String, i64>,
}

impl PromotionCode {
    /// `active` as Stripe shows it at `now`: as set, and only while its coupon is valid.
    pub fn active_at(&self, coupons: &[Coupon], now: i64) -> bool {
        self.active && coupons.iter().any(|c| c.id == self.coupon && c.valid_at(now))
    }

    /// Why it cannot be redeemed at `now` on `amount` in `currency` by `customer` (naming
    /// `param`), if it cannot: Stripe's refusal.
    pub(crate) fn refusal(
        &self,
        coupons: &[Coupon],
        now: i64,
        customer: Option<&str>,
        amount: i64,
        currency: &str,
        param: &str,
    ) -> Option<ApiError> {
        let refuse = |message: String| Some(ApiError::invalid_request(message).param(param));
        let Some(coupon) = coupons.iter().find(|c| c.id == self.coupon) else {
            return refuse(format!("The promotion code `{}` cannot be redeemed: its coupon was deleted.", self.code));
        };
        if !self.active {
            return refuse(format!("This promotion code is inactive: {}", self.code));
        }
        if let Some(error) = coupon.refusal(now, param) {
            return Some(error);
        }
        if self.expires_at.is_some_and(|at| now > at) {
            return refuse(format!("This promotion code has expired: {}", self.code));
        }
        if self.max_redemptions.is_some_and(|max| self.times_redeemed >= max) {
            return refuse(format!("This promotion code has reached its maximum number of redemptions: {}", self.code));
        }
        if let Some(only) = &self.customer {
            if customer != Some(only.as_str()) {
                return refuse(format!("This promotion code cannot be redeemed by this customer: {}", self.code));
            }
        }
        let minimum = match &self.minimum_amount_currency {
            Some(c) if c == currency => self.minimum_amount,
            _ => self.minimum_amounts.get(currency).copied(),
        };
        if minimum.is_some_and(|min| amount < min) {
            return refuse(format!(
                "This promotion code cannot be redeemed because the amount is below its minimum: {}",
                self.code
            ));
        }
        None
    }

    /// The object Stripe answers at `now`.
    pub fn render(&self, coupons: &[Coupon], now: i64) -> Value {
        let mut restrictions = json!({
            "first_time_transaction": self.first_time_transaction,
            "minimum_amount": self.minimum_amount,
            "minimum_amount_currency": self.minimum_amount_currency,
        });
        if !self.minimum_amounts.is_empty() {
            let options: BTreeMap<&String, Value> =
                self.minimum_amounts.iter().map(|(c, min)| (c, json!({ "minimum_amount": min }))).collect();
            restrictions["currency_options"] = json!(options);
        }
        let mut value = stripe_spec::objects::promotion_code(&json!({
            "id": self.id,
            "active": self.active_at(coupons, now),
            "code": self.code,
            "created": self.created,
            "customer": self.customer,
            "expires_at": self.expires_at,
            "livemode": self.livemode,
            "max_redemptions": self.max_redemptions,
            "metadata": self.metadata,
            "promotion": { "coupon": self.coupon, "type": "coupon" },
            "times_redeemed": self.times_redeemed,
        }));
        // `currency_options` is optional in the typings, so the template has no slot for it.
        value["restrictions"] = restrictions;
        value
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromotionParams {
    coupon: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinimumParams {
    minimum_amount: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RestrictionsParams {
    currency_options: Option<BTreeMap<String, MinimumParams>>,
    first_time_transaction: Option<String>,
    minimum_amount: Option<String>,
    minimum_amount_currency: Option<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    promotion: Option<PromotionParams>,
    active: Option<String>,
    code: Option<String>,
    customer: Option<String>,
    customer_account: Option<String>,
    expand: Option<Vec<String>>,
    expires_at: Option<String>,
    max_redemptions: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    restrictions: Option<RestrictionsParams>,
}

fn check_code(code: &str) -> ApiResult<()> {
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ApiError::invalid_request(format!(
            "Invalid code: `{code}`. Promotion codes can only contain lower case letters (a-z), upper case letters (A-Z), digits (0-9), and dashes (-)."
        ))
        .param("code"));
    }
    Ok(())
}

/// Refuses `code` when another active code (`other than` this one) of the same customer has
/// it, whatever the case.
fn check_unique(
    codes: &[PromotionCode],
    coupons: &[Coupon],
    now: i64,
    code: &str,
    customer: &Option<String>,
    other_than: Option<&str>,
) -> ApiResult<()> {
    let taken = codes.iter().any(|p| {
        Some(p.id.as_str()) != other_than
            && p.code.eq_ignore_ascii_case(code)
            && &p.customer == customer
            && p.active_at(coupons, now)
    });
    if taken {
        return Err(ApiError::invalid_request(format!("An active promotion code with `code: {code}` already exists."))
            .code("resource_already_exists")
            .param("code"));
    }
    Ok(())
}

fn minimum_amounts(raw: Option<BTreeMap<String, MinimumParams>>) -> ApiResult<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for (currency, option) in raw.unwrap_or_default() {
        let param = format!("restrictions[currency_options][{currency}][minimum_amount]");
        if let Some(min) = parse_int(&param, &option.minimum_amount)? {
            out.insert(currency.to_lowercase(), min);
        }
    }
    Ok(out)
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("promotion_codes", true)?;
    let params: CreateParams = parse(&body)?;
    let promotion = params.promotion.ok_or_else(|| ApiError::missing_param("promotion"))?;
    let kind = promotion.kind.ok_or_else(|| ApiError::missing_param("promotion[type]"))?;
    if kind != "coupon" {
        return Err(ApiError::not_one_of("promotion[type]", &["coupon"]));
    }
    let coupon_id = promotion.coupon.ok_or_else(|| ApiError::missing_param("promotion[coupon]"))?;
    let active = parse_bool("active", &params.active)?.unwrap_or(true);
    if let Some(code) = &params.code {
        check_code(code)?;
    }
    let expires_at = parse_int("expires_at", &params.expires_at)?;
    let max_redemptions = parse_int("max_redemptions", &params.max_redemptions)?;
    if max_redemptions.is_some_and(|n| n < 1) {
        return Err(ApiError::invalid_request("Invalid positive integer: max_redemptions must be at least 1.")
            .code("parameter_invalid_integer")
            .param("max_redemptions"));
    }
    let mut restrictions = (false, None, None, BTreeMap::new());
    if let Some(r) = params.restrictions {
        restrictions.0 =
            parse_bool("restrictions[first_time_transaction]", &r.first_time_transaction)?.unwrap_or(false);
        restrictions.1 = parse_int("restrictions[minimum_amount]", &r.minimum_amount)?;
        restrictions.2 = r.minimum_amount_currency.map(|c| c.to_lowercase());
        if restrictions.1.is_some() && restrictions.2.is_none() {
            return Err(ApiError::missing_param("restrictions[minimum_amount_currency]"));
        }
        restrictions.3 = minimum_amounts(r.currency_options)?;
    }
    let metadata = params.metadata.unwrap_or_default();
    check_metadata(&metadata)?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let coupon = data
        .coupons
        .iter()
        .find(|c| c.id == coupon_id)
        .ok_or_else(|| ApiError::no_such("coupon", &coupon_id).param("promotion[coupon]"))?;
    if let Some(error) = coupon.refusal(at, "promotion[coupon]") {
        return Err(error);
    }
    if let Some(expires) = expires_at {
        if expires <= at {
            return Err(ApiError::invalid_request("Invalid expires_at: must be in the future.").param("expires_at"));
        }
        if coupon.redeem_by.is_some_and(|by| expires > by) {
            return Err(ApiError::invalid_request(
                "The promotion code's expires_at cannot be after its coupon's redeem_by.",
            )
            .param("expires_at"));
        }
    }
    if let (Some(mine), Some(theirs)) = (max_redemptions, coupon.max_redemptions) {
        if mine > theirs {
            return Err(ApiError::invalid_request(
                "The promotion code's max_redemptions cannot be greater than its coupon's max_redemptions.",
            )
            .param("max_redemptions"));
        }
    }
    if let Some(customer) = &params.customer {
        if !data.customers.iter().any(|c| &c.id == customer && !c.deleted) {
            return Err(ApiError::no_such("customer", customer).param("customer"));
        }
    }
    if let Some(account) = &params.customer_account {
        return Err(ApiError::no_such("account", account).param("customer_account"));
    }
    let code = match params.code {
        Some(code) => {
            if active {
                check_unique(&data.promotion_codes, &data.coupons, at, &code, &params.customer, None)?;
            }
            code
        }
        // Made up, as Stripe does: upper-case letters and digits no active code has.
        None => loop {
            let candidate = random_alnum(8).to_uppercase();
            if check_unique(&data.promotion_codes, &data.coupons, at, &candidate, &params.customer, None).is_ok() {
                break candidate;
            }
        },
    };
    let promotion_code = PromotionCode {
        id: format!("promo_{}", random_alnum(24)),
        code,
        created: at,
        livemode: caller.livemode,
        active,
        coupon: coupon_id,
        customer: params.customer,
        expires_at,
        max_redemptions,
        metadata,
        times_redeemed: 0,
        first_time_transaction: restrictions.0,
        minimum_amount: restrictions.1,
        minimum_amount_currency: restrictions.2,
        minimum_amounts: restrictions.3,
    };
    let answer = promotion_code.render(&data.coupons, at);
    data.promotion_codes.push(promotion_code);
    Ok(Json(answer))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("promotion_codes", false)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let code =
        data.promotion_codes.iter().find(|p| p.id == id).ok_or_else(|| ApiError::no_such("promotion_code", &id))?;
    Ok(Json(code.render(&data.coupons, at)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRestrictionsParams {
    currency_options: Option<BTreeMap<String, MinimumParams>>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateParams {
    active: Option<String>,
    expand: Option<Vec<String>>,
    #[serde(default)]
    metadata: Param<BTreeMap<String, String>>,
    restrictions: Option<UpdateRestrictionsParams>,
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("promotion_codes", true)?;
    let params: UpdateParams = parse(&body)?;
    let active = parse_bool("active", &params.active)?;
    let minimums = minimum_amounts(params.restrictions.and_then(|r| r.currency_options))?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let index =
        data.promotion_codes.iter().position(|p| p.id == id).ok_or_else(|| ApiError::no_such("promotion_code", &id))?;
    let mut code = data.promotion_codes[index].clone();
    if active == Some(true) && !code.active {
        let mut reactivated = code.clone();
        reactivated.active = true;
        let currency = reactivated.minimum_amount_currency.clone().unwrap_or_default();
        let blocked =
            reactivated.refusal(&data.coupons, at, reactivated.customer.as_deref(), i64::MAX, &currency, "active");
        if blocked.is_some() {
            return Err(ApiError::invalid_request(
                "A promotion code can only be reactivated when the coupon is still valid and the promotion code is otherwise redeemable.",
            )
            .param("active"));
        }
        check_unique(&data.promotion_codes, &data.coupons, at, &code.code, &code.customer, Some(&code.id))?;
    }
    if let Some(active) = active {
        code.active = active;
    }
    let mut metadata = code.metadata.clone();
    match params.metadata {
        Param::Empty => metadata.clear(),
        Param::Given(update) => merge_metadata(&mut metadata, update),
        Param::Absent => {}
    }
    check_metadata(&metadata)?;
    code.metadata = metadata;
    code.minimum_amounts.extend(minimums);
    let answer = code.render(&data.coupons, at);
    data.promotion_codes[index] = code;
    Ok(Json(answer))
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    active: Option<String>,
    code: Option<String>,
    coupon: Option<String>,
    created: Option<Created>,
    customer: Option<String>,
    customer_account: Option<String>,
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
    caller.require("promotion_codes", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let active = parse_bool("active", &params.active)?;
    let bounds = created_bounds(&params.created)?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let coupons = &data.coupons;
    let items: Vec<&PromotionCode> = data
        .promotion_codes
        .iter()
        .rev()
        .filter(|p| active.is_none_or(|a| p.active_at(coupons, at) == a))
        .filter(|p| params.code.as_ref().is_none_or(|c| p.code.eq_ignore_ascii_case(c)))
        .filter(|p| params.coupon.as_ref().is_none_or(|c| &p.coupon == c))
        .filter(|p| params.customer.as_ref().is_none_or(|c| p.customer.as_ref() == Some(c)))
        .filter(|_| params.customer_account.is_none())
        .filter(|p| within(p.created, &bounds))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |p| p.id.as_str(), &page)?;
    let rendered: Vec<Value> = window.iter().map(|p| p.render(coupons, at)).collect();
    Ok(Json(envelope("/v1/promotion_codes", has_more, rendered)))
}
