//! The golive desktop app: a thin Tauri shell. Commands hand the user's input to the engine
//! and stream its events to the window; no business logic lives here.

mod commands;
mod links;
mod live_commands;
mod state;

use state::AppState;

/// When the process started, for the first-paint benchmark.
pub struct Started(pub std::time::Instant);

pub fn run() {
    let started = Started(std::time::Instant::now());
    let data_dir = golive::session::data_dir();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(AppState::load(data_dir))
        .manage(started)
        .invoke_handler(tauri::generate_handler![
            commands::app_view,
            commands::set_mode,
            commands::rehearsal_inputs,
            commands::check_connect,
            commands::plan_catalog,
            commands::apply_catalog,
            live_commands::webhook_candidates,
            live_commands::plan_webhook,
            live_commands::ensure_webhook,
            live_commands::disable_endpoints,
            live_commands::secrets_preview,
            live_commands::push_secrets,
            live_commands::run_verify,
            live_commands::save_report,
            live_commands::open_report,
            commands::go_to,
            commands::pick_folder,
            commands::open_link,
            commands::first_paint,
        ])
        .run(tauri::generate_context!())
        .expect("the golive window could not start");
}
