//! A smoke purchase against the stand-in as golive makes one in live mode: a 100%-off coupon
//! and its promotion code, a subscription Checkout Session that collects no card for $0,
//! completion by the test hook (customer, active subscription, paid $0 invoice, six events in
//! Stripe's order, delivered whole), the customer portal, then cancel — with the rules Stripe
//! enforces on the way, expiry, the HTTP completion route and persistence.

mod common;

use axum::body::Bytes;
use axum::http::HeaderMap;
use common::{assert_has_fields, call, get, post, required_fields, typings, Answer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stripe_standin::scenario::SEED_TIERS;
use stripe_standin::{AccountKeys, AccountSpec, StandIn};

/// What a receiver saw: the bodies of the POSTs, in order.
type Seen = Arc<Mutex<Vec<Value>>>;

/// A local webhook receiver answering 200; returns its base URL and what it saw.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |_: HeaderMap, body: Bytes| {
        let record = record.clone();
        async move {
            record.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
            axum::Json(json!({ "received": true }))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

/// A live account with the pro tier ($29/month) and an endpoint taking every event, routed
/// to a local receiver.
struct Live {
    standin: StandIn,
    keys: AccountKeys,
    price: String,
    seen: Seen,
}

impl Live {
    async fn start() -> Live {
        Self::on(StandIn::start().await.unwrap()).await
    }

    async fn on(standin: StandIn) -> Live {
        let keys = standin.add_account(AccountSpec::default());
        let (base, seen) = receiver().await;
        standin.route_deliveries("api.example.com", &base);
        let (_, price) = standin.insert_monthly_tier(&keys.account_id, true, &SEED_TIERS[1]);
        let endpoint = "url=https%3A%2F%2Fapi.example.com%2Fwebhook&enabled_events[0]=*&api_version=2026-10-28.endive";
        let answer = post(&standin.base_url(), "v1/webhook_endpoints", &keys.live_secret, endpoint).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        Live { standin, keys, price, seen }
    }

    async fn post(&self, path: &str, body: &str) -> Answer {
        post(&self.standin.base_url(), path, &self.keys.live_secret, body).await
    }

    async fn get(&self, path: &str) -> Answer {
        get(&self.standin.base_url(), path, &self.keys.live_secret).await
    }

    async fn delete(&self, path: &str) -> Answer {
        call(&self.standin.base_url(), "DELETE", path, Some(&self.keys.live_secret), &[], "").await
    }

    async fn ok(&self, path: &str, body: &str) -> Value {
        let answer = self.post(path, body).await;
        assert_eq!(answer.status, 200, "POST {path}: {}", answer.body);
        answer.json()
    }

    /// A 100%-off once coupon with one redemption until an hour from now.
    async fn coupon(&self) -> String {
        let redeem_by = self.standin.now() + 3600;
        let body = format!(
            "percent_off=100&duration=once&max_redemptions=1&redeem_by={redeem_by}&name=golive+smoke+purchase&metadata[golive_smoke]=run1"
        );
        self.ok("v1/coupons", &body).await["id"].as_str().unwrap().to_string()
    }

    /// A one-time code for `coupon`.
    async fn code(&self, coupon: &str, code: &str) -> String {
        // Not after the coupon's redeem_by (an hour from when it was made).
        let expires_at = self.standin.now() + 3000;
        let body = format!(
            "promotion[type]=coupon&promotion[coupon]={coupon}&code={code}&max_redemptions=1&expires_at={expires_at}&metadata[golive_smoke]=run1"
        );
        self.ok("v1/promotion_codes", &body).await["id"].as_str().unwrap().to_string()
    }

    /// golive's smoke checkout body with `discount` (`discounts[0][promotion_code]=promo_…`).
    fn checkout_body(&self, discount: &str) -> String {
        let expires_at = self.standin.now() + 3600;
        format!(
            "mode=subscription&line_items[0][price]={}&line_items[0][quantity]=1&{discount}&payment_method_collection=if_required&customer_email=smoke%40example.com&metadata[plan]=pro&metadata[golive_smoke]=run1&subscription_data[metadata][golive_smoke]=run1&success_url=https%3A%2F%2Fapp.example.com%2F%3Fgolive_smoke%3Ddone&cancel_url=https%3A%2F%2Fapp.example.com%2F%3Fgolive_smoke%3Dcancelled&expires_at={expires_at}",
            self.price
        )
    }

    async fn session(&self, promotion_code: &str) -> Value {
        self.ok("v1/checkout/sessions", &self.checkout_body(&format!("discounts[0][promotion_code]={promotion_code}")))
            .await
    }

    fn account(&self) -> &str {
        &self.keys.account_id
    }
}

fn error(answer: &Answer) -> Value {
    answer.json()["error"].clone()
}

#[tokio::test]
async fn a_free_subscription_checkout_completes_with_six_events_in_stripes_order() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let listed = live.get("v1/coupons").await.json();
    assert_eq!(listed["data"][0]["percent_off"], 100.0);
    assert_eq!(
        (listed["data"][0]["valid"].clone(), listed["data"][0]["times_redeemed"].clone()),
        (json!(true), json!(0))
    );
    let code = live.code(&coupon, "GOLIVE-SMOKE-RUN1").await;
    let by_coupon = live.get(&format!("v1/promotion_codes?coupon={coupon}&limit=100")).await.json();
    assert_eq!(by_coupon["data"][0]["promotion"], json!({ "coupon": coupon, "type": "coupon" }));

    let session = live.session(&code).await;
    let id = session["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cs_live_"), "{id}");
    assert_eq!((session["status"].as_str(), session["payment_status"].as_str()), (Some("open"), Some("unpaid")));
    assert!(session["url"].as_str().unwrap().starts_with(&format!("https://checkout.stripe.com/c/pay/{id}#")));
    assert_eq!((session["amount_subtotal"].clone(), session["amount_total"].clone()), (json!(2900), json!(0)));
    assert_eq!(session["total_details"]["amount_discount"], 2900);
    assert_eq!(session["discounts"], json!([{ "coupon": null, "promotion_code": code }]));
    assert_eq!(session["payment_method_collection"], "if_required");
    assert_eq!(session["customer_details"]["email"], "smoke@example.com");
    assert_has_fields(
        &session,
        &required_fields(&typings("Checkout/Sessions.d.ts"), "export interface Session {"),
        "session",
    );

    let done = live.standin.complete_checkout(live.account(), true, &id).await.unwrap();
    assert_eq!(done.deliveries.len(), 6);
    assert!(done.deliveries.iter().all(|d| d.status == Some(200)), "{:?}", done.deliveries);
    let seen = live.seen.lock().unwrap().clone();
    let kinds: Vec<&str> = seen.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "customer.created",
            "customer.subscription.created",
            "invoice.created",
            "invoice.finalized",
            "invoice.paid",
            "checkout.session.completed"
        ]
    );
    for event in &seen {
        assert_eq!(event["request"], json!({ "id": null, "idempotency_key": null }), "automatic: {event:#}");
        assert_eq!(event["livemode"], true);
    }
    let objects: Vec<&Value> = seen.iter().map(|e| &e["data"]["object"]).collect();
    assert_eq!(objects[0]["id"], done.customer.as_str());
    assert_eq!(objects[0]["email"], "smoke@example.com");
    let subscription = objects[1];
    assert_eq!(
        (subscription["id"].as_str(), subscription["status"].as_str()),
        (Some(done.subscription.as_str()), Some("active"))
    );
    assert_eq!(subscription["metadata"], json!({ "golive_smoke": "run1" }));
    assert_eq!(subscription["items"]["data"][0]["price"]["id"], live.price.as_str());
    assert_eq!(subscription["discounts"].as_array().unwrap().len(), 1);
    assert_eq!(subscription["default_payment_method"], Value::Null, "a $0 first invoice collects no card");
    assert_eq!(subscription["latest_invoice"], done.invoice.as_str());
    let states: Vec<&str> = objects[2..5].iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(states, ["draft", "open", "paid"], "each event carries the invoice as it was then");
    assert_eq!(objects[2]["number"], Value::Null);
    assert!(objects[3]["number"].as_str().unwrap().ends_with("-0001"));
    let completed = objects[5];
    assert_eq!(completed["id"], id.as_str());
    assert_eq!(completed["status"], "complete");
    assert_eq!(completed["payment_status"], "no_payment_required");
    assert_eq!(completed["amount_total"], 0);
    assert_eq!(
        (completed["customer"].as_str(), completed["subscription"].as_str(), completed["invoice"].as_str()),
        (Some(done.customer.as_str()), Some(done.subscription.as_str()), Some(done.invoice.as_str()))
    );
    assert_eq!(completed["customer_details"]["email"], "smoke@example.com");
    assert_eq!(completed["url"], Value::Null, "no page once complete");
    assert_eq!(completed["metadata"], json!({ "golive_smoke": "run1", "plan": "pro" }));

    // Read back over the API.
    let invoice = live.get(&format!("v1/invoices/{}", done.invoice)).await.json();
    assert_eq!(
        (invoice["status"].as_str(), invoice["total"].clone(), invoice["amount_paid"].clone()),
        (Some("paid"), json!(0), json!(0))
    );
    assert_eq!(invoice["subtotal"], 2900);
    assert_eq!(invoice["billing_reason"], "subscription_create");
    assert_eq!(invoice["parent"]["subscription_details"]["subscription"], done.subscription.as_str());
    assert_has_fields(&invoice, &required_fields(&typings("Invoices.d.ts"), "export interface Invoice {"), "invoice");
    let by_subscription = live.get(&format!("v1/invoices?subscription={}&status=paid", done.subscription)).await.json();
    assert_eq!(by_subscription["data"].as_array().unwrap().len(), 1);
    assert_eq!(live.get(&format!("v1/subscriptions/{}", done.subscription)).await.json()["status"], "active");
    let customers = live.get("v1/customers?email=smoke%40example.com").await.json();
    assert_eq!(customers["data"][0]["id"], done.customer.as_str());
    assert_eq!(customers["data"][0]["currency"], "usd", "set by the first subscription");
    let read = live.get(&format!("v1/checkout/sessions/{id}")).await.json();
    assert_eq!((read["status"].as_str(), read["url"].clone()), (Some("complete"), Value::Null));
    let listed = live.get(&format!("v1/checkout/sessions?subscription={}", done.subscription)).await.json();
    assert_eq!(listed["data"][0]["id"], id.as_str());

    // Redeemed: the code and its coupon are used up.
    let coupon_now = live.get(&format!("v1/coupons/{coupon}")).await.json();
    assert_eq!((coupon_now["times_redeemed"].clone(), coupon_now["valid"].clone()), (json!(1), json!(false)));
    let code_now = live.get(&format!("v1/promotion_codes/{code}")).await.json();
    assert_eq!((code_now["times_redeemed"].clone(), code_now["active"].clone()), (json!(1), json!(false)));
    assert_eq!(live.standin.coupons(live.account(), true)[0].times_redeemed, 1);
    assert_eq!(live.standin.promotion_codes(live.account(), true)[0].times_redeemed, 1);
    assert_eq!(live.standin.checkout_sessions(live.account(), true)[0].status, "complete");
    assert_eq!(live.standin.customers(live.account(), true).len(), 1);
    assert_eq!(live.standin.subscriptions(live.account(), true)[0]["status"], "active");
}

