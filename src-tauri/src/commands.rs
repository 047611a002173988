//! The commands the window may call. Each is input → one call into the wizard (or the app
//! state that picks the wizard) → plain data back; every failure crosses as the engine's
//! [`Problem`] (`{kind, code, message, fix, link}`), which the window shows like a finding.
//! Key values arrive here and go no further than the engine.

use crate::links;
use crate::state::{AppState, Opened};
use golive::catalog::{CatalogPlan, ValidateOptions};
use golive::connect::{ConnectInput, ConnectReport};
use golive::environment::Mode;
use golive::progress::StepEvent;
use golive::secrets::SecretStatus;
use golive::steps::StepId;
use golive::stripe_key::{parse_key, KeyProblem, KeySlot};
use golive::webhook::{endpoints::Endpoint, Candidates, WebhookOutcome, WebhookPlan};
use golive::wizard::{CatalogApplied, Problem, RecentProject, SecretsPushed, WebhookAsk};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::path::PathBuf;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_dialog::DialogExt;

/// The window's progress: every step event, as it happens.
pub(crate) fn sink(app: &AppHandle) -> impl Fn(StepEvent) + Send + Sync {
    let app = app.clone();
    move |event: StepEvent| {
        let _ = app.emit("step-event", event);
    }
}

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
    connect: Option<golive::connect::ConnectOutcome>,
    catalog: golive::session::CatalogRecord,
    worker_env: Option<String>,
    webhook: Option<golive::webhook::WebhookRecord>,
    secrets: Option<golive::secrets::SecretsRecord>,
    verify: Option<golive::verify::VerifyReport>,
    /// A damaged session file, said once.
    load_problem: Option<String>,
    /// Every project with a session, most recent first (the rehearsal is one of them).
    recent: Vec<RecentProject>,
    /// Start on the recent-projects list (there are several).
    choose_project: bool,
}

pub fn view(state: &AppState) -> AppView {
    let session = state.session();
    let reachable = session.reachable();
    AppView {
        mode: session.mode,
        current: session.current,
        steps: StepId::ALL
            .iter()
            .chain([StepId::Smoke, StepId::Rotate, StepId::Billing].iter())
            .map(|s| StepView { id: *s, title: s.title(), reachable: reachable.contains(s), done: session.done(*s) })
            .collect(),
        project_dir: session.project_dir.clone(),
        connect: session.connect.clone(),
        catalog: session.catalog.clone(),
        worker_env: session.worker_env.clone(),
        webhook: session.webhook.clone(),
        secrets: session.secrets.clone(),
        verify: session.verify.clone(),
        load_problem: state.take_note(),
        recent: state.recent(),
        choose_project: false,
    }
}

#[tauri::command]
pub fn app_view(state: State<'_, AppState>) -> AppView {
    AppView { choose_project: state.choose_at_start, ..view(&state) }
}

/// Switches between the offline rehearsal and real accounts: that mode's most recent project
/// (or a new one). Nothing is wiped, so nothing needs confirming.
#[tauri::command]
pub async fn set_mode(mode: Mode, state: State<'_, AppState>) -> Result<AppView, Problem> {
    state.open(state.most_recent(mode)).await;
    Ok(view(&state))
}

/// Opens a project from the recent-projects list.
#[tauri::command]
pub async fn open_project(mode: Mode, project_dir: PathBuf, state: State<'_, AppState>) -> Result<AppView, Problem> {
    state.open(Opened { mode, project: Some(project_dir) }).await;
    Ok(view(&state))
}

/// A new project in the current mode: Connect names its folder.
#[tauri::command]
pub async fn new_project(state: State<'_, AppState>) -> Result<AppView, Problem> {
    state.open(Opened { mode: state.opened().mode, project: None }).await;
    Ok(view(&state))
}

/// The rehearsal's made-up keys and sample project, to fill the Connect form.
#[derive(Serialize)]
pub struct RehearsalInputs {
    test_key: String,
    live_key: String,
    project_dir: PathBuf,
    cloudflare_token: String,
}

#[tauri::command]
pub async fn rehearsal_inputs(state: State<'_, AppState>) -> Result<RehearsalInputs, Problem> {
    let inputs = state.rehearsal().await?.inputs();
    Ok(RehearsalInputs {
        test_key: inputs.test_key.expose_secret().to_string(),
        live_key: inputs.live_key.expose_secret().to_string(),
        project_dir: inputs.project_dir,
        cloudflare_token: inputs.cloudflare_token.expose_secret().to_string(),
    })
}

