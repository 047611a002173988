//! Faults a test can queue — the next requests answer with an error status, arrive late,
//! never answer, fail after their effects landed, or lose their connection, the way Stripe's
//! network sometimes behaves — and the test-only HTTP routes that queue them and move the
//! clock from outside Rust:
//!
//! - `POST /_standin/faults` with JSON `{"kind": "status"|"delay"|"hang"|"drop"|"fail_while_processing",
//!   "status": 500, "ms": 2000, "on_write": 0}` (`status` for `status` and
//!   `fail_while_processing`, `ms` for `delay`; `on_write: n` aims at the n-th write from now
//!   instead of the next request);
//! - `POST /_standin/clock` with JSON `{"seconds": 90000}` moves the stand-in's clock forward;
//! - `POST /_standin/checkout/sessions/{id}/complete`, with an API key (it says the account
//!   and mode), completes a Checkout Session as a customer would and answers `{customer,
//!   subscription, invoice}` ([`crate::resources::checkout::complete`]).
//!
//! They answer only when the stand-in was started with test routes on (`--test-routes`,
//! `STRIPE_STANDIN_TEST_ROUTES=1`, [`crate::StandIn::enable_test_routes`]); otherwise they are
//! unknown URLs (Stripe's 404 envelope), and only the completion needs an API key.

use crate::error::ApiError;
use crate::state::Shared;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and Stripe's envelope (429 → rate limit, 5xx →
    /// api_error) before the request runs: nothing happens, no idempotent result is saved.
    Status(u16),
    /// Serve the request this much later (after it has taken its idempotency key, so a
    /// concurrent retry with the same key meets a key in flight), then normally.
    Delay(Duration),
    /// Handle the request (its effects land) but close the connection without an answer.
    DropAfterHandling,
    /// Accept the request and never answer (until the stand-in stops): for time limits.
    Hang,
    /// Run the request (its effects land), then answer this status as a failure raised while
    /// processing. Stripe saves such a result under the idempotency key: a retry with the same
    /// key gets the same failure back (`Idempotent-Replayed: true`).
    FailWhileProcessing(u16),
}

/// The JSON body of `POST /_standin/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    kind: String,
    status: Option<u16>,
    ms: Option<u64>,
    on_write: Option<usize>,
}

/// The JSON body of `POST /_standin/clock`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    seconds: i64,
}

fn bad(message: String) -> Response {
    ApiError::invalid_request(message).into_response()
}

fn parse_fault(request: &FaultRequest) -> Result<Fault, String> {
    let status = || {
        request
            .status
            .filter(|s| StatusCode::from_u16(*s).is_ok_and(|code| code.is_client_error() || code.is_server_error()))
            .ok_or_else(|| format!("kind \"{}\" needs \"status\": an HTTP error status (400-599)", request.kind))
    };
    Ok(match request.kind.as_str() {
        "status" => Fault::Status(status()?),
        "fail_while_processing" => Fault::FailWhileProcessing(status()?),
        "delay" => Fault::Delay(Duration::from_millis(
            request.ms.ok_or("kind \"delay\" needs \"ms\": how long to wait, in milliseconds")?,
        )),
        "hang" => Fault::Hang,
        "drop" => Fault::DropAfterHandling,
        other => {
            return Err(format!(
                "unknown fault kind \"{other}\": use one of status, delay, hang, drop, fail_while_processing"
            ))
        }
    })
}

/// Serves a test-only route (the middleware calls this only when test routes are on).
pub(crate) fn control(state: &Shared, method: &str, path: &str, body: &[u8]) -> Response {
    match (method, path) {
        ("POST", "/_standin/faults") => {
            let request: FaultRequest = match serde_json::from_slice(body) {
                Ok(r) => r,
                Err(e) => return bad(format!("a fault is JSON like {{\"kind\":\"status\",\"status\":500}}: {e}")),
            };
            let fault = match parse_fault(&request) {
                Ok(f) => f,
                Err(e) => return bad(e),
            };
            let mut guard = state.lock().unwrap();
            match request.on_write {
                Some(n) => guard.write_faults.push((n, fault)),
                None => guard.faults.push_back(fault),
            }
            Json(serde_json::json!({ "queued": request.kind, "on_write": request.on_write })).into_response()
        }
        ("POST", "/_standin/clock") => {
            let request: ClockRequest = match serde_json::from_slice(body) {
                Ok(r) => r,
                Err(e) => return bad(format!("the clock takes JSON like {{\"seconds\":90000}}: {e}")),
            };
            if request.seconds < 0 {
                return bad("the clock only moves forward: \"seconds\" must be 0 or more".into());
            }
            let mut guard = state.lock().unwrap();
            guard.clock_offset += request.seconds;
            guard.persist();
            Json(serde_json::json!({ "offset_seconds": guard.clock_offset, "now": guard.now() })).into_response()
        }
        _ => ApiError::unrecognized(method, path).into_response(),
    }
}
