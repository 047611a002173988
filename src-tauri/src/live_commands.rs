//! The commands of the Webhook and Secrets steps. Like the others they only parse input,
//! call the engine, save the session and return plain data; the webhook secret and the live
//! key never travel to the window (only their hints do).

use crate::commands::{view, AppView};
use crate::state::AppState;
use golive::progress::StepEvent;
use golive::secrets::{self, SecretStatus, SecretsRecord};
use golive::webhook::{self, endpoints::Endpoint, Candidates, WebhookOutcome, WebhookPlan, WebhookRequest};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

fn request(state: &AppState, url: String, extra_events: Vec<String>) -> Result<WebhookRequest, String> {
    let project = state.session.lock().unwrap().script_name().ok_or("Finish the Connect step first.")?;
    Ok(WebhookRequest { url, extra_events, project })
}

/// What every live-endpoint command starts from: where the services are, the live key, and
/// what the session knows of the endpoint.
async fn live_side(
    state: &AppState,
) -> Result<(golive::Environment, golive::stripe_key::StripeKey, Option<webhook::WebhookRecord>), String> {
    let live_key = state.live_key().await?;
    let env = state.environment().await?;
    let record = state.session.lock().unwrap().webhook.clone();
    Ok((env, live_key, record))
}

fn told(e: webhook::WebhookError) -> String {
    format!("{} {}", e.message(), e.fix())
}

/// The candidate URLs for the Worker in `worker_env` (remembered as the step's target).
#[tauri::command]
pub async fn webhook_candidates(worker_env: Option<String>, state: State<'_, AppState>) -> Result<Candidates, String> {
    let (worker, project_dir) = {
        let mut session = state.session.lock().unwrap();
        session.worker_env = worker_env.clone().filter(|e| !e.is_empty());
        let worker = session.connect.as_ref().map(|c| c.worker.clone()).ok_or("Finish the Connect step first.")?;
        (worker, session.project_dir.clone().unwrap_or_default())
    };
    state.save()?;
    let env = state.environment().await?;
    Ok(webhook::candidate_urls(&env, &worker, &project_dir, worker_env.as_deref()).await)
}

/// What the step would do with the live endpoints (read-only).
#[tauri::command]
pub async fn plan_webhook(
    url: String,
    extra_events: Vec<String>,
    state: State<'_, AppState>,
) -> Result<WebhookPlan, String> {
    let request = request(&state, url, extra_events)?;
    let (env, live_key, record) = live_side(&state).await?;
    webhook::plan(&env, &live_key, &request, record.as_ref()).await.map_err(told)
}

#[derive(Serialize)]
pub struct WebhookEnsured {
    outcome: WebhookOutcome,
    view: AppView,
}

/// Creates or reuses the endpoint; the secret goes to the keyring, the record to the session.
#[tauri::command]
pub async fn ensure_webhook(
    url: String,
    extra_events: Vec<String>,
    state: State<'_, AppState>,
) -> Result<WebhookEnsured, String> {
    let request = request(&state, url, extra_events)?;
    let (env, live_key, record) = live_side(&state).await?;
    let save = |kept: &webhook::WebhookRecord| {
        state.session.lock().unwrap().webhook = Some(kept.clone());
        let _ = state.save();
    };
    let outcome = webhook::ensure(&env, &live_key, &request, record.as_ref(), &save).await.map_err(told)?;
    Ok(WebhookEnsured { outcome, view: view(&state) })
}

/// Turns off the endpoints the plan offered as duplicates.
#[tauri::command]
pub async fn disable_endpoints(ids: Vec<String>, state: State<'_, AppState>) -> Result<Vec<Endpoint>, String> {
    let (env, live_key, record) = live_side(&state).await?;
    webhook::disable_duplicates(&env, &live_key, &ids, record.as_ref()).await.map_err(told)
}

/// What the Secrets step will push, and where each secret stands.
#[tauri::command]
pub async fn secrets_preview(state: State<'_, AppState>) -> Result<Vec<SecretStatus>, String> {
    let session = state.session.lock().unwrap().clone();
    let live_key = state.keys().ok().map(|(_, live)| live);
    Ok(secrets::preview(&session.secrets_input(), live_key.as_ref()).await)
}

#[derive(Serialize)]
pub struct SecretsPushed {
    statuses: Vec<SecretStatus>,
    record: SecretsRecord,
    view: AppView,
}

/// Keeps the secrets in the keyring, pushes them all with one `wrangler secret bulk`, and
/// confirms them with `wrangler secret list`, streaming progress to the window.
#[tauri::command]
pub async fn push_secrets(app: AppHandle, state: State<'_, AppState>) -> Result<SecretsPushed, String> {
    let session = state.session.lock().unwrap().clone();
    let env = state.environment().await?;
    let live_key = state.keys().ok().map(|(_, live)| live);
    let sink = move |event: StepEvent| {
        let _ = app.emit("step-event", event);
    };
    let (record, statuses) = secrets::push_step(&session.secrets_input(), &env, live_key.as_ref(), &sink)
        .await
        .map_err(|e| format!("{} {}", e.message(), e.fix()))?;
    state.session.lock().unwrap().secrets = Some(record.clone());
    state.save()?;
    Ok(SecretsPushed { statuses, record, view: view(&state) })
}

#[derive(Serialize)]
pub struct Verified {
    report: golive::verify::VerifyReport,
    view: AppView,
}

/// Runs every Verify check, streaming each result to the window as it lands. In the
/// rehearsal the sample Worker runs locally for the probes.
#[tauri::command]
pub async fn run_verify(app: AppHandle, state: State<'_, AppState>) -> Result<Verified, String> {
    let session = state.session.lock().unwrap().clone();
    let sink = move |event: StepEvent| {
        let _ = app.emit("step-event", event);
    };
    let result = match session.mode {
        golive::environment::Mode::Rehearsal => state.rehearsal().await?.verify(&session, &sink).await,
        golive::environment::Mode::Real => {
            golive::verify::run(&session.verify_input(), &golive::Environment::real(), &sink).await
        }
    };
    let report = result.map_err(|e| format!("{} {}", e.message, e.fix))?;
    state.session.lock().unwrap().verify = Some(report.clone());
    state.save()?;
    Ok(Verified { report, view: view(&state) })
}

/// Asks where to save the go-live report, writes it (Markdown and HTML) and returns the
/// HTML file's path; `None` when the user cancels.
#[tauri::command]
pub async fn save_report(app: AppHandle, state: State<'_, AppState>) -> Result<Option<String>, String> {
    use tauri_plugin_dialog::DialogExt;
    let report = state.session.lock().unwrap().verify.clone().ok_or("Run Verify first.")?;
    let picked = tauri::async_runtime::spawn_blocking(move || app.dialog().file().blocking_pick_folder())
        .await
        .map_err(|e| e.to_string())?;
    let Some(dir) = picked.and_then(|p| p.into_path().ok()) else { return Ok(None) };
    let (_, page) =
        golive::verify::report::save(&report, &dir).map_err(|e| format!("Could not write the report: {e}"))?;
    *state.saved_report.lock().unwrap() = Some(page.clone());
    Ok(Some(page.display().to_string()))
}

/// Opens the report golive just saved in the user's browser.
#[tauri::command]
pub fn open_report(app: AppHandle, state: State<'_, AppState>) -> Result<(), String> {
    use tauri_plugin_opener::OpenerExt;
    let page = state.saved_report.lock().unwrap().clone().ok_or("Save the report first.")?;
    app.opener()
        .open_path(page.display().to_string(), None::<&str>)
        .map_err(|e| format!("Could not open the report: {e}"))
}
