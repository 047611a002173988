//! The golive desktop app: a thin Tauri shell. Commands hand the user's input to the engine
//! and stream its events to the window; no business logic lives here.

mod commands;
mod links;
mod state;

use state::AppState;

pub fn run() {
    let data_dir = golive::session::data_dir();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(AppState::load(data_dir))
        .invoke_handler(tauri::generate_handler![
            commands::app_view,
            commands::set_mode,
            commands::rehearsal_inputs,
            commands::check_connect,
            commands::go_to,
            commands::pick_folder,
            commands::open_link,
        ])
        .run(tauri::generate_context!())
        .expect("the golive window could not start");
}
