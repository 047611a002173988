//! The smoke purchase's sub-steps over one [`Ctx`]: prepare (coupon, code, checkout), watch
//! the checkout and prove the tier, make a portal link, finish (cancel, prove the revert,
//! clean up), abandon, delete the customer. Each saves the run after every write and records
//! one finding per sub-step.

use super::diagnose::{self, TierFacts, STALE_TOKEN};
use super::objects::{self, RunSpec, SeenEvent};
use super::*;
use crate::audit::behaviour::Kv;
use crate::environment::Environment;
use crate::problem::Problem;
use crate::progress::ProgressSink;
use crate::steps::StepId;
use crate::stripe_api::Client;
use secrecy::SecretString;
use std::time::Duration;

/// How long golive waits for Stripe to deliver an event (its first attempt takes seconds).
const DELIVERY_WAIT: Duration = Duration::from_secs(30);
/// How long golive reads a remote tier until it changes (KV writes take a moment to show).
const REMOTE_TIER_WAIT: Duration = Duration::from_secs(60);

/// The purchase's events golive proves were delivered.
pub const PURCHASE_EVENTS: [&str; 2] = ["checkout.session.completed", "customer.subscription.created"];
pub const CANCEL_EVENT: &str = "customer.subscription.deleted";

/// Everything a sub-step works with.
pub struct Ctx<'a> {
    pub env: &'a Environment,
    pub client: Client,
    pub project: &'a str,
    /// Where the tier is read.
    pub kv: Kv<'a>,
    /// The Worker's KV bindings (to name a wrong one).
    pub kv_bindings: Vec<String>,
    /// golive's live endpoint: its URL and events.
    pub endpoint_url: &'a str,
    pub endpoint_events: &'a [String],
    /// The endpoint's signing secret, to send a refused event again and hear the Worker's answer.
    pub secret: Option<&'a SecretString>,
    pub portal_configuration: Option<&'a str>,
    pub sink: &'a dyn ProgressSink,
    /// Saves the run (after every write).
    pub save: &'a (dyn Fn(&SmokeRun) -> Result<(), Problem> + Send + Sync),
}

/// How watching the checkout ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// Still open after the wait: how many seconds the checkout has left.
    StillOpen { seconds_left: i64 },
    /// Completed, proven, and the portal link made (open it; it is not kept).
    Purchased { portal_url: Option<String> },
    /// The checkout expired (or was never completed in time): the run was cleaned up.
    Expired,
}

impl Ctx<'_> {
    fn progress(&self, item: &str, done: usize, total: usize, message: &str) {
        self.sink.progress(StepId::Smoke, item, done, total, message);
    }

    fn emit(&self, finding: &Finding) {
        self.sink.emit(crate::progress::StepEvent::Finding { step: StepId::Smoke, finding: finding.clone() });
    }

    fn record(&self, run: &mut SmokeRun, finding: Finding) -> Result<(), Problem> {
        self.emit(&finding);
        run.record(finding);
        (self.save)(run)
    }
}

/// Makes (or finds) the coupon, the code and the checkout; the run then waits for the user.
pub async fn prepare(ctx: &Ctx<'_>, run: &mut SmokeRun) -> Result<(), Problem> {
    let fixed = run.clone();
    let spec = RunSpec {
        run: &fixed.id,
        project: ctx.project,
        tier: &fixed.tier,
        price_id: &fixed.price_id,
        email: &fixed.email,
        return_url: &fixed.return_url,
        expires_at: fixed.expires_at,
    };
    if run.coupon.is_none() {
        ctx.progress("coupon", 0, 3, "Creating a 100%-off coupon (once, one redemption) in live mode");
        run.coupon = Some(objects::ensure_coupon(&ctx.client, &spec).await?.id);
        (ctx.save)(run)?;
    }
    let coupon = run.coupon.clone().expect("just made");
    if run.promotion_code.is_none() {
        ctx.progress("promotion_code", 1, 3, "Creating its one-time promotion code");
        let code = objects::ensure_promotion_code(&ctx.client, &spec, &coupon).await?;
        run.promotion_code = Some(code.id);
        run.code = Some(code.code);
        (ctx.save)(run)?;
    }
    let promotion_code = run.promotion_code.clone().expect("just made");
    ctx.record(
        run,
        Finding::pass(
            COUPON,
            title(COUPON),
            format!(
                "coupon {coupon} (100% off, once, 1 redemption, until {}), code {} ({promotion_code})",
                crate::clock::describe(run.expires_at),
                run.code.clone().unwrap_or_default()
            ),
        ),
    )?;
    if run.checkout_session.is_none() {
        ctx.progress("checkout", 2, 3, "Creating the checkout for the tier's live price");
        let session = objects::ensure_checkout(&ctx.client, &spec, &promotion_code, run.started).await?;
        run.checkout_session = Some(session.id);
        run.checkout_url = session.url;
        run.amount_total = session.amount_total;
        run.currency = session.currency;
        run.phase = Phase::AwaitingCheckout;
        (ctx.save)(run)?;
    }
    ctx.progress("checkout", 3, 3, "The checkout is ready: complete it in the browser");
    Ok(())
}

