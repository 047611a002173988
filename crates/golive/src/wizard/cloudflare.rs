//! The wizard's Cloudflare login, for a user who has never opened a terminal: an API token
//! pasted into golive (checked by Cloudflare, then by wrangler, and only then kept in the
//! keyring), `wrangler login` run for them, and forgetting the token. A saved token is put
//! in the environment when the wizard opens, so every wrangler run of every step has it.

use super::{Problem, Wizard};
use crate::cloudflare_auth::{self, TokenCell};
use crate::progress::ProgressSink;
use crate::wrangler::{self, CloudflareAccount, WhoAmI};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::path::Path;

/// Who wrangler reaches Cloudflare as, after a login or a token.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CloudflareLogin {
    /// The user's email, when the login may read it.
    pub email: Option<String>,
    /// How: "api_token" (golive's, from the keyring) or "oauth" (`wrangler login`).
    pub via: String,
    pub accounts: Vec<CloudflareAccount>,
}

impl From<WhoAmI> for CloudflareLogin {
    fn from(who: WhoAmI) -> Self {
        let via = match who.auth_type.as_deref() {
            Some(t) if t.to_ascii_lowercase().contains("oauth") => "oauth",
            _ => "api_token",
        };
        Self { email: who.email, via: via.into(), accounts: who.accounts }
    }
}

impl Wizard {
    /// Puts the saved Cloudflare token (if any) in this wizard's environment. A keyring that
    /// cannot be read leaves wrangler's own login in charge; Connect says if there is none.
    /// The rehearsal loads none: its environment brings its own made-up login, and a token
    /// kept by an earlier rehearsal (before a reset, or of another data folder) belongs to
    /// another made-up account, which its stand-in would refuse.
    pub(super) fn load_cloudflare_token(&self) {
        if self.env.mode == crate::environment::Mode::Rehearsal {
            return;
        }
        match crate::keystore::get(&cloudflare_auth::token_entry(&self.env)) {
            Ok(Some(token)) => self.env.cloudflare_token.set(Some(token)),
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e.message, "no saved Cloudflare token read"),
        }
    }

    /// A pasted API token: refused at once when it cannot be one, then checked by Cloudflare
    /// (`/user/tokens/verify`), then by wrangler in the project folder (`wrangler whoami`);
    /// only then kept in the keyring and used by every wrangler run. A token refused on the
    /// way changes nothing (the one before stays).
    pub async fn use_cloudflare_token(
        &self,
        pasted: &SecretString,
        project_dir: &Path,
    ) -> Result<CloudflareLogin, Problem> {
        let token = cloudflare_auth::parse_token(pasted.expose_secret())?;
        cloudflare_auth::verify(&self.env, &token).await?;
        let wrangler = wrangler::locate(project_dir, &self.env).await.map_err(Problem::from)?;
        let before = self.env.cloudflare_token.get();
        self.env.cloudflare_token.set(Some(token.clone()));
        let who = match wrangler::whoami(&wrangler, project_dir, &self.env).await {
            Ok(who) => who,
            Err(e) => {
                self.env.cloudflare_token.set(before);
                return Err(e.into());
            }
        };
        if let Err(problem) = cloudflare_auth::save_token(&self.env, token).await {
            self.env.cloudflare_token.set(before);
            return Err(problem);
        }
        Ok(who.into())
    }

    /// Runs `wrangler login` for the user (it opens the browser), streaming what it says to
    /// `sink`. A saved token would take precedence over the login in wrangler, so it is
    /// forgotten once the login works.
    pub async fn cloudflare_login(
        &self,
        project_dir: &Path,
        sink: &dyn ProgressSink,
    ) -> Result<CloudflareLogin, Problem> {
        let wrangler = wrangler::locate(project_dir, &self.env).await.map_err(Problem::from)?;
        // wrangler refuses to log in while CLOUDFLARE_API_TOKEN is set: log in without it.
        let without = crate::environment::Environment { cloudflare_token: TokenCell::default(), ..self.env.clone() };
        let who = cloudflare_auth::login(&wrangler, project_dir, &without, sink).await?;
        cloudflare_auth::forget_token(&self.env).await?;
        self.env.cloudflare_token.set(None);
        Ok(who.into())
    }

    /// Forgets the saved token: wrangler's own login (if any) is used from now on.
    pub async fn forget_cloudflare_token(&self) -> Result<(), Problem> {
        cloudflare_auth::forget_token(&self.env).await?;
        self.env.cloudflare_token.set(None);
        Ok(())
    }

    /// Whether golive holds a Cloudflare token for wrangler (never the token itself).
    pub fn has_cloudflare_token(&self) -> bool {
        self.env.cloudflare_token.get().is_some()
    }
}
