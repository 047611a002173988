//! Live price ids as the Worker's secrets: `STRIPE_PRICE_ID_<TIER>`, one name per price,
//! unique by construction.
//!
//! Naming rule (README, "Price-ID naming rule"): a tier with a single active price gets the
//! plain name. Otherwise each price adds its period — monthly nothing, `_YEARLY`, `_WEEKLY`,
//! `_DAILY`, `_EVERY_3_MONTHS`, `_ONE_TIME` — and `_METERED` when it bills by usage. Prices
//! that still share a name add, in turn and only while it tells them apart: the currency
//! (`_EUR`), the price's lookup key or else its nickname (capitals, other characters as `_`),
//! then its position (`_2`, `_3`, oldest first). A last pass over the whole catalog makes
//! names that still meet (two tiers written `team-plus` and `team_plus`) unique the same way,
//! so no two variables can ever share a name (the Secrets step still refuses a list that
//! does, e.g. from a session an older golive recorded). [`expected_name`] / [`name_for`] let
//! Verify recompute the name a live price should have.

use super::model::{Catalog, Price, PLAN_KEY};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceIdVar {
    pub name: String,
    pub price_id: String,
    pub tier: String,
    /// The live price as `Price::describe` puts it ("29.00 USD / month").
    pub terms: String,
    /// The live product the price belongs to (absent in sessions of older versions).
    #[serde(default)]
    pub product_id: Option<String>,
}

/// What every price-ID variable's name starts with.
pub const PRICE_ID_PREFIX: &str = "STRIPE_PRICE_ID_";

/// `STRIPE_PRICE_ID_` and the tier in capitals, anything but letters and digits as `_`.
pub fn base_name(tier: &str) -> String {
    format!("{PRICE_ID_PREFIX}{}", upper_snake(tier, usize::MAX, false))
}

/// Capitals, digits and `_`; with `tidy`, runs of `_` collapsed and trimmed.
fn upper_snake(text: &str, max: usize, tidy: bool) -> String {
    let raw: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    if !tidy {
        return raw;
    }
    let joined = raw.split('_').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("_");
    joined.chars().take(max).collect::<String>().trim_end_matches('_').to_string()
}

fn period_suffix(price: &Price) -> String {
    let period = match &price.recurring {
        None => "_ONE_TIME".into(),
        Some(r) if r.interval_count == 1 && r.interval == "month" => String::new(),
        Some(r) if r.interval_count == 1 => match r.interval.as_str() {
            "year" => "_YEARLY".into(),
            "week" => "_WEEKLY".into(),
            "day" => "_DAILY".into(),
            other => format!("_{}", upper_snake(other, 20, true)),
        },
        Some(r) => format!("_EVERY_{}_{}S", r.interval_count, upper_snake(&r.interval, 20, true)),
    };
    if price.is_metered() {
        format!("{period}_METERED")
    } else {
        period
    }
}

/// The lookup key, else the nickname, as a name part (at most 40 characters).
fn label(price: &Price) -> Option<String> {
    [&price.lookup_key, &price.nickname]
        .into_iter()
        .flatten()
        .map(|text| upper_snake(text, 40, true))
        .find(|part| !part.is_empty())
}

/// Adds `part(i)` to every name that is shared, in each group where the parts differ.
fn tell_apart(names: &mut [String], part: impl Fn(usize) -> Option<String>) {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        groups.entry(name.clone()).or_default().push(i);
    }
    for members in groups.into_values().filter(|m| m.len() > 1) {
        let parts: BTreeSet<Option<String>> = members.iter().map(|&i| part(i)).collect();
        if parts.len() > 1 {
            for i in members {
                if let Some(p) = part(i) {
                    names[i] = format!("{}_{p}", names[i]);
                }
            }
        }
    }
}

/// Keeps the first of each shared name (in the given order) and numbers the others `_2`,
/// `_3`, … skipping any name already taken: after this no two names are equal.
fn number_the_rest(names: &mut [String]) {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for name in names.iter() {
        *count.entry(name.clone()).or_default() += 1;
    }
    let mut taken: BTreeSet<String> = count.iter().filter(|(_, n)| **n == 1).map(|(k, _)| k.clone()).collect();
    for name in names.iter_mut() {
        if count[name.as_str()] == 1 {
            continue;
        }
        if taken.insert(name.clone()) {
            continue;
        }
        let fresh = (2..).map(|n| format!("{name}_{n}")).find(|c| !taken.contains(c) && !count.contains_key(c));
        *name = fresh.expect("an unused number exists");
        taken.insert(name.clone());
    }
}

