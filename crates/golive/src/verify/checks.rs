//! Verify's checks as data: [`CHECKS`] lists each named check in the order it runs; a
//! check reads the [`Context`] and emits its findings as they land. A new check is a new
//! entry here, with no change to [`super::run`].

use super::{live_checks, probe, Context, Findings};
use crate::findings::{Finding, Status};
use futures::future::BoxFuture;

/// One named check: `run` emits zero or more findings (ids `verify.…`).
pub struct Check {
    pub name: &'static str,
    pub run: for<'c, 'x> fn(&'c Context<'x>, &'c Findings<'x>) -> BoxFuture<'c, ()>,
}

/// Every check, in the order Verify runs them (and streams their findings).
pub const CHECKS: &[Check] = &[
    Check { name: "keyring", run: keyring },
    Check { name: "probe.signed", run: signed_probe },
    Check { name: "probe.bad_signature", run: bad_signature_probe },
    Check { name: "probe.stale", run: stale_probe },
    Check { name: "key", run: pushed_key },
    Check { name: "prices", run: price_ids },
    Check { name: "endpoint", run: endpoint },
    Check { name: "secrets", run: worker_secrets },
];

/// `verify.keyring`: the keyring holds what the session says it holds.
fn keyring<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        let title = "The keyring holds every secret golive kept";
        out.emit(if cx.missing_in_keyring.is_empty() {
            Finding::pass(
                "verify.keyring",
                title,
                format!("golive / {}/live/…: {}", cx.script, cx.pushed.in_keyring.join(", ")),
            )
        } else {
            Finding::fail(
                "verify.keyring",
                title,
                format!("Missing: {}", cx.missing_in_keyring.join(", ")),
                "Run the Webhook and Secrets steps again: they store the secrets and push them.",
            )
        });
    })
}

/// The probe event every probe of a run sends a copy of: a subscription to the first
/// tier's live price, at the endpoint's API version.
async fn probe_event(cx: &Context<'_>, created: i64) -> probe::ProbeEvent {
    let first = cx.input.catalog.price_ids.iter().flatten().next();
    let tier = first.map(|v| v.tier.clone()).unwrap_or_else(|| "pro".into());
    let price_id = first.map(|v| v.price_id.clone()).unwrap_or_default();
    let live_price = match first {
        Some(_) => cx.live_price(&price_id).await.ok(),
        None => None,
    };
    let api_version = cx.webhook.api_version.as_deref().unwrap_or(stripe_spec::PINNED_API_VERSION);
    let event = probe::ProbeEvent::new(&tier, &price_id, live_price.as_ref(), api_version, created);
    cx.probe_events.lock().expect("no panic while holding it").push(event.id.clone());
    event
}

/// `verify.probe.signed`: an event as Stripe sends it, signed with the endpoint's secret.
fn signed_probe<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        let Some(whsec) = &cx.whsec else { return };
        let event = probe_event(cx, crate::clock::unix_now()).await;
        let facts = async {
            let on_worker =
                cx.worker_secret_names().await.as_ref().ok().map(|n| n.iter().any(|n| n == crate::webhook::SECRET_VAR));
            probe::SecretFacts {
                pushed_hint: cx.pushed.pushed_hints.get(crate::webhook::SECRET_VAR).cloned(),
                held_hint: crate::stripe_key::hint_of(secrecy::ExposeSecret::expose_secret(whsec)),
                on_worker,
            }
        };
        out.emit(probe::signed(cx.env, &cx.webhook.url, whsec, &event, facts).await);
    })
}

/// `verify.probe.bad_signature`: the same event signed with a made-up secret is refused.
fn bad_signature_probe<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        if cx.whsec.is_none() {
            return;
        }
        let event = probe_event(cx, crate::clock::unix_now()).await;
        out.emit(probe::forged(cx.env, &cx.webhook.url, &event).await);
    })
}

/// `verify.probe.stale`: the event correctly signed 10 minutes ago is refused.
fn stale_probe<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        let Some(whsec) = &cx.whsec else { return };
        let event = probe_event(cx, crate::clock::unix_now() - 600).await;
        // When forged events get in too, the Worker checks no signature at all: that is the fix.
        let verifies = out.status_of("verify.probe.bad_signature") != Some(Status::Fail);
        out.emit(probe::stale(cx.env, &cx.webhook.url, whsec, &event, verifies).await);
    })
}

/// `verify.key`: the pushed key is a live key of the Connect account.
fn pushed_key<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        out.emit(match &cx.live_key {
            Some(key) => live_checks::pushed_key(cx.env, key, &cx.connect.account.id).await,
            None => Finding::fail(
                "verify.key",
                "The pushed STRIPE_SECRET_KEY is a live key of the same account",
                "The keyring has no usable live key for this Worker.",
                "Run the Secrets step again: it keeps the live key it pushes.",
            ),
        });
    })
}

/// `verify.price.<NAME>`: each pushed price id is the live price its variable stands for.
fn price_ids<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        if cx.live.is_none() {
            return;
        }
        for f in live_checks::price_ids(cx).await {
            out.emit(f);
        }
    })
}

/// `verify.endpoint`, `verify.endpoint.unique`, `verify.deliveries`.
fn endpoint<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        let Some(live) = &cx.live else { return };
        let (found, created) = live_checks::endpoint(live, &cx.webhook, cx.input.rotating_to).await;
        for f in found {
            out.emit(f);
        }
        if let Some(since) = created {
            out.emit(live_checks::failed_deliveries(live, since).await);
        }
    })
}

/// `verify.secrets`: the Worker has every secret (names only: Cloudflare never shows values).
fn worker_secrets<'c>(cx: &'c Context<'_>, out: &'c Findings<'_>) -> BoxFuture<'c, ()> {
    Box::pin(async move {
        let title = "The Worker has every secret";
        out.emit(match cx.worker_secret_names().await {
            Ok(names) => {
                let absent: Vec<&str> =
                    cx.pushed.pushed.iter().filter(|n| !names.contains(n)).map(String::as_str).collect();
                // The portal configuration the Worker was given, against the one the catalog has now.
                let portal_var = crate::catalog::portal::PORTAL_VAR;
                let portal_now = cx.input.catalog.portal.as_ref().map(|p| p.id.as_str());
                let portal_pushed = cx.pushed.pushed_ids.get(portal_var).map(String::as_str);
                let changed = portal_now.zip(portal_pushed).filter(|(now, pushed)| now != pushed);
                if let Some((now, pushed)) = changed {
                    Finding::fail(
                        "verify.secrets",
                        title,
                        format!("The Worker was given {pushed} as {portal_var}, but the Catalog step now has {now}: the portal changed after the push."),
                        "Push the secrets again from the Secrets step.",
                    )
                } else if absent.is_empty() {
                    Finding::pass(
                        "verify.secrets",
                        title,
                        format!("`wrangler secret list` shows {}", cx.pushed.pushed.join(", ")),
                    )
                } else {
                    Finding::fail(
                        "verify.secrets",
                        title,
                        format!("`wrangler secret list` lacks {}", absent.join(", ")),
                        "Push the secrets again from the Secrets step.",
                    )
                }
            }
            Err(e) => Finding::fail("verify.secrets", title, e.message(), e.fix()),
        });
    })
}
