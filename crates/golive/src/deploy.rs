//! Deploying the user's Worker for them, only when they ask: when Cloudflare has no Worker by
//! the project's name yet (code 10007), or a KV namespace the configuration binds was never
//! created (an id missing or left as the example's placeholder), golive shows the exact
//! wrangler commands it would run and what each changes ([`plan`]), and runs them — streaming
//! their output — only when the user confirms ([`run`]).
//!
//! A KV namespace is looked up by its title first (a re-run after a crash reuses the one it
//! made), and its id is written into the wrangler configuration's entry for that binding,
//! keeping the file's comments and layout. A Worker that exists is never deployed from here:
//! a new version of live code is the user's own `wrangler deploy`.

use crate::cloudflare_api;
use crate::connect::worker_config::{self, KvEntry};
use crate::environment::Environment;
use crate::problem::{Problem, ProblemKind};
use crate::progress::{Progress, ProgressSink, StepEvent};
use crate::steps::StepId;
use crate::webhook::url::script_name;
use crate::wrangler::{self, Wrangler};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one wrangler command of a deploy may take (bundling and upload included).
const DEPLOY_LIMIT: Duration = Duration::from_secs(5 * 60);

/// What golive would do, shown before the user confirms.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeployPlan {
    /// The Worker's name as Cloudflare knows it.
    pub worker: String,
    pub folder: PathBuf,
    pub config_file: PathBuf,
    /// The wrangler environment (`--env`), if any.
    pub env: Option<String>,
    /// Cloudflare has the Worker already.
    pub deployed: bool,
    /// In order; empty when there is nothing to do.
    pub actions: Vec<DeployAction>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeployAction {
    #[serde(flatten)]
    pub kind: DeployKind,
    /// The command as the user would type it in the project folder.
    pub command: String,
    /// What it changes, in words.
    pub changes: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeployKind {
    CreateKv { binding: String },
    Deploy,
}

/// What a confirmed run did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeployOutcome {
    /// `(binding, namespace id)` for each namespace created or found, written into the config.
    pub kv: Vec<(String, String)>,
    pub deployed: bool,
    /// The address wrangler said the Worker serves at, when it said one.
    pub url: Option<String>,
}

/// Whether a configured namespace id is a real one (32 hexadecimal characters, not all zero).
pub fn real_kv_id(id: Option<&str>) -> bool {
    id.is_some_and(|id| id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) && id.chars().any(|c| c != '0'))
}

fn env_flag(env: Option<&str>) -> String {
    env.map(|e| format!(" --env {e}")).unwrap_or_default()
}

/// The plan for `folder` (its wrangler config, for `worker_env`), in `account`.
pub async fn plan(
    folder: &Path,
    worker_env: Option<&str>,
    account: &str,
    wrangler: &Wrangler,
    env: &Environment,
) -> Result<DeployPlan, Problem> {
    let config = worker_config::load(folder).map_err(|e| Problem::invalid(e.message(), e.fix()))?;
    let worker = script_name(&config, worker_env);
    let kv = worker_config::kv_namespaces(folder, worker_env).map_err(|e| Problem::invalid(e.message(), e.fix()))?;
    let token = cloudflare_api::wrangler_token(wrangler, folder, env).await?;
    let base = cloudflare_api::api_base(env);
    let deployed = cloudflare_api::script_exists(&base, &token, account, &worker).await.map_err(refused)?;
    let file = config.file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
    let mut actions: Vec<DeployAction> = kv
        .iter()
        .filter(|entry| !real_kv_id(entry.id.as_deref()))
        .map(|KvEntry { binding, .. }| DeployAction {
            kind: DeployKind::CreateKv { binding: binding.clone() },
            command: format!("npx wrangler kv namespace create {binding}"),
            changes: format!(
                "Creates the KV namespace “{binding}” in your Cloudflare account (or uses the one of that name already there), and writes its id into {file} as the `id` of the `{binding}` binding."
            ),
        })
        .collect();
    if !deployed {
        actions.push(DeployAction {
            kind: DeployKind::Deploy,
            command: format!("npx wrangler deploy{}", env_flag(worker_env)),
            changes: format!(
                "Uploads the Worker in {} to your Cloudflare account as “{worker}” and starts serving it{}. Nothing else in the account changes.",
                folder.display(),
                if config.workers_dev == Some(false) { "" } else { " (on its workers.dev address)" }
            ),
        });
    }
    Ok(DeployPlan {
        worker,
        folder: folder.to_path_buf(),
        config_file: config.file,
        env: worker_env.map(str::to_string),
        deployed,
        actions,
    })
}

fn refused(why: String) -> Problem {
    Problem::new(
        ProblemKind::Refused,
        "cloudflare_refused",
        format!("Cloudflare did not answer whether the Worker is deployed: {why}"),
        "Check the internet connection and the Cloudflare login (Connect), then try again.",
    )
}