/// Oldest first (then by id): the order "position" means.
fn in_order<'a>(prices: impl IntoIterator<Item = &'a Price>) -> Vec<&'a Price> {
    let mut sorted: Vec<&Price> = prices.into_iter().collect();
    sorted.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
    sorted
}

/// One tier's names, in the order of [`in_order`] (the rule before the whole-catalog pass).
fn tier_names(tier: &str, prices: &[&Price]) -> Vec<String> {
    let base = base_name(tier);
    if prices.len() == 1 {
        return vec![base];
    }
    let mut names: Vec<String> = prices.iter().map(|p| format!("{base}{}", period_suffix(p))).collect();
    tell_apart(&mut names, |i| Some(upper_snake(&prices[i].currency, 3, true)));
    tell_apart(&mut names, |i| label(prices[i]));
    number_the_rest(&mut names);
    names
}

/// The name `price_id` gets among the live prices of `tier` (`tier_prices`: the tier
/// product's prices; archived ones are ignored). Equal to [`name_for`] unless two tiers'
/// names meet, which only the whole catalog can settle.
pub fn expected_name(tier: &str, tier_prices: &[Price], price_id: &str) -> Option<String> {
    let prices = in_order(tier_prices.iter().filter(|p| p.active));
    let names = tier_names(tier, &prices);
    prices.iter().position(|p| p.id == price_id).map(|i| names[i].clone())
}

/// The name `price_id` gets in the live catalog: exactly what [`price_id_vars`] gives it.
pub fn name_for(live: &Catalog, price_id: &str) -> Option<String> {
    price_id_vars(live).into_iter().find(|v| v.price_id == price_id).map(|v| v.name)
}

