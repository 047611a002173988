//! Workers: the account's workers.dev subdomain, and a Worker's secrets as wrangler reaches
//! them — `secret put` (PUT …/secrets), `secret list` (GET …/secrets), `secret delete`
//! (DELETE …/secrets/NAME) and `secret bulk` (GET …/settings, then PATCH …/settings with a
//! multipart `settings` part), and the deployment serving now as `wrangler deployments
//! status` reads it (GET …/deployments: newest first, each version with its share of the
//! traffic). An unknown Worker answers 404 code 10007, as Cloudflare does.

use crate::envelope::{failure, paged, success, WORKER_NOT_FOUND};
use crate::gate::admit;
use crate::state::{Inner, Script, Shared};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn worker_not_found() -> Response {
    failure(StatusCode::NOT_FOUND, WORKER_NOT_FOUND, "This Worker does not exist on your account.")
}

/// Answers with `f` on the script, or 404 10007 when the account has no such Worker.
fn with_script(inner: &Shared, account: &str, script: &str, f: impl FnOnce(&mut Script) -> Response) -> Response {
    let mut inner = inner.lock().unwrap();
    let found = inner.account_mut(account).and_then(|a| a.scripts.get_mut(script));
    found.map(f).unwrap_or_else(worker_not_found)
}

fn secret_list(script: &Script) -> Vec<Value> {
    script.secrets.keys().map(|name| json!({ "name": name, "type": "secret_text" })).collect()
}

pub async fn subdomain(State(inner): State<Shared>, headers: HeaderMap, Path(account): Path<String>) -> Response {
    if let Err(refused) = admit(&inner, &headers, &format!("GET /accounts/{account}/workers/subdomain"), Some(&account))
    {
        return refused.response();
    }
    let mut guard = inner.lock().unwrap();
    match guard.account_mut(&account).and_then(|a| a.subdomain.clone()) {
        Some(subdomain) => success(json!({ "subdomain": subdomain })),
        None => failure(StatusCode::NOT_FOUND, WORKER_NOT_FOUND, "This account has no workers.dev subdomain yet."),
    }
}

pub async fn list_secrets(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
) -> Response {
    let what = format!("GET /accounts/{account}/workers/scripts/{script}/secrets");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    with_script(&inner, &account, &script, |s| paged(secret_list(s)))
}

#[derive(Deserialize)]
pub struct PutSecret {
    name: String,
    text: String,
    #[serde(rename = "type")]
    kind: String,
}

pub async fn put_secret(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
    Json(body): Json<PutSecret>,
) -> Response {
    let what = format!("PUT /accounts/{account}/workers/scripts/{script}/secrets");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    if body.kind != "secret_text" {
        return failure(StatusCode::BAD_REQUEST, 10021, "Unsupported secret type.");
    }
    with_script(&inner, &account, &script, |s| {
        if s.gradual {
            return gradual_refusal();
        }
        s.secrets.insert(body.name.clone(), body.text);
        s.versions += 1;
        success(json!({ "name": body.name, "type": "secret_text" }))
    })
}

pub async fn delete_secret(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script, name)): Path<(String, String, String)>,
) -> Response {
    let what = format!("DELETE /accounts/{account}/workers/scripts/{script}/secrets/{name}");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    with_script(&inner, &account, &script, |s| match (s.gradual, s.secrets.contains_key(&name)) {
        (true, _) => gradual_refusal(),
        (false, true) => {
            s.secrets.remove(&name);
            s.versions += 1;
            success(Value::Null)
        }
        (false, false) => failure(StatusCode::NOT_FOUND, 10056, "Secret not found."),
    })
}

/// Version `n` of a Worker as Cloudflare names versions (a UUID), the same on every call.
pub fn version_id(script: &str, n: u32) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in script.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}-{:04x}-4{:03x}-8000-{:012x}", hash >> 32, (hash >> 16) & 0xffff, hash & 0xfff, n)
}

