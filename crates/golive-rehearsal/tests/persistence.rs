//! The rehearsal persists: opened again (a new process, an app launch) it has the same
//! made-up keys, the objects golive created through Stripe's API with their ids, the secrets
//! pushed to the Cloudflare stand-in, and a webhook endpoint whose secret still signs
//! deliveries. A damaged state file stops it with the way out, overwriting nothing; one
//! process at a time has it open; reset starts it over.

mod support;

use golive::progress::Silent;
use golive::stripe_key::{parse_key, KeySlot};
use golive_rehearsal::{Rehearsal, CF_ACCOUNT_ID, WORKER_NAME};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use support::{made_up_secret, put_secret, repo_node_modules, repo_search};

const ENDPOINT_URL: &str = "https://rehearsal-api.rehearsal.workers.dev/webhook/stripe";

fn live_client(rehearsal: &Rehearsal) -> golive::stripe_api::Client {
    let key = parse_key(KeySlot::Live, rehearsal.inputs().live_key.expose_secret()).unwrap();
    golive::stripe_api::client(&rehearsal.environment(), &key)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reopened_rehearsal_has_the_same_account_objects_and_secrets() {
    let data = tempfile::tempdir().unwrap();
    let first = Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.unwrap();
    let (inputs, account) = (first.inputs(), first.account_id().to_string());
    let client = live_client(&first);
    let product: Value =
        client.post_form("products", json!({ "name": "Pro Plan", "metadata": { "plan": "pro" } })).await.unwrap();
    let endpoint: Value = client
        .post_form(
            "webhook_endpoints",
            json!({ "url": ENDPOINT_URL, "enabled_events": ["customer.subscription.created"] }),
        )
        .await
        .unwrap();
    let whsec = endpoint["secret"].as_str().unwrap().to_string();
    let pushed = made_up_secret("pushed");
    put_secret(&first.environment(), "STRIPE_WEBHOOK_SECRET", &pushed).await;
    let first_base = first.environment().stripe_base_url.unwrap();
    drop(first);

    let second = Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.unwrap();
    let again = second.inputs();
    assert_eq!(again.test_key.expose_secret(), inputs.test_key.expose_secret(), "the same made-up test key");
    assert_eq!(again.live_key.expose_secret(), inputs.live_key.expose_secret(), "the same made-up live key");
    assert_eq!((again.project_dir, second.account_id()), (inputs.project_dir, account.as_str()));
    assert_ne!(second.environment().stripe_base_url.unwrap(), first_base, "new servers, same data");
    let id = product["id"].as_str().unwrap();
    let read: Value = live_client(&second).get(&format!("products/{id}")).await.unwrap();
    assert_eq!((read["id"].as_str(), read["name"].as_str()), (Some(id), Some("Pro Plan")), "{read}");
    let held = second.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).expect("the sample Worker");
    assert_eq!(held.get("STRIPE_WEBHOOK_SECRET"), Some(&pushed));

    // The endpoint is the same one, and its secret still signs what Stripe delivers.
    let endpoints = second.stripe().webhook_endpoints(&account, true);
    assert_eq!(endpoints.len(), 1);
    assert_eq!((endpoints[0].id.as_str(), endpoints[0].secret.as_str()), (endpoint["id"].as_str().unwrap(), &*whsec));
    second.stripe().route_deliveries("rehearsal-api.rehearsal.workers.dev", "http://127.0.0.1:9");
    let price = second.stripe().insert_tier_with_prices(&account, true, "Team", "team", &[(4900, "month", 1)]).1;
    let (_, _, deliveries) = second.stripe().trigger_subscription(&account, true, &price[0]).await;
    assert_eq!(deliveries.len(), 1);
    let signed_at: i64 = deliveries[0].signature.split(',').next().unwrap().trim_start_matches("t=").parse().unwrap();
    assert_eq!(deliveries[0].signature, stripe_spec::signature::header(&whsec, signed_at, &deliveries[0].body));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_state_file_stops_the_rehearsal_with_the_way_out_and_is_kept() {
    let data = tempfile::tempdir().unwrap();
    drop(Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.unwrap());
    let file = data.path().join("rehearsal/stripe.json");
    let cloudflare = std::fs::read(data.path().join("rehearsal/cloudflare.json")).unwrap();
    let damaged = "{\"kind\": \"stripe-standin state\", \"version\": 1, \"accounts\": {";
    std::fs::write(&file, damaged).unwrap();

    let problem = Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.err().expect("refused");
    assert_eq!(problem.code, "rehearsal_damaged");
    assert!(problem.message.contains(&file.display().to_string()), "{problem:?}");
    assert!(problem.fix.contains("golive --rehearsal reset"), "{problem:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), damaged, "nothing overwritten");
    assert_eq!(std::fs::read(data.path().join("rehearsal/cloudflare.json")).unwrap(), cloudflare);

    // The way out works.
    Rehearsal::reset(data.path()).unwrap();
    Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn one_process_at_a_time_and_reset_starts_over() {
    let data = tempfile::tempdir().unwrap();
    let open = Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.unwrap();
    let old_key = open.inputs().live_key.expose_secret().to_string();
    let busy = Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.err().expect("in use");
    assert_eq!(busy.code, "rehearsal_in_use", "{busy:?}");
    assert!(busy.message.contains(&format!("process {}", std::process::id())), "says who: {busy:?}");
    assert_eq!(Rehearsal::reset(data.path()).err().map(|p| p.code), Some("rehearsal_in_use".into()));

    let fresh = open.start_over(&Silent).await.unwrap();
    assert_ne!(fresh.inputs().live_key.expose_secret(), old_key, "a new made-up account");
    assert!(fresh.stripe().webhook_endpoints(fresh.account_id(), true).is_empty());
    assert_eq!(fresh.stripe().account_ids().len(), 1);
    let link = std::fs::read_link(fresh.project_dir().join("node_modules")).unwrap();
    assert_eq!(link, repo_node_modules(), "the project links the packages found");
    drop(fresh);
    Rehearsal::reset(data.path()).unwrap();
    assert!(!data.path().join("rehearsal").exists());
    assert!(repo_node_modules().join("wrangler/package.json").exists(), "reset never follows the link");
}
