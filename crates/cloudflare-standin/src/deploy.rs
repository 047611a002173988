//! Deploying as `wrangler deploy` and `wrangler kv namespace create` reach Cloudflare: a
//! Worker's service (GET …/workers/services/NAME, 404 code 10007 before its first deploy),
//! its upload (PUT …/workers/scripts/NAME, multipart: a `metadata` part naming the main
//! module and the bindings, then the modules), its workers.dev route (GET/POST
//! …/scripts/NAME/subdomain), and KV namespaces (POST/GET …/storage/kv/namespaces).
//!
//! Refused as Cloudflare refuses them: an upload whose main module is missing (10021), a KV
//! binding to a namespace the account does not have (10041: the placeholder id of a config
//! copied from an example), a second namespace with the same title (10014).

use crate::envelope::{failure, paged, success, WORKER_NOT_FOUND};
use crate::gate::admit;
use crate::state::{KvNamespace, Shared};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

const WHEN: &str = "2026-11-01T00:00:00.000000Z";
/// A KV binding names a namespace the account does not have.
pub const KV_NAMESPACE_NOT_VALID: u32 = 10041;
/// A KV namespace with this title exists already.
pub const KV_TITLE_TAKEN: u32 = 10014;

pub async fn service(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
) -> Response {
    let what = format!("GET /accounts/{account}/workers/services/{script}");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    let mut guard = inner.lock().unwrap();
    match guard.account_mut(&account).and_then(|a| a.scripts.get(&script)) {
        Some(s) => success(json!({
            "id": script,
            "default_environment": {
                "environment": "production",
                "created_on": WHEN,
                "modified_on": WHEN,
                "script": {
                    "id": script,
                    "tag": crate::workers::version_id(&format!("{script}/tag"), 0).replace('-', ""),
                    "tags": [],
                    "etag": crate::workers::version_id(&script, s.versions).replace('-', ""),
                    "handlers": ["fetch"],
                    "last_deployed_from": "wrangler",
                    "created_on": WHEN,
                    "modified_on": WHEN,
                }
            },
            "created_on": WHEN,
            "modified_on": WHEN,
        })),
        None => failure(StatusCode::NOT_FOUND, WORKER_NOT_FOUND, "This Worker does not exist on your account."),
    }
}

#[derive(Deserialize)]
struct Metadata {
    main_module: Option<String>,
    body_part: Option<String>,
    #[serde(default)]
    bindings: Vec<Value>,
    compatibility_date: Option<String>,
}

/// The upload: the Worker is created (or replaced), its secrets kept, its KV bindings checked.
pub async fn upload(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Response {
    let what = format!("PUT /accounts/{account}/workers/scripts/{script}");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    let mut metadata: Option<Metadata> = None;
    let mut parts = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.unwrap_or_default();
        if name == "metadata" {
            match serde_json::from_slice(&bytes) {
                Ok(parsed) => metadata = Some(parsed),
                Err(e) => return failure(StatusCode::BAD_REQUEST, 10021, &format!("Could not parse metadata: {e}")),
            }
        } else {
            parts.push(name);
        }
    }
    let Some(metadata) = metadata else {
        return failure(StatusCode::BAD_REQUEST, 10021, "The upload has no metadata part.");
    };
    let main = metadata.main_module.or(metadata.body_part).unwrap_or_default();
    if !parts.contains(&main) {
        return failure(StatusCode::BAD_REQUEST, 10021, &format!("No such module \"{main}\" in the upload."));
    }
    let mut guard = inner.lock().unwrap();
    let Some(found) = guard.account_mut(&account) else {
        return failure(StatusCode::FORBIDDEN, crate::envelope::AUTHENTICATION_ERROR, "Authentication error");
    };
    let mut kv = std::collections::BTreeMap::new();
    for binding in metadata.bindings.iter().filter(|b| b["type"] == "kv_namespace") {
        let id = binding["namespace_id"].as_str().unwrap_or_default();
        if !found.kv_namespaces.iter().any(|n| n.id == id) {
            return failure(
                StatusCode::BAD_REQUEST,
                KV_NAMESPACE_NOT_VALID,
                &format!("KV namespace '{id}' is not valid."),
            );
        }
        kv.insert(binding["name"].as_str().unwrap_or_default().to_string(), id.to_string());
    }
    let entry = found.scripts.entry(script.clone()).or_default();
    entry.kv = kv;
    entry.uploads += 1;
    entry.versions += 1;
    success(json!({
        "id": script,
        "etag": crate::workers::version_id(&script, entry.versions).replace('-', ""),
        "handlers": ["fetch"],
        "created_on": WHEN,
        "modified_on": WHEN,
        "usage_model": "standard",
        "compatibility_date": metadata.compatibility_date,
        "has_modules": true,
        "startup_time_ms": 2,
        "deployment_id": crate::workers::version_id(&format!("{script}/deployment"), entry.versions),
    }))
}

