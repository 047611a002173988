//! Pushing the bundle to the Worker with the real wrangler: the Worker's secret list first
//! (so a Worker that is not deployed is reported, instead of wrangler quietly creating an
//! empty one), then one `secret bulk` with the JSON on stdin (one new Worker version, values
//! never on argv or on disk), then the list again to confirm every name. `--env` is passed
//! when the user targets a wrangler environment. The list is read from Cloudflare's API when
//! golive holds wrangler's token and knows its account (no wrangler start, ~1 s each), else
//! with `wrangler secret list`; any answer but a list from the API is asked of wrangler
//! again, so what goes wrong is said in wrangler's words.

use super::{Bundle, SecretsError, SecretsRecord};
use crate::cloudflare_api;
use crate::environment::Environment;
use crate::progress::ProgressSink;
use crate::steps::StepId;
use crate::wrangler::{self, Wrangler};
use serde::Deserialize;
use std::path::Path;

/// Which Worker the secrets go to.
#[derive(Debug, Clone)]
pub struct PushTarget<'a> {
    pub wrangler: &'a Wrangler,
    pub project_dir: &'a Path,
    /// The wrangler environment (`--env`), if any.
    pub env: Option<&'a str>,
    /// The script that environment deploys as, and its account (for messages).
    pub script: &'a str,
    pub account: Option<&'a str>,
}

impl PushTarget<'_> {
    /// `--env=<name>` in one argument, so no environment name can be read as an option.
    fn args_of(&self, group: &str, command: &[&str]) -> Vec<String> {
        let mut args = vec![group.to_string()];
        args.extend(command.iter().map(|a| a.to_string()));
        if let Some(env) = self.env {
            args.push(format!("--env={env}"));
        }
        args
    }
}

#[derive(Deserialize)]
struct Listed {
    name: String,
}

/// The names of the secrets the Worker has: from Cloudflare's API when golive can ask it
/// without wrangler, else `wrangler secret list` (JSON).
pub async fn list_names(target: &PushTarget<'_>, env: &Environment) -> Result<Vec<String>, SecretsError> {
    if let (Some(token), Some(account)) =
        (cloudflare_api::known_token(env), cloudflare_api::known_account(env, target.account))
    {
        match cloudflare_api::secret_names(&cloudflare_api::api_base(env), &token, &account, target.script).await {
            Ok(names) => return Ok(names),
            Err(e) => tracing::debug!(error = %e, "the secret list from the API; asking wrangler"),
        }
    }
    let output = run_secret(target, env, &["list", "--format", "json"]).await?;
    // wrangler may print warnings before the JSON array.
    let json = output.stdout.find('[').map(|i| &output.stdout[i..]).unwrap_or("[]");
    let listed: Vec<Listed> = serde_json::from_str(json.trim()).map_err(|e| {
        SecretsError::Wrangler(wrangler::WranglerError::Broken(format!(
            "`wrangler secret list` printed no JSON list ({e})"
        )))
    })?;
    Ok(listed.into_iter().map(|l| l.name).collect())
}

fn progress(sink: &dyn ProgressSink, done: usize, message: &str) {
    sink.progress(StepId::Secrets, "push", done, 3, message);
}

