//! The Secrets step: gather every value the Worker needs (the live key and the webhook secret
//! from the keyring, price and portal ids from the session), keep the secret ones in the OS
//! keyring, push them all with one `wrangler secret bulk` (values on stdin, never argv), and
//! confirm each name with `wrangler secret list`.

pub mod bundle;
pub mod push;

pub use bundle::{gather, Bundle, SecretValue};
pub use push::{push, PushTarget};

use crate::catalog::CatalogRecord;
use crate::connect::ConnectOutcome;
use crate::environment::Environment;
use crate::keystore::KeystoreError;
use crate::progress::ProgressSink;
use crate::stripe_key::{hint_of, StripeKey};
use crate::wrangler::WranglerError;
use secrecy::ExposeSecret;
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
    /// The `whsec_…abcd` hint of each secret value pushed (never more), so Verify can tell
    /// whether the keyring still holds what the Worker was given.
    #[serde(default)]
    pub pushed_hints: std::collections::BTreeMap<String, String>,
    /// The ids pushed (price ids and the portal's, which are not secret), by name, so Verify
    /// can tell whether the Worker holds what the session says now.
    #[serde(default)]
    pub pushed_ids: std::collections::BTreeMap<String, String>,
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
    /// Two values would go to the Worker under one name: one of them would be lost.
    DuplicateName(String),
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
            SecretsError::DuplicateName(name) => {
                format!("Two different values would be pushed as {name}: the Worker would keep only one of them.")
            }
        }
    }

    pub fn fix(&self) -> String {
        match self {
            SecretsError::Missing { fix, .. } => fix.clone(),
            SecretsError::Keyring(e) => e.fix.clone(),
            SecretsError::Wrangler(e) => e.fix(),
            SecretsError::DuplicateName(_) => "Run the Catalog step again: it names every live price uniquely (see “Price-ID naming rule” in golive's README), then push.".into(),
            SecretsError::NotConfirmed(_) => "Push again; if the names are still missing, check the Worker's Settings → Variables and Secrets in the Cloudflare dashboard.".into(),
        }
    }
}

/// What the Secrets step reads from the earlier steps' records (borrowed from the session).
#[derive(Debug, Clone)]
pub struct SecretsInput<'a> {
    pub connect: Option<&'a ConnectOutcome>,
    pub project_dir: Option<&'a std::path::Path>,
    /// The Worker script the secrets go to (the top-level name, or its environment's).
    pub script: Option<String>,
    pub worker_env: Option<&'a str>,
    pub catalog: &'a CatalogRecord,
    /// What the last push recorded.
    pub pushed: Option<&'a SecretsRecord>,
}

/// The Secrets step once Connect, Catalog and Webhook are done: gathers the values, pushes
/// them to the Worker and its environment, and confirms them.
pub async fn push_step(
    input: &SecretsInput<'_>,
    env: &Environment,
    live_key: Option<&StripeKey>,
    sink: &dyn ProgressSink,
) -> Result<(SecretsRecord, Vec<SecretStatus>), SecretsError> {
    let (Some(connect), Some(project_dir), Some(script)) = (input.connect, input.project_dir, input.script.as_deref())
    else {
        return Err(SecretsError::Missing {
            name: "the Worker".into(),
            fix: "Finish the Connect step first: it finds the Worker and wrangler.".into(),
        });
    };
    let bundle = gather(input.catalog, script, live_key).await?;
    let target = PushTarget {
        wrangler: &connect.worker.wrangler,
        project_dir,
        env: input.worker_env,
        script,
        account: connect.worker.config.account_for(input.worker_env),
    };
    let record = push(&bundle, &target, env, sink).await?;
    let statuses = bundle
        .statuses()
        .into_iter()
        .map(|s| SecretStatus {
            pushed: record.pushed.contains(&s.name),
            confirmed: record.confirmed.contains(&s.name),
            ..s
        })
        .collect();
    Ok((record, statuses))
}

/// What the step will push, before it runs: names, hints where golive can give them
/// without reading a secret, and whether the keyring already holds each secret. `live_key`
/// is the key Connect accepted in this run, when the face still holds it: it is the one the
/// push sends (see [`bundle::gather`]), so it is the one shown, even when the keyring still
/// holds an older one.
pub async fn preview(input: &SecretsInput<'_>, live_key: Option<&StripeKey>) -> Vec<SecretStatus> {
    use crate::keystore::{self, EntryName, STRIPE_SECRET_KEY};
    let Some(script) = input.script.as_deref() else { return Vec::new() };
    let held = |var: &str| {
        let entry = EntryName::new(script, true, var);
        keystore::blocking(move || keystore::get(&entry))
    };
    let key_held = held(STRIPE_SECRET_KEY).await.ok().flatten();
    let whsec = held(crate::webhook::SECRET_VAR).await.ok().flatten().map(|s| hint_of(s.expose_secret()));
    let (key_hint, key_in_keyring) = match (live_key, &key_held) {
        (Some(key), held) => (key.hint(), held.as_ref().is_some_and(|h| h.expose_secret() == key.expose())),
        (None, Some(held)) => (hint_of(held.expose_secret()), true),
        (None, None) => (input.connect.map(|c| c.live_key_hint.clone()).unwrap_or_default(), false),
    };
    let pushed = input.pushed;
    let status = |name: &str, hint: String, in_keyring: bool| SecretStatus {
        name: name.into(),
        hint,
        in_keyring,
        pushed: pushed.is_some_and(|p| p.pushed.iter().any(|n| n == name)),
        confirmed: pushed.is_some_and(|p| p.confirmed.iter().any(|n| n == name)),
    };
    let mut all = vec![
        status(STRIPE_SECRET_KEY, key_hint, key_in_keyring),
        status(crate::webhook::SECRET_VAR, whsec.clone().unwrap_or_else(|| "not created yet".into()), whsec.is_some()),
    ];
    for p in input.catalog.price_ids.iter().flatten() {
        all.push(status(&p.name, p.price_id.clone(), false));
    }
    if let Some(portal) = &input.catalog.portal {
        all.push(status(crate::catalog::portal::PORTAL_VAR, portal.id.clone(), false));
    }
    all
}
