//! Live price ids as the Worker's secrets: `STRIPE_PRICE_ID_<TIER>`.
//!
//! Naming rule, when a tier has several active prices: the monthly one keeps the plain name;
//! others add their period — `_YEARLY`, `_WEEKLY`, `_DAILY`, `_EVERY_3_MONTHS`, `_ONE_TIME`;
//! if two prices still share a name (another currency), the currency is added (`_EUR`).
//! A tier with a single price always gets the plain name, whatever its period.

use super::model::{Catalog, Price, PLAN_KEY};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceIdVar {
    pub name: String,
    pub price_id: String,
    pub tier: String,
    pub terms: String,
}

/// `STRIPE_PRICE_ID_` and the tier in capitals, anything but letters and digits as `_`.
pub fn base_name(tier: &str) -> String {
    let tier: String =
        tier.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("STRIPE_PRICE_ID_{tier}")
}

fn period_suffix(price: &Price) -> String {
    match &price.recurring {
        None => "_ONE_TIME".into(),
        Some(r) if r.interval_count == 1 && r.interval == "month" => String::new(),
        Some(r) if r.interval_count == 1 => match r.interval.as_str() {
            "year" => "_YEARLY".into(),
            "week" => "_WEEKLY".into(),
            "day" => "_DAILY".into(),
            other => format!("_{}", other.to_uppercase()),
        },
        Some(r) => format!("_EVERY_{}_{}S", r.interval_count, r.interval.to_uppercase()),
    }
}

/// One variable per active price of every live tier, ordered by name.
pub fn price_id_vars(live: &Catalog) -> Vec<PriceIdVar> {
    let mut vars = Vec::new();
    for product in live.products.iter().filter(|p| p.active) {
        let Some(tier) = product.metadata.get(PLAN_KEY) else { continue };
        let prices: Vec<&Price> = live.prices_of(&product.id).filter(|p| p.active).collect();
        let base = base_name(tier);
        let mut named: BTreeMap<String, Vec<&Price>> = BTreeMap::new();
        for price in &prices {
            let suffix = if prices.len() == 1 { String::new() } else { period_suffix(price) };
            named.entry(format!("{base}{suffix}")).or_default().push(price);
        }
        for (name, group) in named {
            for price in &group {
                let name =
                    if group.len() == 1 { name.clone() } else { format!("{name}_{}", price.currency.to_uppercase()) };
                vars.push(PriceIdVar { name, price_id: price.id.clone(), tier: tier.clone(), terms: price.describe() });
            }
        }
    }
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    vars
}

/// The variables as `.env` lines (price ids are not secret, but they are live-mode only).
pub fn dotenv(vars: &[PriceIdVar]) -> String {
    vars.iter().map(|v| format!("{}={}\n", v.name, v.price_id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::model::{Product, Recurring};

    fn product(id: &str, plan: &str) -> Product {
        Product {
            id: id.into(),
            name: plan.into(),
            active: true,
            description: None,
            images: vec![],
            statement_descriptor: None,
            tax_code: None,
            unit_label: None,
            url: None,
            metadata: [("plan".to_string(), plan.to_string())].into(),
        }
    }

    fn price(id: &str, product: &str, currency: &str, period: Option<(&str, i64)>) -> Price {
        Price {
            id: id.into(),
            product: product.into(),
            active: true,
            currency: currency.into(),
            unit_amount: Some(100),
            unit_amount_decimal: None,
            billing_scheme: "per_unit".into(),
            recurring: period.map(|(i, n)| Recurring {
                interval: i.into(),
                interval_count: n,
                usage_type: "licensed".into(),
            }),
            tiers: None,
            tiers_mode: None,
            transform_quantity: None,
            lookup_key: None,
            tax_behavior: None,
            nickname: None,
            metadata: Default::default(),
            currency_options: Default::default(),
        }
    }

    #[test]
    fn names_follow_the_documented_rule() {
        let live = Catalog {
            products: vec![product("p1", "pro"), product("p2", "team-plus"), product("p3", "solo")],
            prices: vec![
                price("a", "p1", "usd", Some(("month", 1))),
                price("b", "p1", "usd", Some(("year", 1))),
                price("c", "p1", "eur", Some(("year", 1))),
                price("d", "p1", "usd", Some(("month", 3))),
                price("e", "p1", "usd", None),
                price("f", "p2", "usd", Some(("month", 1))),
                price("g", "p3", "usd", Some(("year", 1))),
            ],
        };
        let vars: Vec<(String, String)> = price_id_vars(&live).into_iter().map(|v| (v.name, v.price_id)).collect();
        let expect = [
            ("STRIPE_PRICE_ID_PRO", "a"),
            ("STRIPE_PRICE_ID_PRO_EVERY_3_MONTHS", "d"),
            ("STRIPE_PRICE_ID_PRO_ONE_TIME", "e"),
            ("STRIPE_PRICE_ID_PRO_YEARLY_EUR", "c"),
            ("STRIPE_PRICE_ID_PRO_YEARLY_USD", "b"),
            ("STRIPE_PRICE_ID_SOLO", "g"),
            ("STRIPE_PRICE_ID_TEAM_PLUS", "f"),
        ];
        assert_eq!(vars, expect.map(|(a, b)| (a.to_string(), b.to_string())).to_vec());
        assert!(dotenv(&price_id_vars(&live)).starts_with("STRIPE_PRICE_ID_PRO=a\n"));
    }
}
