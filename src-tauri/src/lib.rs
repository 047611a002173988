//! The golive desktop app: a thin Tauri shell. Commands hand the user's input to the engine
//! and stream its events to the window; no business logic lives here.

mod billing;
mod cloudflare;
mod commands;
mod deploy;
mod links;
mod smoke;
mod state;

use state::AppState;
use tauri::Manager;

/// When the process started and its window was made, for the first-paint benchmark.
pub struct Started {
    pub at: std::time::Instant,
    pub window_made: std::sync::OnceLock<std::time::Duration>,
}

/// WebKitGTK's renderer for golive's window: on the CPU, unless the user chose otherwise.
/// golive's window is a form, which the CPU paints as fast as a GPU; where there is no GPU
/// (virtual machines, remote desktops, Xvfb) WebKit's GPU path compiles every new shader in
/// software (Mesa's llvmpipe), which put ~200 ms into the first paint (scripts/bench.sh).
#[cfg(target_os = "linux")]
fn choose_renderer() {
    const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
    if std::env::var_os(CPU_RENDERING).is_none() {
        // Before any thread starts: the web process inherits it.
        std::env::set_var(CPU_RENDERING, "1");
    }
}

pub fn run() {
    let started = Started { at: std::time::Instant::now(), window_made: std::sync::OnceLock::new() };
    #[cfg(target_os = "linux")]
    choose_renderer();
    let data_dir = golive::session::data_dir();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        // Remembers the window's size and place between starts (saved on close).
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(AppState::start(data_dir))
        .manage(started)
        .setup(|app| {
            // The window is made here, not from tauri.conf.json alone, so that its first view
            // goes into the page with it: the window draws without a round trip to Rust first.
            let first_view = serde_json::to_string(&commands::app_view(app.state::<AppState>()))?;
            let config = app.config().app.windows.first().cloned().ok_or("tauri.conf.json names no window")?;
            tauri::WebviewWindowBuilder::from_config(app, &config)?
                .initialization_script(format!("window.__GOLIVE_FIRST_VIEW__ = {first_view};"))
                .build()?;
            let started = app.state::<Started>();
            let _ = started.window_made.set(started.at.elapsed());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_view,
            commands::set_mode,
            commands::open_project,
            commands::new_project,
            commands::rehearsal_inputs,
            commands::rehearsal_roll_key,
            commands::run_audit,
            commands::audit_status,
            commands::audit_confirm,
            commands::check_connect,
            commands::plan_catalog,
            commands::apply_catalog,
            commands::webhook_candidates,
            commands::plan_webhook,
            commands::ensure_webhook,
            commands::disable_endpoints,
            commands::secrets_preview,
            commands::push_secrets,
            commands::run_verify,
            commands::save_report,
            commands::open_report,
            commands::go_to,
            commands::cancel,
            commands::rotate_plan,
            commands::rotate_status,
            commands::rotate_start,
            commands::rotate_continue,
            smoke::smoke_plan,
            smoke::smoke_start,
            smoke::smoke_open_checkout,
            smoke::smoke_complete_checkout,
            smoke::smoke_watch,
            smoke::smoke_open_portal,
            smoke::smoke_finish,
            smoke::smoke_stop,
            smoke::smoke_delete_customer,
            billing::billing_plan,
            billing::billing_run,
            cloudflare::cloudflare_token,
            cloudflare::cloudflare_login,
            cloudflare::cloudflare_token_page,
            deploy::deploy_plan,
            deploy::deploy,
            commands::pick_folder,
            commands::open_link,
            commands::first_paint,
            commands::about,
        ])
        .run(tauri::generate_context!())
        .expect("the golive window could not start");
}
