//! Stripe's webhook endpoints in live mode, through golive's Stripe client: list them all,
//! create one (the only answer that carries its `whsec_` secret), change its events, turn it
//! off or on, and read the account's default API version from its newest event.

use crate::stripe_api::{with_retries, ApiFailure, Client, Detail};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A webhook endpoint as Stripe lists it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub status: String,
    pub enabled_events: Vec<String>,
    pub api_version: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// When it was created (Unix time): when it went live.
    #[serde(default)]
    pub created: i64,
}

impl Endpoint {
    pub fn enabled(&self) -> bool {
        self.status == "enabled"
    }

    /// The ones of `events` it does not send (none when it sends everything, `*`).
    pub fn missing_events(&self, events: &[String]) -> Vec<String> {
        if self.enabled_events.iter().any(|e| e == "*") {
            return Vec::new();
        }
        events.iter().filter(|e| !self.enabled_events.contains(e)).cloned().collect()
    }

    /// Whether it points at `url` (Stripe keeps URLs as given; case and a trailing `/` aside).
    pub fn points_at(&self, url: &str) -> bool {
        self.url.trim_end_matches('/').eq_ignore_ascii_case(url.trim_end_matches('/'))
    }
}

/// Every live endpoint, newest first.
pub async fn list_all(client: &Client) -> Result<Vec<Endpoint>, ApiFailure> {
    crate::stripe_api::list_all(client, "/webhook_endpoints", &[], |e: &Endpoint| e.id.clone()).await
}

/// `enabled_events[0]=…`, `enabled_events[1]=…`: how Stripe's form encoding takes a list.
fn event_fields(events: &[String]) -> impl Iterator<Item = (String, String)> + '_ {
    events.iter().enumerate().map(|(i, e)| (format!("enabled_events[{i}]"), e.clone()))
}

/// What a new endpoint should be.
#[derive(Debug, Clone)]
pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub events: &'a [String],
    pub api_version: &'a str,
    pub description: &'a str,
    /// The Worker it serves, kept in the endpoint's metadata.
    pub project: &'a str,
    /// The rotation that makes it (Rotate's endpoint B), kept in its metadata too.
    pub rotation: Option<&'a str>,
}

#[derive(Deserialize)]
struct Created {
    #[serde(flatten)]
    endpoint: Endpoint,
    secret: Option<SecretString>,
}

/// Creates the endpoint with `idempotency_key`: a retry, even after a crash, replays the same
/// answer — the same endpoint and its secret — instead of making a second one.
pub async fn create(
    client: &Client,
    new: &NewEndpoint<'_>,
    idempotency_key: &str,
) -> Result<(Endpoint, SecretString), ApiFailure> {
    let mut form: BTreeMap<String, String> = BTreeMap::from([
        ("url".into(), new.url.into()),
        ("api_version".into(), new.api_version.into()),
        ("description".into(), new.description.into()),
        ("metadata[golive_project]".into(), new.project.into()),
    ]);
    if let Some(rotation) = new.rotation {
        form.insert("metadata[golive_rotation]".into(), rotation.into());
    }
    form.extend(event_fields(new.events));
    let client = client.clone().with_idempotency_key(idempotency_key);
    let created: Created = with_retries(|| client.post_form("/webhook_endpoints", &form)).await?;
    let secret = created.secret.ok_or_else(|| ApiFailure::Refused {
        status: 200,
        detail: Detail::message("Stripe created the endpoint but sent no signing secret"),
    })?;
    Ok((created.endpoint, secret))
}

/// Sets the endpoint's events (and turns it on, when `enable`).
pub async fn update(
    client: &Client,
    id: &str,
    events: Option<&[String]>,
    enable: bool,
) -> Result<Endpoint, ApiFailure> {
    // A map, not a list of pairs: the form encoder (serde_qs) writes maps as `key=value`.
    let mut form: BTreeMap<String, String> = BTreeMap::new();
    if let Some(events) = events {
        form.extend(event_fields(events));
    }
    if enable {
        form.insert("disabled".into(), "false".into());
    }
    let path = format!("/webhook_endpoints/{id}");
    with_retries(|| client.post_form(&path, &form)).await
}

/// Turns an endpoint off (Stripe stops delivering to it; it can be turned on again).
pub async fn disable(client: &Client, id: &str) -> Result<Endpoint, ApiFailure> {
    let form = BTreeMap::from([("disabled", "true")]);
    let path = format!("/webhook_endpoints/{id}");
    with_retries(|| client.post_form(&path, &form)).await
}

/// Deletes an endpoint (Stripe stops delivering to it at once; there is no undo).
pub async fn delete(client: &Client, id: &str) -> Result<(), ApiFailure> {
    #[derive(Deserialize)]
    struct Deleted {
        #[allow(dead_code)]
        deleted: bool,
    }
    let path = format!("/webhook_endpoints/{id}");
    crate::stripe_api::done_if_gone(with_retries(|| client.delete::<Deleted>(&path)).await)
}

#[derive(Deserialize)]
struct EventVersion {
    api_version: Option<String>,
}

/// The API version Stripe rendered the newest event with: the account's default. `None`
/// when the account has no events yet (or the key may not read them).
pub async fn account_default_api_version(client: &Client) -> Option<String> {
    #[derive(Serialize)]
    struct Query {
        limit: u32,
    }
    let page: crate::stripe_api::Page<EventVersion> = client.get_query("/events", Query { limit: 1 }).await.ok()?;
    page.data.into_iter().next().and_then(|e| e.api_version)
}