/// The rehearsal's Dashboard "Roll key" (old key kept): the new made-up live key, for the
/// Rotate view's field. Refused outside the rehearsal — a real key is rolled in Stripe's
/// Dashboard.
#[tauri::command]
pub async fn rehearsal_roll_key(state: State<'_, AppState>) -> Result<String, Problem> {
    if state.opened().mode != golive::environment::Mode::Rehearsal {
        return Err(Problem::invalid(
            "Only the rehearsal's made-up key can be rolled from golive.",
            "Roll your live key in the Stripe Dashboard (API keys → ⋯ → Roll key), then paste the new key.",
        ));
    }
    Ok(state.rehearsal().await?.roll_live_key().expose_secret().to_string())
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
) -> Result<ConnectResult, Problem> {
    let (test_key, live_key) = (SecretString::from(test_key), SecretString::from(live_key));
    let (test, live) = match (
        parse_key(KeySlot::Test, test_key.expose_secret()),
        parse_key(KeySlot::Live, live_key.expose_secret()),
    ) {
        (Ok(t), Ok(l)) => (t, l),
        (t, l) => return Ok(ConnectResult::KeyProblems { test: t.err(), live: l.err() }),
    };
    let input = ConnectInput { test_key: test, live_key: live, project_dir: PathBuf::from(project_dir.trim()) };
    let wizard = state.wizard().await?;
    let report = {
        let wizard = wizard.clone();
        state.running.run(async move { wizard.connect(input, &sink(&app)).await }).await?
    };
    state.follow(&wizard);
    Ok(ConnectResult::Report { report: Box::new(report), view: Box::new(view(&state)) })
}

fn options(expected_tiers: Option<Vec<String>>, accept_suggestions: bool) -> ValidateOptions {
    ValidateOptions { expected_tiers, accept_suggestions }
}

/// The catalog plan: both catalogs read, tiers validated, nothing written.
#[tauri::command]
pub async fn plan_catalog(
    expected_tiers: Option<Vec<String>>,
    accept_suggestions: bool,
    state: State<'_, AppState>,
) -> Result<CatalogPlan, Problem> {
    let wizard = state.wizard().await?;
    let options = options(expected_tiers, accept_suggestions);
    Ok(state.running.run(async move { wizard.plan_catalog(&options).await }).await?.1)
}

#[derive(Serialize)]
pub struct WithView<T> {
    #[serde(flatten)]
    pub(crate) result: T,
    pub(crate) view: AppView,
}

