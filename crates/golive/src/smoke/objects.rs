//! The live Stripe objects of one smoke purchase, each found by its `metadata.golive_smoke`
//! (the run id) before it is made — so a run resumed after a crash, or after Stripe forgot its
//! Idempotency-Keys (24 h), never makes a second coupon or checkout session — and made with an
//! Idempotency-Key derived from the run and the object. Also the reads the run watches with
//! (the session, the events) and the writes that end it (cancel, clean up).

use crate::stripe_api::{with_retries, ApiFailure, Client};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The metadata key every object of a run carries: the run id.
pub const RUN_KEY: &str = "golive_smoke";

#[derive(Debug, Clone, Deserialize)]
pub struct Coupon {
    pub id: String,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub valid: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PromotionCode {
    pub id: String,
    pub code: String,
    pub active: bool,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub url: Option<String>,
    /// `open`, `complete` or `expired`.
    pub status: Option<String>,
    pub payment_status: Option<String>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    pub invoice: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub status: String,
    pub latest_invoice: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PortalSession {
    pub url: String,
}

/// An event as golive reads it back: its type, what it is about, whether every endpoint
/// answered it, and the whole event (to send again when the Worker refused it).
#[derive(Debug, Clone)]
pub struct SeenEvent {
    pub id: String,
    pub kind: String,
    pub pending_webhooks: u64,
    pub whole: Value,
}

/// What a new run asks Stripe for.
pub struct RunSpec<'a> {
    pub run: &'a str,
    pub project: &'a str,
    pub tier: &'a str,
    pub price_id: &'a str,
    pub email: &'a str,
    pub return_url: &'a str,
    /// When the coupon stops being redeemable and the checkout expires (Unix time).
    pub expires_at: i64,
}

fn key(spec: &RunSpec<'_>, what: &str) -> String {
    format!("golive-smoke-{}-{what}", spec.run)
}

fn ours(metadata: &BTreeMap<String, String>, run: &str) -> bool {
    metadata.get(RUN_KEY).is_some_and(|r| r == run)
}

fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The run's 100%-off coupon: once, one redemption, redeemable until the run expires.
pub async fn ensure_coupon(client: &Client, spec: &RunSpec<'_>) -> Result<Coupon, ApiFailure> {
    let all: Vec<Coupon> = crate::stripe_api::list_all(client, "/coupons", &[], |c: &Coupon| c.id.clone()).await?;
    if let Some(found) = all.into_iter().find(|c| ours(&c.metadata, spec.run)) {
        return Ok(found);
    }
    let redeem_by = spec.expires_at.to_string();
    let body = form(&[
        ("percent_off", "100"),
        ("duration", "once"),
        ("max_redemptions", "1"),
        ("redeem_by", &redeem_by),
        ("name", "golive smoke purchase"),
        ("metadata[golive_smoke]", spec.run),
        ("metadata[golive_project]", spec.project),
    ]);
    let client = client.clone().with_idempotency_key(key(spec, "coupon"));
    with_retries(|| client.post_form("/coupons", &body)).await
}

/// The run's one-time promotion code for `coupon`.
pub async fn ensure_promotion_code(
    client: &Client,
    spec: &RunSpec<'_>,
    coupon: &str,
) -> Result<PromotionCode, ApiFailure> {
    #[derive(serde::Serialize)]
    struct ByCoupon<'a> {
        coupon: &'a str,
        limit: u32,
    }
    let page: crate::stripe_api::Page<PromotionCode> =
        with_retries(|| client.get_query("/promotion_codes", ByCoupon { coupon, limit: 100 })).await?;
    if let Some(found) = page.data.into_iter().find(|p| ours(&p.metadata, spec.run)) {
        return Ok(found);
    }
    let expires_at = spec.expires_at.to_string();
    let code = format!("GOLIVE-SMOKE-{}", spec.run.to_uppercase());
    let body = form(&[
        ("promotion[type]", "coupon"),
        ("promotion[coupon]", coupon),
        ("code", &code),
        ("max_redemptions", "1"),
        ("expires_at", &expires_at),
        ("metadata[golive_smoke]", spec.run),
        ("metadata[golive_project]", spec.project),
    ]);
    let client = client.clone().with_idempotency_key(key(spec, "promotion-code"));
    with_retries(|| client.post_form("/promotion_codes", &body)).await
}

