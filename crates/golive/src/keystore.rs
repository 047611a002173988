//! golive's entries in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), named by project, mode and variable. When no keyring is reachable it
//! says so with the fix — it never falls back to a plaintext file.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The keyring "service" every golive entry is filed under.
pub const SERVICE: &str = "golive";

/// One entry: `<project>/<mode>/<VARIABLE>`, e.g. `pan-api/live/STRIPE_SECRET_KEY`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryName {
    pub project: String,
    pub mode: String,
    pub variable: String,
}

impl EntryName {
    pub fn new(project: &str, livemode: bool, variable: &str) -> Self {
        Self { project: project.into(), mode: if livemode { "live" } else { "test" }.into(), variable: variable.into() }
    }

    pub fn user(&self) -> String {
        format!("{}/{}/{}", self.project, self.mode, self.variable)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoreError {
    pub message: String,
    pub fix: String,
}

impl std::fmt::Display for KeystoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.message, self.fix)
    }
}

fn map_error(name: &EntryName, err: keyring::Error) -> KeystoreError {
    match err {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => KeystoreError {
            message: "No OS keyring is available, so golive cannot keep secrets safely.".into(),
            fix: "Unlock or start your desktop's keyring (GNOME Keyring, KWallet, macOS Keychain). On a Linux machine without a desktop, run golive inside `dbus-run-session` with `gnome-keyring-daemon --unlock` started.".into(),
        },
        keyring::Error::NoEntry => KeystoreError {
            message: format!("The keyring has no entry {}.", name.user()),
            fix: "Save the keys first (`golive keys save`), or give them another way.".into(),
        },
        other => KeystoreError { message: format!("The keyring refused {}: {other}", name.user()), fix: "Check that the keyring is unlocked, then try again.".into() },
    }
}

fn entry(name: &EntryName) -> Result<keyring::Entry, KeystoreError> {
    keyring::Entry::new(SERVICE, &name.user()).map_err(|e| map_error(name, e))
}

/// Stores `value` under `name`, replacing what was there.
pub fn put(name: &EntryName, value: &SecretString) -> Result<(), KeystoreError> {
    entry(name)?.set_password(value.expose_secret()).map_err(|e| map_error(name, e))
}

/// Reads the value under `name`; `Ok(None)` when there is no such entry.
pub fn get(name: &EntryName) -> Result<Option<SecretString>, KeystoreError> {
    match entry(name)?.get_password() {
        Ok(value) => Ok(Some(SecretString::from(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(name, e)),
    }
}

/// Removes the entry; removing one that is not there is fine.
pub fn delete(name: &EntryName) -> Result<(), KeystoreError> {
    match entry(name)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(map_error(name, e)),
    }
}

/// Runs keyring calls off the async runtime (the Secret Service client blocks on D-Bus).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KeystoreError> + Send + 'static,
) -> Result<T, KeystoreError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(KeystoreError { message: format!("The keyring call stopped: {e}"), fix: "Try again.".into() })
    })
}

/// The variable the Stripe API key is stored (and later pushed) as.
pub const STRIPE_SECRET_KEY: &str = "STRIPE_SECRET_KEY";
