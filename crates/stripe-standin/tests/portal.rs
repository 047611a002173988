//! Billing portal configurations as the typings describe them: every field rendered, the
//! params' required fields and enums checked, and an update that merges `features` as
//! Stripe does instead of replacing them.

mod common;

use common::{assert_has_fields, get, post, required_fields, typings};
use stripe_standin::{AccountSpec, StandIn};

/// What golive's Catalog step sends (the seed's defaults).
const DEFAULTS: &str = "features[payment_method_update][enabled]=true&features[subscription_cancel][enabled]=true&features[subscription_cancel][mode]=at_period_end&features[invoice_history][enabled]=true&metadata[golive_source]=portal-defaults";

#[tokio::test]
async fn a_partial_features_update_keeps_the_other_features() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let created = post(&base, "v1/billing_portal/configurations", &keys.live_secret, DEFAULTS).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let path = format!("v1/billing_portal/configurations/{id}");
    let updated = post(&base, &path, &keys.live_secret, "features[subscription_cancel][mode]=immediately").await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let features = &updated.json()["features"];
    assert_eq!(features["subscription_cancel"]["mode"], "immediately");
    assert_eq!(features["subscription_cancel"]["enabled"], true, "the rest of subscription_cancel stays");
    assert_eq!(features["invoice_history"]["enabled"], true, "other features stay");
    assert_eq!(features["payment_method_update"]["enabled"], true);
    assert_eq!(updated.json()["metadata"]["golive_source"], "portal-defaults");
    let fetched = get(&base, &path, &keys.live_secret).await;
    assert_eq!(fetched.json()["features"], *features, "stored, not just answered");
}

#[tokio::test]
async fn every_field_of_the_typings_configuration_is_rendered() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let created = post(&standin.base_url(), "v1/billing_portal/configurations", &keys.live_secret, DEFAULTS).await;
    let config = created.json();
    let source = typings("BillingPortal/Configurations.d.ts");
    assert_has_fields(&config, &required_fields(&source, "export interface Configuration {"), "the configuration");
    assert_eq!(config["object"], "billing_portal.configuration");
    for (field, interface) in
        [("business_profile", "BusinessProfile"), ("features", "Features"), ("login_page", "LoginPage")]
    {
        let required = required_fields(&source, &format!("interface {interface} {{"));
        assert_has_fields(&config[field], &required, field);
    }
    let features = &config["features"];
    for (field, interface) in [
        ("customer_update", "CustomerUpdate"),
        ("invoice_history", "InvoiceHistory"),
        ("payment_method_update", "PaymentMethodUpdate"),
        ("subscription_cancel", "SubscriptionCancel"),
        ("subscription_pause", "SubscriptionPause"),
        ("subscription_update", "SubscriptionUpdate"),
    ] {
        let required = required_fields(&source, &format!("interface {interface} {{"));
        assert_has_fields(&features[field], &required, &format!("features.{field}"));
    }
    assert_has_fields(
        &features["subscription_cancel"]["cancellation_reason"],
        &required_fields(&source, "interface CancellationReason {"),
        "features.subscription_cancel.cancellation_reason",
    );
    assert_eq!(features["subscription_update"]["enabled"], false, "left out: off");
}

#[tokio::test]
async fn required_fields_and_enums_are_checked() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let cases = [
        ("", "features", "parameter_missing"),
        ("features[invoice_history][enabled]=", "features[invoice_history][enabled]", "parameter_missing"),
        (
            "features[subscription_cancel][mode]=at_period_end",
            "features[subscription_cancel][enabled]",
            "parameter_missing",
        ),
        (
            "features[subscription_cancel][enabled]=true&features[subscription_cancel][mode]=later",
            "features[subscription_cancel][mode]",
            "",
        ),
        (
            "features[customer_update][enabled]=true&features[customer_update][allowed_updates][0]=shoe_size",
            "features[customer_update][allowed_updates][0]",
            "",
        ),
        (
            "features[invoice_history][enabled]=true&features[invoice_history][colour]=red",
            "features[invoice_history][colour]",
            "parameter_unknown",
        ),
    ];
    for (body, param, code) in cases {
        let answer = post(&base, "v1/billing_portal/configurations", &keys.live_secret, body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let error = &answer.json()["error"];
        assert_eq!(error["param"], param, "{body}");
        if code.is_empty() {
            assert!(error.get("code").is_none(), "{body}: {error}");
            assert!(error["message"].as_str().unwrap().contains("must be one of"), "{error}");
        } else {
            assert_eq!(error["code"], code, "{body}");
        }
    }
    assert!(standin.portal_configurations(&keys.account_id, true).is_empty());
}

#[tokio::test]
async fn a_refused_update_changes_nothing_and_emptyable_fields_unset() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let body = format!("{DEFAULTS}&name=Main&default_return_url=https%3A%2F%2Fexample.com%2Faccount");
    let created = post(&base, "v1/billing_portal/configurations", &keys.live_secret, &body).await;
    let path = format!("v1/billing_portal/configurations/{}", created.json()["id"].as_str().unwrap());
    let refused = post(
        &base,
        &path,
        &keys.live_secret,
        "features[invoice_history][enabled]=false&features[subscription_cancel][mode]=never",
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(standin.portal_configurations(&keys.account_id, true)[0].features.invoice_history.enabled);
    let cleared = post(&base, &path, &keys.live_secret, "name=&default_return_url=&metadata=").await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.json()["name"], serde_json::Value::Null);
    assert_eq!(cleared.json()["default_return_url"], serde_json::Value::Null);
    assert_eq!(cleared.json()["metadata"], serde_json::json!({}));
}

#[tokio::test]
async fn plan_switching_offers_only_existing_products_and_their_prices() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let base = standin.base_url();
    let (pro, pro_price) =
        standin.insert_monthly_tier(&keys.account_id, true, &stripe_standin::scenario::SEED_TIERS[1]);
    let (_, other_price) =
        standin.insert_monthly_tier(&keys.account_id, true, &stripe_standin::scenario::SEED_TIERS[2]);
    let offer = |price: &str| {
        format!(
            "{DEFAULTS}&features[subscription_update][enabled]=true&features[subscription_update][default_allowed_updates][0]=price&features[subscription_update][products][0][product]={pro}&features[subscription_update][products][0][prices][0]={price}"
        )
    };
    let wrong = post(&base, "v1/billing_portal/configurations", &keys.live_secret, &offer(&other_price)).await;
    assert_eq!(wrong.status, 400, "a price of another product: {}", wrong.body);
    assert_eq!(wrong.json()["error"]["param"], "features[subscription_update][products][0][prices][0]");
    let ok = post(&base, "v1/billing_portal/configurations", &keys.live_secret, &offer(&pro_price)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let products = &ok.json()["features"]["subscription_update"]["products"];
    assert_eq!(products[0]["product"], pro);
    assert_eq!(products[0]["prices"], serde_json::json!([pro_price]));
    assert_eq!(products[0]["adjustable_quantity"]["enabled"], false);
}
