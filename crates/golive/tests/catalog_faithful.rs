//! The Catalog step against a catalog as hard as a real one: tiers on the second page of
//! both lists, a tier with monthly, yearly and EUR prices, currency options with tiers, a
//! graduated tiered price with decimal amounts, a base fee and a metered price (with its
//! Billing Meter) in one tier, a one-time setup fee with transform_quantity, a trial, a
//! pay-what-you-want price, default prices, marketing features, package dimensions, an
//! archived product and price, `plan` with a trailing space, `tier` instead of `plan`, and a
//! product id chosen by the user. Every live copy is compared field by field with its test
//! original; a second apply writes nothing; a re-plan shows no conflict; interrupted and
//! failed-while-processing writes end with exactly one copy.

mod support;

use golive::catalog::plan::{Action, Object};
use golive::catalog::{self, apply, price_ids, ApplyOptions, Created, ValidateOptions};
use golive::progress::Silent;
use golive::stripe_api;
use golive::stripe_api::Client;
use std::collections::BTreeMap;
use std::time::Duration;
use stripe_standin::resources::prices::{Price, Tier};
use stripe_standin::Fault;
use support::Fixture;

async fn post(client: &Client, path: &str, form: &[(&str, &str)]) -> String {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: String,
    }
    let form: BTreeMap<&str, &str> = form.iter().copied().collect();
    client.post_form::<IdOnly, _>(path, &form).await.unwrap_or_else(|e| panic!("{path} {form:?}: {e:?}")).id
}

const FILE_LINK: &str = "https://files.stripe.com/links/MDB8YWNjdF8xdGVzdA";

/// The test-mode ids of the hard catalog.
struct Seeded {
    pro: String,
    pro_monthly: String,
    pro_yearly: String,
    enterprise: String,
    enterprise_base: String,
    starter: String,
}

