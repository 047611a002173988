//! golive's reference Worker (`examples/worker`) run for real by `wrangler dev` (workerd) on
//! a free loopback port: a copy of the folder in a temp dir, the repository's node_modules
//! linked in, the secrets in a 0600 `.dev.vars` (never on argv), stopped with its whole
//! process group. `kv_get` reads its local KV through `wrangler kv key get --local`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ReferenceWorker {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
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

fn wrangler_command(dir: &Path) -> Command {
    let mut cmd = Command::new(crate::repo_wrangler());
    cmd.current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join(".xdg"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("npm_registry", "http://127.0.0.1:9/")
        .env("NO_COLOR", "1");
    cmd
}

impl ReferenceWorker {
    /// Starts the Worker with these secrets (`.dev.vars`), waiting until it serves.
    pub fn start(secrets: &[(&str, &str)]) -> Self {
        Self::start_from(&crate::repo_root().join("examples/worker"), secrets)
    }

    /// Starts a copy of the Worker folder `source` (tests use altered copies).
    pub fn start_from(source: &Path, secrets: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(source, dir.path());
        std::os::unix::fs::symlink(crate::repo_root().join("node_modules"), dir.path().join("node_modules")).unwrap();
        let vars: String = secrets.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(dir.path().join(".dev.vars"))
                .unwrap();
            file.write_all(vars.as_bytes()).unwrap();
        }
        let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (port, inspector) = (free(), free());
        let log = std::fs::File::create(dir.path().join("dev.log")).unwrap();
        use std::os::unix::process::CommandExt;
        let child = wrangler_command(dir.path())
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string(), "--inspector-port", &inspector.to_string()])
            .arg("--show-interactive-dev-session=false")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .process_group(0)
            .spawn()
            .expect("wrangler dev starts");
        let worker = Self { dir, child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let log = std::fs::read_to_string(worker.dir.path().join("dev.log")).unwrap_or_default();
            if log.contains("Ready on") {
                return worker;
            }
            assert!(Instant::now() < deadline, "the reference Worker did not start:\n{log}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// A value from the Worker's local `TIERS` KV namespace.
    pub fn kv_get(&self, key: &str) -> Option<String> {
        let out = wrangler_command(self.dir.path())
            .args(["kv", "key", "get", "--binding", "TIERS", key, "--local"])
            .output()
            .expect("wrangler kv key get runs");
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.is_empty() && !text.contains("Value not found")).then_some(text)
    }
}

impl Drop for ReferenceWorker {
    fn drop(&mut self) {
        // killpg, not `kill -TERM -PID`: procps' kill reads a negative pid as an option.
        use nix::sys::signal::{killpg, Signal};
        let _ = killpg(nix::unistd::Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        let _ = self.child.wait();
    }
}
