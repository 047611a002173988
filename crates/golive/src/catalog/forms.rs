//! The form bodies golive sends to create live copies, plus `metadata.golive_source` (the
//! test id) so a re-run recognises them, and the list of what it does not copy and why.
//!
//! The rule: every field Stripe lets you write on create (`ProductCreateParams`,
//! `PriceCreateParams`, `Billing.MeterCreateParams` in npm `stripe` 23.1.0) is copied, with
//! test-mode ids swapped for their live copies (product, meter); a field that cannot be
//! copied is named in the plan, per item, with the reason and what to do
//! ([`product_omissions`], and the price ones the plan adds). Never sent: `active` (copies are
//! active; archived originals are not copied), `transfer_lookup_key` (golive never takes a
//! lookup key from another live price), `default_price_data` / `product_data` (prices are
//! copied one by one, then the default price is set on the product).

use super::model::{Meter, Price, Product, Tier, PLAN_KEY, SOURCE_KEY};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Form fields in Stripe's bracket notation, sorted so the same copy always hashes the same.
pub type Form = BTreeMap<String, String>;

/// A field of a test object that golive does not copy to live mode, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omission {
    pub field: String,
    pub reason: String,
}

/// Images Stripe hosts for the test account (file links) do not serve live mode.
fn test_hosted(url: &str) -> bool {
    url.starts_with("https://files.stripe.com/") || url.starts_with("http://files.stripe.com/")
}

