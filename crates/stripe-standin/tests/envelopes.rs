//! Every answer as Stripe gives it: a `Request-Id` always (success, error, unknown URL, a
//! method a URL does not take, replay), Stripe's JSON (pretty, `id` and `object` first, the
//! error envelope with `doc_url` and `request_log_url`), 400 `resource_missing` for a
//! parameter naming an object that does not exist, and the `Stripe-Version` header checked
//! and recorded.

mod common;

use common::{call, get, post, top_level_keys, Answer};
use stripe_standin::{AccountSpec, StandIn};

fn request_id(answer: &Answer) -> &str {
    let id =
        answer.header("request-id").unwrap_or_else(|| panic!("no Request-Id on {} {}", answer.status, answer.body));
    assert!(id.starts_with("req_") && id.len() == 18, "Stripe's shape: {id}");
    id
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let key = &keys.live_secret;
    let ok = get(&base, "v1/webhook_endpoints", key).await;
    assert_eq!(ok.status, 200);
    let bad = post(&base, "v1/webhook_endpoints", key, "colour=red").await;
    assert_eq!(bad.status, 400);
    let unknown_key = get(&base, "v1/webhook_endpoints", "sk_test_unknown").await;
    assert_eq!(unknown_key.status, 401);
    let missing = get(&base, "v1/webhook_endpoints/we_missing", key).await;
    assert_eq!(missing.status, 404);
    let no_route = get(&base, "v1/charges_of_the_light_brigade", key).await;
    assert_eq!(no_route.status, 404);
    let answers = [ok, bad, unknown_key, missing, no_route];
    let ids: std::collections::BTreeSet<&str> = answers.iter().map(request_id).collect();
    assert_eq!(ids.len(), answers.len(), "one id per request");
    let logged: Vec<String> = standin.requests().into_iter().map(|r| r.request_id).collect();
    assert!(ids.iter().all(|id| logged.iter().any(|l| l == id)), "the log names each request by its id");
}

#[tokio::test]
async fn a_method_a_url_does_not_take_gets_stripes_404_envelope() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    for (method, path) in
        [("PUT", "/v1/products"), ("DELETE", "/v1/prices/price_123"), ("PATCH", "/v1/webhook_endpoints")]
    {
        let answer = call(&base, method, &path[1..], Some(&keys.test_secret), &[], "").await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
        request_id(&answer);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let error = &answer.json()["error"];
        assert_eq!(error["type"], "invalid_request_error");
        assert_eq!(
            error["message"],
            format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            )
        );
    }
}

#[tokio::test]
async fn answers_are_stripes_json_and_errors_link_their_docs_and_log() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let created = post(
        &base,
        "v1/webhook_endpoints",
        &keys.test_secret,
        "url=https%3A%2F%2Fapi.example.com%2Fw&enabled_events[0]=invoice.paid",
    )
    .await;
    assert_eq!(&top_level_keys(&created.body)[..3], ["id", "object", "api_version"]);
    assert!(created.body.starts_with("{\n  \"id\": \"we_"), "pretty-printed: {}", created.body);
    let listed = get(&base, "v1/webhook_endpoints", &keys.test_secret).await;
    assert_eq!(top_level_keys(&listed.body), ["object", "data", "has_more", "url"]);

    let missing = post(&base, "v1/webhook_endpoints", &keys.test_secret, "enabled_events[0]=invoice.paid").await;
    let error = &missing.json()["error"];
    assert_eq!(error["code"], "parameter_missing");
    assert_eq!(error["doc_url"], "https://stripe.com/docs/error-codes/parameter-missing");
    let log = error["request_log_url"].as_str().unwrap();
    assert!(log.starts_with(&format!("https://dashboard.stripe.com/test/logs/{}?t=", request_id(&missing))), "{log}");
}

#[tokio::test]
async fn a_parameter_naming_a_missing_object_is_400_resource_missing() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let body = "features[subscription_update][enabled]=true&features[subscription_update][products][0][product]=prod_gone&features[subscription_update][products][0][prices][0]=price_gone";
    let answer = post(&base, "v1/billing_portal/configurations", &keys.live_secret, body).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let error = &answer.json()["error"];
    assert_eq!(error["code"], "resource_missing");
    assert_eq!(error["param"], "features[subscription_update][products][0][product]");
    assert_eq!(error["message"], "No such product: 'prod_gone'");
    // The same rule holds for every resource: a price for a product that does not exist.
    let price = post(&base, "v1/prices", &keys.live_secret, "currency=usd&unit_amount=900&product=prod_gone").await;
    assert_eq!(price.status, 400, "{}", price.body);
    assert_eq!(price.json()["error"]["code"], "resource_missing");
    assert_eq!(price.json()["error"]["param"], "product");
    // A cursor is a parameter too.
    let page = get(&base, "v1/webhook_endpoints?starting_after=we_gone", &keys.live_secret).await;
    assert_eq!(page.status, 400);
    assert_eq!(page.json()["error"]["param"], "starting_after");
    // The object in the URL is the one that answers 404.
    let url = get(&base, "v1/billing_portal/configurations/bpc_gone", &keys.live_secret).await;
    assert_eq!(url.status, 404);
    assert_eq!(url.json()["error"]["param"], "id");
}

#[tokio::test]
async fn the_stripe_version_header_is_checked_and_recorded() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let pinned = [("stripe-version", stripe_spec::PINNED_API_VERSION)];
    let ok = call(&base, "GET", "v1/webhook_endpoints", Some(&keys.live_secret), &pinned, "").await;
    assert_eq!(ok.status, 200);
    let unreleased = [("stripe-version", "2099-01-01.future")];
    let refused = call(&base, "GET", "v1/webhook_endpoints", Some(&keys.live_secret), &unreleased, "").await;
    assert_eq!(refused.status, 400);
    request_id(&refused);
    assert_eq!(refused.json()["error"]["message"], "Invalid Stripe API version: 2099-01-01.future");
    assert_eq!(refused.json()["error"]["type"], "invalid_request_error");
    let none = get(&base, "v1/webhook_endpoints", &keys.live_secret).await;
    assert_eq!(none.status, 200, "no header: the account default");
    let versions: Vec<Option<String>> = standin.requests().into_iter().map(|r| r.stripe_version).collect();
    assert_eq!(
        versions,
        [Some(stripe_spec::PINNED_API_VERSION.to_string()), Some("2099-01-01.future".to_string()), None]
    );
}

#[tokio::test]
async fn an_unreleased_version_refuses_a_write_before_it_runs() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let body = "url=https%3A%2F%2Fapi.example.com%2Fw&enabled_events[0]=invoice.paid";
    let headers = [("stripe-version", "2026-13-01"), ("idempotency-key", "k")];
    let refused =
        call(&standin.base_url(), "POST", "v1/webhook_endpoints", Some(&keys.live_secret), &headers, body).await;
    assert_eq!(refused.status, 400);
    assert!(standin.webhook_endpoints(&keys.account_id, true).is_empty());
    let headers = [("stripe-version", stripe_spec::PINNED_API_VERSION), ("idempotency-key", "k")];
    let ok = call(&standin.base_url(), "POST", "v1/webhook_endpoints", Some(&keys.live_secret), &headers, body).await;
    assert_eq!((ok.status, ok.header("idempotent-replayed")), (200, None), "the refusal kept no result");
}
