//! What `wrangler whoami` calls: token verification, the user, accounts and memberships.

use crate::envelope::{paged, success, AUTHENTICATION_ERROR, INVALID_TOKEN};
use crate::gate::admit;
use crate::state::Shared;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

pub async fn verify_token(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = admit(&inner, &headers, "GET /user/tokens/verify", None) {
        return refused.or_code(StatusCode::UNAUTHORIZED, INVALID_TOKEN, "Invalid API Token");
    }
    success(json!({ "id": "standin-token", "status": "active" }))
}

pub async fn user(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = admit(&inner, &headers, "GET /user", None) {
        return refused.or_code(StatusCode::FORBIDDEN, AUTHENTICATION_ERROR, "Authentication error");
    }
    let email = inner.lock().unwrap().email.clone();
    success(json!({ "id": "standin-user", "email": email }))
}

pub async fn accounts(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = admit(&inner, &headers, "GET /accounts", None) {
        return refused.or_code(StatusCode::FORBIDDEN, AUTHENTICATION_ERROR, "Authentication error");
    }
    let list: Vec<Value> =
        inner.lock().unwrap().accounts.iter().map(|a| json!({ "id": a.id, "name": a.name })).collect();
    paged(list)
}

pub async fn memberships(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = admit(&inner, &headers, "GET /memberships", None) {
        return refused.or_code(StatusCode::FORBIDDEN, AUTHENTICATION_ERROR, "Authentication error");
    }
    let list: Vec<Value> = inner
        .lock()
        .unwrap()
        .accounts
        .iter()
        .map(
            |a| json!({ "id": format!("m-{}", a.id), "account": { "id": a.id, "name": a.name }, "status": "accepted" }),
        )
        .collect();
    paged(list)
}
