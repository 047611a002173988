//! A local stand-in for the parts of Cloudflare's v4 API that `wrangler` calls, so the real
//! wrangler CLI runs offline against 127.0.0.1 (via `CLOUDFLARE_API_BASE_URL`).
//!
//! It answers with Cloudflare's envelope (`{"success","errors","messages","result"}`) and
//! error codes: an unknown token gets code 10000 "Authentication error" (1000 on verify).
//! This first part serves `wrangler whoami`; Worker secrets come with the Secrets step.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// A Cloudflare account the stand-in knows.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Default)]
struct Inner {
    email: String,
    tokens: Vec<String>,
    accounts: Vec<Account>,
    requests: Vec<String>,
}

type Shared = Arc<Mutex<Inner>>;

/// A running stand-in on 127.0.0.1. Stops when dropped.
pub struct CloudflareStandIn {
    addr: SocketAddr,
    inner: Shared,
    shutdown: Option<oneshot::Sender<()>>,
}

impl CloudflareStandIn {
    /// Starts with one user (`email`) on a free loopback port.
    pub async fn start(email: &str) -> std::io::Result<Self> {
        let inner: Shared = Arc::new(Mutex::new(Inner { email: email.into(), ..Default::default() }));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/client/v4/user/tokens/verify", get(verify_token))
            .route("/client/v4/user", get(user))
            .route("/client/v4/accounts", get(accounts))
            .route("/client/v4/memberships", get(memberships))
            .fallback(not_found)
            .with_state(inner.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self { addr, inner, shutdown: Some(tx) })
    }

    /// What wrangler takes as `CLOUDFLARE_API_BASE_URL`.
    pub fn api_base_url(&self) -> String {
        format!("http://{}/client/v4", self.addr)
    }

    /// Accepts `token` as a valid API token from now on.
    pub fn add_token(&self, token: &str) {
        self.inner.lock().unwrap().tokens.push(token.to_string());
    }

    /// Adds an account the user is a member of.
    pub fn add_account(&self, id: &str, name: &str) {
        self.inner.lock().unwrap().accounts.push(Account { id: id.into(), name: name.into() });
    }

    /// `METHOD path` of every request served so far.
    pub fn requests(&self) -> Vec<String> {
        self.inner.lock().unwrap().requests.clone()
    }
}

impl Drop for CloudflareStandIn {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn envelope(result: Value) -> Json<Value> {
    Json(json!({ "success": true, "errors": [], "messages": [], "result": result }))
}

fn failure(status: StatusCode, code: u32, message: &str) -> Response {
    let body =
        json!({ "success": false, "errors": [{ "code": code, "message": message }], "messages": [], "result": null });
    (status, Json(body)).into_response()
}

/// Checks the bearer token; logs the request either way.
fn authorised(inner: &Shared, headers: &HeaderMap, what: &str) -> bool {
    let mut inner = inner.lock().unwrap();
    inner.requests.push(what.to_string());
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    inner.tokens.iter().any(|t| t == token)
}

async fn verify_token(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if !authorised(&inner, &headers, "GET /user/tokens/verify") {
        return failure(StatusCode::UNAUTHORIZED, 1000, "Invalid API Token");
    }
    envelope(json!({ "id": "standin-token", "status": "active" })).into_response()
}

async fn user(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if !authorised(&inner, &headers, "GET /user") {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    let email = inner.lock().unwrap().email.clone();
    envelope(json!({ "id": "standin-user", "email": email })).into_response()
}

fn account_list(inner: &Shared) -> Vec<Account> {
    inner.lock().unwrap().accounts.clone()
}

async fn accounts(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if !authorised(&inner, &headers, "GET /accounts") {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    let list: Vec<Value> = account_list(&inner).iter().map(|a| json!({ "id": a.id, "name": a.name })).collect();
    paged(list)
}

async fn memberships(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if !authorised(&inner, &headers, "GET /memberships") {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    let list: Vec<Value> = account_list(&inner)
        .iter()
        .map(
            |a| json!({ "id": format!("m-{}", a.id), "account": { "id": a.id, "name": a.name }, "status": "accepted" }),
        )
        .collect();
    paged(list)
}

fn paged(list: Vec<Value>) -> Response {
    let count = list.len();
    Json(json!({
        "success": true, "errors": [], "messages": [], "result": list,
        "result_info": { "page": 1, "per_page": 50, "count": count, "total_count": count, "total_pages": 1 }
    }))
    .into_response()
}

async fn not_found(State(inner): State<Shared>, method: axum::http::Method, uri: axum::http::Uri) -> Response {
    inner.lock().unwrap().requests.push(format!("{method} {}", uri.path()));
    failure(
        StatusCode::NOT_FOUND,
        7003,
        "Could not route to the requested path, perhaps your object identifier is invalid?",
    )
}
