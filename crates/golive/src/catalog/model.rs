//! Products, prices and Billing Meters as golive reads them from Stripe: every field Stripe
//! lets you write when creating them (the reference is npm `stripe` 23.1.0's typings,
//! `ProductCreateParams`, `PriceCreateParams`, `Billing.MeterCreateParams`), and the
//! normalised terms two prices are compared by — amounts as one decimal value whichever
//! field Stripe filled (`1000` = `"1000"` = `"1000.0"`), meters by their `event_name`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketingFeature {
    pub name: Option<String>,
}

/// Inches and ounces; JSON numbers, so always finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageDimensions {
    pub height: f64,
    pub length: f64,
    pub weight: f64,
    pub width: f64,
}

impl Eq for PackageDimensions {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxDetails {
    pub performance_location: Option<String>,
    pub tax_code: Option<String>,
}

fn service() -> String {
    "service".into()
}

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
    #[serde(default)]
    pub created: i64,
    /// The id of the product's default price (not expanded).
    #[serde(default)]
    pub default_price: Option<String>,
    #[serde(default)]
    pub marketing_features: Vec<MarketingFeature>,
    #[serde(default)]
    pub package_dimensions: Option<PackageDimensions>,
    #[serde(default)]
    pub shippable: Option<bool>,
    #[serde(default)]
    pub tax_details: Option<TaxDetails>,
    #[serde(default = "service", rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurring {
    pub interval: String,
    pub interval_count: i64,
    pub usage_type: String,
    /// The Billing Meter of a metered price (an id of the price's own mode).
    #[serde(default)]
    pub meter: Option<String>,
    #[serde(default)]
    pub trial_period_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub up_to: Option<i64>,
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    pub flat_amount: Option<i64>,
    pub flat_amount_decimal: Option<String>,
}

impl Tier {
    /// The per-unit amount, whichever field holds it (`None` when it is zero or absent).
    pub fn unit(&self) -> Option<String> {
        amount(self.unit_amount, &self.unit_amount_decimal).filter(|a| a != "0")
    }

    /// The flat amount, whichever field holds it (`None` when it is zero or absent).
    pub fn flat(&self) -> Option<String> {
        amount(self.flat_amount, &self.flat_amount_decimal).filter(|a| a != "0")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformQuantity {
    pub divide_by: i64,
    pub round: String,
}

/// Pay-what-you-want bounds of a one-time price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomUnitAmount {
    pub maximum: Option<i64>,
    pub minimum: Option<i64>,
    pub preset: Option<i64>,
}

/// A price in another currency (`currency_options`); Stripe lists the price's own currency too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyOption {
    pub unit_amount: Option<i64>,
    pub unit_amount_decimal: Option<String>,
    pub tax_behavior: Option<String>,
    #[serde(default)]
    pub custom_unit_amount: Option<CustomUnitAmount>,
    #[serde(default)]
    pub tiers: Option<Vec<Tier>>,
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
    #[serde(default)]
    pub custom_unit_amount: Option<CustomUnitAmount>,
    #[serde(default)]
    pub created: i64,
}

/// An amount in minor units as one canonical decimal string — `1000`, `"1000"` and
/// `"1000.0"` are all `"1000"`; `"12.50"` is `"12.5"` — or `None` when neither field is set.
pub fn amount(integer: Option<i64>, decimal: &Option<String>) -> Option<String> {
    match (decimal, integer) {
        (Some(d), _) => Some(normalise_decimal(d)),
        (None, Some(i)) => Some(i.to_string()),
        (None, None) => None,
    }
}

/// `"0012.500"` → `"12.5"`, `"1000.0"` → `"1000"` (Stripe's one text per value); anything
/// that is not one of Stripe's decimals is returned as it is, so two different oddities
/// never compare equal by accident.
pub fn normalise_decimal(text: &str) -> String {
    stripe_spec::decimal::canonical(text.trim()).unwrap_or_else(|_| text.trim().to_string())
}

/// A price's (or currency option's) tax behaviour, `unspecified` when Stripe sent none.
fn tax_behavior(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("unspecified")
}

/// A tier as compared: bound, unit and flat amount (normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierTerms {
    pub up_to: Option<i64>,
    pub unit: Option<String>,
    pub flat: Option<String>,
}

fn tier_terms(tiers: &Option<Vec<Tier>>) -> Vec<TierTerms> {
    tiers.iter().flatten().map(|t| TierTerms { up_to: t.up_to, unit: t.unit(), flat: t.flat() }).collect()
}

/// A currency option as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionTerms {
    pub amount: Option<String>,
    pub tax_behavior: String,
    pub custom_unit_amount: Option<CustomUnitAmount>,
    pub tiers: Vec<TierTerms>,
}