/// Pushes `bundle` and confirms it. The record lists what was pushed and confirmed.
pub async fn push(
    bundle: &Bundle,
    target: &PushTarget<'_>,
    env: &Environment,
    sink: &dyn ProgressSink,
) -> Result<SecretsRecord, SecretsError> {
    progress(sink, 0, &format!("Checking that the Worker “{}” is deployed", target.script));
    list_names(target, env).await?;
    progress(sink, 1, &format!("Uploading {} secrets in one new version", bundle.values.len()));
    let payload = bundle.to_bulk_json();
    let args = target.args_of("secret", &["bulk"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = wrangler::run_with_input(&target.wrangler.program, &args, target.project_dir, env, Some(&payload))
        .await
        .map_err(SecretsError::Wrangler)?;
    drop(payload);
    if !output.success || output.stdout.contains("Secrets failed to upload") {
        return Err(SecretsError::Wrangler(wrangler::classify_failure(&output, target.script, target.account)));
    }
    progress(sink, 2, "Confirming every name on the Worker");
    let listed = list_names(target, env).await?;
    let pushed = bundle.names();
    let missing: Vec<String> = pushed.iter().filter(|n| !listed.contains(n)).cloned().collect();
    if !missing.is_empty() {
        return Err(SecretsError::NotConfirmed(missing));
    }
    progress(sink, 3, "Every secret is on the Worker");
    Ok(SecretsRecord {
        script: target.script.to_string(),
        env: target.env.map(str::to_string),
        in_keyring: bundle.values.iter().filter(|v| v.secret).map(|v| v.name.clone()).collect(),
        confirmed: pushed.iter().filter(|n| listed.contains(n)).cloned().collect(),
        pushed,
        pushed_hints: bundle
            .values
            .iter()
            .filter(|v| v.secret)
            .map(|v| (v.name.clone(), crate::stripe_key::hint_of(secrecy::ExposeSecret::expose_secret(&v.value))))
            .collect(),
        pushed_ids: bundle
            .values
            .iter()
            .filter(|v| !v.secret)
            .map(|v| (v.name.clone(), secrecy::ExposeSecret::expose_secret(&v.value).to_string()))
            .collect(),
    })
}

/// One version of the deployment serving now, and its share of the traffic (percent).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VersionShare {
    pub version_id: String,
    pub percentage: f64,
}

#[derive(Deserialize)]
struct Deployment {
    versions: Vec<VersionShare>,
}

/// The versions serving the Worker now (`wrangler deployments status --json`); more than
/// one, or one below 100 %, is a gradual deployment in progress, during which Cloudflare
/// refuses every secret change (10214).
pub async fn serving_versions(target: &PushTarget<'_>, env: &Environment) -> Result<Vec<VersionShare>, SecretsError> {
    let output = run_group(target, env, "deployments", &["status", "--json"]).await?;
    let json = output.stdout.find('{').map(|i| &output.stdout[i..]).unwrap_or("");
    let deployment: Deployment = serde_json::from_str(json.trim()).map_err(|e| {
        SecretsError::Wrangler(wrangler::WranglerError::Broken(format!(
            "`wrangler deployments status --json` printed no deployment ({e})"
        )))
    })?;
    Ok(deployment.versions)
}

/// Whether `versions` is a gradual deployment in progress.
pub fn gradual(versions: &[VersionShare]) -> bool {
    versions.len() > 1 || versions.iter().any(|v| v.percentage < 100.0)
}

/// `wrangler secret delete NAME` (one new Worker version); wrangler asks no question when
/// not on a terminal.
pub async fn delete_name(target: &PushTarget<'_>, env: &Environment, name: &str) -> Result<(), SecretsError> {
    run_secret(target, env, &["delete", name]).await.map(|_| ())
}

/// `wrangler secret <command>` for the target; a failure classified by what wrangler said.
async fn run_secret(
    target: &PushTarget<'_>,
    env: &Environment,
    command: &[&str],
) -> Result<wrangler::Output, SecretsError> {
    run_group(target, env, "secret", command).await
}

/// `wrangler <group> <command>` for the target; a failure classified by what wrangler said.
async fn run_group(
    target: &PushTarget<'_>,
    env: &Environment,
    group: &str,
    command: &[&str],
) -> Result<wrangler::Output, SecretsError> {
    let args = target.args_of(group, command);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = wrangler::run(&target.wrangler.program, &args, target.project_dir, env)
        .await
        .map_err(SecretsError::Wrangler)?;
    if !output.success {
        return Err(SecretsError::Wrangler(wrangler::classify_failure(&output, target.script, target.account)));
    }
    Ok(output)
}