#[tokio::test]
async fn a_paid_first_invoice_asks_for_a_card_even_with_if_required() {
    let live = Live::start().await;
    let half = live.ok("v1/coupons", "percent_off=50&duration=forever").await["id"].as_str().unwrap().to_string();
    let session = live.ok("v1/checkout/sessions", &live.checkout_body(&format!("discounts[0][coupon]={half}"))).await;
    assert_eq!((session["amount_subtotal"].clone(), session["amount_total"].clone()), (json!(2900), json!(1450)));
    let id = session["id"].as_str().unwrap();
    let done = live.standin.complete_checkout(live.account(), true, id).await.unwrap();
    let subscription = live.get(&format!("v1/subscriptions/{}", done.subscription)).await.json();
    assert!(subscription["default_payment_method"].as_str().unwrap().starts_with("pm_"), "the customer entered a card");
    let invoice = live.get(&format!("v1/invoices/{}", done.invoice)).await.json();
    assert_eq!((invoice["amount_paid"].clone(), invoice["attempt_count"].clone()), (json!(1450), json!(1)));
    let read = live.get(&format!("v1/checkout/sessions/{id}")).await.json();
    assert_eq!(read["payment_status"], "paid");
    assert_eq!(read["customer_details"]["address"]["country"], "US");
}