async fn seed(fx: &Fixture) -> Seeded {
    let test = stripe_api::client(&fx.env(), &fx.test_key());
    let meter = post(
        &test,
        "/billing/meters",
        &[
            ("display_name", "API calls"),
            ("event_name", "api_call"),
            ("default_aggregation[formula]", "sum"),
            ("customer_mapping[event_payload_key]", "stripe_customer_id"),
            ("customer_mapping[type]", "by_id"),
            ("value_settings[event_payload_key]", "calls"),
        ],
    )
    .await;

    let pro = post(
        &test,
        "/products",
        &[
            ("name", "Pro Plan"),
            ("description", "Everything a growing team needs"),
            ("metadata[plan]", "pro "),
            ("metadata[team]", "growth"),
            ("marketing_features[0][name]", "Unlimited projects"),
            ("marketing_features[1][name]", "Priority support"),
            ("package_dimensions[height]", "1.5"),
            ("package_dimensions[length]", "10"),
            ("package_dimensions[width]", "7.25"),
            ("package_dimensions[weight]", "3"),
            ("shippable", "false"),
            ("url", "https://example.com/pro"),
            ("unit_label", "seat"),
            ("statement_descriptor", "PANAPI PRO"),
            ("tax_code", "txcd_10103001"),
            ("images[0]", "https://example.com/pro.png"),
            ("images[1]", FILE_LINK),
        ],
    )
    .await;
    let pro_monthly = post(
        &test,
        "/prices",
        &[
            ("product", &pro),
            ("currency", "usd"),
            ("unit_amount", "2900"),
            ("recurring[interval]", "month"),
            ("recurring[trial_period_days]", "14"),
            ("lookup_key", "pro_monthly"),
            ("nickname", "Pro monthly"),
            ("tax_behavior", "exclusive"),
            ("metadata[note]", "launch"),
        ],
    )
    .await;
    let pro_yearly = post(
        &test,
        "/prices",
        &[
            ("product", &pro),
            ("currency", "usd"),
            ("unit_amount", "29000"),
            ("recurring[interval]", "year"),
            ("currency_options[eur][unit_amount]", "27000"),
            ("currency_options[eur][tax_behavior]", "inclusive"),
        ],
    )
    .await;
    post(
        &test,
        "/prices",
        &[("product", &pro), ("currency", "eur"), ("unit_amount", "2700"), ("recurring[interval]", "month")],
    )
    .await;
    let old = post(
        &test,
        "/prices",
        &[("product", &pro), ("currency", "usd"), ("unit_amount", "1900"), ("recurring[interval]", "month")],
    )
    .await;
    post(&test, &format!("/prices/{old}"), &[("active", "false")]).await;
    post(&test, &format!("/products/{pro}"), &[("default_price", &pro_monthly)]).await;

    let enterprise = post(&test, "/products", &[("name", "Enterprise Plan"), ("metadata[tier]", "enterprise")]).await;
    let enterprise_base = post(
        &test,
        "/prices",
        &[("product", &enterprise), ("currency", "usd"), ("unit_amount", "9900"), ("recurring[interval]", "month")],
    )
    .await;
    post(
        &test,
        "/prices",
        &[
            ("product", &enterprise),
            ("currency", "usd"),
            ("unit_amount_decimal", "0.25"),
            ("recurring[interval]", "month"),
            ("recurring[usage_type]", "metered"),
            ("recurring[meter]", &meter),
        ],
    )
    .await;
    post(
        &test,
        "/prices",
        &[
            ("product", &enterprise),
            ("currency", "usd"),
            ("billing_scheme", "tiered"),
            ("tiers_mode", "graduated"),
            ("tiers[0][up_to]", "10"),
            ("tiers[0][unit_amount]", "9900"),
            ("tiers[1][up_to]", "inf"),
            ("tiers[1][unit_amount_decimal]", "7900.5"),
            ("tiers[1][flat_amount]", "1000"),
            ("currency_options[eur][tiers][0][up_to]", "10"),
            ("currency_options[eur][tiers][0][unit_amount]", "9000"),
            ("currency_options[eur][tiers][1][up_to]", "inf"),
            ("currency_options[eur][tiers][1][unit_amount_decimal]", "7000.25"),
            ("recurring[interval]", "month"),
            ("lookup_key", "enterprise_seats"),
            ("tax_behavior", "exclusive"),
        ],
    )
    .await;
    post(
        &test,
        "/prices",
        &[
            ("product", &enterprise),
            ("currency", "usd"),
            ("unit_amount", "50000"),
            ("transform_quantity[divide_by]", "10"),
            ("transform_quantity[round]", "up"),
            ("nickname", "Setup fee"),
        ],
    )
    .await;
    post(&test, &format!("/products/{enterprise}"), &[("default_price", &enterprise_base)]).await;

    let starter =
        post(&test, "/products", &[("name", "Starter"), ("metadata[plan]", "starter"), ("type", "service")]).await;
    let pwyw = post(
        &test,
        "/prices",
        &[
            ("product", &starter),
            ("currency", "usd"),
            ("custom_unit_amount[enabled]", "true"),
            ("custom_unit_amount[minimum]", "500"),
            ("custom_unit_amount[maximum]", "50000"),
            ("custom_unit_amount[preset]", "1000"),
            ("currency_options[eur][custom_unit_amount][enabled]", "true"),
            ("currency_options[eur][custom_unit_amount][preset]", "900"),
        ],
    )
    .await;
    post(&test, &format!("/products/{starter}"), &[("default_price", &pwyw)]).await;

    let team = post(&test, "/products", &[("id", "team-plan"), ("name", "Team"), ("metadata[plan]", "team")]).await;
    post(
        &test,
        "/prices",
        &[("product", &team), ("currency", "usd"), ("unit_amount", "1500"), ("recurring[interval]", "week")],
    )
    .await;

    let legacy = post(&test, "/products", &[("name", "Legacy Plan"), ("metadata[plan]", "legacy")]).await;
    post(
        &test,
        "/prices",
        &[("product", &legacy), ("currency", "usd"), ("unit_amount", "500"), ("recurring[interval]", "month")],
    )
    .await;
    post(&test, &format!("/products/{legacy}"), &[("active", "false")]).await;
    let addon = post(&test, "/products", &[("name", "Extra seats")]).await;
    post(
        &test,
        "/prices",
        &[("product", &addon), ("currency", "usd"), ("unit_amount", "500"), ("recurring[interval]", "month")],
    )
    .await;

    // Made last, so they fill the first page of both lists (newest first) and push the tiers
    // to the second.
    for i in 0..120 {
        let sticker = post(&test, "/products", &[("name", &format!("Sticker {i}"))]).await;
        post(&test, "/prices", &[("product", &sticker), ("currency", "usd"), ("unit_amount", "300")]).await;
    }
    Seeded { pro, pro_monthly, pro_yearly, enterprise, enterprise_base, starter }
}

