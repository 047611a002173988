//! The form bodies golive sends to create live copies: every field that makes the copy
//! faithful, plus `metadata.golive_source` (the test id) so a re-run recognises it.

use super::model::{Price, Product, PLAN_KEY, SOURCE_KEY};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Form fields in Stripe's bracket notation, sorted so the same copy always hashes the same.
pub type Form = BTreeMap<String, String>;

pub fn product_form(test: &Product, tier: &str) -> Form {
    let mut form = Form::new();
    form.insert("name".into(), test.name.clone());
    let optional = [
        ("description", &test.description),
        ("statement_descriptor", &test.statement_descriptor),
        ("tax_code", &test.tax_code),
        ("unit_label", &test.unit_label),
        ("url", &test.url),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            form.insert(key.into(), v.clone());
        }
    }
    for (i, image) in test.images.iter().enumerate() {
        form.insert(format!("images[{i}]"), image.clone());
    }
    for (k, v) in &test.metadata {
        form.insert(format!("metadata[{k}]"), v.clone());
    }
    // The tier as the app expects it (a renamed key or corrected case replaces the old one).
    form.retain(|k, _| !k.starts_with("metadata[") || !k[9..].eq_ignore_ascii_case("plan]"));
    form.insert(format!("metadata[{PLAN_KEY}]"), tier.to_string());
    form.insert(format!("metadata[{SOURCE_KEY}]"), test.id.clone());
    form
}

pub fn price_form(test: &Price, live_product: &str) -> Form {
    let mut form = Form::new();
    form.insert("product".into(), live_product.to_string());
    form.insert("currency".into(), test.currency.clone());
    form.insert("billing_scheme".into(), test.billing_scheme.clone());
    if test.billing_scheme == "tiered" {
        if let Some(mode) = &test.tiers_mode {
            form.insert("tiers_mode".into(), mode.clone());
        }
        for (i, tier) in test.tiers.iter().flatten().enumerate() {
            let up_to = tier.up_to.map(|n| n.to_string()).unwrap_or_else(|| "inf".into());
            form.insert(format!("tiers[{i}][up_to]"), up_to);
            let amounts = [
                ("unit_amount_decimal", tier.unit_amount_decimal.clone().or(tier.unit_amount.map(|a| a.to_string()))),
                ("flat_amount_decimal", tier.flat_amount_decimal.clone().or(tier.flat_amount.map(|a| a.to_string()))),
            ];
            for (key, value) in amounts {
                if let Some(v) = value {
                    form.insert(format!("tiers[{i}][{key}]"), v);
                }
            }
        }
    } else if let Some(amount) = test.unit_amount {
        form.insert("unit_amount".into(), amount.to_string());
    } else if let Some(decimal) = &test.unit_amount_decimal {
        form.insert("unit_amount_decimal".into(), decimal.clone());
    }
    if let Some(r) = &test.recurring {
        form.insert("recurring[interval]".into(), r.interval.clone());
        form.insert("recurring[interval_count]".into(), r.interval_count.to_string());
        form.insert("recurring[usage_type]".into(), r.usage_type.clone());
    }
    if let Some(t) = &test.transform_quantity {
        form.insert("transform_quantity[divide_by]".into(), t.divide_by.to_string());
        form.insert("transform_quantity[round]".into(), t.round.clone());
    }
    for (code, option) in test.currency_options.iter().filter(|(code, _)| **code != test.currency) {
        match (option.unit_amount, &option.unit_amount_decimal) {
            (Some(amount), _) => form.insert(format!("currency_options[{code}][unit_amount]"), amount.to_string()),
            (None, Some(decimal)) => {
                form.insert(format!("currency_options[{code}][unit_amount_decimal]"), decimal.clone())
            }
            (None, None) => None,
        };
        if let Some(tax) = &option.tax_behavior {
            form.insert(format!("currency_options[{code}][tax_behavior]"), tax.clone());
        }
    }
    if let Some(key) = &test.lookup_key {
        form.insert("lookup_key".into(), key.clone());
    }
    if let Some(tax) = &test.tax_behavior {
        form.insert("tax_behavior".into(), tax.clone());
    }
    if let Some(nickname) = &test.nickname {
        form.insert("nickname".into(), nickname.clone());
    }
    for (k, v) in &test.metadata {
        form.insert(format!("metadata[{k}]"), v.clone());
    }
    form.insert(format!("metadata[{SOURCE_KEY}]"), test.id.clone());
    form
}

/// `golive-<kind>-<test id>-<hash of the body>`: the same copy always sends the same key (a
/// retry after a crash is answered with the first result), a changed copy a new one.
pub fn idempotency_key(kind: &str, test_id: &str, form: &Form) -> String {
    let mut hasher = Sha256::new();
    for (k, v) in form {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("golive-{kind}-{test_id}-{short}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product() -> Product {
        Product {
            id: "prod_T".into(),
            name: "Pro Plan".into(),
            active: true,
            description: Some("Unlimited".into()),
            images: vec![],
            statement_descriptor: None,
            tax_code: None,
            unit_label: None,
            url: None,
            metadata: [("Plan".to_string(), "Pro".to_string()), ("team".to_string(), "x".to_string())].into(),
        }
    }

    #[test]
    fn the_live_product_carries_the_corrected_tier_and_its_source() {
        let form = product_form(&product(), "pro");
        assert_eq!(form["metadata[plan]"], "pro");
        assert!(!form.contains_key("metadata[Plan]"));
        assert_eq!(form["metadata[team]"], "x");
        assert_eq!(form["metadata[golive_source]"], "prod_T");
    }

    #[test]
    fn keys_are_stable_for_the_same_copy_and_change_with_it() {
        let a = product_form(&product(), "pro");
        let mut b = a.clone();
        assert_eq!(idempotency_key("product", "prod_T", &a), idempotency_key("product", "prod_T", &b));
        b.insert("name".into(), "Pro".into());
        assert_ne!(idempotency_key("product", "prod_T", &a), idempotency_key("product", "prod_T", &b));
    }
}
