//! The probes Verify sends to the Worker's webhook URL. Each is an event byte for byte as
//! Stripe delivers it (`stripe_spec::objects`: pretty-printed, Stripe's key order, every
//! field of the event and of the subscription and price in it): a correctly signed
//! `customer.subscription.created` (must answer 200 `{"received":true}` within a second),
//! the same signed with a made-up secret, and correctly signed but 10 minutes old (both
//! must be refused with a 4xx — a 200 means anyone can forge or replay events).
//!
//! When the signed probe is refused, this module names the cause: a second, diagnostic
//! copy of the same event in compact JSON tells a handler that verifies a parsed and
//! re-serialized body (it accepts the compact copy) from one that does not hold the secret;
//! what golive pushed and holds now tells a secret to push again from a Worker that
//! verifies with another variable.

use super::signature;
use crate::environment::Environment;
use crate::findings::Finding;
use crate::webhook::SECRET_VAR;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::future::Future;
use std::time::Duration;
use stripe_spec::objects;

/// Where a probe goes: the endpoint URL, or the same path on `webhook_probe_base`.
pub fn probe_url(env: &Environment, endpoint_url: &str) -> String {
    match (&env.webhook_probe_base, url::Url::parse(endpoint_url)) {
        (Some(base), Ok(u)) => format!("{}{}", base.trim_end_matches('/'), u.path()),
        _ => endpoint_url.to_string(),
    }
}

/// The customer every probe subscribes (the Worker stores its tier under this id).
pub const PROBE_CUSTOMER: &str = "cus_golive_verify";

/// One probe event, in the layout Stripe delivers and (for the diagnosis) compact.
#[derive(Debug, Clone)]
pub struct ProbeEvent {
    /// `evt_golive_verify_…`, new for each probe event.
    pub id: String,
    pub created: i64,
    /// Pretty-printed as Stripe sends it: what the probes post.
    pub stripe: String,
    /// The same event as compact JSON (what `JSON.stringify(JSON.parse(body))` gives).
    pub compact: String,
}

impl ProbeEvent {
    /// A `customer.subscription.created` for a made-up customer on `tier`: the subscription
    /// has `metadata.plan` (where the seed's handlers read the tier) and one item on the
    /// live price `price_id` — whole, as `GET /v1/prices` returned it (`live_price`), or
    /// Stripe's shape with that id when golive could not read it.
    pub fn new(tier: &str, price_id: &str, live_price: Option<&Value>, api_version: &str, created: i64) -> Self {
        let nonce = crate::nonce::token(14);
        let price = match live_price {
            Some(live) => objects::price(live),
            None => {
                let id = if price_id.is_empty() { "price_golive_verify" } else { price_id };
                objects::price(&json!({ "id": id, "created": created, "livemode": true }))
            }
        };
        let (id, item_id) = (format!("sub_golive_verify_{nonce}"), format!("si_golive_verify_{nonce}"));
        let subscription = objects::subscription(&objects::SubscriptionSeed {
            id: &id,
            item_id: &item_id,
            customer: PROBE_CUSTOMER,
            created,
            livemode: true,
            status: "active",
            metadata: json!({ "plan": tier }),
            price,
            quantity: 1,
        });
        let id = format!("evt_golive_verify_{nonce}");
        let event = objects::event(&id, "customer.subscription.created", api_version, created, true, subscription);
        Self {
            id,
            created,
            stripe: objects::to_stripe_json(&event),
            compact: serde_json::to_string(&event).expect("a JSON value always serialises"),
        }
    }
}

/// What golive knows about the webhook secret on the Worker, for naming why a correctly
/// signed event was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFacts {
    /// The hint of the value the Secrets step pushed (`None`: a session from before golive
    /// recorded it).
    pub pushed_hint: Option<String>,
    /// The hint of the value the keyring holds now (what the probe is signed with).
    pub held_hint: String,
    /// Whether `wrangler secret list` shows STRIPE_WEBHOOK_SECRET (`None`: it could not tell).
    pub on_worker: Option<bool>,
}

/// How the evidence names where a probe went: the endpoint URL, and the local address when
/// the probe was redirected there.
fn target(url: &str, endpoint_url: &str) -> String {
    if url == endpoint_url {
        endpoint_url.to_string()
    } else {
        format!("{endpoint_url} (served locally at {url})")
    }
}

async fn post(url: &str, payload: &str, signature: &str) -> Result<crate::http::Answer, String> {
    post_as_stripe(url, payload, signature, "golive-verify").await
}

