//! `webhook_endpoints`: create (the only answer that carries the `whsec_` signing secret, as
//! Stripe documents), retrieve, update (url, events, description, metadata, `disabled`),
//! delete and list, rendering every field of the typings' `WebhookEndpoint`. As Stripe does,
//! in test and live mode alike, `enabled_events` takes only the event types Stripe sends (the
//! typings' list in `stripe-spec`) or `*`, stored in the order given, and `api_version` only
//! a released API version; live mode refuses non-HTTPS URLs; an account holds at most 16
//! endpoints per mode.

use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, Param};
use crate::ids::{new_id, now, random_alnum};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::{check_metadata, merge_metadata, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The `object` field of this resource's answers (a restored object takes it from here).
fn object_name() -> &'static str {
    "webhook_endpoint"
}

/// Stripe's limit on webhook endpoints per account and mode.
const MAX_ENDPOINTS: usize = 16;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: String,
    #[serde(skip_deserializing, default = "object_name")]
    pub object: &'static str,
    pub api_version: Option<String>,
    pub application: Option<String>,
    pub created: i64,
    pub description: Option<String>,
    pub enabled_events: Vec<String>,
    pub livemode: bool,
    pub metadata: BTreeMap<String, String>,
    pub status: String,
    pub url: String,
    /// Kept to sign deliveries; serialised only in the answer to create.
    #[serde(skip)]
    pub secret: String,
    /// Secrets rolled away in the Dashboard that still sign deliveries until their expiry
    /// (Unix time, by the stand-in's clock): `(secret, expires_at)`.
    #[serde(skip)]
    pub previous_secrets: Vec<(String, i64)>,
}

/// A new secret made the way create makes one.
pub fn new_secret() -> String {
    format!("{}_{}", "whsec", random_alnum(32))
}

impl WebhookEndpoint {
    /// Every secret that signs a delivery at `now`: the current one first, then the rolled
    /// ones not yet expired.
    pub fn active_secrets(&self, now: i64) -> Vec<String> {
        std::iter::once(self.secret.clone())
            .chain(self.previous_secrets.iter().filter(|(_, until)| *until > now).map(|(s, _)| s.clone()))
            .collect()
    }
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    url: Option<String>,
    enabled_events: Option<Vec<String>>,
    api_version: Option<String>,
    #[serde(default)]
    description: Param<String>,
    /// Keys to set (an empty value removes one), or `metadata=` to remove them all.
    #[serde(default)]
    metadata: Param<BTreeMap<String, String>>,
    disabled: Option<String>,
    connect: Option<String>,
    expand: Option<Vec<String>>,
}

