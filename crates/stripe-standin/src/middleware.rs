//! What happens to every request around the resource that serves it: queued faults, the key
//! check (account and mode), the `Stripe-Version` check, per-mode rate limits,
//! Idempotency-Key replay, Stripe's JSON (pretty, Stripe's key order, `request_log_url` on
//! errors), a `Request-Id` on every answer (and to the handler, as [`RequestId`], for the
//! events it records), and the request log. Test-only routes under `/_standin/` are served
//! here too, before any of that, when they are on (Checkout completion with the caller's key
//! for its account and mode).
//!
//! Idempotency, as Stripe documents it: a POST with an `Idempotency-Key` runs at most once
//! per (account, mode, key). Its result is saved once the endpoint has started executing —
//! successes and errors raised while processing alike (5xx, 402, a
//! [`Fault::FailWhileProcessing`]) — and every retry with the same key and the same path and
//! body gets that result again, with `Idempotent-Replayed: true` and `Original-Request:` the
//! first request's id; other parameters under the same key are refused (400
//! `idempotency_error`). Nothing is saved for a request refused before it ran: bad
//! parameters, 401/403, 404, 429, a bad `Stripe-Version`, a queued `Fault::Status`, or a key
//! already in flight (409 `idempotency_key_in_use`) — the same key can be used again. Keys
//! are forgotten 24 hours after their result was saved (by the stand-in's clock, which tests
//! can move); the same request then runs again, a duplicate, as with real Stripe.
//!
//! Request ids: every answer carries a fresh `Request-Id: req_…`, including errors, unknown
//! URLs and replays (a replay is a request of its own, as in Stripe's logs); an idempotent
//! answer also carries `Original-Request:` with the id of the request whose result it is
//! (its own on the first run).
//!
//! A stand-in that persists saves its state after every request that is not a GET, before
//! the answer leaves (see [`crate::persist`]).

use crate::error::{ApiError, NotExecuted};
use crate::faults::{self, Fault};
use crate::ids::{new_request_id, with_clock};
use crate::keys::{presented_key, redact_key, Caller};
use crate::state::{RequestRecord, Shared, StoredResponse};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use stripe_spec::objects::to_stripe_json;

const MAX_BODY: usize = 1 << 20;
/// Stripe prunes idempotency keys once they are at least 24 hours old.
const KEY_LIFETIME_SECONDS: i64 = 24 * 60 * 60;
/// Stripe's limit on an idempotency key's length.
const MAX_KEY_LENGTH: usize = 255;
/// Answer headers a replay repeats.
const REPLAYED_HEADERS: [&str; 2] = ["content-type", "stripe-should-retry"];

/// The `Request-Id` of the request being served, for handlers whose events name the request
/// that caused them (`request.id`).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// What a queued fault does to the request while it runs.
#[derive(Default, Clone, Copy)]
struct Plan {
    /// Serve it this much later (it holds its idempotency key meanwhile).
    delay: Option<std::time::Duration>,
    /// Answer this failure after it ran.
    fail: Option<u16>,
}

/// What the log and the connection need to know about how a request went.
#[derive(Default)]
struct Outcome {
    livemode: Option<bool>,
    replayed: bool,
    drop_connection: bool,
}

