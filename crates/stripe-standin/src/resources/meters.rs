//! Billing Meters (`/v1/billing/meters`): create, retrieve, update (`display_name`), list
//! (`status`, paginated), deactivate and reactivate, as Stripe documents them (reference:
//! `Billing/Meters.d.ts` of npm `stripe` 23.1.0, API `2026-10-28.endive`). A meter's
//! `event_name` is unique in its mode, and a meter has no `metadata` at this API version.
//! A metered price must name an active meter of its own mode (checked in `prices.rs`).

use crate::error::{ApiError, ApiResult};
use crate::form::parse;
use crate::ids::{new_id, now};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::{ModeData, Shared};
use crate::StandIn;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `object` field of this resource's answers (a restored object takes it from here).
fn object_name() -> &'static str {
    "billing.meter"
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerMapping {
    pub event_payload_key: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultAggregation {
    pub formula: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusTransitions {
    pub deactivated_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueSettings {
    pub event_payload_key: String,
}

/// A meter, serialised with every field of the typings' `Billing.Meter`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meter {
    pub id: String,
    #[serde(skip_deserializing, default = "object_name")]
    pub object: &'static str,
    pub created: i64,
    pub customer_mapping: CustomerMapping,
    pub default_aggregation: DefaultAggregation,
    pub display_name: String,
    pub event_name: String,
    pub event_time_window: Option<String>,
    pub livemode: bool,
    pub status: String,
    pub status_transitions: StatusTransitions,
    pub updated: i64,
    pub value_settings: ValueSettings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormulaParams {
    formula: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerMappingParams {
    event_payload_key: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueSettingsParams {
    event_payload_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    default_aggregation: Option<FormulaParams>,
    display_name: Option<String>,
    event_name: Option<String>,
    customer_mapping: Option<CustomerMappingParams>,
    event_time_window: Option<String>,
    value_settings: Option<ValueSettingsParams>,
    expand: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateParams {
    display_name: Option<String>,
    expand: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpandOnly {
    expand: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    status: Option<String>,
    expand: Option<Vec<String>>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

fn required(param: &str, value: Option<String>, max: usize) -> ApiResult<String> {
    let value = value.filter(|v| !v.is_empty()).ok_or_else(|| ApiError::missing_param(param))?;
    if value.chars().count() > max {
        return Err(
            ApiError::invalid_request(format!("Invalid {param}: must be at most {max} characters long.")).param(param)
        );
    }
    Ok(value)
}

fn build(caller: &Caller, params: CreateParams) -> ApiResult<Meter> {
    let formula = params
        .default_aggregation
        .and_then(|a| a.formula)
        .ok_or_else(|| ApiError::missing_param("default_aggregation[formula]"))?;
    if !["count", "last", "sum"].contains(&formula.as_str()) {
        return Err(ApiError::invalid_request("Invalid default_aggregation[formula]: must be one of count, last, sum")
            .param("default_aggregation[formula]"));
    }
    let display_name = required("display_name", params.display_name, 250)?;
    let event_name = required("event_name", params.event_name, 100)?;
    let customer_mapping = match params.customer_mapping {
        None => CustomerMapping { event_payload_key: "stripe_customer_id".into(), kind: "by_id".into() },
        Some(m) => {
            let kind = m.kind.ok_or_else(|| ApiError::missing_param("customer_mapping[type]"))?;
            if kind != "by_id" {
                return Err(ApiError::invalid_request("Invalid customer_mapping[type]: must be one of by_id")
                    .param("customer_mapping[type]"));
            }
            let key = required("customer_mapping[event_payload_key]", m.event_payload_key, 100)?;
            CustomerMapping { event_payload_key: key, kind }
        }
    };
    let value_settings = match params.value_settings {
        None => ValueSettings { event_payload_key: "value".into() },
        Some(v) => ValueSettings {
            event_payload_key: required("value_settings[event_payload_key]", v.event_payload_key, 100)?,
        },
    };
    if let Some(window) = &params.event_time_window {
        if !["day", "hour"].contains(&window.as_str()) {
            return Err(ApiError::invalid_request("Invalid event_time_window: must be one of day, hour")
                .param("event_time_window"));
        }
    }
    let created = now();
    Ok(Meter {
        id: new_id("mtr"),
        object: "billing.meter",
        created,
        customer_mapping,
        default_aggregation: DefaultAggregation { formula },
        display_name,
        event_name,
        event_time_window: params.event_time_window,
        livemode: caller.livemode,
        status: "active".into(),
        status_transitions: StatusTransitions { deactivated_at: None },
        updated: created,
        value_settings,
    })
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Meter>> {
    caller.require("billing_meters", true)?;
    let params: CreateParams = parse(&body)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    create_in(&caller, params, data).map(Json)
}

fn create_in(caller: &Caller, params: CreateParams, data: &mut ModeData) -> ApiResult<Meter> {
    let _ = &params.expand;
    let meter = build(caller, params)?;
    if data.meters.iter().any(|m| m.event_name == meter.event_name) {
        return Err(ApiError::invalid_request(format!(
            "A meter with event_name `{}` already exists; event names must be unique.",
            meter.event_name
        ))
        .param("event_name"));
    }
    data.meters.push(meter.clone());
    Ok(meter)
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Meter>> {
    caller.require("billing_meters", false)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.meters.iter().find(|m| m.id == id).cloned().map(Json).ok_or_else(|| ApiError::no_such("billing.meter", &id))
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Meter>> {
    caller.require("billing_meters", true)?;
    let params: UpdateParams = parse(&body)?;
    let _ = &params.expand;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let meter = data.meters.iter_mut().find(|m| m.id == id).ok_or_else(|| ApiError::no_such("billing.meter", &id))?;
    if let Some(name) = params.display_name {
        meter.display_name = required("display_name", Some(name), 250)?;
        meter.updated = now();
    }
    Ok(Json(meter.clone()))
}

async fn set_status(state: Shared, caller: Caller, id: String, body: Bytes, active: bool) -> ApiResult<Json<Meter>> {
    caller.require("billing_meters", true)?;
    let params: ExpandOnly = parse(&body)?;
    let _ = params.expand;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let meter = data.meters.iter_mut().find(|m| m.id == id).ok_or_else(|| ApiError::no_such("billing.meter", &id))?;
    let wanted = if active { "active" } else { "inactive" };
    if meter.status == wanted {
        return Err(ApiError::invalid_request(format!("The meter `{id}` is already {wanted}.")));
    }
    meter.status = wanted.into();
    meter.updated = now();
    meter.status_transitions.deactivated_at = if active { None } else { Some(meter.updated) };
    Ok(Json(meter.clone()))
}

pub async fn deactivate(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Meter>> {
    set_status(state, caller, id, body, false).await
}

pub async fn reactivate(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Meter>> {
    set_status(state, caller, id, body, true).await
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("billing_meters", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let _ = &params.expand;
    if let Some(status) = &params.status {
        if !["active", "inactive"].contains(&status.as_str()) {
            return Err(ApiError::invalid_request("Invalid status: must be one of active, inactive").param("status"));
        }
    }
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&Meter> =
        data.meters.iter().rev().filter(|m| params.status.as_ref().is_none_or(|s| &m.status == s)).collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |m| m.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/billing/meters", has_more, window)))
}

impl StandIn {
    /// The Billing Meters of an account in one mode, oldest first.
    pub fn meters(&self, account_id: &str, livemode: bool) -> Vec<Meter> {
        self.shared().lock().unwrap().mode(account_id, livemode).meters.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Access;

    fn caller() -> Caller {
        Caller { key: "sk_test_x".into(), account_id: "acct_1".into(), livemode: true, access: Access::Full }
    }

    fn create(body: &str, data: &mut ModeData) -> ApiResult<Meter> {
        create_in(&caller(), parse(body.as_bytes())?, data)
    }

    const OK: &str = "display_name=API%20calls&event_name=api_call&default_aggregation[formula]=sum";

    #[test]
    fn meters_take_stripes_defaults_and_render_every_field() {
        let mut data = ModeData::default();
        let meter = create(OK, &mut data).unwrap();
        assert_eq!(
            meter.customer_mapping,
            CustomerMapping { event_payload_key: "stripe_customer_id".into(), kind: "by_id".into() }
        );
        assert_eq!(meter.value_settings.event_payload_key, "value");
        assert!(meter.livemode && meter.status == "active" && meter.id.starts_with("mtr_"));
        let value = serde_json::to_value(&meter).unwrap();
        let fields: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            [
                "created",
                "customer_mapping",
                "default_aggregation",
                "display_name",
                "event_name",
                "event_time_window",
                "id",
                "livemode",
                "object",
                "status",
                "status_transitions",
                "updated",
                "value_settings"
            ]
        );
        assert_eq!(value["object"], "billing.meter");
    }

    #[test]
    fn meters_refuse_what_stripe_refuses() {
        let mut data = ModeData::default();
        create(OK, &mut data).unwrap();
        let dup = create(OK, &mut data).unwrap_err();
        assert_eq!(dup.param.as_deref(), Some("event_name"));
        let cases = [
            ("display_name=x&event_name=y", "default_aggregation[formula]"),
            ("display_name=x&event_name=y&default_aggregation[formula]=avg", "default_aggregation[formula]"),
            ("event_name=y&default_aggregation[formula]=sum", "display_name"),
            ("display_name=x&event_name=y&default_aggregation[formula]=sum&customer_mapping[type]=by_email&customer_mapping[event_payload_key]=c", "customer_mapping[type]"),
            ("display_name=x&event_name=y&default_aggregation[formula]=sum&event_time_window=week", "event_time_window"),
            ("display_name=x&event_name=y&default_aggregation[formula]=sum&metadata[golive_source]=mtr_1", "metadata"),
        ];
        for (body, param) in cases {
            let err = create(body, &mut data).expect_err(body);
            assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(err.param.as_deref(), Some(param), "{body}: {err:?}");
        }
        assert_eq!(data.meters.len(), 1);
    }
}
