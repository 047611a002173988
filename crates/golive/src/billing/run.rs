//! One billing rehearsal against Stripe's test mode and the user's Worker on this machine:
//! the test catalog's tiers, a test clock per scenario (split when a scenario needs more than
//! Stripe's three customers per clock), a customer with the scenario's card and a subscription
//! on each; then, phase by phase, the clock advanced (polled until `ready`), the phase's action
//! (a price change, cancel at period end), the customer's new events forwarded to the Worker
//! signed as Stripe delivers them (in order; with the shuffle, then they and the phase
//! before's again, newest first), and
//! the Worker's tier read through the tier source. Every clock is deleted at the end, whatever
//! happened, and clocks an earlier, killed run left behind are deleted first.

use super::{
    cause, clock_groups, BillingReport, Delivery, PhaseResult, Rank, Scenario, ScenarioResult, TestTier, Want,
    CLOCK_PREFIX,
};
use crate::audit::behaviour::Kv;
use crate::environment::Environment;
use crate::findings::Finding;
use crate::problem::Problem;
use crate::progress::ProgressSink;
use crate::stripe_api::{with_retries, ApiFailure, Client};
use secrecy::SecretString;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Where the run reads and writes.
pub struct Ctx<'a> {
    pub env: &'a Environment,
    /// A test-mode client.
    pub client: Client,
    /// The Worker's webhook URL on this machine (`http://127.0.0.1:PORT/webhook/stripe`).
    pub webhook_url: String,
    /// The signing secret the local Worker was given.
    pub secret: &'a SecretString,
    pub kv: Kv<'a>,
    pub sink: &'a dyn ProgressSink,
    pub run: String,
    pub shuffle: bool,
}

impl Ctx<'_> {
    fn progress(&self, done: usize, total: usize, message: &str) {
        self.sink.progress(crate::steps::StepId::Billing, "billing", done, total, message);
    }

    /// Each phase's finding as it lands (the app's timeline).
    fn emit(&self, finding: &Finding) {
        self.sink.emit(crate::progress::StepEvent::Finding {
            step: crate::steps::StepId::Billing,
            finding: finding.clone(),
        });
    }
}