fn header(request: &Request, name: &str) -> Option<String> {
    request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// Runs each request apart from its connection: Stripe finishes a request it has received
/// even when the client stops waiting for the answer (a timeout, a dropped connection), so
/// a client that gives up must never stop what it asked for from landing.
pub async fn handle(State(state): State<Shared>, request: Request, next: Next) -> Response {
    match tokio::spawn(handle_detached(state, request, next)).await {
        Ok(response) => response,
        // A deliberate "connection dropped" (see below) or a bug: close the connection.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Response::default(),
    }
}

async fn handle_detached(state: Shared, request: Request, next: Next) -> Response {
    let request_id = new_request_id();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    if path == "/_standin" || path.starts_with("/_standin/") {
        let enabled = state.lock().unwrap().test_routes;
        let completing = path
            .strip_prefix("/_standin/checkout/sessions/")
            .and_then(|rest| rest.strip_suffix("/complete"))
            .filter(|id| method == "POST" && !id.is_empty() && !id.contains('/'))
            .map(str::to_string);
        let response = if !enabled {
            ApiError::unrecognized(&method, &path).into_response()
        } else if let Some(session) = completing {
            // The caller's key says whose session it is (account and mode).
            match authenticate(&state, &request) {
                Ok(caller) => crate::resources::checkout::complete_over_http(&state, &caller, &session).await,
                Err(err) => err.into_response(),
            }
        } else {
            let body = to_bytes(request.into_body(), MAX_BODY).await.unwrap_or_default();
            faults::control(&state, &method, &path, &body)
        };
        return with_request_id(render(response, None, &request_id).await, &request_id);
    }
    let idempotency_key = header(&request, "idempotency-key");
    let stripe_version = header(&request, "stripe-version");
    let is_write = request.method() == Method::POST;
    let method_changes_state = !matches!(*request.method(), Method::GET | Method::HEAD);
    let fault = {
        let mut guard = state.lock().unwrap();
        match guard.faults.pop_front() {
            Some(f) => Some(f),
            None if is_write => take_write_fault(&mut guard.write_faults),
            None => None,
        }
    };
    let mut outcome = Outcome::default();
    let response = match fault {
        Some(Fault::Status(code)) => {
            render(ApiError::processing_failure(code).into_response(), None, &request_id).await
        }
        Some(Fault::Hang) => {
            hang(&state).await;
            outcome.drop_connection = true;
            Response::default()
        }
        other => {
            let mut plan = Plan::default();
            match other {
                Some(Fault::Delay(d)) => plan.delay = Some(d),
                Some(Fault::DropAfterHandling) => outcome.drop_connection = true,
                Some(Fault::FailWhileProcessing(code)) => plan.fail = Some(code),
                _ => {}
            }
            serve(&state, request, next, &request_id, stripe_version.as_deref(), plan, &mut outcome).await
        }
    };
    let response = with_request_id(response, &request_id);
    let mut guard = state.lock().unwrap();
    guard.requests.push(RequestRecord {
        method,
        path,
        status: response.status().as_u16(),
        idempotency_key,
        livemode: outcome.livemode,
        request_id,
        stripe_version,
        replayed: outcome.replayed,
    });
    if method_changes_state {
        // Saved before the answer leaves: what a client was told is on disk.
        guard.persist();
    }
    drop(guard);
    if outcome.drop_connection {
        // A panic in the service makes hyper close the connection with no answer: what a
        // client sees when the network drops after Stripe has acted on the request.
        std::panic::resume_unwind(Box::new("stand-in: connection dropped on purpose"));
    }
    response
}

/// Authenticates, checks the version and the rate limit, then runs the request (through the
/// idempotency layer for a keyed POST).
async fn serve(
    state: &Shared,
    request: Request,
    next: Next,
    request_id: &str,
    stripe_version: Option<&str>,
    plan: Plan,
    outcome: &mut Outcome,
) -> Response {
    let caller = match authenticate(state, &request) {
        Ok(caller) => caller,
        Err(err) => return render(err.into_response(), None, request_id).await,
    };
    let livemode = caller.livemode;
    outcome.livemode = Some(livemode);
    if let Some(version) = stripe_version.filter(|v| !stripe_spec::versions::is_released(v)) {
        return render(ApiError::invalid_api_version(version).into_response(), Some(livemode), request_id).await;
    }
    if over_rate_limit(state, &caller, &operation(request.method(), request.uri().path())) {
        return render(ApiError::rate_limited().into_response(), Some(livemode), request_id).await;
    }
    // The time Stripe takes to answer, counted after the rate limiter as Stripe's is.
    let latency = state.lock().unwrap().latency;
    if let Some((fixed, jitter)) = latency {
        let extra = jitter.mul_f64(rand::random::<f64>());
        tokio::time::sleep(fixed + extra).await;
    }
    let key = header(&request, "idempotency-key");
    match key {
        Some(key) if request.method() == Method::POST => {
            idempotent(state, caller, key, request, next, request_id, plan, outcome).await
        }
        _ => execute(state, caller, request, next, request_id, plan).await,
    }
}

/// Runs the resource handler on the stand-in's clock, applies a `FailWhileProcessing`
/// fault, and renders the answer as Stripe writes it.
async fn execute(
    state: &Shared,
    caller: Caller,
    mut request: Request,
    next: Next,
    request_id: &str,
    plan: Plan,
) -> Response {
    let livemode = caller.livemode;
    if let Some(delay) = plan.delay {
        tokio::time::sleep(delay).await;
    }
    let offset = state.lock().unwrap().clock_offset;
    request.extensions_mut().insert(caller);
    request.extensions_mut().insert(RequestId(request_id.to_string()));
    let response = with_clock(offset, next.run(request)).await;
    let response = match plan.fail {
        Some(code) => {
            // The endpoint ran (its effects landed) and then failed: a result, saved.
            let mut failed = ApiError::processing_failure(code).into_response();
            failed.extensions_mut().remove::<NotExecuted>();
            failed
        }
        None => response,
    };
    render(response, Some(livemode), request_id).await
}

/// Rewrites a JSON answer as Stripe writes it: pretty, Stripe's key order, and on an error of
/// a known account the `request_log_url` of the request in the Dashboard.
async fn render(response: Response, livemode: Option<bool>, request_id: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let is_json = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let Some(mut value) = is_json.then(|| serde_json::from_slice::<serde_json::Value>(&bytes).ok()).flatten() else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let (Some(livemode), Some(error)) = (livemode, value.get_mut("error").and_then(|e| e.as_object_mut())) {
        let mode = if livemode { "" } else { "test/" };
        let url = format!("https://dashboard.stripe.com/{mode}logs/{request_id}?t={}", crate::ids::real_now());
        error.insert("request_log_url".into(), url.into());
    }
    parts.headers.insert("content-type", HeaderValue::from_static("application/json"));
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(to_stripe_json(&value)))
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("request-id", value);
    }
    response
}

