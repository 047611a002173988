//! golive's HTTP client for Stripe's API: every request carries the one API version golive
//! is written for (`Stripe-Version: 2026-10-28.endive`, the version its webhook endpoints
//! are pinned to), a time limit, and — for writes — the caller's Idempotency-Key; every
//! failure carries Stripe's error envelope and `Request-Id`.
//!
//! Why not async-stripe's client: 0.41 hard-codes `Stripe-Version: 2023-10-16` and 1.0-rc
//! `2026-09-30.endive`, with no way to send another, so golive would read and write objects
//! in an older shape than its endpoints deliver (no `recurring.meter`, say); and neither lets
//! golive see `Request-Id` or `Idempotent-Replayed`. This is a thin layer over reqwest
//! (rustls): the requests themselves stay Stripe's documented form encoding and JSON.

use super::failure::{ApiFailure, Detail};
use crate::http::client as http;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The API version of every request golive makes.
pub const STRIPE_VERSION: &str = stripe_spec::PINNED_API_VERSION;

/// How long golive waits for a whole answer from Stripe (connecting: [`crate::http::CONNECT_TIMEOUT`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A Stripe API client for one key. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    /// `https://api.stripe.com/` or a stand-in; `Err` holds why the configured base is unusable.
    base: Result<url::Url, String>,
    key: Arc<SecretString>,
    idempotency_key: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
    param: Option<String>,
}

impl Client {
    /// A client for `base` (`None`: api.stripe.com). A base that is not an http(s) URL makes
    /// every request fail with a message naming it, instead of panicking.
    pub fn new(base: Option<&str>, key: SecretString) -> Self {
        let base = match base {
            None => Ok(url::Url::parse("https://api.stripe.com/").expect("a valid URL")),
            Some(text) => match url::Url::parse(text) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
                _ => Err(format!("“{text}” is not a Stripe API address (expected http(s)://host:port/)")),
            },
        };
        Self { base, key: Arc::new(key), idempotency_key: None, timeout: REQUEST_TIMEOUT }
    }

    /// The same client, sending `key` as the Idempotency-Key of its writes: Stripe answers a
    /// repeat (within 24 hours) with the first result instead of acting twice.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The same client with another time limit per answer.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn url(&self, path: &str, query: Option<String>) -> Result<url::Url, ApiFailure> {
        let mut url = self.base.clone().map_err(ApiFailure::Unreachable)?;
        let root = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{root}/v1/{}", path.trim_start_matches('/')));
        url.set_query(query.as_deref().filter(|q| !q.is_empty()));
        Ok(url)
    }

    /// `GET /v1/<path>`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiFailure> {
        let url = self.url(path, None)?;
        self.send(http().get(url)).await
    }

    /// `GET /v1/<path>?<query>` (Stripe's bracket notation: `expand[0]=…`).
    pub async fn get_query<T: DeserializeOwned, Q: Serialize>(&self, path: &str, query: Q) -> Result<T, ApiFailure> {
        let url = self.url(path, Some(encode(&query)?))?;
        self.send(http().get(url)).await
    }

    /// `POST /v1/<path>` with a form body (`metadata[plan]=pro`), and the Idempotency-Key.
    pub async fn post_form<T: DeserializeOwned, F: Serialize>(&self, path: &str, form: F) -> Result<T, ApiFailure> {
        let url = self.url(path, None)?;
        let mut request = http()
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(encode(&form)?);
        if let Some(key) = &self.idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    /// `DELETE /v1/<path>`.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiFailure> {
        let url = self.url(path, None)?;
        self.send(http().delete(url)).await
    }

    async fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, ApiFailure> {
        let mut auth =
            reqwest::header::HeaderValue::try_from(format!("Bearer {}", self.key.expose_secret())).map_err(|_| {
                ApiFailure::Refused {
                    status: 0,
                    detail: Detail::message("the key holds characters no HTTP header can carry"),
                }
            })?;
        auth.set_sensitive(true);
        let request = request
            .header(reqwest::header::AUTHORIZATION, auth)
            .header("Stripe-Version", STRIPE_VERSION)
            .timeout(self.timeout);
        let answer = request.send().await.map_err(|e| self.transport_failure(&e))?;
        let status = answer.status().as_u16();
        let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let request_id = header("request-id");
        let replayed = header("idempotent-replayed").as_deref() == Some("true");
        let should_retry = header("stripe-should-retry").map(|v| v == "true");
        let body = answer.bytes().await.map_err(|e| self.transport_failure(&e))?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&body).map_err(|e| ApiFailure::Refused {
                status,
                detail: Detail {
                    request_id,
                    ..Detail::message(format!("golive could not read Stripe's answer ({e})"))
                },
            });
        }
        let error = serde_json::from_slice::<Envelope>(&body).ok().map(|e| e.error);
        let detail = Detail {
            message: error
                .as_ref()
                .and_then(|e| e.message.clone())
                .unwrap_or_else(|| format!("HTTP {status} with no error message")),
            code: error.as_ref().and_then(|e| e.code.clone()),
            param: error.and_then(|e| e.param),
            request_id,
            replayed,
            should_retry,
        };
        Err(ApiFailure::from_answer(status, detail))
    }

    fn transport_failure(&self, error: &reqwest::Error) -> ApiFailure {
        if error.is_timeout() {
            return ApiFailure::TimedOut { seconds: self.timeout.as_secs().max(1) };
        }
        let host = error.url().and_then(|u| u.host_str()).unwrap_or("Stripe");
        ApiFailure::Unreachable(format!("{host}: {}", crate::http::cause(error)))
    }
}

fn encode<T: Serialize>(value: &T) -> Result<String, ApiFailure> {
    serde_qs::to_string(value).map_err(|e| ApiFailure::Refused {
        status: 0,
        detail: Detail::message(format!("golive could not encode the request ({e})")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_go_under_v1_of_the_base() {
        let client = Client::new(Some("http://127.0.0.1:9/"), SecretString::from("sk_test_x"));
        assert_eq!(client.url("/prices", None).unwrap().as_str(), "http://127.0.0.1:9/v1/prices");
        let client = Client::new(Some("http://127.0.0.1:9/stripe"), SecretString::from("sk_test_x"));
        assert_eq!(
            client.url("products/p", Some("a=1".into())).unwrap().as_str(),
            "http://127.0.0.1:9/stripe/v1/products/p?a=1"
        );
    }

    #[test]
    fn a_bad_base_is_a_message_not_a_panic() {
        let client = Client::new(Some("localhost:12111"), SecretString::from("sk_test_x"));
        let err = client.url("/account", None).unwrap_err();
        assert!(err.describe().contains("localhost:12111"), "{err}");
    }
}