/// The run's Checkout Session: a subscription to the tier's live price with the code applied,
/// no card asked for a $0 first invoice, `metadata.plan` = the tier (as the seed's app sets it).
pub async fn ensure_checkout(
    client: &Client,
    spec: &RunSpec<'_>,
    promotion_code: &str,
    since: i64,
) -> Result<CheckoutSession, ApiFailure> {
    #[derive(serde::Serialize)]
    struct Recent {
        limit: u32,
        #[serde(rename = "created[gte]")]
        created_gte: i64,
    }
    let page: crate::stripe_api::Page<CheckoutSession> =
        with_retries(|| client.get_query("/checkout/sessions", Recent { limit: 100, created_gte: since - 300 }))
            .await?;
    if let Some(found) = page.data.into_iter().find(|s| ours(&s.metadata, spec.run)) {
        return Ok(found);
    }
    let expires_at = spec.expires_at.to_string();
    let success = with_query(spec.return_url, "golive_smoke=done");
    let cancel = with_query(spec.return_url, "golive_smoke=cancelled");
    let body = form(&[
        ("mode", "subscription"),
        ("line_items[0][price]", spec.price_id),
        ("line_items[0][quantity]", "1"),
        ("discounts[0][promotion_code]", promotion_code),
        ("payment_method_collection", "if_required"),
        ("customer_email", spec.email),
        ("metadata[plan]", spec.tier),
        ("metadata[golive_smoke]", spec.run),
        ("subscription_data[metadata][golive_smoke]", spec.run),
        ("success_url", &success),
        ("cancel_url", &cancel),
        ("expires_at", &expires_at),
    ]);
    let client = client.clone().with_idempotency_key(key(spec, "checkout"));
    with_retries(|| client.post_form("/checkout/sessions", &body)).await
}

/// `url` with `query` added (`?` or `&`).
fn with_query(url: &str, query: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let joined = match parsed.query() {
                Some(q) if !q.is_empty() => format!("{q}&{query}"),
                _ => query.to_string(),
            };
            parsed.set_query(Some(&joined));
            parsed.to_string()
        }
        Err(_) => url.to_string(),
    }
}

pub async fn checkout(client: &Client, id: &str) -> Result<CheckoutSession, ApiFailure> {
    let path = format!("/checkout/sessions/{id}");
    with_retries(|| client.get(&path)).await
}

/// Expires an open session (the run was abandoned); a session no longer open is left as it is.
pub async fn expire_checkout(client: &Client, id: &str) -> Result<(), ApiFailure> {
    let session = checkout(client, id).await?;
    if session.status.as_deref() == Some("open") {
        let body: BTreeMap<String, String> = BTreeMap::new();
        let path = format!("/checkout/sessions/{id}/expire");
        let _: CheckoutSession = with_retries(|| client.post_form(&path, &body)).await?;
    }
    Ok(())
}

/// The events about `object_ids` of the given types since `since`, oldest first.
pub async fn events_about(
    client: &Client,
    types: &[&str],
    object_ids: &[&str],
    since: i64,
) -> Result<Vec<SeenEvent>, ApiFailure> {
    #[derive(serde::Serialize)]
    struct Query<'a> {
        types: &'a [&'a str],
        limit: u32,
        #[serde(rename = "created[gte]")]
        created_gte: i64,
    }
    let page: crate::stripe_api::Page<Value> =
        with_retries(|| client.get_query("/events", Query { types, limit: 100, created_gte: since - 300 })).await?;
    let mut seen: Vec<SeenEvent> = page
        .data
        .into_iter()
        .filter(|e| e["data"]["object"]["id"].as_str().is_some_and(|id| object_ids.contains(&id)))
        .map(|e| SeenEvent {
            id: e["id"].as_str().unwrap_or_default().to_string(),
            kind: e["type"].as_str().unwrap_or_default().to_string(),
            pending_webhooks: e["pending_webhooks"].as_u64().unwrap_or(0),
            whole: e,
        })
        .collect();
    seen.reverse();
    Ok(seen)
}

