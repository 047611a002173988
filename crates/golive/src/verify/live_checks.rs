//! Verify's checks against Stripe's live mode: every pushed price id is the live price its
//! variable stands for, the endpoint and its duplicates, failed deliveries since the
//! endpoint went live, and the pushed key itself.

use super::Context;
use crate::catalog::model::Price;
use crate::catalog::price_ids::{name_for, PriceIdVar, PRICE_ID_PREFIX};
use crate::findings::Finding;
use crate::stripe_api::{self, ApiFailure, Client};
use crate::webhook::{endpoints, WebhookRecord, PINNED_API_VERSION, REQUIRED_EVENTS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A live price as Stripe answered it, its product's metadata, and the name golive's rule
/// gives it in the live catalog as it is now (`None`: not an active price of a live tier).
struct Live {
    price: serde_json::Value,
    product_metadata: BTreeMap<String, String>,
    expected_name: Option<String>,
}

async fn read_price(cx: &Context<'_>, id: &str) -> Result<Live, ApiFailure> {
    let price = cx.live_price(id).await?;
    let catalog = cx.live_catalog().await.as_ref().map_err(Clone::clone)?;
    let product_id = match &price["product"] {
        serde_json::Value::String(id) => id.clone(),
        other => other["id"].as_str().unwrap_or_default().to_string(),
    };
    let product_metadata =
        catalog.products.iter().find(|p| p.id == product_id).map(|p| p.metadata.clone()).unwrap_or_default();
    Ok(Live { price, product_metadata, expected_name: name_for(catalog, id) })
}

/// One finding per pushed `STRIPE_PRICE_ID_*` name: used once, pushed, and the price it
/// holds is live, active, of its tier, and on the terms the variable was recorded for.
pub async fn price_ids(cx: &Context<'_>) -> Vec<Finding> {
    let vars: &[PriceIdVar] = cx.input.catalog.price_ids.as_deref().unwrap_or_default();
    let mut found = Vec::new();
    for (i, var) in vars.iter().enumerate() {
        let same_name: Vec<&PriceIdVar> = vars.iter().filter(|v| v.name == var.name).collect();
        if vars[..i].iter().any(|v| v.name == var.name) {
            continue; // one finding per name
        }
        let id = format!("verify.price.{}", var.name);
        let title = format!("{} is the live “{}” price it stands for", var.name, var.tier);
        if same_name.len() > 1 {
            let ids: Vec<&str> = same_name.iter().map(|v| v.price_id.as_str()).collect();
            found.push(Finding::fail(
                &id,
                &title,
                format!("{} names {} prices ({}): the Worker keeps only one of them.", var.name, ids.len(), ids.join(", ")),
                "Run the Catalog step again: it gives each price of a tier its own variable name. Then push the secrets from the Secrets step.",
            ));
            continue;
        }
        if !cx.pushed.pushed.contains(&var.name) {
            found.push(Finding::fail(
                &id,
                &title,
                format!("{} was not among the secrets pushed to the Worker.", var.name),
                "Push the secrets again from the Secrets step: it sends every price id the Catalog step collected.",
            ));
            continue;
        }
        // Sessions of older versions did not record the pushed values (then this is skipped).
        match cx.pushed.pushed_ids.get(&var.name) {
            Some(pushed) if pushed != &var.price_id => {
                found.push(Finding::fail(
                    &id,
                    &title,
                    format!(
                        "The Worker was given {pushed} as {}, but the Catalog step now has {} for it: the catalog changed after the push.",
                        var.name, var.price_id
                    ),
                    "Push the secrets again from the Secrets step, so the Worker holds the price ids the catalog has now.",
                ));
                continue;
            }
            _ => {}
        }
        found.push(one_price(var, &id, &title, read_price(cx, &var.price_id).await));
    }
    found.extend(stale_names(cx, vars).await);
    found
}

/// Whether a price described `now` is on the terms `recorded` for its variable. Sessions of
/// golive 0.1 recorded terms without the tax behaviour (", tax exclusive"): those compare on
/// the rest, so a go-live recorded then does not fail until its Catalog step runs again.
fn same_terms(recorded: &str, now: &str) -> bool {
    recorded == now || (!recorded.contains(", tax ") && now.split(", tax ").next() == Some(recorded))
}

/// `STRIPE_PRICE_ID_*` names the Worker still has but the catalog no longer gives: the
/// Worker may still read them and sell a price golive no longer vouches for.
async fn stale_names(cx: &Context<'_>, vars: &[PriceIdVar]) -> Option<Finding> {
    let Ok(on_worker) = cx.worker_secret_names().await else { return None };
    let stale: Vec<&str> = on_worker
        .iter()
        .filter(|n| n.starts_with(PRICE_ID_PREFIX) && !vars.iter().any(|v| &v.name == *n))
        .map(String::as_str)
        .collect();
    if stale.is_empty() {
        return None;
    }
    let env = cx.input.worker_env.map(|e| format!(" --env {e}")).unwrap_or_default();
    Some(Finding::warn(
        "verify.price.stale",
        "The Worker holds price-ID variables the catalog no longer has",
        format!("`wrangler secret list` shows {}, which the Catalog step no longer names.", stale.join(", ")),
        format!(
            "If your Worker still reads them, it may sell a price golive does not vouch for: change it to the current names, then remove the old ones with `npx wrangler secret delete {}{env}`.",
            stale[0]
        ),
    ))
}

fn one_price(var: &PriceIdVar, id: &str, title: &str, got: Result<Live, ApiFailure>) -> Finding {
    let live = match got {
        Err(ApiFailure::Refused { status: 404, .. }) => {
            return Finding::fail(
                id,
                title,
                format!("{} does not exist in live mode — it is a test-mode price id.", var.price_id),
                "Push the secrets again from the Secrets step: it sends the live ids the Catalog step collected.",
            )
        }
        Err(f) => return Finding::fail(id, title, f.describe(), "Check the live key in Connect, then verify again."),
        Ok(live) => live,
    };
    let p = &live.price;
    if p["livemode"] != true {
        return Finding::fail(
            id,
            title,
            format!("{} is a test-mode price.", var.price_id),
            "Push the live price ids again from the Secrets step.",
        );
    }
    if p["active"] != true {
        return Finding::fail(
            id,
            title,
            format!("{} is archived.", var.price_id),
            "Run the Catalog step again to collect the active price, then push the secrets.",
        );
    }
    let plan = live.product_metadata.get(crate::catalog::model::PLAN_KEY);
    if plan != Some(&var.tier) {
        return Finding::fail(
            id,
            title,
            format!("{}'s product has metadata.plan = {:?}, not “{}”.", var.price_id, plan, var.tier),
            "Fix the live product's metadata.plan in the Dashboard (lowercase, as the app's tiers), or run the Catalog step again.",
        );
    }
    // The terms, described by the engine's own rule (as the Catalog step recorded them).
    let terms = match serde_json::from_value::<Price>(p.clone()) {
        Ok(price) => price.describe(),
        Err(e) => {
            return Finding::fail(
                id,
                title,
                format!("Stripe's answer for {} is not a price golive can read ({e}).", var.price_id),
                "Verify again; if it persists, report it with this message.",
            )
        }
    };
    if !same_terms(&var.terms, &terms) {
        return Finding::fail(
            id,
            title,
            format!("{} holds {}, a “{}” price of {terms}; the variable was set for {}.", var.name, var.price_id, var.tier, var.terms),
            format!("{} points at another price of the tier. Run the Catalog step again so each variable gets the price it stands for, then push the secrets from the Secrets step.", var.name),
        );
    }
    // The name the Catalog step's rule gives this price in the live catalog today.
    let expected = live.expected_name;
    if expected.as_deref() != Some(var.name.as_str()) {
        return Finding::fail(
            id,
            title,
            format!(
                "By golive's naming rule {} is {}, not {}: the tier's prices changed since the Catalog step.",
                var.price_id,
                expected.as_deref().unwrap_or("no longer one of the tier's active prices"),
                var.name
            ),
            "Run the Catalog step again to collect the names and ids as they are now, then push the secrets from the Secrets step (and update the names your Worker reads if they changed).",
        );
    }
    Finding::pass(id, title, format!("{} — active, live, plan “{}”, {terms}", var.price_id, var.tier))
}

/// The endpoint golive set up: enabled, the Worker's URL, the four events, pinned version,
/// and the only enabled endpoint for that URL.
/// The new endpoint of a rotation in progress (`rotating_to`) is the one other endpoint
/// allowed for the URL until the old one is retired.
pub async fn endpoint(live: &Client, record: &WebhookRecord, rotating_to: Option<&str>) -> (Vec<Finding>, Option<i64>) {
    let all = match endpoints::list_all(live).await {
        Ok(all) => all,
        Err(f) => {
            return (
                vec![Finding::fail(
                    "verify.endpoint",
                    "The live endpoint is set up",
                    f.describe(),
                    "Check the live key in Connect, then verify again.",
                )],
                None,
            )
        }
    };
    let mine = all.iter().find(|e| Some(&e.id) == record.endpoint_id.as_ref());
    let Some(e) = mine else {
        return (
            vec![Finding::fail(
                "verify.endpoint",
                "The live endpoint is set up",
                format!("{} is no longer in live mode.", record.endpoint_id.as_deref().unwrap_or("The endpoint")),
                "Run the Webhook step again, then push the secrets.",
            )],
            None,
        );
    };
    let mut problems = Vec::new();
    if !e.enabled() {
        problems.push("it is disabled".to_string());
    }
    if e.url != record.url {
        problems.push(format!("its URL is {} (golive set {})", e.url, record.url));
    }
    let missing = e.missing_events(&REQUIRED_EVENTS.map(String::from));
    if !missing.is_empty() {
        problems.push(format!("it does not send {}", missing.join(", ")));
    }
    if e.api_version.as_deref() != Some(PINNED_API_VERSION) {
        problems.push(format!(
            "its API version is {} (golive pins {PINNED_API_VERSION})",
            e.api_version.as_deref().unwrap_or("the account default")
        ));
    }
    let title = "The live endpoint is enabled, points at the Worker, sends the four events, pinned";
    let first = if problems.is_empty() {
        Finding::pass(
            "verify.endpoint",
            title,
            format!("{} → {} ({} events, {})", e.id, e.url, e.enabled_events.len(), PINNED_API_VERSION),
        )
    } else {
        Finding::fail(
            "verify.endpoint",
            title,
            format!("{}: {}.", e.id, problems.join("; ")),
            "Run the Webhook step again: it fixes the events and turns the endpoint on.",
        )
    };
    let others: Vec<&str> = all
        .iter()
        .filter(|o| o.id != e.id && o.enabled() && o.points_at(&e.url) && Some(o.id.as_str()) != rotating_to)
        .map(|o| o.id.as_str())
        .collect();
    let rotating = rotating_to.filter(|b| all.iter().any(|o| o.id == *b && o.enabled()));
    let only = if let (true, Some(b)) = (others.is_empty(), rotating) {
        Finding::pass(
            "verify.endpoint.unique",
            "One enabled endpoint for the Worker's URL, and its replacement while the secret is rotated",
            format!("{} and {b} (the rotation's new endpoint) both deliver each event, with the same event id, until {} is retired.", e.id, e.id),
        )
    } else if others.is_empty() {
        Finding::pass("verify.endpoint.unique", "Exactly one enabled endpoint for the Worker's URL", e.id.clone())
    } else {
        Finding::fail(
            "verify.endpoint.unique",
            "More than one enabled endpoint for the Worker's URL",
            format!("{} also send events to {}: each event arrives more than once.", others.join(", "), e.url),
            "Disable the extra endpoints in the Webhook step.",
        )
    };
    let created = Some(e.created);
    (vec![first, only], created)
}

/// Events since go-live that Stripe could not deliver (`delivery_success=false`).
pub async fn failed_deliveries(live: &Client, since: i64) -> Finding {
    #[derive(Serialize)]
    struct Query {
        delivery_success: bool,
        #[serde(rename = "created[gte]")]
        created_gte: i64,
        limit: u32,
    }
    #[derive(Deserialize)]
    struct Event {
        id: String,
        #[serde(rename = "type")]
        kind: String,
    }
    let title = "No failed deliveries since the endpoint went live";
    match live.get_query::<stripe_api::Page<Event>, _>("/events", Query { delivery_success: false, created_gte: since, limit: 100 }).await {
        Ok(p) if p.data.is_empty() => Finding::pass("verify.deliveries", title, "Stripe lists no event with delivery_success=false."),
        Ok(p) => Finding::fail(
            "verify.deliveries",
            "Stripe could not deliver some events",
            format!("{} event(s), e.g. {} ({})", p.data.len(), p.data[0].id, p.data[0].kind),
            "Open the endpoint in the Dashboard (Developers → Webhooks) to see the Worker's answers; fix the Worker, then resend the failed events from there.",
        ),
        Err(e) => Finding::warn("verify.deliveries", title, e.describe(), "Check the events in the Dashboard (Developers → Events)."),
    }
}

/// The key golive pushed (from the keyring) is a live key of the Connect account.
pub async fn pushed_key(env: &crate::Environment, key: &crate::stripe_key::StripeKey, account_id: &str) -> Finding {
    let title = "The pushed STRIPE_SECRET_KEY is a live key of the same account";
    let client = stripe_api::client(env, key);
    match tokio::try_join!(stripe_api::key_livemode(&client), stripe_api::retrieve_account(&client)) {
        Ok((true, account)) if account.id == account_id => {
            Finding::pass("verify.key", title, format!("{} — live, {}", key.hint(), account.id))
        }
        Ok((true, account)) => Finding::fail(
            "verify.key",
            title,
            format!("{} belongs to {}, not {account_id}.", key.hint(), account.id),
            "Connect again with both keys of one account, then push the secrets.",
        ),
        Ok((false, _)) => Finding::fail(
            "verify.key",
            title,
            format!("{} is a test-mode key.", key.hint()),
            "Push the secrets again with the live key.",
        ),
        Err(f) => Finding::fail(
            "verify.key",
            title,
            f.describe(),
            "The key was rolled or revoked: Connect with the current live key and push the secrets again.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::same_terms;

    #[test]
    fn terms_recorded_before_tax_was_described_still_match() {
        assert!(same_terms("29.00 USD / month, tax exclusive", "29.00 USD / month, tax exclusive"));
        assert!(same_terms("29.00 USD / month", "29.00 USD / month, tax exclusive"), "a 0.1 session");
        assert!(!same_terms("29.00 USD / month, tax inclusive", "29.00 USD / month, tax exclusive"));
        assert!(!same_terms("290.00 USD / year", "29.00 USD / month, tax exclusive"));
    }
}
