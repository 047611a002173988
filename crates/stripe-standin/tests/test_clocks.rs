//! Test clocks and the subscription lifecycle, over HTTP as golive's billing rehearsal drives
//! them: clocks made, listed and deleted (test mode only); customers on a clock (three at
//! most) with Stripe's test cards; subscriptions made at the clock's time; advances refused
//! as Stripe refuses them; and each billing story — a trial that converts, a declined renewal
//! retried then cancelled, cancel at period end, a 3D Secure card that never pays, a price
//! change — with Stripe's events in order, at the clock's times, delivered to the endpoint.

mod common;

use axum::body::Bytes;
use common::{assert_has_fields, call, get, post, required_fields, typings, Answer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stripe_standin::scenario::SEED_TIERS;
use stripe_standin::{AccountKeys, AccountSpec, StandIn};

/// 2026-01-01 00:00:00 UTC: where every clock starts.
const T0: i64 = 1_767_225_600;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// What the endpoint received: each event's (type, created, body), in order.
type Seen = Arc<Mutex<Vec<Value>>>;

/// A local webhook receiver answering 200 while `gate` is open (true), holding deliveries
/// while it is closed.
async fn receiver(gate: tokio::sync::watch::Receiver<bool>) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |body: Bytes| {
        let (record, mut gate) = (record.clone(), gate.clone());
        async move {
            let _ = gate.wait_for(|open| *open).await;
            record.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
            axum::Json(json!({ "received": true }))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

/// A test-mode account with the pro ($29/month) and enterprise ($99/month) tiers, and an
/// endpoint for every event routed to a local receiver.
struct Rehearsal {
    standin: StandIn,
    keys: AccountKeys,
    pro: String,
    enterprise: String,
    seen: Seen,
    gate: tokio::sync::watch::Sender<bool>,
}

impl Rehearsal {
    async fn start() -> Rehearsal {
        let standin = StandIn::start().await.unwrap();
        let keys = standin.add_account(AccountSpec::default());
        let (gate, open) = tokio::sync::watch::channel(true);
        let (base, seen) = receiver(open).await;
        standin.route_deliveries("hooks.example.com", &base);
        let (_, pro) = standin.insert_monthly_tier(&keys.account_id, false, &SEED_TIERS[1]);
        let (_, enterprise) = standin.insert_monthly_tier(&keys.account_id, false, &SEED_TIERS[2]);
        let rehearsal = Rehearsal { standin, keys, pro, enterprise, seen, gate };
        rehearsal.ok("v1/webhook_endpoints", "url=https%3A%2F%2Fhooks.example.com%2Fstripe&enabled_events[0]=*").await;
        rehearsal
    }

    async fn post(&self, path: &str, body: &str) -> Answer {
        post(&self.standin.base_url(), path, &self.keys.test_secret, body).await
    }

    async fn get(&self, path: &str) -> Answer {
        get(&self.standin.base_url(), path, &self.keys.test_secret).await
    }

    async fn delete(&self, path: &str) -> Answer {
        call(&self.standin.base_url(), "DELETE", path, Some(&self.keys.test_secret), &[], "").await
    }

    async fn ok(&self, path: &str, body: &str) -> Value {
        let answer = self.post(path, body).await;
        assert_eq!(answer.status, 200, "POST {path} {body}: {}", answer.body);
        answer.json()
    }

    async fn read(&self, path: &str) -> Value {
        let answer = self.get(path).await;
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
        answer.json()
    }

    /// A new clock frozen at `at`; its id.
    async fn clock(&self, at: i64) -> String {
        id(&self.ok("v1/test_helpers/test_clocks", &format!("frozen_time={at}&name=rehearsal")).await)
    }

    /// A customer on `clock` paying with the test card `card` (attached, its default); its id.
    async fn customer(&self, clock: &str, card: &str) -> String {
        let body = format!(
            "test_clock={clock}&email=billing%40example.com&payment_method={card}&invoice_settings[default_payment_method]={card}"
        );
        id(&self.ok("v1/customers", &body).await)
    }

    /// A subscription of `customer` to `price` with the extra parameters `extra`.
    async fn subscribe(&self, customer: &str, price: &str, extra: &str) -> Value {
        let body =
            format!("customer={customer}&items[0][price]={price}&items[0][quantity]=1&metadata[plan]=pro{extra}");
        self.ok("v1/subscriptions", &body).await
    }

    /// Advances `clock` to `to` and waits until it reads `ready` again (the answer is checked
    /// to say `advancing`).
    async fn advance(&self, clock: &str, to: i64) {
        let answer =
            self.ok(&format!("v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={to}")).await;
        assert_eq!(answer["status"], "advancing", "{answer:#}");
        assert_eq!(answer["status_details"]["advancing"]["target_frozen_time"], to);
        self.wait_ready(clock, to).await;
    }

    async fn wait_ready(&self, clock: &str, to: i64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.read(&format!("v1/test_helpers/test_clocks/{clock}")).await;
            if now["status"] == "ready" {
                assert_eq!(now["frozen_time"], to, "ready at the new time");
                assert_eq!(now["status_details"], json!({}));
                return;
            }
            assert!(std::time::Instant::now() < deadline, "still advancing after 10 s: {now:#}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The events about `customer` (its own, its subscriptions', invoices' and cards'), in
    /// the order recorded: (type, created, object, previous_attributes).
    fn events_of(&self, customer: &str) -> Vec<(String, i64, Value, Option<Value>)> {
        self.standin
            .events(&self.keys.account_id, false)
            .into_iter()
            .filter(|e| e.data.object["customer"] == customer || e.data.object["id"] == customer)
            .map(|e| (e.kind, e.created, e.data.object, e.data.previous_attributes))
            .collect()
    }

    /// The events about `customer` from the `skip`th on, as (type, created).
    fn kinds_from(&self, customer: &str, skip: usize) -> Vec<(String, i64)> {
        self.events_of(customer).into_iter().skip(skip).map(|(kind, at, ..)| (kind, at)).collect()
    }
}

fn id(object: &Value) -> String {
    object["id"].as_str().unwrap().to_string()
}

fn error(answer: &Answer) -> Value {
    answer.json()["error"].clone()
}

fn pairs(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(kind, at)| (kind.to_string(), *at)).collect()
}

#[tokio::test]
async fn clocks_are_made_read_listed_and_deleted_in_test_mode_only() {
    let r = Rehearsal::start().await;
    let made = r.ok("v1/test_helpers/test_clocks", &format!("frozen_time={T0}&name=rehearsal-1")).await;
    let clock = id(&made);
    assert!(clock.starts_with("clock_"), "{clock}");
    assert_eq!(made["object"], "test_helpers.test_clock");
    assert_eq!((made["frozen_time"].clone(), made["name"].clone()), (json!(T0), json!("rehearsal-1")));
    assert_eq!((made["status"].clone(), made["status_details"].clone()), (json!("ready"), json!({})));
    assert_eq!(made["livemode"], false);
    let created = made["created"].as_i64().unwrap();
    assert!((created - r.standin.now()).abs() < 5, "made now, whatever its frozen time");
    assert_eq!(made["deletes_after"], created + 30 * DAY);
    assert_has_fields(
        &made,
        &required_fields(&typings("TestHelpers/TestClocks.d.ts"), "export interface TestClock {"),
        "test clock",
    );
    assert_eq!(r.read(&format!("v1/test_helpers/test_clocks/{clock}")).await, made);

    let second = r.clock(T0 + DAY).await;
    let page = r.read("v1/test_helpers/test_clocks?limit=1").await;
    assert_eq!((page["data"][0]["id"].as_str(), page["has_more"].clone()), (Some(second.as_str()), json!(true)));
    assert_eq!(page["url"], "/v1/test_helpers/test_clocks");
    let next = r.read(&format!("v1/test_helpers/test_clocks?limit=1&starting_after={second}")).await;
    assert_eq!((next["data"][0]["id"].as_str(), next["has_more"].clone()), (Some(clock.as_str()), json!(false)));
    assert_eq!(r.standin.test_clocks(&r.keys.account_id).len(), 2);

    // Live mode has no test clocks: Stripe's answer to a live key.
    let live = post(&r.standin.base_url(), "v1/test_helpers/test_clocks", &r.keys.live_secret, "frozen_time=1").await;
    assert_eq!(live.status, 400, "{}", live.body);
    assert_eq!(
        error(&live)["message"],
        "This endpoint is only available in testmode. Try using your test keys instead."
    );
    let live_list = get(&r.standin.base_url(), "v1/test_helpers/test_clocks", &r.keys.live_secret).await;
    assert_eq!(live_list.status, 400);
    let missing = r.post("v1/test_helpers/test_clocks", "name=x").await;
    assert_eq!((missing.status, error(&missing)["code"].clone()), (400, json!("parameter_missing")));
    assert_eq!(error(&missing)["param"], "frozen_time");

    let deleted = r.delete(&format!("v1/test_helpers/test_clocks/{clock}")).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(deleted.json(), json!({ "id": clock, "object": "test_helpers.test_clock", "deleted": true }));
    let gone = r.get(&format!("v1/test_helpers/test_clocks/{clock}")).await;
    assert_eq!((gone.status, error(&gone)["code"].clone()), (404, json!("resource_missing")));
    assert_eq!(r.delete(&format!("v1/test_helpers/test_clocks/{clock}")).await.status, 404);
    let kinds: Vec<String> = r.standin.events(&r.keys.account_id, false).into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        ["test_helpers.test_clock.created", "test_helpers.test_clock.created", "test_helpers.test_clock.deleted"]
    );
}

#[tokio::test]
async fn a_clock_takes_three_customers_at_its_time_with_their_cards_and_refuses_a_fourth() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let cards = ["pm_card_visa", "pm_card_chargeCustomerFail", "pm_card_threeDSecure2Required"];
    let mut customers = Vec::new();
    for card in cards {
        let customer = r.read(&format!("v1/customers/{}", r.customer(&clock, card).await)).await;
        assert_eq!((customer["test_clock"].as_str(), customer["created"].clone()), (Some(clock.as_str()), json!(T0)));
        customers.push(customer);
    }
    let mut lasts = Vec::new();
    for customer in &customers {
        let method = customer["invoice_settings"]["default_payment_method"].as_str().unwrap();
        assert!(method.starts_with("pm_") && !method.starts_with("pm_card_"), "a new card: {method}");
        let card = r.read(&format!("v1/payment_methods/{method}")).await;
        assert_eq!((card["type"].clone(), card["customer"].clone()), (json!("card"), customer["id"].clone()));
        assert_eq!(card["created"], T0);
        assert_has_fields(
            &card,
            &required_fields(&typings("PaymentMethods.d.ts"), "export interface PaymentMethod {"),
            "payment method",
        );
        lasts.push(card["card"]["last4"].clone());
    }
    assert_eq!(lasts, [json!("4242"), json!("0341"), json!("3184")]);
    assert_eq!(r.standin.payment_methods(&r.keys.account_id, false).len(), 3);
    let attached = r.events_of(customers[0]["id"].as_str().unwrap());
    let kinds: Vec<(&str, i64)> = attached.iter().map(|(k, at, ..)| (k.as_str(), *at)).collect();
    assert_eq!(kinds, [("customer.created", T0), ("payment_method.attached", T0)]);

    let fourth = r
        .post("v1/customers", &format!("test_clock={clock}&email=four%40example.com&payment_method=pm_card_visa"))
        .await;
    assert_eq!(fourth.status, 400, "{}", fourth.body);
    let refusal = error(&fourth);
    assert_eq!(
        (refusal["type"].as_str(), refusal["param"].as_str()),
        (Some("invalid_request_error"), Some("test_clock"))
    );
    assert!(refusal["message"].as_str().unwrap().contains("the most a test clock can have (3)"), "{refusal}");
    let on_clock = r.read(&format!("v1/customers?test_clock={clock}")).await;
    assert_eq!(on_clock["data"].as_array().unwrap().len(), 3, "the fourth was not made");
    assert_eq!(r.standin.payment_methods(&r.keys.account_id, false).len(), 3, "nor its card");

    // Another clock has room; an unknown clock and card are missing references.
    let other = r.clock(T0).await;
    r.customer(&other, "pm_card_visa").await;
    let unknown = r.post("v1/customers", "test_clock=clock_nope").await;
    assert_eq!((unknown.status, error(&unknown)["code"].clone()), (400, json!("resource_missing")));
    let card = r.post("v1/customers", "payment_method=pm_nope").await;
    assert_eq!((card.status, error(&card)["param"].clone()), (400, json!("payment_method")));
    let wrong_default = r
        .post("v1/customers", "payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_amex")
        .await;
    assert_eq!(wrong_default.status, 400, "{}", wrong_default.body);
    // A card attached over the payment methods API, at the clock's time.
    let plain = id(&r.ok("v1/customers", "email=plain%40example.com").await);
    let card = r.ok("v1/payment_methods/pm_card_mastercard/attach", &format!("customer={plain}")).await;
    assert_eq!((card["customer"].as_str(), card["card"]["last4"].as_str()), (Some(plain.as_str()), Some("4444")));
    let taken = r
        .post(
            &format!("v1/payment_methods/{}/attach", id(&card)),
            &format!("customer={}", customers[0]["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(taken.status, 400, "{}", taken.body);
}

#[tokio::test]
async fn advances_are_refused_when_not_forward_too_far_or_while_advancing() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let path = format!("v1/test_helpers/test_clocks/{clock}/advance");
    // No subscriptions: two years at most.
    let far = r.post(&path, &format!("frozen_time={}", T0 + 2 * 366 * DAY)).await;
    assert_eq!((far.status, error(&far)["param"].clone()), (400, json!("frozen_time")));
    assert!(error(&far)["message"].as_str().unwrap().contains("two years"), "{}", far.body);

    let customer = r.customer(&clock, "pm_card_visa").await;
    r.subscribe(&customer, &r.pro, "").await;
    for to in [T0, T0 - 1] {
        let back = r.post(&path, &format!("frozen_time={to}")).await;
        assert_eq!((back.status, error(&back)["type"].clone()), (400, json!("invalid_request_error")));
        assert!(error(&back)["message"].as_str().unwrap().contains("only move forward"), "{}", back.body);
    }
    // A monthly subscription: two months at most (calendar months, as its periods end).
    let limit = 1_772_323_200; // 2026-03-01 00:00 UTC
    let too_far = r.post(&path, &format!("frozen_time={}", limit + 1)).await;
    assert_eq!(too_far.status, 400, "{}", too_far.body);
    let message = error(&too_far)["message"].as_str().unwrap().to_string();
    assert!(message.contains("two intervals") && message.contains("(month)"), "{message}");
    let unchanged = r.read(&format!("v1/test_helpers/test_clocks/{clock}")).await;
    assert_eq!((unchanged["frozen_time"].clone(), unchanged["status"].clone()), (json!(T0), json!("ready")));

    // While the advance's events are being delivered the clock is advancing: no second one.
    r.gate.send(false).unwrap();
    let answer = r.ok(&path, &format!("frozen_time={limit}")).await;
    assert_eq!(answer["status"], "advancing");
    assert_eq!(answer["frozen_time"], T0, "the old time until it is ready");
    let again = r.post(&path, &format!("frozen_time={}", limit + DAY)).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(error(&again)["message"].as_str().unwrap().contains("already advancing"), "{}", again.body);
    let busy = r.post("v1/subscriptions", &format!("customer={customer}&items[0][price]={}", r.enterprise)).await;
    assert_eq!(busy.status, 400, "a customer of an advancing clock cannot subscribe: {}", busy.body);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(r.read(&format!("v1/test_helpers/test_clocks/{clock}")).await["status"], "advancing");
    r.gate.send(true).unwrap();
    r.wait_ready(&clock, limit).await;
    // Two renewals came due (Feb 1, paid an hour later; Mar 1, still a draft), all delivered.
    let seen: Vec<String> = r.seen.lock().unwrap().iter().map(|e| e["type"].as_str().unwrap().to_string()).collect();
    assert_eq!(seen.iter().filter(|k| *k == "invoice.created").count(), 3, "{seen:?}");
    assert_eq!(seen.iter().filter(|k| *k == "invoice.paid").count(), 2, "{seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("test_helpers.test_clock.ready"));
}

#[tokio::test]
async fn a_slow_endpoint_does_not_hold_the_clock_for_more_than_five_seconds() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let customer = r.customer(&clock, "pm_card_visa").await;
    r.subscribe(&customer, &r.pro, "").await;
    let before = r.seen.lock().unwrap().len();
    r.gate.send(false).unwrap();
    let started = std::time::Instant::now();
    r.ok(&format!("v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", T0 + 40 * DAY)).await;
    r.wait_ready(&clock, T0 + 40 * DAY).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(4) && waited < Duration::from_secs(8), "ready after {waited:?}");
    assert_eq!(r.seen.lock().unwrap().len(), before, "nothing of the advance delivered yet");
    r.gate.send(true).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let last = r.seen.lock().unwrap().last().map(|e| e["type"].as_str().unwrap().to_string());
        if last.as_deref() == Some("test_helpers.test_clock.ready") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the advance's events were never all delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let renewed = r.seen.lock().unwrap().iter().filter(|e| e["created"] == T0 + 31 * DAY + HOUR).count();
    assert_eq!(renewed, 3, "the renewal's finalized, paid and payment_succeeded, delivered late but in order");
}

#[tokio::test]
async fn a_trial_ends_with_trial_will_end_then_a_renewal_invoice_paid_an_hour_later() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let customer = r.customer(&clock, "pm_card_visa").await;
    let subscription = r.subscribe(&customer, &r.pro, "&trial_period_days=14").await;
    let sub = id(&subscription);
    let trial_end = T0 + 14 * DAY;
    assert_eq!(subscription["status"], "trialing");
    assert_eq!(
        (subscription["test_clock"].as_str(), subscription["created"].clone()),
        (Some(clock.as_str()), json!(T0))
    );
    assert_eq!((subscription["trial_start"].clone(), subscription["trial_end"].clone()), (json!(T0), json!(trial_end)));
    assert_eq!(subscription["items"]["data"][0]["current_period_end"], trial_end);
    assert_has_fields(
        &subscription,
        &required_fields(&typings("Subscriptions.d.ts"), "export interface Subscription {"),
        "subscription",
    );
    let first = r.read(&format!("v1/invoices/{}", subscription["latest_invoice"].as_str().unwrap())).await;
    assert_eq!((first["status"].clone(), first["total"].clone()), (json!("paid"), json!(0)), "a $0 trial invoice");
    assert_eq!(first["billing_reason"], "subscription_create");
    assert_eq!(
        r.kinds_from(&customer, 2),
        pairs(&[
            ("customer.subscription.created", T0),
            ("invoice.created", T0),
            ("invoice.finalized", T0),
            ("invoice.paid", T0),
            ("invoice.payment_succeeded", T0),
        ])
    );

    // The engine's phases: three days before the end, then past it.
    r.advance(&clock, T0 + 265 * HOUR).await;
    assert_eq!(r.kinds_from(&customer, 7), pairs(&[("customer.subscription.trial_will_end", trial_end - 3 * DAY)]));
    assert_eq!(r.read(&format!("v1/subscriptions/{sub}")).await["status"], "trialing");
    r.advance(&clock, T0 + 339 * HOUR).await;
    assert_eq!(
        r.kinds_from(&customer, 8),
        pairs(&[
            ("invoice.created", trial_end),
            ("customer.subscription.updated", trial_end),
            ("invoice.finalized", trial_end + HOUR),
            ("invoice.paid", trial_end + HOUR),
            ("invoice.payment_succeeded", trial_end + HOUR),
        ])
    );
    let events = r.events_of(&customer);
    let (_, _, draft, _) = &events[8];
    assert_eq!(
        (draft["status"].as_str(), draft["billing_reason"].as_str()),
        (Some("draft"), Some("subscription_cycle"))
    );
    assert_eq!(
        (draft["amount_due"].clone(), draft["automatically_finalizes_at"].clone()),
        (json!(2900), json!(trial_end + HOUR))
    );
    let (_, _, active, previous) = &events[9];
    assert_eq!(active["status"], "active");
    let previous = previous.as_ref().expect("an update names what changed");
    assert_eq!(previous["status"], "trialing");
    assert_eq!(previous["latest_invoice"], subscription["latest_invoice"]);
    let next_end = 1_771_113_600; // the trial ended 2026-01-15; a month later: 2026-02-15
    assert_eq!(active["items"]["data"][0]["current_period_start"], trial_end);
    assert_eq!(active["items"]["data"][0]["current_period_end"], next_end);
    let (_, _, paid, _) = &events[11];
    assert_eq!(
        (paid["status"].clone(), paid["amount_paid"].clone(), paid["attempt_count"].clone()),
        (json!("paid"), json!(2900), json!(1))
    );
    assert!(paid["number"].as_str().unwrap().ends_with("-0002"), "{}", paid["number"]);
    assert_eq!(r.read(&format!("v1/subscriptions/{sub}")).await["status"], "active");
    // Delivered as recorded, each with its clock time.
    let delivered: Vec<(String, i64)> = r
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["object"]["customer"] == customer.as_str())
        .map(|e| (e["type"].as_str().unwrap().to_string(), e["created"].as_i64().unwrap()))
        .collect();
    assert_eq!(delivered, r.kinds_from(&customer, 0)[1..].to_vec());
}

#[tokio::test]
async fn a_declined_renewal_goes_past_due_is_retried_three_times_then_cancelled() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let customer = r.customer(&clock, "pm_card_chargeCustomerFail").await;
    let sub = id(&r.subscribe(&customer, &r.pro, "&trial_period_days=7").await);
    let trial_end = T0 + 7 * DAY;
    let first_try = trial_end + HOUR;
    r.advance(&clock, T0 + 170 * HOUR).await;
    let done = 7; // customer.created, payment_method.attached, five creation events
    let events = r.events_of(&customer);
    let kinds: Vec<(String, i64)> = r.kinds_from(&customer, done);
    assert_eq!(
        kinds,
        pairs(&[
            ("customer.subscription.trial_will_end", T0 + 4 * DAY),
            ("invoice.created", trial_end),
            ("customer.subscription.updated", trial_end),
            ("invoice.finalized", first_try),
            ("invoice.payment_failed", first_try),
            ("customer.subscription.updated", first_try),
        ])
    );
    let (_, _, failed, _) = &events[done + 4];
    assert_eq!((failed["status"].clone(), failed["attempt_count"].clone()), (json!("open"), json!(1)));
    assert_eq!(failed["next_payment_attempt"], first_try + 3 * DAY);
    let (_, _, past_due, previous) = &events[done + 5];
    assert_eq!(
        (past_due["status"].as_str(), previous.as_ref().unwrap()["status"].as_str()),
        (Some("past_due"), Some("active"))
    );
    assert_eq!(r.read(&format!("v1/subscriptions/{sub}")).await["status"], "past_due");

    r.advance(&clock, T0 + (170 + 504) * HOUR).await;
    assert_eq!(
        r.kinds_from(&customer, done + 6),
        pairs(&[
            ("invoice.payment_failed", first_try + 3 * DAY),
            ("invoice.payment_failed", first_try + 5 * DAY),
            ("invoice.payment_failed", first_try + 7 * DAY),
            ("customer.subscription.deleted", first_try + 7 * DAY),
        ])
    );
    let events = r.events_of(&customer);
    let attempts: Vec<(Value, Value)> = events[done + 6..done + 9]
        .iter()
        .map(|(_, _, i, _)| (i["attempt_count"].clone(), i["next_payment_attempt"].clone()))
        .collect();
    assert_eq!(
        attempts,
        [(json!(2), json!(first_try + 5 * DAY)), (json!(3), json!(first_try + 7 * DAY)), (json!(4), Value::Null)]
    );
    let canceled = r.read(&format!("v1/subscriptions/{sub}")).await;
    assert_eq!(
        (canceled["status"].clone(), canceled["ended_at"].clone()),
        (json!("canceled"), json!(first_try + 7 * DAY))
    );
    assert_eq!(canceled["cancellation_details"]["reason"], "payment_failed");
    // Nothing more happens to a cancelled subscription, renewal date or not.
    assert_eq!(r.events_of(&customer).len(), done + 10);
}

