//! What the stand-in remembers: the user, valid tokens, accounts with their workers.dev
//! subdomain and Workers (each with its secrets), the request log and queued failures.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A Cloudflare account the stand-in knows.
#[derive(Debug, Clone, Default)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// The account's `<subdomain>.workers.dev`, once registered.
    pub subdomain: Option<String>,
    /// Workers by script name.
    pub scripts: BTreeMap<String, Script>,
}

/// A deployed Worker: its secret bindings by name (values as uploaded) and how many
/// versions the secret changes made.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub secrets: BTreeMap<String, String>,
    pub versions: u32,
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
}

impl Inner {
    pub fn account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.id == id)
    }
}

pub type Shared = Arc<Mutex<Inner>>;