/// Posts `payload` with `signature` the way Stripe delivers an event (its headers; `who` ends
/// the user agent, so the Worker's logs tell golive's probes apart).
pub(crate) async fn post_as_stripe(
    url: &str,
    payload: &str,
    signature: &str,
    who: &str,
) -> Result<crate::http::Answer, String> {
    let request = crate::http::Request::post(url, payload)
        .header("content-type", "application/json; charset=utf-8")
        .header("stripe-signature", signature)
        .header("user-agent", format!("Stripe/1.0 (+https://stripe.com/docs/webhooks) {who}"));
    crate::http::send(request, Duration::from_secs(15)).await
}

/// Delivers `payload` as Stripe does right now: signed with `secret` at the current time and
/// posted with Stripe's headers (`who` as in [`post_as_stripe`]).
pub(crate) async fn deliver_now(
    url: &str,
    payload: &str,
    secret: &SecretString,
    who: &str,
) -> Result<crate::http::Answer, String> {
    let header = signature::header(secret.expose_secret(), crate::clock::unix_now(), payload);
    post_as_stripe(url, payload, &header, who).await
}

/// A secret no endpoint has: made up for each probe.
fn wrong_secret() -> String {
    format!("{}_{}", "whsec", crate::nonce::token(32))
}

const SLOW: Duration = Duration::from_secs(1);

fn refused(status: u16) -> bool {
    matches!(status, 400 | 401 | 403)
}

fn answer(a: &crate::http::Answer) -> String {
    let body = String::from_utf8_lossy(&a.body);
    let version = a.worker_version.as_deref().map(|v| format!(", from Worker version {v}")).unwrap_or_default();
    format!("{} {} in {} ms{version}", a.status, body.chars().take(120).collect::<String>(), a.elapsed.as_millis())
}

const SIGNED: &str = "verify.probe.signed";
const SIGNED_TITLE: &str = "A correctly signed event, as Stripe sends it, is accepted";

/// The signed probe: proves the Worker holds the endpoint's secret, verifies events as
/// Stripe sends them, and answers in time. `facts` is awaited only when the Worker refuses
/// the event both as Stripe sends it and compact.
pub async fn signed(
    env: &Environment,
    endpoint_url: &str,
    secret: &SecretString,
    event: &ProbeEvent,
    facts: impl Future<Output = SecretFacts>,
) -> Finding {
    signed_answered(env, endpoint_url, secret, event, facts).await.0
}

/// [`signed`], with the Worker version that answered (its `Golive-Worker-Version`), if it
/// named one.
pub async fn signed_answered(
    env: &Environment,
    endpoint_url: &str,
    secret: &SecretString,
    event: &ProbeEvent,
    facts: impl Future<Output = SecretFacts>,
) -> (Finding, Option<String>) {
    let title = SIGNED_TITLE;
    let url = probe_url(env, endpoint_url);
    let header = signature::header(secret.expose_secret(), event.created, &event.stripe);
    match post(&url, &event.stripe, &header).await {
        Ok(a) => {
            let version = a.worker_version.clone();
            (judge_signed(env, endpoint_url, secret, event, facts, a).await, version)
        }
        Err(e) => (
            Finding::fail(
                SIGNED,
                title,
                format!("POST {}: {e}", target(&url, endpoint_url)),
                "Check that the Worker is deployed (`npx wrangler deploy`) at this address.",
            ),
            None,
        ),
    }
}

