//! How golive's wrangler runs reach Cloudflare when the user has not run `wrangler login`
//! in a terminal: an API token pasted into golive (checked with `/user/tokens/verify`, kept
//! in the OS keyring, handed to wrangler as `CLOUDFLARE_API_TOKEN` in its environment only,
//! never on argv), or `wrangler login` run for the user (it opens the browser; golive passes
//! on what it prints and reads the result with `wrangler whoami`).
//!
//! One token serves every project, as `wrangler login` does: it is the user's Cloudflare
//! login, not a project's secret. A Worker in an account the token cannot reach is Connect's
//! "different Cloudflare account" finding, with its fix.

use crate::cloudflare_api::Envelope;
use crate::environment::{Environment, Mode};
use crate::keystore::{self, EntryName};
use crate::problem::{Problem, ProblemKind};
use crate::progress::{Progress, ProgressSink, StepEvent};
use crate::steps::StepId;
use crate::wrangler::{self, WhoAmI, Wrangler};
use secrecy::SecretString;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// How long `wrangler login` may wait for the user to approve in the browser.
pub const LOGIN_LIMIT: Duration = Duration::from_secs(5 * 60);

/// The keyring entry of golive's Cloudflare token: `cloudflare/account/CLOUDFLARE_API_TOKEN`
/// for Cloudflare's API; `cloudflare/account@<host>/…` for another API base (a token belongs
/// to the API that verified it); `cloudflare/rehearsal/…` for the rehearsal's made-up one.
/// No Worker's entry has these modes (theirs are "live" and "test").
pub fn token_entry(env: &Environment) -> EntryName {
    let kind = match env.mode {
        Mode::Rehearsal => "rehearsal".to_string(),
        Mode::Real => {
            let base = crate::cloudflare_api::api_base(env);
            if base == crate::cloudflare_api::DEFAULT_API_BASE {
                "account".to_string()
            } else {
                let host = url::Url::parse(&base).ok().and_then(|u| {
                    u.host_str().map(|h| format!("{h}{}", u.port().map(|p| format!(":{p}")).unwrap_or_default()))
                });
                format!("account@{}", host.unwrap_or(base))
            }
        }
    };
    EntryName { project: "cloudflare".into(), mode: kind, variable: TOKEN_VAR.into() }
}

pub use crate::cloudflare_api::{token_page_url, TOKEN_VAR};
pub use crate::environment::TokenCell;

/// A token as pasted: surrounding blanks dropped; refused before anything is sent when it
/// cannot be a token (empty, blanks inside, a Global API Key, a whole `KEY=value` line).
pub fn parse_token(raw: &str) -> Result<SecretString, Problem> {
    let token = raw.trim();
    let refuse = |message: &str| {
        Err(Problem::invalid(
            message.to_string(),
            format!("Copy the token Cloudflare shows once after “Create Token” (40 letters, digits, - and _). Make one with golive's permissions: {}", token_page_url()),
        )
        .with_code("cloudflare_token_format"))
    };
    if token.is_empty() {
        return refuse("No Cloudflare API token was given.");
    }
    if let Some((name, _)) = token.split_once('=') {
        if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') && !name.is_empty() {
            return refuse("That is a whole `NAME=value` line, not just the token.");
        }
    }
    if token.chars().any(|c| c.is_whitespace() || !c.is_ascii_graphic()) {
        return refuse("That does not look like a Cloudflare API token: it has spaces or unusual characters inside.");
    }
    if token.len() == 37 && token.chars().all(|c| c.is_ascii_hexdigit()) {
        return refuse(
            "That looks like the Global API Key (37 hexadecimal characters), which can do anything on the account; golive takes an API token with only the permissions it needs.",
        );
    }
    if !(20..=400).contains(&token.len()) {
        return refuse("That is too short or too long to be a Cloudflare API token.");
    }
    Ok(SecretString::from(token.to_string()))
}

#[derive(Deserialize)]
struct VerifyResult {
    status: String,
    #[serde(default)]
    expires_on: Option<String>,
}

/// Asks Cloudflare whether `token` is a valid, active token (`GET /user/tokens/verify`).
pub async fn verify(env: &Environment, token: &SecretString) -> Result<(), Problem> {
    let url = format!("{}/user/tokens/verify", crate::cloudflare_api::api_base(env));
    let (status, body) = crate::cloudflare_api::get(&url, token).await.map_err(|cause| {
        Problem::new(
            ProblemKind::Refused,
            "cloudflare_unreachable",
            format!("Could not reach Cloudflare to check the API token: {cause}"),
            "Check the internet connection (and any proxy), then try again.",
        )
    })?;
    let envelope: Envelope<VerifyResult> = serde_json::from_slice(&body).map_err(|e| {
        Problem::new(
            ProblemKind::Refused,
            "cloudflare_answer",
            format!("Cloudflare's answer to the token check ({}) was not what golive expected: {e}", status),
            "Try again in a minute; if it persists, check Cloudflare's status page.",
        )
    })?;
    let refused = |message: String| {
        Problem::new(
            ProblemKind::Refused,
            "cloudflare_token_refused",
            message,
            format!("Make a new token with golive's permissions, copy it, and paste it here: {}", token_page_url()),
        )
    };
    match envelope.result {
        Some(result) if envelope.success && result.status == "active" => Ok(()),
        Some(result) if envelope.success => Err(refused(format!(
            "Cloudflare says this API token is {}{}.",
            result.status,
            result.expires_on.map(|at| format!(" (it expires or expired on {at})")).unwrap_or_default()
        ))),
        _ => {
            let why = envelope
                .errors
                .first()
                .map(|e| format!("{} (code {})", e.message, e.code))
                .unwrap_or_else(|| format!("HTTP {status}"));
            Err(refused(format!("Cloudflare refused this API token: {why}.")))
        }
    }
}