/// Creates what live mode lacks, then collects the price IDs and ensures the portal.
#[tauri::command]
pub async fn apply_catalog(
    expected_tiers: Option<Vec<String>>,
    accept_suggestions: bool,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<WithView<CatalogApplied>, Problem> {
    let wizard = state.wizard().await?;
    let options = options(expected_tiers, accept_suggestions);
    let result = state.running.run(async move { wizard.apply_catalog(&options, &sink(&app)).await }).await?;
    Ok(WithView { result, view: view(&state) })
}

/// The candidate URLs for the Worker in `worker_env`, now the step's target.
#[tauri::command]
pub async fn webhook_candidates(worker_env: Option<String>, state: State<'_, AppState>) -> Result<Candidates, Problem> {
    let wizard = state.wizard().await?;
    wizard.set_worker_env(worker_env.as_deref().unwrap_or(""))?;
    wizard.webhook_candidates(worker_env.as_deref().filter(|e| !e.is_empty())).await
}

fn ask(url: String, extra_events: Vec<String>) -> WebhookAsk {
    WebhookAsk { url: Some(url), extra_events, worker_env: None }
}

/// What the step would do with the live endpoints (read-only).
#[tauri::command]
pub async fn plan_webhook(
    url: String,
    extra_events: Vec<String>,
    state: State<'_, AppState>,
) -> Result<WebhookPlan, Problem> {
    let wizard = state.wizard().await?;
    state.running.run(async move { wizard.plan_webhook(&ask(url, extra_events)).await }).await
}

#[derive(Serialize)]
pub struct WebhookEnsured {
    outcome: WebhookOutcome,
    view: AppView,
}

/// Creates or reuses the endpoint; its secret goes to the keyring.
#[tauri::command]
pub async fn ensure_webhook(
    url: String,
    extra_events: Vec<String>,
    state: State<'_, AppState>,
) -> Result<WebhookEnsured, Problem> {
    let wizard = state.wizard().await?;
    let outcome = state.running.run(async move { wizard.ensure_webhook(&ask(url, extra_events)).await }).await?;
    Ok(WebhookEnsured { outcome, view: view(&state) })
}

/// Turns off the endpoints the plan offered as duplicates.
#[tauri::command]
pub async fn disable_endpoints(ids: Vec<String>, state: State<'_, AppState>) -> Result<Vec<Endpoint>, Problem> {
    state.wizard().await?.disable_duplicates(&ids).await
}

/// What the Secrets step will push, and where each secret stands.
#[tauri::command]
pub async fn secrets_preview(state: State<'_, AppState>) -> Result<Vec<SecretStatus>, Problem> {
    Ok(state.wizard().await?.secrets_preview().await)
}

/// Pushes every secret with one `wrangler secret bulk` and confirms them.
#[tauri::command]
pub async fn push_secrets(app: AppHandle, state: State<'_, AppState>) -> Result<WithView<SecretsPushed>, Problem> {
    let wizard = state.wizard().await?;
    let result = state.running.run(async move { wizard.push_secrets(None, &sink(&app)).await }).await?;
    Ok(WithView { result, view: view(&state) })
}

#[derive(Serialize)]
pub struct Audited {
    record: golive::audit::AuditState,
    view: AppView,
}

/// The go-live audit, each finding streamed to the window as it lands.
#[tauri::command]
pub async fn run_audit(app: AppHandle, state: State<'_, AppState>) -> Result<Audited, Problem> {
    let wizard = state.wizard().await?;
    let record = state.running.run(async move { wizard.audit(&sink(&app)).await }).await?;
    Ok(Audited { record: record.state(), view: view(&state) })
}

/// The last audit and the manual items' ticks.
#[tauri::command]
pub async fn audit_status(state: State<'_, AppState>) -> Result<golive::audit::AuditState, Problem> {
    Ok(state.wizard().await?.audit_status().state())
}

/// Ticks (or unticks) a manual audit item; its date is kept.
#[tauri::command]
pub async fn audit_confirm(
    id: String,
    confirmed: bool,
    state: State<'_, AppState>,
) -> Result<golive::audit::AuditState, Problem> {
    Ok(state.wizard().await?.audit_confirm(&id, confirmed)?.state())
}

#[derive(Serialize)]
pub struct Verified {
    report: golive::verify::VerifyReport,
    view: AppView,
}

/// Every Verify check, each streamed to the window as it lands.
#[tauri::command]
pub async fn run_verify(app: AppHandle, state: State<'_, AppState>) -> Result<Verified, Problem> {
    let wizard = state.wizard().await?;
    let report = state.running.run(async move { wizard.verify(&sink(&app)).await }).await?;
    Ok(Verified { report, view: view(&state) })
}

/// Asks where to save the go-live report, writes it and returns the HTML file's path;
/// `None` when the user cancels.
#[tauri::command]
pub async fn save_report(app: AppHandle, state: State<'_, AppState>) -> Result<Option<String>, Problem> {
    let wizard = state.wizard().await?;
    let documents = directories::UserDirs::new().and_then(|u| u.document_dir().map(std::path::Path::to_path_buf));
    let start = report_folder_start(wizard.session().project_dir.as_deref(), documents.as_deref());
    let Some(dir) = pick(app, "Choose the folder to save the go-live report in", start).await else { return Ok(None) };
    let (_, page) = wizard.save_report(&dir)?;
    *state.saved_report.lock().expect("no panic while holding it") = Some(page.clone());
    Ok(Some(page.display().to_string()))
}

/// Opens the report golive just saved in the user's browser.
#[tauri::command]
pub fn open_report(state: State<'_, AppState>) -> Result<(), Problem> {
    let page = state
        .saved_report
        .lock()
        .expect("no panic while holding it")
        .clone()
        .ok_or_else(|| Problem::not_ready("No report was saved in this run.", "Save the report first."))?;
    page.metadata().and_then(|_| open::that_detached(&page)).map_err(|e| {
        Problem::invalid(format!("Could not open the report: {e}"), "Open the file yourself from the folder you chose.")
    })
}

/// What the user chose on the Rotate view.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotateChoice {
    kind: golive::rotate::Kind,
    #[serde(default)]
    dashboard: bool,
    #[serde(default = "day")]
    old_secret_hours: u64,
}