/// What the Worker's answer `a` to the signed probe says.
async fn judge_signed(
    env: &Environment,
    endpoint_url: &str,
    secret: &SecretString,
    event: &ProbeEvent,
    facts: impl Future<Output = SecretFacts>,
    a: crate::http::Answer,
) -> Finding {
    let title = SIGNED_TITLE;
    let url = probe_url(env, endpoint_url);
    let received = serde_json::from_slice::<Value>(&a.body).ok() == Some(json!({ "received": true }));
    let evidence = format!("POST {} → {}", target(&url, endpoint_url), answer(&a));
    if a.status == 200 && received && a.elapsed < SLOW {
        return Finding::pass(SIGNED, title, evidence);
    }
    if a.status == 200 && received {
        return Finding::warn(SIGNED, "The Worker accepts a signed event, but slowly", evidence, "Answer Stripe first and do slow work afterwards (ctx.waitUntil): Stripe gives up after a few seconds and retries, which delivers the event again.");
    }
    if a.status == 200 {
        return Finding::fail(
            SIGNED,
            title,
            evidence,
            "The Worker should answer exactly {\"received\":true} once it has stored the event.",
        );
    }
    if !refused(a.status) {
        return Finding::fail(
            SIGNED,
            title,
            evidence,
            "Look at the Worker's logs (`npx wrangler tail`) for the error, fix it, deploy, and verify again.",
        );
    }
    // Refused: the same event, compact, tells a body check from a secret problem.
    let header = signature::header(secret.expose_secret(), event.created, &event.compact);
    let compact = post(&url, &event.compact, &header).await;
    let evidence = match &compact {
        Ok(c) => format!("{evidence}; the same event as compact JSON → {}", answer(c)),
        Err(e) => format!("{evidence}; the same event as compact JSON: {e}"),
    };
    if matches!(&compact, Ok(c) if c.status < 300) {
        return Finding::fail(
            SIGNED,
            "The Worker refuses every event as Stripe sends it: it verifies a re-serialized body",
            format!("{evidence}. Stripe delivers events pretty-printed; the handler checks the signature against the body after parsing and re-serializing it, which only matches JSON without spaces."),
            "In the webhook handler, verify the raw text of the request: read it with `const body = await request.text()`, pass that body to `constructEventAsync` (not `JSON.stringify(await request.json())`), and parse the event only from what it returns. Deploy, then verify again.",
        );
    }
    let facts = facts.await;
    if facts.on_worker == Some(false) {
        return Finding::fail(
            SIGNED,
            "The Worker has no STRIPE_WEBHOOK_SECRET",
            format!("{evidence}; `wrangler secret list` does not show {SECRET_VAR}."),
            "Push the secrets again from the Secrets step.",
        );
    }
    match (&facts.pushed_hint, facts.on_worker) {
        (Some(pushed), _) if *pushed != facts.held_hint => Finding::fail(
            SIGNED,
            "The Worker has an older webhook secret than the endpoint's",
            format!(
                "{evidence}. golive pushed {SECRET_VAR} {pushed}; the keyring now holds {} (the Webhook step kept a new endpoint's secret since).",
                facts.held_hint
            ),
            "Push the secrets again from the Secrets step: it sends the endpoint's current secret.",
        ),
        (Some(pushed), Some(true)) => Finding::fail(
            SIGNED,
            "The Worker does not verify events with STRIPE_WEBHOOK_SECRET",
            format!(
                "{evidence}. golive pushed this endpoint's secret ({pushed}) as {SECRET_VAR}, `wrangler secret list` shows it, and the keyring still holds that value — yet events signed with it are refused."
            ),
            format!("One of three things, most likely first. (1) The handler reads another name (such as env.WEBHOOK_SECRET) or a value written in the code: make it verify with `env.{SECRET_VAR}`, deploy, then verify again. (2) {SECRET_VAR} was replaced on the Worker after golive pushed it (`wrangler secret put` by hand, or a CI deploy that sets its own): push the secrets again from the Secrets step, and keep your deploys from overwriting it. (3) Another Worker or wrangler environment answers this URL: check in the Cloudflare dashboard which Worker the route or workers.dev address belongs to, and that it is the one (and --env) golive set the secrets on."),
        ),
        _ => Finding::fail(
            SIGNED,
            title,
            evidence,
            "The Worker's STRIPE_WEBHOOK_SECRET is not this endpoint's secret (a test-mode secret, or an older endpoint's). Push the secrets again from the Secrets step.",
        ),
    }
}

/// Posts `payload` signed with `header`; a probe the Worker must refuse.
async fn must_refuse(
    env: &Environment,
    endpoint_url: &str,
    payload: &str,
    header: &str,
    (id, title, accepted_title): (&str, &str, &str),
    fix: &str,
) -> Finding {
    let url = probe_url(env, endpoint_url);
    match post(&url, payload, header).await {
        Err(e) => Finding::fail(
            id,
            title,
            format!("POST {}: {e}", target(&url, endpoint_url)),
            "Check that the Worker is deployed at this address.",
        ),
        Ok(a) if (400..500).contains(&a.status) => {
            Finding::pass(id, title, format!("POST {} → {}", target(&url, endpoint_url), a.status))
        }
        Ok(a) if a.status < 300 => Finding::fail(
            id,
            accepted_title,
            format!(
                "POST {} → {}: anyone who knows the URL can change your customers' tiers.",
                target(&url, endpoint_url),
                a.status
            ),
            fix,
        ),
        Ok(a) => Finding::warn(
            id,
            title,
            format!("POST {} → {}", target(&url, endpoint_url), a.status),
            "Answer 400 to an event that does not verify: a 5xx makes Stripe retry an event that will never verify.",
        ),
    }
}