/// Ids of the events among `ids` whose delivery Stripe tried and failed (`delivery_success=false`).
pub async fn failed_deliveries(client: &Client, ids: &[&str], since: i64) -> Result<Vec<String>, ApiFailure> {
    #[derive(serde::Serialize)]
    struct Query {
        delivery_success: bool,
        limit: u32,
        #[serde(rename = "created[gte]")]
        created_gte: i64,
    }
    let page: crate::stripe_api::Page<Value> = with_retries(|| {
        client.get_query("/events", Query { delivery_success: false, limit: 100, created_gte: since - 300 })
    })
    .await?;
    Ok(page.data.iter().filter_map(|e| e["id"].as_str()).filter(|id| ids.contains(id)).map(str::to_string).collect())
}

pub async fn portal_session(
    client: &Client,
    run: &str,
    customer: &str,
    configuration: Option<&str>,
    return_url: &str,
) -> Result<PortalSession, ApiFailure> {
    let mut body = form(&[("customer", customer), ("return_url", return_url)]);
    if let Some(configuration) = configuration {
        body.insert("configuration".into(), configuration.into());
    }
    // A new session each time the user asks to open the portal: its link is short-lived.
    let client = client.clone().with_idempotency_key(format!("golive-smoke-{run}-portal-{}", crate::nonce::token(8)));
    with_retries(|| client.post_form("/billing_portal/sessions", &body)).await
}

/// Cancels the subscription now; one already cancelled is read back instead.
pub async fn cancel(client: &Client, id: &str) -> Result<Subscription, ApiFailure> {
    let path = format!("/subscriptions/{id}");
    let current: Subscription = with_retries(|| client.get(&path)).await?;
    if matches!(current.status.as_str(), "canceled" | "incomplete_expired") {
        return Ok(current);
    }
    let path = format!("/subscriptions/{id}");
    with_retries(|| client.delete(&path)).await
}

/// Deletes the coupon (gone already: fine).
pub async fn delete_coupon(client: &Client, id: &str) -> Result<(), ApiFailure> {
    let path = format!("/coupons/{id}");
    crate::stripe_api::done_if_gone(with_retries(|| client.delete::<Value>(&path)).await)
}

/// Turns the promotion code off (gone already: fine). No Idempotency-Key: the update is the
/// same every time, and a stored failure would be replayed to every retry.
pub async fn deactivate_code(client: &Client, id: &str) -> Result<(), ApiFailure> {
    // Always written, not skipped when it reads inactive: a code reads `active: false` as soon
    // as its coupon is used up, and would come back if the coupon were ever valid again.
    // Setting false twice is harmless, so it needs no Idempotency-Key.
    let path = format!("/promotion_codes/{id}");
    let body = form(&[("active", "false")]);
    crate::stripe_api::done_if_gone(with_retries(|| client.post_form::<PromotionCode, _>(&path, &body)).await)
}

/// Deletes the live customer (its invoices stay, as Stripe keeps them).
pub async fn delete_customer(client: &Client, id: &str) -> Result<(), ApiFailure> {
    let path = format!("/customers/{id}");
    crate::stripe_api::done_if_gone(with_retries(|| client.delete::<Value>(&path)).await)
}

/// The `metadata.plan` of the live product of `price_id` (where the seed keeps the tier).
/// Two reads rather than `expand[]=product`: the price names its product either way.
pub async fn product_plan(client: &Client, price_id: &str) -> Result<Option<String>, ApiFailure> {
    let path = format!("/prices/{price_id}");
    let price: Value = with_retries(|| client.get(&path)).await?;
    let Some(product) = price["product"].as_str() else { return Ok(None) };
    let path = format!("/products/{product}");
    let product: Value = with_retries(|| client.get(&path)).await?;
    Ok(product["metadata"]["plan"].as_str().map(str::to_string))
}
