//! The Catalog step: read test and live catalogs, validate the tiers, plan the difference,
//! and create only what is missing in live mode (products, prices, the Billing Meters metered
//! prices bill by, each product's default price) — safe to run again after any failure, at
//! any later time: copies are found by `metadata.golive_source`, never by an old key.

pub mod apply;
pub mod forms;
pub mod model;
pub mod plan;
pub mod portal;
pub mod price_ids;
pub mod read;
pub mod validate;

pub use apply::{apply, ApplyOptions, ApplyOutcome, Created};
pub use model::Catalog;
pub use plan::{Action, CatalogPlan, PlanRow};
pub use validate::{validate, ValidateOptions};

use crate::environment::Environment;
use crate::stripe_api::{self, ApiFailure};
use crate::stripe_key::StripeKey;
use serde::{Deserialize, Serialize};

/// What the Catalog step created and found; ids only, recorded as each write lands.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CatalogRecord {
    pub created: Vec<Created>,
    /// Filled once live mode has every tier: the catalog step is done.
    pub price_ids: Option<Vec<price_ids::PriceIdVar>>,
    pub portal: Option<portal::PortalOutcome>,
}

/// Reads both catalogs (and both modes' Billing Meters when a test price uses one) and plans
/// (read-only).
pub async fn plan_catalog(
    env: &Environment,
    test_key: &StripeKey,
    live_key: &StripeKey,
    options: &ValidateOptions,
) -> Result<(Catalog, CatalogPlan), ApiFailure> {
    let test_client = stripe_api::client(env, test_key);
    let live_client = stripe_api::client(env, live_key);
    let (mut test, mut live) = tokio::try_join!(read::read_catalog(&test_client), read::read_catalog(&live_client))?;
    if test.prices.iter().any(|p| p.recurring.as_ref().is_some_and(|r| r.meter.is_some())) {
        let (test_meters, live_meters) =
            tokio::try_join!(read::read_meters(&test_client), read::read_meters(&live_client))?;
        test.meters = test_meters;
        live.meters = live_meters;
    }
    let validation = validate(&test, options);
    let plan = plan::plan(&test, &live, validation);
    Ok((test, plan))
}
