//! Prices: create, retrieve, update and list, with Stripe's rules — amount, currency and
//! recurrence are fixed once created, `lookup_key` is unique per mode unless transferred,
//! and `tax_behavior` can be set only while it is `unspecified`.
//!
//! Creation refuses what Stripe refuses (reference: `PriceCreateParams` in npm `stripe`
//! 23.1.0's `Prices.d.ts`, API `2026-10-28.endive`): an unsupported currency, both an amount
//! and its `_decimal` twin, decimals with more than 12 places or below zero, tiers on a
//! `per_unit` price, `transform_quantity` with tiers or a `round` other than `up`/`down`, an
//! interval longer than three years, a last tier that is not `inf`, a metered price without an
//! active meter of its mode, and `custom_unit_amount` outside one-time per-unit prices. A
//! referenced object that does not exist is 400 `resource_missing` naming the parameter.
//! The list shows active prices unless `active=false` is asked for, as the typings say.
//! Objects are rendered with every field of the typings' `Price` (`tiers` and
//! `currency_options` only when expanded, as Stripe does).

use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int};
use crate::ids::{new_id, now};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::{check_metadata, merge_metadata, ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The `object` field of this resource's answers (a restored object takes it from here).
fn object_name() -> &'static str {
    "price"
}

/// Stripe's supported presentment currencies (docs.stripe.com/currencies, "Supported
/// presentment currencies", as listed for a US account in 2026).
pub const SUPPORTED_CURRENCIES: &[&str] = &[
    "usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn", "bhd",
    "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf", "chf", "clp", "cny", "cop", "crc",
    "cve", "czk", "djf", "dkk", "dop", "dzd", "egp", "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf",
    "gtq", "gyd", "hkd", "hnl", "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr",
    "kmf", "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga", "mkd", "mmk", "mnt",
    "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr", "nzd", "omr", "pab", "pen",
    "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd", "rub", "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp",
    "sle", "sos", "srd", "std", "szl", "thb", "tjs", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "uyu",
    "uzs", "vnd", "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recurring {
    pub interval: String,
    pub interval_count: i64,
    pub meter: Option<String>,
    pub trial_period_days: Option<i64>,
    pub usage_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    pub flat_amount: Option<i64>,
    pub flat_amount_decimal: Option<String>,
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    pub up_to: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransformQuantity {
    pub divide_by: i64,
    pub round: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomUnitAmount {
    pub maximum: Option<i64>,
    pub minimum: Option<i64>,
    pub preset: Option<i64>,
}

/// A price in another currency, rendered under `currency_options` when expanded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurrencyOption {
    pub custom_unit_amount: Option<CustomUnitAmount>,
    pub tax_behavior: Option<String>,
    /// Only for a tiered price, and only when `currency_options.<code>.tiers` is expanded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<Tier>>,
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
}

/// A price, serialised with every field of the typings' `Price` (`tiers` and
/// `currency_options` only when expanded).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Price {
    pub id: String,
    #[serde(skip_deserializing, default = "object_name")]
    pub object: &'static str,
    pub active: bool,
    pub billing_scheme: String,
    pub created: i64,
    pub currency: String,
    pub custom_unit_amount: Option<CustomUnitAmount>,
    pub livemode: bool,
    pub lookup_key: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub nickname: Option<String>,
    pub product: String,
    pub recurring: Option<Recurring>,
    pub tax_behavior: String,
    pub tiers_mode: Option<String>,
    pub transform_quantity: Option<TransformQuantity>,
    #[serde(rename = "type")]
    pub kind: String,
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    #[serde(skip)]
    pub tiers: Option<Vec<Tier>>,
    /// Prices in other currencies (the price's own currency is rendered too, as Stripe does).
    #[serde(skip)]
    pub currency_options: BTreeMap<String, CurrencyOption>,
}

