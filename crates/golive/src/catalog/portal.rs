//! The live customer portal configuration: reuse one that lets customers update payment
//! methods, cancel subscriptions and view invoices (the seed's defaults), else create one.
//! Its `bpc_` id becomes `STRIPE_PORTAL_CONFIG_ID`.

use crate::stripe_api::{with_retries, ApiFailure, Client};
use serde::{Deserialize, Serialize};

pub const PORTAL_VAR: &str = "STRIPE_PORTAL_CONFIG_ID";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalOutcome {
    pub id: String,
    /// True when an existing configuration was good enough.
    pub reused: bool,
}

#[derive(Deserialize)]
struct Toggle {
    enabled: bool,
}

#[derive(Deserialize)]
struct Features {
    invoice_history: Toggle,
    payment_method_update: Toggle,
    subscription_cancel: Toggle,
}

#[derive(Deserialize)]
struct Configuration {
    id: String,
    is_default: bool,
    features: Features,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Configuration>,
}

impl Configuration {
    fn has_the_defaults(&self) -> bool {
        self.features.invoice_history.enabled
            && self.features.payment_method_update.enabled
            && self.features.subscription_cancel.enabled
    }
}

pub async fn ensure_portal(client: &Client) -> Result<PortalOutcome, ApiFailure> {
    #[derive(Serialize)]
    struct Query {
        active: bool,
        limit: u32,
    }
    let page: Page =
        with_retries(|| client.get_query("/billing_portal/configurations", Query { active: true, limit: 100 })).await?;
    let mut usable: Vec<&Configuration> = page.data.iter().filter(|c| c.has_the_defaults()).collect();
    usable.sort_by_key(|c| !c.is_default);
    if let Some(found) = usable.first() {
        return Ok(PortalOutcome { id: found.id.clone(), reused: true });
    }
    let form = [
        ("features[payment_method_update][enabled]", "true"),
        ("features[subscription_cancel][enabled]", "true"),
        ("features[subscription_cancel][mode]", "at_period_end"),
        ("features[invoice_history][enabled]", "true"),
        ("metadata[golive_source]", "portal-defaults"),
    ];
    let form: std::collections::BTreeMap<&str, &str> = form.into_iter().collect();
    // A key of this run's own: a retry within the run is answered once; a later run finds what
    // landed by listing first (above), and a fixed key would replay an old, maybe deactivated,
    // configuration for 24 hours.
    let client = client.clone().with_idempotency_key(format!("golive-portal-defaults-{}", crate::nonce::token(16)));
    #[derive(Deserialize)]
    struct IdOnly {
        id: String,
    }
    let created: IdOnly = with_retries(|| client.post_form("/billing_portal/configurations", &form)).await?;
    Ok(PortalOutcome { id: created.id, reused: false })
}