#[tokio::test]
async fn cancel_at_period_end_keeps_the_subscription_until_the_period_ends() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let customer = r.customer(&clock, "pm_card_visa").await;
    let subscription = r.subscribe(&customer, &r.pro, "").await;
    let sub = id(&subscription);
    assert_eq!(subscription["status"], "active");
    let first = r.read(&format!("v1/invoices/{}", subscription["latest_invoice"].as_str().unwrap())).await;
    assert_eq!((first["amount_paid"].clone(), first["attempt_count"].clone()), (json!(2900), json!(1)));
    let period_end = 1_769_904_000; // 2026-02-01
    assert_eq!(subscription["items"]["data"][0]["current_period_end"], period_end);

    r.advance(&clock, T0 + 5 * DAY).await;
    let updated = r.ok(&format!("v1/subscriptions/{sub}"), "cancel_at_period_end=true").await;
    assert_eq!((updated["status"].clone(), updated["cancel_at"].clone()), (json!("active"), json!(period_end)));
    assert_eq!(updated["canceled_at"], T0 + 5 * DAY);
    let events = r.events_of(&customer);
    let (kind, at, object, previous) = events.last().unwrap();
    assert_eq!((kind.as_str(), *at), ("customer.subscription.updated", T0 + 5 * DAY));
    assert_eq!(object, &updated);
    assert_eq!(
        previous.as_ref().unwrap(),
        &json!({
            "cancel_at": null,
            "cancel_at_period_end": false,
            "canceled_at": null,
            "cancellation_details": { "reason": null },
        })
    );
    let seen = events.len();
    r.advance(&clock, T0 + 31 * DAY + 2 * HOUR).await;
    assert_eq!(r.kinds_from(&customer, seen), pairs(&[("customer.subscription.deleted", period_end)]), "no renewal");
    let ended = r.read(&format!("v1/subscriptions/{sub}")).await;
    assert_eq!((ended["status"].clone(), ended["ended_at"].clone()), (json!("canceled"), json!(period_end)));
}

