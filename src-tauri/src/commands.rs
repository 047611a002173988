//! The commands the window may call. Each one parses input, calls the engine, saves the
//! session and returns plain data; key values arrive here and go no further than the engine.

use crate::links;
use crate::state::AppState;
use golive::catalog::{
    self, portal::PortalOutcome, price_ids::PriceIdVar, ApplyOptions, ApplyOutcome, CatalogPlan, Created,
    ValidateOptions,
};
use golive::connect::{self, ConnectInput, ConnectReport};
use golive::environment::Mode;
use golive::progress::StepEvent;
use golive::steps::StepId;
use golive::stripe_api;
use golive::stripe_key::{parse_key, KeyProblem, KeySlot};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

#[derive(Serialize)]
pub struct StepView {
    id: StepId,
    title: &'static str,
    reachable: bool,
    done: bool,
}

/// Everything the window needs to draw itself.
#[derive(Serialize)]
pub struct AppView {
    mode: Mode,
    current: StepId,
    steps: Vec<StepView>,
    project_dir: Option<PathBuf>,
    connect: Option<connect::ConnectOutcome>,
    catalog: golive::session::CatalogRecord,
    worker_env: Option<String>,
    webhook: Option<golive::webhook::WebhookRecord>,
    secrets: Option<golive::secrets::SecretsRecord>,
    verify: Option<golive::verify::VerifyReport>,
    load_problem: Option<String>,
}

pub fn view(state: &AppState) -> AppView {
    let session = state.session.lock().unwrap().clone();
    let reachable = session.reachable();
    AppView {
        mode: session.mode,
        current: session.current,
        steps: StepId::ALL
            .iter()
            .map(|s| StepView { id: *s, title: s.title(), reachable: reachable.contains(s), done: session.done(*s) })
            .collect(),
        project_dir: session.project_dir.clone(),
        connect: session.connect.clone(),
        catalog: session.catalog.clone(),
        worker_env: session.worker_env.clone(),
        webhook: session.webhook.clone(),
        secrets: session.secrets.clone(),
        verify: session.verify.clone(),
        load_problem: state.load_problem.clone(),
    }
}

#[tauri::command]
pub fn app_view(state: State<'_, AppState>) -> AppView {
    view(&state)
}

/// Switches between the offline rehearsal and real accounts; Connect must pass again.
#[tauri::command]
pub fn set_mode(mode: Mode, state: State<'_, AppState>) -> Result<AppView, String> {
    {
        let mut session = state.session.lock().unwrap();
        if session.mode != mode {
            *session = golive::session::Session::new(mode);
        }
    }
    state.save()?;
    Ok(view(&state))
}

/// The rehearsal's made-up keys and sample project, to fill the Connect form.
#[derive(Serialize)]
pub struct RehearsalInputs {
    test_key: String,
    live_key: String,
    project_dir: PathBuf,
}

#[tauri::command]
pub async fn rehearsal_inputs(state: State<'_, AppState>) -> Result<RehearsalInputs, String> {
    let rehearsal = state.rehearsal().await?;
    Ok(RehearsalInputs {
        test_key: rehearsal.test_key.expose_secret().to_string(),
        live_key: rehearsal.live_key.expose_secret().to_string(),
        project_dir: rehearsal.project_dir.clone(),
    })
}

/// Either the keys' shapes are wrong (nothing was sent), or the full Connect report.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectResult {
    KeyProblems { test: Option<KeyProblem>, live: Option<KeyProblem> },
    Report { report: Box<ConnectReport>, view: Box<AppView> },
}