/// Waits up to `wait` for the checkout; once complete, proves the purchase (delivery, tier)
/// and makes the portal link.
pub async fn watch(ctx: &Ctx<'_>, run: &mut SmokeRun, wait: Duration) -> Result<Watched, Problem> {
    let id = run.checkout_session.clone().ok_or_else(|| Problem::internal("watching a run with no checkout"))?;
    let started = std::time::Instant::now();
    let session = loop {
        let session = objects::checkout(&ctx.client, &id).await?;
        let left = session.expires_at.unwrap_or(run.expires_at) - crate::clock::unix_now();
        match session.status.as_deref() {
            Some("complete") => break session,
            Some("expired") => {
                abandon(ctx, run, "The checkout expired before it was completed.").await?;
                return Ok(Watched::Expired);
            }
            _ if started.elapsed() >= wait => return Ok(Watched::StillOpen { seconds_left: left.max(0) }),
            _ => {
                let waited = started.elapsed().as_secs();
                ctx.progress(
                    "checkout",
                    waited.min(wait.as_secs()) as usize,
                    wait.as_secs().max(1) as usize,
                    &format!(
                        "Waiting for the checkout to be completed ({} s of {} s; the checkout stays open {} more minutes)",
                        waited,
                        wait.as_secs(),
                        left.max(0) / 60
                    ),
                );
                tokio::time::sleep(Duration::from_secs(2).min(wait.saturating_sub(started.elapsed()))).await;
            }
        }
    };
    run.customer = session.customer.clone();
    run.subscription = session.subscription.clone();
    run.invoice = session.invoice.clone();
    run.amount_total = session.amount_total;
    run.currency = session.currency.clone();
    (ctx.save)(run)?;
    let charged = session.amount_total.unwrap_or(0);
    let currency = session.currency.clone().unwrap_or_else(|| "usd".into());
    let evidence = format!(
        "checkout {id} complete ({}), customer {}, subscription {}, invoice {}, charged {}",
        session.payment_status.as_deref().unwrap_or("?"),
        run.customer.as_deref().unwrap_or("?"),
        run.subscription.as_deref().unwrap_or("?"),
        run.invoice.as_deref().unwrap_or("none"),
        money(charged, &currency)
    );
    let finding = if charged == 0 {
        Finding::pass(CHECKOUT, title(CHECKOUT), evidence)
    } else {
        Finding::warn(
            CHECKOUT,
            "The checkout charged money",
            evidence,
            "The promotion code was not applied: refund the payment in Dashboard → Payments, then run the smoke purchase again.",
        )
    };
    ctx.record(run, finding)?;
    prove_tier(ctx, run, &PURCHASE_EVENTS, &run.tier.clone(), TIER).await?;
    let portal_url = portal_link(ctx, run).await.ok();
    run.phase = Phase::AwaitingPortal;
    (ctx.save)(run)?;
    Ok(Watched::Purchased { portal_url })
}

/// A fresh customer-portal link for the run's customer (portal links are short-lived, so
/// none is kept).
pub async fn portal_link(ctx: &Ctx<'_>, run: &SmokeRun) -> Result<String, Problem> {
    let customer = run.customer.as_deref().ok_or_else(|| {
        Problem::not_ready(
            "The checkout has not been completed yet, so there is no customer.",
            "Complete the checkout first.",
        )
    })?;
    let session =
        objects::portal_session(&ctx.client, &run.id, customer, ctx.portal_configuration, &run.return_url).await?;
    Ok(session.url)
}