fn check_url(url: &str, livemode: bool) -> ApiResult<()> {
    let invalid = |message: String| ApiError::invalid_request(message).param("url");
    let parsed = url::Url::parse(url).map_err(|_| invalid(format!("Invalid URL: {url}")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(invalid(format!("Invalid URL: {url}")));
    }
    if livemode && parsed.scheme() != "https" {
        return Err(invalid("Invalid URL: live mode webhook endpoints must use HTTPS.".into()));
    }
    Ok(())
}

fn check_events(events: &[String]) -> ApiResult<()> {
    if events.is_empty() {
        return Err(ApiError::missing_param("enabled_events"));
    }
    for (i, event) in events.iter().enumerate() {
        if !stripe_spec::events::is_enabled_event(event) {
            let allowed: Vec<&str> =
                std::iter::once("*").chain(stripe_spec::events::EVENT_TYPES.iter().copied()).collect();
            return Err(ApiError::not_one_of(&format!("enabled_events[{i}]"), &allowed));
        }
    }
    Ok(())
}

fn check_api_version(version: &str) -> ApiResult<()> {
    if stripe_spec::versions::is_released(version) {
        Ok(())
    } else {
        Err(ApiError::not_one_of("api_version", stripe_spec::versions::RELEASED_API_VERSIONS))
    }
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("webhook_endpoints", true)?;
    let params: Params = parse(&body)?;
    let url = params.url.ok_or_else(|| ApiError::missing_param("url"))?;
    let events = params.enabled_events.ok_or_else(|| ApiError::missing_param("enabled_events"))?;
    check_url(&url, caller.livemode)?;
    check_events(&events)?;
    if let Some(version) = &params.api_version {
        check_api_version(version)?;
    }
    parse_bool("connect", &params.connect)?;
    let mut metadata = BTreeMap::new();
    if let Param::Given(given) = params.metadata {
        merge_metadata(&mut metadata, given);
    }
    check_metadata(&metadata)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    if data.webhook_endpoints.len() >= MAX_ENDPOINTS {
        let mode = if caller.livemode { "live" } else { "test" };
        return Err(ApiError::invalid_request(format!(
            "You have reached the maximum of {MAX_ENDPOINTS} {mode} webhook endpoints for this account."
        )));
    }
    let endpoint = WebhookEndpoint {
        id: new_id("we"),
        object: "webhook_endpoint",
        api_version: params.api_version,
        application: None,
        created: now(),
        description: params.description.update().flatten(),
        enabled_events: events,
        livemode: caller.livemode,
        metadata,
        status: "enabled".into(),
        url,
        secret: format!("{}_{}", "whsec", random_alnum(32)),
        previous_secrets: Vec::new(),
    };
    data.webhook_endpoints.push(endpoint.clone());
    let mut answer = serde_json::to_value(&endpoint).expect("endpoint serialises");
    answer["secret"] = json!(endpoint.secret);
    Ok(Json(answer))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookEndpoint>> {
    caller.require("webhook_endpoints", false)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.webhook_endpoints
        .iter()
        .find(|e| e.id == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::no_such("webhook_endpoint", &id))
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<WebhookEndpoint>> {
    caller.require("webhook_endpoints", true)?;
    let params: Params = parse(&body)?;
    // Create-only parameters: an endpoint's API version cannot change after it is created.
    if params.api_version.is_some() {
        return Err(ApiError::unknown_param("api_version"));
    }
    if params.connect.is_some() {
        return Err(ApiError::unknown_param("connect"));
    }
    let disabled = parse_bool("disabled", &params.disabled)?;
    if let Some(url) = &params.url {
        check_url(url, caller.livemode)?;
    }
    if let Some(events) = &params.enabled_events {
        check_events(events)?;
    }
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let endpoint = data
        .webhook_endpoints
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError::no_such("webhook_endpoint", &id))?;
    let mut metadata = endpoint.metadata.clone();
    match params.metadata {
        Param::Empty => metadata.clear(),
        Param::Given(update) => merge_metadata(&mut metadata, update),
        Param::Absent => {}
    }
    check_metadata(&metadata)?;
    endpoint.metadata = metadata;
    if let Some(url) = params.url {
        endpoint.url = url;
    }
    if let Some(events) = params.enabled_events {
        endpoint.enabled_events = events;
    }
    if let Some(description) = params.description.update() {
        endpoint.description = description;
    }
    if let Some(disabled) = disabled {
        endpoint.status = if disabled { "disabled" } else { "enabled" }.into();
    }
    Ok(Json(endpoint.clone()))
}

pub async fn delete(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require("webhook_endpoints", true)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let before = data.webhook_endpoints.len();
    data.webhook_endpoints.retain(|e| e.id != id);
    if data.webhook_endpoints.len() == before {
        return Err(ApiError::no_such("webhook_endpoint", &id));
    }
    Ok(Json(json!({ "id": id, "object": "webhook_endpoint", "deleted": true })))
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
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
    caller.require("webhook_endpoints", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&WebhookEndpoint> = data.webhook_endpoints.iter().rev().collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |e| e.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/webhook_endpoints", has_more, window)))
}