#[tauri::command]
pub async fn check_connect(
    test_key: String,
    live_key: String,
    project_dir: String,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<ConnectResult, String> {
    let (test_key, live_key) = (SecretString::from(test_key), SecretString::from(live_key));
    let test = parse_key(KeySlot::Test, test_key.expose_secret());
    let live = parse_key(KeySlot::Live, live_key.expose_secret());
    let (test, live) = match (test, live) {
        (Ok(t), Ok(l)) => (t, l),
        (t, l) => return Ok(ConnectResult::KeyProblems { test: t.err(), live: l.err() }),
    };
    let env = state.environment().await?;
    let input = ConnectInput { test_key: test, live_key: live, project_dir: PathBuf::from(project_dir.trim()) };
    let sink = move |event: StepEvent| {
        let _ = app.emit("step-event", event);
    };
    let report = connect::check(&input, &env, &sink).await;
    *state.keys.lock().unwrap() = report.outcome.as_ref().map(|_| (input.test_key.clone(), input.live_key.clone()));
    {
        let mut session = state.session.lock().unwrap();
        let same_account = match (&session.connect, &report.outcome) {
            (Some(old), Some(new)) => old.account.id == new.account.id,
            _ => true,
        };
        if !same_account {
            // Another account: what the later steps recorded belongs to the old one.
            session.catalog = Default::default();
            session.webhook = None;
            session.secrets = None;
            session.verify = None;
        }
        session.project_dir = Some(input.project_dir.clone());
        session.connect = report.outcome.clone();
    }
    state.save()?;
    Ok(ConnectResult::Report { report: Box::new(report), view: Box::new(view(&state)) })
}

/// Both catalogs read and compared with the keys Connect accepted.
async fn planned(
    state: &AppState,
    expected_tiers: Option<Vec<String>>,
    accept_suggestions: bool,
) -> Result<(golive::Environment, golive::stripe_key::StripeKey, catalog::Catalog, CatalogPlan), String> {
    let (test_key, live_key) = state.keys()?;
    let env = state.environment().await?;
    let options = ValidateOptions { expected_tiers, accept_suggestions };
    let (test, plan) = catalog::plan_catalog(&env, &test_key, &live_key, &options).await.map_err(|f| f.describe())?;
    Ok((env, live_key, test, plan))
}

/// The catalog plan: both catalogs read, tiers validated, nothing written.
#[tauri::command]
pub async fn plan_catalog(
    expected_tiers: Option<Vec<String>>,
    accept_suggestions: bool,
    state: State<'_, AppState>,
) -> Result<CatalogPlan, String> {
    Ok(planned(&state, expected_tiers, accept_suggestions).await?.3)
}

#[derive(Serialize)]
pub struct CatalogApplied {
    outcome: ApplyOutcome,
    price_ids: Vec<PriceIdVar>,
    portal: Option<PortalOutcome>,
    view: AppView,
}

/// Plans again and creates what is missing, saving each id as it lands; then collects the
/// live price IDs and ensures the customer portal.
#[tauri::command]
pub async fn apply_catalog(
    expected_tiers: Option<Vec<String>>,
    accept_suggestions: bool,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<CatalogApplied, String> {
    let (env, live_key, test, plan) = planned(&state, expected_tiers, accept_suggestions).await?;
    if plan.blocked {
        return Err("The plan has problems to fix first (see the list above).".into());
    }
    let live = stripe_api::client(&env, &live_key);
    let sink = move |event: StepEvent| {
        let _ = app.emit("step-event", event);
    };
    let record = |created: &Created| {
        state.session.lock().unwrap().catalog.created.push(created.clone());
        let _ = state.save();
    };
    let outcome = catalog::apply(&live, &test, &plan, ApplyOptions::default(), &sink, &record).await;
    let (price_ids, portal) = if outcome.failed.is_empty() {
        let live_catalog = catalog::read::read_catalog(&live).await.map_err(|f| f.describe())?;
        let portal = catalog::portal::ensure_portal(&live).await.map_err(|f| f.describe())?;
        (catalog::price_ids::price_id_vars(&live_catalog), Some(portal))
    } else {
        (Vec::new(), None)
    };
    if portal.is_some() {
        let mut session = state.session.lock().unwrap();
        session.catalog.price_ids = Some(price_ids.clone());
        session.catalog.portal = portal.clone();
    }
    state.save()?;
    Ok(CatalogApplied { outcome, price_ids, portal, view: view(&state) })
}

/// Remembers which step the user is on, so the app reopens there.
#[tauri::command]
pub fn go_to(step: StepId, state: State<'_, AppState>) -> Result<AppView, String> {
    {
        let mut session = state.session.lock().unwrap();
        if !session.reachable().contains(&step) {
            return Err(format!("{} is not open yet: finish the steps before it.", step.title()));
        }
        session.current = step;
    }
    state.save()?;
    Ok(view(&state))
}

/// The system folder picker; `None` when the user cancels.
#[tauri::command]
pub async fn pick_folder(app: AppHandle) -> Option<String> {
    let picked =
        tauri::async_runtime::spawn_blocking(move || app.dialog().file().blocking_pick_folder()).await.ok()??;
    picked.into_path().ok().map(|p| p.display().to_string())
}

/// Called by the window once its first view is drawn. With `GOLIVE_BENCH_FIRST_PAINT` set
/// (by scripts/bench.sh only) it prints the time since start and quits: the cold-start number.
#[tauri::command]
pub fn first_paint(app: AppHandle, started: State<'_, crate::Started>) {
    if std::env::var_os("GOLIVE_BENCH_FIRST_PAINT").is_some() {
        println!("first-paint-ms {}", started.0.elapsed().as_millis());
        app.exit(0);
    }
}

/// Opens a dashboard link in the user's browser.
#[tauri::command]
pub fn open_link(url: String, app: AppHandle) -> Result<(), String> {
    if !links::allowed(&url) {
        return Err("golive only opens Stripe and Cloudflare dashboard links.".into());
    }
    app.opener().open_url(url, None::<&str>).map_err(|e| format!("Could not open the browser: {e}"))
}