impl Price {
    /// The JSON Stripe returns, with `tiers` / `currency_options` when the caller expanded them.
    pub fn render(&self, expand: &[String]) -> Value {
        let mut value = serde_json::to_value(self).expect("price serialises");
        if expand.iter().any(|e| e == "tiers" || e == "data.tiers") {
            value["tiers"] = json!(self.tiers);
        }
        if expand.iter().any(|e| e == "currency_options" || e == "data.currency_options") {
            let mut options = self.currency_options.clone();
            options.insert(
                self.currency.clone(),
                CurrencyOption {
                    custom_unit_amount: self.custom_unit_amount.clone(),
                    tax_behavior: Some(self.tax_behavior.clone()),
                    tiers: self.tiers.clone(),
                    unit_amount: self.unit_amount,
                    unit_amount_decimal: self.unit_amount_decimal.clone(),
                },
            );
            let mut options = json!(options);
            // Each option's tiers only on request, one currency at a time, as Stripe documents:
            // `expand[]=currency_options.eur.tiers` (`data.currency_options.eur.tiers` in a list).
            for (code, option) in options.as_object_mut().expect("a map").iter_mut() {
                let asked = [format!("currency_options.{code}.tiers"), format!("data.currency_options.{code}.tiers")];
                if !expand.iter().any(|e| asked.contains(e)) {
                    option.as_object_mut().expect("an option").remove("tiers");
                }
            }
            value["currency_options"] = options;
        }
        value
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecurringParams {
    interval: Option<String>,
    interval_count: Option<String>,
    meter: Option<String>,
    usage_type: Option<String>,
    trial_period_days: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TierParams {
    up_to: Option<String>,
    unit_amount: Option<String>,
    unit_amount_decimal: Option<String>,
    flat_amount: Option<String>,
    flat_amount_decimal: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransformParams {
    divide_by: Option<String>,
    round: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomUnitAmountParams {
    enabled: Option<String>,
    maximum: Option<String>,
    minimum: Option<String>,
    preset: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CurrencyOptionParams {
    custom_unit_amount: Option<CustomUnitAmountParams>,
    unit_amount: Option<String>,
    unit_amount_decimal: Option<String>,
    tax_behavior: Option<String>,
    tiers: Option<Vec<TierParams>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    currency: Option<String>,
    currency_options: Option<BTreeMap<String, CurrencyOptionParams>>,
    custom_unit_amount: Option<CustomUnitAmountParams>,
    product: Option<String>,
    active: Option<String>,
    billing_scheme: Option<String>,
    lookup_key: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    nickname: Option<String>,
    recurring: Option<RecurringParams>,
    tax_behavior: Option<String>,
    tiers: Option<Vec<TierParams>>,
    tiers_mode: Option<String>,
    transfer_lookup_key: Option<String>,
    transform_quantity: Option<TransformParams>,
    unit_amount: Option<String>,
    unit_amount_decimal: Option<String>,
    expand: Option<Vec<String>>,
}

/// `default_price_data` of a product create (`ProductCreateParams.DefaultPriceData`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DefaultPriceData {
    currency: Option<String>,
    currency_options: Option<BTreeMap<String, CurrencyOptionParams>>,
    custom_unit_amount: Option<CustomUnitAmountParams>,
    metadata: Option<BTreeMap<String, String>>,
    recurring: Option<DefaultRecurringParams>,
    tax_behavior: Option<String>,
    unit_amount: Option<String>,
    unit_amount_decimal: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultRecurringParams {
    interval: Option<String>,
    interval_count: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateParams {
    active: Option<String>,
    lookup_key: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    nickname: Option<String>,
    tax_behavior: Option<String>,
    transfer_lookup_key: Option<String>,
    expand: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListRecurringParams {
    interval: Option<String>,
    meter: Option<String>,
    usage_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    active: Option<String>,
    currency: Option<String>,
    product: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    lookup_keys: Option<Vec<String>>,
    recurring: Option<ListRecurringParams>,
    expand: Option<Vec<String>>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

fn one_of(param: &str, value: &str, allowed: &[&str]) -> ApiResult<()> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ApiError::invalid_request(format!("Invalid {param}: must be one of {}", allowed.join(", ")))
        .param(param.to_string()))
}

/// Stripe's answer for a parameter that names an object that does not exist: 400, not 404.
pub(crate) fn missing_reference(kind: &str, id: &str, param: &str) -> ApiError {
    let mut err = ApiError::no_such(kind, id).param(param);
    err.status = StatusCode::BAD_REQUEST;
    err
}

fn only_one(first: &str, second: &str, param: String) -> ApiError {
    ApiError::invalid_request(format!("You may only specify one of these parameters: {first}, {second}.")).param(param)
}

/// Checks a decimal amount as Stripe reads one (at most 12 decimal places, not negative) and
/// returns it in Stripe's canonical form: no leading or trailing zeros ("1000.50" → "1000.5").
pub fn canonical_decimal(param: &str, text: &str) -> ApiResult<String> {
    use stripe_spec::decimal::{canonical, DecimalProblem, MAX_DECIMAL_PLACES};
    canonical(text).map_err(|problem| match problem {
        DecimalProblem::Negative => {
            ApiError::invalid_request("This value must be greater than or equal to 0.").param(param)
        }
        DecimalProblem::NotANumber => ApiError::invalid_request(format!("Invalid decimal: {text}")).param(param),
        DecimalProblem::TooPrecise => ApiError::invalid_request(format!(
            "Invalid {param}: {text} has more than {MAX_DECIMAL_PLACES} decimal places; at most {MAX_DECIMAL_PLACES} are allowed."
        ))
        .param(param),
    })
}

/// An integer amount and its decimal twin, from whichever of the two the caller sent (Stripe
/// fills `unit_amount` too when the decimal is a whole number).
fn amount_pair(
    int_param: &str,
    dec_param: &str,
    int: &Option<String>,
    dec: &Option<String>,
) -> ApiResult<(Option<i64>, Option<String>)> {
    if int.is_some() && dec.is_some() {
        return Err(only_one(int_param, dec_param, dec_param.to_string()));
    }
    if let Some(amount) = parse_int(int_param, int)? {
        if amount < 0 {
            return Err(ApiError::invalid_request("This value must be greater than or equal to 0.").param(int_param));
        }
        return Ok((Some(amount), Some(amount.to_string())));
    }
    match dec {
        None => Ok((None, None)),
        Some(text) => {
            let canonical = canonical_decimal(dec_param, text)?;
            Ok((canonical.parse::<i64>().ok(), Some(canonical)))
        }
    }
}

fn parse_tiers(prefix: &str, list: Vec<TierParams>) -> ApiResult<Vec<Tier>> {
    let count = list.len();
    let mut tiers = Vec::with_capacity(count);
    let mut previous: Option<i64> = None;
    for (index, t) in list.into_iter().enumerate() {
        let param = |f: &str| format!("{prefix}[{index}][{f}]");
        let up_to = match t.up_to.as_deref() {
            None => return Err(ApiError::missing_param(&param("up_to"))),
            Some("inf") => None,
            Some(_) => parse_int(&param("up_to"), &t.up_to)?,
        };
        let last = index + 1 == count;
        match (up_to, last) {
            (None, false) => {
                return Err(ApiError::invalid_request(format!(
                    "Only the last tier may have `up_to` set to `inf`, but {} is `inf`.",
                    param("up_to")
                ))
                .param(param("up_to")))
            }
            (Some(_), true) => {
                return Err(ApiError::invalid_request(format!(
                    "The last tier must have `up_to` set to `inf`; {} is not.",
                    param("up_to")
                ))
                .param(param("up_to")))
            }
            (Some(n), false) if n < 1 || previous.is_some_and(|p| n <= p) => {
                return Err(ApiError::invalid_request(
                    "Tiers must be sorted by `up_to`, each greater than the one before and at least 1.",
                )
                .param(param("up_to")))
            }
            _ => {}
        }
        previous = up_to;
        let (unit_amount, unit_amount_decimal) =
            amount_pair(&param("unit_amount"), &param("unit_amount_decimal"), &t.unit_amount, &t.unit_amount_decimal)?;
        let (flat_amount, flat_amount_decimal) =
            amount_pair(&param("flat_amount"), &param("flat_amount_decimal"), &t.flat_amount, &t.flat_amount_decimal)?;
        if unit_amount_decimal.is_none() && flat_amount_decimal.is_none() {
            return Err(ApiError::missing_param(&param("unit_amount")));
        }
        tiers.push(Tier { flat_amount, flat_amount_decimal, unit_amount, unit_amount_decimal, up_to });
    }
    if tiers.is_empty() {
        return Err(ApiError::missing_param(&format!("{prefix}[0][up_to]")));
    }
    Ok(tiers)
}

fn parse_custom(prefix: &str, c: CustomUnitAmountParams) -> ApiResult<CustomUnitAmount> {
    let param = |f: &str| format!("{prefix}[{f}]");
    match parse_bool(&param("enabled"), &c.enabled)? {
        None => return Err(ApiError::missing_param(&param("enabled"))),
        Some(false) => {
            return Err(ApiError::invalid_request(format!(
                "{} must be true; omit {prefix} for a fixed amount.",
                param("enabled")
            ))
            .param(param("enabled")))
        }
        Some(true) => {}
    }
    let value = |f: &str, raw: &Option<String>| -> ApiResult<Option<i64>> {
        let v = parse_int(&param(f), raw)?;
        if v.is_some_and(|v| v < 0) {
            return Err(ApiError::invalid_request("This value must be greater than or equal to 0.").param(param(f)));
        }
        Ok(v)
    };
    let custom = CustomUnitAmount {
        maximum: value("maximum", &c.maximum)?,
        minimum: value("minimum", &c.minimum)?,
        preset: value("preset", &c.preset)?,
    };
    if let (Some(min), Some(max)) = (custom.minimum, custom.maximum) {
        if min > max {
            return Err(ApiError::invalid_request(format!(
                "{} must be less than or equal to {}.",
                param("minimum"),
                param("maximum")
            ))
            .param(param("minimum")));
        }
    }
    if let Some(preset) = custom.preset {
        if custom.minimum.is_some_and(|m| preset < m) || custom.maximum.is_some_and(|m| preset > m) {
            return Err(ApiError::invalid_request(format!(
                "{} must be between {} and {}.",
                param("preset"),
                param("minimum"),
                param("maximum")
            ))
            .param(param("preset")));
        }
    }
    Ok(custom)
}

fn check_currency(param: &str, code: &str) -> ApiResult<()> {
    if SUPPORTED_CURRENCIES.contains(&code) {
        return Ok(());
    }
    Err(ApiError::invalid_request(format!(
        "Invalid currency: {code}. Stripe currently supports these currencies: {}",
        SUPPORTED_CURRENCIES.join(", ")
    ))
    .param(param))
}

fn check_tax_behavior(param: &str, value: &str) -> ApiResult<()> {
    one_of(param, value, &["inclusive", "exclusive", "unspecified"])
}

/// The longest interval Stripe allows: three years in any unit.
fn max_interval_count(interval: &str) -> i64 {
    match interval {
        "day" => 1095,
        "week" => 156,
        "month" => 36,
        _ => 3,
    }
}

fn build_recurring(r: RecurringParams, data: &ModeData) -> ApiResult<Recurring> {
    let interval = r.interval.ok_or_else(|| ApiError::missing_param("recurring[interval]"))?;
    one_of("recurring[interval]", &interval, &["day", "week", "month", "year"])?;
    let interval_count = parse_int("recurring[interval_count]", &r.interval_count)?.unwrap_or(1);
    if interval_count < 1 || interval_count > max_interval_count(&interval) {
        return Err(ApiError::invalid_request(
            "Invalid recurring[interval_count]: the maximum interval allowed is 3 years (3 years, 36 months, 156 weeks or 1095 days), and the minimum is 1.",
        )
        .param("recurring[interval_count]"));
    }
    let usage_type = r.usage_type.unwrap_or_else(|| "licensed".into());
    one_of("recurring[usage_type]", &usage_type, &["licensed", "metered"])?;
    let trial_period_days = parse_int("recurring[trial_period_days]", &r.trial_period_days)?;
    if trial_period_days.is_some_and(|d| !(0..=730).contains(&d)) {
        return Err(ApiError::invalid_request("Invalid recurring[trial_period_days]: must be between 0 and 730.")
            .param("recurring[trial_period_days]"));
    }
    match (&r.meter, usage_type.as_str()) {
        (Some(_), "licensed") => {
            return Err(ApiError::invalid_request(
                "recurring[meter] can only be set when recurring[usage_type] is `metered`.",
            )
            .param("recurring[meter]"))
        }
        // Since 2025-03-31.basil, metered prices are backed by a Billing Meter.
        (None, "metered") => return Err(ApiError::missing_param("recurring[meter]")),
        (Some(meter), _) => match data.meters.iter().find(|m| &m.id == meter) {
            None => return Err(missing_reference("billing meter", meter, "recurring[meter]")),
            Some(m) if m.status != "active" => {
                return Err(ApiError::invalid_request(format!(
                    "The meter `{meter}` is inactive; reactivate it before attaching it to a price."
                ))
                .param("recurring[meter]"))
            }
            Some(_) => {}
        },
        (None, _) => {}
    }
    Ok(Recurring { interval, interval_count, meter: r.meter, trial_period_days, usage_type })
}

fn build_currency_option(
    code: &str,
    option: CurrencyOptionParams,
    tiered: bool,
    custom_allowed: bool,
) -> ApiResult<CurrencyOption> {
    let prefix = format!("currency_options[{code}]");
    check_currency(&prefix, code)?;
    let (unit_amount, unit_amount_decimal) = amount_pair(
        &format!("{prefix}[unit_amount]"),
        &format!("{prefix}[unit_amount_decimal]"),
        &option.unit_amount,
        &option.unit_amount_decimal,
    )?;
    let custom_unit_amount = match option.custom_unit_amount {
        None => None,
        Some(_) if !custom_allowed => {
            return Err(ApiError::invalid_request(format!(
                "{prefix}[custom_unit_amount] is only allowed when the price itself has custom_unit_amount."
            ))
            .param(format!("{prefix}[custom_unit_amount]")))
        }
        Some(c) => Some(parse_custom(&format!("{prefix}[custom_unit_amount]"), c)?),
    };
    let tiers = match (option.tiers, tiered) {
        (Some(_), false) => {
            return Err(ApiError::invalid_request(format!(
                "{prefix}[tiers] is only allowed when billing_scheme is `tiered`."
            ))
            .param(format!("{prefix}[tiers]")))
        }
        (Some(list), true) => Some(parse_tiers(&format!("{prefix}[tiers]"), list)?),
        (None, true) => return Err(ApiError::missing_param(&format!("{prefix}[tiers]"))),
        (None, false) => None,
    };
    if tiered && unit_amount_decimal.is_some() {
        return Err(ApiError::invalid_request(format!(
            "{prefix}[unit_amount] is not allowed when billing_scheme is `tiered`; use {prefix}[tiers]."
        ))
        .param(format!("{prefix}[unit_amount]")));
    }
    if !tiered && unit_amount_decimal.is_none() && custom_unit_amount.is_none() {
        return Err(ApiError::missing_param(&format!("{prefix}[unit_amount]")));
    }
    if unit_amount_decimal.is_some() && custom_unit_amount.is_some() {
        return Err(only_one("custom_unit_amount", "unit_amount", format!("{prefix}[custom_unit_amount]")));
    }
    let tax_behavior = option.tax_behavior.unwrap_or_else(|| "unspecified".into());
    check_tax_behavior(&format!("{prefix}[tax_behavior]"), &tax_behavior)?;
    Ok(CurrencyOption { custom_unit_amount, tax_behavior: Some(tax_behavior), tiers, unit_amount, unit_amount_decimal })
}

fn build_price(caller: &Caller, params: CreateParams, data: &ModeData) -> ApiResult<Price> {
    let currency = params.currency.ok_or_else(|| ApiError::missing_param("currency"))?.to_lowercase();
    check_currency("currency", &currency)?;
    let product = params.product.ok_or_else(|| ApiError::missing_param("product"))?;
    if !data.products.iter().any(|p| p.id == product) {
        return Err(missing_reference("product", &product, "product"));
    }
    let billing_scheme = params.billing_scheme.unwrap_or_else(|| "per_unit".into());
    one_of("billing_scheme", &billing_scheme, &["per_unit", "tiered"])?;
    let tiered = billing_scheme == "tiered";
    let (unit_amount, unit_amount_decimal) =
        amount_pair("unit_amount", "unit_amount_decimal", &params.unit_amount, &params.unit_amount_decimal)?;
    let custom_unit_amount = match params.custom_unit_amount {
        None => None,
        Some(c) => Some(parse_custom("custom_unit_amount", c)?),
    };
    let tiers = match (params.tiers, tiered) {
        (Some(_), false) => {
            return Err(ApiError::invalid_request(
                "Tiers can only be set when billing_scheme is `tiered`; this price is `per_unit`.",
            )
            .param("tiers"))
        }
        (Some(list), true) => Some(parse_tiers("tiers", list)?),
        (None, true) => return Err(ApiError::missing_param("tiers")),
        (None, false) => None,
    };
    if tiered {
        let mode = params.tiers_mode.as_deref().ok_or_else(|| ApiError::missing_param("tiers_mode"))?;
        one_of("tiers_mode", mode, &["graduated", "volume"])?;
        if unit_amount_decimal.is_some() {
            return Err(ApiError::invalid_request(
                "unit_amount is not allowed when billing_scheme is `tiered`; the amounts go in tiers.",
            )
            .param(if params.unit_amount.is_some() { "unit_amount" } else { "unit_amount_decimal" }));
        }
        if custom_unit_amount.is_some() {
            return Err(only_one("custom_unit_amount", "tiers", "custom_unit_amount".into()));
        }
    } else {
        if params.tiers_mode.is_some() {
            return Err(ApiError::invalid_request("tiers_mode can only be set when billing_scheme is `tiered`.")
                .param("tiers_mode"));
        }
        if unit_amount_decimal.is_some() && custom_unit_amount.is_some() {
            return Err(only_one("custom_unit_amount", "unit_amount", "custom_unit_amount".into()));
        }
        if unit_amount_decimal.is_none() && custom_unit_amount.is_none() {
            return Err(ApiError::missing_param("unit_amount"));
        }
    }
    let recurring = params.recurring.map(|r| build_recurring(r, data)).transpose()?;
    if custom_unit_amount.is_some() && recurring.is_some() {
        return Err(ApiError::invalid_request(
            "custom_unit_amount is only supported for one-time prices; remove recurring or custom_unit_amount.",
        )
        .param("custom_unit_amount"));
    }
    let tax_behavior = params.tax_behavior.unwrap_or_else(|| "unspecified".into());
    check_tax_behavior("tax_behavior", &tax_behavior)?;
    let transform_quantity = match params.transform_quantity {
        None => None,
        Some(_) if tiered => return Err(only_one("tiers", "transform_quantity", "transform_quantity".into())),
        Some(t) => {
            let divide_by = parse_int("transform_quantity[divide_by]", &t.divide_by)?
                .ok_or_else(|| ApiError::missing_param("transform_quantity[divide_by]"))?;
            if divide_by < 1 {
                return Err(ApiError::invalid_request("This value must be greater than or equal to 1.")
                    .param("transform_quantity[divide_by]"));
            }
            let round = t.round.ok_or_else(|| ApiError::missing_param("transform_quantity[round]"))?;
            one_of("transform_quantity[round]", &round, &["up", "down"])?;
            Some(TransformQuantity { divide_by, round })
        }
    };
    if let Some(key) = &params.lookup_key {
        if key.chars().count() > 200 {
            return Err(ApiError::invalid_request(
                "Invalid lookup_key: must be at most 200 characters long.".to_string(),
            )
            .param("lookup_key"));
        }
    }
    let metadata = params.metadata.unwrap_or_default();
    check_metadata(&metadata)?;
    let mut currency_options = BTreeMap::new();
    for (code, option) in params.currency_options.unwrap_or_default() {
        let code = code.to_lowercase();
        let option = build_currency_option(&code, option, tiered, custom_unit_amount.is_some())?;
        if code != currency {
            currency_options.insert(code, option);
        }
    }
    Ok(Price {
        id: new_id("price"),
        object: "price",
        active: parse_bool("active", &params.active)?.unwrap_or(true),
        kind: if recurring.is_some() { "recurring" } else { "one_time" }.into(),
        billing_scheme,
        created: now(),
        currency,
        custom_unit_amount,
        livemode: caller.livemode,
        lookup_key: params.lookup_key,
        metadata,
        nickname: params.nickname,
        product,
        recurring,
        tax_behavior,
        tiers_mode: params.tiers_mode,
        transform_quantity,
        unit_amount,
        unit_amount_decimal,
        tiers,
        currency_options,
    })
}

/// Creates the price of a product's `default_price_data` (the product is already stored).
pub(crate) fn create_default_price(
    caller: &Caller,
    data: &mut ModeData,
    product: &str,
    d: DefaultPriceData,
) -> ApiResult<Price> {
    let params = CreateParams {
        currency: d.currency,
        currency_options: d.currency_options,
        custom_unit_amount: d.custom_unit_amount,
        product: Some(product.to_string()),
        active: None,
        billing_scheme: None,
        lookup_key: None,
        metadata: d.metadata,
        nickname: None,
        recurring: d.recurring.map(|r| RecurringParams {
            interval: r.interval,
            interval_count: r.interval_count,
            meter: None,
            usage_type: None,
            trial_period_days: None,
        }),
        tax_behavior: d.tax_behavior,
        tiers: None,
        tiers_mode: None,
        transfer_lookup_key: None,
        transform_quantity: None,
        unit_amount: d.unit_amount,
        unit_amount_decimal: d.unit_amount_decimal,
        expand: None,
    };
    let price = build_price(caller, params, data).map_err(|mut e| {
        e.param = e.param.map(|p| nest("default_price_data", &p));
        e
    })?;
    data.prices.push(price.clone());
    Ok(price)
}

/// `recurring[interval]` under `default_price_data` is `default_price_data[recurring][interval]`.
fn nest(prefix: &str, param: &str) -> String {
    match param.split_once('[') {
        None => format!("{prefix}[{param}]"),
        Some((head, rest)) => format!("{prefix}[{head}][{rest}"),
    }
}

/// Frees `lookup_key` for a new owner when transfer is asked, or refuses it as taken.
fn claim_lookup_key(data: &mut ModeData, key: &str, transfer: bool, owner: Option<&str>) -> ApiResult<()> {
    let holder = data.prices.iter_mut().find(|p| p.lookup_key.as_deref() == Some(key) && Some(p.id.as_str()) != owner);
    match holder {
        None => Ok(()),
        Some(price) if transfer => {
            price.lookup_key = None;
            Ok(())
        }
        Some(price) => {
            Err(ApiError::invalid_request(format!("A price (`{}`) already uses that lookup key.", price.id))
                .param("lookup_key"))
        }
    }
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("prices", true)?;
    let params: CreateParams = parse(&body)?;
    let expand = params.expand.clone().unwrap_or_default();
    let transfer = parse_bool("transfer_lookup_key", &params.transfer_lookup_key)?.unwrap_or(false);
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let price = build_price(&caller, params, data)?;
    if let Some(key) = &price.lookup_key {
        claim_lookup_key(data, key, transfer, None)?;
    }
    data.prices.push(price.clone());
    Ok(Json(price.render(&expand)))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("prices", false)?;
    #[derive(Deserialize)]
    struct Q {
        expand: Option<Vec<String>>,
    }
    let q: Q = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let elsewhere = state.mode(&caller.account_id, !caller.livemode).prices.iter().any(|p| p.id == id);
    let data = state.mode(&caller.account_id, caller.livemode);
    let price = data
        .prices
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::no_such_in_mode("price", &id, caller.livemode, elsewhere))?;
    Ok(Json(price.render(&q.expand.unwrap_or_default())))
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("prices", true)?;
    let params: UpdateParams = parse(&body)?;
    let active = parse_bool("active", &params.active)?;
    let transfer = parse_bool("transfer_lookup_key", &params.transfer_lookup_key)?.unwrap_or(false);
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    if !data.prices.iter().any(|p| p.id == id) {
        return Err(ApiError::no_such("price", &id));
    }
    if let Some(key) = params.lookup_key.as_deref().filter(|k| !k.is_empty()) {
        if key.chars().count() > 200 {
            return Err(ApiError::invalid_request("Invalid lookup_key: must be at most 200 characters long.")
                .param("lookup_key"));
        }
        claim_lookup_key(data, key, transfer, Some(&id))?;
    }
    let price = data.prices.iter_mut().find(|p| p.id == id).expect("checked above");
    if let Some(tax) = &params.tax_behavior {
        check_tax_behavior("tax_behavior", tax)?;
        if price.tax_behavior != "unspecified" && &price.tax_behavior != tax {
            return Err(ApiError::invalid_request(
                "The tax_behavior of a price cannot be changed once it is set to inclusive or exclusive.",
            )
            .param("tax_behavior"));
        }
        price.tax_behavior = tax.clone();
    }
    if let Some(metadata) = params.metadata {
        let mut merged = price.metadata.clone();
        merge_metadata(&mut merged, metadata);
        check_metadata(&merged)?;
        price.metadata = merged;
    }
    if let Some(active) = active {
        price.active = active;
    }
    if let Some(nickname) = params.nickname {
        price.nickname = Some(nickname).filter(|n| !n.is_empty());
    }
    if let Some(key) = params.lookup_key {
        price.lookup_key = Some(key).filter(|k| !k.is_empty());
    }
    Ok(Json(price.render(&params.expand.unwrap_or_default())))
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("prices", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let active = parse_bool("active", &params.active)?;
    let expand: Vec<String> = params.expand.clone().unwrap_or_default();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let (interval, meter, usage_type) = match &params.recurring {
        Some(r) => (r.interval.clone(), r.meter.clone(), r.usage_type.clone()),
        None => (None, None, None),
    };
    let matching: Vec<&Price> = data
        .prices
        .iter()
        .rev()
        // "Returns a list of your active prices … For the list of inactive prices, set active to false."
        .filter(|p| p.active == active.unwrap_or(true))
        .filter(|p| params.currency.as_ref().is_none_or(|c| &p.currency == c))
        .filter(|p| params.product.as_ref().is_none_or(|c| &p.product == c))
        .filter(|p| params.kind.as_ref().is_none_or(|c| &p.kind == c))
        .filter(|p| {
            params.lookup_keys.as_ref().is_none_or(|keys| p.lookup_key.as_ref().is_some_and(|k| keys.contains(k)))
        })
        .filter(|p| interval.as_ref().is_none_or(|i| p.recurring.as_ref().is_some_and(|r| &r.interval == i)))
        .filter(|p| meter.as_ref().is_none_or(|m| p.recurring.as_ref().is_some_and(|r| r.meter.as_ref() == Some(m))))
        .filter(|p| usage_type.as_ref().is_none_or(|u| p.recurring.as_ref().is_some_and(|r| &r.usage_type == u)))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(matching, |p| p.id.as_str(), &page)?;
    let rendered: Vec<Value> = window.iter().map(|p| p.render(&expand)).collect();
    Ok(Json(envelope("/v1/prices", has_more, rendered)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Access;
    use crate::resources::meters::{CustomerMapping, DefaultAggregation, Meter, StatusTransitions, ValueSettings};
    use crate::resources::products::Product;

    fn caller() -> Caller {
        Caller { key: "sk_test_x".into(), account_id: "acct_1".into(), livemode: false, access: Access::Full }
    }

    fn meter(id: &str, status: &str) -> Meter {
        Meter {
            id: id.into(),
            object: "billing.meter",
            created: 0,
            customer_mapping: CustomerMapping { event_payload_key: "stripe_customer_id".into(), kind: "by_id".into() },
            default_aggregation: DefaultAggregation { formula: "sum".into() },
            display_name: "API calls".into(),
            event_name: format!("calls_{id}"),
            event_time_window: None,
            livemode: false,
            status: status.into(),
            status_transitions: StatusTransitions { deactivated_at: None },
            updated: 0,
            value_settings: ValueSettings { event_payload_key: "value".into() },
        }
    }

    fn data() -> ModeData {
        let mut data = ModeData::default();
        data.products.push(Product {
            id: "prod_1".into(),
            object: "product",
            active: true,
            created: 0,
            updated: 0,
            default_price: None,
            description: None,
            images: vec![],
            livemode: false,
            marketing_features: vec![],
            metadata: BTreeMap::new(),
            name: "Pro".into(),
            package_dimensions: None,
            shippable: None,
            statement_descriptor: None,
            tax_code: None,
            tax_details: None,
            kind: "service".into(),
            unit_label: None,
            url: None,
        });
        data.meters.push(meter("mtr_on", "active"));
        data.meters.push(meter("mtr_off", "inactive"));
        data
    }

    fn create(body: &str) -> ApiResult<Price> {
        build_price(&caller(), parse(format!("product=prod_1&currency=usd&{body}").as_bytes())?, &data())
    }

    /// Stripe's answer: 400 naming `param`.
    fn refused(body: &str, param: &str) -> ApiError {
        let err = create(body).expect_err(body);
        assert_eq!(err.status, StatusCode::BAD_REQUEST, "{body}: {err:?}");
        assert_eq!(err.param.as_deref(), Some(param), "{body}: {err:?}");
        err
    }

    #[test]
    fn decimals_are_checked_and_made_canonical() {
        assert_eq!(canonical_decimal("x", "1000").unwrap(), "1000");
        assert_eq!(canonical_decimal("x", "1000.0").unwrap(), "1000");
        assert_eq!(canonical_decimal("x", "0012.50").unwrap(), "12.5");
        assert_eq!(canonical_decimal("x", "0.000000000001").unwrap(), "0.000000000001");
        assert_eq!(canonical_decimal("x", ".5").unwrap(), "0.5");
        for bad in ["0.0000000000001", "-1", "abc", "1.2.3", "", "1.", "1e3"] {
            assert!(canonical_decimal("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_are_one_field_not_both() {
        refused("unit_amount=100&unit_amount_decimal=100", "unit_amount_decimal");
        refused("unit_amount_decimal=1.0000000000001", "unit_amount_decimal");
        refused("unit_amount_decimal=-5", "unit_amount_decimal");
        refused("unit_amount_decimal=five", "unit_amount_decimal");
        refused("unit_amount=-5", "unit_amount");
        let err = create("").unwrap_err();
        assert_eq!(err.code, Some("parameter_missing"));
        let price = create("unit_amount_decimal=1000.50").unwrap();
        assert_eq!((price.unit_amount, price.unit_amount_decimal.as_deref()), (None, Some("1000.5")));
        let price = create("unit_amount_decimal=1000.0").unwrap();
        assert_eq!((price.unit_amount, price.unit_amount_decimal.as_deref()), (Some(1000), Some("1000")));
    }

    #[test]
    fn currencies_are_stripes_presentment_currencies() {
        let err =
            build_price(&caller(), parse(b"product=prod_1&currency=xyz&unit_amount=1").unwrap(), &data()).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("currency"));
        assert!(err.message.starts_with("Invalid currency: xyz."), "{}", err.message);
        refused("unit_amount=1&currency_options[zzz][unit_amount]=1", "currency_options[zzz]");
        assert!(create("unit_amount=1&currency_options[eur][unit_amount]=1").is_ok());
    }

    #[test]
    fn a_missing_product_is_a_400_naming_the_parameter() {
        let err = build_price(&caller(), parse(b"product=prod_nope&currency=usd&unit_amount=1").unwrap(), &data())
            .unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.code, Some("resource_missing"));
        assert_eq!(err.param.as_deref(), Some("product"));
        assert_eq!(err.message, "No such product: 'prod_nope'");
    }

    #[test]
    fn lookup_keys_are_at_most_200_characters() {
        refused(&format!("unit_amount=1&lookup_key={}", "k".repeat(201)), "lookup_key");
        assert!(create(&format!("unit_amount=1&lookup_key={}", "k".repeat(200))).is_ok());
    }

    #[test]
    fn tiers_follow_stripes_rules() {
        let tiered = "billing_scheme=tiered&tiers_mode=graduated&recurring[interval]=month";
        refused("unit_amount=1&tiers[0][up_to]=inf&tiers[0][unit_amount]=1", "tiers");
        refused(&format!("{tiered}&tiers[0][up_to]=10&tiers[0][unit_amount]=5"), "tiers[0][up_to]");
        refused(
            &format!(
                "{tiered}&tiers[0][up_to]=inf&tiers[0][unit_amount]=5&tiers[1][up_to]=inf&tiers[1][unit_amount]=1"
            ),
            "tiers[0][up_to]",
        );
        refused(&format!("{tiered}&tiers[0][up_to]=10&tiers[0][unit_amount]=5&tiers[0][unit_amount_decimal]=5&tiers[1][up_to]=inf&tiers[1][unit_amount]=1"), "tiers[0][unit_amount_decimal]");
        refused(&format!("{tiered}&tiers[0][up_to]=10&tiers[0][unit_amount]=5&tiers[1][up_to]=inf&tiers[1][unit_amount]=1&transform_quantity[divide_by]=10&transform_quantity[round]=up"), "transform_quantity");
        refused("billing_scheme=tiered&tiers[0][up_to]=inf&tiers[0][unit_amount]=5", "tiers_mode");
        let price = create(&format!("{tiered}&tiers[0][up_to]=10&tiers[0][unit_amount_decimal]=9900.0&tiers[1][up_to]=inf&tiers[1][flat_amount]=100&currency_options[eur][tiers][0][up_to]=10&currency_options[eur][tiers][0][unit_amount]=8000&currency_options[eur][tiers][1][up_to]=inf&currency_options[eur][tiers][1][unit_amount]=7000")).unwrap();
        let tiers = price.tiers.unwrap();
        assert_eq!((tiers[0].unit_amount, tiers[0].unit_amount_decimal.as_deref()), (Some(9900), Some("9900")));
        assert_eq!(price.currency_options["eur"].tiers.as_ref().unwrap()[1].unit_amount, Some(7000));
        refused(
            &format!("{tiered}&tiers[0][up_to]=inf&tiers[0][unit_amount]=5&currency_options[eur][unit_amount]=5"),
            "currency_options[eur][tiers]",
        );
    }

    #[test]
    fn transform_quantity_rounds_only_up_or_down() {
        refused(
            "unit_amount=1&transform_quantity[divide_by]=10&transform_quantity[round]=nearest",
            "transform_quantity[round]",
        );
        refused(
            "unit_amount=1&transform_quantity[divide_by]=0&transform_quantity[round]=up",
            "transform_quantity[divide_by]",
        );
        assert!(create("unit_amount=1&transform_quantity[divide_by]=10&transform_quantity[round]=up").is_ok());
    }

    #[test]
    fn intervals_are_at_most_three_years() {
        for (interval, max) in [("day", 1095), ("week", 156), ("month", 36), ("year", 3)] {
            let ok = format!("unit_amount=1&recurring[interval]={interval}&recurring[interval_count]={max}");
            assert!(create(&ok).is_ok(), "{ok}");
            let too_long =
                format!("unit_amount=1&recurring[interval]={interval}&recurring[interval_count]={}", max + 1);
            refused(&too_long, "recurring[interval_count]");
        }
        refused("unit_amount=1&recurring[interval]=fortnight", "recurring[interval]");
    }

    #[test]
    fn metered_prices_bill_by_an_active_meter_of_their_mode() {
        let metered = "unit_amount=1&recurring[interval]=month&recurring[usage_type]=metered";
        let err = refused(metered, "recurring[meter]");
        assert_eq!(err.code, Some("parameter_missing"));
        let err = refused(&format!("{metered}&recurring[meter]=mtr_nope"), "recurring[meter]");
        assert_eq!(err.code, Some("resource_missing"));
        refused(&format!("{metered}&recurring[meter]=mtr_off"), "recurring[meter]");
        refused("unit_amount=1&recurring[interval]=month&recurring[meter]=mtr_on", "recurring[meter]");
        let price = create(&format!("{metered}&recurring[meter]=mtr_on&recurring[trial_period_days]=7")).unwrap();
        let recurring = price.recurring.unwrap();
        assert_eq!((recurring.meter.as_deref(), recurring.trial_period_days), (Some("mtr_on"), Some(7)));
    }

    #[test]
    fn custom_unit_amounts_are_for_one_time_per_unit_prices() {
        let custom = "custom_unit_amount[enabled]=true&custom_unit_amount[minimum]=500&custom_unit_amount[maximum]=5000&custom_unit_amount[preset]=1000";
        let price = create(custom).unwrap();
        assert_eq!(price.custom_unit_amount.as_ref().unwrap().preset, Some(1000));
        refused(&format!("{custom}&unit_amount=100"), "custom_unit_amount");
        refused(&format!("{custom}&recurring[interval]=month"), "custom_unit_amount");
        refused(
            "custom_unit_amount[enabled]=true&custom_unit_amount[minimum]=900&custom_unit_amount[maximum]=100",
            "custom_unit_amount[minimum]",
        );
        refused(
            "custom_unit_amount[enabled]=true&custom_unit_amount[minimum]=100&custom_unit_amount[preset]=50",
            "custom_unit_amount[preset]",
        );
        refused("custom_unit_amount[enabled]=false", "custom_unit_amount[enabled]");
        refused(
            "unit_amount=5&currency_options[eur][custom_unit_amount][enabled]=true",
            "currency_options[eur][custom_unit_amount]",
        );
        let with_eur = create(&format!("{custom}&currency_options[eur][custom_unit_amount][enabled]=true&currency_options[eur][custom_unit_amount][preset]=900")).unwrap();
        assert_eq!(with_eur.currency_options["eur"].custom_unit_amount.as_ref().unwrap().preset, Some(900));
    }

    #[test]
    fn the_rendered_price_has_every_field_of_the_typings() {
        let price = create("unit_amount=1&recurring[interval]=month").unwrap();
        let value = price.render(&["tiers".into(), "currency_options".into()]);
        let fields: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        for field in [
            "id",
            "object",
            "active",
            "billing_scheme",
            "created",
            "currency",
            "currency_options",
            "custom_unit_amount",
            "livemode",
            "lookup_key",
            "metadata",
            "nickname",
            "product",
            "recurring",
            "tax_behavior",
            "tiers",
            "tiers_mode",
            "transform_quantity",
            "type",
            "unit_amount",
            "unit_amount_decimal",
        ] {
            assert!(fields.contains(&field), "{field} missing from {fields:?}");
        }
        assert_eq!(fields.len(), 21, "{fields:?}");
        let recurring: Vec<&String> = value["recurring"].as_object().unwrap().keys().collect();
        assert_eq!(recurring, ["interval", "interval_count", "meter", "trial_period_days", "usage_type"]);
    }
}
