//! The Catalog step against the Stripe stand-in: a seed-like test catalog with every trap,
//! the plan, apply, re-runs after crashes and dropped connections, 429 storms and 500s —
//! counting live objects each time: no duplicates, plan complete.

mod support;

use golive::catalog::plan::{Action, Object};
use golive::catalog::{self, apply, ApplyOptions, Created, ValidateOptions};
use golive::catalog::{portal, price_ids};
use golive::progress::Silent;
use golive::stripe_api;
use golive::stripe_api::Client;
use std::collections::BTreeMap;
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

async fn product(client: &Client, name: &str, meta: &[(&str, &str)]) -> String {
    let keys: Vec<String> = meta.iter().map(|(k, _)| format!("metadata[{k}]")).collect();
    let mut form: Vec<(&str, &str)> = vec![("name", name)];
    form.extend(keys.iter().map(String::as_str).zip(meta.iter().map(|(_, v)| *v)));
    post(client, "/products", &form).await
}

async fn monthly(client: &Client, product: &str, cents: &str, interval: &str) -> String {
    post(
        client,
        "/prices",
        &[("product", product), ("currency", "usd"), ("unit_amount", cents), ("recurring[interval]", interval)],
    )
    .await
}

/// The seed's tiers and the traps: "Pro" in capitals with a yearly and an archived price, a
/// tiered enterprise price, an add-on without `plan`, an archived product, 110 plain
/// products (so lists paginate), and `starter` already live (made by hand, same terms).
async fn seed(fx: &Fixture) {
    let test = stripe_api::client(&fx.env(), &fx.test_key());
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    for i in 0..110 {
        product(&test, &format!("Sticker {i}"), &[]).await;
    }
    let starter = product(&test, "Starter Plan", &[("plan", "starter")]).await;
    monthly(&test, &starter, "900", "month").await;
    let pro = product(&test, "Pro Plan", &[("plan", "Pro")]).await;
    monthly(&test, &pro, "2900", "month").await;
    post(
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
    let old = monthly(&test, &pro, "1900", "month").await;
    post(&test, &format!("/prices/{old}"), &[("active", "false")]).await;
    let enterprise = product(&test, "Enterprise Plan", &[("plan", "enterprise")]).await;
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
            ("tiers[1][unit_amount]", "7900"),
            ("recurring[interval]", "month"),
            ("tax_behavior", "exclusive"),
        ],
    )
    .await;
    let addon = product(&test, "Extra seats", &[]).await;
    monthly(&test, &addon, "500", "month").await;
    let legacy = product(&test, "Legacy Plan", &[("plan", "legacy")]).await;
    post(&test, &format!("/products/{legacy}"), &[("active", "false")]).await;
    // starter is already live, made in the Dashboard (no golive_source)
    let live_starter = product(&live, "Starter Plan", &[("plan", "starter")]).await;
    monthly(&live, &live_starter, "900", "month").await;
}

fn accept() -> ValidateOptions {
    ValidateOptions { expected_tiers: None, accept_suggestions: true }
}

async fn plan(fx: &Fixture, options: &ValidateOptions) -> (catalog::Catalog, catalog::CatalogPlan) {
    catalog::plan_catalog(&fx.env(), &fx.test_key(), &fx.live_key(), options).await.unwrap()
}

async fn run_apply(fx: &Fixture, options: ApplyOptions) -> catalog::ApplyOutcome {
    let (test, plan) = plan(fx, &accept()).await;
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    apply(&live, &test, &plan, options, &Silent, &|_: &Created| {}).await
}

/// Live objects per tier: (products, active prices).
fn live_counts(fx: &Fixture) -> BTreeMap<String, (usize, usize)> {
    let products = fx.stripe.products(&fx.keys.account_id, true);
    let prices = fx.stripe.prices(&fx.keys.account_id, true);
    let mut counts = BTreeMap::new();
    for p in &products {
        let tier = p.metadata.get("plan").cloned().unwrap_or_default();
        let n = prices.iter().filter(|x| x.product == p.id && x.active).count();
        let entry = counts.entry(tier).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += n;
    }
    counts
}

