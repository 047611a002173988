//! What the stand-in remembers: the user, valid tokens, accounts with their workers.dev
//! subdomain and Workers (each with its secrets), the request log and queued failures, and
//! where its data is saved when it persists ([`Inner::persist`], after every change).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A Cloudflare account the stand-in knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// The account's `<subdomain>.workers.dev`, once registered.
    pub subdomain: Option<String>,
    /// Workers by script name.
    pub scripts: BTreeMap<String, Script>,
    /// The account's KV namespaces.
    #[serde(default)]
    pub kv_namespaces: Vec<KvNamespace>,
}

/// A KV namespace (`wrangler kv namespace create TITLE`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KvNamespace {
    pub id: String,
    pub title: String,
}

/// A deployed Worker: its secret bindings by name (values as uploaded) and how many
/// versions the secret changes made.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Script {
    pub secrets: BTreeMap<String, String>,
    pub versions: u32,
    /// A gradual deployment is in progress (the latest version is not fully deployed):
    /// Cloudflare refuses secret changes until it ends.
    #[serde(default)]
    pub gradual: bool,
    /// Its KV bindings as last uploaded (binding → namespace id).
    #[serde(default)]
    pub kv: BTreeMap<String, String>,
    /// How many times its code was uploaded (`wrangler deploy`).
    #[serde(default)]
    pub uploads: u32,
    /// Served on its workers.dev route.
    #[serde(default)]
    pub workers_dev: bool,
}

/// A failure queued for the next request whose path contains `path_contains`.
#[derive(Debug, Clone)]
pub struct QueuedFailure {
    pub path_contains: String,
    pub status: u16,
    pub code: u32,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Inner {
    pub email: String,
    pub tokens: Vec<String>,
    pub accounts: Vec<Account>,
    pub requests: Vec<String>,
    pub failures: Vec<QueuedFailure>,
    /// The file every change is saved to; `None` keeps everything in memory.
    pub store: Option<std::path::PathBuf>,
    /// Why the last save failed, if it did (cleared by the next one that works).
    pub save_error: Option<String>,
}

impl Inner {
    pub fn account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.id == id)
    }

    /// Saves the data to the store, if there is one; called with the lock held after every
    /// change, so saves never overtake each other. A failed save is kept in `save_error`.
    pub fn persist(&mut self) {
        let Some(path) = &self.store else { return };
        match crate::persist::write_atomically(path, &crate::persist::to_bytes(self)) {
            Ok(()) => self.save_error = None,
            Err(e) => self.save_error = Some(format!("Could not save the stand-in's state to {}: {e}", path.display())),
        }
    }
}

pub type Shared = Arc<Mutex<Inner>>;