/// One variable per active price of every live tier, ordered by name; no two share a name.
pub fn price_id_vars(live: &Catalog) -> Vec<PriceIdVar> {
    let mut vars = Vec::new();
    let mut tiers: Vec<(&String, &super::model::Product)> = live
        .products
        .iter()
        .filter(|p| p.active)
        .filter_map(|p| p.metadata.get(PLAN_KEY).map(|tier| (tier, p)))
        .collect();
    tiers.sort_by(|a, b| (a.0, a.1.created, &a.1.id).cmp(&(b.0, b.1.created, &b.1.id)));
    for (tier, product) in tiers {
        let prices = in_order(live.prices_of(&product.id).filter(|p| p.active));
        if prices.is_empty() {
            continue;
        }
        for (price, name) in prices.iter().zip(tier_names(tier, &prices)) {
            vars.push(PriceIdVar {
                name,
                price_id: price.id.clone(),
                tier: tier.clone(),
                terms: price.describe(),
                product_id: Some(product.id.clone()),
            });
        }
    }
    let mut names: Vec<String> = vars.iter().map(|v| v.name.clone()).collect();
    number_the_rest(&mut names);
    for (var, name) in vars.iter_mut().zip(names) {
        var.name = name;
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
    use rand::{Rng, SeedableRng};

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
            created: 0,
            default_price: None,
            marketing_features: vec![],
            package_dimensions: None,
            shippable: None,
            tax_details: None,
            kind: "service".into(),
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
                meter: None,
                trial_period_days: None,
            }),
            tiers: None,
            tiers_mode: None,
            transform_quantity: None,
            lookup_key: None,
            tax_behavior: None,
            nickname: None,
            metadata: Default::default(),
            currency_options: Default::default(),
            custom_unit_amount: None,
            created: 0,
        }
    }

    fn metered(mut p: Price) -> Price {
        let r = p.recurring.as_mut().expect("recurring");
        r.usage_type = "metered".into();
        r.meter = Some("mtr_1".into());
        p
    }

    /// Panics naming any variable name given to more than one price.
    fn assert_unique(vars: &[PriceIdVar]) {
        let mut seen = BTreeSet::new();
        let twice: Vec<&str> = vars.iter().map(|v| v.name.as_str()).filter(|n| !seen.insert(*n)).collect();
        assert!(twice.is_empty(), "shared names {twice:?} in {vars:#?}");
    }

    fn names(live: &Catalog) -> Vec<(String, String)> {
        price_id_vars(live).into_iter().map(|v| (v.name, v.price_id)).collect()
    }

    fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
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
            meters: vec![],
        };
        assert_eq!(
            names(&live),
            expect(&[
                ("STRIPE_PRICE_ID_PRO", "a"),
                ("STRIPE_PRICE_ID_PRO_EVERY_3_MONTHS", "d"),
                ("STRIPE_PRICE_ID_PRO_ONE_TIME", "e"),
                ("STRIPE_PRICE_ID_PRO_YEARLY_EUR", "c"),
                ("STRIPE_PRICE_ID_PRO_YEARLY_USD", "b"),
                ("STRIPE_PRICE_ID_SOLO", "g"),
                ("STRIPE_PRICE_ID_TEAM_PLUS", "f"),
            ])
        );
        assert!(dotenv(&price_id_vars(&live)).starts_with("STRIPE_PRICE_ID_PRO=a\n"));
    }

    /// The bug: a base fee and a metered price, both monthly USD, were both
    /// `STRIPE_PRICE_ID_ENTERPRISE_USD`, and `wrangler secret bulk` kept one.
    #[test]
    fn a_base_fee_and_a_metered_price_get_two_names() {
        let live = Catalog {
            products: vec![product("p1", "enterprise")],
            prices: vec![
                price("base", "p1", "usd", Some(("month", 1))),
                metered(price("use", "p1", "usd", Some(("month", 1)))),
            ],
            meters: vec![],
        };
        assert_eq!(
            names(&live),
            expect(&[("STRIPE_PRICE_ID_ENTERPRISE", "base"), ("STRIPE_PRICE_ID_ENTERPRISE_METERED", "use")])
        );
        assert_unique(&price_id_vars(&live));
    }

    #[test]
    fn lookup_keys_nicknames_then_positions_tell_the_rest_apart() {
        let mut a = price("a", "p1", "usd", Some(("month", 1)));
        a.lookup_key = Some("pro monthly (2024)".into());
        a.created = 1;
        let mut b = price("b", "p1", "usd", Some(("month", 1)));
        b.nickname = Some("launch offer".into());
        b.created = 2;
        let mut c = price("c", "p1", "usd", Some(("month", 1)));
        c.created = 3;
        let mut d = price("d", "p1", "usd", Some(("month", 1)));
        d.created = 4;
        let live = Catalog { products: vec![product("p1", "pro")], prices: vec![d, c, b, a], meters: vec![] };
        assert_eq!(
            names(&live),
            expect(&[
                ("STRIPE_PRICE_ID_PRO", "c"),
                ("STRIPE_PRICE_ID_PRO_2", "d"),
                ("STRIPE_PRICE_ID_PRO_LAUNCH_OFFER", "b"),
                ("STRIPE_PRICE_ID_PRO_PRO_MONTHLY_2024", "a"),
            ])
        );
    }

    #[test]
    fn tiers_whose_names_meet_still_get_unique_variables() {
        let live = Catalog {
            products: vec![
                product("p1", "team-plus"),
                product("p2", "team_plus"),
                product("p3", "pro"),
                product("p4", "pro_yearly"),
            ],
            prices: vec![
                price("a", "p1", "usd", Some(("month", 1))),
                price("b", "p2", "usd", Some(("month", 1))),
                price("c", "p3", "usd", Some(("month", 1))),
                price("d", "p3", "usd", Some(("year", 1))),
                price("e", "p4", "usd", Some(("month", 1))),
            ],
            meters: vec![],
        };
        let vars = price_id_vars(&live);
        assert_unique(&vars);
        assert_eq!(vars.len(), 5);
        assert_eq!(name_for(&live, "c").as_deref(), Some("STRIPE_PRICE_ID_PRO"));
        let team: BTreeSet<String> =
            vars.iter().filter(|v| v.tier.starts_with("team")).map(|v| v.name.clone()).collect();
        assert_eq!(team, ["STRIPE_PRICE_ID_TEAM_PLUS".to_string(), "STRIPE_PRICE_ID_TEAM_PLUS_2".to_string()].into());
    }

    #[test]
    fn verify_can_recompute_a_name_from_the_tiers_prices() {
        let prices = vec![
            price("base", "p1", "usd", Some(("month", 1))),
            metered(price("use", "p1", "usd", Some(("month", 1)))),
            price("setup", "p1", "usd", None),
        ];
        assert_eq!(expected_name("enterprise", &prices, "use").as_deref(), Some("STRIPE_PRICE_ID_ENTERPRISE_METERED"));
        assert_eq!(
            expected_name("enterprise", &prices, "setup").as_deref(),
            Some("STRIPE_PRICE_ID_ENTERPRISE_ONE_TIME")
        );
        assert_eq!(expected_name("enterprise", &prices, "nope"), None);
        let live = Catalog { products: vec![product("p1", "enterprise")], prices: prices.clone(), meters: vec![] };
        for p in &prices {
            assert_eq!(expected_name("enterprise", &prices, &p.id), name_for(&live, &p.id));
        }
    }

    #[test]
    fn old_session_records_still_read() {
        let old = r#"{"name":"STRIPE_PRICE_ID_PRO","price_id":"price_1","tier":"pro","terms":"29.00 USD / month"}"#;
        let var: PriceIdVar = serde_json::from_str(old).unwrap();
        assert_eq!(var.product_id, None);
    }

    /// Many random catalogs, built to collide: every active price of every tier gets exactly
    /// one variable, no two share a name, and a tier with one price keeps the plain name
    /// unless another tier's name meets it.
    #[test]
    fn random_catalogs_never_produce_a_shared_name() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let tiers = ["pro", "PRO", "pro-yearly", "pro_yearly", "team plus", "team-plus", "enterprise", "pro_2"];
        let intervals =
            [None, Some(("month", 1)), Some(("month", 3)), Some(("year", 1)), Some(("week", 1)), Some(("day", 1))];
        let currencies = ["usd", "eur", "gbp"];
        let labels = [None, Some("pro"), Some("Pro!"), Some("pro_2"), Some("2"), Some("monthly"), Some("")];
        for round in 0..400 {
            let mut live = Catalog::default();
            for t in 0..rng.random_range(1..5) {
                let tier = tiers[rng.random_range(0..tiers.len())];
                let pid = format!("prod_{round}_{t}");
                live.products.push(product(&pid, tier));
                for i in 0..rng.random_range(1..7) {
                    let mut p = price(
                        &format!("price_{round}_{t}_{i}"),
                        &pid,
                        currencies[rng.random_range(0..3)],
                        intervals[rng.random_range(0..intervals.len())],
                    );
                    if p.recurring.is_some() && rng.random_bool(0.3) {
                        p = metered(p);
                    }
                    p.lookup_key = labels[rng.random_range(0..labels.len())].map(String::from);
                    p.nickname = labels[rng.random_range(0..labels.len())].map(String::from);
                    p.created = rng.random_range(0..3);
                    p.active = rng.random_bool(0.9);
                    live.prices.push(p);
                }
            }
            let vars = price_id_vars(&live);
            assert_unique(&vars);
            let active: BTreeSet<&str> = live.prices.iter().filter(|p| p.active).map(|p| p.id.as_str()).collect();
            let named: BTreeSet<&str> = vars.iter().map(|v| v.price_id.as_str()).collect();
            assert_eq!(active, named, "round {round}");
            for var in &vars {
                assert!(
                    var.name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                    "{}",
                    var.name
                );
                let siblings: Vec<Price> =
                    live.prices.iter().filter(|p| Some(&p.product) == var.product_id.as_ref()).cloned().collect();
                let expected = expected_name(&var.tier, &siblings, &var.price_id).expect("named");
                assert!(
                    var.name == expected || var.name.starts_with(&format!("{expected}_")),
                    "{} vs {expected}",
                    var.name
                );
                if siblings.iter().filter(|p| p.active).count() == 1 {
                    assert!(var.name.starts_with(&base_name(&var.tier)));
                }
            }
        }
    }
}