const VERIFY_SIGNATURES: &str = "Verify the Stripe-Signature header on the raw body before anything else: `await stripe.webhooks.constructEventAsync(await request.text(), signature, env.STRIPE_WEBHOOK_SECRET, undefined, Stripe.createSubtleCryptoProvider())` (see examples/worker), and answer 400 when it throws.";

/// `verify.probe.bad_signature`: the event signed with a secret nobody has must be refused.
pub async fn forged(env: &Environment, endpoint_url: &str, event: &ProbeEvent) -> Finding {
    let header = signature::header(&wrong_secret(), event.created, &event.stripe);
    let titles = (
        "verify.probe.bad_signature",
        "An event with a wrong signature is refused",
        "The Worker accepts events nobody signed",
    );
    must_refuse(env, endpoint_url, &event.stripe, &header, titles, VERIFY_SIGNATURES).await
}

/// `verify.probe.stale`: the event correctly signed 10 minutes ago must be refused.
/// `verifies_signatures` is false when forged events got in too (then that is the fix).
pub async fn stale(
    env: &Environment,
    endpoint_url: &str,
    secret: &SecretString,
    event: &ProbeEvent,
    verifies_signatures: bool,
) -> Finding {
    let header = signature::header(secret.expose_secret(), event.created, &event.stripe);
    let titles = (
        "verify.probe.stale",
        "A replayed event (signed 10 minutes ago) is refused",
        "The Worker accepts replayed events",
    );
    let fix = if verifies_signatures {
        "Keep Stripe's 5-minute timestamp tolerance: call `constructEventAsync(body, signature, secret)` without a tolerance argument (or with 300), not 0 or a large number, so an event someone captured and sends again is refused. Deploy, then verify again."
    } else {
        VERIFY_SIGNATURES
    };
    must_refuse(env, endpoint_url, &event.stripe, &header, titles, fix).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_is_laid_out_as_stripe_delivers_it() {
        let live = json!({
            "id": "price_live_1", "object": "price", "active": true, "billing_scheme": "per_unit",
            "created": 1_700_000_000, "currency": "usd", "livemode": true, "product": "prod_1",
            "recurring": { "interval": "month", "interval_count": 1, "usage_type": "licensed" },
            "unit_amount": 2900, "currency_options": { "usd": {} }
        });
        let event = ProbeEvent::new("pro", "price_live_1", Some(&live), "2026-10-28.endive", 1_800_000_000);
        assert!(event.stripe.starts_with("{\n  \"id\": \"evt_golive_verify_"), "{}", event.stripe);
        assert!(event.stripe.contains("\n  \"object\": \"event\",\n  \"api_version\": \"2026-10-28.endive\",\n  \"created\": 1800000000,\n  \"data\": {\n    \"object\": {\n      \"id\": \"sub_golive_verify_"), "{}", event.stripe);
        assert!(event.stripe.ends_with("\n  \"type\": \"customer.subscription.created\"\n}"), "{}", event.stripe);
        assert_ne!(event.stripe, event.compact);
        let parsed: Value = serde_json::from_str(&event.stripe).unwrap();
        assert_eq!(parsed, serde_json::from_str::<Value>(&event.compact).unwrap());
        assert_eq!(parsed["livemode"], true);
        assert_eq!(parsed["pending_webhooks"], 1);
        assert_eq!(parsed["request"], json!({ "id": null, "idempotency_key": null }));
        let sub = &parsed["data"]["object"];
        assert_eq!((sub["customer"].as_str(), sub["metadata"]["plan"].as_str()), (Some(PROBE_CUSTOMER), Some("pro")));
        let price = &sub["items"]["data"][0]["price"];
        assert_eq!((price["id"].as_str(), price["unit_amount"].as_i64()), (Some("price_live_1"), Some(2900)));
        assert!(price.get("currency_options").is_none(), "only what Stripe sends unexpanded");
        // without the live price, the item still names the tier's price id
        let event = ProbeEvent::new("pro", "price_live_1", None, "2026-10-28.endive", 1_800_000_000);
        let parsed: Value = serde_json::from_str(&event.stripe).unwrap();
        assert_eq!(parsed["data"]["object"]["items"]["data"][0]["price"]["id"], "price_live_1");
    }
}