pub async fn script_subdomain(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
) -> Response {
    let what = format!("GET /accounts/{account}/workers/scripts/{script}/subdomain");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    let mut guard = inner.lock().unwrap();
    match guard.account_mut(&account).and_then(|a| a.scripts.get(&script)) {
        Some(s) => success(json!({ "enabled": s.workers_dev, "previews_enabled": s.workers_dev })),
        None => failure(StatusCode::NOT_FOUND, WORKER_NOT_FOUND, "This Worker does not exist on your account."),
    }
}

#[derive(Deserialize)]
pub struct SubdomainBody {
    enabled: bool,
}

pub async fn set_script_subdomain(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path((account, script)): Path<(String, String)>,
    Json(body): Json<SubdomainBody>,
) -> Response {
    let what = format!("POST /accounts/{account}/workers/scripts/{script}/subdomain");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    let mut guard = inner.lock().unwrap();
    match guard.account_mut(&account).and_then(|a| a.scripts.get_mut(&script)) {
        Some(s) => {
            s.workers_dev = body.enabled;
            success(json!({ "enabled": s.workers_dev, "previews_enabled": s.workers_dev }))
        }
        None => failure(StatusCode::NOT_FOUND, WORKER_NOT_FOUND, "This Worker does not exist on your account."),
    }
}

#[derive(Deserialize)]
pub struct NewNamespace {
    title: String,
}

pub async fn create_namespace(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(account): Path<String>,
    Json(body): Json<NewNamespace>,
) -> Response {
    let what = format!("POST /accounts/{account}/storage/kv/namespaces");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    if body.title.trim().is_empty() {
        return failure(StatusCode::BAD_REQUEST, 10019, "title is required");
    }
    let mut guard = inner.lock().unwrap();
    let Some(found) = guard.account_mut(&account) else {
        return failure(StatusCode::FORBIDDEN, crate::envelope::AUTHENTICATION_ERROR, "Authentication error");
    };
    if found.kv_namespaces.iter().any(|n| n.title == body.title) {
        return failure(
            StatusCode::BAD_REQUEST,
            KV_TITLE_TAKEN,
            "a namespace with this account ID and title already exists",
        );
    }
    let id = crate::workers::version_id(&format!("{account}/kv/{}", body.title), found.kv_namespaces.len() as u32)
        .replace('-', "");
    found.kv_namespaces.push(KvNamespace { id: id.clone(), title: body.title.clone() });
    success(json!({ "id": id, "title": body.title, "supports_url_encoding": true }))
}

pub async fn list_namespaces(State(inner): State<Shared>, headers: HeaderMap, Path(account): Path<String>) -> Response {
    let what = format!("GET /accounts/{account}/storage/kv/namespaces");
    if let Err(refused) = admit(&inner, &headers, &what, Some(&account)) {
        return refused.response();
    }
    let mut guard = inner.lock().unwrap();
    let list = guard
        .account_mut(&account)
        .map(|a| {
            a.kv_namespaces
                .iter()
                .map(|n| json!({ "id": n.id, "title": n.title, "supports_url_encoding": true }))
                .collect()
        })
        .unwrap_or_default();
    paged(list)
}
