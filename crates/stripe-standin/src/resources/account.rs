//! `GET /v1/account`: the account a key belongs to, with the fields Connect and the go-live
//! audit read (activation and requirements, statement descriptor, public business details,
//! branding), and `GET /v1/tax/settings` (Stripe Tax: active, or pending with what is missing).

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
    /// What the go-live audit reads; a new account is ready (tests make it unready).
    #[serde(default)]
    pub readiness: Readiness,
}

/// The account's go-live state beyond `charges_enabled`, as the Dashboard sets it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Readiness {
    pub payouts_enabled: bool,
    /// `requirements.currently_due` / `past_due` (e.g. `external_account`), and why the
    /// account is disabled, if it is.
    pub currently_due: Vec<String>,
    pub past_due: Vec<String>,
    pub disabled_reason: Option<String>,
    pub statement_descriptor: Option<String>,
    pub statement_descriptor_prefix: Option<String>,
    pub business_url: Option<String>,
    pub support_email: Option<String>,
    pub support_url: Option<String>,
    pub branding_icon: Option<String>,
    pub branding_logo: Option<String>,
    pub primary_color: Option<String>,
    /// Stripe Tax: `active`, or `pending` (with `head_office` missing when it is not set).
    pub tax_status: String,
    pub tax_head_office: bool,
}

impl Default for Readiness {
    fn default() -> Self {
        Self {
            payouts_enabled: true,
            currently_due: Vec::new(),
            past_due: Vec::new(),
            disabled_reason: None,
            statement_descriptor: Some("EXAMPLE SAAS".into()),
            statement_descriptor_prefix: Some("EXSAAS".into()),
            business_url: Some("https://example.com".into()),
            support_email: Some("support@example.com".into()),
            support_url: Some("https://example.com/support".into()),
            branding_icon: Some("file_1ExampleIcon".into()),
            branding_logo: Some("file_1ExampleLogo".into()),
            primary_color: Some("#0a2540".into()),
            tax_status: "active".into(),
            tax_head_office: true,
        }
    }
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, crate::error::ApiError> {
    caller.require("accounts", false)?;
    let state = state.lock().unwrap();
    let a = &state.accounts[&caller.account_id];
    let r = &a.readiness;
    let mut currently_due = r.currently_due.clone();
    if !a.charges_enabled && currently_due.is_empty() {
        currently_due = vec!["business_profile.url".into(), "external_account".into()];
    }
    let disabled_reason =
        r.disabled_reason.clone().or_else(|| (!a.charges_enabled).then(|| "requirements.past_due".into()));
    Ok(Json(json!({
        "id": a.id,
        "object": "account",
        "business_profile": {
            "annual_revenue": null,
            "estimated_worker_count": null,
            "mcc": "5734",
            "name": a.display_name,
            "product_description": null,
            "support_address": null,
            "support_email": r.support_email,
            "support_phone": null,
            "support_url": r.support_url,
            "url": r.business_url,
        },
        "business_type": "company",
        "capabilities": { "card_payments": if a.charges_enabled { "active" } else { "inactive" }, "transfers": if r.payouts_enabled { "active" } else { "inactive" } },
        "charges_enabled": a.charges_enabled,
        "payouts_enabled": a.charges_enabled && r.payouts_enabled,
        "details_submitted": a.details_submitted,
        "country": a.country,
        "default_currency": a.default_currency,
        "email": a.email,
        "created": 1_700_000_000,
        "metadata": {},
        "settings": {
            "bacs_debit_payments": { "display_name": null, "service_user_number": null },
            "branding": { "icon": r.branding_icon, "logo": r.branding_logo, "primary_color": r.primary_color, "secondary_color": null },
            "card_issuing": { "tos_acceptance": { "date": null, "ip": null } },
            "card_payments": { "decline_on": { "avs_failure": false, "cvc_failure": false }, "statement_descriptor_prefix": r.statement_descriptor_prefix, "statement_descriptor_prefix_kana": null, "statement_descriptor_prefix_kanji": null },
            "dashboard": { "display_name": a.display_name, "timezone": "Etc/UTC" },
            "invoices": { "default_account_tax_ids": null, "hosted_payment_method_save": "offer" },
            "payments": { "statement_descriptor": r.statement_descriptor, "statement_descriptor_kana": null, "statement_descriptor_kanji": null },
            "payouts": { "debit_negative_balances": true, "schedule": { "delay_days": 2, "interval": "daily" }, "statement_descriptor": null },
        },
        "type": "standard",
        "requirements": {
            "alternatives": [],
            "current_deadline": null,
            "currently_due": currently_due,
            "disabled_reason": disabled_reason,
            "errors": [],
            "eventually_due": currently_due,
            "past_due": r.past_due,
            "pending_verification": [],
        }
    })))
}

/// `GET /v1/tax/settings`: Stripe Tax for the account — `active`, or `pending` with the
/// fields still missing (the head office address, when it is not set).
pub async fn tax_settings(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, crate::error::ApiError> {
    caller.require("tax_settings", false)?;
    let state = state.lock().unwrap();
    let r = &state.accounts[&caller.account_id].readiness;
    let active = r.tax_status == "active" && r.tax_head_office;
    let head_office = r.tax_head_office.then(|| {
        json!({ "address": { "city": "San Francisco", "country": "US", "line1": "1 Market St", "line2": null, "postal_code": "94105", "state": "CA" } })
    });
    Ok(Json(json!({
        "object": "tax.settings",
        "defaults": { "provider": "stripe", "tax_behavior": null, "tax_code": "txcd_10000000" },
        "head_office": head_office,
        "livemode": caller.livemode,
        "status": if active { "active" } else { "pending" },
        "status_details": if active {
            json!({ "active": {} })
        } else {
            json!({ "pending": { "missing_fields": if r.tax_head_office { json!([]) } else { json!(["head_office"]) } } })
        },
    })))
}
