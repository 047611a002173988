//! `golive catalog plan|apply`.

use crate::output::Printer;
use crate::stage::Stage;
use crate::{exit, CatalogArgs};
use golive::catalog::{self, portal, price_ids, ApplyOptions, Created, ValidateOptions};
use golive::stripe_api;
use std::path::PathBuf;
use std::sync::Mutex;

fn options(args: &CatalogArgs) -> ValidateOptions {
    ValidateOptions { expected_tiers: args.tiers.clone(), accept_suggestions: args.accept_suggestions }
}

/// Sets the stage and plans; on failure prints why and returns the exit code.
async fn planned(
    out: &Printer,
    rehearsal: bool,
    args: &CatalogArgs,
) -> Result<(Stage, catalog::Catalog, catalog::CatalogPlan), u8> {
    let stage = Stage::set(out, rehearsal, args.keys.clone()).await?;
    let (test, plan) =
        catalog::plan_catalog(&stage.env, &stage.test_key, &stage.live_key, &options(args)).await.map_err(|f| {
            out.error(
                exit::EXTERNAL_REFUSED,
                "stripe_refused",
                &f.describe(),
                "Check the keys with `golive connect`, then try again.",
            )
        })?;
    Ok((stage, test, plan))
}

pub async fn plan(out: &Printer, rehearsal: bool, args: CatalogArgs) -> u8 {
    let (_, _, plan) = match planned(out, rehearsal, &args).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    out.catalog_plan(&plan);
    if plan.blocked {
        exit::INVALID_INPUT
    } else {
        exit::OK
    }
}

pub async fn apply(out: &Printer, rehearsal: bool, args: CatalogArgs, env_file: Option<PathBuf>) -> u8 {
    let (stage, test, plan) = match planned(out, rehearsal, &args).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    if plan.blocked {
        out.catalog_plan(&plan);
        return exit::INVALID_INPUT;
    }
    let live = stripe_api::client(&stage.env, &stage.live_key);
    let session = Mutex::new(stage.session());
    // Each id is saved the moment it lands, so a crash loses nothing golive made.
    let record = |created: &Created| {
        let mut s = session.lock().unwrap();
        s.catalog.created.push(created.clone());
        let _ = s.save(&stage.session_path());
    };
    let sink = out.live_progress();
    let outcome = catalog::apply(&live, &test, &plan, ApplyOptions::default(), &sink, &record).await;
    if !outcome.failed.is_empty() {
        out.apply_failures(&outcome);
        return exit::EXTERNAL_REFUSED;
    }
    let refused = |f: golive::stripe_api::ApiFailure| {
        out.error(exit::EXTERNAL_REFUSED, "stripe_refused", &f.describe(), "Run `golive catalog apply` again.")
    };
    let (live_catalog, portal) =
        match tokio::try_join!(catalog::read::read_catalog(&live), portal::ensure_portal(&live)) {
            Ok(both) => both,
            Err(f) => return refused(f),
        };
    let vars = price_ids::price_id_vars(&live_catalog);
    let mut session = session.into_inner().unwrap();
    session.catalog.price_ids = Some(vars.clone());
    session.catalog.portal = Some(portal.clone());
    if let Err(code) = stage.save(out, &session) {
        return code;
    }
    if let Some(path) = env_file {
        let text = format!("{}{}={}\n", price_ids::dotenv(&vars), portal::PORTAL_VAR, portal.id);
        if let Err(e) = std::fs::write(&path, text) {
            return out.error(
                exit::INTERNAL,
                "internal_error",
                &format!("Could not write {}: {e}", path.display()),
                "Choose a writable path.",
            );
        }
    }
    out.catalog_applied(&outcome, &vars, &portal);
    exit::OK
}