#[tokio::test]
async fn a_redeemed_out_code_or_coupon_cannot_be_used_again() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "ONCE").await;
    let first = live.session(&code).await;
    // A second session made before the first completes: Checkout refuses it at completion.
    let second = live.session(&code).await;
    live.standin.complete_checkout(live.account(), true, first["id"].as_str().unwrap()).await.unwrap();
    let refused = live.standin.complete_checkout(live.account(), true, second["id"].as_str().unwrap()).await;
    assert!(refused.unwrap_err().contains("can no longer be redeemed"));
    assert_eq!(live.standin.checkout_sessions(live.account(), true)[1].status, "open", "nothing happened");

    let again =
        live.post("v1/checkout/sessions", &live.checkout_body(&format!("discounts[0][promotion_code]={code}"))).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(error(&again)["param"], "discounts[0][promotion_code]");
    let by_coupon =
        live.post("v1/checkout/sessions", &live.checkout_body(&format!("discounts[0][coupon]={coupon}"))).await;
    assert_eq!(by_coupon.status, 400);
    assert_eq!(error(&by_coupon)["code"], "coupon_expired");
    let inactive = live.get("v1/promotion_codes?active=false").await.json();
    assert_eq!(inactive["data"][0]["id"], code.as_str(), "its coupon is no longer valid");
}