#[tokio::test]
async fn a_card_needing_3d_secure_leaves_the_subscription_incomplete_until_it_expires() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let customer = r.customer(&clock, "pm_card_threeDSecure2Required").await;
    let subscription = r.subscribe(&customer, &r.pro, "").await;
    let sub = id(&subscription);
    assert_eq!(subscription["status"], "incomplete");
    assert_eq!(
        r.kinds_from(&customer, 2),
        pairs(&[
            ("customer.subscription.created", T0),
            ("invoice.created", T0),
            ("invoice.finalized", T0),
            ("invoice.payment_action_required", T0),
        ])
    );
    let invoice = subscription["latest_invoice"].as_str().unwrap().to_string();
    assert_eq!(r.read(&format!("v1/invoices/{invoice}")).await["status"], "open");
    // Only metadata may change while incomplete.
    let refused = r.post(&format!("v1/subscriptions/{sub}"), "cancel_at_period_end=true").await;
    assert_eq!(refused.status, 400, "{}", refused.body);

    r.advance(&clock, T0 + 24 * HOUR).await;
    let expired_at = T0 + 23 * HOUR;
    assert_eq!(
        r.kinds_from(&customer, 6),
        pairs(&[("customer.subscription.updated", expired_at), ("invoice.voided", expired_at)])
    );
    let events = r.events_of(&customer);
    let (_, _, object, previous) = &events[6];
    assert_eq!(
        (object["status"].as_str(), previous.as_ref().unwrap()["status"].as_str()),
        (Some("incomplete_expired"), Some("incomplete"))
    );
    assert_eq!(r.read(&format!("v1/subscriptions/{sub}")).await["status"], "incomplete_expired");
    let voided = r.read(&format!("v1/invoices/{invoice}")).await;
    assert_eq!(
        (voided["status"].clone(), voided["status_transitions"]["voided_at"].clone()),
        (json!("void"), json!(expired_at))
    );
    let frozen = r.post(&format!("v1/subscriptions/{sub}"), "metadata[plan]=x").await;
    assert_eq!(
        error(&frozen)["message"],
        "You cannot update a subscription that is `canceled` or `incomplete_expired`."
    );
}