pub async fn deployments(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
) -> Response {
    let what = format!("GET /accounts/{account}/workers/scripts/{script}/deployments");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    with_script(&inner, &account, &script, |s| {
        let latest = version_id(&script, s.versions);
        // A gradual deployment: the latest version on part of the traffic, the one before it
        // on the rest (what `wrangler versions deploy a@90% b@10%` leaves).
        let versions = if s.gradual {
            vec![
                json!({ "version_id": latest, "percentage": 10.0 }),
                json!({ "version_id": version_id(&script, s.versions.saturating_sub(1)), "percentage": 90.0 }),
            ]
        } else {
            vec![json!({ "version_id": latest, "percentage": 100.0 })]
        };
        success(json!({ "deployments": [{
            "id": version_id(&format!("{script}/deployment"), s.versions),
            "source": "wrangler",
            "strategy": "percentage",
            "author_email": "founder@example.com",
            "created_on": "2026-11-01T00:00:00.000000Z",
            "annotations": { "workers/triggered_by": if s.gradual { "deployment" } else { "secret" } },
            "versions": versions,
        }] }))
    })
}

pub async fn get_settings(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
) -> Response {
    let what = format!("GET /accounts/{account}/workers/scripts/{script}/settings");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    with_script(&inner, &account, &script, |s| success(settings_json(s)))
}

fn settings_json(script: &Script) -> Value {
    json!({
        "bindings": secret_list(script),
        "compatibility_date": "2025-01-01",
        "compatibility_flags": [],
        "logpush": false,
        "placement": {},
        "tail_consumers": [],
        "usage_model": "standard"
    })
}

#[derive(Deserialize)]
struct Binding {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Settings {
    bindings: Option<Vec<Binding>>,
}

/// The new bindings replace the old: a `secret_text` with `text` is set, one without keeps
/// its value, and a secret left out is removed — one new version for the whole change.
pub async fn patch_settings(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Response {
    let what = format!("PATCH /accounts/{account}/workers/scripts/{script}/settings");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    let mut settings: Option<Settings> = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("settings") {
            let text = field.text().await.unwrap_or_default();
            match serde_json::from_str(&text) {
                Ok(parsed) => settings = Some(parsed),
                Err(e) => return failure(StatusCode::BAD_REQUEST, 10026, &format!("Could not parse settings: {e}")),
            }
        }
    }
    let Some(settings) = settings else {
        return failure(StatusCode::BAD_REQUEST, 10026, "The request has no settings part.");
    };
    let mut guard = inner.lock().unwrap();
    apply_bindings(&mut guard, &account, &script, settings.bindings)
}

fn apply_bindings(inner: &mut Inner, account: &str, script: &str, bindings: Option<Vec<Binding>>) -> Response {
    let Some(found) = inner.account_mut(account).and_then(|a| a.scripts.get_mut(script)) else {
        return worker_not_found();
    };
    let Some(bindings) = bindings else { return success(settings_json(found)) };
    if found.gradual {
        return gradual_refusal();
    }
    let mut next = BTreeMap::new();
    for binding in bindings.into_iter().filter(|b| b.kind == "secret_text") {
        let value = match binding.text {
            Some(text) => text,
            None => match found.secrets.get(&binding.name) {
                Some(kept) => kept.clone(),
                None => {
                    let message = format!("Binding '{}' has no text and no earlier value to keep.", binding.name);
                    return failure(StatusCode::BAD_REQUEST, 10021, &message);
                }
            },
        };
        next.insert(binding.name, value);
    }
    found.secrets = next;
    found.versions += 1;
    success(settings_json(found))
}

/// What Cloudflare answers a secret change while a gradual deployment is in progress
/// (wrangler's `secret put` shows the message, `secret bulk` the code).
fn gradual_refusal() -> Response {
    failure(
        StatusCode::BAD_REQUEST,
        10214,
        "Secret edit failed. You attempted to modify a secret, but the latest version of your Worker isn't currently deployed. Please ensure that the latest version of your Worker is fully deployed (wrangler versions deploy) before modifying secrets.",
    )
}