/// Holds a request until the stand-in stops: the client sees a connection that never answers.
async fn hang(state: &Shared) {
    let notify = {
        let guard = state.lock().unwrap();
        if guard.stopped {
            return;
        }
        guard.shutdown.clone()
    };
    let notified = notify.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    if state.lock().unwrap().stopped {
        return;
    }
    notified.await;
}

/// The fault queued for this write, if any; counts the other queued writes down.
fn take_write_fault(queue: &mut Vec<(usize, Fault)>) -> Option<Fault> {
    let hit = queue.iter().position(|(n, _)| *n == 0).map(|i| queue.remove(i).1);
    for (n, _) in queue.iter_mut() {
        *n = n.saturating_sub(1);
    }
    hit
}

/// The named API operation a request is: its method and path with object ids as `:id`
/// (`POST /v1/prices`, `POST /v1/products/:id`), as Stripe budgets them.
pub fn operation(method: &Method, path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .map(|s| {
            // An object id: a lowercase prefix, an underscore, then a generated part with
            // capitals or digits (prod_NWjs8kKb…, cs_test_a1B2…); `webhook_endpoints` is a name.
            let id = s.split_once('_').is_some_and(|(prefix, rest)| {
                !prefix.is_empty()
                    && prefix.chars().all(|c| c.is_ascii_lowercase())
                    && rest.chars().any(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            });
            if id {
                ":id"
            } else {
                s
            }
        })
        .collect();
    format!("{method} {}", segments.join("/"))
}

/// Counts the request against its account's budget in its mode and its operation's budget,
/// for the current second; over either is a 429.
fn over_rate_limit(state: &Shared, caller: &Caller, operation: &str) -> bool {
    let mut guard = state.lock().unwrap();
    let limits = guard.rate_limits;
    let second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut over = false;
    for (name, limit) in [("", limits.for_mode(caller.livemode)), (operation, limits.per_operation)] {
        let Some(limit) = limit else { continue };
        let key = (caller.account_id.clone(), caller.livemode, name.to_string());
        let window = guard.rate_window.entry(key).or_insert((second, 0));
        if window.0 != second {
            *window = (second, 0);
        }
        window.1 += 1;
        over |= window.1 > limit;
    }
    over
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

/// Runs a POST at most once per (account, mode, key) while the key lives (see the module doc).
#[allow(clippy::too_many_arguments)]
async fn idempotent(
    state: &Shared,
    caller: Caller,
    key: String,
    request: Request,
    next: Next,
    request_id: &str,
    plan: Plan,
    outcome: &mut Outcome,
) -> Response {
    let livemode = caller.livemode;
    if key.chars().count() > MAX_KEY_LENGTH {
        let err = ApiError::invalid_request(format!(
            "Idempotency-Key is {} characters long; idempotency keys can be up to {MAX_KEY_LENGTH} characters.",
            key.chars().count()
        ));
        return render(err.into_response(), Some(livemode), request_id).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        let err = ApiError::invalid_request("The request body could not be read.");
        return render(err.into_response(), Some(livemode), request_id).await;
    };
    let slot = (caller.account_id.clone(), livemode, key.clone());
    let path = parts.uri.path().to_string();
    enum Seen {
        Replay(Response),
        Mismatch,
        InFlight,
        New,
    }
    let seen = {
        let mut guard = state.lock().unwrap();
        let now = guard.now();
        if let Some(Some(stored)) = guard.idempotency.get(&slot) {
            if now - stored.saved_at >= KEY_LIFETIME_SECONDS {
                guard.idempotency.remove(&slot);
            }
        }
        let seen = match guard.idempotency.get(&slot) {
            Some(Some(stored)) if stored.path == path && stored.body == body.as_ref() => Seen::Replay(replay(stored)),
            Some(Some(_)) => Seen::Mismatch,
            Some(None) => Seen::InFlight,
            None => Seen::New,
        };
        if matches!(seen, Seen::New) {
            guard.idempotency.insert(slot.clone(), None);
        }
        seen
    };
    match seen {
        Seen::Replay(response) => {
            outcome.replayed = true;
            return response;
        }
        Seen::Mismatch => {
            return render(ApiError::idempotency_mismatch(&key).into_response(), Some(livemode), request_id).await
        }
        Seen::InFlight => {
            return render(ApiError::idempotency_in_use(&key).into_response(), Some(livemode), request_id).await
        }
        Seen::New => {}
    }
    let request = Request::from_parts(parts, Body::from(body.clone()));
    let response = execute(state, caller, request, next, request_id, plan).await;
    let executed = response.extensions().get::<NotExecuted>().is_none();
    let (mut parts, response_body) = response.into_parts();
    let response_bytes = to_bytes(response_body, usize::MAX).await.unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        parts.headers.insert("original-request", value);
    }
    {
        let mut guard = state.lock().unwrap();
        if executed {
            let headers = REPLAYED_HEADERS
                .iter()
                .filter_map(|name| {
                    parts.headers.get(*name).and_then(|v| v.to_str().ok()).map(|v| (name.to_string(), v.to_string()))
                })
                .collect();
            let stored = StoredResponse {
                path,
                body: body.to_vec(),
                status: parts.status.as_u16(),
                response: response_bytes.to_vec(),
                headers,
                request_id: request_id.to_string(),
                saved_at: guard.now(),
            };
            guard.idempotency.insert(slot, Some(stored));
        } else {
            guard.idempotency.remove(&slot);
        }
    }
    Response::from_parts(parts, Body::from(response_bytes))
}

/// The saved answer again, marked as a replay of the request that produced it.
fn replay(stored: &StoredResponse) -> Response {
    let mut response = Response::new(Body::from(stored.response.clone()));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) =
            (axum::http::HeaderName::try_from(name.as_str()), HeaderValue::from_str(value.as_str()))
        {
            headers.insert(name, value);
        }
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Ok(value) = HeaderValue::from_str(&stored.request_id) {
        headers.insert("original-request", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::operation;
    use axum::http::Method;

    #[test]
    fn operations_are_named_with_ids_taken_out() {
        assert_eq!(operation(&Method::POST, "/v1/prices"), "POST /v1/prices");
        assert_eq!(operation(&Method::POST, "/v1/products/prod_NWjs8kKbJWmuuc"), "POST /v1/products/:id");
        assert_eq!(operation(&Method::GET, "/v1/webhook_endpoints"), "GET /v1/webhook_endpoints");
        assert_eq!(
            operation(&Method::POST, "/v1/test_helpers/test_clocks/clock_1Q2w3E4r/advance"),
            "POST /v1/test_helpers/test_clocks/:id/advance"
        );
        assert_eq!(operation(&Method::GET, "/v1/checkout/sessions/cs_test_a1B2c3"), "GET /v1/checkout/sessions/:id");
    }
}
