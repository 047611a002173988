//! Connect's Cloudflare login commands, each one call into the engine's wizard: a pasted API
//! token (wrapped as a secret the moment it arrives; checked, kept in the keyring, given to
//! wrangler in its environment only) and `wrangler login` run for the user.

use crate::commands::sink;
use crate::state::AppState;
use golive::wizard::{CloudflareLogin, Problem};
use secrecy::SecretString;
use std::path::PathBuf;
use tauri::{AppHandle, State};

#[tauri::command]
pub async fn cloudflare_token(
    token: String,
    project_dir: String,
    state: State<'_, AppState>,
) -> Result<CloudflareLogin, Problem> {
    let token = SecretString::from(token);
    let wizard = state.wizard().await?;
    let dir = PathBuf::from(project_dir.trim());
    state.running.run(async move { wizard.use_cloudflare_token(&token, &dir).await }).await
}

#[tauri::command]
pub async fn cloudflare_login(
    project_dir: String,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<CloudflareLogin, Problem> {
    let wizard = state.wizard().await?;
    let dir = PathBuf::from(project_dir.trim());
    state.running.run(async move { wizard.cloudflare_login(&dir, &sink(&app)).await }).await
}

/// Cloudflare's token page with golive's permissions filled in.
#[tauri::command]
pub fn cloudflare_token_page() -> String {
    golive::cloudflare_auth::token_page_url()
}
