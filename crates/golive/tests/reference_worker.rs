//! golive's reference Worker (examples/worker) on workerd via `wrangler dev`: the behaviours
//! its README promises, with events laid out and signed the way Stripe delivers them.

use golive::verify::signature;
use golive_testkit::ReferenceWorker;
use serde_json::json;

/// An obviously fake webhook secret, made up at run time (no key-shaped literal in the repo).
fn fake_secret(label: &str) -> String {
    format!("{}_{label}{}", "whsec", "FAKE".repeat(6))
}

use golive::clock::unix_now as now;

/// A subscription event byte for byte as Stripe delivers it (pretty-printed, every field).
fn event(id: &str, kind: &str, created: i64, plan: &str, status: &str) -> String {
    use stripe_spec::objects;
    let price =
        objects::price(&json!({ "id": "price_ref", "product": "prod_ref", "created": created, "livemode": true }));
    let subscription = objects::subscription(&objects::SubscriptionSeed {
        id: "sub_1",
        item_id: "si_1",
        customer: "cus_ref",
        created,
        livemode: true,
        status,
        metadata: json!({ "plan": plan }),
        price,
        quantity: 1,
    });
    objects::to_stripe_json(&objects::event(id, kind, stripe_spec::PINNED_API_VERSION, created, true, subscription))
}

async fn send(worker: &ReferenceWorker, secret: &str, payload: &str) -> u16 {
    let request = golive::http::Request::post(format!("{}/webhook/stripe", worker.base_url()), payload)
        .header("stripe-signature", signature::header(secret, now(), payload));
    golive::http::send(request, std::time::Duration::from_secs(15)).await.unwrap().status
}

fn tier(worker: &ReferenceWorker) -> String {
    let stored = worker.kv_get("customer:cus_ref").expect("a tier is stored");
    serde_json::from_str::<serde_json::Value>(&stored).unwrap()["tier"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn keeps_the_newest_tier_once_per_event_and_accepts_the_previous_secret() {
    let (current, previous, stranger) = (fake_secret("current"), fake_secret("previous"), fake_secret("stranger"));
    let worker = ReferenceWorker::start(&[
        ("STRIPE_WEBHOOK_SECRET", current.as_str()),
        ("STRIPE_WEBHOOK_SECRET_PREVIOUS", previous.as_str()),
    ])
    .await;
    let t = now();
    assert_eq!(
        send(&worker, &current, &event("evt_2", "customer.subscription.updated", t, "team", "active")).await,
        200
    );
    assert_eq!(tier(&worker), "team");
    // an older event arriving late does not overwrite the newer state
    assert_eq!(
        send(&worker, &current, &event("evt_1", "customer.subscription.created", t - 100, "pro", "active")).await,
        200
    );
    assert_eq!(tier(&worker), "team");
    // a redelivery of an event id already handled is acknowledged and skipped
    assert_eq!(
        send(&worker, &current, &event("evt_2", "customer.subscription.updated", t + 10, "starter", "active")).await,
        200
    );
    assert_eq!(tier(&worker), "team");
    // during a rotation, the previous secret still verifies
    assert_eq!(
        send(&worker, &previous, &event("evt_3", "customer.subscription.deleted", t + 20, "team", "canceled")).await,
        200
    );
    assert_eq!(tier(&worker), "free");
    // any other secret does not
    assert_eq!(
        send(&worker, &stranger, &event("evt_4", "customer.subscription.created", t + 30, "pro", "active")).await,
        400
    );
    assert_eq!(tier(&worker), "free");
    // While a secret is rolled in the Dashboard, Stripe puts one `v1=` per active secret in
    // one header: the event passes when any of them matches — also when only the second does
    // (a loop that gives up at the first failing signature would drop it).
    let payload = event("evt_5", "customer.subscription.created", t + 40, "pro", "active");
    let both = stripe_spec::signature::header_all(&[&stranger, &previous], now(), &payload);
    let request = golive::http::Request::post(format!("{}/webhook/stripe", worker.base_url()), payload.as_str())
        .header("stripe-signature", both.as_str());
    let answer = golive::http::send(request, std::time::Duration::from_secs(15)).await.unwrap();
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    assert_eq!(tier(&worker), "pro");
    // The answer names the Worker version that served it (the version-metadata binding).
    let version = answer.worker_version.expect("the reference Worker names its version");
    assert!(!version.is_empty() && version != "unknown", "{version}");
}
