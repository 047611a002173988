//! API keys: which account and mode each key belongs to, what a restricted key may do,
//! and how a request proves which key it carries (Bearer or Basic, as Stripe accepts).

use crate::error::ApiError;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a key is allowed to do. Secret keys may do everything; restricted keys only
/// what their permissions list (`"products:read"`, `"products:write"`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    Full,
    Restricted(BTreeSet<String>),
}

/// A key the stand-in knows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyRecord {
    pub account_id: String,
    pub livemode: bool,
    pub access: Access,
    /// How many rolls made it (0 for a key the account started with): the newest is the
    /// one the Dashboard shows.
    #[serde(default)]
    pub generation: u32,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: String,
    pub account_id: String,
    pub livemode: bool,
    pub access: Access,
}

impl Caller {
    /// Refuses the request with Stripe's 403 when a restricted key lacks `permission`.
    pub fn require(&self, resource: &str, write: bool) -> Result<(), ApiError> {
        let Access::Restricted(perms) = &self.access else {
            return Ok(());
        };
        let needed = format!("{resource}:{}", if write { "write" } else { "read" });
        let write_grants_read = format!("{resource}:write");
        if perms.contains(&needed) || (!write && perms.contains(&write_grants_read)) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_request_error",
            format!(
                "The provided key '{}' does not have the required permissions for this endpoint on account '{}'. Having the 'rak_{}_{}' permission would allow this request to continue.",
                redact_key(&self.key),
                self.account_id,
                resource,
                if write { "write" } else { "read" }
            ),
        ))
    }
}

/// Stripe's way of naming a key in an error: prefix, stars, last four characters.
pub fn redact_key(key: &str) -> String {
    let prefix_len = key.match_indices('_').nth(1).map(|(i, _)| i + 1).unwrap_or(0);
    let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{}{}{}", &key[..prefix_len], "*".repeat(12), tail)
}

/// The key a request carries, from `Authorization: Bearer …` or Basic with the key as user.
pub fn presented_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let unauthorized = |msg: String| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_request_error", msg);
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(unauthorized(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').".into(),
        ));
    };
    if let Some(key) = value.strip_prefix("Bearer ") {
        return Ok(key.trim().to_string());
    }
    if let Some(encoded) = value.strip_prefix("Basic ") {
        if let Some(user) = decode_basic_user(encoded.trim()) {
            return Ok(user);
        }
    }
    Err(unauthorized("Invalid API Key provided: the Authorization header is malformed.".into()))
}

fn decode_basic_user(encoded: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(text.split(':').next().unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_prefix_and_last_four_only() {
        assert_eq!(redact_key("sk_test_abcdefgh1234"), "sk_test_************1234");
    }

    #[test]
    fn basic_auth_user_is_the_key() {
        // "sk_test_x:" in base64
        assert_eq!(decode_basic_user("c2tfdGVzdF94Og==").as_deref(), Some("sk_test_x"));
    }
}
