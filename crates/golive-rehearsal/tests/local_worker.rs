//! Verify's local Worker comes from a rehearsal restored from disk: the sample Worker runs
//! under the real `wrangler dev` with the secrets an earlier process pushed to the Cloudflare
//! stand-in, and a subscription the restored Stripe stand-in delivers — signed with the
//! endpoint secret made in that earlier process — is verified and accepted by it, while a
//! forged one is refused.

mod support;

use golive::progress::Silent;
use golive::wizard::LocalWorld;
use golive_rehearsal::{Rehearsal, CF_ACCOUNT_ID, WORKER_NAME};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use support::{made_up_secret, put_secret, repo_search, request};

const HOST: &str = "rehearsal-api.rehearsal.workers.dev";

#[tokio::test(flavor = "multi_thread")]
async fn the_local_worker_starts_from_a_restored_rehearsal_and_verifies_its_deliveries() {
    let data = tempfile::tempdir().unwrap();
    let (account, price) = {
        let first = Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.unwrap();
        let key =
            golive::stripe_key::parse_key(golive::stripe_key::KeySlot::Live, first.inputs().live_key.expose_secret())
                .unwrap();
        let client = golive::stripe_api::client(&first.environment(), &key);
        let endpoint: Value = client
            .post_form(
                "webhook_endpoints",
                json!({ "url": format!("https://{HOST}/webhook/stripe"), "enabled_events": ["customer.subscription.created"] }),
            )
            .await
            .unwrap();
        put_secret(&first.environment(), "STRIPE_WEBHOOK_SECRET", endpoint["secret"].as_str().unwrap()).await;
        let account = first.account_id().to_string();
        let (_, prices) =
            first.stripe().insert_tier_with_prices(&account, true, "Pro Plan", "pro", &[(2900, "month", 1)]);
        (account, prices[0].clone())
    };

    let restored = Rehearsal::open_with(data.path(), &repo_search(), &Silent).await.unwrap();
    assert!(restored.cloudflare().secrets(CF_ACCOUNT_ID, WORKER_NAME).unwrap().contains_key("STRIPE_WEBHOOK_SECRET"));
    let env = restored.environment();
    let worker = restored.start_worker(&env).await.unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(worker.dir(), restored.project_dir());

    restored.stripe().route_deliveries(HOST, &worker.base_url());
    let (_, _, deliveries) = restored.stripe().trigger_subscription(&account, true, &price).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, Some(200), "the Worker verified the restored secret's signature");

    let forged_secret = made_up_secret("forged");
    let forged = stripe_spec::signature::header(&forged_secret, golive::clock::unix_now(), &deliveries[0].body);
    let (status, body) = request(
        &worker.base_url(),
        "POST",
        "/webhook/stripe",
        &[("Stripe-Signature", &forged), ("Content-Type", "application/json")],
        &deliveries[0].body,
    )
    .await;
    assert_eq!(status, 400, "a signature by another secret is refused: {body}");
}
