//! Prices: create, retrieve, update and list, with Stripe's rules — amount, currency and
//! recurrence are fixed once created, `lookup_key` is unique per mode unless transferred,
//! and `tax_behavior` can be set only while it is `unspecified`.

use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int};
use crate::ids::{new_id, now};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::{check_metadata, merge_metadata, ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Recurring {
    pub aggregate_usage: Option<String>,
    pub interval: String,
    pub interval_count: i64,
    pub meter: Option<String>,
    pub trial_period_days: Option<i64>,
    pub usage_type: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tier {
    pub flat_amount: Option<i64>,
    pub flat_amount_decimal: Option<String>,
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    pub up_to: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransformQuantity {
    pub divide_by: i64,
    pub round: String,
}

/// A price, serialised with every field Stripe always sends (`tiers` only when expanded).
#[derive(Debug, Clone, Serialize)]
pub struct Price {
    pub id: String,
    pub object: &'static str,
    pub active: bool,
    pub billing_scheme: String,
    pub created: i64,
    pub currency: String,
    pub custom_unit_amount: Option<Value>,
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
    /// Prices in other currencies (the price's own currency is listed too, as Stripe does).
    #[serde(skip)]
    pub currency_options: BTreeMap<String, Value>,
}

impl Price {
    /// The JSON Stripe returns, with `tiers` included when the caller expanded them.
    fn render(&self, expand: &[String]) -> Value {
        let mut value = serde_json::to_value(self).expect("price serialises");
        if expand.iter().any(|e| e == "tiers" || e == "data.tiers") {
            value["tiers"] = json!(self.tiers);
        }
        if expand.iter().any(|e| e == "currency_options" || e == "data.currency_options") {
            let mut options = self.currency_options.clone();
            options.insert(
                self.currency.clone(),
                json!({ "custom_unit_amount": null, "tax_behavior": self.tax_behavior, "unit_amount": self.unit_amount, "unit_amount_decimal": self.unit_amount_decimal }),
            );
            value["currency_options"] = json!(options);
        }
        value
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecurringParams {
    interval: Option<String>,
    interval_count: Option<String>,
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
struct CurrencyOptionParams {
    unit_amount: Option<String>,
    unit_amount_decimal: Option<String>,
    tax_behavior: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    currency: Option<String>,
    currency_options: Option<BTreeMap<String, CurrencyOptionParams>>,
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

fn parse_tier(index: usize, t: TierParams) -> ApiResult<Tier> {
    let param = |f: &str| format!("tiers[{index}][{f}]");
    let up_to = match t.up_to.as_deref() {
        None => return Err(ApiError::missing_param(&param("up_to"))),
        Some("inf") => None,
        Some(_) => parse_int(&param("up_to"), &t.up_to)?,
    };
    Ok(Tier {
        flat_amount: parse_int(&param("flat_amount"), &t.flat_amount)?,
        flat_amount_decimal: t.flat_amount_decimal,
        unit_amount: parse_int(&param("unit_amount"), &t.unit_amount)?,
        unit_amount_decimal: t.unit_amount_decimal,
        up_to,
    })
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

fn build_price(caller: &Caller, params: CreateParams, data: &ModeData) -> ApiResult<Price> {
    let currency = params.currency.ok_or_else(|| ApiError::missing_param("currency"))?.to_lowercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(ApiError::invalid_request(format!("Invalid currency: {currency}.")).param("currency"));
    }
    let product = params.product.ok_or_else(|| ApiError::missing_param("product"))?;
    if !data.products.iter().any(|p| p.id == product) {
        return Err(ApiError::no_such("product", &product).param("product"));
    }
    let billing_scheme = params.billing_scheme.unwrap_or_else(|| "per_unit".into());
    one_of("billing_scheme", &billing_scheme, &["per_unit", "tiered"])?;
    let unit_amount = parse_int("unit_amount", &params.unit_amount)?;
    if unit_amount.is_some_and(|a| a < 0) {
        return Err(ApiError::invalid_request("This value must be greater than or equal to 0.").param("unit_amount"));
    }
    let tiers = match params.tiers {
        None => None,
        Some(list) => Some(list.into_iter().enumerate().map(|(i, t)| parse_tier(i, t)).collect::<ApiResult<Vec<_>>>()?),
    };
    if billing_scheme == "tiered" {
        if tiers.is_none() {
            return Err(ApiError::missing_param("tiers"));
        }
        let mode = params.tiers_mode.as_deref().ok_or_else(|| ApiError::missing_param("tiers_mode"))?;
        one_of("tiers_mode", mode, &["graduated", "volume"])?;
    } else if unit_amount.is_none() && params.unit_amount_decimal.is_none() {
        return Err(ApiError::missing_param("unit_amount"));
    }
    let recurring = match params.recurring {
        None => None,
        Some(r) => {
            let interval = r.interval.ok_or_else(|| ApiError::missing_param("recurring[interval]"))?;
            one_of("recurring[interval]", &interval, &["day", "week", "month", "year"])?;
            let usage_type = r.usage_type.unwrap_or_else(|| "licensed".into());
            one_of("recurring[usage_type]", &usage_type, &["licensed", "metered"])?;
            Some(Recurring {
                aggregate_usage: None,
                interval,
                interval_count: parse_int("recurring[interval_count]", &r.interval_count)?.unwrap_or(1),
                meter: None,
                trial_period_days: parse_int("recurring[trial_period_days]", &r.trial_period_days)?,
                usage_type,
            })
        }
    };
    let tax_behavior = params.tax_behavior.unwrap_or_else(|| "unspecified".into());
    one_of("tax_behavior", &tax_behavior, &["inclusive", "exclusive", "unspecified"])?;
    let transform_quantity = match params.transform_quantity {
        None => None,
        Some(t) => Some(TransformQuantity {
            divide_by: parse_int("transform_quantity[divide_by]", &t.divide_by)?
                .ok_or_else(|| ApiError::missing_param("transform_quantity[divide_by]"))?,
            round: t.round.ok_or_else(|| ApiError::missing_param("transform_quantity[round]"))?,
        }),
    };
    let metadata = params.metadata.unwrap_or_default();
    check_metadata(&metadata)?;
    let unit_amount_decimal = params.unit_amount_decimal.or_else(|| unit_amount.map(|a| a.to_string()));
    let mut currency_options = BTreeMap::new();
    for (code, option) in params.currency_options.unwrap_or_default() {
        let param = format!("currency_options[{code}][unit_amount]");
        let amount = parse_int(&param, &option.unit_amount)?;
        if amount.is_none() && option.unit_amount_decimal.is_none() {
            return Err(ApiError::missing_param(&param));
        }
        let decimal = option.unit_amount_decimal.or_else(|| amount.map(|a| a.to_string()));
        let tax = option.tax_behavior.unwrap_or_else(|| "unspecified".into());
        currency_options.insert(
            code.to_lowercase(),
            json!({ "custom_unit_amount": null, "tax_behavior": tax, "unit_amount": amount, "unit_amount_decimal": decimal }),
        );
    }
    Ok(Price {
        id: new_id("price"),
        object: "price",
        active: parse_bool("active", &params.active)?.unwrap_or(true),
        kind: if recurring.is_some() { "recurring" } else { "one_time" }.into(),
        billing_scheme,
        created: now(),
        currency,
        custom_unit_amount: None,
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
    let data = state.mode(&caller.account_id, caller.livemode);
    let price = data.prices.iter().find(|p| p.id == id).ok_or_else(|| ApiError::no_such("price", &id))?;
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
        claim_lookup_key(data, key, transfer, Some(&id))?;
    }
    let price = data.prices.iter_mut().find(|p| p.id == id).expect("checked above");
    if let Some(tax) = &params.tax_behavior {
        one_of("tax_behavior", tax, &["inclusive", "exclusive", "unspecified"])?;
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
    let (interval, usage_type) = match &params.recurring {
        Some(r) => (r.interval.clone(), r.usage_type.clone()),
        None => (None, None),
    };
    let matching: Vec<&Price> = data
        .prices
        .iter()
        .rev()
        .filter(|p| active.is_none_or(|a| p.active == a))
        .filter(|p| params.currency.as_ref().is_none_or(|c| &p.currency == c))
        .filter(|p| params.product.as_ref().is_none_or(|c| &p.product == c))
        .filter(|p| params.kind.as_ref().is_none_or(|c| &p.kind == c))
        .filter(|p| {
            params.lookup_keys.as_ref().is_none_or(|keys| p.lookup_key.as_ref().is_some_and(|k| keys.contains(k)))
        })
        .filter(|p| interval.as_ref().is_none_or(|i| p.recurring.as_ref().is_some_and(|r| &r.interval == i)))
        .filter(|p| usage_type.as_ref().is_none_or(|u| p.recurring.as_ref().is_some_and(|r| &r.usage_type == u)))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(matching, |p| p.id.as_str(), &page)?;
    let rendered: Vec<Value> = window.iter().map(|p| p.render(&expand)).collect();
    Ok(Json(envelope("/v1/prices", has_more, rendered)))
}
