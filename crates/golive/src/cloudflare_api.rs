//! What golive asks Cloudflare's API directly: the account's workers.dev subdomain (so the
//! Webhook step can offer `https://<worker>.<subdomain>.workers.dev`), and, before offering a
//! deploy, whether the Worker exists and which KV namespaces the account has. It borrows
//! wrangler's own login (`wrangler auth token --json`, read from stdout, never shown) and the
//! API base wrangler uses (`CLOUDFLARE_API_BASE_URL`, a stand-in in rehearsal and tests).

use crate::environment::Environment;
use crate::wrangler::{self, Wrangler, WranglerError};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::Path;

pub const DEFAULT_API_BASE: &str = "https://api.cloudflare.com/client/v4";

pub use crate::wrangler::TOKEN_VAR;

/// The permissions golive needs (Cloudflare's template-URL keys): deploy and configure the
/// Worker and its secrets, read the account (workers.dev subdomain), and its KV namespaces.
const PERMISSIONS: [(&str, &str); 3] =
    [("workers_scripts", "edit"), ("account_settings", "read"), ("workers_kv", "edit")];

/// Cloudflare's token page with golive's permissions filled in (a template URL): the user
/// only names the account and presses Create.
pub fn token_page_url() -> String {
    let keys: Vec<String> =
        PERMISSIONS.iter().map(|(key, kind)| format!(r#"{{"key":"{key}","type":"{kind}"}}"#)).collect();
    let json = format!("[{}]", keys.join(","));
    let encoded: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
    format!("https://dash.cloudflare.com/profile/api-tokens?permissionGroupKeys={encoded}&accountId=*&zoneId=all&name=golive")
}

/// The API base wrangler talks to in this environment.
pub fn api_base(env: &Environment) -> String {
    env.wrangler_env
        .iter()
        .find(|(k, _)| k == "CLOUDFLARE_API_BASE_URL")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var("CLOUDFLARE_API_BASE_URL").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_API_BASE.to_string())
        .trim_end_matches('/')
        .to_string()
}

#[derive(Deserialize)]
struct TokenJson {
    token: Option<String>,
}

/// wrangler's current token (API token or OAuth), wrapped so it cannot be printed.
pub async fn wrangler_token(
    wrangler: &Wrangler,
    project_dir: &Path,
    env: &Environment,
) -> Result<SecretString, WranglerError> {
    let output = wrangler::run(&wrangler.program, &["auth", "token", "--json"], project_dir, env).await?;
    let parsed: Option<TokenJson> = serde_json::from_str(output.stdout.trim()).ok();
    match parsed.and_then(|t| t.token) {
        Some(token) if output.success => Ok(SecretString::from(token)),
        _ => Err(WranglerError::NotLoggedIn),
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    success: bool,
    #[serde(default)]
    errors: Vec<ApiError>,
    result: Option<T>,
}

#[derive(Deserialize)]
struct ApiError {
    code: u32,
    message: String,
}

#[derive(Deserialize)]
struct Subdomain {
    subdomain: String,
}

/// The account's `<subdomain>` of workers.dev; `Ok(None)` when it has not registered one.
pub async fn workers_subdomain(base: &str, token: &SecretString, account_id: &str) -> Result<Option<String>, String> {
    let url = format!("{base}/accounts/{account_id}/workers/subdomain");
    let (status, body) = get(&url, token).await?;
    let envelope: Envelope<Subdomain> =
        serde_json::from_slice(&body).map_err(|e| format!("Cloudflare's answer ({status}) was not JSON: {e}"))?;
    if envelope.success {
        return Ok(envelope.result.map(|r| r.subdomain));
    }
    match envelope.errors.first() {
        Some(e) if status == 404 => {
            tracing::debug!(code = e.code, "no workers.dev subdomain");
            Ok(None)
        }
        Some(e) => Err(format!("{} [code: {}]", e.message, e.code)),
        None => Err(format!("Cloudflare answered {status} with no error detail")),
    }
}

/// Whether the account has a Worker named `script` (404 with code 10007 or 10090: not yet).
pub async fn script_exists(base: &str, token: &SecretString, account_id: &str, script: &str) -> Result<bool, String> {
    let url = format!("{base}/accounts/{account_id}/workers/services/{script}");
    let (status, body) = get(&url, token).await?;
    let envelope: Envelope<serde_json::Value> =
        serde_json::from_slice(&body).map_err(|e| format!("Cloudflare's answer ({status}) was not JSON: {e}"))?;
    if envelope.success {
        return Ok(true);
    }
    match envelope.errors.first() {
        Some(e) if e.code == 10007 || e.code == 10090 => Ok(false),
        Some(e) => Err(format!("{} [code: {}]", e.message, e.code)),
        None => Err(format!("Cloudflare answered {status} with no error detail")),
    }
}

#[derive(Deserialize)]
struct Namespace {
    id: String,
    title: String,
}

/// The id of the account's KV namespace titled `title`, if it has one.
pub async fn kv_namespace_titled(
    base: &str,
    token: &SecretString,
    account_id: &str,
    title: &str,
) -> Result<Option<String>, String> {
    for page in 1..=20 {
        let url = format!("{base}/accounts/{account_id}/storage/kv/namespaces?per_page=100&page={page}");
        let (status, body) = get(&url, token).await?;
        let envelope: Envelope<Vec<Namespace>> =
            serde_json::from_slice(&body).map_err(|e| format!("Cloudflare's answer ({status}) was not JSON: {e}"))?;
        if !envelope.success {
            let e = envelope.errors.first();
            return Err(e
                .map(|e| format!("{} [code: {}]", e.message, e.code))
                .unwrap_or_else(|| format!("HTTP {status}")));
        }
        let list = envelope.result.unwrap_or_default();
        if let Some(found) = list.iter().find(|n| n.title == title) {
            return Ok(Some(found.id.clone()));
        }
        if list.len() < 100 {
            break;
        }
    }
    Ok(None)
}

async fn get(url: &str, token: &SecretString) -> Result<(u16, Vec<u8>), String> {
    let request = crate::http::Request::get(url).header("Authorization", format!("Bearer {}", token.expose_secret()));
    let answer = crate::http::send(request, std::time::Duration::from_secs(20)).await?;
    Ok((answer.status, answer.body))
}
