//! Connect's Worker checks: the wrangler configuration in the chosen folder, the wrangler
//! CLI and its version, and who it is logged in as (and whether that account owns the Worker).

use super::worker_config::{self, WorkerConfig};
use crate::environment::Environment;
use crate::findings::Finding;
use crate::wrangler::{self, WhoAmI, Wrangler};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The Worker golive will configure, and the wrangler that reaches it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkerFound {
    pub config: WorkerConfig,
    pub wrangler: Wrangler,
    pub whoami: WhoAmI,
}

pub async fn check(project_dir: &Path, env: &Environment) -> (Vec<Finding>, Option<WorkerFound>) {
    let mut findings = Vec::new();
    let config = match worker_config::load(project_dir) {
        Ok(config) => {
            let mut detail = format!("Worker “{}” in {}", config.name, config.file.display());
            if !config.environments.is_empty() {
                let envs: Vec<&str> = config.environments.keys().map(String::as_str).collect();
                detail.push_str(&format!("; environments: {}", envs.join(", ")));
            }
            findings.push(Finding::pass("worker.config", "Found the Worker's wrangler configuration", detail));
            if !config.shadowed.is_empty() {
                let names: Vec<String> = config.shadowed.iter().map(|p| p.display().to_string()).collect();
                findings.push(Finding::warn(
                    "worker.config.shadowed",
                    "More than one wrangler configuration file",
                    format!("wrangler uses {} and ignores {}.", config.file.display(), names.join(", ")),
                    "Delete the file wrangler ignores so nobody edits the wrong one.",
                ));
            }
            Some(config)
        }
        Err(err) => {
            findings.push(Finding::fail("worker.config", "No usable wrangler configuration", err.message(), err.fix()));
            None
        }
    };
    let wrangler = match wrangler::locate(project_dir, env).await {
        Ok(w) => w,
        Err(err) => {
            findings.push(Finding::fail("worker.wrangler", "wrangler is not available", err.message(), err.fix()));
            return (findings, None);
        }
    };
    // Its first run says whether it starts at all (the version may come from package.json).
    let whoami = wrangler::whoami(&wrangler, project_dir, env).await;
    if let Err(err @ wrangler::WranglerError::Broken(_)) = &whoami {
        findings.push(Finding::fail("worker.wrangler", "wrangler is not available", err.message(), err.fix()));
        return (findings, None);
    }
    findings.push(Finding::pass(
        "worker.wrangler",
        format!("wrangler {} found", wrangler.version),
        format!("{} (from {})", wrangler.program.display(), wrangler.source.describe()),
    ));
    if wrangler.version.split('.').next().and_then(|m| m.parse::<u32>().ok()).is_some_and(|m| m < 3) {
        findings.push(Finding::warn(
            "worker.wrangler.version",
            "wrangler is older than version 3",
            format!(
                "Version {} lacks `secret bulk`, which golive uses to set all secrets in one go.",
                wrangler.version
            ),
            "Update it: `npm install --save-dev wrangler@4` in the project folder.",
        ));
    }
    let whoami = match whoami {
        Ok(who) => {
            let who_text = who.email.clone().unwrap_or_else(|| "an API token".into());
            findings.push(Finding::pass(
                "worker.login",
                "wrangler is logged in to Cloudflare",
                format!("as {who_text}"),
            ));
            who
        }
        Err(err) => {
            findings.push(
                Finding::fail(
                    "worker.login",
                    "wrangler cannot reach your Cloudflare account",
                    err.message(),
                    err.fix(),
                )
                .with_link("Create an API token with golive's permissions", &crate::cloudflare_api::token_page_url()),
            );
            return (findings, None);
        }
    };
    let config = match config {
        Some(config) => config,
        None => return (findings, None),
    };
    if let Some(account_id) = &config.account_id {
        if !whoami.accounts.iter().any(|a| &a.id == account_id) {
            findings.push(Finding::fail(
                "worker.account",
                "wrangler is logged in to a different Cloudflare account",
                format!("{} names account {account_id}, which this login cannot reach.", config.file.display()),
                "Log in with the account that owns the Worker (`npx wrangler logout` then `npx wrangler login`), or use that account's API token.",
            ));
            return (findings, None);
        }
    } else if whoami.accounts.len() > 1 {
        findings.push(Finding::warn(
            "worker.account",
            "Several Cloudflare accounts and no account_id",
            format!("This login reaches {} accounts; wrangler will ask which one each time.", whoami.accounts.len()),
            "Add `account_id = \"…\"` to the wrangler configuration (Cloudflare dashboard → Workers → Account ID).",
        ));
    }
    (findings, Some(WorkerFound { config, wrangler, whoami }))
}