fn form(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The catalog's tiers in test mode — active monthly (else any recurring) prices of products
/// with `metadata.plan` — cheapest first.
pub async fn test_tiers(client: &Client) -> Result<Vec<TestTier>, ApiFailure> {
    let products: Vec<Value> =
        crate::stripe_api::list_all(client, "/products", &[], |p: &Value| p["id"].as_str().unwrap_or("").into())
            .await?;
    let plans: BTreeMap<String, String> = products
        .iter()
        .filter(|p| p["active"].as_bool().unwrap_or(false))
        .filter_map(|p| Some((p["id"].as_str()?.to_string(), p["metadata"]["plan"].as_str()?.to_string())))
        .collect();
    let prices: Vec<Value> =
        crate::stripe_api::list_all(client, "/prices", &[], |p: &Value| p["id"].as_str().unwrap_or("").into()).await?;
    let mut tiers: BTreeMap<String, TestTier> = BTreeMap::new();
    for price in prices.iter().filter(|p| p["active"].as_bool().unwrap_or(false)) {
        let Some(plan) = price["product"].as_str().and_then(|p| plans.get(p)) else { continue };
        let Some(interval) = price["recurring"]["interval"].as_str() else { continue };
        let candidate = TestTier {
            tier: plan.clone(),
            price_id: price["id"].as_str().unwrap_or_default().to_string(),
            unit_amount: price["unit_amount"].as_i64().unwrap_or(0),
            interval: interval.to_string(),
        };
        let better = tiers.get(plan).is_none_or(|t| t.interval != "month" && interval == "month");
        if better {
            tiers.insert(plan.clone(), candidate);
        }
    }
    let mut tiers: Vec<TestTier> = tiers.into_values().filter(|t| t.tier != "free").collect();
    tiers.sort_by_key(|t| (t.unit_amount, t.tier.clone()));
    Ok(tiers)
}

/// Deletes golive's clocks made before `before` or in its second, by a run that was killed
/// (this run has made none yet); how many.
pub async fn delete_leftover_clocks(client: &Client, before: i64) -> Result<usize, ApiFailure> {
    let clocks: Vec<Value> = crate::stripe_api::list_all(client, "/test_helpers/test_clocks", &[], |c: &Value| {
        c["id"].as_str().unwrap_or("").into()
    })
    .await?;
    let mut deleted = 0;
    for clock in clocks {
        let ours = clock["name"].as_str().is_some_and(|n| n.starts_with(CLOCK_PREFIX));
        if ours && clock["created"].as_i64().unwrap_or(i64::MAX) <= before {
            delete_clock(client, clock["id"].as_str().unwrap_or_default()).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

async fn delete_clock(client: &Client, id: &str) -> Result<(), ApiFailure> {
    let path = format!("/test_helpers/test_clocks/{id}");
    crate::stripe_api::done_if_gone(with_retries(|| client.delete::<Value>(&path)).await)
}

/// `n` customers on clocks of at most three, each clock frozen at `start` and named for the
/// run and `label`; the clocks made (also those made before a failure) go into `clocks`.
pub async fn customers_on_clocks(
    client: &Client,
    label: &str,
    start: i64,
    cards: &[&str],
    clocks: &mut Vec<String>,
) -> Result<Vec<(String, String)>, ApiFailure> {
    let mut made = Vec::new();
    let mut cards = cards.iter();
    for (g, size) in clock_groups(cards.len()).into_iter().enumerate() {
        let name = format!("{label}-{}", g + 1);
        let clock: Value = with_retries(|| {
            client.post_form(
                "/test_helpers/test_clocks",
                form(&[("frozen_time", start.to_string()), ("name", name.clone())]),
            )
        })
        .await?;
        let clock_id = clock["id"].as_str().unwrap_or_default().to_string();
        clocks.push(clock_id.clone());
        for _ in 0..size {
            let card = cards.next().expect("one card per customer");
            let customer: Value = with_retries(|| {
                client.post_form(
                    "/customers",
                    form(&[
                        ("test_clock", clock_id.clone()),
                        ("email", format!("billing-rehearsal+{}@example.com", made.len() + 1)),
                        ("payment_method", card.to_string()),
                        ("invoice_settings[default_payment_method]", card.to_string()),
                        ("metadata[golive_billing]", label.to_string()),
                    ]),
                )
            })
            .await?;
            made.push((clock_id.clone(), customer["id"].as_str().unwrap_or_default().to_string()));
        }
    }
    Ok(made)
}

/// Advances `clock` by `hours` and waits until Stripe says it is `ready` (two minutes at most).
async fn advance(client: &Client, clock: &str, hours: u32) -> Result<i64, Problem> {
    let path = format!("/test_helpers/test_clocks/{clock}");
    let now: Value = with_retries(|| client.get(&path)).await?;
    let target = now["frozen_time"].as_i64().unwrap_or(0) + i64::from(hours) * 3600;
    let advance = format!("{path}/advance");
    let _: Value = with_retries(|| client.post_form(&advance, form(&[("frozen_time", target.to_string())]))).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let clock_now: Value = with_retries(|| client.get(&path)).await?;
        match clock_now["status"].as_str() {
            Some("ready") => return Ok(clock_now["frozen_time"].as_i64().unwrap_or(target)),
            Some("internal_failure") => {
                return Err(Problem::new(
                    crate::problem::ProblemKind::Refused,
                    "billing_clock",
                    format!("Stripe could not advance test clock {clock} (status internal_failure)."),
                    "Run the billing rehearsal again; golive deletes this clock and makes new ones.",
                ))
            }
            _ if std::time::Instant::now() > deadline => {
                return Err(Problem::new(
                    crate::problem::ProblemKind::Refused,
                    "billing_clock",
                    format!("Test clock {clock} was still advancing after two minutes."),
                    "Run the billing rehearsal again later; Stripe advances clocks with many objects slowly.",
                ))
            }
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// The customer's events not yet `seen`, oldest first (created at or after `since`).
async fn new_events(
    client: &Client,
    customer: &str,
    since: i64,
    seen: &mut BTreeSet<String>,
) -> Result<Vec<Value>, ApiFailure> {
    #[derive(serde::Serialize)]
    struct Query<'a> {
        limit: u32,
        #[serde(rename = "created[gte]")]
        created_gte: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        starting_after: Option<&'a str>,
    }
    let mut all: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = Query { limit: 100, created_gte: since, starting_after: cursor.as_deref() };
        let page: crate::stripe_api::Page<Value> = with_retries(|| client.get_query("/events", &query)).await?;
        let more = page.has_more && !page.data.is_empty();
        cursor = page.data.last().and_then(|e| e["id"].as_str()).map(str::to_string);
        all.extend(page.data);
        if !more {
            break;
        }
    }
    // Stripe lists newest first; within one second its order is the only order there is.
    all.reverse();
    all.sort_by_key(|e| e["created"].as_i64().unwrap_or(0));
    let about = |e: &Value| {
        let object = &e["data"]["object"];
        object["customer"].as_str() == Some(customer) || object["id"].as_str() == Some(customer)
    };
    Ok(all.into_iter().filter(|e| about(e) && seen.insert(e["id"].as_str().unwrap_or_default().to_string())).collect())
}

/// Posts `events` to the Worker as Stripe delivers them: pretty-printed, signed now.
async fn deliver(ctx: &Ctx<'_>, events: &[Value], copy: bool) -> Result<Vec<Delivery>, Problem> {
    let mut out = Vec::new();
    for event in events {
        let payload = stripe_spec::objects::to_stripe_json(event);
        let answer = crate::verify::probe::deliver_now(&ctx.webhook_url, &payload, ctx.secret, "golive-billing")
            .await
            .map_err(|e| {
                Problem::new(
                    crate::problem::ProblemKind::Refused,
                    "billing_worker",
                    format!("The Worker on this machine did not answer ({e})."),
                    "Look at the Worker's output in dev.log in the project folder; fix what stops it and run again.",
                )
            })?;
        out.push(Delivery {
            event: event["id"].as_str().unwrap_or_default().to_string(),
            kind: event["type"].as_str().unwrap_or_default().to_string(),
            status: answer.status,
            copy,
        });
    }
    Ok(out)
}

async fn read_tier(ctx: &Ctx<'_>, customer: &str) -> Result<Option<String>, Problem> {
    ctx.kv.tier_of(ctx.env, customer).await.map_err(|e| {
        Problem::new(
            crate::problem::ProblemKind::Refused,
            "billing_tier_source",
            format!("golive could not read customer {customer}'s tier from the Worker's store: {e}"),
            "Check the tier source (the KV binding and key layout, or the tier URL) in the Audit step's settings.",
        )
    })
}

/// One customer's part of a scenario: its tier, subscription and what each phase found.
struct Subject {
    tier: TestTier,
    clock: String,
    customer: String,
    subscription: String,
    item: String,
    seen: BTreeSet<String>,
    /// The clock's time now.
    clock_time: i64,
    /// The events of the phase before (the shuffle delivers them again, late).
    earlier: Vec<Value>,
    result: ScenarioResult,
    previous: Option<String>,
}

/// Runs `scenarios` for `tiers` (cheapest first); every clock it makes is deleted before it
/// returns. `Err` only when the run could not start.
pub async fn run(ctx: &Ctx<'_>, scenarios: &[Scenario], tiers: &[TestTier]) -> Result<BillingReport, Problem> {
    if tiers.is_empty() {
        return Err(Problem::not_ready(
            "Test mode has no tier to subscribe to: no active recurring price on a product with metadata.plan.",
            "Create the test catalog first (each product with metadata.plan and a monthly price), then run again.",
        )
        .with_code("billing_no_tiers"));
    }
    let started = crate::clock::unix_now();
    let leftovers = delete_leftover_clocks(&ctx.client, started).await?;
    let mut clocks: Vec<String> = Vec::new();
    let mut results = Vec::new();
    let total = scenarios.iter().map(|s| s.phases.len()).sum::<usize>();
    let mut done = 0;
    for scenario in scenarios {
        let outcome = run_scenario(ctx, scenario, tiers, &mut clocks, &mut done, total).await;
        results.extend(outcome);
    }
    // Always: every clock made (deleting one deletes its customers and subscriptions).
    let mut left = Vec::new();
    for clock in &clocks {
        if delete_clock(&ctx.client, clock).await.is_err() {
            // Stripe deletes a clock by itself at its `deletes_after`: say when.
            let path = format!("/test_helpers/test_clocks/{clock}");
            let when = match ctx.client.get::<Value>(&path).await {
                Ok(c) => c["deletes_after"]
                    .as_i64()
                    .map(|t| format!(" (Stripe deletes it on {})", crate::clock::describe(t))),
                Err(_) => None,
            };
            left.push(format!("{clock}{}", when.unwrap_or_default()));
        }
    }
    ctx.progress(total, total, "Deleted the test clocks");
    Ok(BillingReport {
        run: ctx.run.clone(),
        started,
        finished: crate::clock::unix_now(),
        shuffled: ctx.shuffle,
        scenarios: results,
        clocks_deleted: clocks.len() - left.len() + leftovers,
        clocks_left: left,
    })
}

fn result_of(scenario: &Scenario, tier: &str) -> ScenarioResult {
    ScenarioResult {
        id: scenario.id.clone(),
        title: scenario.title.clone(),
        tier: tier.to_string(),
        card: scenario.card.clone(),
        clock: None,
        customer: None,
        subscription: None,
        phases: Vec::new(),
        stopped: None,
    }
}

fn tier_for(tiers: &[TestTier], rank: Rank) -> Option<&TestTier> {
    match rank {
        Rank::Lower => tiers.first(),
        Rank::Higher => tiers.get(1),
    }
}

async fn run_scenario(
    ctx: &Ctx<'_>,
    scenario: &Scenario,
    tiers: &[TestTier],
    clocks: &mut Vec<String>,
    done: &mut usize,
    total: usize,
) -> Vec<ScenarioResult> {
    let bought = tier_for(tiers, scenario.tier).expect("at least one tier").clone();
    if scenario.needs_two_tiers && tiers.len() < 2 {
        let mut result = result_of(scenario, &bought.tier);
        result.stopped = Some(Finding::warn(
            &format!("billing.{}", scenario.id),
            format!("{}: not run", scenario.title),
            "The test catalog has one tier, so there is nothing to upgrade to.",
            "Add a second tier to the test catalog to rehearse upgrades and downgrades.",
        ));
        *done += scenario.phases.len();
        return vec![result];
    }
    ctx.progress(*done, total, &format!("{}: making a test clock and a customer", scenario.title));
    let start = crate::clock::unix_now();
    let label = format!("{CLOCK_PREFIX}{}-{}", ctx.run, scenario.id);
    let mut subject = match prepare(ctx, scenario, &bought, &label, start, clocks).await {
        Ok(s) => s,
        Err(p) => {
            let mut result = result_of(scenario, &bought.tier);
            result.stopped = Some(stopped(scenario, &p));
            *done += scenario.phases.len();
            return vec![result];
        }
    };
    for (i, phase) in scenario.phases.iter().enumerate() {
        ctx.progress(*done, total, &format!("{}: {}", scenario.title, phase.name));
        match run_phase(ctx, scenario, tiers, &mut subject, phase, start).await {
            Ok(result) => {
                ctx.emit(&result.finding);
                subject.result.phases.push(result)
            }
            Err(p) => {
                subject.result.stopped = Some(stopped(scenario, &p));
                *done += scenario.phases.len() - i;
                return vec![subject.result];
            }
        }
        *done += 1;
    }
    vec![subject.result]
}

fn stopped(scenario: &Scenario, p: &Problem) -> Finding {
    Finding::fail(
        &format!("billing.{}", scenario.id),
        format!("{}: could not run to its end", scenario.title),
        p.message.clone(),
        p.fix.clone(),
    )
}

async fn prepare(
    ctx: &Ctx<'_>,
    scenario: &Scenario,
    tier: &TestTier,
    label: &str,
    start: i64,
    clocks: &mut Vec<String>,
) -> Result<Subject, Problem> {
    let made = customers_on_clocks(&ctx.client, label, start, &[scenario.card.as_str()], clocks).await?;
    let (clock, customer) = made.into_iter().next().expect("one customer");
    let mut fields = vec![
        ("customer", customer.clone()),
        ("items[0][price]", tier.price_id.clone()),
        ("metadata[plan]", tier.tier.clone()),
        ("metadata[golive_billing]", ctx.run.clone()),
    ];
    if let Some(days) = scenario.trial_days {
        fields.push(("trial_period_days", days.to_string()));
    }
    let subscription: Value = with_retries(|| ctx.client.post_form("/subscriptions", form(&fields))).await?;
    let mut result = result_of(scenario, &tier.tier);
    result.clock = Some(clock.clone());
    result.customer = Some(customer.clone());
    result.subscription = subscription["id"].as_str().map(str::to_string);
    Ok(Subject {
        tier: tier.clone(),
        clock,
        customer,
        subscription: subscription["id"].as_str().unwrap_or_default().to_string(),
        item: subscription["items"]["data"][0]["id"].as_str().unwrap_or_default().to_string(),
        seen: BTreeSet::new(),
        clock_time: start,
        earlier: Vec::new(),
        result,
        previous: None,
    })
}

async fn run_phase(
    ctx: &Ctx<'_>,
    scenario: &Scenario,
    tiers: &[TestTier],
    subject: &mut Subject,
    phase: &super::PhaseSpec,
    start: i64,
) -> Result<PhaseResult, Problem> {
    if phase.advance_hours > 0 {
        subject.clock_time = advance(&ctx.client, &subject.clock, phase.advance_hours).await?;
    }
    let clock_time = subject.clock_time;
    if let Some(action) = &phase.action {
        let mut fields: Vec<(&str, String)> = Vec::new();
        if let Some(rank) = action.change_to {
            let to = tier_for(tiers, rank).expect("checked: two tiers");
            fields.extend([
                ("items[0][id]", subject.item.clone()),
                ("items[0][price]", to.price_id.clone()),
                ("proration_behavior", "none".to_string()),
                ("metadata[plan]", to.tier.clone()),
            ]);
        }
        if let Some(cancel) = action.cancel_at_period_end {
            fields.push(("cancel_at_period_end", cancel.to_string()));
        }
        let path = format!("/subscriptions/{}", subject.subscription);
        let _: Value = with_retries(|| ctx.client.post_form(&path, form(&fields))).await?;
    }
    let path = format!("/subscriptions/{}", subject.subscription);
    let subscription: Value = with_retries(|| ctx.client.get(&path)).await?;
    let status = subscription["status"].as_str().unwrap_or_default().to_string();
    let events = new_events(&ctx.client, &subject.customer, start - 5, &mut subject.seen).await?;
    let mut deliveries = deliver(ctx, &events, false).await?;
    let mut worker_tier = read_tier(ctx, &subject.customer).await?;
    let mut shuffled = false;
    if ctx.shuffle && !(events.is_empty() && subject.earlier.is_empty()) {
        // Right in order; now this phase's events and the phase before's again, newest first:
        // retried and late deliveries, as Stripe may make them (at least once, in no order).
        let in_order = worker_tier.clone();
        let late: Vec<Value> = subject.earlier.iter().chain(&events).rev().cloned().collect();
        deliveries.extend(deliver(ctx, &late, true).await?);
        worker_tier = read_tier(ctx, &subject.customer).await?;
        shuffled = worker_tier != in_order;
    }
    subject.earlier = events.clone();
    let expected_tier = match phase.expect.tier {
        Want::Bought => subject.tier.tier.clone(),
        Want::Higher => tier_for(tiers, Rank::Higher).map(|t| t.tier.clone()).unwrap_or_default(),
        Want::Free => "free".to_string(),
    };
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    let finding =
        judge(scenario, phase, &status, &expected_tier, worker_tier.as_deref(), subject, &deliveries, &kinds, shuffled);
    subject.previous = worker_tier.clone();
    Ok(PhaseResult {
        name: phase.name.clone(),
        clock_time,
        status,
        expected_status: phase.expect.status.clone(),
        expected_tier,
        worker_tier,
        deliveries,
        finding,
    })
}

#[allow(clippy::too_many_arguments)]
fn judge(
    scenario: &Scenario,
    phase: &super::PhaseSpec,
    status: &str,
    expected: &str,
    got: Option<&str>,
    subject: &Subject,
    deliveries: &[Delivery],
    kinds: &[&str],
    shuffled: bool,
) -> Finding {
    let check = format!("billing.{}.{}", scenario.id, subject.result.phases.len());
    let title = format!("{} — {}", scenario.title, phase.name);
    let delivered = if deliveries.is_empty() {
        "no new events".to_string()
    } else {
        deliveries
            .iter()
            .map(|d| format!("{}{} → {}", d.kind, if d.copy { " (again)" } else { "" }, d.status))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let shown = got.unwrap_or("nothing stored");
    let evidence = format!(
        "subscription {} is {status}; the Worker keeps “{shown}”, expected “{expected}”. Delivered: {delivered}.",
        subject.subscription
    );
    if status != phase.expect.status {
        return Finding::fail(
            &check,
            title,
            format!("Stripe shows the subscription {status}, not {} as this phase expects. {evidence}", phase.expect.status),
            "The scenario could not reach this state, so the Worker's tier says nothing here: look at the subscription in the Dashboard (test mode), then run again.",
        );
    }
    let missing: Vec<&String> = phase.expect.events.iter().filter(|e| !kinds.contains(&e.as_str())).collect();
    if !missing.is_empty() {
        return Finding::fail(
            &check,
            title,
            format!(
                "Stripe sent no {} in this phase. {evidence}",
                missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "Run the billing rehearsal again; if it repeats, the test clock did not reach the phase's time.",
        );
    }
    if let Some(refused) = deliveries.iter().find(|d| !(200..300).contains(&d.status)) {
        return Finding::fail(
            &check,
            title,
            format!("The Worker answered {} to {} {}. {evidence}", refused.status, refused.kind, refused.event),
            "Stripe retries an event the Worker does not accept with a 2xx for three days, then disables the endpoint: answer 2xx for every event you verified, also those you ignore, and look at dev.log for the error.",
        );
    }
    // Nothing stored counts as free.
    if got.unwrap_or("free") == expected {
        return Finding::pass(&check, title, evidence);
    }
    let want = phase.expect.tier;
    let c = cause(status, want, got, subject.previous.as_deref(), shuffled);
    Finding::fail(&check, title, format!("{}. {evidence} (cause: {})", c.what, c.id), c.fix)
}