#[tokio::test]
async fn a_declined_first_payment_is_incomplete_or_refused_as_payment_behavior_says() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let customer = r.customer(&clock, "pm_card_chargeCustomerFail").await;
    let refused = r
        .post(
            "v1/subscriptions",
            &format!("customer={customer}&items[0][price]={}&payment_behavior=error_if_incomplete", r.pro),
        )
        .await;
    assert_eq!((refused.status, error(&refused)["type"].clone()), (402, json!("card_error")));
    assert_eq!(error(&refused)["code"], "card_declined");
    assert!(r.standin.subscriptions(&r.keys.account_id, false).is_empty(), "nothing made");
    let incomplete = r.subscribe(&customer, &r.pro, "").await;
    assert_eq!(incomplete["status"], "incomplete");
    let kinds: Vec<String> = r.kinds_from(&customer, 2).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds.last().map(String::as_str), Some("invoice.payment_failed"));
    // A one-time price cannot be subscribed to; another currency cannot join the customer's.
    let product = r.standin.prices(&r.keys.account_id, false)[0].product.clone();
    let one_time = id(&r.ok("v1/prices", &format!("product={product}&unit_amount=500&currency=usd")).await);
    let refused = r.post("v1/subscriptions", &format!("customer={customer}&items[0][price]={one_time}")).await;
    assert_eq!((refused.status, error(&refused)["param"].clone()), (400, json!("items[0][price]")));
    assert!(error(&refused)["message"].as_str().unwrap().contains("type=one_time"), "{}", refused.body);
    let euros = id(&r
        .ok("v1/prices", &format!("product={product}&unit_amount=500&currency=eur&recurring[interval]=month"))
        .await);
    let mixed = r.post("v1/subscriptions", &format!("customer={customer}&items[0][price]={euros}")).await;
    assert_eq!(mixed.status, 400, "{}", mixed.body);
    assert!(error(&mixed)["message"].as_str().unwrap().starts_with("You cannot combine currencies"), "{}", mixed.body);
    let missing = r.post("v1/subscriptions", &format!("customer={customer}&items[0][price]=price_nope")).await;
    assert_eq!((missing.status, error(&missing)["param"].clone()), (400, json!("items[0][price]")));
    let no_items = r.post("v1/subscriptions", &format!("customer={customer}")).await;
    assert_eq!(error(&no_items)["code"], "parameter_missing");
}

