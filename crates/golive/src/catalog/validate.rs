//! Checks the test catalog before anything is written: every tier has `metadata.plan`,
//! lowercase with no spaces (the seed's "Pro" vs "pro" trap), under exactly the key `plan`,
//! claimed by one product only, and known to the app when the user lists its tier names.

use super::model::{Catalog, Product, PLAN_KEY};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Nothing is written until it is fixed (or its suggestion accepted).
    Blocking,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub product_id: String,
    pub product_name: String,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub fix: String,
    /// The corrected `plan` value golive offers to use in live mode.
    pub suggestion: Option<String>,
}

/// What the user told golive about their app.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ValidateOptions {
    /// The tier names the app's code expects (e.g. its TIER_CONFIG keys), if given.
    pub expected_tiers: Option<Vec<String>>,
    /// Use golive's suggested `plan` values (lowercased, key renamed) in live mode.
    pub accept_suggestions: bool,
}

/// The result: each active product's tier as it will be written in live, and the problems.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    pub tiers: BTreeMap<String, String>,
    pub problems: Vec<Problem>,
}

impl Validation {
    pub fn blocked(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Blocking)
    }
}

const ALIAS_KEYS: [&str; 6] = ["tier", "plan_id", "plan_name", "tier_name", "subscription_plan", "product_tier"];

/// The value golive suggests: trimmed, lowercase, inner spaces as dashes.
pub fn normalise_plan(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join("-").to_lowercase()
}

fn problem(
    p: &Product,
    severity: Severity,
    code: &str,
    message: String,
    fix: String,
    suggestion: Option<String>,
) -> Problem {
    Problem {
        product_id: p.id.clone(),
        product_name: p.name.clone(),
        severity,
        code: code.into(),
        message,
        fix,
        suggestion,
    }
}

/// Records a tier problem golive can fix with `fixed`: blocking unless the user accepted
/// golive's suggestions, in which case `fixed` is the tier written in live mode.
fn suggest(
    v: &mut Validation,
    product: &Product,
    options: &ValidateOptions,
    code: &str,
    message: String,
    fix: String,
    fixed: String,
) -> Option<String> {
    let severity = if options.accept_suggestions { Severity::Warning } else { Severity::Blocking };
    v.problems.push(problem(product, severity, code, message, fix, Some(fixed.clone())));
    options.accept_suggestions.then_some(fixed)
}

pub fn validate(test: &Catalog, options: &ValidateOptions) -> Validation {
    let mut v = Validation::default();
    for product in test.products.iter().filter(|p| p.active) {
        let has_prices = test.prices_of(&product.id).any(|p| p.active);
        let tier = match product.metadata.get(PLAN_KEY) {
            Some(value) => {
                let fixed = normalise_plan(value);
                if &fixed == value {
                    Some(fixed)
                } else {
                    suggest(
                        &mut v,
                        product,
                        options,
                        "plan_not_lowercase",
                        format!("metadata.plan is “{value}”; the app compares tier names exactly, so “{value}” would not match “{fixed}” and the customer would stay on the free tier."),
                        format!("Use “{fixed}” in live mode (golive can do it), and fix the test product too."),
                        fixed,
                    )
                }
            }
            None => {
                let alias = product.metadata.iter().find(|(k, _)| {
                    let k = k.to_lowercase();
                    k == PLAN_KEY || ALIAS_KEYS.contains(&k.as_str())
                });
                match alias {
                    Some((key, value)) => {
                        let fixed = normalise_plan(value);
                        suggest(
                            &mut v,
                            product,
                            options,
                            "plan_key",
                            format!("The tier is under metadata.{key}; the app reads metadata.plan, so this product would not set a tier."),
                            format!("Write it as plan = “{fixed}” in live mode (golive can do it), and rename the key in test mode too."),
                            fixed,
                        )
                    }
                    None => {
                        if has_prices {
                            let guess =
                                normalise_plan(product.name.trim_end_matches(" Plan").trim_end_matches(" plan"));
                            v.problems.push(problem(
                                product,
                                Severity::Warning,
                                "no_plan",
                                "No metadata.plan: golive treats this product as not a tier and will not copy it.".into(),
                                format!("If it is a tier, add plan = “{guess}” to its metadata in test mode (Dashboard → Products → the product → Metadata), then plan again."),
                                None,
                            ));
                        }
                        None
                    }
                }
            }
        };
        if let Some(tier) = tier {
            v.tiers.insert(product.id.clone(), tier);
        }
    }
    flag_duplicates(test, &mut v);
    flag_unknown_tiers(test, options, &mut v);
    flag_unspecified_tax(test, &mut v);
    v
}

fn flag_duplicates(test: &Catalog, v: &mut Validation) {
    let mut by_tier: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (product_id, tier) in &v.tiers {
        by_tier.entry(tier.as_str()).or_default().push(product_id.as_str());
    }
    let mut found = Vec::new();
    for (tier, ids) in by_tier.iter().filter(|(_, ids)| ids.len() > 1) {
        for id in ids {
            let product = test.products.iter().find(|p| &p.id == id).expect("tier of a known product");
            found.push(problem(
                product,
                Severity::Blocking,
                "duplicate_tier",
                format!("{} active products claim tier “{tier}”; a checkout could set either.", ids.len()),
                "Archive the extra product in test mode, or give it its own tier name, then plan again.".into(),
                None,
            ));
        }
    }
    v.problems.extend(found);
}

fn flag_unknown_tiers(test: &Catalog, options: &ValidateOptions, v: &mut Validation) {
    let Some(expected) = &options.expected_tiers else { return };
    let mut found = Vec::new();
    for (product_id, tier) in &v.tiers {
        if !expected.contains(tier) {
            let product = test.products.iter().find(|p| &p.id == product_id).expect("known product");
            found.push(problem(
                product,
                Severity::Blocking,
                "unknown_tier",
                format!("Tier “{tier}” is not one your app knows ({}).", expected.join(", ")),
                "Set metadata.plan to one of the app's tier names, or add this tier to the app's list.".into(),
                None,
            ));
        }
    }
    v.problems.extend(found);
}

fn flag_unspecified_tax(test: &Catalog, v: &mut Validation) {
    let mut found = Vec::new();
    for product in test.products.iter().filter(|p| v.tiers.contains_key(&p.id)) {
        let unspecified = test
            .prices_of(&product.id)
            .any(|p| p.active && p.tax_behavior.as_deref().unwrap_or("unspecified") == "unspecified");
        if unspecified {
            found.push(problem(
                product,
                Severity::Warning,
                "tax_behavior_unspecified",
                "A price has no tax behaviour. Once a live price is used with Stripe Tax, inclusive or exclusive must be set and can then never change.".into(),
                "Decide now whether prices include tax; set tax_behavior on the test price, then plan again — or go ahead and set it on the live price before first use.".into(),
                None,
            ));
        }
    }
    v.problems.extend(found);
}
