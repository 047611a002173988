//! The stand-in as async-stripe (a real Stripe SDK) sees it: objects deserialise, lists
//! paginate to the end, idempotent retries replay, modes stay apart, errors parse.

use stripe::{
    Client, CreatePrice, CreatePriceRecurring, CreatePriceRecurringInterval, CreateProduct, Currency, IdOrCreate,
    ListPrices, ListProducts, Price, Product, RequestStrategy, StripeError, UpdateProduct,
};
use stripe_standin::{AccountSpec, Fault, StandIn};

fn client(standin: &StandIn, key: &str) -> Client {
    Client::from_url(standin.base_url().as_str(), key)
}

fn plan_metadata(plan: &str) -> std::collections::HashMap<String, String> {
    [("plan".to_string(), plan.to_string())].into()
}

#[tokio::test]
async fn products_and_prices_round_trip_through_the_sdk() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let live = client(&standin, &keys.live_secret);
    let mut params = CreateProduct::new("Pro Plan");
    params.metadata = Some(plan_metadata("pro"));
    let product = Product::create(&live, params).await.unwrap();
    assert!(product.livemode.unwrap());
    let mut price = CreatePrice::new(Currency::USD);
    price.product = Some(IdOrCreate::Id(product.id.as_str()));
    price.unit_amount = Some(2900);
    price.recurring =
        Some(CreatePriceRecurring { interval: CreatePriceRecurringInterval::Month, ..Default::default() });
    let price = Price::create(&live, price).await.unwrap();
    assert_eq!(price.unit_amount, Some(2900));
    assert_eq!(price.recurring.unwrap().interval_count, 1);

    let mut update = UpdateProduct::new();
    update.metadata = Some(plan_metadata(""));
    let updated = Product::update(&live, &product.id, update).await.unwrap();
    assert!(updated.metadata.unwrap().is_empty(), "an empty value removes a metadata key");

    // the test side of the same account sees none of it
    let test = client(&standin, &keys.test_secret);
    let listed = Product::list(&test, &ListProducts::new()).await.unwrap();
    assert!(listed.data.is_empty());
}

#[tokio::test]
async fn lists_paginate_to_the_end() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let live = client(&standin, &keys.live_secret);
    for i in 0..23 {
        Product::create(&live, CreateProduct::new(&format!("P{i}"))).await.unwrap();
    }
    let mut params = ListProducts::new();
    params.limit = Some(10);
    let first = Product::list(&live, &params).await.unwrap();
    assert_eq!(first.data.len(), 10);
    assert!(first.has_more);
    let mut all = first.data.clone();
    let mut page = first;
    while page.has_more {
        params.starting_after = Some(all.last().unwrap().id.clone());
        page = Product::list(&live, &params).await.unwrap();
        all.extend(page.data.clone());
    }
    assert_eq!(all.len(), 23);
    let names: std::collections::HashSet<_> = all.iter().map(|p| p.name.clone().unwrap()).collect();
    assert_eq!(names.len(), 23, "no page repeats or skips an object");
    let prices = Price::list(&live, &ListPrices::new()).await.unwrap();
    assert!(prices.data.is_empty());
}

#[tokio::test]
async fn an_idempotent_retry_replays_and_a_different_body_is_refused() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let live =
        client(&standin, &keys.live_secret).with_strategy(RequestStrategy::Idempotent("golive-catalog-pro".into()));
    let first = Product::create(&live, CreateProduct::new("Pro Plan")).await.unwrap();
    let again = Product::create(&live, CreateProduct::new("Pro Plan")).await.unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(standin.products(&keys.account_id, true).len(), 1);
    match Product::create(&live, CreateProduct::new("Other")).await {
        Err(StripeError::Stripe(e)) => {
            assert_eq!(e.http_status, 400);
            assert!(e.message.unwrap().contains("same parameters"));
        }
        other => panic!("expected idempotency_error, got {other:?}"),
    }
}

