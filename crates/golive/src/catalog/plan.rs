//! The catalog plan (read-only): for every test product, price, Billing Meter a copied price
//! uses, and product default price, what live mode needs — create it (set it, for a default
//! price), nothing (already live and the same), a conflict shown and never touched, or
//! skipped — and, per item, the fields that will not be copied and why.
//!
//! Live objects are matched by `metadata.golive_source` (the test id golive writes on
//! everything it creates) first, then by a product id the user chose, then by
//! `metadata.plan` and identical terms; meters (which carry no metadata) by `event_name`.
//! Terms compare normalised amounts (`1000` = `"1000.0"`), tiers and currency options
//! included, and meters by event name, so golive's own copy never shows as a conflict.

use super::forms::{generated_product_id, product_omissions, Omission};
use super::model::{Catalog, Meter, Price, Product, PLAN_KEY, SOURCE_KEY};
use super::validate::{Problem, Validation};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    CreateProduct,
    CreatePrice,
    /// Copy a Billing Meter a copied metered price bills by.
    CreateMeter,
    /// Set golive's live product's `default_price` to the live copy of the test default price.
    SetDefaultPrice,
    /// Already in live mode with the same terms (for a default price: already set).
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
#[serde(rename_all = "snake_case")]
pub enum Object {
    Product,
    Price,
    Meter,
    /// A product's `default_price` (`test_id` is the test default price).
    DefaultPrice,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub object: Object,
    pub test_id: String,
    /// For a price or a default price: its test product (a meter: empty).
    pub test_product: String,
    pub tier: Option<String>,
    pub name: String,
    /// For a price: "29.00 USD / month"; a meter: its event name and formula.
    pub terms: Option<String>,
    pub action: Action,
    /// Fields of the test object the live copy will not have, each with why and what to do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_copied: Vec<Omission>,
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
    /// How many writes apply would make.
    pub fn writes(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| {
                matches!(
                    r.action,
                    Action::CreateProduct | Action::CreatePrice | Action::CreateMeter | Action::SetDefaultPrice
                )
            })
            .count()
    }

    pub fn is_complete(&self) -> bool {
        self.writes() == 0
    }

    /// The live id a row already has (its `Live` action).
    pub fn live_id(&self, object: Object, test_id: &str) -> Option<&str> {
        self.rows.iter().find(|r| r.object == object && r.test_id == test_id).and_then(|r| match &r.action {
            Action::Live { live_id } => Some(live_id.as_str()),
            _ => None,
        })
    }
}

fn find_live_product<'a>(live: &'a Catalog, test: &Product, tier: &str) -> Option<&'a Product> {
    live.products
        .iter()
        .find(|p| p.metadata.get(SOURCE_KEY) == Some(&test.id))
        .or_else(|| (!generated_product_id(&test.id)).then(|| live.products.iter().find(|p| p.id == test.id)).flatten())
        .or_else(|| {
            live.products.iter().find(|p| p.active && p.metadata.get(PLAN_KEY).map(String::as_str) == Some(tier))
        })
}

/// The live meter a test meter is copied to: the one with its `event_name`.
fn find_live_meter<'a>(live: &'a Catalog, test: &Meter) -> Option<&'a Meter> {
    live.meters.iter().find(|m| m.event_name == test.event_name)
}

fn meter_action(live: &Catalog, test: &Meter) -> Action {
    match find_live_meter(live, test) {
        None => Action::CreateMeter,
        Some(m) if m.status != "active" => Action::Conflict {
            live_id: m.id.clone(),
            reason: format!("the live meter for “{}” is deactivated; reactivate it in the Dashboard (Billing → Meters), then plan again.", m.event_name),
        },
        Some(m) if !m.same_settings(test) => Action::Conflict {
            live_id: m.id.clone(),
            reason: format!(
                "the live meter for “{}” aggregates differently ({}, customer key “{}”, value key “{}”) than the test one ({}, “{}”, “{}”); make them the same in the Dashboard, then plan again.",
                m.event_name,
                m.default_aggregation.formula,
                m.customer_mapping.event_payload_key,
                m.value_settings.event_payload_key,
                test.default_aggregation.formula,
                test.customer_mapping.event_payload_key,
                test.value_settings.event_payload_key
            ),
        },
        Some(m) => Action::Live { live_id: m.id.clone() },
    }
}

