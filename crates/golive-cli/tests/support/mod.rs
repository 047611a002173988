//! What the CLI tests share: a Stripe stand-in with one account, a Cloudflare stand-in, a
//! project folder and a data folder, and the `golive` binary run against them with a clean
//! environment.
#![allow(dead_code)]

use cloudflare_standin::CloudflareStandIn;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use stripe_standin::{AccountSpec, StandIn};

pub const CF_ACCOUNT: &str = "aaaabbbbccccddddeeeeffff00001111";

pub struct World {
    pub stripe: StandIn,
    pub cloudflare: CloudflareStandIn,
    pub account_id: String,
    pub test_key: String,
    pub live_key: String,
    pub project: tempfile::TempDir,
    pub data: tempfile::TempDir,
    pub token: String,
}

impl World {
    pub async fn new() -> Self {
        let stripe = StandIn::start().await.unwrap();
        let keys = stripe.add_account(AccountSpec::default());
        let cloudflare = CloudflareStandIn::start("dev@example.com").await.unwrap();
        let token = "cf-cli-test-token".to_string();
        cloudflare.add_token(&token);
        cloudflare.add_account(CF_ACCOUNT, "Example Co");
        let project = tempfile::tempdir().unwrap();
        std::fs::write(
            project.path().join("wrangler.toml"),
            format!("name = \"pan-api\"\naccount_id = \"{CF_ACCOUNT}\"\n"),
        )
        .unwrap();
        Self {
            stripe,
            cloudflare,
            account_id: keys.account_id,
            test_key: keys.test_secret,
            live_key: keys.live_secret,
            project,
            data: tempfile::tempdir().unwrap(),
            token,
        }
    }

    pub fn command(&self, wrangler: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_golive"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("HOME", self.data.path())
            .env("GOLIVE_DATA_DIR", self.data.path())
            .env("GOLIVE_STRIPE_API_BASE", self.stripe.base_url())
            .env("GOLIVE_WRANGLER", wrangler)
            .env("CLOUDFLARE_API_BASE_URL", self.cloudflare.api_base_url())
            .env("CLOUDFLARE_API_TOKEN", &self.token)
            .env("XDG_CONFIG_HOME", self.data.path().join("xdg"))
            .env("npm_registry", "http://127.0.0.1:9/");
        // The Secret Service of the test's D-Bus session (scripts/test.sh starts one).
        if let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        cmd
    }

    /// Makes the project a Worker of its own (a unique name, so keyring entries never meet
    /// another test's) deployed on workers.dev under the `acme` subdomain; its name.
    pub fn deployed_worker(&self, tag: &str) -> String {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let worker = format!("{tag}-{}-{nanos}", std::process::id());
        std::fs::write(
            self.project.path().join("wrangler.toml"),
            format!("name = \"{worker}\"\naccount_id = \"{CF_ACCOUNT}\"\nworkers_dev = true\n"),
        )
        .unwrap();
        self.cloudflare.set_subdomain(CF_ACCOUNT, "acme");
        self.cloudflare.add_script(CF_ACCOUNT, &worker);
        worker
    }

    /// A "Pro" tier in test mode, copied to live mode by `golive catalog apply` (which must pass).
    pub fn pro_tier_applied(&self) {
        self.stripe.insert_tier_with_prices(&self.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
        let out = self
            .command(&golive_testkit::repo_wrangler())
            .args(["catalog", "apply", "--json", "--project"])
            .arg(self.project.path())
            .env("GOLIVE_STRIPE_TEST_KEY", &self.test_key)
            .env("GOLIVE_STRIPE_LIVE_KEY", &self.live_key)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    }

    /// The project's real-mode session file, as golive saved it.
    pub fn session_text(&self) -> String {
        let store = golive::wizard::SessionStore::new(self.data.path());
        let path = store.path_for(golive::environment::Mode::Real, self.project.path());
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// `golive connect --project … --json` with the keys on stdin.
    pub fn connect_stdin(&self, wrangler: &Path, stdin_text: &str) -> Output {
        let mut cmd = self.command(wrangler);
        cmd.args(["connect", "--json", "--keys-stdin", "--project"]).arg(self.project.path());
        with_stdin(cmd, stdin_text)
    }

    /// `golive <args> --project …` with both keys in its environment.
    pub fn run_with_keys(&self, wrangler: &Path, args: &[&str]) -> Output {
        self.command(wrangler)
            .args(args)
            .arg("--project")
            .arg(self.project.path())
            .env("GOLIVE_STRIPE_TEST_KEY", &self.test_key)
            .env("GOLIVE_STRIPE_LIVE_KEY", &self.live_key)
            .output()
            .unwrap()
    }
}

/// Runs `cmd` with `stdin_text` on its standard input.
pub fn with_stdin(mut cmd: Command, stdin_text: &str) -> Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin_text.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}