#[tokio::test]
async fn a_price_change_is_an_update_with_previous_attributes_and_prorates_as_asked() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let customer = r.customer(&clock, "pm_card_visa").await;
    let subscription = r.subscribe(&customer, &r.pro, "").await;
    let (sub, item) = (id(&subscription), id(&subscription["items"]["data"][0]));
    r.advance(&clock, T0 + 10 * DAY).await;
    let invoices = r.standin.invoices(&r.keys.account_id, false).len();
    let body = format!(
        "items[0][id]={item}&items[0][price]={}&proration_behavior=none&metadata[plan]=enterprise",
        r.enterprise
    );
    let changed = r.ok(&format!("v1/subscriptions/{sub}"), &body).await;
    assert_eq!(changed["items"]["data"][0]["price"]["id"], r.enterprise.as_str());
    assert_eq!(changed["items"]["data"][0]["plan"]["amount"], 9900);
    assert_eq!(changed["metadata"]["plan"], "enterprise");
    let (kind, at, object, previous) = r.events_of(&customer).pop().unwrap();
    assert_eq!((kind.as_str(), at), ("customer.subscription.updated", T0 + 10 * DAY));
    assert_eq!(object, changed);
    let previous = previous.unwrap();
    assert_eq!(previous["items"]["data"][0]["price"]["id"], r.pro.as_str());
    assert_eq!(previous["metadata"], json!({ "plan": "pro" }));
    assert_eq!(previous.as_object().unwrap().len(), 2, "only what changed: {previous:#}");
    assert_eq!(r.standin.invoices(&r.keys.account_id, false).len(), invoices, "proration_behavior=none: no invoice");

    // Back down with prorations: credited and charged on the next renewal invoice.
    let body = format!("items[0][id]={item}&items[0][price]={}", r.pro);
    r.ok(&format!("v1/subscriptions/{sub}"), &body).await;
    r.advance(&clock, T0 + 31 * DAY + 2 * HOUR).await;
    let renewal = r
        .read(&format!(
            "v1/invoices/{}",
            r.read(&format!("v1/subscriptions/{sub}")).await["latest_invoice"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (renewal["billing_reason"].as_str(), renewal["status"].as_str()),
        (Some("subscription_cycle"), Some("paid"))
    );
    let lines = renewal["lines"]["data"].as_array().unwrap();
    let prorations: Vec<&Value> =
        lines.iter().filter(|l| l["parent"]["subscription_item_details"]["proration"] == true).collect();
    assert_eq!(prorations.len(), 2, "{lines:#?}");
    assert!(prorations[0]["description"]
        .as_str()
        .unwrap()
        .starts_with("Unused time on Enterprise Plan after 11 Jan 2026"));
    assert!(prorations[1]["description"].as_str().unwrap().starts_with("Remaining time on Pro Plan after 11 Jan 2026"));
    // 21 of January's 31 days are left: -99 × 21/31 + 29 × 21/31, then February at $29.
    assert_eq!(prorations[0]["amount"], -6706);
    assert_eq!(prorations[1]["amount"], 1965);
    assert_eq!(renewal["total"], 2900 - 6706 + 1965);
    let sum: i64 = lines.iter().map(|l| l["amount"].as_i64().unwrap()).sum();
    assert_eq!(renewal["total"], sum);
    assert_eq!(renewal["amount_due"], 0, "a credit is not charged");
    assert_eq!(
        r.read(&format!("v1/customers/{customer}")).await["balance"],
        2900 - 6706 + 1965,
        "it is kept as a balance"
    );
}

#[tokio::test]
async fn deleting_a_clock_deletes_its_customers_and_their_subscriptions() {
    let r = Rehearsal::start().await;
    let clock = r.clock(T0).await;
    let (first, second) = (r.customer(&clock, "pm_card_visa").await, r.customer(&clock, "pm_card_visa").await);
    let sub = id(&r.subscribe(&first, &r.pro, "").await);
    let elsewhere = id(&r.ok("v1/customers", "email=other%40example.com").await);
    let deleted = r.delete(&format!("v1/test_helpers/test_clocks/{clock}")).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    for path in [format!("v1/customers/{first}"), format!("v1/customers/{second}"), format!("v1/subscriptions/{sub}")] {
        let gone = r.get(&path).await;
        assert_eq!(gone.status, 404, "{path}: {}", gone.body);
    }
    assert_eq!(r.read(&format!("v1/customers/{elsewhere}")).await["deleted"], Value::Null, "other customers stay");
    assert_eq!(r.standin.customers(&r.keys.account_id, false).len(), 1);
    assert!(r.standin.payment_methods(&r.keys.account_id, false).is_empty());
    let kinds: Vec<String> =
        r.standin.events(&r.keys.account_id, false).into_iter().map(|e| e.kind).rev().take(4).collect();
    assert_eq!(
        kinds,
        ["test_helpers.test_clock.deleted", "customer.deleted", "customer.deleted", "customer.subscription.deleted"]
    );
}

#[tokio::test]
async fn clocks_and_their_subscriptions_survive_a_restart_and_old_files_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stripe.json");
    let standin = StandIn::start_persisted(&file).await.unwrap();
    let keys = standin.add_account(AccountSpec::default());
    let (_, price) = standin.insert_monthly_tier(&keys.account_id, false, &SEED_TIERS[1]);
    let base = standin.base_url();
    let key = keys.test_secret.clone();
    let clock = id(&post(&base, "v1/test_helpers/test_clocks", &key, &format!("frozen_time={T0}")).await.json());
    let body =
        format!("test_clock={clock}&payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_visa");
    let customer = id(&post(&base, "v1/customers", &key, &body).await.json());
    let body = format!("customer={customer}&items[0][price]={price}&trial_period_days=14");
    let sub = id(&post(&base, "v1/subscriptions", &key, &body).await.json());
    drop(standin);

    let restored = StandIn::start_persisted(&file).await.unwrap();
    let base = restored.base_url();
    assert_eq!(get(&base, &format!("v1/test_helpers/test_clocks/{clock}"), &key).await.json()["frozen_time"], T0);
    assert_eq!(get(&base, &format!("v1/customers/{customer}"), &key).await.json()["test_clock"], clock.as_str());
    // The trial notice still comes: what the subscription has coming was saved too.
    let to = T0 + 12 * DAY;
    let answer =
        post(&base, &format!("v1/test_helpers/test_clocks/{clock}/advance"), &key, &format!("frozen_time={to}")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let notice = restored
        .events(&keys.account_id, false)
        .into_iter()
        .find(|e| e.kind == "customer.subscription.trial_will_end")
        .expect("trial_will_end after the restart");
    assert_eq!((notice.created, notice.data.object["id"].as_str()), (T0 + 11 * DAY, Some(sub.as_str())));
    // Ready (and saved so) before the file is touched below.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while get(&base, &format!("v1/test_helpers/test_clocks/{clock}"), &key).await.json()["status"] != "ready" {
        assert!(std::time::Instant::now() < deadline, "still advancing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(restored);

    // A file from before clocks existed: no clocks, cards or schedules, no test_clock on
    // customers, no recorded_at on events.
    let mut saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for mode in saved["modes"].as_array_mut().unwrap() {
        let mode = mode.as_object_mut().unwrap();
        for field in ["test_clocks", "payment_methods", "lifecycles"] {
            mode.remove(field);
        }
        for customer in mode.get_mut("customers").unwrap().as_array_mut().unwrap() {
            customer.as_object_mut().unwrap().remove("test_clock");
            customer.as_object_mut().unwrap().remove("default_payment_method");
        }
        for event in mode.get_mut("events").unwrap().as_array_mut().unwrap() {
            event.as_object_mut().unwrap().remove("recorded_at");
        }
    }
    std::fs::write(&file, serde_json::to_vec(&saved).unwrap()).unwrap();
    let old = StandIn::start_persisted(&file).await.unwrap();
    assert!(old.test_clocks(&keys.account_id).is_empty());
    let customer = get(&old.base_url(), &format!("v1/customers/{customer}"), &key).await.json();
    assert_eq!(customer["test_clock"], Value::Null);
}
