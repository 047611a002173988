//! Every request passes here first: it is logged (`METHOD path`, never a body), a queued
//! failure for its path is served, and the bearer token (and the account, when the path
//! names one) is checked.

use crate::envelope::{failure, AUTHENTICATION_ERROR};
use crate::state::{QueuedFailure, Shared};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// Why a request was not admitted.
pub enum Refused {
    /// A failure a test queued for this path.
    Queued(QueuedFailure),
    /// The token is unknown, or may not act on the account.
    Unauthorized,
}

impl Refused {
    /// The queued failure, or Cloudflare's answer for an unauthorised request.
    pub fn or_code(self, status: StatusCode, code: u32, message: &str) -> Response {
        match self {
            Refused::Queued(q) => {
                let status = StatusCode::from_u16(q.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                failure(status, q.code, &q.message)
            }
            Refused::Unauthorized => failure(status, code, message),
        }
    }

    /// The queued failure, or the usual 403 code 10000.
    pub fn response(self) -> Response {
        self.or_code(StatusCode::FORBIDDEN, AUTHENTICATION_ERROR, "Authentication error")
    }
}

pub fn admit(inner: &Shared, headers: &HeaderMap, what: &str, account: Option<&str>) -> Result<(), Refused> {
    let mut inner = inner.lock().unwrap();
    inner.requests.push(what.to_string());
    if let Some(i) = inner.failures.iter().position(|f| what.contains(&f.path_contains)) {
        return Err(Refused::Queued(inner.failures.remove(i)));
    }
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !inner.tokens.iter().any(|t| t == token) {
        return Err(Refused::Unauthorized);
    }
    if let Some(account) = account {
        if !inner.accounts.iter().any(|a| a.id == account) {
            return Err(Refused::Unauthorized);
        }
    }
    Ok(())
}
