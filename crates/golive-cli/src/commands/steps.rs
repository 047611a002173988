//! The wizard's steps one at a time: `connect`, `catalog plan|apply`, `webhook`,
//! `secrets push`, `verify`. Each step after Connect runs Connect's checks first (read-only),
//! so it acts on the keys and the Worker as they are now.

use super::ExitStatus;
use crate::args::{CatalogArgs, KeyArgs, WebhookArgs};
use crate::context::Context;
use crate::output::Printer;
use golive::catalog::{portal::PORTAL_VAR, price_ids, ValidateOptions};
use golive::wizard::outputs::{self, Output};
use golive::wizard::{Problem, ProblemKind, WebhookAsk};
use std::path::Path;

fn options(args: &CatalogArgs) -> ValidateOptions {
    ValidateOptions { expected_tiers: args.tiers.clone(), accept_suggestions: args.accept_suggestions }
}

pub async fn connect(out: &Printer, rehearsal: bool, keys: &KeyArgs) -> Result<ExitStatus, Problem> {
    let ctx = Context::open(out, rehearsal, keys).await?;
    let report = ctx.wizard.connect(ctx.input(), &out.sink()).await?;
    out.connect_report(&report);
    Ok(match Problem::from_connect(&report) {
        None => ExitStatus::Success,
        Some(problem) => ExitStatus::NotPassed(problem.kind),
    })
}

pub async fn catalog_plan(out: &Printer, rehearsal: bool, args: &CatalogArgs) -> Result<ExitStatus, Problem> {
    let ctx = Context::open(out, rehearsal, &args.keys).await?;
    ctx.connected().await?;
    let (_, plan) = ctx.wizard.plan_catalog(&options(args)).await?;
    out.catalog_plan(&plan);
    Ok(if plan.blocked { ExitStatus::NotPassed(ProblemKind::InvalidInput) } else { ExitStatus::Success })
}

pub async fn catalog_apply(
    out: &Printer,
    rehearsal: bool,
    args: &CatalogArgs,
    env_file: Option<&Path>,
) -> Result<ExitStatus, Problem> {
    if let Some(path) = env_file {
        outputs::check(path, Output::File)?;
    }
    let ctx = Context::open(out, rehearsal, &args.keys).await?;
    ctx.connected().await?;
    let applied = ctx.wizard.apply_catalog(&options(args), &out.sink()).await?;
    let Some(portal) = applied.portal.as_ref().filter(|_| applied.outcome.failed.is_empty()) else {
        out.apply_failures(&applied.outcome);
        return Ok(ExitStatus::NotPassed(ProblemKind::Refused));
    };
    if let Some(path) = env_file {
        let text = format!("{}{PORTAL_VAR}={}\n", price_ids::dotenv(&applied.price_ids), portal.id);
        std::fs::write(path, text).map_err(|e| {
            Problem::invalid(
                format!("The live catalog is done, but {} could not be written: {e}", path.display()),
                "Run `golive catalog apply --env-file` again with a path you may write to; it creates nothing new.",
            )
            .with_code("output_path")
        })?;
    }
    out.catalog_applied(&applied.outcome, &applied.price_ids, portal);
    Ok(ExitStatus::Success)
}

pub async fn webhook(out: &Printer, rehearsal: bool, args: &WebhookArgs) -> Result<ExitStatus, Problem> {
    let ctx = Context::open(out, rehearsal, &args.keys).await?;
    ctx.connected().await?;
    let ask = WebhookAsk {
        url: args.target.url.clone(),
        extra_events: args.target.events.clone(),
        worker_env: args.target.env.clone(),
    };
    if args.plan {
        out.webhook_plan(&ctx.wizard.plan_webhook(&ask).await?);
        return Ok(ExitStatus::Success);
    }
    let outcome = ctx.wizard.ensure_webhook(&ask).await?;
    let duplicates = outcome.plan.duplicate_ids();
    let disabled = match args.disable_duplicates && !duplicates.is_empty() {
        true => ctx.wizard.disable_duplicates(&duplicates).await?.into_iter().map(|e| e.id).collect(),
        false => Vec::new(),
    };
    out.webhook_outcome(&outcome, &ctx.wizard.session().script_name().unwrap_or_default(), &disabled);
    Ok(ExitStatus::Success)
}