/// Waits for Stripe to deliver the events of `kinds` about the run's objects, then reads the
/// tier; records the delivery finding (`DELIVERED`/`CANCEL`) and the tier finding.
async fn prove_tier(
    ctx: &Ctx<'_>,
    run: &mut SmokeRun,
    kinds: &[&str],
    expected: &str,
    tier_check: &str,
) -> Result<(), Problem> {
    let delivery_check = if tier_check == TIER { DELIVERED } else { CANCEL };
    let ids: Vec<String> = [&run.checkout_session, &run.subscription].into_iter().flatten().cloned().collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    ctx.progress(delivery_check, 0, 2, "Waiting for Stripe to deliver the events");
    let (events, failed) = await_delivery(ctx, kinds, &ids, run.started).await?;
    for event in &events {
        if !run.events.contains(&event.id) {
            run.events.push(event.id.clone());
        }
    }
    let line = |kind: &str| match events.iter().find(|e| e.kind == kind) {
        None => format!("{kind}: no event"),
        Some(e) if failed.contains(&e.id) => format!("{kind} {}: delivery failed", e.id),
        Some(e) if e.pending_webhooks == 0 => format!("{kind} {}: delivered", e.id),
        Some(e) => format!("{kind} {}: {} endpoint(s) still to answer", e.id, e.pending_webhooks),
    };
    let detail = kinds.iter().map(|k| line(k)).collect::<Vec<_>>().join("; ");
    let all_delivered =
        kinds.iter().all(|k| events.iter().any(|e| e.kind == *k && e.pending_webhooks == 0 && !failed.contains(&e.id)));
    let delivery = if all_delivered {
        Finding::pass(delivery_check, title(delivery_check), detail)
    } else {
        Finding::fail(
            delivery_check,
            format!("Stripe could not deliver {} to the endpoint", kinds.join(" and ")),
            detail,
            "See the tier finding below for why; Dashboard → Developers → Webhooks → the endpoint lists each attempt.",
        )
        .with_link("The endpoint's deliveries", "https://dashboard.stripe.com/webhooks")
    };
    ctx.record(run, delivery)?;
    // The event that sets the tier: the checkout's for a purchase, the deletion for a cancel.
    let key_kind = kinds[0];
    let key_event = events.iter().find(|e| e.kind == key_kind);
    let delivery_failed = key_event.is_some_and(|e| failed.contains(&e.id) || e.pending_webhooks > 0);
    let resent = match (key_event, delivery_failed, ctx.secret) {
        (Some(event), true, Some(secret)) => Some(send_again(ctx, event, secret).await),
        _ => None,
    };
    ctx.progress(tier_check, 1, 2, "Reading the customer's tier from the Worker");
    let customer = run.customer.clone().unwrap_or_default();
    let read = read_tier(ctx, &customer, expected).await;
    let reached = match &read {
        Ok(Some(tier)) => tier == expected,
        Ok(None) => expected == "free",
        Err(_) => false,
    };
    let shown = match &read {
        Ok(Some(t)) => t.clone(),
        Ok(None) => "nothing stored".into(),
        Err(e) => format!("unreadable ({e})"),
    };
    let finding = if reached {
        Finding::pass(
            tier_check,
            title(tier_check),
            format!("tier read for {customer} through {}: {shown}. {STALE_TOKEN}", source_words(ctx)),
        )
    } else {
        let product_plan = if key_kind == PURCHASE_EVENTS[0] {
            objects::product_plan(&ctx.client, &run.price_id).await.ok()
        } else {
            None
        };
        let facts = TierFacts {
            event_kind: key_kind,
            expected,
            customer: &customer,
            endpoint_events: ctx.endpoint_events,
            event: key_event,
            delivery_failed,
            resent: resent.clone(),
            read: &read,
            binding: &ctx.kv.source.binding,
            kv_bindings: &ctx.kv_bindings,
            product_plan,
        };
        let cause = diagnose::cause(&facts);
        Finding::fail(
            tier_check,
            if expected == "free" {
                "The tier did not go back to free".to_string()
            } else {
                format!("The Worker did not give the customer the {expected} tier")
            },
            format!(
                "{} (cause: {}) Tier read for {customer} through {}: {shown}.",
                (cause.said)(&facts),
                cause.id,
                source_words(ctx)
            ),
            format!("{} {STALE_TOKEN}", (cause.fix)(&facts)),
        )
    };
    ctx.record(run, finding)
}