fn expected_counts() -> BTreeMap<String, (usize, usize)> {
    [("starter", (1, 1)), ("pro", (1, 2)), ("enterprise", (1, 1))]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

#[tokio::test]
async fn the_plan_flags_every_trap_and_blocks_until_fixes_are_accepted() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    let (_, strict) = plan(&fx, &ValidateOptions::default()).await;
    assert!(strict.blocked);
    let codes: Vec<&str> = strict.problems.iter().map(|p| p.code.as_str()).collect();
    assert!(codes.contains(&"plan_not_lowercase"), "{codes:?}");
    assert!(codes.contains(&"no_plan"), "{codes:?}");
    let case = strict.problems.iter().find(|p| p.code == "plan_not_lowercase").unwrap();
    assert_eq!(case.suggestion.as_deref(), Some("pro"));

    let (_, plan) = plan(&fx, &accept()).await;
    assert!(!plan.blocked, "{:#?}", plan.problems);
    let row = |name: &str, object: Object| {
        plan.rows.iter().filter(|r| r.name == name && r.object == object).map(|r| r.action.clone()).collect::<Vec<_>>()
    };
    assert!(matches!(row("Starter Plan", Object::Product)[..], [Action::Live { .. }]));
    assert!(matches!(row("Starter Plan", Object::Price)[..], [Action::Live { .. }]));
    assert_eq!(row("Pro Plan", Object::Product), vec![Action::CreateProduct]);
    let pro_prices = row("Pro Plan", Object::Price);
    assert_eq!(pro_prices.iter().filter(|a| **a == Action::CreatePrice).count(), 2);
    assert!(pro_prices.contains(&Action::Skipped { reason: "archived in test mode".into() }));
    assert_eq!(row("Enterprise Plan", Object::Price), vec![Action::CreatePrice]);
    assert!(matches!(row("Extra seats", Object::Product)[..], [Action::Skipped { .. }]));
    assert!(matches!(row("Legacy Plan", Object::Product)[..], [Action::Skipped { .. }]));
    assert_eq!(plan.rows.iter().filter(|r| r.name.starts_with("Sticker")).count(), 110, "all pages were read");
    assert_eq!(plan.writes(), 5);
    // planning wrote nothing
    assert_eq!(fx.stripe.products(&fx.keys.account_id, true).len(), 1);
}

#[tokio::test]
async fn apply_creates_only_what_is_missing_and_a_rerun_finds_it_all() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    let outcome = run_apply(&fx, ApplyOptions::default()).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(outcome.created.len(), 5);
    assert_eq!(live_counts(&fx), expected_counts());
    let live_pro = fx.stripe.products(&fx.keys.account_id, true).into_iter().find(|p| p.name == "Pro Plan").unwrap();
    assert_eq!(live_pro.metadata["plan"], "pro", "the corrected tier");
    assert!(live_pro.metadata["golive_source"].starts_with("prod_"));
    let tiered =
        fx.stripe.prices(&fx.keys.account_id, true).into_iter().find(|p| p.billing_scheme == "tiered").unwrap();
    assert_eq!(tiered.tiers.as_ref().unwrap().len(), 2);
    assert_eq!(tiered.tax_behavior, "exclusive");

    let yearly =
        fx.stripe.prices(&fx.keys.account_id, true).into_iter().find(|p| p.unit_amount == Some(29000)).unwrap();
    assert_eq!(yearly.currency_options["eur"].unit_amount, Some(27000), "other currencies are copied");
    assert_eq!(yearly.currency_options["eur"].tax_behavior.as_deref(), Some("inclusive"));

    let (_, again) = plan(&fx, &accept()).await;
    assert!(
        again.is_complete(),
        "{:#?}",
        again.rows.iter().filter(|r| r.action == Action::CreatePrice).collect::<Vec<_>>()
    );
    assert!(run_apply(&fx, ApplyOptions::default()).await.created.is_empty());
    assert_eq!(live_counts(&fx), expected_counts());

    let live = catalog::read::read_catalog(&stripe_api::client(&fx.env(), &fx.live_key())).await.unwrap();
    let names: Vec<String> = price_ids::price_id_vars(&live).into_iter().map(|v| v.name).collect();
    assert_eq!(
        names,
        ["STRIPE_PRICE_ID_ENTERPRISE", "STRIPE_PRICE_ID_PRO", "STRIPE_PRICE_ID_PRO_YEARLY", "STRIPE_PRICE_ID_STARTER"]
    );
}

