//! A Worker project run on this machine by `wrangler dev` (workerd), standing in for the
//! deployed Worker in the offline rehearsal, in the billing rehearsal (the user's own Worker)
//! and in tests: its secrets go in a 0600 `.dev.vars` (never argv; a `.dev.vars` the project
//! had keeps its other lines and is put back as it was when the Worker stops), it listens on
//! free loopback ports, and it stops with its whole process group when dropped.

use crate::environment::Environment;
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

pub struct LocalWorker {
    child: tokio::process::Child,
    port: u16,
    dir: PathBuf,
    /// The project's own `.dev.vars`, put back when the Worker stops.
    own_dev_vars: Option<Vec<u8>>,
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Writes `secrets` into `dir/.dev.vars` after the lines of `own` (the project's file) that
/// set other names.
fn write_dev_vars(dir: &Path, own: Option<&[u8]>, secrets: &[(String, SecretString)]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(".dev.vars");
    let _ = std::fs::remove_file(&path);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    let ours = |line: &str| secrets.iter().any(|(name, _)| line.trim_start().starts_with(&format!("{name}=")));
    for line in String::from_utf8_lossy(own.unwrap_or_default()).lines().filter(|l| !ours(l)) {
        writeln!(file, "{line}")?;
    }
    for (name, value) in secrets {
        writeln!(file, "{name}={}", value.expose_secret())?;
    }
    Ok(())
}

impl LocalWorker {
    /// Starts `wrangler dev` in `dir` with `secrets`, and waits (up to a minute) until it serves.
    pub async fn start(
        wrangler: &Path,
        dir: &Path,
        env: &Environment,
        secrets: &[(String, SecretString)],
    ) -> Result<LocalWorker, String> {
        let own_dev_vars = std::fs::read(dir.join(".dev.vars")).ok();
        write_dev_vars(dir, own_dev_vars.as_deref(), secrets)
            .map_err(|e| format!("Could not write {}/.dev.vars: {e}", dir.display()))?;
        let (port, inspector) = (free_port().map_err(|e| e.to_string())?, free_port().map_err(|e| e.to_string())?);
        let log = std::fs::File::create(dir.join("dev.log")).map_err(|e| e.to_string())?;
        let child = tokio::process::Command::new(wrangler)
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--inspector-port", &inspector.to_string()])
            .arg("--show-interactive-dev-session=false")
            .current_dir(dir)
            .env_clear()
            .envs(crate::wrangler::inherited_env(std::env::vars_os()))
            .envs(env.wrangler_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("WRANGLER_SEND_METRICS", "false")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().map_err(|e| e.to_string())?))
            .stderr(Stdio::from(log))
            .process_group(0)
            .spawn()
            .map_err(|e| format!("Could not start wrangler dev: {e}"))?;
        let worker = LocalWorker { child, port, dir: dir.to_path_buf(), own_dev_vars };
        for _ in 0..300 {
            let log = std::fs::read_to_string(dir.join("dev.log")).unwrap_or_default();
            if log.contains("Ready on") {
                return Ok(worker);
            }
            if log.contains("[ERROR]") {
                let line = crate::wrangler::strip_ansi(&log);
                let first = line.lines().find(|l| l.contains("[ERROR]")).unwrap_or("").trim().to_string();
                return Err(format!("wrangler dev could not start the Worker: {first}"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err("wrangler dev did not start the Worker within a minute".into())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for LocalWorker {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            use nix::sys::signal::{killpg, Signal};
            let _ = killpg(nix::unistd::Pid::from_raw(pid as i32), Signal::SIGTERM);
        }
        // The secrets file lives only as long as the Worker; the project's own comes back.
        let path = self.dir.join(".dev.vars");
        let _ = std::fs::remove_file(&path);
        if let Some(own) = &self.own_dev_vars {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path);
            let _ = file.and_then(|mut f| f.write_all(own));
        }
    }
}

/// A world of local stand-ins (the offline rehearsal, in the `golive-rehearsal` crate): a
/// Worker run on this machine in place of the deployed one, holding the secrets the Secrets
/// step pushed, for the probes of Verify and Rotate. Real mode has none.
pub trait LocalWorld: Send + Sync {
    /// Starts the project's Worker locally (`wrangler dev`) with the secrets the (stand-in)
    /// Cloudflare account holds for it now; the probes go to it instead of the deployed Worker.
    fn start_worker<'a>(
        &'a self,
        env: &'a crate::environment::Environment,
    ) -> futures::future::BoxFuture<'a, Result<LocalWorker, crate::problem::Problem>>;

    /// Sends (the stand-in) Stripe's deliveries for the endpoint at `endpoint_url` to `worker`
    /// from now on, as if the deployed Worker answered them.
    fn route_deliveries(&self, endpoint_url: &str, worker: &LocalWorker);

    /// The rehearsal's "customer": completes the Checkout Session `id` as a customer would in
    /// the browser (Stripe then makes the customer and subscription and delivers the events).
    fn complete_checkout<'a>(
        &'a self,
        id: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), crate::problem::Problem>>;
}
