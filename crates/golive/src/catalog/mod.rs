//! The Catalog step: read test and live catalogs, validate the tiers, plan the difference,
//! and create only what is missing in live mode — safe to run again after any failure.

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

/// Reads both catalogs and plans (read-only).
pub async fn plan_catalog(
    env: &Environment,
    test_key: &StripeKey,
    live_key: &StripeKey,
    options: &ValidateOptions,
) -> Result<(Catalog, CatalogPlan), ApiFailure> {
    let test_client = stripe_api::client(env, test_key);
    let live_client = stripe_api::client(env, live_key);
    let (test, live) = tokio::try_join!(read::read_catalog(&test_client), read::read_catalog(&live_client))?;
    let validation = validate(&test, options);
    let plan = plan::plan(&test, &live, validation);
    Ok((test, plan))
}