/// An id Stripe generated (`prod_` and 14 letters or digits), as opposed to one the user chose.
pub fn generated_product_id(id: &str) -> bool {
    id.strip_prefix("prod_").is_some_and(|rest| rest.len() == 14 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// What of `test` the live copy will not have, with the reason and the fix.
pub fn product_omissions(test: &Product) -> Vec<Omission> {
    let mut out = Vec::new();
    for (i, image) in test.images.iter().enumerate().filter(|(_, url)| test_hosted(url)) {
        out.push(Omission {
            field: format!("images[{i}]"),
            reason: format!("{image} is a file uploaded in test mode; live mode cannot show it. Upload the image to the live product in the Dashboard."),
        });
    }
    if let Some(location) = test.tax_details.as_ref().and_then(|t| t.performance_location.as_ref()) {
        out.push(Omission {
            field: "tax_details.performance_location".into(),
            reason: format!("{location} is a test-mode tax location. Create the performance location in live mode (Tax → Locations) and set it on the live product."),
        });
    }
    out
}

pub fn product_form(test: &Product, tier: &str) -> Form {
    let mut form = Form::new();
    form.insert("name".into(), test.name.clone());
    if !generated_product_id(&test.id) {
        // An id the user chose may be what their code looks the product up by.
        form.insert("id".into(), test.id.clone());
    }
    form.insert("type".into(), test.kind.clone());
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
    let images = test.images.iter().filter(|url| !test_hosted(url));
    for (i, image) in images.enumerate() {
        form.insert(format!("images[{i}]"), image.clone());
    }
    let features = test.marketing_features.iter().filter_map(|f| f.name.as_ref());
    for (i, name) in features.enumerate() {
        form.insert(format!("marketing_features[{i}][name]"), name.clone());
    }
    if let Some(d) = &test.package_dimensions {
        for (key, value) in [("height", d.height), ("length", d.length), ("weight", d.weight), ("width", d.width)] {
            form.insert(format!("package_dimensions[{key}]"), value.to_string());
        }
    }
    if let Some(shippable) = test.shippable {
        form.insert("shippable".into(), shippable.to_string());
    }
    // `tax_details.tax_code` mirrors `tax_code`; one of them is enough (its performance
    // location is a test-mode id: see `product_omissions`).
    if let (None, Some(code)) = (&test.tax_code, test.tax_details.as_ref().and_then(|t| t.tax_code.as_ref())) {
        form.insert("tax_code".into(), code.clone());
    }
    for (k, v) in &test.metadata {
        form.insert(format!("metadata[{k}]"), v.clone());
    }
    // The tier as the app expects it: `plan` in any other case is replaced; a tier found
    // under another key (`tier`) stays as it was, and `plan` is added.
    form.retain(|k, _| !k.starts_with("metadata[") || !k[9..].eq_ignore_ascii_case("plan]"));
    form.insert(format!("metadata[{PLAN_KEY}]"), tier.to_string());
    form.insert(format!("metadata[{SOURCE_KEY}]"), test.id.clone());
    form
}

/// An amount as Stripe got it: the integer field when it is a whole number, else `_decimal`.
/// `key` turns a field name into the form key (`unit_amount` → `tiers[0][unit_amount]`).
fn insert_amount(
    form: &mut Form,
    key: impl Fn(&str) -> String,
    field: &str,
    integer: Option<i64>,
    decimal: &Option<String>,
) {
    match (integer, decimal) {
        (Some(i), _) => form.insert(key(field), i.to_string()),
        (None, Some(d)) => form.insert(key(&format!("{field}_decimal")), d.clone()),
        (None, None) => None,
    };
}

/// `base` is `tiers` or `currency_options[eur][tiers]`.
fn insert_tiers(form: &mut Form, base: &str, tiers: &[Tier]) {
    for (i, tier) in tiers.iter().enumerate() {
        let key = |field: &str| format!("{base}[{i}][{field}]");
        let up_to = tier.up_to.map(|n| n.to_string()).unwrap_or_else(|| "inf".into());
        form.insert(key("up_to"), up_to);
        insert_amount(form, key, "unit_amount", tier.unit_amount, &tier.unit_amount_decimal);
        insert_amount(form, key, "flat_amount", tier.flat_amount, &tier.flat_amount_decimal);
    }
}

/// `base` is `custom_unit_amount` or `currency_options[eur][custom_unit_amount]`.
fn insert_custom(form: &mut Form, base: &str, custom: &super::model::CustomUnitAmount) {
    form.insert(format!("{base}[enabled]"), "true".into());
    for (key, value) in [("maximum", custom.maximum), ("minimum", custom.minimum), ("preset", custom.preset)] {
        if let Some(v) = value {
            form.insert(format!("{base}[{key}]"), v.to_string());
        }
    }
}

/// The live copy of `test` under `live_product`, its meter swapped for `live_meter`; the
/// lookup key only when `with_lookup_key` (another live price may hold it).
pub fn price_form(test: &Price, live_product: &str, live_meter: Option<&str>, with_lookup_key: bool) -> Form {
    let mut form = Form::new();
    form.insert("product".into(), live_product.to_string());
    form.insert("currency".into(), test.currency.clone());
    form.insert("billing_scheme".into(), test.billing_scheme.clone());
    if test.billing_scheme == "tiered" {
        if let Some(mode) = &test.tiers_mode {
            form.insert("tiers_mode".into(), mode.clone());
        }
        insert_tiers(&mut form, "tiers", test.tiers.as_deref().unwrap_or_default());
    } else if let Some(custom) = &test.custom_unit_amount {
        insert_custom(&mut form, "custom_unit_amount", custom);
    } else {
        insert_amount(&mut form, str::to_string, "unit_amount", test.unit_amount, &test.unit_amount_decimal);
    }
    if let Some(r) = &test.recurring {
        form.insert("recurring[interval]".into(), r.interval.clone());
        form.insert("recurring[interval_count]".into(), r.interval_count.to_string());
        form.insert("recurring[usage_type]".into(), r.usage_type.clone());
        if let Some(days) = r.trial_period_days {
            form.insert("recurring[trial_period_days]".into(), days.to_string());
        }
        if let Some(meter) = live_meter {
            form.insert("recurring[meter]".into(), meter.to_string());
        }
    }
    if let Some(t) = &test.transform_quantity {
        form.insert("transform_quantity[divide_by]".into(), t.divide_by.to_string());
        form.insert("transform_quantity[round]".into(), t.round.clone());
    }
    for (code, option) in test.currency_options.iter().filter(|(code, _)| **code != test.currency) {
        let prefix = format!("currency_options[{code}]");
        if test.billing_scheme == "tiered" {
            insert_tiers(&mut form, &format!("{prefix}[tiers]"), option.tiers.as_deref().unwrap_or_default());
        } else if let Some(custom) = &option.custom_unit_amount {
            insert_custom(&mut form, &format!("{prefix}[custom_unit_amount]"), custom);
        } else {
            let key = |field: &str| format!("{prefix}[{field}]");
            insert_amount(&mut form, key, "unit_amount", option.unit_amount, &option.unit_amount_decimal);
        }
        if let Some(tax) = &option.tax_behavior {
            form.insert(format!("{prefix}[tax_behavior]"), tax.clone());
        }
    }
    if let (Some(key), true) = (&test.lookup_key, with_lookup_key) {
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

/// The live copy of a Billing Meter: every field `Billing.MeterCreateParams` takes. (Meters
/// have no metadata at the pinned API version; the live copy is known by its `event_name`.)
pub fn meter_form(test: &Meter) -> Form {
    let mut form = Form::new();
    form.insert("display_name".into(), test.display_name.clone());
    form.insert("event_name".into(), test.event_name.clone());
    form.insert("default_aggregation[formula]".into(), test.default_aggregation.formula.clone());
    form.insert("customer_mapping[event_payload_key]".into(), test.customer_mapping.event_payload_key.clone());
    form.insert("customer_mapping[type]".into(), test.customer_mapping.kind.clone());
    form.insert("value_settings[event_payload_key]".into(), test.value_settings.event_payload_key.clone());
    if let Some(window) = &test.event_time_window {
        form.insert("event_time_window".into(), window.clone());
    }
    form
}

/// `golive-<kind>-<test id>-<hash of the body>`: the same copy always sends the same key (a
/// retry after a lost answer is answered with the first result), a changed copy a new one.
/// Stripe forgets keys after 24 hours, so a key is only ever relied on within one run; across
/// runs golive finds its copies by `metadata.golive_source` (meters: `event_name`).
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
    use crate::catalog::model::{CurrencyOption, PackageDimensions, Recurring, TaxDetails};

    fn product() -> Product {
        Product {
            id: "prod_T".into(),
            name: "Pro Plan".into(),
            active: true,
            description: Some("Unlimited".into()),
            images: vec!["https://example.com/a.png".into(), "https://files.stripe.com/links/MDB8dGVzdA".into()],
            statement_descriptor: None,
            tax_code: None,
            unit_label: None,
            url: None,
            metadata: [("Plan".to_string(), "Pro".to_string()), ("team".to_string(), "x".to_string())].into(),
            created: 0,
            default_price: None,
            marketing_features: vec![],
            package_dimensions: Some(PackageDimensions { height: 1.5, length: 2.0, weight: 10.25, width: 3.0 }),
            shippable: Some(true),
            tax_details: Some(TaxDetails {
                performance_location: Some("taxloc_test1".into()),
                tax_code: Some("txcd_99999999".into()),
            }),
            kind: "good".into(),
        }
    }

    #[test]
    fn the_live_product_carries_the_corrected_tier_and_its_source() {
        let form = product_form(&product(), "pro");
        assert_eq!(form["metadata[plan]"], "pro");
        assert!(!form.contains_key("metadata[Plan]"));
        assert_eq!(form["metadata[team]"], "x");
        assert_eq!(form["metadata[golive_source]"], "prod_T");
        assert_eq!(form["package_dimensions[length]"], "2");
        assert_eq!(form["package_dimensions[weight]"], "10.25");
        assert_eq!(form["shippable"], "true");
        assert_eq!(form["type"], "good");
        assert_eq!(form["id"], "prod_T", "a chosen id is kept");
        assert_eq!(form["images[0]"], "https://example.com/a.png");
        assert!(!form.contains_key("images[1]"), "a test-mode file link is not copied");
        assert_eq!(form["tax_code"], "txcd_99999999");
        assert!(!form.keys().any(|k| k.starts_with("tax_details")), "the location is a test-mode id");
        let omitted: Vec<String> = product_omissions(&product()).into_iter().map(|o| o.field).collect();
        assert_eq!(omitted, ["images[1]", "tax_details.performance_location"]);
    }

    #[test]
    fn generated_ids_are_not_copied() {
        let mut p = product();
        p.id = "prod_Abcdefghij1234".into();
        assert!(!product_form(&p, "pro").contains_key("id"));
    }

    #[test]
    fn keys_are_stable_for_the_same_copy_and_change_with_it() {
        let a = product_form(&product(), "pro");
        let mut b = a.clone();
        assert_eq!(idempotency_key("product", "prod_T", &a), idempotency_key("product", "prod_T", &b));
        b.insert("name".into(), "Pro".into());
        assert_ne!(idempotency_key("product", "prod_T", &a), idempotency_key("product", "prod_T", &b));
    }

    #[test]
    fn tiered_currency_options_and_meters_are_written_in_brackets() {
        let tier = |up_to, unit: Option<i64>, dec: Option<&str>| Tier {
            up_to,
            unit_amount: unit,
            unit_amount_decimal: dec.map(Into::into),
            flat_amount: None,
            flat_amount_decimal: None,
        };
        let price = Price {
            id: "price_T".into(),
            product: "prod_T".into(),
            active: true,
            currency: "usd".into(),
            unit_amount: None,
            unit_amount_decimal: None,
            billing_scheme: "tiered".into(),
            recurring: Some(Recurring {
                interval: "month".into(),
                interval_count: 1,
                usage_type: "metered".into(),
                meter: Some("mtr_test".into()),
                trial_period_days: Some(14),
            }),
            tiers: Some(vec![tier(Some(10), Some(500), Some("500")), tier(None, None, Some("0.25"))]),
            tiers_mode: Some("graduated".into()),
            transform_quantity: None,
            lookup_key: Some("k".into()),
            tax_behavior: None,
            nickname: None,
            metadata: Default::default(),
            currency_options: [(
                "eur".to_string(),
                CurrencyOption {
                    unit_amount: None,
                    unit_amount_decimal: None,
                    tax_behavior: Some("inclusive".into()),
                    custom_unit_amount: None,
                    tiers: Some(vec![tier(Some(10), Some(450), None), tier(None, Some(20), None)]),
                },
            )]
            .into(),
            custom_unit_amount: None,
            created: 0,
        };
        let form = price_form(&price, "prod_L", Some("mtr_live"), false);
        assert_eq!(form["tiers[0][unit_amount]"], "500");
        assert_eq!(form["tiers[1][unit_amount_decimal]"], "0.25");
        assert_eq!(form["tiers[1][up_to]"], "inf");
        assert_eq!(form["currency_options[eur][tiers][0][unit_amount]"], "450");
        assert_eq!(form["currency_options[eur][tiers][1][up_to]"], "inf");
        assert_eq!(form["currency_options[eur][tax_behavior]"], "inclusive");
        assert_eq!(form["recurring[meter]"], "mtr_live");
        assert_eq!(form["recurring[trial_period_days]"], "14");
        assert!(!form.contains_key("lookup_key"));
        assert!(form.keys().all(|k| k.matches('[').count() == k.matches(']').count()), "{form:?}");
    }
}