fn day() -> u64 {
    24
}

impl RotateChoice {
    fn start(&self) -> golive::rotate::Start {
        golive::rotate::Start {
            kind: self.kind,
            dashboard: self.dashboard,
            previous_for: std::time::Duration::from_secs(self.old_secret_hours.min(24) * 3600),
        }
    }
}

/// What the user rolled in the Dashboard, pasted into the Rotate view (empty: not given).
fn given(new_key: Option<String>, new_secret: Option<String>) -> Result<golive::rotate::Given, Problem> {
    let new_key = new_key.map(SecretString::from).filter(|k| !k.expose_secret().trim().is_empty());
    let key = match new_key {
        Some(key) => Some(
            parse_key(KeySlot::Live, key.expose_secret().trim())
                .map_err(|p| Problem::invalid(p.message, p.fix).with_code(p.code))?,
        ),
        None => None,
    };
    let webhook_secret =
        new_secret.map(|s| SecretString::from(s.trim().to_string())).filter(|s| !s.expose_secret().is_empty());
    Ok(golive::rotate::Given { key, webhook_secret })
}

/// Where rotations stand, with the window's view.
#[derive(Serialize)]
pub struct Rotated {
    rotation: Option<golive::rotate::Rotation>,
    retiring: Vec<golive::rotate::Retiring>,
    view: AppView,
}

/// What a rotation will do, in plain words (read-only).
#[tauri::command]
pub async fn rotate_plan(
    choice: RotateChoice,
    state: State<'_, AppState>,
) -> Result<golive::rotate::RotatePlan, Problem> {
    state.wizard().await?.rotate_plan(choice.start()).await
}

/// The open rotation (or the last one) and old keys still kept.
#[tauri::command]
pub async fn rotate_status(state: State<'_, AppState>) -> Result<Rotated, Problem> {
    let record = state.wizard().await?.rotate_status();
    Ok(Rotated {
        rotation: record.open.or(record.history.last().cloned()),
        retiring: record.retiring,
        view: view(&state),
    })
}