#[tokio::test]
async fn a_connection_lost_after_any_write_is_retried_without_a_duplicate() {
    for n in 0..5 {
        let fx = Fixture::new().await;
        seed(&fx).await;
        fx.stripe.inject_on_write(n, Fault::DropAfterHandling);
        let outcome = run_apply(&fx, ApplyOptions { max_in_flight: 4, ..ApplyOptions::default() }).await;
        assert!(outcome.failed.is_empty(), "write {n}: {:?}", outcome.failed);
        assert_eq!(live_counts(&fx), expected_counts(), "write {n}");
        let replayed = fx.stripe.requests().iter().filter(|r| r.method == "POST" && r.livemode == Some(true)).count();
        assert!(replayed >= 6 + 2, "the lost write was sent again (write {n})");
    }
}

#[tokio::test]
async fn a_crash_at_every_write_boundary_resumes_with_no_duplicates() {
    for crash_after in 1..=5 {
        let fx = Fixture::new().await;
        seed(&fx).await;
        support::crash_catalog_apply_after(&fx, crash_after, accept()).await;
        let outcome = run_apply(&fx, ApplyOptions::default()).await;
        assert!(outcome.failed.is_empty(), "crash after {crash_after}: {:?}", outcome.failed);
        assert_eq!(live_counts(&fx), expected_counts(), "crash after {crash_after}");
    }
}

#[tokio::test]
async fn a_429_storm_and_500s_still_complete_exactly() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    fx.stripe.set_rate_limit(Some(3));
    for n in [0, 2, 3] {
        fx.stripe.inject_on_write(n, Fault::Status(500));
    }
    let outcome = run_apply(&fx, ApplyOptions { per_second: 50, per_operation: 50, max_in_flight: 8 }).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(live_counts(&fx), expected_counts());
    let refused = fx.stripe.requests().iter().filter(|r| r.status == 429).count();
    assert!(refused > 0, "the limit was really hit");
}

#[tokio::test]
async fn a_live_tier_with_other_terms_is_a_conflict_left_untouched() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    let pro = product(&live, "Pro (old)", &[("plan", "pro")]).await;
    let old_price = monthly(&live, &pro, "1500", "month").await;
    let (_, plan) = plan(&fx, &accept()).await;
    let conflict = plan
        .rows
        .iter()
        .find(|r| matches!(&r.action, Action::Conflict { live_id, .. } if live_id == &old_price))
        .expect("the monthly pro price conflicts");
    assert!(matches!(&conflict.action, Action::Conflict { reason, .. } if reason.contains("15.00 USD / month")));
    run_apply(&fx, ApplyOptions::default()).await;
    let untouched = fx.stripe.prices(&fx.keys.account_id, true).into_iter().find(|p| p.id == old_price).unwrap();
    assert_eq!(untouched.unit_amount, Some(1500));
    assert!(untouched.active);
}

#[tokio::test]
async fn a_live_price_that_taxes_differently_is_not_taken_for_the_copy() {
    // Enterprise is 99.00 USD a month, tax exclusive, in test mode; live mode already has
    // 99.00 USD a month for the tier, but tax inclusive: the customer would pay another total.
    let fx = Fixture::new().await;
    let test = stripe_api::client(&fx.env(), &fx.test_key());
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    let terms = |product: &str, tax: &'static str| {
        [("product", product.to_string()), ("currency", "usd".into()), ("unit_amount", "9900".into())]
            .into_iter()
            .chain([("recurring[interval]", "month".into()), ("tax_behavior", tax.into())])
            .collect::<Vec<(&str, String)>>()
    };
    let test_product = product(&test, "Enterprise", &[("plan", "enterprise")]).await;
    let form = terms(&test_product, "exclusive");
    post(&test, "/prices", &form.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    let live_product = product(&live, "Enterprise", &[("plan", "enterprise")]).await;
    let form = terms(&live_product, "inclusive");
    let inclusive = post(&live, "/prices", &form.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;

    let (_, plan) = plan(&fx, &accept()).await;
    let row = plan.rows.iter().find(|r| r.object == Object::Price && r.tier.as_deref() == Some("enterprise")).unwrap();
    assert!(
        matches!(&row.action, Action::Conflict { live_id, reason } if live_id == &inclusive && reason.contains("tax inclusive") && reason.contains("tax exclusive")),
        "{row:?}"
    );
    assert_eq!(row.terms.as_deref(), Some("99.00 USD / month, tax exclusive"));
}

#[tokio::test]
async fn two_products_claiming_one_tier_block_every_write() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    let test = stripe_api::client(&fx.env(), &fx.test_key());
    product(&test, "Pro Plan (copy)", &[("plan", "pro")]).await;
    let (test_catalog, plan) = plan(&fx, &accept()).await;
    assert!(plan.blocked);
    assert_eq!(plan.problems.iter().filter(|p| p.code == "duplicate_tier").count(), 2);
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    let outcome = apply(&live, &test_catalog, &plan, ApplyOptions::default(), &Silent, &|_: &Created| {}).await;
    assert!(outcome.created.is_empty());
    assert_eq!(fx.stripe.products(&fx.keys.account_id, true).len(), 1);
}