/// What makes two prices the same offer to a customer: everything fixed once a price exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub currency: String,
    pub billing_scheme: String,
    pub amount: Option<String>,
    /// `inclusive`, `exclusive` or `unspecified`: what the customer pays once tax applies.
    pub tax_behavior: String,
    pub custom_unit_amount: Option<CustomUnitAmount>,
    pub recurring: Option<(String, i64, String)>,
    pub trial_period_days: Option<i64>,
    /// The meter's `event_name` (ids differ between modes).
    pub meter_event: Option<String>,
    pub tiers_mode: Option<String>,
    pub tiers: Vec<TierTerms>,
    pub transform_quantity: Option<TransformQuantity>,
    pub currency_options: BTreeMap<String, OptionTerms>,
}

impl Price {
    /// The terms, with the meter named by its `event_name` among `meters` (the price's mode).
    pub fn terms(&self, meters: &[Meter]) -> Terms {
        let meter_event = self.recurring.as_ref().and_then(|r| r.meter.as_ref()).map(|id| {
            meters.iter().find(|m| &m.id == id).map(|m| m.event_name.clone()).unwrap_or_else(|| format!("id:{id}"))
        });
        Terms {
            currency: self.currency.clone(),
            billing_scheme: self.billing_scheme.clone(),
            amount: self.amount_decimal(),
            tax_behavior: tax_behavior(&self.tax_behavior).to_string(),
            custom_unit_amount: self.custom_unit_amount.clone(),
            recurring: self.recurring.as_ref().map(|r| (r.interval.clone(), r.interval_count, r.usage_type.clone())),
            trial_period_days: self.recurring.as_ref().and_then(|r| r.trial_period_days),
            meter_event,
            tiers_mode: self.tiers_mode.clone(),
            tiers: tier_terms(&self.tiers),
            transform_quantity: self.transform_quantity.clone(),
            currency_options: self
                .currency_options
                .iter()
                .filter(|(code, _)| **code != self.currency)
                .map(|(code, o)| {
                    let terms = OptionTerms {
                        amount: amount(o.unit_amount, &o.unit_amount_decimal),
                        tax_behavior: tax_behavior(&o.tax_behavior).to_string(),
                        custom_unit_amount: o.custom_unit_amount.clone(),
                        tiers: tier_terms(&o.tiers),
                    };
                    (code.clone(), terms)
                })
                .collect(),
        }
    }

    /// Whether `other` (read with `other_meters`) is the same offer as this price (read with
    /// `meters`): amounts normalised, meters compared by event name.
    pub fn same_terms(&self, meters: &[Meter], other: &Price, other_meters: &[Meter]) -> bool {
        self.terms(meters) == other.terms(other_meters)
    }

    /// The amount in minor units as a canonical decimal string, whichever field Stripe filled.
    pub fn amount_decimal(&self) -> Option<String> {
        amount(self.unit_amount, &self.unit_amount_decimal)
    }

    pub fn is_metered(&self) -> bool {
        self.recurring.as_ref().is_some_and(|r| r.usage_type == "metered")
    }

    /// "29.00 USD / month", "9.00 USD once", "tiered (graduated) USD / month",
    /// "0.5 USD (minor units) / month, metered", "customer chooses USD once",
    /// "29.00 USD / month, tax exclusive".
    pub fn describe(&self) -> String {
        match tax_behavior(&self.tax_behavior) {
            "unspecified" => self.describe_amount(),
            tax => format!("{}, tax {tax}", self.describe_amount()),
        }
    }