#[tokio::test]
async fn coupons_refuse_what_stripe_refuses_and_are_gone_once_deleted() {
    let live = Live::start().await;
    let past = live.standin.now() - 10;
    let cases = [
        (format!("percent_off=100&redeem_by={past}"), "redeem_by"),
        ("percent_off=100&amount_off=500&currency=usd".to_string(), "amount_off"),
        ("duration=once".to_string(), "percent_off"),
        ("amount_off=500".to_string(), "currency"),
        ("percent_off=150".to_string(), "percent_off"),
        ("percent_off=10&duration=once&duration_in_months=3".to_string(), "duration_in_months"),
        ("percent_off=10&duration=repeating".to_string(), "duration_in_months"),
        ("percent_off=10&max_redemptions=0".to_string(), "max_redemptions"),
        ("percent_off=10&duration=weekly".to_string(), "duration"),
        ("percent_off=10&applies_to[products][0]=prod_missing".to_string(), "applies_to[products][0]"),
    ];
    for (body, param) in cases {
        let answer = live.post("v1/coupons", &body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(error(&answer)["param"], param, "{body}");
    }
    let made =
        live.ok("v1/coupons", "id=SMOKE&amount_off=500&currency=usd&duration=repeating&duration_in_months=3").await;
    assert_eq!((made["amount_off"].clone(), made["percent_off"].clone()), (json!(500), Value::Null));
    assert_eq!(live.post("v1/coupons", "id=SMOKE&percent_off=5").await.status, 400, "ids are unique");
    let renamed = live.ok("v1/coupons/SMOKE", "name=Five+off&metadata[a]=b").await;
    assert_eq!((renamed["name"].as_str(), renamed["metadata"]["a"].as_str()), (Some("Five off"), Some("b")));
    let deleted = live.delete("v1/coupons/SMOKE").await;
    assert_eq!(deleted.json(), json!({ "id": "SMOKE", "object": "coupon", "deleted": true }));
    let gone = live.get("v1/coupons/SMOKE").await;
    assert_eq!((gone.status, error(&gone)["code"].as_str()), (404, Some("resource_missing")));
    assert_eq!(live.delete("v1/coupons/SMOKE").await.status, 404);
}

#[tokio::test]
async fn promotion_codes_take_promotion_coupon_and_refuse_the_old_coupon_param() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let old = live.post("v1/promotion_codes", &format!("coupon={coupon}")).await;
    assert_eq!(old.status, 400);
    assert_eq!(error(&old)["message"], "Received unknown parameter: coupon");
    let missing = live.post("v1/promotion_codes", "code=X").await;
    assert_eq!(error(&missing)["param"], "promotion");
    let later = live.standin.now() + 7200;
    let cases = [
        (format!("promotion[type]=coupon&promotion[coupon]={coupon}&code=no_underscores"), "code"),
        (format!("promotion[type]=coupon&promotion[coupon]={coupon}&expires_at={later}"), "expires_at"),
        (format!("promotion[type]=coupon&promotion[coupon]={coupon}&max_redemptions=2"), "max_redemptions"),
        ("promotion[type]=coupon&promotion[coupon]=NOPE".to_string(), "promotion[coupon]"),
        (format!("promotion[type]=gift&promotion[coupon]={coupon}"), "promotion[type]"),
        (format!("promotion[type]=coupon&promotion[coupon]={coupon}&customer=cus_missing"), "customer"),
    ];
    for (body, param) in cases {
        let answer = live.post("v1/promotion_codes", &body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(error(&answer)["param"], param, "{body}");
    }
    let code = live.code(&coupon, "Smoke-1").await;
    let clash = live
        .post("v1/promotion_codes", &format!("promotion[type]=coupon&promotion[coupon]={coupon}&code=SMOKE-1"))
        .await;
    assert_eq!((clash.status, error(&clash)["param"].as_str()), (400, Some("code")), "unique whatever the case");
    let generated = live.ok("v1/promotion_codes", &format!("promotion[type]=coupon&promotion[coupon]={coupon}")).await;
    assert!(generated["code"].as_str().unwrap().chars().all(|c| c.is_ascii_alphanumeric()));
    let found = live.get("v1/promotion_codes?code=smoke-1").await.json();
    assert_eq!(found["data"].as_array().unwrap().len(), 1, "the code filter ignores case");
    let off = live.ok(&format!("v1/promotion_codes/{code}"), "active=false&metadata[why]=done").await;
    assert_eq!((off["active"].clone(), off["metadata"]["why"].clone()), (json!(false), json!("done")));
    let refused =
        live.post("v1/checkout/sessions", &live.checkout_body(&format!("discounts[0][promotion_code]={code}"))).await;
    assert_eq!(refused.status, 400, "an inactive code: {}", refused.body);
    let on = live.ok(&format!("v1/promotion_codes/{code}"), "active=true").await;
    assert_eq!(on["active"], true);
}

#[tokio::test]
async fn checkout_refuses_what_stripe_refuses() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "SMOKE").await;
    let product = live.ok("v1/products", "name=Setup+fee").await["id"].as_str().unwrap().to_string();
    let one_time = live.ok("v1/prices", &format!("product={product}&currency=usd&unit_amount=1000")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let now = live.standin.now();
    let with_code = format!("discounts[0][promotion_code]={code}");
    let cases: Vec<(String, &str)> = vec![
        (format!("{}&allow_promotion_codes=true", live.checkout_body(&with_code)), "discounts"),
        // The typings: "Can only be set in `subscription` mode".
        (
            format!("mode=payment&line_items[0][price]={one_time}&line_items[0][quantity]=1&payment_method_collection=if_required"),
            "payment_method_collection",
        ),
        (format!("mode=payment&line_items[0][price]={}&line_items[0][quantity]=1", live.price), "line_items[0][price]"),
        (live.checkout_body(&with_code).replace(&live.price, &one_time), "line_items"),
        (live.checkout_body(&with_code).replace("customer_email=smoke%40example.com", "customer=cus_missing"), "customer"),
        (format!("{}&customer=cus_x", live.checkout_body(&with_code)), "customer_email"),
        (live.checkout_body(&with_code).replace(&live.price, "price_missing"), "line_items[0][price]"),
        (live.checkout_body(&with_code).replace("line_items[0][quantity]=1&", ""), "line_items[0][quantity]"),
        (format!("{}&payment_method_types[0]=card", live.checkout_body(&with_code)), "payment_method_types"),
        (live.checkout_body(&with_code).replace("mode=subscription&", ""), "mode"),
        (live.checkout_body(&format!("discounts[0][promotion_code]={code}&discounts[0][coupon]={coupon}")), "discounts[0]"),
        (live.checkout_body("discounts[0][promotion_code]=promo_nope"), "discounts[0][promotion_code]"),
    ];
    for (body, param) in cases {
        let answer = live.post("v1/checkout/sessions", &body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(error(&answer)["param"], param, "{body}: {}", answer.body);
    }
    let both = live
        .post("v1/checkout/sessions", &format!("{}&allow_promotion_codes=true", live.checkout_body(&with_code)))
        .await;
    assert_eq!(
        error(&both)["message"],
        "You may only specify one of these parameters: allow_promotion_codes, discounts."
    );
    let body = format!("mode=payment&line_items[0][price]={}&line_items[0][quantity]=1", live.price);
    let recurring_in_payment = live.post("v1/checkout/sessions", &body).await;
    assert_eq!(recurring_in_payment.status, 400);
    assert!(error(&recurring_in_payment)["message"].as_str().unwrap().contains("recurring price"));
    // The body's `expires_at` (its last parameter) moved, whatever second the body was made in.
    let expiring_in = |seconds: i64| {
        let body = live.checkout_body(&with_code);
        let (head, _) = body.rsplit_once("&expires_at=").expect("checkout_body ends with expires_at");
        format!("{head}&expires_at={}", now + seconds)
    };
    let too_soon = expiring_in(600);
    let answer = live.post("v1/checkout/sessions", &too_soon).await;
    assert_eq!((answer.status, error(&answer)["param"].as_str()), (400, Some("expires_at")), "{}", answer.body);
    let too_late = expiring_in(90_000);
    assert_eq!(error(&live.post("v1/checkout/sessions", &too_late).await)["param"], "expires_at");
    // Settings the stand-in does not model are still accepted, as Stripe accepts them.
    let extra = format!(
        "{}&custom_text[submit][message]=Thanks&automatic_tax[enabled]=false&consent_collection[terms_of_service]=none",
        live.checkout_body(&with_code)
    );
    assert_eq!(live.post("v1/checkout/sessions", &extra).await.status, 200);
    let always = live
        .checkout_body(&with_code)
        .replace("payment_method_collection=if_required", "payment_method_collection=always");
    let answer = live.post("v1/checkout/sessions", &always).await;
    assert_eq!(
        (answer.status, answer.json()["payment_method_collection"].as_str()),
        (200, Some("always")),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn a_session_expires_by_request_or_by_the_clock_and_then_cannot_complete() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "SMOKE").await;
    let session = live.session(&code).await;
    let id = session["id"].as_str().unwrap();
    let expired = live.post(&format!("v1/checkout/sessions/{id}/expire"), "").await;
    assert_eq!(expired.status, 200, "{}", expired.body);
    assert_eq!((expired.json()["status"].as_str(), expired.json()["url"].clone()), (Some("expired"), Value::Null));
    let request_id = expired.header("request-id").unwrap().to_string();
    let event = live.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(event["type"], "checkout.session.expired");
    assert_eq!(event["request"]["id"], request_id.as_str(), "names the request that expired it");
    let again = live.post(&format!("v1/checkout/sessions/{id}/expire"), "").await;
    assert_eq!(again.status, 400);
    assert!(error(&again)["message"].as_str().unwrap().contains("status of \"expired\""));
    let refused = live.standin.complete_checkout(live.account(), true, id).await.unwrap_err();
    assert!(refused.contains("expired"), "{refused}");
    assert!(live.standin.complete_checkout(live.account(), true, "cs_live_nope").await.is_err());

    // By the clock: an open session past expires_at reads as expired.
    let later = live.session(&code).await;
    let later_id = later["id"].as_str().unwrap();
    live.standin.advance_clock(Duration::from_secs(3601));
    assert_eq!(live.get(&format!("v1/checkout/sessions/{later_id}")).await.json()["status"], "expired");
    let open = live.get("v1/checkout/sessions?status=open").await.json();
    assert!(open["data"].as_array().unwrap().is_empty());
    assert!(live.standin.complete_checkout(live.account(), true, later_id).await.is_err());
}

#[tokio::test]
async fn cancelling_delivers_subscription_deleted_and_a_second_cancel_is_refused() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "SMOKE").await;
    let session = live.session(&code).await;
    let done = live.standin.complete_checkout(live.account(), true, session["id"].as_str().unwrap()).await.unwrap();
    let canceled = live.delete(&format!("v1/subscriptions/{}", done.subscription)).await;
    assert_eq!(canceled.status, 200, "{}", canceled.body);
    let object = canceled.json();
    assert_eq!(object["status"], "canceled");
    assert!(object["canceled_at"].is_i64() && object["ended_at"].is_i64());
    assert_eq!(object["cancellation_details"]["reason"], "cancellation_requested");
    let request_id = canceled.header("request-id").unwrap().to_string();
    // Delivered before the answer was sent.
    let event = live.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(event["type"], "customer.subscription.deleted");
    assert_eq!(event["request"]["id"], request_id.as_str());
    assert_eq!(event["data"]["object"]["status"], "canceled");
    assert_eq!(live.standin.deliveries().last().unwrap().status, Some(200));

    let twice = live.delete(&format!("v1/subscriptions/{}", done.subscription)).await;
    assert_eq!((twice.status, error(&twice)["type"].as_str()), (404, Some("invalid_request_error")));
    assert_eq!(error(&twice)["code"], "resource_missing", "Stripe answers a canceled subscription as gone");
    assert_eq!(live.get(&format!("v1/subscriptions/{}", done.subscription)).await.json()["status"], "canceled");
    assert!(live.get("v1/subscriptions").await.json()["data"].as_array().unwrap().is_empty(), "canceled ones left out");
    let all = live.get(&format!("v1/subscriptions?status=all&customer={}", done.customer)).await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deleting_a_customer_cancels_its_subscriptions_and_leaves_a_deleted_customer() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "SMOKE").await;
    let session = live.session(&code).await;
    let done = live.standin.complete_checkout(live.account(), true, session["id"].as_str().unwrap()).await.unwrap();
    let deleted = live.delete(&format!("v1/customers/{}", done.customer)).await;
    assert_eq!(deleted.json(), json!({ "id": done.customer, "object": "customer", "deleted": true }));
    let read = live.get(&format!("v1/customers/{}", done.customer)).await;
    assert_eq!((read.status, read.json()["deleted"].clone()), (200, json!(true)));
    assert_eq!(live.get(&format!("v1/subscriptions/{}", done.subscription)).await.json()["status"], "canceled");
    let kinds: Vec<String> =
        live.seen.lock().unwrap().iter().rev().take(2).map(|e| e["type"].as_str().unwrap().to_string()).collect();
    assert_eq!(kinds, ["customer.deleted", "customer.subscription.deleted"]);
    assert!(live.get("v1/customers").await.json()["data"].as_array().unwrap().is_empty());
    assert_eq!(live.delete(&format!("v1/customers/{}", done.customer)).await.status, 404);
}