#[tokio::test]
async fn tiers_the_app_does_not_know_are_refused() {
    let fx = Fixture::new().await;
    seed(&fx).await;
    let options =
        ValidateOptions { expected_tiers: Some(vec!["starter".into(), "pro".into()]), accept_suggestions: true };
    let (_, plan) = plan(&fx, &options).await;
    assert!(plan.blocked);
    let unknown = plan.problems.iter().find(|p| p.code == "unknown_tier").unwrap();
    assert_eq!(unknown.product_name, "Enterprise Plan");
}

#[tokio::test]
async fn the_customer_portal_is_created_once_then_reused() {
    let fx = Fixture::new().await;
    let live = stripe_api::client(&fx.env(), &fx.live_key());
    let first = portal::ensure_portal(&live).await.unwrap();
    assert!(!first.reused);
    assert!(first.id.starts_with("bpc_"));
    let second = portal::ensure_portal(&live).await.unwrap();
    assert_eq!(second, portal::PortalOutcome { id: first.id.clone(), reused: true });
    assert_eq!(fx.stripe.portal_configurations(&fx.keys.account_id, true).len(), 1);
    assert!(fx.stripe.portal_configurations(&fx.keys.account_id, false).is_empty(), "live only");

    // Turned off in the Dashboard: the next run makes a new one, not Stripe's replay of the old.
    post(&live, &format!("/billing_portal/configurations/{}", first.id), &[("active", "false")]).await;
    let third = portal::ensure_portal(&live).await.unwrap();
    assert!(!third.reused);
    assert_ne!(third.id, first.id, "a fixed Idempotency-Key would hand back the deactivated one");
    assert_eq!(fx.stripe.portal_configurations(&fx.keys.account_id, true).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_whose_answer_never_came_is_not_sent_again_with_another_key() {
    // Stripe takes the price create and is slow to finish it; golive's client stops waiting,
    // its retries meet the key still in use (409). Sending the create again under a fresh key
    // would make a second price once the first lands, so golive leaves it to the next run.
    let fx = Fixture::new().await;
    let test = stripe_api::client(&fx.env(), &fx.test_key());
    let pro = product(&test, "Pro Plan", &[("plan", "pro")]).await;
    let test_price = monthly(&test, &pro, "2900", "month").await;
    let slow = std::time::Duration::from_secs(30);
    fx.stripe.inject_on_write(1, Fault::Delay(slow)); // write 0 is the product, 1 its price
    let started = std::time::Instant::now();
    let (test_catalog, planned) = plan(&fx, &accept()).await;
    let impatient = stripe_api::client(&fx.env(), &fx.live_key()).with_timeout(std::time::Duration::from_millis(300));
    let outcome = apply(&impatient, &test_catalog, &planned, ApplyOptions::default(), &Silent, &|_: &Created| {}).await;
    let failed = outcome.failed.iter().find(|f| f.test_id == test_price).expect("the price is reported, not resent");
    assert!(failed.reason.contains("cannot tell whether it landed"), "{failed:?}");

    // The first create lands after all; the next run finds it and makes nothing twice.
    tokio::time::sleep(slow.saturating_sub(started.elapsed()) + std::time::Duration::from_secs(1)).await;
    run_apply(&fx, ApplyOptions::default()).await;
    let copies: Vec<_> = fx
        .stripe
        .prices(&fx.keys.account_id, true)
        .into_iter()
        .filter(|p| p.metadata.get("golive_source") == Some(&test_price))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:#?}");
    let (_, replanned) = plan(&fx, &accept()).await;
    assert!(replanned.is_complete(), "{:#?}", replanned.rows);
}
