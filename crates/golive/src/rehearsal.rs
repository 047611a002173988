//! Offline rehearsal: the Stripe and Cloudflare stand-ins started in-process on 127.0.0.1,
//! a made-up account with the seed's test catalog, and a sample Worker project (golive's
//! reference Worker), so someone with no Stripe account can walk the whole wizard. Verify
//! runs that Worker locally with `wrangler dev`, with the secrets the Cloudflare stand-in
//! received, in place of the deployed one. Nothing leaves the machine; wrangler gets its
//! own config folder so the user's real Cloudflare login is never touched.

use crate::environment::{Environment, Mode};
use cloudflare_standin::CloudflareStandIn;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use stripe_standin::StandIn;

pub const WORKER_NAME: &str = "rehearsal-api";
/// The reference Worker's source (examples/worker), built into golive.
const REFERENCE_WORKER: &str = include_str!("../../../examples/worker/src/index.js");
/// The node packages of the source tree golive was built from (wrangler, stripe).
const SOURCE_NODE_MODULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../node_modules");
const CF_ACCOUNT_ID: &str = "0123456789abcdef0123456789abcdef";

pub struct Rehearsal {
    pub stripe: StandIn,
    pub cloudflare: CloudflareStandIn,
    pub test_key: SecretString,
    pub live_key: SecretString,
    pub project_dir: PathBuf,
    wrangler_home: PathBuf,
    cloudflare_token: SecretString,
}

impl Rehearsal {
    /// Starts both stand-ins and writes the sample project under `data_dir/rehearsal`.
    pub async fn start(data_dir: &Path) -> std::io::Result<Self> {
        let stripe = StandIn::start().await?;
        let keys = stripe.seed_rehearsal();
        let cloudflare = CloudflareStandIn::start("founder@rehearsal.invalid").await?;
        let token = format!("rehearsal-{}", std::process::id());
        cloudflare.add_token(&token);
        cloudflare.add_account(CF_ACCOUNT_ID, "Rehearsal account");
        cloudflare.set_subdomain(CF_ACCOUNT_ID, "rehearsal");
        cloudflare.add_script(CF_ACCOUNT_ID, WORKER_NAME);
        let root = data_dir.join("rehearsal");
        let project_dir = root.join("project");
        std::fs::create_dir_all(project_dir.join("src"))?;
        std::fs::write(
            project_dir.join("wrangler.toml"),
            format!(
                "# The offline rehearsal's sample Worker (golive's reference Worker).\nname = \"{WORKER_NAME}\"\naccount_id = \"{CF_ACCOUNT_ID}\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-01-01\"\nworkers_dev = true\n\n[[kv_namespaces]]\nbinding = \"TIERS\"\nid = \"00000000000000000000000000000000\"\n"
            ),
        )?;
        std::fs::write(project_dir.join("src/index.js"), REFERENCE_WORKER)?;
        // The Worker imports the `stripe` package: use the node_modules golive was built with.
        let modules = project_dir.join("node_modules");
        if !modules.exists() && Path::new(SOURCE_NODE_MODULES).is_dir() {
            std::os::unix::fs::symlink(SOURCE_NODE_MODULES, &modules)?;
        }
        let wrangler_home = root.join("wrangler-home");
        std::fs::create_dir_all(&wrangler_home)?;
        Ok(Self {
            stripe,
            cloudflare,
            test_key: SecretString::from(keys.test_secret),
            live_key: SecretString::from(keys.live_secret),
            project_dir,
            wrangler_home,
            cloudflare_token: SecretString::from(token),
        })
    }

    /// Verify, with the sample Worker run locally by `wrangler dev` using the secrets the
    /// Cloudflare stand-in received, in place of the deployed Worker.
    pub async fn verify(
        &self,
        session: &crate::session::Session,
        sink: &dyn crate::progress::ProgressSink,
    ) -> Result<crate::verify::VerifyReport, crate::verify::NotReady> {
        let mut env = self.environment();
        let worker =
            self.local_worker(&env).await.map_err(|p| crate::verify::NotReady { message: p.message, fix: p.fix })?;
        env.webhook_probe_base = Some(worker.base_url());
        crate::verify::run(&session.verify_input(), &env, sink).await
    }

    /// The sample Worker run locally by `wrangler dev` with the secrets the Cloudflare
    /// stand-in received, in place of the deployed Worker.
    async fn local_worker(
        &self,
        env: &Environment,
    ) -> Result<crate::local_worker::LocalWorker, crate::wizard::Problem> {
        let secrets: Vec<(String, SecretString)> = self
            .cloudflare
            .secrets(CF_ACCOUNT_ID, WORKER_NAME)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, SecretString::from(v)))
            .collect();
        let wrangler =
            env.wrangler_program.clone().unwrap_or_else(|| self.project_dir.join("node_modules/.bin/wrangler"));
        crate::local_worker::LocalWorker::start(&wrangler, &self.project_dir, env, &secrets).await.map_err(|e| {
            crate::wizard::Problem::new(
                crate::wizard::ProblemKind::Refused,
                "rehearsal_worker",
                e,
                "The rehearsal runs its sample Worker with the wrangler and node packages of golive's source folder: start golive with scripts/run-app.sh from there.",
            )
        })
    }

    /// The environment every step uses during the rehearsal.
    pub fn environment(&self) -> Environment {
        use secrecy::ExposeSecret;
        let home = self.wrangler_home.display().to_string();
        Environment {
            mode: Mode::Rehearsal,
            stripe_base_url: Some(self.stripe.base_url()),
            wrangler_env: vec![
                ("CLOUDFLARE_API_BASE_URL".into(), self.cloudflare.api_base_url()),
                ("CLOUDFLARE_API_TOKEN".into(), self.cloudflare_token.expose_secret().to_string()),
                ("CLOUDFLARE_ACCOUNT_ID".into(), CF_ACCOUNT_ID.into()),
                ("XDG_CONFIG_HOME".into(), home.clone()),
                ("WRANGLER_LOG_PATH".into(), format!("{home}/logs")),
                ("WRANGLER_CACHE_DIR".into(), format!("{home}/cache")),
                // An unreachable registry stops wrangler's update check from going online.
                ("npm_registry".into(), "http://127.0.0.1:9/".into()),
                ("CLOUDFLARE_CF_FETCH_ENABLED".into(), "false".into()),
            ],
            wrangler_program: crate::environment::wrangler_override(),
            webhook_probe_base: None,
            stripe_timeout: None,
        }
    }
}

impl crate::wizard::LocalWorld for Rehearsal {
    fn start_worker<'a>(
        &'a self,
        env: &'a Environment,
    ) -> futures::future::BoxFuture<'a, Result<crate::local_worker::LocalWorker, crate::wizard::Problem>> {
        Box::pin(self.local_worker(env))
    }
}