/// Runs the plan's actions in order (a plan made just before, so what runs is what the user
/// saw, against what Cloudflare holds now), each wrangler line reaching `sink`.
pub async fn run(
    now: &DeployPlan,
    account: &str,
    wrangler: &Wrangler,
    env: &Environment,
    sink: &dyn ProgressSink,
) -> Result<DeployOutcome, Problem> {
    let total = now.actions.len();
    let mut outcome = DeployOutcome { kv: Vec::new(), deployed: false, url: None };
    for (done, action) in now.actions.iter().enumerate() {
        let report = |message: String| {
            sink.emit(StepEvent::Progress(Progress {
                step: StepId::Secrets,
                item: "deploy".into(),
                done,
                total,
                message,
            }))
        };
        report(format!("Running `{}`", action.command));
        match &action.kind {
            DeployKind::CreateKv { binding } => {
                let id = namespace_for(binding, now, account, wrangler, env, &report).await?;
                write_kv_id(&now.config_file, binding, now.env.as_deref(), &id)?;
                report(format!("Wrote id {id} for {binding} into {}", now.config_file.display()));
                outcome.kv.push((binding.clone(), id));
            }
            DeployKind::Deploy => {
                let mut args = vec!["deploy"];
                if let Some(e) = now.env.as_deref() {
                    args.extend(["--env", e]);
                }
                let output =
                    wrangler::run_streaming(&wrangler.program, &args, &now.folder, env, DEPLOY_LIMIT, &|line: &str| {
                        report(line.to_string())
                    })
                    .await?;
                if !output.success {
                    return Err(deploy_failed(&output, &now.worker, account));
                }
                outcome.deployed = true;
                outcome.url = output
                    .stdout
                    .split_whitespace()
                    .find(|w| w.starts_with("https://") && w.contains(".workers.dev"))
                    .map(str::to_string);
            }
        }
    }
    Ok(outcome)
}

fn deploy_failed(output: &wrangler::Output, worker: &str, account: &str) -> Problem {
    let all = format!("{}\n{}", output.stderr, output.stdout);
    if all.contains("[code: 10041]") {
        return Problem::new(
            ProblemKind::NotReady,
            "kv_namespace_invalid",
            format!("Cloudflare refused the deploy of “{worker}”: a KV namespace id in the configuration is not one of this account's ({}).", wrangler::first_line(&output.stderr, &output.stdout)),
            "Put the id of a namespace of this account in the configuration (`npx wrangler kv namespace list` shows them), or replace it with 00000000000000000000000000000000 and let golive create one.",
        );
    }
    let mut problem: Problem = wrangler::classify_failure(output, worker, Some(account)).into();
    problem.message = format!("`wrangler deploy` did not deploy “{worker}”: {}", problem.message);
    problem
}

/// The namespace titled `binding`: found in the account, else created with wrangler.
async fn namespace_for(
    binding: &str,
    plan: &DeployPlan,
    account: &str,
    wrangler: &Wrangler,
    env: &Environment,
    report: &(dyn Fn(String) + Sync),
) -> Result<String, Problem> {
    let token = cloudflare_api::wrangler_token(wrangler, &plan.folder, env).await?;
    let base = cloudflare_api::api_base(env);
    if let Some(id) = cloudflare_api::kv_namespace_titled(&base, &token, account, binding).await.map_err(refused)? {
        report(format!("The KV namespace “{binding}” exists already ({id}): using it."));
        return Ok(id);
    }
    let output = wrangler::run_streaming(
        &wrangler.program,
        &["kv", "namespace", "create", binding],
        &plan.folder,
        env,
        DEPLOY_LIMIT,
        &|line: &str| report(line.to_string()),
    )
    .await?;
    if !output.success {
        return Err(wrangler::classify_failure(&output, &plan.worker, Some(account)).into());
    }
    created_id(&output.stdout).ok_or_else(|| {
        Problem::internal(format!(
            "`wrangler kv namespace create {binding}` worked but printed no id golive could read; `npx wrangler kv namespace list` shows it."
        ))
    })
}

/// The id in wrangler's "add this to your configuration" snippet (TOML or JSON).
fn created_id(stdout: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let line = line.trim();
        let rest = line.strip_prefix("id = \"").or_else(|| line.strip_prefix("\"id\": \""))?;
        let id: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
        real_kv_id(Some(&id)).then_some(id)
    })
}

