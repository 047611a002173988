//! The floor: a window, a static page, and the first-paint report golive's app makes
//! (`GOLIVE_BENCH_FIRST_PAINT`), so scripts/bench.sh can set the two side by side — with the
//! same marks: when the window was made, and the page's own times after its navigation.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

struct Started {
    at: Instant,
    window_made: OnceLock<Duration>,
}

/// The page calls this after its first paint with its marks (name, ms after navigation); with
/// `GOLIVE_BENCH_FIRST_PAINT` set it prints the time since the process started, and the marks,
/// and quits, as golive's app does.
#[tauri::command]
fn first_paint(marks: Vec<(String, f64)>, app: tauri::AppHandle, started: tauri::State<'_, Started>) {
    if std::env::var_os("GOLIVE_BENCH_FIRST_PAINT").is_some() {
        println!("first-paint-ms {}", started.at.elapsed().as_millis());
        let window = started.window_made.get().map(|d| d.as_millis().to_string()).unwrap_or_else(|| "?".into());
        let page: Vec<String> = marks.iter().map(|(name, ms)| format!("{name} {ms:.0}")).collect();
        println!("first-paint-marks window-made {window} ms after start; page (ms after its navigation): {}", page.join(", "));
        app.exit(0);
    }
}

fn main() {
    let started = Started { at: Instant::now(), window_made: OnceLock::new() };
    tauri::Builder::default()
        .manage(started)
        // The window of tauri.conf.json is made before this runs.
        .setup(|app| {
            use tauri::Manager;
            let started = app.state::<Started>();
            let _ = started.window_made.set(started.at.elapsed());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![first_paint])
        .run(tauri::generate_context!())
        .expect("the floor window could not start");
}
