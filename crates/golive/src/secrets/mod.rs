//! The Secrets step: gather every value the Worker needs (the live key and the webhook secret
//! from the keyring, price and portal ids from the session), keep the secret ones in the OS
//! keyring, push them all with one `wrangler secret bulk` (values on stdin, never argv), and
//! confirm each name with `wrangler secret list`.

pub mod bundle;
pub mod push;

pub use bundle::{gather, Bundle, SecretValue};
pub use push::{push, PushTarget};

use crate::keystore::KeystoreError;
use crate::wrangler::WranglerError;
use serde::{Deserialize, Serialize};

/// What the session keeps about the push (names only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretsRecord {
    /// The Worker script the secrets went to, and its wrangler environment.
    pub script: String,
    pub env: Option<String>,
    /// Names whose values golive keeps in the keyring.
    pub in_keyring: Vec<String>,
    /// Names sent with the last `secret bulk`.
    pub pushed: Vec<String>,
    /// Names `wrangler secret list` showed afterwards.
    pub confirmed: Vec<String>,
}

impl SecretsRecord {
    /// Every pushed name was confirmed on the Worker.
    pub fn complete(&self) -> bool {
        !self.pushed.is_empty() && self.pushed.iter().all(|n| self.confirmed.contains(n))
    }
}

/// Where one secret stands, for the faces to show as it moves along.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretStatus {
    pub name: String,
    /// `sk_live_…abcd` style hint; ids (not secret) are shown whole.
    pub hint: String,
    /// Kept in the keyring (ids are not: they are in the session).
    pub in_keyring: bool,
    pub pushed: bool,
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretsError {
    /// A value the Worker needs is not available yet.
    Missing {
        name: String,
        fix: String,
    },
    Keyring(KeystoreError),
    Wrangler(WranglerError),
    /// The push reported success but `secret list` does not show these names.
    NotConfirmed(Vec<String>),
}

impl SecretsError {
    pub fn message(&self) -> String {
        match self {
            SecretsError::Missing { name, .. } => format!("golive has no value for {name} yet."),
            SecretsError::Keyring(e) => e.message.clone(),
            SecretsError::Wrangler(e) => e.message(),
            SecretsError::NotConfirmed(names) => {
                format!("wrangler reported success, but the Worker does not list {}.", names.join(", "))
            }
        }
    }

    pub fn fix(&self) -> String {
        match self {
            SecretsError::Missing { fix, .. } => fix.clone(),
            SecretsError::Keyring(e) => e.fix.clone(),
            SecretsError::Wrangler(e) => e.fix(),
            SecretsError::NotConfirmed(_) => "Push again; if the names are still missing, check the Worker's Settings → Variables and Secrets in the Cloudflare dashboard.".into(),
        }
    }
}