fn accept() -> ValidateOptions {
    ValidateOptions { expected_tiers: None, accept_suggestions: true }
}

async fn plan(fx: &Fixture) -> (catalog::Catalog, catalog::CatalogPlan) {
    catalog::plan_catalog(&fx.env(), &fx.test_key(), &fx.live_key(), &accept()).await.unwrap()
}

async fn run_apply(fx: &Fixture, options: ApplyOptions) -> catalog::ApplyOutcome {
    let (test, plan) = plan(fx).await;
    assert!(!plan.blocked, "{:#?}", plan.problems);
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    apply(&live, &test, &plan, options, &Silent, &|_: &Created| {}).await
}

/// (live products, live prices, live meters)
fn live_counts(fx: &Fixture) -> (usize, usize, usize) {
    let id = &fx.keys.account_id;
    (fx.stripe.products(id, true).len(), fx.stripe.prices(id, true).len(), fx.stripe.meters(id, true).len())
}

/// The tiers copied: pro (3 active prices), enterprise (4), starter (1), team (1).
const EXPECTED: (usize, usize, usize) = (4, 9, 1);

fn live_posts(fx: &Fixture) -> usize {
    fx.stripe.requests().iter().filter(|r| r.method == "POST" && r.livemode == Some(true)).count()
}

/// An amount as one decimal string, whichever field holds it (the test's own rule).
fn canon(integer: Option<i64>, decimal: &Option<String>) -> Option<String> {
    let text = decimal.clone().or(integer.map(|i| i.to_string()))?;
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") })
}

fn tiers(tiers: &Option<Vec<Tier>>) -> Vec<(Option<i64>, Option<String>, Option<String>)> {
    tiers
        .iter()
        .flatten()
        .map(|t| (t.up_to, canon(t.unit_amount, &t.unit_amount_decimal), canon(t.flat_amount, &t.flat_amount_decimal)))
        .collect()
}

