//! Where the outside world is: the real Stripe API and the user's wrangler, or the local
//! stand-ins of the offline rehearsal. Every step gets one of these instead of globals.

use secrecy::SecretString;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Real Stripe and Cloudflare accounts.
    Real,
    /// Everything on local stand-ins; nothing leaves the machine.
    Rehearsal,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub mode: Mode,
    /// Stripe API base URL; `None` means api.stripe.com.
    pub stripe_base_url: Option<String>,
    /// Extra environment variables for every wrangler run (rehearsal points it at a stand-in).
    pub wrangler_env: Vec<(String, String)>,
    /// A wrangler to use instead of looking in the project and on PATH.
    pub wrangler_program: Option<PathBuf>,
    /// Where Verify sends its probe events instead of the endpoint's host (a Worker run
    /// locally by `wrangler dev`); `None` sends them to the endpoint URL itself.
    pub webhook_probe_base: Option<String>,
    /// How long to wait for each Stripe answer; `None` is golive's default (30 s).
    pub stripe_timeout: Option<std::time::Duration>,
    /// The Cloudflare API token every wrangler run gets as `CLOUDFLARE_API_TOKEN` once the
    /// user gave one to golive (shared by every copy of this environment).
    pub cloudflare_token: TokenCell,
}

/// The token this environment's wrangler runs get, shared by every copy of the environment
/// (the wizard's, and those its steps make), so a token given once reaches them all.
#[derive(Clone, Default)]
pub struct TokenCell(Arc<Mutex<Option<SecretString>>>);

impl std::fmt::Debug for TokenCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.get().is_some() { "TokenCell(set)" } else { "TokenCell(unset)" })
    }
}

impl TokenCell {
    pub fn get(&self) -> Option<SecretString> {
        self.0.lock().expect("no panic while holding the token").clone()
    }

    pub fn set(&self, token: Option<SecretString>) {
        *self.0.lock().expect("no panic while holding the token") = token;
    }
}

/// Points golive at another Stripe API base URL (a stand-in); for tests and support only.
pub const STRIPE_BASE_VAR: &str = "GOLIVE_STRIPE_API_BASE";
/// Uses this wrangler instead of looking in the project and on PATH.
pub const WRANGLER_VAR: &str = "GOLIVE_WRANGLER";
/// Sends Verify's probes to this base URL instead of the endpoint's host (a Worker run by
/// `wrangler dev`); for tests and support only.
pub const PROBE_BASE_VAR: &str = "GOLIVE_WEBHOOK_PROBE_BASE";

impl Environment {
    /// The real services, with the overrides of `GOLIVE_STRIPE_API_BASE` and `GOLIVE_WRANGLER`.
    pub fn real() -> Self {
        Self {
            mode: Mode::Real,
            stripe_base_url: std::env::var(STRIPE_BASE_VAR).ok().filter(|v| !v.is_empty()),
            wrangler_env: Vec::new(),
            wrangler_program: wrangler_override(),
            webhook_probe_base: std::env::var(PROBE_BASE_VAR).ok().filter(|v| !v.is_empty()),
            stripe_timeout: None,
            cloudflare_token: Default::default(),
        }
    }
}

pub fn wrangler_override() -> Option<PathBuf> {
    std::env::var_os(WRANGLER_VAR).filter(|v| !v.is_empty()).map(PathBuf::from)
}