#[tokio::test]
async fn a_portal_session_needs_a_customer_and_a_configuration() {
    let live = Live::start().await;
    let missing = live.post("v1/billing_portal/sessions", "customer=cus_missing").await;
    assert_eq!((missing.status, error(&missing)["param"].as_str()), (400, Some("customer")));
    assert_eq!(error(&missing)["code"], "resource_missing");
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "SMOKE").await;
    let session = live.session(&code).await;
    let done = live.standin.complete_checkout(live.account(), true, session["id"].as_str().unwrap()).await.unwrap();
    let no_default = live.post("v1/billing_portal/sessions", &format!("customer={}", done.customer)).await;
    assert_eq!(no_default.status, 400);
    assert!(error(&no_default)["message"].as_str().unwrap().contains("default configuration"));
    let config = live
        .ok(
            "v1/billing_portal/configurations",
            "features[subscription_cancel][enabled]=true&features[subscription_cancel][mode]=immediately&default_return_url=https%3A%2F%2Fapp.example.com%2Faccount",
        )
        .await;
    let portal = live.ok("v1/billing_portal/sessions", &format!("customer={}", done.customer)).await;
    assert!(portal["url"].as_str().unwrap().starts_with("https://billing.stripe.com/p/session/live_"));
    assert_eq!(portal["configuration"], config["id"]);
    assert_eq!(portal["return_url"], "https://app.example.com/account", "the configuration's default");
    assert_has_fields(
        &portal,
        &required_fields(&typings("BillingPortal/Sessions.d.ts"), "export interface Session {"),
        "portal",
    );
    let flow = format!(
        "customer={}&configuration={}&return_url=https%3A%2F%2Fapp.example.com%2F&flow_data[type]=subscription_cancel&flow_data[subscription_cancel][subscription]={}",
        done.customer, config["id"].as_str().unwrap(), done.subscription
    );
    let with_flow = live.ok("v1/billing_portal/sessions", &flow).await;
    assert_eq!(with_flow["flow"]["subscription_cancel"]["subscription"], done.subscription.as_str());
    let unknown =
        live.post("v1/billing_portal/sessions", &format!("customer={}&configuration=bpc_nope", done.customer)).await;
    assert_eq!(error(&unknown)["param"], "configuration");
}