fn assert_same_price(test: &Price, live: &Price, fx: &Fixture) {
    let id = &fx.keys.account_id;
    let what = format!("{} → {}", test.id, live.id);
    assert_eq!(live.currency, test.currency, "{what}");
    assert_eq!(live.billing_scheme, test.billing_scheme, "{what}");
    assert_eq!(live.kind, test.kind, "{what}");
    assert_eq!(
        canon(live.unit_amount, &live.unit_amount_decimal),
        canon(test.unit_amount, &test.unit_amount_decimal),
        "{what}"
    );
    assert_eq!(live.custom_unit_amount, test.custom_unit_amount, "{what}");
    assert_eq!(live.tiers_mode, test.tiers_mode, "{what}");
    assert_eq!(tiers(&live.tiers), tiers(&test.tiers), "{what}");
    assert_eq!(
        live.transform_quantity.as_ref().map(|t| (t.divide_by, t.round.clone())),
        test.transform_quantity.as_ref().map(|t| (t.divide_by, t.round.clone())),
        "{what}"
    );
    match (&test.recurring, &live.recurring) {
        (None, None) => {}
        (Some(t), Some(l)) => {
            assert_eq!(
                (&l.interval, l.interval_count, &l.usage_type),
                (&t.interval, t.interval_count, &t.usage_type),
                "{what}"
            );
            assert_eq!(l.trial_period_days, t.trial_period_days, "{what}: the trial");
            let event = |meter: &Option<String>, live: bool| {
                meter.as_ref().map(|m| {
                    let meters = fx.stripe.meters(id, live);
                    meters.iter().find(|x| &x.id == m).expect("the meter exists in its mode").event_name.clone()
                })
            };
            assert_eq!(event(&l.meter, true), event(&t.meter, false), "{what}: the meter, mapped to its live copy");
            assert!(l.meter.is_none() || !fx.stripe.meters(id, false).iter().any(|m| Some(&m.id) == l.meter.as_ref()));
        }
        other => panic!("{what}: recurring differs: {other:?}"),
    }
    let options = |p: &Price| {
        p.currency_options
            .iter()
            .map(|(code, o)| {
                let terms = (
                    canon(o.unit_amount, &o.unit_amount_decimal),
                    o.custom_unit_amount.clone(),
                    tiers(&o.tiers),
                    o.tax_behavior.clone(),
                );
                (code.clone(), terms)
            })
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(options(live), options(test), "{what}: currency options");
    assert_eq!(live.lookup_key, test.lookup_key, "{what}");
    assert_eq!(live.nickname, test.nickname, "{what}");
    assert_eq!(live.tax_behavior, test.tax_behavior, "{what}");
    let mut metadata = test.metadata.clone();
    metadata.insert("golive_source".into(), test.id.clone());
    assert_eq!(live.metadata, metadata, "{what}");
    assert!(live.active && live.livemode, "{what}");
}

#[tokio::test]
async fn every_live_copy_matches_its_test_original_field_by_field() {
    let fx = Fixture::new().await;
    let seeded = seed(&fx).await;
    let (_, planned) = plan(&fx).await;
    assert_eq!(
        planned.rows.iter().filter(|r| r.name.starts_with("Sticker")).count(),
        240,
        "both lists read to the end"
    );
    let pro_row = planned.rows.iter().find(|r| r.object == Object::Product && r.test_id == seeded.pro).unwrap();
    assert_eq!(pro_row.tier.as_deref(), Some("pro"), "the trailing space is gone");
    assert_eq!(pro_row.not_copied.len(), 1, "{:?}", pro_row.not_copied);
    assert_eq!(pro_row.not_copied[0].field, "images[1]");
    assert!(pro_row.not_copied[0].reason.contains("Upload the image"), "says what to do");
    let meter_rows: Vec<_> = planned.rows.iter().filter(|r| r.object == Object::Meter).collect();
    assert_eq!(meter_rows.len(), 1);
    assert_eq!(meter_rows[0].action, Action::CreateMeter);

    let outcome = run_apply(&fx, ApplyOptions::default()).await;
    assert!(outcome.failed.is_empty(), "{:#?}", outcome.failed);
    assert_eq!(live_counts(&fx), EXPECTED);

    let id = &fx.keys.account_id;
    let (test_meters, live_meters) = (fx.stripe.meters(id, false), fx.stripe.meters(id, true));
    let (t, l) = (&test_meters[0], &live_meters[0]);
    assert_eq!(
        (
            &l.display_name,
            &l.event_name,
            &l.default_aggregation,
            &l.customer_mapping,
            &l.value_settings,
            &l.event_time_window
        ),
        (
            &t.display_name,
            &t.event_name,
            &t.default_aggregation,
            &t.customer_mapping,
            &t.value_settings,
            &t.event_time_window
        )
    );
    assert_eq!(l.status, "active");

    let (test_products, live_products) = (fx.stripe.products(id, false), fx.stripe.products(id, true));
    let (test_prices, live_prices) = (fx.stripe.prices(id, false), fx.stripe.prices(id, true));
    let copy_of = |test_price: &str| {
        let copies: Vec<&Price> = live_prices
            .iter()
            .filter(|p| p.metadata.get("golive_source").map(String::as_str) == Some(test_price))
            .collect();
        assert_eq!(copies.len(), 1, "exactly one copy of {test_price}");
        copies[0]
    };
    for live in &live_products {
        let source = &live.metadata["golive_source"];
        let test = test_products.iter().find(|p| &p.id == source).expect("a copy of a test product");
        let what = format!("{} → {}", test.id, live.id);
        assert_eq!(live.name, test.name, "{what}");
        assert_eq!(live.description, test.description, "{what}");
        let images: Vec<&String> = test.images.iter().filter(|i| i.as_str() != FILE_LINK).collect();
        assert_eq!(live.images.iter().collect::<Vec<_>>(), images, "{what}");
        assert_eq!(live.marketing_features, test.marketing_features, "{what}");
        assert_eq!(live.package_dimensions, test.package_dimensions, "{what}");
        assert_eq!(live.shippable, test.shippable, "{what}");
        assert_eq!(live.statement_descriptor, test.statement_descriptor, "{what}");
        assert_eq!(live.tax_code, test.tax_code, "{what}");
        assert_eq!(live.tax_details, test.tax_details, "{what}");
        assert_eq!(live.kind, test.kind, "{what}");
        assert_eq!(live.unit_label, test.unit_label, "{what}");
        assert_eq!(live.url, test.url, "{what}");
        assert!(live.active && live.livemode, "{what}");
        let tier = live.metadata["plan"].clone();
        let mut metadata: BTreeMap<String, String> = test
            .metadata
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("plan"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        metadata.insert("plan".into(), tier.clone());
        metadata.insert("golive_source".into(), test.id.clone());
        assert_eq!(live.metadata, metadata, "{what}");
        assert_eq!(
            live.default_price.as_deref(),
            test.default_price.as_deref().map(|d| copy_of(d).id.as_str()),
            "{what}: default price mapped"
        );
        if test.id == "team-plan" {
            assert_eq!(live.id, "team-plan", "a product id the user chose is kept");
        }
        for test_price in test_prices.iter().filter(|p| p.product == test.id) {
            if test_price.active {
                let live_price = copy_of(&test_price.id);
                assert_eq!(live_price.product, live.id);
                assert_same_price(test_price, live_price, &fx);
            } else {
                assert!(
                    !live_prices.iter().any(|p| p.metadata.get("golive_source") == Some(&test_price.id)),
                    "archived prices stay behind"
                );
            }
        }
    }
    let tiers: Vec<String> = live_products.iter().map(|p| p.metadata["plan"].clone()).collect();
    assert!(tiers.contains(&"pro".to_string()) && tiers.contains(&"enterprise".to_string()), "{tiers:?}");
    assert!(!tiers.contains(&"legacy".to_string()), "archived products stay behind");
    let _ = (&seeded.enterprise, &seeded.starter);
}

#[tokio::test]
async fn a_second_apply_writes_nothing_and_the_replan_is_clean() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    let first = run_apply(&fx, ApplyOptions::default()).await;
    assert!(first.failed.is_empty(), "{:#?}", first.failed);
    let posts = live_posts(&fx);
    let (_, again) = plan(&fx).await;
    assert!(
        again.is_complete(),
        "{:#?}",
        again
            .rows
            .iter()
            .filter(|r| again.writes() > 0 && !matches!(r.action, Action::Live { .. } | Action::Skipped { .. }))
            .collect::<Vec<_>>()
    );
    let conflicts: Vec<_> = again.rows.iter().filter(|r| matches!(r.action, Action::Conflict { .. })).collect();
    assert!(conflicts.is_empty(), "golive's own copies are not conflicts: {conflicts:#?}");
    let defaults: Vec<_> = again.rows.iter().filter(|r| r.object == Object::DefaultPrice).collect();
    assert_eq!(defaults.len(), 3);
    assert!(defaults.iter().all(|r| matches!(r.action, Action::Live { .. })), "{defaults:#?}");
    let second = run_apply(&fx, ApplyOptions::default()).await;
    assert!(second.created.is_empty() && second.default_prices.is_empty() && second.failed.is_empty(), "{second:#?}");
    assert_eq!(live_posts(&fx), posts, "no write at all");
    assert_eq!(live_counts(&fx), EXPECTED);
}

#[tokio::test]
async fn every_live_price_gets_its_own_variable() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    run_apply(&fx, ApplyOptions::default()).await;
    let live = catalog::read::read_catalog(&stripe_api::client(&fx.env(), &fx.live_key())).await.unwrap();
    let vars = price_ids::price_id_vars(&live);
    let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
    let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert_eq!(
        names,
        [
            "STRIPE_PRICE_ID_ENTERPRISE",
            "STRIPE_PRICE_ID_ENTERPRISE_ENTERPRISE_SEATS",
            "STRIPE_PRICE_ID_ENTERPRISE_METERED",
            "STRIPE_PRICE_ID_ENTERPRISE_ONE_TIME",
            "STRIPE_PRICE_ID_PRO_EUR",
            "STRIPE_PRICE_ID_PRO_USD",
            "STRIPE_PRICE_ID_PRO_YEARLY",
            "STRIPE_PRICE_ID_STARTER",
            "STRIPE_PRICE_ID_TEAM",
        ]
    );
    for var in &vars {
        let siblings: Vec<_> =
            live.prices.iter().filter(|p| Some(&p.product) == var.product_id.as_ref()).cloned().collect();
        assert_eq!(price_ids::expected_name(&var.tier, &siblings, &var.price_id).as_deref(), Some(var.name.as_str()));
    }
    let metered = vars.iter().find(|v| v.name.ends_with("_METERED")).unwrap();
    assert!(metered.terms.ends_with(", metered"), "{}", metered.terms);
}

