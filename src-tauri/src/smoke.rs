//! The Smoke purchase step's commands: each one call into the engine's wizard. Links to
//! Stripe's checkout and customer portal are opened here, in Rust, from what the engine
//! holds — the window never passes a URL, and never sees the portal's (a link that logs in
//! as the customer). In the rehearsal nothing opens: its pages are not on this machine, and
//! a button completes the checkout as a customer would.

use crate::commands::{sink, view, WithView};
use crate::state::AppState;
use golive::wizard::{Problem, SmokeAsk, SmokePlan, SmokeState};
use tauri::{AppHandle, State};

/// Only Stripe's own checkout and portal pages are opened.
fn stripe_page(url: &str) -> Result<&str, Problem> {
    let ok = ["https://checkout.stripe.com/", "https://billing.stripe.com/"].iter().any(|p| url.starts_with(p))
        && !url.contains(char::is_whitespace);
    if ok {
        Ok(url)
    } else {
        Err(Problem::internal(format!(
            "Stripe gave a link golive will not open: {}",
            url.chars().take(60).collect::<String>()
        )))
    }
}

fn open_in_browser(url: &str) -> Result<(), Problem> {
    open::that_detached(stripe_page(url)?).map_err(|e| {
        Problem::invalid(format!("Could not open the browser: {e}"), "Open your browser, then press the button again.")
    })
}

/// The smoke purchase's tiers, defaults and what it will do (read-only).
#[tauri::command]
pub async fn smoke_plan(state: State<'_, AppState>) -> Result<SmokePlan, Problem> {
    let wizard = state.wizard().await?;
    state.running.run(async move { wizard.smoke_plan().await }).await
}

/// Starts (or resumes) a smoke purchase and opens its checkout in the browser (not in the
/// rehearsal).
#[tauri::command]
pub async fn smoke_start(
    tier: Option<String>,
    email: Option<String>,
    return_url: Option<String>,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<WithView<SmokeState>, Problem> {
    let wizard = state.wizard().await?;
    let ask = SmokeAsk { tier, email, return_url };
    let events = app.clone();
    let result = state.running.run(async move { wizard.smoke_start(ask, &sink(&events)).await }).await?;
    if !rehearsal(&state) {
        if let Some(url) = &result.run.checkout_url {
            open_in_browser(url)?;
        }
    }
    Ok(WithView { result, view: view(&state) })
}

fn rehearsal(state: &AppState) -> bool {
    state.opened().mode == golive::environment::Mode::Rehearsal
}

/// Opens the open run's checkout again.
#[tauri::command]
pub async fn smoke_open_checkout(state: State<'_, AppState>) -> Result<(), Problem> {
    let run = state.wizard().await?.smoke_status().open;
    let url = run
        .and_then(|r| r.checkout_url)
        .ok_or_else(|| Problem::not_ready("No checkout is open.", "Start a smoke purchase first."))?;
    open_in_browser(&url)
}

/// The rehearsal's customer completes the checkout (refused outside the rehearsal).
#[tauri::command]
pub async fn smoke_complete_checkout(state: State<'_, AppState>) -> Result<(), Problem> {
    let wizard = state.wizard().await?;
    state.running.run(async move { wizard.smoke_complete_checkout().await }).await
}

/// Waits up to `minutes` for the checkout; then proves the purchase and opens the portal
/// (not in the rehearsal).
#[tauri::command]
pub async fn smoke_watch(
    minutes: u64,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<WithView<SmokeState>, Problem> {
    let wizard = state.wizard().await?;
    let wait = std::time::Duration::from_secs(minutes.min(60) * 60);
    let events = app.clone();
    let mut result = state.running.run(async move { wizard.smoke_watch(wait, &sink(&events)).await }).await?;
    if let Some(url) = result.portal_url.take() {
        if !rehearsal(&state) {
            open_in_browser(&url)?;
        }
    }
    Ok(WithView { result, view: view(&state) })
}

/// Opens a fresh customer-portal link (in the rehearsal, makes the portal session only).
#[tauri::command]
pub async fn smoke_open_portal(state: State<'_, AppState>) -> Result<(), Problem> {
    let wizard = state.wizard().await?;
    let url = state.running.run(async move { wizard.smoke_portal_link().await }).await?;
    if rehearsal(&state) {
        return Ok(());
    }
    open_in_browser(&url)
}

/// What the portal showed; then cancel, prove the revert, clean up.
#[tauri::command]
pub async fn smoke_finish(
    as_expected: bool,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<WithView<SmokeState>, Problem> {
    let wizard = state.wizard().await?;
    let result = state.running.run(async move { wizard.smoke_finish(as_expected, &sink(&app)).await }).await?;
    Ok(WithView { result, view: view(&state) })
}

/// Stops the run under way and cleans it up.
#[tauri::command]
pub async fn smoke_stop(app: AppHandle, state: State<'_, AppState>) -> Result<WithView<SmokeState>, Problem> {
    let wizard = state.wizard().await?;
    let result = state.running.run(async move { wizard.smoke_stop(&sink(&app)).await }).await?;
    Ok(WithView { result, view: view(&state) })
}

/// Deletes the last run's live customer, on the user's request.
#[tauri::command]
pub async fn smoke_delete_customer(state: State<'_, AppState>) -> Result<WithView<SmokeState>, Problem> {
    let wizard = state.wizard().await?;
    let result = state.running.run(async move { wizard.smoke_delete_customer().await }).await?;
    Ok(WithView { result, view: view(&state) })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_stripes_checkout_and_portal_pages_open() {
        assert!(super::stripe_page("https://checkout.stripe.com/c/pay/cs_live_1#x").is_ok());
        assert!(super::stripe_page("https://billing.stripe.com/p/session/live_1").is_ok());
        for bad in ["https://checkout.stripe.com.evil.example/", "http://checkout.stripe.com/", "file:///etc/passwd"] {
            assert_eq!(super::stripe_page(bad).unwrap_err().code, "internal_error", "{bad}");
        }
    }
}
