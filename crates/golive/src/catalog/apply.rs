//! Creating what the plan says is missing in live mode: Billing Meters first, then products,
//! their prices, and last each product's default price — each write with an Idempotency-Key
//! derived from the plan item, at most `concurrency` at a time and under `per_second` (Stripe
//! allows 100 writes a second in live mode), retried on 429/409/lost connections. Each
//! created id is reported the moment it lands.
//!
//! A key is only relied on within one run: Stripe forgets keys after 24 hours, and it saves
//! and replays even a 500 under the same key. So when a write's outcome is unknown (a 5xx,
//! a 409 that does not clear, a connection that never answers), golive does not send the same
//! key again: it looks in live mode for its copy (`metadata.golive_source`; a meter by
//! `event_name`) and, only if it is not there, writes again with a fresh key.

use super::forms::{idempotency_key, meter_form, price_form, product_form, Form};
use super::model::{Catalog, SOURCE_KEY};
use super::plan::{Action, CatalogPlan, Object, PlanRow};
use super::read::read_meters;
use crate::progress::ProgressSink;
use crate::steps::StepId;
use crate::stripe_api::{list_all, list_matching, with_retries, ApiFailure, Client, ListFilter};
use futures::stream::{self, StreamExt};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Writes per item whose outcome stayed unknown before golive gives up on it for this run
/// (each after a look in live mode, and a pause that doubles from 100 ms).
const ATTEMPTS: u32 = 6;

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    pub per_second: u32,
    pub concurrency: usize,
}

impl Default for ApplyOptions {
    /// 80 % of live mode's 100 writes a second, leaving room for the app's own traffic.
    fn default() -> Self {
        Self { per_second: 80, concurrency: 8 }
    }
}

