//! The Webhook step: make sure exactly one enabled live endpoint sends the four subscription
//! events to the Worker, pinned to an API version, and that golive holds its signing secret.
//!
//! An endpoint for the URL whose secret golive holds (keyring + session) is reused and its
//! events fixed. Otherwise a new one is created — its `whsec_` secret goes into the keyring
//! the moment Stripe returns it — and older endpoints for the URL are offered for disabling.
//! The create carries an Idempotency-Key saved in the session first, so a crash between
//! Stripe's answer and the keyring write is repaired by re-running: Stripe replays the same
//! endpoint with the same secret — for 24 hours. After that Stripe has forgotten the key and
//! would make a second endpoint, so golive first looks for the one it made (its
//! `metadata.golive_project` and URL), deletes it (its secret is lost: it can never be
//! verified) and creates a new one with a new key.

pub mod endpoints;
pub mod url;

use crate::environment::Environment;
use crate::findings::Finding;
use crate::keystore::{self, EntryName, KeystoreError};
use crate::stripe_api::{self, ApiFailure};
use crate::stripe_key::StripeKey;
use endpoints::{Endpoint, NewEndpoint};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use url::UrlProblem;

/// The API version golive pins new endpoints to: the one the `stripe` npm package the
/// reference Worker uses (23.x) is written for, so payloads match what the Worker parses.
pub const PINNED_API_VERSION: &str = "2026-10-28.endive";

/// What the Worker must hear about to keep each customer's tier right.
pub const REQUIRED_EVENTS: [&str; 4] = [
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
];

/// The Worker variable (and keyring entry) of the endpoint's signing secret.
pub const SECRET_VAR: &str = "STRIPE_WEBHOOK_SECRET";

/// What the session keeps about the endpoint (never its secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub url: String,
    pub endpoint_id: Option<String>,
    pub events: Vec<String>,
    pub api_version: Option<String>,
    /// The Idempotency-Key of a create that may have landed without golive keeping its answer.
    pub pending_create: Option<String>,
    /// When that key was first sent (Unix time). Stripe forgets keys after 24 hours: an older
    /// one is never sent again (see [`ensure`]).
    #[serde(default)]
    pub pending_since: Option<i64>,
    /// The keyring entry holding the secret, once stored.
    pub secret_entry: Option<String>,
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    pub url: String,
    /// Events beyond the four required ones.
    pub extra_events: Vec<String>,
    /// The Worker script the endpoint serves (keyring entries are filed under it).
    pub project: String,
}

impl WebhookRequest {
    pub fn events(&self) -> Vec<String> {
        let mut events: Vec<String> = REQUIRED_EVENTS.iter().map(|e| e.to_string()).collect();
        for extra in &self.extra_events {
            let extra = extra.trim();
            if !extra.is_empty() && !events.iter().any(|e| e == extra) {
                events.push(extra.to_string());
            }
        }
        events
    }

    /// Refuses an extra event Stripe does not send (checked against Stripe's own list, the one
    /// the API checks `enabled_events` with), naming the closest real one.
    pub fn check_events(&self) -> Result<(), UrlProblem> {
        for event in self.events() {
            if stripe_spec::events::is_enabled_event(&event) {
                continue;
            }
            let closest = stripe_spec::events::EVENT_TYPES
                .iter()
                .map(|known| (strsim::levenshtein(known, &event), *known))
                .min()
                .filter(|(distance, _)| *distance <= 3)
                .map(|(_, known)| format!("Did you mean “{known}”? "))
                .unwrap_or_default();
            return Err(UrlProblem {
                message: format!("“{event}” is not an event type Stripe sends, so Stripe would refuse the endpoint."),
                fix: format!("{closest}Use the exact names from Stripe's list of event types (docs.stripe.com/api/events/types), or leave the extra events out: the four subscription events are always sent."),
            });
        }
        Ok(())
    }

    pub fn secret_entry(&self) -> EntryName {
        EntryName::new(&self.project, true, SECRET_VAR)
    }
}

