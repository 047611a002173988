//! Products and prices as golive reads them from Stripe: the fields a faithful copy needs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub description: Option<String>,
    #[serde(default)]
    pub images: Vec<String>,
    pub statement_descriptor: Option<String>,
    pub tax_code: Option<String>,
    pub unit_label: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurring {
    pub interval: String,
    pub interval_count: i64,
    pub usage_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub up_to: Option<i64>,
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    pub flat_amount: Option<i64>,
    pub flat_amount_decimal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformQuantity {
    pub divide_by: i64,
    pub round: String,
}

/// A price in another currency (`currency_options`); Stripe lists the price's own currency too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyOption {
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    pub tax_behavior: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub id: String,
    pub product: String,
    pub active: bool,
    pub currency: String,
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    pub billing_scheme: String,
    pub recurring: Option<Recurring>,
    pub tiers: Option<Vec<Tier>>,
    pub tiers_mode: Option<String>,
    pub transform_quantity: Option<TransformQuantity>,
    pub lookup_key: Option<String>,
    pub tax_behavior: Option<String>,
    pub nickname: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub currency_options: BTreeMap<String, CurrencyOption>,
}

impl Price {
    /// Other currencies than the price's own, with their amounts in minor units.
    pub fn extra_currencies(&self) -> BTreeMap<&str, Option<String>> {
        self.currency_options
            .iter()
            .filter(|(code, _)| **code != self.currency)
            .map(|(code, o)| (code.as_str(), o.unit_amount_decimal.clone().or(o.unit_amount.map(|a| a.to_string()))))
            .collect()
    }

    /// What makes two prices the same offer: amount, currency, recurrence and scheme.
    pub fn same_terms(&self, other: &Price) -> bool {
        self.currency == other.currency
            && self.amount_decimal() == other.amount_decimal()
            && self.recurring == other.recurring
            && self.billing_scheme == other.billing_scheme
            && self.tiers == other.tiers
            && self.tiers_mode == other.tiers_mode
            && self.transform_quantity == other.transform_quantity
            && self.extra_currencies() == other.extra_currencies()
    }

    /// The amount in minor units as a decimal string, whichever field Stripe filled.
    pub fn amount_decimal(&self) -> Option<String> {
        self.unit_amount_decimal.clone().or_else(|| self.unit_amount.map(|a| a.to_string()))
    }

    /// "29.00 USD / month", "9.00 USD once", "tiered (graduated) USD / month".
    pub fn describe(&self) -> String {
        let currency = self.currency.to_uppercase();
        let amount = match (self.billing_scheme.as_str(), self.unit_amount) {
            ("tiered", _) => format!("tiered ({}) {currency}", self.tiers_mode.as_deref().unwrap_or("?")),
            (_, Some(cents)) => format!("{}.{:02} {currency}", cents / 100, cents % 100),
            _ => format!("{} {currency} (minor units)", self.amount_decimal().unwrap_or_default()),
        };
        match &self.recurring {
            None => format!("{amount} once"),
            Some(r) if r.interval_count == 1 => format!("{amount} / {}", r.interval),
            Some(r) => format!("{amount} / {} {}s", r.interval_count, r.interval),
        }
    }
}

/// One mode's catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub products: Vec<Product>,
    pub prices: Vec<Price>,
}

impl Catalog {
    pub fn prices_of<'a>(&'a self, product_id: &'a str) -> impl Iterator<Item = &'a Price> + 'a {
        self.prices.iter().filter(move |p| p.product == product_id)
    }
}

/// The metadata key golive writes on everything it creates: the test-mode object's id.
pub const SOURCE_KEY: &str = "golive_source";
/// The metadata key the app's code reads the tier from.
pub const PLAN_KEY: &str = "plan";
