//! The Billing rehearsal step's commands: each one call into the engine's wizard. The run is
//! in test mode, on Stripe test clocks, against the project's own Worker run on this machine;
//! it streams a finding per phase as it lands and can be stopped with Cancel.

use crate::commands::{sink, view, WithView};
use crate::state::AppState;
use golive::billing::BillingReport;
use golive::wizard::{BillingAsk, BillingPlan, Problem};
use tauri::{AppHandle, State};

/// The scenarios, the test catalog's tiers and the last run (read-only).
#[tauri::command]
pub async fn billing_plan(state: State<'_, AppState>) -> Result<BillingPlan, Problem> {
    let wizard = state.wizard().await?;
    state.running.run(async move { wizard.billing_plan().await }).await
}

/// Runs the chosen scenarios (none: every one), each event delivered twice and out of order
/// when `shuffle`; the report is kept in the session.
#[tauri::command]
pub async fn billing_run(
    scenarios: Vec<String>,
    shuffle: bool,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<WithView<BillingReport>, Problem> {
    let wizard = state.wizard().await?;
    let ask = BillingAsk { scenarios, shuffle };
    let result = state.running.run(async move { wizard.rehearse_billing(ask, &sink(&app)).await }).await?;
    Ok(WithView { result, view: view(&state) })
}
