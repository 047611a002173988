//! `billing_portal/configurations`: create, retrieve, update and list (filter `is_default`),
//! with the features the seed's defaults need. The first one created in a mode is the default.

use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool};
use crate::ids::{new_id, now};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::{check_metadata, merge_metadata, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct PortalConfiguration {
    pub id: String,
    pub object: &'static str,
    pub active: bool,
    pub application: Option<String>,
    pub business_profile: Value,
    pub created: i64,
    pub default_return_url: Option<String>,
    pub features: Value,
    pub is_default: bool,
    pub livemode: bool,
    pub login_page: Value,
    pub metadata: BTreeMap<String, String>,
    pub updated: i64,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Toggle {
    enabled: Option<String>,
    mode: Option<String>,
    allow_updates: Option<Vec<String>>,
    cancellation_reason: Option<Value>,
    proration_behavior: Option<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Features {
    customer_update: Option<Toggle>,
    invoice_history: Option<Toggle>,
    payment_method_update: Option<Toggle>,
    subscription_cancel: Option<Toggle>,
    subscription_update: Option<Value>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    features: Option<Features>,
    business_profile: Option<BTreeMap<String, String>>,
    default_return_url: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    active: Option<String>,
    expand: Option<Vec<String>>,
}

fn enabled(t: &Option<Toggle>) -> ApiResult<bool> {
    Ok(match t {
        Some(t) => parse_bool("features", &t.enabled)?.unwrap_or(false),
        None => false,
    })
}

fn features_json(f: &Features) -> ApiResult<Value> {
    Ok(json!({
        "customer_update": { "enabled": enabled(&f.customer_update)?, "allowed_updates": [] },
        "invoice_history": { "enabled": enabled(&f.invoice_history)? },
        "payment_method_update": { "enabled": enabled(&f.payment_method_update)? },
        "subscription_cancel": {
            "enabled": enabled(&f.subscription_cancel)?,
            "mode": f.subscription_cancel.as_ref().and_then(|t| t.mode.clone()).unwrap_or_else(|| "at_period_end".into()),
            "proration_behavior": "none",
            "cancellation_reason": { "enabled": false, "options": [] }
        },
        "subscription_update": { "enabled": false, "default_allowed_updates": [], "products": [] }
    }))
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<PortalConfiguration>> {
    caller.require("billing_portal", true)?;
    let params: Params = parse(&body)?;
    let features = params.features.ok_or_else(|| ApiError::missing_param("features"))?;
    let metadata = params.metadata.unwrap_or_default();
    check_metadata(&metadata)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let created = now();
    let config = PortalConfiguration {
        id: new_id("bpc"),
        object: "billing_portal.configuration",
        active: true,
        application: None,
        business_profile: json!({
            "headline": params.business_profile.as_ref().and_then(|b| b.get("headline")),
            "privacy_policy_url": params.business_profile.as_ref().and_then(|b| b.get("privacy_policy_url")),
            "terms_of_service_url": params.business_profile.as_ref().and_then(|b| b.get("terms_of_service_url")),
        }),
        created,
        default_return_url: params.default_return_url,
        features: features_json(&features)?,
        is_default: data.portal_configurations.is_empty(),
        livemode: caller.livemode,
        login_page: json!({ "enabled": false, "url": null }),
        metadata,
        updated: created,
    };
    data.portal_configurations.push(config.clone());
    Ok(Json(config))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<PortalConfiguration>> {
    caller.require("billing_portal", false)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.portal_configurations
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::no_such("configuration", &id))
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<PortalConfiguration>> {
    caller.require("billing_portal", true)?;
    let params: Params = parse(&body)?;
    let active = parse_bool("active", &params.active)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let config = data
        .portal_configurations
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::no_such("configuration", &id))?;
    if let Some(features) = params.features {
        config.features = features_json(&features)?;
    }
    if let Some(metadata) = params.metadata {
        merge_metadata(&mut config.metadata, metadata);
    }
    if let Some(active) = active {
        config.active = active;
    }
    config.updated = now();
    Ok(Json(config.clone()))
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    active: Option<String>,
    is_default: Option<String>,
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
    caller.require("billing_portal", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let active = parse_bool("active", &params.active)?;
    let is_default = parse_bool("is_default", &params.is_default)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&PortalConfiguration> = data
        .portal_configurations
        .iter()
        .rev()
        .filter(|c| active.is_none_or(|a| c.active == a))
        .filter(|c| is_default.is_none_or(|d| c.is_default == d))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |c| c.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/billing_portal/configurations", has_more, window)))
}