fn source_words(ctx: &Ctx<'_>) -> String {
    match &ctx.kv.source.url {
        Some(url) => format!("the tier URL {url}"),
        None => format!(
            "KV {} `{}`{}",
            ctx.kv.source.binding,
            ctx.kv.source.customer_key,
            if ctx.kv.local { " (local)" } else { "" }
        ),
    }
}

/// Polls the event list until every kind has an event about `ids` that every endpoint
/// answered, or one whose delivery failed, or the wait ends. The events, and the ids of
/// those whose delivery failed.
async fn await_delivery(
    ctx: &Ctx<'_>,
    kinds: &[&str],
    ids: &[&str],
    since: i64,
) -> Result<(Vec<SeenEvent>, Vec<String>), Problem> {
    let started = std::time::Instant::now();
    loop {
        let events = objects::events_about(&ctx.client, kinds, ids, since).await?;
        let event_ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let failed = if events.iter().any(|e| e.pending_webhooks > 0) {
            objects::failed_deliveries(&ctx.client, &event_ids, since).await?
        } else {
            Vec::new()
        };
        let settled = kinds.iter().all(|k| events.iter().any(|e| e.kind == *k && e.pending_webhooks == 0));
        if settled || !failed.is_empty() || started.elapsed() >= DELIVERY_WAIT {
            return Ok((events, failed));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Sends `event` to the Worker again as Stripe would (signed now with the endpoint's secret):
/// the Worker's status, which Stripe's API does not tell.
async fn send_again(ctx: &Ctx<'_>, event: &SeenEvent, secret: &SecretString) -> Result<u16, String> {
    let payload = stripe_spec::objects::to_stripe_json(&event.whole);
    let url = crate::verify::probe::probe_url(ctx.env, ctx.endpoint_url);
    crate::verify::probe::deliver_now(&url, &payload, secret, "golive-smoke").await.map(|a| a.status)
}

/// The customer's tier from the tier source; a remote one is read again until it is
/// `expected` or a minute passed (KV shows a write after a moment).
async fn read_tier(ctx: &Ctx<'_>, customer: &str, expected: &str) -> Result<Option<String>, String> {
    let started = std::time::Instant::now();
    loop {
        let read = ctx.kv.tier_of(ctx.env, customer).await;
        let settled = match &read {
            Ok(Some(t)) => t == expected,
            Ok(None) => expected == "free",
            Err(_) => true,
        };
        if settled || ctx.kv.local || started.elapsed() >= REMOTE_TIER_WAIT {
            return read;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
}

/// After the user looked at the portal: cancel, prove the revert, clean up.
pub async fn finish(ctx: &Ctx<'_>, run: &mut SmokeRun, portal: PortalAnswer) -> Result<(), Problem> {
    let finding = if portal.as_expected {
        Finding::pass(PORTAL, title(PORTAL), format!("confirmed by you on {}", crate::clock::describe(portal.at)))
    } else {
        Finding::fail(
            PORTAL,
            "The customer portal did not show what a customer needs",
            format!("reported by you on {}", crate::clock::describe(portal.at)),
            "Turn on the subscription, invoice history and payment method features in Dashboard → Settings → Billing → Customer portal (golive's configuration is the one the Catalog step ensured), then open the portal again.",
        )
        .with_link("Customer portal settings", "https://dashboard.stripe.com/settings/billing/portal")
    };
    run.portal = Some(portal);
    ctx.record(run, finding)?;
    if let Some(subscription) = run.subscription.clone() {
        ctx.progress(CANCEL, 0, 2, "Cancelling the subscription");
        let cancelled = objects::cancel(&ctx.client, &subscription).await?;
        (ctx.save)(run)?;
        if cancelled.status != "canceled" {
            return Err(Problem::new(
                crate::problem::ProblemKind::Refused,
                "smoke_cancel",
                format!("Stripe left subscription {subscription} {} after the cancel.", cancelled.status),
                "Cancel it in Dashboard → Customers, then run the smoke purchase again to finish.",
            ));
        }
        prove_tier(ctx, run, &[CANCEL_EVENT], "free", REVERTED).await?;
    }
    clean_up(ctx, run).await?;
    run.phase = Phase::Done;
    run.finished = Some(crate::clock::unix_now());
    (ctx.save)(run)
}

/// Ends a run before its end: the checkout expired, the subscription (if any) cancelled, the
/// coupon deleted.
pub async fn abandon(ctx: &Ctx<'_>, run: &mut SmokeRun, why: &str) -> Result<(), Problem> {
    if let Some(id) = run.checkout_session.clone() {
        objects::expire_checkout(&ctx.client, &id).await?;
        run.cleanup.checkout_expired = true;
        (ctx.save)(run)?;
    }
    if let Some(subscription) = run.subscription.clone() {
        objects::cancel(&ctx.client, &subscription).await?;
    }
    clean_up(ctx, run).await?;
    ctx.record(
        run,
        Finding::warn(
            CHECKOUT,
            "The smoke purchase was stopped before the end",
            why.to_string(),
            "Start a new smoke purchase when you are ready; the stopped one's coupon and code are gone.",
        ),
    )?;
    run.phase = Phase::Abandoned;
    run.finished = Some(crate::clock::unix_now());
    (ctx.save)(run)
}

/// Deletes the coupon and turns the code off (each at most once), and says what stays.
async fn clean_up(ctx: &Ctx<'_>, run: &mut SmokeRun) -> Result<(), Problem> {
    ctx.progress(CLEANUP, 0, 2, "Deleting the coupon and turning the code off");
    if let (Some(code), false) = (run.promotion_code.clone(), run.cleanup.code_deactivated) {
        objects::deactivate_code(&ctx.client, &code).await?;
        run.cleanup.code_deactivated = true;
        (ctx.save)(run)?;
    }
    if let (Some(coupon), false) = (run.coupon.clone(), run.cleanup.coupon_deleted) {
        objects::delete_coupon(&ctx.client, &coupon).await?;
        run.cleanup.coupon_deleted = true;
        (ctx.save)(run)?;
    }
    let cleaned = format!(
        "coupon {} deleted, code {} turned off",
        run.coupon.as_deref().unwrap_or("(none made)"),
        run.code.as_deref().unwrap_or("(none made)")
    );
    ctx.record(run, Finding::pass(CLEANUP, title(CLEANUP), cleaned))?;
    if let Some(customer) = run.customer.clone() {
        ctx.record(run, customer_finding(run, &customer))?;
    }
    Ok(())
}

fn customer_finding(run: &SmokeRun, customer: &str) -> Finding {
    let invoice = run
        .invoice
        .as_deref()
        .map(|i| {
            format!(
                " and its {} invoice {i}",
                money(run.amount_total.unwrap_or(0), run.currency.as_deref().unwrap_or("usd"))
            )
        })
        .unwrap_or_default();
    if run.cleanup.customer_deleted {
        Finding::pass(
            CUSTOMER,
            title(CUSTOMER),
            format!("customer {customer} deleted at your request{invoice} stays in Stripe's records"),
        )
    } else {
        Finding::warn(
            CUSTOMER,
            "The smoke purchase's live customer stays in your account",
            format!("customer {customer} ({}){invoice}: Stripe keeps every live customer and invoice, and there is no way to hide them", run.email),
            "Leave it as a record of the test, or delete the customer (`golive smoke --delete-customer`, or the button): its $0 invoice stays either way.",
        )
        .with_link("The customer in the Dashboard", &format!("https://dashboard.stripe.com/customers/{customer}"))
    }
}

/// Deletes the run's live customer, on the user's request.
pub async fn delete_customer(ctx: &Ctx<'_>, run: &mut SmokeRun) -> Result<(), Problem> {
    let customer = run
        .customer
        .clone()
        .ok_or_else(|| Problem::not_ready("This smoke purchase made no customer.", "Nothing to delete."))?;
    objects::delete_customer(&ctx.client, &customer).await?;
    run.cleanup.customer_deleted = true;
    ctx.record(run, customer_finding(run, &customer))
}
