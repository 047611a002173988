//! The wizard's deploy, for a Worker Cloudflare does not have yet (or a KV namespace never
//! created): the plan shows the exact commands and what they change; only `deploy`, called
//! on the user's click (or `golive deploy` confirmed), runs them.

use super::{Problem, Wizard};
use crate::deploy::{self, DeployOutcome, DeployPlan};
use crate::progress::ProgressSink;
use crate::wrangler::Wrangler;

impl Wizard {
    /// Connect's Worker, wrangler and account, and the Worker's environment.
    fn deploy_target(&self) -> Result<(Wrangler, String, Option<String>, std::path::PathBuf), Problem> {
        let session = self.connected()?;
        let connect = session.connect.as_ref().expect("connected");
        let worker = &connect.worker;
        let account =
            worker.config.account_id.clone().or_else(|| worker.whoami.accounts.first().map(|a| a.id.clone())).ok_or_else(
                || {
                    Problem::not_ready(
                        "wrangler's login reaches no Cloudflare account to deploy to.",
                        "Log in to Cloudflare again at Connect (or add `account_id` to the wrangler configuration), then check again.",
                    )
                },
            )?;
        let folder = session.project_dir.clone().expect("connected");
        Ok((worker.wrangler.clone(), account, session.worker_env.clone(), folder))
    }

    /// What a deploy would run now, and what it would change (read-only).
    pub async fn deploy_plan(&self) -> Result<DeployPlan, Problem> {
        let (wrangler, account, worker_env, folder) = self.deploy_target()?;
        deploy::plan(&folder, worker_env.as_deref(), &account, &wrangler, &self.env).await
    }

    /// Runs what [`Self::deploy_plan`] shows (planned again against Cloudflare as it is now),
    /// streaming wrangler's output to `sink`.
    pub async fn deploy(&self, sink: &dyn ProgressSink) -> Result<DeployOutcome, Problem> {
        let _lock = self.lock("deploying the Worker").await?;
        let (wrangler, account, worker_env, folder) = self.deploy_target()?;
        let shown = deploy::plan(&folder, worker_env.as_deref(), &account, &wrangler, &self.env).await?;
        deploy::run(&shown, &account, &wrangler, &self.env, sink).await
    }
}
