//! Reading Stripe-style form bodies and query strings (bracket notation, `expand[]`),
//! turning serde's complaints into Stripe's `parameter_unknown` / `parameter_missing` errors.

use crate::error::ApiError;
use serde::de::DeserializeOwned;

/// Parses a form body or query string into `T`, as Stripe would judge it.
pub fn parse<T: DeserializeOwned>(input: &[u8]) -> Result<T, ApiError> {
    let config = serde_qs::Config::new(5, false);
    config.deserialize_bytes(input).map_err(|e| to_api_error(&e.to_string()))
}

fn to_api_error(message: &str) -> ApiError {
    let quoted = message.split('`').nth(1).unwrap_or("").to_string();
    if message.contains("unknown field") {
        ApiError::unknown_param(&quoted)
    } else if message.contains("missing field") {
        ApiError::missing_param(&quoted)
    } else {
        ApiError::invalid_request(format!("Invalid request: {message}"))
    }
}

/// Stripe's boolean parameters arrive as the strings `true`/`false`.
pub fn parse_bool(param: &str, raw: &Option<String>) -> Result<Option<bool>, ApiError> {
    match raw.as_deref() {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::invalid_request(format!("Invalid boolean: {other}")).param(param)),
    }
}

/// Stripe's integer parameters arrive as decimal strings.
pub fn parse_int(param: &str, raw: &Option<String>) -> Result<Option<i64>, ApiError> {
    match raw.as_deref() {
        None => Ok(None),
        Some(text) => text.parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid_request(format!("Invalid integer: {text}")).code("parameter_invalid_integer").param(param)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        metadata: Option<BTreeMap<String, String>>,
    }

    #[test]
    fn reads_bracket_notation_encoded_or_not() {
        let s: Sample = parse(b"name=Pro&metadata%5Bplan%5D=pro").unwrap();
        assert_eq!(s.metadata.unwrap()["plan"], "pro");
        let s: Sample = parse(b"name=Pro&metadata[plan]=pro").unwrap();
        assert_eq!(s.name, "Pro");
    }

    #[test]
    fn names_unknown_and_missing_params_like_stripe() {
        let err = parse::<Sample>(b"name=x&colour=red").unwrap_err();
        assert_eq!(err.message, "Received unknown parameter: colour");
        let err = parse::<Sample>(b"metadata[plan]=pro").unwrap_err();
        assert_eq!(err.message, "Missing required param: name.");
    }
}
