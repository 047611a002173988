//! `GET /v1/account`: the account a key belongs to, with the fields the Connect step reads.

use crate::keys::Caller;
use crate::state::Shared;
use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{json, Value};

/// An account as the stand-in keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AccountRecord {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub country: String,
    pub default_currency: String,
    /// Live charges need an activated account; Stripe reports it here.
    pub charges_enabled: bool,
    pub details_submitted: bool,
    /// The account's default API version (events are rendered at it).
    pub api_version: String,
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, crate::error::ApiError> {
    caller.require("accounts", false)?;
    let state = state.lock().unwrap();
    let a = &state.accounts[&caller.account_id];
    Ok(Json(json!({
        "id": a.id,
        "object": "account",
        "business_profile": { "name": a.display_name, "url": null, "support_email": a.email },
        "business_type": "company",
        "capabilities": { "card_payments": if a.charges_enabled { "active" } else { "inactive" } },
        "charges_enabled": a.charges_enabled,
        "payouts_enabled": a.charges_enabled,
        "details_submitted": a.details_submitted,
        "country": a.country,
        "default_currency": a.default_currency,
        "email": a.email,
        "created": 1_700_000_000,
        "metadata": {},
        "settings": { "dashboard": { "display_name": a.display_name, "timezone": "Etc/UTC" } },
        "type": "standard",
        "requirements": {
            "currently_due": if a.charges_enabled { json!([]) } else { json!(["business_profile.url", "external_account"]) },
            "disabled_reason": if a.charges_enabled { Value::Null } else { json!("requirements.past_due") }
        }
    })))
}