/// The token saved in the keyring, if any (`Ok(None)` when there is none).
pub async fn saved_token(env: &Environment) -> Result<Option<SecretString>, Problem> {
    let entry = token_entry(env);
    Ok(keystore::blocking(move || keystore::get(&entry)).await?)
}

/// Keeps `token` in the keyring for the next runs.
pub async fn save_token(env: &Environment, token: SecretString) -> Result<(), Problem> {
    let entry = token_entry(env);
    Ok(keystore::blocking(move || keystore::put(&entry, &token)).await?)
}

/// Removes the saved token (removing none is fine).
pub async fn forget_token(env: &Environment) -> Result<(), Problem> {
    let entry = token_entry(env);
    Ok(keystore::blocking(move || keystore::delete(&entry)).await?)
}

/// Runs `wrangler login` in `project_dir`: wrangler opens the browser and waits for the user
/// to allow access; each line it prints reaches `sink` as Connect progress (the link to open
/// by hand among them). Then `wrangler whoami` says who is logged in.
pub async fn login(
    wrangler: &Wrangler,
    project_dir: &Path,
    env: &Environment,
    sink: &dyn ProgressSink,
) -> Result<WhoAmI, Problem> {
    let report = |done: usize, message: String| {
        sink.emit(StepEvent::Progress(Progress {
            step: StepId::Connect,
            item: "cloudflare login".into(),
            done,
            total: 1,
            message,
        }))
    };
    report(0, "Running `wrangler login`: allow golive's access in the browser window it opens.".into());
    let output =
        wrangler::run_streaming(&wrangler.program, &["login"], project_dir, env, LOGIN_LIMIT, &|line: &str| {
            report(0, line.to_string())
        })
        .await
        .map_err(|e| login_problem(&e.message()))?;
    if !output.success {
        return Err(login_problem(&wrangler::first_line(&output.stderr, &output.stdout)));
    }
    let who = wrangler::whoami(wrangler, project_dir, env).await.map_err(|e| login_problem(&e.message()))?;
    report(1, format!("Logged in to Cloudflare as {}.", who.email.as_deref().unwrap_or("an API token")));
    Ok(who)
}

fn login_problem(why: &str) -> Problem {
    Problem::new(
        ProblemKind::Refused,
        "cloudflare_login",
        format!("`wrangler login` did not log in: {why}"),
        format!(
            "Try again and allow access in the browser, or paste an API token instead (make one here: {}).",
            token_page_url()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_pasted_token_is_trimmed_and_obvious_mistakes_are_refused_before_sending() {
        let good = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_Ab";
        assert_eq!(parse_token(&format!("  {good}\n")).unwrap().expose_secret(), good);
        for (bad, says) in [
            ("", "No Cloudflare API token"),
            (&format!("CLOUDFLARE_API_TOKEN={good}") as &str, "NAME=value"),
            ("abc def ghi jkl mno pqr stu", "spaces"),
            ("0123456789abcdef0123456789abcdef01234", "Global API Key"),
            ("short", "too short"),
        ] {
            let problem = parse_token(bad).expect_err(bad);
            assert!(problem.message.contains(says), "{bad}: {}", problem.message);
            assert_eq!(problem.code, "cloudflare_token_format");
            assert!(!problem.message.contains(good) && !problem.fix.contains(good), "the token is never echoed");
        }
    }

    #[test]
    fn the_token_page_asks_for_golives_permissions() {
        let url = token_page_url();
        let query: std::collections::HashMap<String, String> =
            url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
        let keys: serde_json::Value = serde_json::from_str(&query["permissionGroupKeys"]).unwrap();
        assert_eq!(
            keys,
            serde_json::json!([
                {"key": "workers_scripts", "type": "edit"},
                {"key": "account_settings", "type": "read"},
                {"key": "workers_kv", "type": "edit"}
            ])
        );
        assert_eq!(query["accountId"], "*");
        assert_eq!(query["zoneId"], "all");
    }

    #[test]
    fn the_token_is_filed_by_the_api_that_verified_it() {
        let mut env = Environment::real();
        env.wrangler_env = vec![];
        let entry = |env: &Environment| token_entry(env).user();
        if std::env::var_os("CLOUDFLARE_API_BASE_URL").is_none() {
            assert_eq!(entry(&env), "cloudflare/account/CLOUDFLARE_API_TOKEN");
        }
        env.wrangler_env = vec![("CLOUDFLARE_API_BASE_URL".into(), "http://127.0.0.1:4567/client/v4".into())];
        assert_eq!(entry(&env), "cloudflare/account@127.0.0.1:4567/CLOUDFLARE_API_TOKEN");
        env.mode = Mode::Rehearsal;
        assert_eq!(entry(&env), "cloudflare/rehearsal/CLOUDFLARE_API_TOKEN");
    }

    #[test]
    fn the_cell_is_shared_by_copies_and_never_prints_its_token() {
        let cell = TokenCell::default();
        let copy = cell.clone();
        cell.set(Some(SecretString::from("s3cr3t-token-value".to_string())));
        assert_eq!(copy.get().unwrap().expose_secret(), "s3cr3t-token-value");
        assert_eq!(format!("{copy:?}"), "TokenCell(set)");
        copy.set(None);
        assert!(cell.get().is_none());
    }
}
