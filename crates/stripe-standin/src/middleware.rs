//! What happens to every request before a resource sees it: queued faults, the key check
//! (account and mode), Idempotency-Key replay, and the request log.

use crate::error::ApiError;
use crate::faults::Fault;
use crate::keys::{presented_key, redact_key, Caller};
use crate::state::{RequestRecord, Shared, StoredResponse};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const MAX_BODY: usize = 1 << 20;

pub async fn handle(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let idempotency_key = request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let is_write = request.method() == Method::POST;
    let fault = {
        let mut guard = state.lock().unwrap();
        match guard.faults.pop_front() {
            Some(f) => Some(f),
            None if is_write => take_write_fault(&mut guard.write_faults),
            None => None,
        }
    };
    let mut drop_connection = false;
    let mut livemode = None;
    let response = match fault {
        Some(Fault::Status(429)) => ApiError::rate_limited().into_response(),
        Some(Fault::Status(code)) => {
            let mut err = ApiError::server_error();
            err.status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            err.into_response()
        }
        other => {
            match other {
                Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
                Some(Fault::DropAfterHandling) => drop_connection = true,
                _ => {}
            }
            match authenticate(&state, &request) {
                Err(err) => err.into_response(),
                Ok(caller) if over_rate_limit(&state, &caller) => {
                    livemode = Some(caller.livemode);
                    ApiError::rate_limited().into_response()
                }
                Ok(caller) => {
                    livemode = Some(caller.livemode);
                    match (request.method() == Method::POST, idempotency_key.clone()) {
                        (true, Some(key)) => idempotent(&state, caller, key, request, next).await,
                        _ => {
                            let mut request = request;
                            request.extensions_mut().insert(caller);
                            next.run(request).await
                        }
                    }
                }
            }
        }
    };
    state.lock().unwrap().requests.push(RequestRecord {
        method,
        path,
        status: response.status().as_u16(),
        idempotency_key,
        livemode,
    });
    if drop_connection {
        // A panic in the service makes hyper close the connection with no answer: what a
        // client sees when the network drops after Stripe has acted on the request.
        std::panic::resume_unwind(Box::new("stand-in: connection dropped on purpose"));
    }
    response
}

/// The fault queued for this write, if any; counts the other queued writes down.
fn take_write_fault(queue: &mut Vec<(usize, Fault)>) -> Option<Fault> {
    let hit = queue.iter().position(|(n, _)| *n == 0).map(|i| queue.remove(i).1);
    for (n, _) in queue.iter_mut() {
        *n = n.saturating_sub(1);
    }
    hit
}

/// Counts the request against its account and mode's budget for the current second.
fn over_rate_limit(state: &Shared, caller: &Caller) -> bool {
    let mut guard = state.lock().unwrap();
    let Some(limit) = guard.rate_limit else { return false };
    let second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let window = guard.rate_window.entry((caller.account_id.clone(), caller.livemode)).or_insert((second, 0));
    if window.0 != second {
        *window = (second, 0);
    }
    window.1 += 1;
    window.1 > limit
}

fn authenticate(state: &Shared, request: &Request) -> Result<Caller, ApiError> {
    let key = presented_key(request.headers())?;
    let state = state.lock().unwrap();
    let record = state.keys.get(&key).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            format!("Invalid API Key provided: {}", redact_key(&key)),
        )
    })?;
    Ok(Caller { key, account_id: record.account_id.clone(), livemode: record.livemode, access: record.access.clone() })
}

/// Runs a POST at most once per (account, mode, key): a retry with the same body gets the
/// first answer again (`Idempotent-Replayed: true`); a different body or path is refused.
async fn idempotent(state: &Shared, caller: Caller, key: String, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return ApiError::invalid_request("The request body could not be read.").into_response();
    };
    let slot = (caller.account_id.clone(), caller.livemode, key.clone());
    let path = parts.uri.path().to_string();
    {
        let mut guard = state.lock().unwrap();
        match guard.idempotency.get(&slot) {
            Some(Some(stored)) => return replay(stored, &path, &body, &key),
            Some(None) => {
                return ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_error",
                    "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): "
                        .to_string()
                        + &key
                        + ". Please try again later.",
                )
                .into_response()
            }
            None => {
                guard.idempotency.insert(slot.clone(), None);
            }
        }
    }
    let mut request = Request::from_parts(parts, Body::from(body.clone()));
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    let (parts, response_body) = response.into_parts();
    let response_bytes = to_bytes(response_body, MAX_BODY).await.unwrap_or_default();
    let status = parts.status.as_u16();
    {
        let mut guard = state.lock().unwrap();
        // Stripe keeps the result once the endpoint has started executing; a request refused
        // by validation or rate limiting keeps no result, so the key can be used again.
        if !(400..500).contains(&status) {
            guard.idempotency.insert(
                slot,
                Some(StoredResponse { path, body: body.to_vec(), status, response: response_bytes.to_vec() }),
            );
        } else {
            guard.idempotency.remove(&slot);
        }
    }
    Response::from_parts(parts, Body::from(response_bytes))
}

fn replay(stored: &StoredResponse, path: &str, body: &[u8], key: &str) -> Response {
    if stored.path != path || stored.body != body {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
        )
        .into_response();
    }
    let mut response = Response::new(Body::from(stored.response.clone()));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