#[tokio::test]
async fn golives_copy_gets_its_default_price_set_and_corrected_and_others_are_left_alone() {
    let fx = Fixture::new().await;
    let seeded = seed(&fx).await;
    // As an older golive did: everything copied but no default price.
    let (test, mut planned) = plan(&fx).await;
    planned.rows.retain(|r| r.action != Action::SetDefaultPrice);
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    let outcome = apply(&live, &test, &planned, ApplyOptions::default(), &Silent, &|_: &Created| {}).await;
    assert!(outcome.failed.is_empty(), "{:#?}", outcome.failed);
    let id = &fx.keys.account_id;
    assert!(fx.stripe.products(id, true).iter().all(|p| p.default_price.is_none()));

    let (_, planned) = plan(&fx).await;
    let to_set: Vec<&str> =
        planned.rows.iter().filter(|r| r.action == Action::SetDefaultPrice).map(|r| r.test_product.as_str()).collect();
    assert_eq!(to_set.len(), 3, "{to_set:?}");
    assert_eq!(planned.writes(), 3);
    let outcome = run_apply(&fx, ApplyOptions::default()).await;
    assert!(outcome.failed.is_empty(), "{:#?}", outcome.failed);
    assert_eq!(outcome.default_prices.len(), 3);
    assert!(outcome.created.is_empty(), "only default prices were missing");

    let live_pro =
        fx.stripe.products(id, true).into_iter().find(|p| p.metadata["golive_source"] == seeded.pro).unwrap();
    let price_copy = |test_id: &str| {
        fx.stripe
            .prices(id, true)
            .into_iter()
            .find(|p| p.metadata.get("golive_source").map(String::as_str) == Some(test_id))
            .unwrap()
            .id
    };
    assert_eq!(live_pro.default_price, Some(price_copy(&seeded.pro_monthly)));

    // Someone makes the yearly price the default in live mode: golive's copy is put right.
    post(&live, &format!("/products/{}", live_pro.id), &[("default_price", &price_copy(&seeded.pro_yearly))]).await;
    let (_, planned) = plan(&fx).await;
    let rows: Vec<_> = planned.rows.iter().filter(|r| r.action == Action::SetDefaultPrice).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].test_product, seeded.pro);
    run_apply(&fx, ApplyOptions::default()).await;
    let live_pro = fx.stripe.products(id, true).into_iter().find(|p| p.id == live_pro.id).unwrap();
    assert_eq!(live_pro.default_price, Some(price_copy(&seeded.pro_monthly)));

    // A live product golive did not make keeps its default price, and the plan says why.
    let fresh = Fixture::new().await;
    let seeded = seed(&fresh).await;
    let hand_live = stripe_api::client(&fresh.env(), &fresh.live_key());
    let hand =
        post(&hand_live, "/products", &[("name", "Enterprise (by hand)"), ("metadata[plan]", "enterprise")]).await;
    post(
        &hand_live,
        "/prices",
        &[("product", &hand), ("currency", "usd"), ("unit_amount", "9900"), ("recurring[interval]", "month")],
    )
    .await;
    let (_, planned) = plan(&fresh).await;
    let row = planned
        .rows
        .iter()
        .find(|r| r.object == Object::DefaultPrice && r.test_product == seeded.enterprise)
        .expect("a default-price row");
    assert!(matches!(&row.action, Action::Skipped { reason } if reason.contains("not made by golive")), "{row:#?}");
    let _ = seeded.enterprise_base;
}

