//! Stripe's error envelope (`{"error":{"code","doc_url","message","param","type"}}`, plus
//! `request_log_url` which the middleware adds once it knows the request) and the status
//! codes Stripe uses for each kind of failure: 400 for bad parameters — including a
//! parameter that names an object that does not exist (`resource_missing` with that
//! `param`) — 401 unknown key, 403 restricted key, 404 an object in the URL that does not
//! exist or an unknown URL (also a known URL with a method it does not take), 409 an
//! idempotency key in use, 429 rate limit, 5xx Stripe's own failures.
//!
//! Whether an error keeps its idempotency key's result: a refusal before the endpoint starts
//! (`invalid_request_error` and `idempotency_error` with a 4xx status) is marked
//! [`NotExecuted`] and saves nothing; other errors (5xx `api_error`, 402 `card_error`) are
//! results, saved and replayed like successes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Marks an answer given before the endpoint started executing: the middleware saves no
/// idempotent result for it, so the same key can be used again.
#[derive(Debug, Clone, Copy)]
pub struct NotExecuted;

/// One API error, rendered exactly as Stripe renders it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_type: &'static str,
    pub code: Option<&'static str>,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error_type: &'static str, message: impl Into<String>) -> Self {
        Self { status, error_type, code: None, message: message.into(), param: None }
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
    }

    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self.reference_is_bad_request()
    }

    /// Names the parameter at fault. A `resource_missing` about any parameter but the URL's
    /// `id` is a reference to an object that does not exist: Stripe answers that with 400.
    pub fn param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self.reference_is_bad_request()
    }

    fn reference_is_bad_request(mut self) -> Self {
        if self.code == Some("resource_missing") && self.param.as_deref().is_some_and(|p| p != "id") {
            self.status = StatusCode::BAD_REQUEST;
        }
        self
    }

    pub fn missing_param(param: &str) -> Self {
        Self::invalid_request(format!("Missing required param: {param}.")).code("parameter_missing").param(param)
    }

    pub fn unknown_param(param: &str) -> Self {
        Self::invalid_request(format!("Received unknown parameter: {param}")).code("parameter_unknown").param(param)
    }

    pub fn invalid_value(param: &str, message: impl Into<String>) -> Self {
        Self::invalid_request(message).code("parameter_invalid_empty").param(param)
    }

    /// A value outside an enum the typings declare: `Invalid interval: must be one of day,
    /// month, week, or year`, with the parameter (Stripe sends no `code` for these).
    pub fn not_one_of(param: &str, allowed: &[&str]) -> Self {
        let list = match allowed {
            [] => String::new(),
            [one] => one.to_string(),
            [rest @ .., last] => format!("{}, or {last}", rest.join(", ")),
        };
        Self::invalid_request(format!("Invalid {param}: must be one of {list}")).param(param)
    }

    /// The object in the URL does not exist (404, `param: id`). For a parameter that names an
    /// object, add `.param(name)`: that makes it Stripe's 400.
    pub fn no_such(kind: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "invalid_request_error", format!("No such {kind}: '{id}'"))
            .code("resource_missing")
            .param("id")
    }

    /// The object in the URL does not exist in the key's mode; `in_other_mode`: it exists in
    /// the other one, which Stripe says (the tell of a test-mode id in live code).
    pub fn no_such_in_mode(kind: &str, id: &str, livemode: bool, in_other_mode: bool) -> Self {
        let mut e = Self::no_such(kind, id);
        if in_other_mode {
            let (other, this) = if livemode { ("test", "live") } else { ("live", "test") };
            e.message = format!(
                "No such {kind}: '{id}'; a similar object exists in {other} mode, but a {this} mode key was used to make this request."
            );
        }
        e
    }

    /// A URL Stripe does not serve, or a method it does not take on a URL it does serve.
    pub fn unrecognized(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            ),
        )
    }

    /// A `Stripe-Version` header naming no released API version.
    pub fn invalid_api_version(version: &str) -> Self {
        Self::invalid_request(format!("Invalid Stripe API version: {version}"))
    }

    pub fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "invalid_request_error",
            "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        )
        .code("rate_limit")
    }

    /// Another request with the same idempotency key is still running.
    pub fn idempotency_in_use(key: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "idempotency_error",
            format!(
                "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): {key}. Please try again later."
            ),
        )
        .code("idempotency_key_in_use")
    }

    /// The key was first used with another endpoint or other parameters.
    pub fn idempotency_mismatch(key: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
        )
    }

    pub fn server_error() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "api_error", "An unknown error occurred. Please try again later.")
    }

    /// Stripe's answer with `status` for a request that failed while being processed:
    /// `api_error` for 5xx, `card_error` for 402, `invalid_request_error` otherwise.
    pub fn processing_failure(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match status.as_u16() {
            429 => Self::rate_limited(),
            402 => Self::new(status, "card_error", "Your card was declined.").code("card_declined"),
            s if s >= 500 => Self { status, ..Self::server_error() },
            _ => Self::new(status, "invalid_request_error", "The request could not be processed."),
        }
    }

    /// Whether this error refuses the request before the endpoint runs (see the module doc).
    pub fn refuses_before_execution(&self) -> bool {
        self.status.is_client_error() && matches!(self.error_type, "invalid_request_error" | "idempotency_error")
    }

    pub fn to_json(&self) -> serde_json::Value {
        let mut error = json!({ "type": self.error_type, "message": self.message });
        if let Some(code) = self.code {
            error["code"] = json!(code);
            error["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")));
        }
        if let Some(param) = &self.param {
            error["param"] = json!(param);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.to_json())).into_response();
        if self.status == StatusCode::TOO_MANY_REQUESTS || self.status.is_server_error() {
            response.headers_mut().insert("stripe-should-retry", "true".parse().unwrap());
        }
        if self.refuses_before_execution() {
            response.extensions_mut().insert(NotExecuted);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_reference_is_400_and_a_missing_url_object_404() {
        assert_eq!(ApiError::no_such("price", "price_x").status, StatusCode::NOT_FOUND);
        let reference = ApiError::no_such("product", "prod_x").param("product");
        assert_eq!(reference.status, StatusCode::BAD_REQUEST);
        assert_eq!(reference.code, Some("resource_missing"));
        assert_eq!(reference.to_json()["error"]["param"], "product");
    }

    #[test]
    fn enum_errors_list_the_choices_like_stripe() {
        let err = ApiError::not_one_of("recurring[interval]", &["day", "month", "week", "year"]);
        assert_eq!(err.message, "Invalid recurring[interval]: must be one of day, month, week, or year");
        assert_eq!(err.param.as_deref(), Some("recurring[interval]"));
    }
}
