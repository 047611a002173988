//! The floor: a window, a static page, and the first-paint report golive's app makes
//! (`GOLIVE_BENCH_FIRST_PAINT`), so scripts/bench.sh can set the two side by side.

use std::time::Instant;

struct Started(Instant);

/// The page calls this after its first paint; with `GOLIVE_BENCH_FIRST_PAINT` set it prints
/// the time since the process started and quits, as golive's app does.
#[tauri::command]
fn first_paint(app: tauri::AppHandle, started: tauri::State<'_, Started>) {
    if std::env::var_os("GOLIVE_BENCH_FIRST_PAINT").is_some() {
        println!("first-paint-ms {}", started.0.elapsed().as_millis());
        app.exit(0);
    }
}

fn main() {
    let started = Started(Instant::now());
    tauri::Builder::default()
        .manage(started)
        .invoke_handler(tauri::generate_handler![first_paint])
        .run(tauri::generate_context!())
        .expect("the floor window could not start");
}
