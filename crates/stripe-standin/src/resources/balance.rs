//! `GET /v1/balance`: an empty balance in the account's currency, for the mode of the key.

use crate::keys::Caller;
use crate::state::Shared;
use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{json, Value};

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, crate::error::ApiError> {
    caller.require("balance", false)?;
    let state = state.lock().unwrap();
    let currency = &state.accounts[&caller.account_id].default_currency;
    Ok(Json(json!({
        "object": "balance",
        "available": [{ "amount": 0, "currency": currency, "source_types": { "card": 0 } }],
        "pending": [{ "amount": 0, "currency": currency, "source_types": { "card": 0 } }],
        "livemode": caller.livemode
    })))
}