pub async fn secrets_push(
    out: &Printer,
    rehearsal: bool,
    keys: &KeyArgs,
    env: Option<String>,
) -> Result<ExitStatus, Problem> {
    let ctx = Context::open(out, rehearsal, keys).await?;
    ctx.connected().await?;
    let pushed = ctx.wizard.push_secrets(env, &out.sink()).await?;
    out.secrets_pushed(&pushed.record, &pushed.statuses);
    Ok(ExitStatus::Success)
}

/// `golive audit`: ticks first (no keys needed for them alone), then the audit itself.
pub async fn audit(
    out: &Printer,
    rehearsal: bool,
    keys: &KeyArgs,
    (confirm, unconfirm): (&[String], &[String]),
    tiers: &crate::args::TierSourceArgs,
) -> Result<ExitStatus, Problem> {
    if confirm.iter().any(|c| c == "list") {
        out.audit_items(&golive::audit::AuditRecord::default());
        return Ok(ExitStatus::Success);
    }
    if !confirm.is_empty() || !unconfirm.is_empty() {
        // Ticks read no account: no keys needed.
        let ctx = Context::open_for_rotate(out, rehearsal, keys.project.clone()).await?;
        for id in confirm {
            ctx.wizard.audit_confirm(id, true)?;
        }
        for id in unconfirm {
            ctx.wizard.audit_confirm(id, false)?;
        }
        out.audit_items(&ctx.wizard.audit_status());
        return Ok(ExitStatus::Success);
    }
    let ctx = Context::open(out, rehearsal, keys).await?;
    ctx.connected().await?;
    if let Some(setting) = tier_setting(tiers, &ctx.wizard.audit_status().tier_source) {
        ctx.wizard.audit_tier_source(setting)?;
    }
    let record = ctx.wizard.audit(&out.sink()).await?;
    out.audit(&record);
    let blocked = record.report.as_ref().is_some_and(|r| !r.blocking().is_empty());
    Ok(if blocked { ExitStatus::NotPassed(ProblemKind::Refused) } else { ExitStatus::Success })
}

/// The tier source the flags give (on top of the session's), if they give one.
fn tier_setting(
    args: &crate::args::TierSourceArgs,
    now: &golive::audit::behaviour::TierSetting,
) -> Option<golive::audit::behaviour::TierSetting> {
    use golive::audit::behaviour::{TierSetting, DEFAULT_BINDING, DEFAULT_CUSTOMER_KEY};
    if let Some(url) = &args.tier_url {
        return Some(TierSetting::Url { url: url.clone() });
    }
    if args.tier_binding.is_none() && args.tier_key.is_none() {
        return None;
    }
    let (binding, key) = match now {
        TierSetting::Kv { binding, customer_key } => (binding.clone(), customer_key.clone()),
        TierSetting::Url { .. } => (DEFAULT_BINDING.to_string(), DEFAULT_CUSTOMER_KEY.to_string()),
    };
    Some(TierSetting::Kv {
        binding: args.tier_binding.clone().unwrap_or(binding),
        customer_key: args.tier_key.clone().unwrap_or(key),
    })
}

pub async fn verify(
    out: &Printer,
    rehearsal: bool,
    keys: &KeyArgs,
    report_dir: Option<&Path>,
) -> Result<ExitStatus, Problem> {
    if let Some(dir) = report_dir {
        outputs::check(dir, Output::Folder)?;
    }
    let ctx = Context::open(out, rehearsal, keys).await?;
    ctx.connected().await?;
    let report = ctx.wizard.verify(&out.sink()).await?;
    let saved = match report_dir {
        Some(dir) => Some(ctx.wizard.save_report(dir)?),
        None => None,
    };
    out.verify_report(&report, saved.as_ref());
    Ok(if report.passed() { ExitStatus::Success } else { ExitStatus::NotPassed(ProblemKind::Refused) })
}
