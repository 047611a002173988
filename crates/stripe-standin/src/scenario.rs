//! Ready-made accounts: the offline rehearsal's SaaS with a test-mode catalog like the
//! seed's (starter 9, pro 29, enterprise 99 USD a month) and an empty live mode.

use crate::ids::{new_id, now};
use crate::resources::prices::{Price, Recurring};
use crate::resources::products::Product;
use crate::{AccountKeys, AccountSpec, StandIn};
use std::collections::BTreeMap;

/// One tier of a catalog: its `metadata.plan`, product name and monthly amount in cents.
pub struct Tier<'a> {
    pub plan: &'a str,
    pub name: &'a str,
    pub monthly_cents: i64,
}

/// The seed's tiers.
pub const SEED_TIERS: [Tier<'static>; 3] = [
    Tier { plan: "starter", name: "Starter Plan", monthly_cents: 900 },
    Tier { plan: "pro", name: "Pro Plan", monthly_cents: 2900 },
    Tier { plan: "enterprise", name: "Enterprise Plan", monthly_cents: 9900 },
];

impl StandIn {
    /// The rehearsal account: activated, with the seed's catalog in test mode only — and two
    /// of the seed's traps to practise on: the pro tier written "Pro", and an add-on product
    /// with a price but no `metadata.plan`.
    pub fn seed_rehearsal(&self) -> AccountKeys {
        let keys = self.add_account(AccountSpec { display_name: "Rehearsal SaaS".into(), ..Default::default() });
        for tier in &SEED_TIERS {
            let plan = if tier.plan == "pro" { "Pro" } else { tier.plan };
            self.insert_tier_with_prices(&keys.account_id, false, tier.name, plan, &[(tier.monthly_cents, "month", 1)]);
        }
        self.insert_tier_with_prices(&keys.account_id, false, "Extra seats", "", &[(500, "month", 1)]);
        keys
    }

    /// Adds a product with `metadata.plan` and one monthly USD price, as if made in the Dashboard.
    pub fn insert_monthly_tier(&self, account_id: &str, livemode: bool, tier: &Tier) -> (String, String) {
        let (product, prices) = self.insert_tier_with_prices(
            account_id,
            livemode,
            tier.name,
            tier.plan,
            &[(tier.monthly_cents, "month", 1)],
        );
        (product, prices[0].clone())
    }

    /// Adds a product with `metadata.plan` (none when `plan` is empty) and USD recurring prices
    /// `(cents, interval, count)`, straight into the store (no request is counted).
    pub fn insert_tier_with_prices(
        &self,
        account_id: &str,
        livemode: bool,
        name: &str,
        plan: &str,
        prices: &[(i64, &str, i64)],
    ) -> (String, Vec<String>) {
        let created = now();
        let metadata = match plan {
            "" => BTreeMap::new(),
            plan => BTreeMap::from([("plan".to_string(), plan.to_string())]),
        };
        let product = Product {
            id: new_id("prod"),
            object: "product",
            active: true,
            created,
            updated: created,
            default_price: None,
            description: None,
            images: vec![],
            livemode,
            marketing_features: vec![],
            metadata,
            name: name.to_string(),
            package_dimensions: None,
            shippable: None,
            statement_descriptor: None,
            tax_code: None,
            tax_details: None,
            kind: "service".into(),
            unit_label: None,
            url: None,
        };
        let price_objects: Vec<Price> = prices
            .iter()
            .map(|(cents, interval, count)| Price {
                id: new_id("price"),
                object: "price",
                active: true,
                billing_scheme: "per_unit".into(),
                created,
                currency: "usd".into(),
                custom_unit_amount: None,
                livemode,
                lookup_key: None,
                metadata: BTreeMap::new(),
                nickname: None,
                product: product.id.clone(),
                recurring: Some(Recurring {
                    interval: interval.to_string(),
                    interval_count: *count,
                    meter: None,
                    trial_period_days: None,
                    usage_type: "licensed".into(),
                }),
                tax_behavior: "unspecified".into(),
                tiers_mode: None,
                transform_quantity: None,
                kind: "recurring".into(),
                unit_amount: Some(*cents),
                unit_amount_decimal: Some(cents.to_string()),
                tiers: None,
                currency_options: BTreeMap::new(),
            })
            .collect();
        let ids = (product.id.clone(), price_objects.iter().map(|p| p.id.clone()).collect());
        let mut state = self.shared().lock().unwrap();
        let data = state.mode(account_id, livemode);
        let mut product = product;
        product.default_price = price_objects.first().map(|p| p.id.clone());
        data.products.push(product);
        data.prices.extend(price_objects);
        state.persist();
        ids
    }
}