#[tokio::test]
async fn a_price_create_that_fails_while_processing_ends_with_exactly_one_copy() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    // Writes: the meter (0), then products and their prices side by side, one at a time: the
    // sixth write runs and then fails; Stripe saves that failure and replays it for the same
    // key for 24 hours.
    fx.stripe.inject_on_write(5, Fault::FailWhileProcessing(500));
    let outcome = run_apply(&fx, ApplyOptions { max_in_flight: 1, ..ApplyOptions::default() }).await;
    assert!(outcome.failed.is_empty(), "{:#?}", outcome.failed);
    assert_eq!(live_counts(&fx), EXPECTED, "the landed price was found, not made twice");
    let failed_key = fx
        .stripe
        .requests()
        .iter()
        .find(|r| r.status == 500)
        .and_then(|r| r.idempotency_key.clone())
        .expect("the failing write had a key");
    let reused = fx.stripe.requests().iter().filter(|r| r.idempotency_key.as_ref() == Some(&failed_key)).count();
    assert_eq!(reused, 1, "a key whose failure Stripe replays is never sent again");
    let (_, again) = plan(&fx).await;
    assert!(again.is_complete());
    assert!(run_apply(&fx, ApplyOptions::default()).await.created.is_empty());
    assert_eq!(live_counts(&fx), EXPECTED);
}

