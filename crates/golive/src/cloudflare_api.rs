//! What golive asks Cloudflare's API directly: the account's workers.dev subdomain (so the
//! Webhook step can offer `https://<worker>.<subdomain>.workers.dev`), the names of a Worker's
//! secrets (what `wrangler secret list` reads, without starting wrangler), and, before
//! offering a deploy, whether the Worker exists and which KV namespaces the account has. It
//! uses the token wrangler runs with: the one golive holds when it has it (given by the user,
//! or `CLOUDFLARE_API_TOKEN` in wrangler's environment), else wrangler's own login
//! (`wrangler auth token --json`, read from stdout, never shown); and the API base wrangler
//! uses (`CLOUDFLARE_API_BASE_URL`, a stand-in in rehearsal and tests).

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

/// The value a wrangler child sees for `name` (a `CLOUDFLARE_` variable, which golive lets
/// through): the environment's own setting, which wrangler gets last, else golive's.
fn wrangler_var(env: &Environment, name: &str) -> Option<String> {
    env.wrangler_env
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.is_empty())
}

/// The API base wrangler talks to in this environment.
pub fn api_base(env: &Environment) -> String {
    wrangler_var(env, "CLOUDFLARE_API_BASE_URL")
        .unwrap_or_else(|| DEFAULT_API_BASE.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// The token wrangler runs with when golive holds it already: the one the user gave golive
/// (wrangler gets it last, so it wins), else `CLOUDFLARE_API_TOKEN` as wrangler would see
/// it. `None` when wrangler uses its own login: then only wrangler can say.
pub fn known_token(env: &Environment) -> Option<SecretString> {
    env.cloudflare_token.get().or_else(|| wrangler_var(env, TOKEN_VAR).map(SecretString::from))
}

/// The account a Worker command of wrangler (`secret`, `deploy`, …) acts on when golive can
/// tell without asking wrangler: as wrangler's `getAccountId`, the configuration's
/// `account_id` ([`crate::connect::worker_config::WorkerConfig::account_for`]), else `CLOUDFLARE_ACCOUNT_ID`;
/// with neither, wrangler picks from the login's accounts, and only it can say.
pub fn known_account(env: &Environment, configured: Option<&str>) -> Option<String> {
    configured.filter(|a| !a.is_empty()).map(str::to_string).or_else(|| wrangler_var(env, "CLOUDFLARE_ACCOUNT_ID"))
}

#[derive(Deserialize)]
struct TokenJson {
    token: Option<String>,
}

/// wrangler's current token (API token or OAuth), wrapped so it cannot be printed: the one
/// golive holds ([`known_token`]), else what `wrangler auth token` answers.
pub async fn wrangler_token(
    wrangler: &Wrangler,
    project_dir: &Path,
    env: &Environment,
) -> Result<SecretString, WranglerError> {
    if let Some(token) = known_token(env) {
        return Ok(token);
    }
    let output = wrangler::run(&wrangler.program, &["auth", "token", "--json"], project_dir, env).await?;
    let parsed: Option<TokenJson> = serde_json::from_str(output.stdout.trim()).ok();
    match parsed.and_then(|t| t.token) {
        Some(token) if output.success => Ok(SecretString::from(token)),
        _ => Err(WranglerError::NotLoggedIn),
    }
}

/// Every Cloudflare v4 answer: `success`, `errors`, and the `result`.
#[derive(Deserialize)]
pub(crate) struct Envelope<T> {
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<ApiError>,
    pub result: Option<T>,
}

#[derive(Deserialize)]
pub(crate) struct ApiError {
    pub code: u32,
    pub message: String,
}

impl<T> Envelope<T> {
    /// Why Cloudflare refused: its first error as `message [code: N]`.
    fn refusal(&self, status: u16) -> String {
        match self.errors.first() {
            Some(e) => format!("{} [code: {}]", e.message, e.code),
            None => format!("Cloudflare answered {status} with no error detail"),
        }
    }
}

#[derive(Deserialize)]
struct Subdomain {
    subdomain: String,
}

/// The account's `<subdomain>` of workers.dev; `Ok(None)` when it has not registered one.
pub async fn workers_subdomain(base: &str, token: &SecretString, account_id: &str) -> Result<Option<String>, String> {
    let url = format!("{base}/accounts/{account_id}/workers/subdomain");
    let (status, envelope) = get_envelope::<Subdomain>(&url, token).await?;
    if envelope.success {
        return Ok(envelope.result.map(|r| r.subdomain));
    }
    match envelope.errors.first() {
        Some(e) if status == 404 => {
            tracing::debug!(code = e.code, "no workers.dev subdomain");
            Ok(None)
        }
        _ => Err(envelope.refusal(status)),
    }
}

/// Whether the account has a Worker named `script` (404 with code 10007 or 10090: not yet).
pub async fn script_exists(base: &str, token: &SecretString, account_id: &str, script: &str) -> Result<bool, String> {
    let url = format!("{base}/accounts/{account_id}/workers/services/{script}");
    let (status, envelope) = get_envelope::<serde_json::Value>(&url, token).await?;
    if envelope.success {
        return Ok(true);
    }
    match envelope.errors.first() {
        Some(e) if e.code == 10007 || e.code == 10090 => Ok(false),
        _ => Err(envelope.refusal(status)),
    }
}

#[derive(Deserialize)]
struct SecretName {
    name: String,
}

/// The names of the secrets of the Worker `script` (what `wrangler secret list` shows).
/// `Err` with Cloudflare's refusal (`message [code: N]`) or why it could not be asked.
pub async fn secret_names(
    base: &str,
    token: &SecretString,
    account_id: &str,
    script: &str,
) -> Result<Vec<String>, String> {
    let url = format!("{base}/accounts/{account_id}/workers/scripts/{script}/secrets");
    let (status, envelope) = get_envelope::<Vec<SecretName>>(&url, token).await?;
    if !envelope.success {
        return Err(envelope.refusal(status));
    }
    Ok(envelope.result.unwrap_or_default().into_iter().map(|s| s.name).collect())
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
        let (status, envelope) = get_envelope::<Vec<Namespace>>(&url, token).await?;
        if !envelope.success {
            return Err(envelope.refusal(status));
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

/// A GET of Cloudflare's API read as its envelope; `Err` when Cloudflare could not be reached
/// or did not answer JSON.
async fn get_envelope<T: serde::de::DeserializeOwned>(
    url: &str,
    token: &SecretString,
) -> Result<(u16, Envelope<T>), String> {
    let (status, body) = get(url, token).await?;
    let envelope =
        serde_json::from_slice(&body).map_err(|e| format!("Cloudflare's answer ({status}) was not JSON: {e}"))?;
    Ok((status, envelope))
}

/// A GET of Cloudflare's API with `token` as the bearer; `Err` when Cloudflare could not be
/// reached.
pub(crate) async fn get(url: &str, token: &SecretString) -> Result<(u16, Vec<u8>), String> {
    let request = crate::http::Request::get(url).header("Authorization", format!("Bearer {}", token.expose_secret()));
    let answer = crate::http::send(request, std::time::Duration::from_secs(20)).await?;
    Ok((answer.status, answer.body))
}