fn price_action(test: &Catalog, live: &Catalog, live_product: &Product, test_price: &Price) -> Action {
    let live_prices: Vec<&Price> = live.prices_of(&live_product.id).collect();
    let same = |p: &Price| p.same_terms(&live.meters, test_price, &test.meters);
    if let Some(copy) = live_prices.iter().find(|p| p.metadata.get(SOURCE_KEY) == Some(&test_price.id)) {
        return if !copy.active {
            Action::Conflict {
                live_id: copy.id.clone(),
                reason: "golive's live copy was archived; unarchive it in the Dashboard to use it again.".into(),
            }
        } else if same(copy) {
            Action::Live { live_id: copy.id.clone() }
        } else {
            Action::Conflict { live_id: copy.id.clone(), reason: format!("the live copy is {}", copy.describe()) }
        };
    }
    // A price golive copied from another test price is that one's copy, not this one's.
    let unclaimed: Vec<&Price> =
        live_prices.iter().copied().filter(|p| p.active && !p.metadata.contains_key(SOURCE_KEY)).collect();
    if let Some(found) = unclaimed.iter().find(|p| same(p)) {
        return Action::Live { live_id: found.id.clone() };
    }
    let rival = unclaimed.iter().find(|p| {
        p.currency == test_price.currency
            && p.recurring.as_ref().map(|r| (&r.interval, r.interval_count, &r.usage_type))
                == test_price.recurring.as_ref().map(|r| (&r.interval, r.interval_count, &r.usage_type))
    });
    match rival {
        Some(other) => Action::Conflict {
            live_id: other.id.clone(),
            reason: format!("live already has {} for this tier; test has {}", other.describe(), test_price.describe()),
        },
        None => Action::CreatePrice,
    }
}

/// What of a test price its live copy will not have.
fn price_omissions(live: &Catalog, test_price: &Price) -> Vec<Omission> {
    let mut out = Vec::new();
    if let Some(key) = &test_price.lookup_key {
        let holder = live
            .prices
            .iter()
            .find(|p| p.lookup_key.as_ref() == Some(key) && p.metadata.get(SOURCE_KEY) != Some(&test_price.id));
        if let Some(holder) = holder {
            out.push(Omission {
                field: "lookup_key".into(),
                reason: format!("“{key}” already belongs to live price {}; golive does not take it away (that would change what your app finds by it). If the copy should own it, move it in the Dashboard (Products → the price → Lookup key)." , holder.id),
            });
        }
    }
    out
}