#[tokio::test]
async fn an_apply_resumed_a_day_later_finds_its_copies_and_makes_no_duplicate() {
    for crash_after in [2, 7, 11] {
        let fx = Fixture::new().await;
        seed(&fx).await;
        support::crash_catalog_apply_after(&fx, crash_after, accept()).await;
        // Stripe has forgotten every key by now: only metadata.golive_source can tell.
        fx.stripe.advance_clock(Duration::from_secs(25 * 3600));
        let outcome = run_apply(&fx, ApplyOptions::default()).await;
        assert!(outcome.failed.is_empty(), "crash after {crash_after}: {:#?}", outcome.failed);
        assert_eq!(live_counts(&fx), EXPECTED, "crash after {crash_after}");
        let (_, again) = plan(&fx).await;
        assert!(again.is_complete(), "crash after {crash_after}");
    }
}

#[tokio::test]
async fn a_lookup_key_held_in_live_mode_is_not_taken_and_the_plan_says_so() {
    let fx = Fixture::new().await;
    let seeded = seed(&fx).await;
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    let other = post(&live, "/products", &[("name", "Old pro")]).await;
    let holder = post(
        &live,
        "/prices",
        &[("product", &other), ("currency", "usd"), ("unit_amount", "100"), ("lookup_key", "pro_monthly")],
    )
    .await;
    let (_, planned) = plan(&fx).await;
    let row = planned.rows.iter().find(|r| r.test_id == seeded.pro_monthly).unwrap();
    assert_eq!(row.action, Action::CreatePrice);
    assert_eq!(row.not_copied.len(), 1);
    assert_eq!(row.not_copied[0].field, "lookup_key");
    assert!(row.not_copied[0].reason.contains(&holder), "{}", row.not_copied[0].reason);
    let outcome = run_apply(&fx, ApplyOptions::default()).await;
    assert!(outcome.failed.is_empty(), "{:#?}", outcome.failed);
    let prices = fx.stripe.prices(&fx.keys.account_id, true);
    assert_eq!(prices.iter().find(|p| p.id == holder).unwrap().lookup_key.as_deref(), Some("pro_monthly"));
    let copy = prices.iter().find(|p| p.metadata.get("golive_source") == Some(&seeded.pro_monthly)).unwrap();
    assert_eq!(copy.lookup_key, None);
}

#[tokio::test]
async fn a_live_meter_that_bills_differently_is_a_conflict_and_its_prices_wait() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    let theirs = post(
        &live,
        "/billing/meters",
        &[("display_name", "API calls"), ("event_name", "api_call"), ("default_aggregation[formula]", "count")],
    )
    .await;
    let (_, planned) = plan(&fx).await;
    let meter = planned.rows.iter().find(|r| r.object == Object::Meter).unwrap();
    assert!(
        matches!(&meter.action, Action::Conflict { live_id, reason } if live_id == &theirs && reason.contains("count")),
        "{meter:#?}"
    );
    let metered = planned.rows.iter().find(|r| r.terms.as_deref().is_some_and(|t| t.ends_with("metered"))).unwrap();
    assert!(matches!(&metered.action, Action::Skipped { reason } if reason.contains("meter")), "{metered:#?}");
    let outcome = run_apply(&fx, ApplyOptions::default()).await;
    assert!(outcome.failed.is_empty(), "{:#?}", outcome.failed);
    let id = &fx.keys.account_id;
    assert_eq!(fx.stripe.meters(id, true).len(), 1, "their meter is left alone, none added");
    assert_eq!(fx.stripe.prices(id, true).len(), EXPECTED.1 - 1, "everything but the metered price is copied");
}
