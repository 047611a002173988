//! What went wrong talking to Stripe, sorted by what the user can do about it, with what
//! Stripe said: its message, code and parameter, the `Request-Id` to quote to Stripe's
//! support, and whether the answer was replayed from Stripe's idempotency store.

/// What Stripe said along with a failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail {
    pub message: String,
    /// Stripe's `error.code` (`resource_missing`, `rate_limit`, …).
    pub code: Option<String>,
    /// Stripe's `error.param`: the parameter it refused.
    pub param: Option<String>,
    /// The `Request-Id` header: what Stripe's support asks for.
    pub request_id: Option<String>,
    /// `Idempotent-Replayed: true`: Stripe answered from its idempotency store, so sending the
    /// same request with the same key again gives this same answer.
    pub replayed: bool,
    /// `Stripe-Should-Retry`, when Stripe said.
    pub should_retry: Option<bool>,
}

impl Detail {
    pub fn message(message: impl Into<String>) -> Self {
        Self { message: message.into(), ..Self::default() }
    }

    /// ` (request req_…)` when Stripe gave a request id, else nothing.
    fn request_suffix(&self) -> String {
        self.request_id.as_deref().map(|id| format!(" (Stripe request {id})")).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiFailure {
    /// 401: the key was revoked (rolled) or mistyped.
    #[error("Stripe refused the key (401): {}{}", .0.message, .0.request_suffix())]
    Unauthorized(Detail),
    /// 403: a restricted key without the permission.
    #[error("Stripe refused the request (403): {}{}", .0.message, .0.request_suffix())]
    Forbidden(Detail),
    /// 429 after golive's own retries.
    #[error("Stripe asked golive to slow down (429){}", .0.request_suffix())]
    RateLimited(Detail),
    /// Could not reach Stripe at all (DNS, connection refused, TLS, connection dropped).
    #[error("Could not reach Stripe: {0}")]
    Unreachable(String),
    /// Connected, but no answer within the time limit.
    #[error("Stripe did not answer within {seconds} s")]
    TimedOut { seconds: u64 },
    /// Anything else Stripe refused, with its status and message.
    #[error("Stripe refused the request ({status}): {}{}", .detail.message, .detail.request_suffix())]
    Refused { status: u16, detail: Detail },
}

impl ApiFailure {
    /// The sentence to show the user (the same as `Display`).
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// What Stripe said, when it answered.
    pub fn detail(&self) -> Option<&Detail> {
        match self {
            ApiFailure::Unauthorized(d) | ApiFailure::Forbidden(d) | ApiFailure::RateLimited(d) => Some(d),
            ApiFailure::Refused { detail, .. } => Some(detail),
            ApiFailure::Unreachable(_) | ApiFailure::TimedOut { .. } => None,
        }
    }

    /// The HTTP status Stripe answered with (`None`: no answer).
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiFailure::Unauthorized(_) => Some(401),
            ApiFailure::Forbidden(_) => Some(403),
            ApiFailure::RateLimited(_) => Some(429),
            ApiFailure::Refused { status, .. } => Some(*status),
            ApiFailure::Unreachable(_) | ApiFailure::TimedOut { .. } => None,
        }
    }

    /// Stripe's `error.code`, e.g. `resource_missing`.
    pub fn code(&self) -> Option<&str> {
        self.detail().and_then(|d| d.code.as_deref())
    }

    /// Stripe's `Request-Id` for this answer.
    pub fn request_id(&self) -> Option<&str> {
        self.detail().and_then(|d| d.request_id.as_deref())
    }

    /// The answer came from Stripe's idempotency store: the same key gives it again.
    pub fn replayed(&self) -> bool {
        self.detail().is_some_and(|d| d.replayed)
    }

    /// Whether the same request may succeed later: what Stripe says (`Stripe-Should-Retry`),
    /// else 409 (an idempotent request still in flight), 429, 5xx, and no answer at all. A
    /// replayed answer is never retried with the same key: it would only come back again.
    pub fn retryable(&self) -> bool {
        if self.replayed() {
            return false;
        }
        if let Some(should) = self.detail().and_then(|d| d.should_retry) {
            return should;
        }
        match self {
            ApiFailure::RateLimited(_) | ApiFailure::Unreachable(_) | ApiFailure::TimedOut { .. } => true,
            ApiFailure::Refused { status, .. } => matches!(status, 409 | 500..=599),
            ApiFailure::Unauthorized(_) | ApiFailure::Forbidden(_) => false,
        }
    }

    /// The failure for an HTTP answer with `status` and Stripe's error envelope `detail`.
    pub fn from_answer(status: u16, detail: Detail) -> Self {
        match status {
            401 => ApiFailure::Unauthorized(detail),
            403 => ApiFailure::Forbidden(detail),
            429 => ApiFailure::RateLimited(detail),
            status => ApiFailure::Refused { status, detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_stripes_request_id() {
        let detail = Detail { request_id: Some("req_abc".into()), ..Detail::message("No such price: 'price_x'") };
        let failure = ApiFailure::from_answer(404, detail);
        assert_eq!(
            failure.describe(),
            "Stripe refused the request (404): No such price: 'price_x' (Stripe request req_abc)"
        );
        assert_eq!(failure.request_id(), Some("req_abc"));
    }

    #[test]
    fn retry_follows_stripe_then_the_status() {
        let plain = |status| ApiFailure::from_answer(status, Detail::message("x"));
        assert!(plain(500).retryable() && plain(429).retryable() && plain(409).retryable());
        assert!(!plain(400).retryable() && !plain(401).retryable() && !plain(404).retryable());
        let told = |status, should| {
            ApiFailure::from_answer(status, Detail { should_retry: Some(should), ..Detail::message("x") })
        };
        assert!(!told(500, false).retryable());
        assert!(told(400, true).retryable());
        let replayed = ApiFailure::from_answer(500, Detail { replayed: true, ..Detail::message("x") });
        assert!(!replayed.retryable(), "a replayed 500 comes back the same with the same key");
        assert!(ApiFailure::TimedOut { seconds: 30 }.retryable());
    }
}