/// What golive will do (plan) or did (outcome) with an endpoint it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Role {
    /// The endpoint golive uses: its secret is in the keyring.
    Use,
    /// Another enabled endpoint for the same URL: offered for disabling, with why.
    Duplicate { reason: String },
    /// Same URL but already off, or another URL: left alone.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundEndpoint {
    pub endpoint: Endpoint,
    pub same_url: bool,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Keep the endpoint golive holds the secret of; add missing events, turn it on if off.
    Reuse { id: String, add_events: Vec<String>, enable: bool },
    /// Make a new endpoint (none for the URL, or none whose secret golive holds).
    Create,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookPlan {
    pub url: String,
    pub events: Vec<String>,
    pub api_version: String,
    /// The account's default version (from its newest event), for comparison.
    pub account_default_api_version: Option<String>,
    pub action: Action,
    pub endpoints: Vec<FoundEndpoint>,
    pub findings: Vec<Finding>,
}

impl WebhookPlan {
    /// The other enabled endpoints for the same URL, which the user may have golive disable.
    pub fn duplicate_ids(&self) -> Vec<String> {
        self.endpoints
            .iter()
            .filter(|e| matches!(e.role, Role::Duplicate { .. }))
            .map(|e| e.endpoint.id.clone())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookOutcome {
    pub endpoint: Endpoint,
    pub created: bool,
    pub plan: WebhookPlan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// The request cannot be carried out as asked (a URL Stripe cannot reach, …).
    Invalid(UrlProblem),
    Stripe(ApiFailure),
    /// The keyring refused; `endpoint` is the id Stripe created, when it did.
    Keyring {
        error: KeystoreError,
        endpoint: Option<String>,
    },
}

impl WebhookError {
    pub fn message(&self) -> String {
        match self {
            WebhookError::Invalid(p) => p.message.clone(),
            WebhookError::Stripe(f) => f.describe(),
            WebhookError::Keyring { error, endpoint: Some(id) } => format!(
                "Stripe created the endpoint {id}, but its signing secret could not be stored: {}",
                error.message
            ),
            WebhookError::Keyring { error, endpoint: None } => error.message.clone(),
        }
    }

    pub fn fix(&self) -> String {
        match self {
            WebhookError::Invalid(p) => p.fix.clone(),
            WebhookError::Stripe(ApiFailure::Unauthorized(_)) => {
                "The live key was rolled or mistyped: go back to Connect with the current key.".into()
            }
            WebhookError::Stripe(ApiFailure::Forbidden(_)) => "The restricted live key needs the “Webhook Endpoints: Write” permission: edit it in the Dashboard (Developers → API keys), then try again.".into(),
            WebhookError::Stripe(f) if f.retryable() || f.status().is_none() => {
                "Try again; golive picks up where it stopped and makes no duplicate.".into()
            }
            WebhookError::Stripe(f) => format!(
                "Stripe will refuse this request again as it is{}: change what its message names, then run the step again.",
                f.detail().and_then(|d| d.param.as_deref()).map(|p| format!(" (parameter “{p}”)")).unwrap_or_default()
            ),
            WebhookError::Keyring { error, endpoint: Some(_) } => format!(
                "{} Then press the button again: Stripe hands back the same endpoint and secret (for 24 hours), so nothing is duplicated.",
                error.fix
            ),
            WebhookError::Keyring { error, endpoint: None } => error.fix.clone(),
        }
    }
}

async fn keyring_holds(entry: &EntryName) -> Result<bool, KeystoreError> {
    let entry = entry.clone();
    keystore::blocking(move || keystore::get(&entry).map(|v| v.is_some())).await
}

/// The URLs to offer for the Worker, and a note when workers.dev could not be looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidates {
    pub candidates: Vec<url::UrlCandidate>,
    /// The wrangler environments the configuration defines (the user picks one, or none).
    pub environments: Vec<String>,
    pub note: Option<String>,
}

/// Derives the candidate URLs from the Worker's configuration and the account's workers.dev
/// subdomain (looked up with wrangler's own login).
pub async fn candidate_urls(
    env: &Environment,
    worker: &crate::connect::WorkerFound,
    project_dir: &std::path::Path,
    target_env: Option<&str>,
) -> Candidates {
    let environments = worker.config.environments.keys().cloned().collect();
    let account = worker.config.account_id.clone().or_else(|| worker.whoami.accounts.first().map(|a| a.id.clone()));
    let lookup = async {
        let account = account.ok_or("the configuration names no account_id and wrangler lists no account")?;
        let token =
            crate::cloudflare_api::wrangler_token(&worker.wrangler, project_dir, env).await.map_err(|e| e.message())?;
        crate::cloudflare_api::workers_subdomain(&crate::cloudflare_api::api_base(env), &token, &account).await
    };
    let (subdomain, note) = match lookup.await {
        Ok(Some(sub)) => (Some(sub), None),
        Ok(None) => {
            (None, Some("The account has no workers.dev subdomain yet: type the Worker's address.".to_string()))
        }
        Err(e) => (None, Some(format!("Could not look up the workers.dev address ({e}): type the Worker's address."))),
    };
    Candidates { candidates: url::candidates(&worker.config, target_env, subdomain.as_deref()), environments, note }
}

/// Reads the live endpoints and decides (nothing is written).
pub async fn plan(
    env: &Environment,
    live_key: &StripeKey,
    request: &WebhookRequest,
    record: Option<&WebhookRecord>,
) -> Result<WebhookPlan, WebhookError> {
    let url = url::check_live_url(&request.url).map_err(WebhookError::Invalid)?;
    request.check_events().map_err(WebhookError::Invalid)?;
    let client = stripe_api::client(env, live_key);
    let (existing, account_default) =
        tokio::join!(endpoints::list_all(&client), endpoints::account_default_api_version(&client));
    let existing = existing.map_err(WebhookError::Stripe)?;
    let events = request.events();
    let held_id = match record.and_then(|r| r.endpoint_id.clone()) {
        Some(id)
            if keyring_holds(&request.secret_entry())
                .await
                .map_err(|error| WebhookError::Keyring { error, endpoint: None })? =>
        {
            Some(id)
        }
        _ => None,
    };
    let used = existing.iter().find(|e| e.points_at(&url) && Some(&e.id) == held_id.as_ref()).cloned();
    let action = match &used {
        Some(e) => Action::Reuse { id: e.id.clone(), add_events: e.missing_events(&events), enable: !e.enabled() },
        None => Action::Create,
    };
    let endpoints = existing
        .into_iter()
        .map(|e| {
            let same = e.points_at(&url);
            let role = if used.as_ref().is_some_and(|u| u.id == e.id) {
                Role::Use
            } else if same && e.enabled() {
                let reason = if used.is_some() {
                    "A second enabled endpoint for the same URL: Stripe delivers every event to each, so the Worker handles each one twice."
                } else {
                    "golive does not hold this endpoint's signing secret (Stripe shows it only when the endpoint is created), so it makes a new one. Disable this one once Verify passes."
                };
                Role::Duplicate { reason: reason.into() }
            } else {
                Role::Other
            };
            FoundEndpoint { endpoint: e, same_url: same, role }
        })
        .collect::<Vec<_>>();
    let findings = plan_findings(&action, &endpoints, account_default.as_deref());
    Ok(WebhookPlan {
        url,
        events,
        api_version: PINNED_API_VERSION.into(),
        account_default_api_version: account_default,
        action,
        endpoints,
        findings,
    })
}

fn plan_findings(action: &Action, endpoints: &[FoundEndpoint], account_default: Option<&str>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let duplicates = endpoints.iter().filter(|e| matches!(e.role, Role::Duplicate { .. })).count();
    if duplicates > 0 {
        findings.push(Finding::warn(
            "webhook.duplicates",
            format!("{duplicates} other enabled endpoint(s) for this URL"),
            "Each enabled endpoint gets its own copy of every event, which is how a tier ends up updated several times.",
            "Disable the extra endpoints (golive offers the button below) once the Worker works with the new one.",
        ));
    }
    if let Action::Reuse { id, .. } = action {
        let pinned = endpoints.iter().find(|e| &e.endpoint.id == id).and_then(|e| e.endpoint.api_version.clone());
        if pinned.as_deref() != Some(PINNED_API_VERSION) {
            findings.push(Finding::warn(
                "webhook.api_version",
                "The endpoint golive reuses has another API version",
                format!(
                    "It sends events as {}; golive pins new endpoints to {PINNED_API_VERSION}.",
                    pinned.as_deref().unwrap_or(account_default.unwrap_or("the account default"))
                ),
                "Stripe cannot change an endpoint's version. If the Worker expects the pinned version, delete the endpoint in the Dashboard and run this step again.",
            ));
        }
    }
    findings
}

/// Carries the plan out. `save` is called with the record each time it changes — before the
/// create (its Idempotency-Key) and right after the secret is in the keyring.
pub async fn ensure(
    env: &Environment,
    live_key: &StripeKey,
    request: &WebhookRequest,
    record: Option<&WebhookRecord>,
    save: &(dyn Fn(&WebhookRecord) + Send + Sync),
) -> Result<WebhookOutcome, WebhookError> {
    let plan = plan(env, live_key, request, record).await?;
    let client = stripe_api::client(env, live_key);
    let mut kept = record.cloned().unwrap_or_default();
    kept.url = plan.url.clone();
    kept.events = plan.events.clone();
    let (endpoint, created) = match &plan.action {
        Action::Reuse { id, add_events, enable } => {
            let current = &plan.endpoints.iter().find(|e| &e.endpoint.id == id).expect("the plan lists it").endpoint;
            let endpoint = if add_events.is_empty() && !*enable {
                current.clone()
            } else {
                let events =
                    (!add_events.is_empty()).then(|| [current.enabled_events.clone(), add_events.clone()].concat());
                endpoints::update(&client, id, events.as_deref(), *enable).await.map_err(WebhookError::Stripe)?
            };
            (endpoint, false)
        }
        Action::Create => {
            let now = crate::clock::unix_now();
            let key = match (&kept.pending_create, kept.pending_since) {
                (Some(key), Some(since)) if now - since < KEY_REPLAY_SECONDS => key.clone(),
                (Some(_), since) => {
                    // A create whose answer was lost, too long ago for Stripe to replay it.
                    if let Some(since) = since {
                        remove_lost_creates(&client, &plan, &request.project, since)
                            .await
                            .map_err(WebhookError::Stripe)?;
                    }
                    kept.pending_since = Some(now);
                    new_create_key()
                }
                (None, _) => {
                    kept.pending_since = Some(now);
                    new_create_key()
                }
            };
            kept.pending_create = Some(key.clone());
            save(&kept);
            let description = format!("{} — Stripe events for the Worker (set up by golive)", request.project);
            let new = NewEndpoint {
                url: &plan.url,
                events: &plan.events,
                api_version: PINNED_API_VERSION,
                description: &description,
                project: &request.project,
                rotation: None,
            };
            let (endpoint, secret) = endpoints::create(&client, &new, &key).await.map_err(WebhookError::Stripe)?;
            store_secret(&request.secret_entry(), secret)
                .await
                .map_err(|error| WebhookError::Keyring { error, endpoint: Some(endpoint.id.clone()) })?;
            kept.pending_create = None;
            kept.pending_since = None;
            kept.secret_entry = Some(request.secret_entry().user());
            (endpoint, true)
        }
    };
    kept.endpoint_id = Some(endpoint.id.clone());
    kept.api_version = endpoint.api_version.clone();
    save(&kept);
    Ok(WebhookOutcome { endpoint, created, plan })
}

/// Stripe keeps an idempotent result for 24 hours; golive replays a key only within 23, so a
/// slow clock or a long retry never sends one Stripe has already forgotten.
const KEY_REPLAY_SECONDS: i64 = 23 * 60 * 60;

fn new_create_key() -> String {
    format!("golive-webhook-{}", crate::nonce::token(24))
}

/// Deletes the endpoints golive created for this project and URL whose answer it never got:
/// made since the lost create was first sent (`since`, less five minutes for clock skew), by
/// golive (`metadata.golive_project`), and not the one whose secret golive holds. Their
/// signing secret exists only in that lost answer, so no Worker can verify them. Older
/// endpoints are left alone (offered for disabling as duplicates): one of them may be what
/// the Worker verifies with today. Without `since` (a session from an older golive) nothing
/// is deleted.
async fn remove_lost_creates(
    client: &stripe_api::Client,
    plan: &WebhookPlan,
    project: &str,
    since: i64,
) -> Result<(), ApiFailure> {
    for found in lost_creates(&plan.endpoints, project, since) {
        endpoints::delete(client, &found.endpoint.id).await?;
    }
    Ok(())
}

fn lost_creates<'a>(
    found: &'a [FoundEndpoint],
    project: &'a str,
    since: i64,
) -> impl Iterator<Item = &'a FoundEndpoint> {
    found.iter().filter(move |e| {
        e.same_url
            && e.role != Role::Use
            && e.endpoint.created >= since - 300
            && e.endpoint.metadata.get("golive_project").map(String::as_str) == Some(project)
    })
}