/// Compares the test catalog with live mode. Read-only.
pub fn plan(test: &Catalog, live: &Catalog, validation: Validation) -> CatalogPlan {
    let mut rows = Vec::new();
    let mut meters_needed: BTreeSet<String> = BTreeSet::new();
    let mut default_rows = Vec::new();
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
        let copied = matches!(product_action, Action::CreateProduct | Action::Live { .. });
        rows.push(PlanRow {
            object: Object::Product,
            test_id: product.id.clone(),
            test_product: product.id.clone(),
            tier: tier.clone(),
            name: product.name.clone(),
            terms: None,
            action: product_action.clone(),
            not_copied: if product_action == Action::CreateProduct { product_omissions(product) } else { vec![] },
        });
        for price in test.prices_of(&product.id) {
            let meter = price.recurring.as_ref().and_then(|r| r.meter.as_ref());
            let meter_blocked = meter.and_then(|id| match test.meter(id) {
                None => Some(format!("its meter {id} could not be read in test mode")),
                Some(m) => match meter_action(live, m) {
                    Action::Conflict { reason, .. } => Some(format!("its meter is in conflict: {reason}")),
                    _ => None,
                },
            });
            let action = match (&product_action, live_product) {
                (Action::Skipped { reason }, _) => Action::Skipped { reason: reason.clone() },
                _ if !price.active => Action::Skipped { reason: "archived in test mode".into() },
                (Action::Conflict { .. }, _) => Action::Skipped { reason: "its product is in conflict".into() },
                _ if meter_blocked.is_some() => Action::Skipped { reason: meter_blocked.clone().expect("checked") },
                (Action::CreateProduct, _) => Action::CreatePrice,
                (_, Some(lp)) => price_action(test, live, lp, price),
                (_, None) => Action::CreatePrice,
            };
            if copied && price.active {
                if let Some(id) = meter {
                    meters_needed.insert(id.clone());
                }
            }
            let not_copied = if action == Action::CreatePrice { price_omissions(live, price) } else { vec![] };
            rows.push(PlanRow {
                object: Object::Price,
                test_id: price.id.clone(),
                test_product: product.id.clone(),
                tier: tier.clone(),
                name: product.name.clone(),
                terms: Some(price.describe()),
                action,
                not_copied,
            });
        }
        if copied {
            if let Some(default) = &product.default_price {
                default_rows.push(default_price_row(test, product, tier.clone(), live_product, default, &rows));
            }
        }
    }
    let meter_rows = meters_needed.iter().filter_map(|id| test.meter(id)).map(|m| PlanRow {
        object: Object::Meter,
        test_id: m.id.clone(),
        test_product: String::new(),
        tier: None,
        name: m.display_name.clone(),
        terms: Some(format!("meter “{}” ({})", m.event_name, m.default_aggregation.formula)),
        action: meter_action(live, m),
        not_copied: vec![],
    });
    let mut all: Vec<PlanRow> = meter_rows.collect();
    all.extend(rows);
    all.extend(default_rows);
    CatalogPlan { rows: all, blocked: validation.blocked(), problems: validation.problems, tiers: validation.tiers }
}

/// Whether the live product's `default_price` is (or will be) the copy of the test one.
fn default_price_row(
    test: &Catalog,
    product: &Product,
    tier: Option<String>,
    live_product: Option<&Product>,
    test_default: &str,
    rows: &[PlanRow],
) -> PlanRow {
    let price_row = rows.iter().find(|r| r.object == Object::Price && r.test_id == test_default);
    let terms = test.prices.iter().find(|p| p.id == test_default).map(Price::describe);
    let ours = live_product.is_none_or(|lp| lp.metadata.get(SOURCE_KEY) == Some(&product.id));
    let action = match price_row.map(|r| &r.action) {
        None => Action::Skipped {
            reason: format!("the test default price {test_default} was not found among the product's prices"),
        },
        Some(Action::Skipped { reason }) => Action::Skipped { reason: format!("its price is not copied ({reason})") },
        Some(Action::Conflict { .. }) => Action::Skipped { reason: "its price is in conflict".into() },
        Some(Action::Live { live_id }) if live_product.and_then(|lp| lp.default_price.as_ref()) == Some(live_id) => {
            Action::Live { live_id: live_id.clone() }
        }
        Some(_) if ours => Action::SetDefaultPrice,
        Some(Action::Live { live_id }) => Action::Skipped {
            reason: format!(
                "the live product was not made by golive, so its default price is left as it is; to match test mode, make {live_id} its default price in the Dashboard."
            ),
        },
        Some(_) => Action::Skipped {
            reason: "the live product was not made by golive, so its default price is left as it is.".into(),
        },
    };
    PlanRow {
        object: Object::DefaultPrice,
        test_id: test_default.to_string(),
        test_product: product.id.clone(),
        tier,
        name: product.name.clone(),
        terms,
        action,
        not_copied: vec![],
    }
}