#[tokio::test]
async fn errors_arrive_in_stripes_envelope() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let live = client(&standin, &keys.live_secret);
    let missing = Product::retrieve(&live, &"prod_doesnotexist".parse().unwrap(), &[]).await;
    match missing {
        Err(StripeError::Stripe(e)) => {
            assert_eq!(e.http_status, 404);
            assert_eq!(e.message.as_deref(), Some("No such product: 'prod_doesnotexist'"));
        }
        other => panic!("{other:?}"),
    }
    let unknown = client(&standin, &format!("sk_live_51{}", "0".repeat(30)));
    match Product::list(&unknown, &ListProducts::new()).await {
        Err(StripeError::Stripe(e)) => assert_eq!(e.http_status, 401),
        other => panic!("{other:?}"),
    }
    standin.inject(Fault::Status(429));
    match Product::list(&live, &ListProducts::new()).await {
        Err(StripeError::Stripe(e)) => assert_eq!(e.http_status, 429),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn prices_keep_stripes_rules() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let live = client(&standin, &keys.live_secret);
    let product = Product::create(&live, CreateProduct::new("Pro Plan")).await.unwrap();
    let make = |lookup: &'static str| {
        let mut p = CreatePrice::new(Currency::USD);
        p.product = Some(IdOrCreate::Id(product.id.as_str()));
        p.unit_amount = Some(2900);
        p.lookup_key = Some(lookup);
        p
    };
    Price::create(&live, make("pro_monthly")).await.unwrap();
    match Price::create(&live, make("pro_monthly")).await {
        Err(StripeError::Stripe(e)) => {
            assert!(e.message.unwrap().contains("already uses that lookup key"))
        }
        other => panic!("{other:?}"),
    }
    let mut transfer = make("pro_monthly");
    transfer.transfer_lookup_key = Some(true);
    let moved = Price::create(&live, transfer).await.unwrap();
    assert_eq!(moved.lookup_key.as_deref(), Some("pro_monthly"));
    // the test side has its own lookup keys
    let test = client(&standin, &keys.test_secret);
    let test_product = Product::create(&test, CreateProduct::new("Pro Plan")).await.unwrap();
    let mut p = CreatePrice::new(Currency::USD);
    p.product = Some(IdOrCreate::Id(test_product.id.as_str()));
    p.unit_amount = Some(2900);
    p.lookup_key = Some("pro_monthly");
    Price::create(&test, p).await.unwrap();
    // a live key cannot use a test product
    let mut cross = CreatePrice::new(Currency::USD);
    cross.product = Some(IdOrCreate::Id(test_product.id.as_str()));
    cross.unit_amount = Some(100);
    assert!(Price::create(&live, cross).await.is_err());
}

#[tokio::test]
async fn a_webhook_endpoint_shows_its_secret_only_when_created() {
    use stripe::{
        CreateWebhookEndpoint, EventFilter, ListWebhookEndpoints, UpdateWebhookEndpoint, WebhookEndpoint,
        WebhookEndpointStatus,
    };
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let live = client(&standin, &keys.live_secret);
    let events = vec![EventFilter::CustomerSubscriptionCreated, EventFilter::CustomerSubscriptionDeleted];
    let http = CreateWebhookEndpoint::new(events.clone(), "http://api.example.com/webhook/stripe");
    let refused = WebhookEndpoint::create(&live, http).await.unwrap_err();
    assert!(matches!(refused, StripeError::Stripe(e) if e.http_status == 400), "live mode wants HTTPS");

    let created =
        WebhookEndpoint::create(&live, CreateWebhookEndpoint::new(events, "https://api.example.com/webhook/stripe"))
            .await
            .unwrap();
    let secret = created.secret.clone().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created.livemode, Some(true));
    let again = WebhookEndpoint::retrieve(&live, &created.id, &[]).await.unwrap();
    assert_eq!(again.secret, None, "retrieve never shows the secret");
    let listed = WebhookEndpoint::list(&live, &ListWebhookEndpoints::new()).await.unwrap();
    assert!(listed.data.iter().all(|e| e.secret.is_none()), "nor does list");
    assert_eq!(standin.webhook_endpoints(&keys.account_id, true)[0].secret, secret, "the stand-in keeps it to sign");

    let mut off = UpdateWebhookEndpoint::new();
    off.disabled = Some(true);
    let updated = WebhookEndpoint::update(&live, &created.id, off).await.unwrap();
    assert_eq!(updated.status, Some(WebhookEndpointStatus::Disabled));
    let test = client(&standin, &keys.test_secret);
    assert!(WebhookEndpoint::retrieve(&test, &created.id, &[]).await.is_err(), "test mode cannot see live endpoints");
    let deleted = WebhookEndpoint::delete(&live, &created.id).await.unwrap();
    assert!(deleted.deleted);
    assert!(standin.webhook_endpoints(&keys.account_id, true).is_empty());
}