#[tokio::test]
async fn completion_over_http_needs_test_routes_and_the_callers_key() {
    let live = Live::start().await;
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "SMOKE").await;
    let id = live.session(&code).await["id"].as_str().unwrap().to_string();
    let path = format!("_standin/checkout/sessions/{id}/complete");
    assert_eq!(live.post(&path, "").await.status, 404, "unknown URL while test routes are off");
    live.standin.enable_test_routes();
    let unauthenticated = call(&live.standin.base_url(), "POST", &path, None, &[], "").await;
    assert_eq!(unauthenticated.status, 401);
    let other_mode = post(&live.standin.base_url(), &path, &live.keys.test_secret, "").await;
    assert_eq!(other_mode.status, 404, "the key's mode has no such session");
    let done = live.post(&path, "").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let answer = done.json();
    let subscription = answer["subscription"].as_str().unwrap();
    assert_eq!(live.get(&format!("v1/subscriptions/{subscription}")).await.json()["customer"], answer["customer"]);
    assert!(answer["invoice"].as_str().unwrap().starts_with("in_"));
    let again = live.post(&path, "").await;
    assert_eq!(again.status, 400);
    assert!(error(&again)["message"].as_str().unwrap().contains("complete"));
}

#[tokio::test]
async fn routing_a_host_again_replaces_its_route() {
    let standin = StandIn::start().await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let (_, price) = standin.insert_monthly_tier(&keys.account_id, true, &SEED_TIERS[0]);
    let endpoint = "url=https%3A%2F%2Fworker.example.com%2Fwebhook&enabled_events[0]=*";
    assert_eq!(post(&standin.base_url(), "v1/webhook_endpoints", &keys.live_secret, endpoint).await.status, 200);
    standin.route_deliveries("worker.example.com", "http://127.0.0.1:9");
    let (base, seen) = receiver().await;
    standin.route_deliveries("worker.example.com", &base);
    let (_, _, deliveries) = standin.trigger_subscription(&keys.account_id, true, &price).await;
    assert_eq!(deliveries[0].status, Some(200), "the restarted Worker's new port receives");
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn the_purchase_is_saved_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stripe.json");
    let live = Live::on(StandIn::start_persisted(&file).await.unwrap()).await;
    let coupon = live.coupon().await;
    let code = live.code(&coupon, "SMOKE").await;
    let session = live.session(&code).await;
    let done = live.standin.complete_checkout(live.account(), true, session["id"].as_str().unwrap()).await.unwrap();
    let config = "features[invoice_history][enabled]=true";
    live.ok("v1/billing_portal/configurations", config).await;
    live.ok("v1/billing_portal/sessions", &format!("customer={}", done.customer)).await;
    let paths = [
        format!("v1/coupons/{coupon}"),
        format!("v1/promotion_codes/{code}"),
        format!("v1/checkout/sessions/{}", session["id"].as_str().unwrap()),
        format!("v1/customers/{}", done.customer),
        format!("v1/subscriptions/{}", done.subscription),
        format!("v1/invoices/{}", done.invoice),
        "v1/checkout/sessions?limit=100".into(),
    ];
    let mut before = Vec::new();
    for path in &paths {
        before.push(live.get(path).await.body);
    }
    let account = live.keys.account_id.clone();
    let key = live.keys.live_secret.clone();
    drop(live);
    let restored = StandIn::start_persisted(&file).await.unwrap();
    for (path, body) in paths.iter().zip(before) {
        let answer = get(&restored.base_url(), path, &key).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.body, body, "{path} answers as before");
    }
    assert_eq!(restored.promotion_codes(&account, true)[0].times_redeemed, 1);
    assert_eq!(restored.coupons(&account, true)[0].times_redeemed, 1);
    let refused = restored.complete_checkout(&account, true, session["id"].as_str().unwrap()).await;
    assert!(refused.is_err(), "still complete");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("portal_sessions") && saved.contains("billing.stripe.com/p/session/live_"));
}
