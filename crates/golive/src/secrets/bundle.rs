//! The values the Worker needs, gathered from where golive keeps them: the live Stripe key
//! (from Connect, else the keyring) and the webhook secret from the keyring; price and
//! portal ids from the session. Secret values are kept in the keyring as they are gathered.

use super::{SecretStatus, SecretsError};
use crate::catalog::portal::PORTAL_VAR;
use crate::catalog::CatalogRecord;
use crate::keystore::{self, EntryName, KeystoreError, STRIPE_SECRET_KEY};
use crate::stripe_key::{hint_of, StripeKey};
use crate::webhook::SECRET_VAR;
use secrecy::{ExposeSecret, SecretString};

/// One variable for the Worker.
pub struct SecretValue {
    pub name: String,
    pub value: SecretString,
    /// True for key material (kept in the keyring, shown as a hint); false for ids.
    pub secret: bool,
}

/// Everything to push, in a stable order.
pub struct Bundle {
    pub values: Vec<SecretValue>,
}

impl Bundle {
    /// Refuses two values under one name: `secret bulk` would keep one and drop the other,
    /// and `secret list` would still show the name, so the loss would pass unnoticed.
    pub fn check_unique(&self) -> Result<(), SecretsError> {
        let mut seen = std::collections::BTreeSet::new();
        match self.values.iter().find(|v| !seen.insert(v.name.as_str())) {
            Some(twice) => Err(SecretsError::DuplicateName(twice.name.clone())),
            None => Ok(()),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.values.iter().map(|v| v.name.clone()).collect()
    }

    /// The whole bundle as the JSON object `wrangler secret bulk` reads on stdin.
    pub fn to_bulk_json(&self) -> SecretString {
        let map: serde_json::Map<String, serde_json::Value> = self
            .values
            .iter()
            .map(|v| (v.name.clone(), serde_json::Value::String(v.value.expose_secret().to_string())))
            .collect();
        SecretString::from(serde_json::Value::Object(map).to_string())
    }

    pub fn statuses(&self) -> Vec<SecretStatus> {
        self.values
            .iter()
            .map(|v| SecretStatus {
                name: v.name.clone(),
                hint: if v.secret { hint_of(v.value.expose_secret()) } else { v.value.expose_secret().to_string() },
                in_keyring: v.secret,
                pushed: false,
                confirmed: false,
            })
            .collect()
    }
}

async fn keyring_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KeystoreError> + Send + 'static,
) -> Result<T, SecretsError> {
    keystore::blocking(f).await.map_err(SecretsError::Keyring)
}

/// Gathers the bundle for `project` (the Worker script). `live_key` is the key Connect
/// accepted, when the app still holds it; it is (re)stored in the keyring.
pub async fn gather(
    catalog: &CatalogRecord,
    project: &str,
    live_key: Option<&StripeKey>,
) -> Result<Bundle, SecretsError> {
    // What the Catalog step recorded comes first and is checked whole before the keyring is touched.
    let price_ids = catalog.price_ids.clone().filter(|p| !p.is_empty()).ok_or_else(|| SecretsError::Missing {
        name: "STRIPE_PRICE_ID_*".into(),
        fix: "Finish the Catalog step first: it collects the live price ids.".into(),
    })?;
    let portal = catalog.portal.clone().ok_or_else(|| SecretsError::Missing {
        name: PORTAL_VAR.into(),
        fix: "Finish the Catalog step first: it sets up the customer portal.".into(),
    })?;
    let mut ids: Vec<SecretValue> = price_ids
        .into_iter()
        .map(|p| SecretValue { name: p.name, value: SecretString::from(p.price_id), secret: false })
        .collect();
    ids.push(SecretValue { name: PORTAL_VAR.into(), value: SecretString::from(portal.id), secret: false });
    let placeholder = |name: &str| SecretValue { name: name.into(), value: SecretString::from(""), secret: true };
    let mut bundle = Bundle { values: vec![placeholder(STRIPE_SECRET_KEY), placeholder(SECRET_VAR)] };
    bundle.values.extend(ids);
    bundle.check_unique()?;

    let key_entry = EntryName::new(project, true, STRIPE_SECRET_KEY);
    let webhook_entry = EntryName::new(project, true, SECRET_VAR);
    let whsec = {
        let entry = webhook_entry.clone();
        keyring_blocking(move || keystore::get(&entry)).await?.ok_or_else(|| SecretsError::Missing {
            name: SECRET_VAR.into(),
            fix: format!(
                "The keyring has no {}. Run the Webhook step again: it makes a new endpoint and keeps its secret.",
                webhook_entry.user()
            ),
        })?
    };
    let stripe_key = match live_key {
        Some(key) => {
            let (entry, value) = (key_entry.clone(), key.secret());
            keyring_blocking(move || keystore::put(&entry, &value)).await?;
            key.secret()
        }
        None => {
            let entry = key_entry.clone();
            keyring_blocking(move || keystore::get(&entry)).await?.ok_or_else(|| SecretsError::Missing {
                name: STRIPE_SECRET_KEY.into(),
                fix: "golive keeps the live key in memory until it is pushed: go back to Connect, press Check, then return here.".into(),
            })?
        }
    };
    bundle.values[0].value = stripe_key;
    bundle.values[1].value = whsec;
    Ok(bundle)
}
