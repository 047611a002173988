//! The catalog plan (read-only): for every test product and price, what live mode needs —
//! create it, nothing (already live and identical), a conflict shown and never touched, or
//! skipped. Live objects are matched by `metadata.golive_source` (the test id golive writes
//! on everything it creates), then by `metadata.plan` and identical terms.

use super::model::{Catalog, Price, Product, PLAN_KEY, SOURCE_KEY};
use super::validate::{Problem, Validation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    CreateProduct,
    CreatePrice,
    /// Already in live mode with the same terms.
    Live {
        live_id: String,
    },
    /// Live mode has this tier with other terms: shown, never changed by golive.
    Conflict {
        live_id: String,
        reason: String,
    },
    Skipped {
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Object {
    Product,
    Price,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub object: Object,
    pub test_id: String,
    /// For a price: its test product.
    pub test_product: String,
    pub tier: Option<String>,
    pub name: String,
    /// For a price: "29.00 USD / month".
    pub terms: Option<String>,
    pub action: Action,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CatalogPlan {
    pub rows: Vec<PlanRow>,
    pub problems: Vec<Problem>,
    pub blocked: bool,
    /// Test product id → the tier it becomes in live mode.
    pub tiers: BTreeMap<String, String>,
}

impl CatalogPlan {
    /// How many objects apply would create.
    pub fn writes(&self) -> usize {
        self.rows.iter().filter(|r| matches!(r.action, Action::CreateProduct | Action::CreatePrice)).count()
    }

    pub fn is_complete(&self) -> bool {
        self.writes() == 0
    }
}

fn find_live_product<'a>(live: &'a Catalog, test: &Product, tier: &str) -> Option<&'a Product> {
    live.products.iter().find(|p| p.metadata.get(SOURCE_KEY) == Some(&test.id)).or_else(|| {
        live.products.iter().find(|p| p.active && p.metadata.get(PLAN_KEY).map(String::as_str) == Some(tier))
    })
}

fn price_action(live: &Catalog, live_product: &Product, test_price: &Price) -> Action {
    let live_prices: Vec<&Price> = live.prices_of(&live_product.id).collect();
    if let Some(copy) = live_prices.iter().find(|p| p.metadata.get(SOURCE_KEY) == Some(&test_price.id)) {
        return if !copy.active {
            Action::Conflict {
                live_id: copy.id.clone(),
                reason: "golive's live copy was archived; unarchive it in the Dashboard to use it again.".into(),
            }
        } else if copy.same_terms(test_price) {
            Action::Live { live_id: copy.id.clone() }
        } else {
            Action::Conflict { live_id: copy.id.clone(), reason: format!("the live copy is {}", copy.describe()) }
        };
    }
    let active: Vec<&&Price> = live_prices.iter().filter(|p| p.active).collect();
    if let Some(same) = active.iter().find(|p| p.same_terms(test_price)) {
        return Action::Live { live_id: same.id.clone() };
    }
    let rival = active.iter().find(|p| p.currency == test_price.currency && p.recurring == test_price.recurring);
    match rival {
        Some(other) => Action::Conflict {
            live_id: other.id.clone(),
            reason: format!("live already has {} for this tier; test has {}", other.describe(), test_price.describe()),
        },
        None => Action::CreatePrice,
    }
}

/// Compares the test catalog with live mode. Read-only.
pub fn plan(test: &Catalog, live: &Catalog, validation: Validation) -> CatalogPlan {
    let mut rows = Vec::new();
    for product in &test.products {
        let tier = validation.tiers.get(&product.id).cloned();
        let skip_reason = if !product.active {
            Some("archived in test mode".to_string())
        } else if tier.is_none()
            && validation.problems.iter().any(|p| p.product_id == product.id && p.suggestion.is_some())
        {
            Some("its tier needs the fix shown above".to_string())
        } else if tier.is_none() {
            Some("not a tier (no metadata.plan)".to_string())
        } else {
            None
        };
        let live_product = tier.as_deref().and_then(|t| find_live_product(live, product, t));
        let product_action = match (&skip_reason, live_product) {
            (Some(reason), _) => Action::Skipped { reason: reason.clone() },
            (None, Some(lp)) if !lp.active => Action::Conflict {
                live_id: lp.id.clone(),
                reason: "golive's live copy of this product was archived; unarchive it in the Dashboard.".into(),
            },
            (None, Some(lp)) => Action::Live { live_id: lp.id.clone() },
            (None, None) => Action::CreateProduct,
        };
        rows.push(PlanRow {
            object: Object::Product,
            test_id: product.id.clone(),
            test_product: product.id.clone(),
            tier: tier.clone(),
            name: product.name.clone(),
            terms: None,
            action: product_action.clone(),
        });
        for price in test.prices_of(&product.id) {
            let action = match (&product_action, live_product) {
                (Action::Skipped { reason }, _) => Action::Skipped { reason: reason.clone() },
                _ if !price.active => Action::Skipped { reason: "archived in test mode".into() },
                (Action::Conflict { .. }, _) => Action::Skipped { reason: "its product is in conflict".into() },
                (Action::CreateProduct, _) => Action::CreatePrice,
                (_, Some(lp)) => price_action(live, lp, price),
                (_, None) => Action::CreatePrice,
            };
            rows.push(PlanRow {
                object: Object::Price,
                test_id: price.id.clone(),
                test_product: product.id.clone(),
                tier: tier.clone(),
                name: product.name.clone(),
                terms: Some(price.describe()),
                action,
            });
        }
    }
    CatalogPlan { rows, blocked: validation.blocked(), problems: validation.problems, tiers: validation.tiers }
}
