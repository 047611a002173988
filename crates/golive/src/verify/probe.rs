//! The probes Verify sends to the Worker's webhook URL: a correctly signed synthetic
//! `customer.subscription.created` (must answer 200 `{"received":true}`, within a second),
//! the same with a wrong signature, and correctly signed but 10 minutes old (both must be
//! refused with a 4xx — a 200 means anyone can forge events).

use super::signature;
use crate::environment::Environment;
use crate::findings::Finding;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Where a probe goes: the endpoint URL, or the same path on `webhook_probe_base`.
pub fn probe_url(env: &Environment, endpoint_url: &str) -> String {
    match (&env.webhook_probe_base, url::Url::parse(endpoint_url)) {
        (Some(base), Ok(u)) => format!("{}{}", base.trim_end_matches('/'), u.path()),
        _ => endpoint_url.to_string(),
    }
}

/// A synthetic event in the shape Stripe sends (a customer golive made up, on `tier`).
pub fn synthetic_event(tier: &str, created: i64) -> String {
    let id = crate::nonce::token(14);
    serde_json::json!({
        "id": format!("evt_golive_verify_{id}"),
        "object": "event",
        "api_version": crate::webhook::PINNED_API_VERSION,
        "created": created,
        "livemode": true,
        "pending_webhooks": 1,
        "type": "customer.subscription.created",
        "data": { "object": {
            "id": format!("sub_golive_verify_{id}"),
            "object": "subscription",
            "customer": "cus_golive_verify",
            "status": "active",
            "metadata": { "plan": tier }
        } }
    })
    .to_string()
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
    let request = crate::http::Request::post(url, payload)
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .header("user-agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks) golive-verify");
    crate::http::send(request, Duration::from_secs(15)).await
}

/// A secret no endpoint has: made up for each probe.
fn wrong_secret() -> String {
    format!("{}_{}", "whsec", crate::nonce::token(32))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

const SLOW: Duration = Duration::from_secs(1);

/// The signed probe: proves the Worker holds the endpoint's secret and answers in time.
pub async fn signed(env: &Environment, endpoint_url: &str, secret: &SecretString, tier: &str) -> Finding {
    const ID: &str = "verify.probe.signed";
    let title = "A correctly signed event is accepted";
    let url = probe_url(env, endpoint_url);
    let created = now();
    let payload = synthetic_event(tier, created);
    let header = signature::header(secret.expose_secret(), created, &payload);
    match post(&url, &payload, &header).await {
        Err(e) => Finding::fail(
            ID,
            title,
            format!("POST {}: {e}", target(&url, endpoint_url)),
            "Check that the Worker is deployed (`npx wrangler deploy`) at this address.",
        ),
        Ok(a) => {
            let body = String::from_utf8_lossy(&a.body).to_string();
            let received = serde_json::from_slice::<serde_json::Value>(&a.body).ok()
                == Some(serde_json::json!({ "received": true }));
            let evidence = format!(
                "POST {} → {} {} in {} ms",
                target(&url, endpoint_url),
                a.status,
                body.chars().take(120).collect::<String>(),
                a.elapsed.as_millis()
            );
            if a.status == 200 && received && a.elapsed < SLOW {
                Finding::pass(ID, title, evidence)
            } else if a.status == 200 && received {
                Finding::warn(ID, "The Worker accepts a signed event, but slowly", evidence, "Answer Stripe first and do slow work afterwards (ctx.waitUntil): Stripe gives up after a few seconds and retries, which delivers the event again.")
            } else if a.status == 400 || a.status == 401 || a.status == 403 {
                Finding::fail(ID, title, evidence, "The Worker's STRIPE_WEBHOOK_SECRET is not this endpoint's secret (a test-mode secret, or an older endpoint's). Push the secrets again from the Secrets step.")
            } else if a.status == 200 {
                Finding::fail(
                    ID,
                    title,
                    evidence,
                    "The Worker should answer exactly {\"received\":true} once it has stored the event.",
                )
            } else {
                Finding::fail(
                    ID,
                    title,
                    evidence,
                    "Look at the Worker's logs (`npx wrangler tail`) for the error, fix it, deploy, and verify again.",
                )
            }
        }
    }
}

/// A probe the Worker must refuse: a wrong signature, or a correct one 10 minutes old.
pub async fn refused(env: &Environment, endpoint_url: &str, secret: &SecretString, tier: &str, stale: bool) -> Finding {
    let (id, title) = if stale {
        ("verify.probe.stale", "A replayed event (signed 10 minutes ago) is refused")
    } else {
        ("verify.probe.bad_signature", "An event with a wrong signature is refused")
    };
    let url = probe_url(env, endpoint_url);
    let created = if stale { now() - 600 } else { now() };
    let payload = synthetic_event(tier, created);
    let header = if stale {
        signature::header(secret.expose_secret(), created, &payload)
    } else {
        signature::header(&wrong_secret(), created, &payload)
    };
    match post(&url, &payload, &header).await {
        Err(e) => Finding::fail(id, title, format!("POST {}: {e}", target(&url, endpoint_url)), "Check that the Worker is deployed at this address."),
        Ok(a) if (400..500).contains(&a.status) => {
            Finding::pass(id, title, format!("POST {} → {}", target(&url, endpoint_url), a.status))
        }
        Ok(a) if a.status < 300 => Finding::fail(
            id,
            if stale { "The Worker accepts replayed events" } else { "The Worker accepts events nobody signed" },
            format!("POST {} → {}: anyone who knows the URL can change your customers' tiers.", target(&url, endpoint_url), a.status),
            "Verify the Stripe-Signature header on the raw body before anything else: `await stripe.webhooks.constructEventAsync(body, signature, env.STRIPE_WEBHOOK_SECRET, undefined, Stripe.createSubtleCryptoProvider())` (see examples/worker), keeping the default 5-minute tolerance.",
        ),
        Ok(a) => Finding::warn(id, title, format!("POST {} → {}", target(&url, endpoint_url), a.status), "Answer 400 to a bad signature: a 5xx makes Stripe retry an event that will never verify."),
    }
}