/// Starts a rotation and takes it as far as it goes now.
#[tauri::command]
pub async fn rotate_start(
    choice: RotateChoice,
    new_key: Option<String>,
    new_secret: Option<String>,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Rotated, Problem> {
    let (wizard, given) = (state.wizard().await?, given(new_key, new_secret)?);
    let start = choice.start();
    let rotation = {
        let wizard = wizard.clone();
        state.running.run(async move { wizard.rotate_start(start, given, &sink(&app)).await }).await?
    };
    Ok(Rotated { rotation: Some(rotation), retiring: wizard.rotate_status().retiring, view: view(&state) })
}

/// Goes on with the open rotation (and forgets old keys Stripe now refuses).
#[tauri::command]
pub async fn rotate_continue(
    new_key: Option<String>,
    new_secret: Option<String>,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Rotated, Problem> {
    let (wizard, given) = (state.wizard().await?, given(new_key, new_secret)?);
    let outcome = state.running.run(async move { wizard.rotate_continue(given, &sink(&app)).await }).await?;
    Ok(Rotated { rotation: outcome.rotation, retiring: outcome.retiring, view: view(&state) })
}

/// Stops the long step that is running (Connect's checks, a plan, a write, Verify); the step
/// answers with a "stopped" problem. Whether one was running.
#[tauri::command]
pub fn cancel(state: State<'_, AppState>) -> bool {
    state.running.cancel()
}

/// Remembers which step the user is on, so the app reopens there.
#[tauri::command]
pub async fn go_to(step: StepId, state: State<'_, AppState>) -> Result<AppView, Problem> {
    state.wizard().await?.go_to(step)?;
    Ok(view(&state))
}

/// The system folder picker with `title`, opened in `start` when there is one; `None` when the
/// user cancels.
async fn pick(app: AppHandle, title: &'static str, start: Option<PathBuf>) -> Option<PathBuf> {
    let picked = tauri::async_runtime::spawn_blocking(move || {
        let dialog = app.dialog().file().set_title(title);
        match start {
            Some(dir) => dialog.set_directory(dir).blocking_pick_folder(),
            None => dialog.blocking_pick_folder(),
        }
    })
    .await
    .ok()??;
    picked.into_path().ok()
}

/// Where the report's folder picker opens: the project's folder, else Documents, else the
/// picker's own default — only a folder that exists.
fn report_folder_start(project: Option<&std::path::Path>, documents: Option<&std::path::Path>) -> Option<PathBuf> {
    project.into_iter().chain(documents).find(|d| d.is_dir()).map(std::path::Path::to_path_buf)
}

/// The Worker-folder picker (Connect); `None` when the user cancels.
#[tauri::command]
pub async fn pick_folder(app: AppHandle) -> Option<String> {
    pick(app, "Choose your Worker's folder (the one with wrangler.toml)", None).await.map(|p| p.display().to_string())
}

/// A named moment of the page's start, in ms since its navigation began.
#[derive(serde::Deserialize)]
pub struct PageMark {
    name: String,
    ms: f64,
}

/// Called by the window once its first view is painted. With `GOLIVE_BENCH_FIRST_PAINT` set
/// (by scripts/bench.sh only) it prints the time since the process started, where it went
/// (the window made; the page's own marks), and quits: the cold-start number.
#[tauri::command]
pub fn first_paint(marks: Vec<PageMark>, app: AppHandle, started: State<'_, crate::Started>) {
    if std::env::var_os("GOLIVE_BENCH_FIRST_PAINT").is_some() {
        let total = started.at.elapsed().as_millis();
        let window = started.window_made.get().map(|d| d.as_millis().to_string()).unwrap_or_else(|| "?".into());
        let page: Vec<String> = marks.iter().map(|m| format!("{} {:.0}", m.name, m.ms)).collect();
        println!("first-paint-ms {total}");
        println!(
            "first-paint-marks window-made {window} ms after start; page (ms after its navigation): {}",
            page.join(", ")
        );
        app.exit(0);
    }
}

/// The About line: golive's version and the commit it was built from.
#[tauri::command]
pub fn about() -> String {
    golive::about::version_line()
}

/// Only the dashboards where the user must act may be opened from the window.
fn dashboard_link(url: &str) -> Result<(), Problem> {
    if links::allowed(url) {
        return Ok(());
    }
    Err(Problem::invalid(
        "golive only opens Stripe and Cloudflare dashboard links.",
        "Copy the address and open it yourself if you trust it.",
    ))
}

/// Opens a dashboard link in the user's browser.
#[tauri::command]
pub fn open_link(url: String) -> Result<(), Problem> {
    dashboard_link(&url)?;
    open::that_detached(&url).map_err(|e| {
        Problem::invalid(format!("Could not open the browser: {e}"), "Copy the link and open it yourself.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A command's failure reaches the window as the engine's problem, field for field.
    #[test]
    fn a_commands_error_crosses_as_the_problem() {
        let err = dashboard_link("file:///etc/passwd").unwrap_err();
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "invalid_input");
        assert_eq!(json["code"], "invalid_input");
        assert!(json["message"].as_str().unwrap().contains("dashboard links"));
        assert!(json["fix"].as_str().unwrap().contains("open it yourself"));
        let linked = Problem::not_ready("Verify has not run yet.", "Run Verify first.")
            .with_link("Open API keys", "https://dashboard.stripe.com/apikeys");
        let json = serde_json::to_value(&linked).unwrap();
        assert_eq!(json["link"]["url"], "https://dashboard.stripe.com/apikeys");
        assert_eq!(json["kind"], "not_ready");
    }

    /// The report's picker opens where the user works: the project, else Documents, else
    /// wherever the system picker starts — never a folder that is not there.
    #[test]
    fn the_report_picker_starts_in_the_project_else_documents() {
        let (project, documents) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let gone = project.path().join("gone");
        assert_eq!(report_folder_start(Some(project.path()), Some(documents.path())).as_deref(), Some(project.path()));
        assert_eq!(report_folder_start(Some(&gone), Some(documents.path())).as_deref(), Some(documents.path()));
        assert_eq!(report_folder_start(None, Some(documents.path())).as_deref(), Some(documents.path()));
        assert_eq!(report_folder_start(Some(&gone), None), None);
    }
}
