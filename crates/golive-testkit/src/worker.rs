//! golive's reference Worker (`examples/worker`) run for real by `wrangler dev` (workerd),
//! through the engine's own [`golive::local_worker::LocalWorker`]: a copy of the folder in a
//! temp dir with the repository's node_modules linked in. `kv_get` reads its local KV
//! through `wrangler kv key get --local`.

use golive::environment::{Environment, Mode};
use golive::local_worker::LocalWorker;
use secrecy::SecretString;
use std::path::Path;
use std::process::Command;

pub struct ReferenceWorker {
    // Dropped first: the Worker stops before its folder goes.
    worker: LocalWorker,
    dir: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == "node_modules" || name == ".wrangler" || name == ".dev.vars" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// What every wrangler run of the harness gets: its own config folder, no network.
fn wrangler_env(dir: &Path) -> Vec<(String, String)> {
    [
        ("XDG_CONFIG_HOME", dir.join(".xdg").display().to_string()),
        ("CLOUDFLARE_CF_FETCH_ENABLED", "false".into()),
        ("npm_registry", "http://127.0.0.1:9/".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A copy of the reference Worker's folder (or another `source`) in a temp dir, with the
/// repository's node_modules linked in: a project `wrangler dev` can run.
pub fn worker_project(source: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(source, dir.path());
    std::os::unix::fs::symlink(crate::repo_root().join("node_modules"), dir.path().join("node_modules")).unwrap();
    dir
}

impl ReferenceWorker {
    /// Starts the Worker with these secrets, waiting until it serves.
    pub async fn start(secrets: &[(&str, &str)]) -> Self {
        Self::start_from(&crate::repo_root().join("examples/worker"), secrets).await
    }

    /// Starts a copy of the Worker folder `source` (tests use altered copies).
    pub async fn start_from(source: &Path, secrets: &[(&str, &str)]) -> Self {
        let dir = worker_project(source);
        let env = Environment {
            mode: Mode::Rehearsal,
            stripe_base_url: None,
            wrangler_env: wrangler_env(dir.path()),
            wrangler_program: None,
            webhook_probe_base: None,
            stripe_timeout: None,
            cloudflare_token: Default::default(),
        };
        let secrets: Vec<(String, SecretString)> =
            secrets.iter().map(|(k, v)| (k.to_string(), SecretString::from(v.to_string()))).collect();
        let worker = LocalWorker::start(&crate::repo_wrangler(), dir.path(), &env, &secrets)
            .await
            .unwrap_or_else(|e| panic!("the reference Worker did not start: {e}"));
        Self { worker, dir }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.worker.base_url()
    }

    /// The Worker's folder (its local KV state is under it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The environment wrangler runs with for this Worker (its own config folder, offline).
    pub fn environment(&self) -> Environment {
        Environment {
            mode: Mode::Rehearsal,
            stripe_base_url: None,
            wrangler_env: wrangler_env(self.dir.path()),
            wrangler_program: None,
            webhook_probe_base: None,
            stripe_timeout: None,
            cloudflare_token: Default::default(),
        }
    }

    /// A value from the Worker's local `TIERS` KV namespace.
    pub fn kv_get(&self, key: &str) -> Option<String> {
        let out = Command::new(crate::repo_wrangler())
            .args(["kv", "key", "get", "--binding", "TIERS", key, "--local"])
            .current_dir(self.dir.path())
            .envs(wrangler_env(self.dir.path()))
            .env("WRANGLER_SEND_METRICS", "false")
            .env("NO_COLOR", "1")
            .output()
            .expect("wrangler kv key get runs");
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.is_empty() && !text.contains("Value not found")).then_some(text)
    }
}
