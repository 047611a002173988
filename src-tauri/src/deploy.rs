//! The deploy golive offers when Cloudflare has no such Worker yet, each one call into the
//! engine's wizard: the plan (read-only) and the run, which only the user's click starts.

use crate::commands::sink;
use crate::state::AppState;
use golive::deploy::{DeployOutcome, DeployPlan};
use golive::wizard::Problem;
use tauri::{AppHandle, State};

#[tauri::command]
pub async fn deploy_plan(state: State<'_, AppState>) -> Result<DeployPlan, Problem> {
    let wizard = state.wizard().await?;
    state.running.run(async move { wizard.deploy_plan().await }).await
}

#[tauri::command]
pub async fn deploy(app: AppHandle, state: State<'_, AppState>) -> Result<DeployOutcome, Problem> {
    let wizard = state.wizard().await?;
    state.running.run(async move { wizard.deploy(&sink(&app)).await }).await
}