/// One object golive created in live mode (or, in `default_prices`, a default price it set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub object: Object,
    pub test_id: String,
    pub live_id: String,
    pub tier: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyOutcome {
    /// Objects created (meters, products, prices), each also reported as it landed.
    pub created: Vec<Created>,
    /// Default prices set on golive's live products (`live_id`: the price).
    pub default_prices: Vec<Created>,
    /// Plan items that could not be created, with Stripe's reason. A re-run retries them.
    pub failed: Vec<Failed>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    pub test_id: String,
    pub name: String,
    pub reason: String,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct Tagged {
    id: String,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct WithDefault {
    default_price: Option<String>,
}

/// How to find a write's result in live mode when its answer was lost or not trustworthy.
enum Lookup {
    Meter { event_name: String },
    Product { test_id: String },
    Price { live_product: String, test_id: String },
    DefaultPrice { live_product: String, live_price: String },
}

struct Writer<'a> {
    client: &'a Client,
    limiter: DefaultDirectRateLimiter,
    sink: &'a dyn ProgressSink,
    on_created: &'a (dyn Fn(&Created) + Send + Sync),
    done: AtomicUsize,
    total: usize,
}

fn label(row: &PlanRow) -> String {
    match &row.terms {
        Some(terms) => format!("{} — {terms}", row.name),
        None => row.name.clone(),
    }
}

impl Writer<'_> {
    /// One POST with `key`: `Ok(Ok(id))`, `Ok(Err(_))` for an answer whose outcome is unknown
    /// (5xx, which Stripe may have saved under the key), `Err(_)` for anything else final.
    async fn post(&self, path: &str, key: String, form: &Form) -> Result<Result<String, ApiFailure>, ApiFailure> {
        let client = self.client.clone().with_idempotency_key(key);
        with_retries(|| {
            let client = &client;
            async move {
                self.limiter.until_ready().await;
                match client.post_form::<IdOnly, _>(path, form).await {
                    Ok(created) => Ok(Ok(created.id)),
                    Err(failure) if failure.status().is_some_and(|s| s >= 500) => Ok(Err(failure)),
                    Err(other) => Err(other),
                }
            }
        })
        .await
    }

    /// The live id of what `lookup` describes, if it is there.
    async fn find(&self, lookup: &Lookup) -> Result<Option<String>, ApiFailure> {
        let client = self.client;
        let tagged = |list: Vec<Tagged>, test_id: &str| {
            list.into_iter().find(|o| o.metadata.get(SOURCE_KEY).map(String::as_str) == Some(test_id)).map(|o| o.id)
        };
        Ok(match lookup {
            Lookup::Meter { event_name } => {
                read_meters(client).await?.into_iter().find(|m| &m.event_name == event_name).map(|m| m.id)
            }
            Lookup::Product { test_id } => {
                tagged(list_all::<Tagged>(client, "/products", &[], |o| o.id.clone()).await?, test_id)
            }
            Lookup::Price { live_product, test_id } => {
                let filter = ListFilter { active: None, product: Some(live_product) };
                let list = list_matching::<Tagged>(client, "/prices", &[], filter, |o| o.id.clone());
                tagged(list.await?, test_id)
            }
            Lookup::DefaultPrice { live_product, live_price } => {
                let path = format!("/products/{live_product}");
                let product: WithDefault = with_retries(|| client.get(&path)).await?;
                (product.default_price.as_ref() == Some(live_price)).then(|| live_price.clone())
            }
        })
    }

    /// Writes `form` to `path` for `row` until its result is known: a fresh key only after
    /// Stripe answered that the request ran and failed and live mode does not have the object.
    async fn write(
        &self,
        path: String,
        kind: &str,
        row: &PlanRow,
        form: Form,
        lookup: Lookup,
    ) -> Result<Created, Failed> {
        let base_key = match &lookup {
            // An update sends the same body every time it is needed (the same default price
            // put back after someone changed it): a key from an earlier run would only replay
            // that run's answer, so each run uses its own.
            Lookup::DefaultPrice { .. } => {
                format!("{}-{:08x}", idempotency_key(kind, &row.test_id, &form), rand::random::<u32>())
            }
            _ => idempotency_key(kind, &row.test_id, &form),
        };
        let mut outcome: Result<String, String> = Err(String::new());
        for attempt in 0..ATTEMPTS {
            let key = if attempt == 0 { base_key.clone() } else { format!("{base_key}-{:08x}", rand::random::<u32>()) };
            // A 5xx means the request ran and failed, and Stripe keeps that answer under the
            // key: only then may a fresh key be used. After no answer at all (a timeout, a lost
            // connection) or a key still in use (409), the first request may yet land, so a
            // second one could make a duplicate: golive looks, and otherwise leaves it to the
            // next run, whose plan finds whatever landed by `metadata.golive_source`.
            let (failure, ran_and_failed) = match self.post(&path, key, &form).await {
                Ok(Ok(id)) => {
                    outcome = Ok(id);
                    break;
                }
                Ok(Err(failure)) => (failure, true),
                Err(
                    failure @ (ApiFailure::Refused { status: 409, .. }
                    | ApiFailure::Unreachable(_)
                    | ApiFailure::TimedOut { .. }),
                ) => (failure, false),
                Err(failure) => {
                    outcome = Err(failure.describe());
                    break;
                }
            };
            match self.find(&lookup).await {
                Ok(Some(id)) => {
                    outcome = Ok(id);
                    break;
                }
                Ok(None) if !ran_and_failed => {
                    outcome = Err(format!(
                        "{} — golive cannot tell whether it landed, so it sends nothing more this time. Run the step again: it finds what landed and creates only what is missing.",
                        failure.describe()
                    ));
                    break;
                }
                Ok(None) if attempt + 1 < ATTEMPTS => {
                    outcome =
                        Err(format!("{} (tried {} time(s), each with a new key)", failure.describe(), attempt + 1));
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await
                }
                Ok(None) => {
                    outcome =
                        Err(format!("{} (tried {} time(s), each with a new key)", failure.describe(), attempt + 1))
                }
                Err(f) => {
                    outcome = Err(format!("{}; then could not check live mode: {}", failure.describe(), f.describe()));
                    break;
                }
            }
        }
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let label = label(row);
        // A default price update answers with the product; the row's live id is the price.
        let outcome = outcome.map(|id| match &lookup {
            Lookup::DefaultPrice { live_price, .. } => live_price.clone(),
            _ => id,
        });
        match outcome {
            Ok(live_id) => {
                let created =
                    Created { object: row.object, test_id: row.test_id.clone(), live_id, tier: row.tier.clone() };
                if row.object != Object::DefaultPrice {
                    (self.on_created)(&created);
                }
                let verb = if row.object == Object::DefaultPrice { "Set" } else { "Created" };
                self.progress(done, &label, format!("{verb} {} in live mode", created.live_id));
                Ok(created)
            }
            Err(reason) => {
                self.progress(done, &label, format!("Could not create: {reason}"));
                Err(Failed { test_id: row.test_id.clone(), name: label, reason })
            }
        }
    }

    fn fail(&self, row: &PlanRow, reason: String) -> Failed {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let label = label(row);
        self.progress(done, &label, format!("Could not create: {reason}"));
        Failed { test_id: row.test_id.clone(), name: label, reason }
    }

    fn progress(&self, done: usize, item: &str, message: String) {
        self.sink.progress(StepId::Catalog, item, done, self.total, &message);
    }
}

/// Live ids by test id for `object`: what the plan found live plus what this run created.
fn live_ids(plan: &CatalogPlan, outcome: &ApplyOutcome, object: Object) -> BTreeMap<String, String> {
    let mut ids: BTreeMap<String, String> = plan
        .rows
        .iter()
        .filter(|r| r.object == object)
        .filter_map(|r| match &r.action {
            Action::Live { live_id } => Some((r.test_id.clone(), live_id.clone())),
            _ => None,
        })
        .collect();
    for c in outcome.created.iter().filter(|c| c.object == object) {
        ids.insert(c.test_id.clone(), c.live_id.clone());
    }
    ids
}

fn rows<'p>(plan: &'p CatalogPlan, action: &Action) -> Vec<&'p PlanRow> {
    plan.rows.iter().filter(|r| &r.action == action).collect()
}