/// Sets the `id` of the `binding` entry of `kv_namespaces` (the environment's own when it has
/// them) in a wrangler.toml, keeping everything else as it was; written atomically. A JSON
/// configuration is not rewritten (its comments would not survive): the problem says what to
/// paste where.
pub fn write_kv_id(file: &Path, binding: &str, env: Option<&str>, id: &str) -> Result<(), Problem> {
    let not_written = |why: String| {
        Problem::new(
            ProblemKind::NotReady,
            "kv_id_not_written",
            format!("The KV namespace “{binding}” is ready (id {id}), but golive could not write its id into {}: {why}", file.display()),
            format!("Open {} and set `id = \"{id}\"` in the kv_namespaces entry whose binding is “{binding}”, save, then press the button again.", file.display()),
        )
    };
    if file.extension().and_then(|e| e.to_str()) != Some("toml") {
        return Err(not_written("golive only edits wrangler.toml files".into()));
    }
    let text = std::fs::read_to_string(file).map_err(|e| not_written(e.to_string()))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| not_written(e.to_string()))?;
    let env_table =
        env.and_then(|e| doc.get("env").and_then(|t| t.get(e))).and_then(|t| t.get("kv_namespaces")).is_some();
    let entries = if env_table {
        doc["env"][env.unwrap_or_default()]["kv_namespaces"].as_array_of_tables_mut()
    } else {
        doc.get_mut("kv_namespaces").and_then(|k| k.as_array_of_tables_mut())
    };
    let entry = entries
        .and_then(|list| list.iter_mut().find(|t| t.get("binding").and_then(|b| b.as_str()) == Some(binding)))
        .ok_or_else(|| not_written(format!("it has no [[kv_namespaces]] entry with binding = \"{binding}\"")))?;
    entry["id"] = toml_edit::value(id);
    // A sibling written whole, with the file's permissions, then renamed over it.
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let temp = file.with_file_name(format!(".{name}.golive-tmp"));
    std::fs::write(&temp, doc.to_string()).map_err(|e| not_written(e.to_string()))?;
    if let Ok(meta) = std::fs::metadata(file) {
        let _ = std::fs::set_permissions(&temp, meta.permissions());
    }
    std::fs::rename(&temp, file).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        not_written(e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_ids_are_not_real() {
        assert!(!real_kv_id(None));
        assert!(!real_kv_id(Some("00000000000000000000000000000000")));
        assert!(!real_kv_id(Some("<your-id>")));
        assert!(real_kv_id(Some("b56942961ecd49618000000000000001")));
    }

    #[test]
    fn reads_the_id_wrangler_prints_in_either_format() {
        let toml = "✨ Success!\n[[kv_namespaces]]\nbinding = \"TIERS\"\nid = \"b56942961ecd49618000000000000001\"\n";
        assert_eq!(created_id(toml).as_deref(), Some("b56942961ecd49618000000000000001"));
        let json = "{\n  \"kv_namespaces\": [\n    {\n      \"binding\": \"TIERS\",\n      \"id\": \"0123456789abcdef0123456789abcdef\"\n    }\n  ]\n}";
        assert_eq!(created_id(json).as_deref(), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(created_id("id = \"00000000000000000000000000000000\""), None);
    }

    #[test]
    fn the_id_goes_into_its_binding_and_the_comments_stay() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wrangler.toml");
        let before = "# my worker\nname = \"api\"\n\n[[kv_namespaces]]\nbinding = \"OTHER\"\nid = \"ffffffffffffffffffffffffffffffff\"\n\n[[kv_namespaces]]\nbinding = \"TIERS\"\n# put the id here\nid = \"00000000000000000000000000000000\"\n\n[env.staging]\n[[env.staging.kv_namespaces]]\nbinding = \"TIERS\"\n";
        std::fs::write(&file, before).unwrap();
        write_kv_id(&file, "TIERS", None, "0123456789abcdef0123456789abcdef").unwrap();
        let after = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            after,
            before.replace("id = \"00000000000000000000000000000000\"", "id = \"0123456789abcdef0123456789abcdef\"")
        );
        write_kv_id(&file, "TIERS", Some("staging"), "abcdefabcdefabcdefabcdefabcdefab").unwrap();
        let env_kv = worker_config::kv_namespaces(dir.path(), Some("staging")).unwrap();
        assert_eq!(env_kv[0].id.as_deref(), Some("abcdefabcdefabcdefabcdefabcdefab"));
        let missing = write_kv_id(&file, "NOPE", None, "0123456789abcdef0123456789abcdef").unwrap_err();
        assert!(missing.message.contains("binding = \"NOPE\""), "{}", missing.message);
        assert!(missing.fix.contains("0123456789abcdef0123456789abcdef"));
        let json = dir.path().join("wrangler.jsonc");
        std::fs::write(&json, "{}").unwrap();
        assert_eq!(
            write_kv_id(&json, "TIERS", None, "0123456789abcdef0123456789abcdef").unwrap_err().code,
            "kv_id_not_written"
        );
    }
}