    fn describe_amount(&self) -> String {
        let currency = self.currency.to_uppercase();
        let amount = match (self.billing_scheme.as_str(), self.unit_amount, &self.custom_unit_amount) {
            ("tiered", _, _) => format!("tiered ({}) {currency}", self.tiers_mode.as_deref().unwrap_or("?")),
            (_, _, Some(_)) => format!("customer chooses {currency}"),
            (_, Some(cents), _) => format!("{}.{:02} {currency}", cents / 100, cents % 100),
            _ => format!("{} {currency} (minor units)", self.amount_decimal().unwrap_or_default()),
        };
        match &self.recurring {
            None => format!("{amount} once"),
            Some(r) => {
                let period = if r.interval_count == 1 {
                    format!("{amount} / {}", r.interval)
                } else {
                    format!("{amount} / {} {}s", r.interval_count, r.interval)
                };
                if r.usage_type == "metered" {
                    format!("{period}, metered")
                } else {
                    period
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerMapping {
    pub event_payload_key: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultAggregation {
    pub formula: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueSettings {
    pub event_payload_key: String,
}

/// A Billing Meter. It has no metadata at the pinned API version, so golive knows its live
/// copy by `event_name`, which Stripe keeps unique in each mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meter {
    pub id: String,
    pub display_name: String,
    pub event_name: String,
    pub status: String,
    pub customer_mapping: CustomerMapping,
    pub default_aggregation: DefaultAggregation,
    pub value_settings: ValueSettings,
    #[serde(default)]
    pub event_time_window: Option<String>,
}

impl Meter {
    /// What decides how usage is billed: everything but the (internal) display name.
    pub fn same_settings(&self, other: &Meter) -> bool {
        self.event_name == other.event_name
            && self.customer_mapping == other.customer_mapping
            && self.default_aggregation == other.default_aggregation
            && self.value_settings == other.value_settings
            && self.event_time_window == other.event_time_window
    }
}

/// One mode's catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub products: Vec<Product>,
    pub prices: Vec<Price>,
    /// Read only when a price uses a meter.
    #[serde(default)]
    pub meters: Vec<Meter>,
}

impl Catalog {
    pub fn prices_of<'a>(&'a self, product_id: &'a str) -> impl Iterator<Item = &'a Price> + 'a {
        self.prices.iter().filter(move |p| p.product == product_id)
    }

    pub fn meter(&self, id: &str) -> Option<&Meter> {
        self.meters.iter().find(|m| m.id == id)
    }
}

/// The metadata key golive writes on everything it creates: the test-mode object's id.
pub const SOURCE_KEY: &str = "golive_source";
/// The metadata key the app's code reads the tier from.
pub const PLAN_KEY: &str = "plan";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_compare_as_one_decimal_whichever_field_holds_them() {
        assert_eq!(amount(Some(1000), &None), amount(None, &Some("1000".into())));
        assert_eq!(amount(None, &Some("1000.0".into())), Some("1000".into()));
        assert_eq!(amount(Some(1000), &Some("1000.000".into())), Some("1000".into()));
        assert_eq!(normalise_decimal("0012.50"), "12.5");
        assert_eq!(normalise_decimal("0.000000000001"), "0.000000000001");
        assert_ne!(amount(None, &Some("1000.5".into())), amount(Some(1000), &None));
    }

    #[test]
    fn a_tier_written_as_decimals_has_the_terms_of_its_integer_original() {
        let original = Tier {
            up_to: Some(10),
            unit_amount: Some(9900),
            unit_amount_decimal: None,
            flat_amount: None,
            flat_amount_decimal: None,
        };
        let copy = Tier {
            up_to: Some(10),
            unit_amount: None,
            unit_amount_decimal: Some("9900.0".into()),
            flat_amount: Some(0),
            flat_amount_decimal: Some("0".into()),
        };
        assert_eq!(tier_terms(&Some(vec![original])), tier_terms(&Some(vec![copy])));
    }

    fn tier(up_to: Option<i64>, unit: Option<i64>, unit_decimal: Option<&str>) -> Tier {
        Tier {
            up_to,
            unit_amount: unit,
            unit_amount_decimal: unit_decimal.map(Into::into),
            flat_amount: None,
            flat_amount_decimal: None,
        }
    }

    fn tiered(tiers: Vec<Tier>, eur: CurrencyOption) -> Price {
        Price {
            id: "price_1".into(),
            product: "prod_1".into(),
            active: true,
            currency: "usd".into(),
            unit_amount: None,
            unit_amount_decimal: None,
            billing_scheme: "tiered".into(),
            recurring: Some(Recurring {
                interval: "month".into(),
                interval_count: 1,
                usage_type: "licensed".into(),
                meter: None,
                trial_period_days: None,
            }),
            tiers: Some(tiers),
            tiers_mode: Some("graduated".into()),
            transform_quantity: None,
            lookup_key: None,
            tax_behavior: None,
            nickname: None,
            metadata: Default::default(),
            currency_options: [("eur".to_string(), eur)].into(),
            custom_unit_amount: None,
            created: 0,
        }
    }

    /// The false CONFLICT on re-plan: golive writes tier amounts as `*_decimal`; Stripe may
    /// answer in either field. The same amounts are the same terms.
    #[test]
    fn a_tiered_copy_written_in_decimals_is_the_same_offer() {
        let eur = |amount: Option<i64>, decimal: Option<&str>| CurrencyOption {
            unit_amount: amount,
            unit_amount_decimal: decimal.map(Into::into),
            tax_behavior: Some("inclusive".into()),
            custom_unit_amount: None,
            tiers: None,
        };
        let test = tiered(vec![tier(Some(10), Some(9900), None), tier(None, Some(7900), None)], eur(Some(27000), None));
        let copy = tiered(
            vec![tier(Some(10), None, Some("9900")), tier(None, None, Some("7900.0"))],
            eur(None, Some("27000.00")),
        );
        assert!(test.same_terms(&[], &copy, &[]));
        let dearer =
            tiered(vec![tier(Some(10), None, Some("9900")), tier(None, None, Some("7900.5"))], eur(Some(27000), None));
        assert!(!test.same_terms(&[], &dearer, &[]));
    }
}