async fn store_secret(entry: &EntryName, secret: SecretString) -> Result<(), KeystoreError> {
    let entry = entry.clone();
    keystore::blocking(move || keystore::put(&entry, &secret)).await
}

/// Turns off the given endpoints — never the one golive uses.
pub async fn disable_duplicates(
    env: &Environment,
    live_key: &StripeKey,
    ids: &[String],
    record: Option<&WebhookRecord>,
) -> Result<Vec<Endpoint>, WebhookError> {
    let in_use = record.and_then(|r| r.endpoint_id.as_deref());
    if let Some(id) = ids.iter().find(|id| Some(id.as_str()) == in_use) {
        return Err(WebhookError::Invalid(UrlProblem {
            message: format!("{id} is the endpoint golive set up for the Worker."),
            fix: "Only the other endpoints can be disabled here.".into(),
        }));
    }
    let client = stripe_api::client(env, live_key);
    let mut done = Vec::new();
    for id in ids {
        done.push(endpoints::disable(&client, id).await.map_err(WebhookError::Stripe)?);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(id: &str, created: i64, project: Option<&str>, same_url: bool, role: Role) -> FoundEndpoint {
        FoundEndpoint {
            endpoint: Endpoint {
                id: id.into(),
                url: "https://api.example.com/webhook/stripe".into(),
                status: "enabled".into(),
                enabled_events: REQUIRED_EVENTS.map(String::from).to_vec(),
                api_version: Some(PINNED_API_VERSION.into()),
                description: None,
                metadata: project.map(|p| [("golive_project".to_string(), p.to_string())].into()).unwrap_or_default(),
                created,
            },
            same_url,
            role,
        }
    }

    #[test]
    fn only_endpoints_golive_made_for_the_lost_create_are_removed() {
        let since = 1_000_000;
        let duplicate = || Role::Duplicate { reason: String::new() };
        let all = [
            found("we_lost", since + 5, Some("api"), true, duplicate()),
            found("we_lost_skewed", since - 60, Some("api"), true, duplicate()),
            found("we_older", since - 86_400, Some("api"), true, duplicate()),
            found("we_in_use", since + 10, Some("api"), true, Role::Use),
            found("we_by_hand", since + 20, None, true, duplicate()),
            found("we_other_worker", since + 30, Some("billing"), true, duplicate()),
            found("we_other_url", since + 40, Some("api"), false, Role::Other),
        ];
        let removed: Vec<&str> = lost_creates(&all, "api", since).map(|e| e.endpoint.id.as_str()).collect();
        assert_eq!(removed, ["we_lost", "we_lost_skewed"]);
    }
}
