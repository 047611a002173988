//! `events`: the account's event log in each mode, newest first, with the filters Stripe
//! documents that golive uses (`type`, `created[gte]`, `delivery_success`). Tests record
//! events with [`crate::StandIn::record_event`], saying whether their delivery succeeded.

use crate::error::ApiResult;
use crate::form::{parse, parse_bool, parse_int};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::Shared;
use axum::extract::{RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The API version the stand-in renders events with: an account default.
pub const ACCOUNT_API_VERSION: &str = "2025-06-30.basil";

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: String,
    pub object: &'static str,
    pub api_version: String,
    pub created: i64,
    pub data: Value,
    pub livemode: bool,
    pub pending_webhooks: u32,
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether every delivery succeeded (what `delivery_success` filters on).
    #[serde(skip)]
    pub delivered: bool,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    types: Option<Vec<String>>,
    created: Option<BTreeMap<String, String>>,
    delivery_success: Option<String>,
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
    caller.require("events", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let delivered = parse_bool("delivery_success", &params.delivery_success)?;
    let since = parse_int("created[gte]", &params.created.as_ref().and_then(|c| c.get("gte").cloned()))?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&Event> = data
        .events
        .iter()
        .rev()
        .filter(|e| params.kind.as_ref().is_none_or(|k| &e.kind == k))
        .filter(|e| params.types.as_ref().is_none_or(|t| t.contains(&e.kind)))
        .filter(|e| since.is_none_or(|s| e.created >= s))
        .filter(|e| delivered.is_none_or(|d| e.delivered == d))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |e| e.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/events", has_more, window)))
}