/// Creates every meter, product and price the plan lists as missing, then sets each copied
/// product's default price, with the live `client`. A blocked plan writes nothing.
pub async fn apply(
    client: &Client,
    test: &Catalog,
    plan: &CatalogPlan,
    options: ApplyOptions,
    sink: &dyn ProgressSink,
    on_created: &(dyn Fn(&Created) + Send + Sync),
) -> ApplyOutcome {
    let mut outcome = ApplyOutcome::default();
    if plan.blocked {
        return outcome;
    }
    let per_second = NonZeroU32::new(options.per_second.max(1)).expect("at least one");
    let writer = Writer {
        client,
        // A small burst: a full second's worth at once would overshoot Stripe's window.
        limiter: RateLimiter::direct(
            Quota::per_second(per_second)
                .allow_burst(NonZeroU32::new((per_second.get() / 10).max(1)).expect("at least one")),
        ),
        sink,
        on_created,
        done: AtomicUsize::new(0),
        total: plan.writes(),
    };
    let concurrency = options.concurrency.max(1);
    let collect = |outcome: &mut ApplyOutcome, results: Vec<Result<Created, Failed>>| {
        for result in results {
            match result {
                Ok(created) => outcome.created.push(created),
                Err(failed) => outcome.failed.push(failed),
            }
        }
    };

    // Meters first: metered prices name them. Futures are built first and then run: a
    // closure inside the stream makes the whole future lose `Send` (rust-lang/rust#102211),
    // which the Tauri command needs.
    let writes: Vec<_> = rows(plan, &Action::CreateMeter)
        .into_iter()
        .map(|row| {
            let meter = test.meter(&row.test_id).expect("planned from this catalog");
            let lookup = Lookup::Meter { event_name: meter.event_name.clone() };
            writer.write("/billing/meters".into(), "meter", row, meter_form(meter), lookup)
        })
        .collect();
    let results: Vec<Result<Created, Failed>> = stream::iter(writes).buffer_unordered(concurrency).collect().await;
    collect(&mut outcome, results);
    let live_meter = live_ids(plan, &outcome, Object::Meter);

    // Products next: their live ids are what the prices point at.
    let writes: Vec<_> = rows(plan, &Action::CreateProduct)
        .into_iter()
        .map(|row| {
            let product = test.products.iter().find(|p| p.id == row.test_id).expect("planned from this catalog");
            let tier = row.tier.as_deref().expect("a product to create has a tier");
            let lookup = Lookup::Product { test_id: product.id.clone() };
            writer.write("/products".into(), "product", row, product_form(product, tier), lookup)
        })
        .collect();
    let results: Vec<Result<Created, Failed>> = stream::iter(writes).buffer_unordered(concurrency).collect().await;
    collect(&mut outcome, results);
    let live_product = live_ids(plan, &outcome, Object::Product);

    let mut writes = Vec::new();
    let mut unmet = Vec::new();
    for row in rows(plan, &Action::CreatePrice) {
        let price = test.prices.iter().find(|p| p.id == row.test_id).expect("planned from this catalog");
        let Some(product) = live_product.get(&row.test_product) else {
            // Its product failed; that failure is already reported, and a re-run retries both.
            continue;
        };
        let meter = price.recurring.as_ref().and_then(|r| r.meter.as_ref());
        let live_meter = match meter.map(|m| live_meter.get(m)) {
            Some(None) => {
                unmet.push(writer.fail(row, "its Billing Meter was not copied to live mode (see above)".into()));
                continue;
            }
            Some(Some(id)) => Some(id.as_str()),
            None => None,
        };
        let with_lookup_key = !row.not_copied.iter().any(|o| o.field == "lookup_key");
        let form = price_form(price, product, live_meter, with_lookup_key);
        let lookup = Lookup::Price { live_product: product.clone(), test_id: price.id.clone() };
        writes.push(writer.write("/prices".into(), "price", row, form, lookup));
    }
    outcome.failed.extend(unmet);
    let results: Vec<Result<Created, Failed>> = stream::iter(writes).buffer_unordered(concurrency).collect().await;
    collect(&mut outcome, results);
    let live_price = live_ids(plan, &outcome, Object::Price);

    // Last, each product's default price: the live copy of the test one.
    let mut writes = Vec::new();
    let mut unmet = Vec::new();
    for row in rows(plan, &Action::SetDefaultPrice) {
        let (Some(product), Some(price)) = (live_product.get(&row.test_product), live_price.get(&row.test_id)) else {
            unmet.push(writer.fail(row, "its product or price was not copied to live mode (see above)".into()));
            continue;
        };
        let form = Form::from([("default_price".to_string(), price.clone())]);
        let lookup = Lookup::DefaultPrice { live_product: product.clone(), live_price: price.clone() };
        writes.push(writer.write(format!("/products/{product}"), "default-price", row, form, lookup));
    }
    outcome.failed.extend(unmet);
    let results: Vec<Result<Created, Failed>> = stream::iter(writes).buffer_unordered(concurrency).collect().await;
    for result in results {
        match result {
            Ok(set) => outcome.default_prices.push(set),
            Err(failed) => outcome.failed.push(failed),
        }
    }
    outcome
}
