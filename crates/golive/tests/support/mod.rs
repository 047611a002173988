//! Shared test fixture: both stand-ins on loopback, a Worker project folder, and the real
//! wrangler from the repository's node_modules pointed at the Cloudflare stand-in.
#![allow(dead_code)]

use cloudflare_standin::CloudflareStandIn;
use golive::environment::{Environment, Mode};
use golive::stripe_key::{parse_key, KeySlot, StripeKey};
use stripe_standin::{AccountKeys, AccountSpec, StandIn};

pub const CF_ACCOUNT: &str = "aaaabbbbccccddddeeeeffff00001111";

pub struct Fixture {
    pub stripe: StandIn,
    pub cloudflare: CloudflareStandIn,
    pub keys: AccountKeys,
    pub project: tempfile::TempDir,
    pub wrangler_home: tempfile::TempDir,
    pub token: String,
}

impl Fixture {
    pub async fn new() -> Self {
        let stripe = StandIn::start().await.unwrap();
        let keys = stripe.add_account(AccountSpec::default());
        let cloudflare = CloudflareStandIn::start("dev@example.com").await.unwrap();
        let token = format!("cf-token-{}", rand_suffix());
        cloudflare.add_token(&token);
        cloudflare.add_account(CF_ACCOUNT, "Example Co");
        let project = tempfile::tempdir().unwrap();
        std::fs::write(
            project.path().join("wrangler.toml"),
            format!("name = \"pan-api\"\naccount_id = \"{CF_ACCOUNT}\"\nmain = \"src/index.ts\"\n"),
        )
        .unwrap();
        Self { stripe, cloudflare, keys, project, wrangler_home: tempfile::tempdir().unwrap(), token }
    }

    /// The environment with wrangler logged in through `CLOUDFLARE_API_TOKEN`.
    pub fn env(&self) -> Environment {
        self.env_with_token(Some(&self.token))
    }

    pub fn env_with_token(&self, token: Option<&str>) -> Environment {
        let home = self.wrangler_home.path().display().to_string();
        let mut wrangler_env = vec![
            ("CLOUDFLARE_API_BASE_URL".to_string(), self.cloudflare.api_base_url()),
            ("XDG_CONFIG_HOME".to_string(), home.clone()),
            ("WRANGLER_LOG_PATH".to_string(), format!("{home}/logs")),
            ("npm_registry".to_string(), "http://127.0.0.1:9/".to_string()),
        ];
        if let Some(token) = token {
            wrangler_env.push(("CLOUDFLARE_API_TOKEN".to_string(), token.to_string()));
        }
        Environment {
            mode: Mode::Rehearsal,
            stripe_base_url: Some(self.stripe.base_url()),
            wrangler_env,
            wrangler_program: Some(golive_testkit::repo_wrangler()),
            webhook_probe_base: None,
            stripe_timeout: None,
            cloudflare_token: Default::default(),
        }
    }

    /// Writes the project's `wrangler.toml`, gives the Cloudflare account the workers.dev
    /// subdomain `acme` with `deployed_script` on it, and runs Connect, which must pass.
    /// Returns a session holding its outcome.
    pub async fn connected_session(&self, wrangler_toml: &str, deployed_script: &str) -> golive::Session {
        std::fs::write(self.project.path().join("wrangler.toml"), wrangler_toml).unwrap();
        self.cloudflare.set_subdomain(CF_ACCOUNT, "acme");
        self.cloudflare.add_script(CF_ACCOUNT, deployed_script);
        let input = golive::connect::ConnectInput {
            test_key: self.test_key(),
            live_key: self.live_key(),
            project_dir: self.project.path().into(),
        };
        let report = golive::connect::check(&input, &self.env(), &golive::progress::Silent).await;
        assert!(report.passed(), "{:#?}", report.findings);
        let mut session = golive::Session::new(Mode::Rehearsal);
        session.connect = report.outcome;
        session.project_dir = Some(self.project.path().into());
        session
    }

    pub fn test_key(&self) -> StripeKey {
        parse_key(KeySlot::Test, &self.keys.test_secret).unwrap()
    }

    pub fn live_key(&self) -> StripeKey {
        parse_key(KeySlot::Live, &self.keys.live_secret).unwrap()
    }
}

/// A Worker name no other run used, so keyring entries never collide.
pub fn unique_worker(prefix: &str) -> String {
    format!("{prefix}-{}-{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> String {
    format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos())
}

/// Plans the catalog and applies it one write at a time, and "crashes" it (the task aborted)
/// the moment the stand-in has taken `writes` more writes — or once it ends, if it has fewer.
pub async fn crash_catalog_apply_after(fx: &Fixture, writes: usize, accept: golive::catalog::ValidateOptions) {
    use golive::catalog::{self, ApplyOptions, Created};
    let posts = || fx.stripe.requests().iter().filter(|r| r.method == "POST").count();
    let posts_before = posts();
    let env = fx.env();
    let (test_key, live_key) = (fx.test_key(), fx.live_key());
    let task = tokio::spawn(async move {
        let (test, plan) = catalog::plan_catalog(&env, &test_key, &live_key, &accept).await.unwrap();
        let live = golive::stripe_api::client(&env, &live_key);
        let serial = ApplyOptions { max_in_flight: 1, ..ApplyOptions::default() };
        catalog::apply(&live, &test, &plan, serial, &golive::progress::Silent, &|_: &Created| {}).await
    });
    while posts() < posts_before + writes && !task.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    task.abort();
    let _ = task.await;
}
