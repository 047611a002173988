//! Creating what the plan says is missing in live mode: Billing Meters first, then products
//! and their prices — a product's prices start the moment it exists, so the two overlap —
//! and last each product's default price. Each write has an Idempotency-Key derived from the
//! plan item and is retried on 429/409/lost connections. Writes are paced as Stripe budgets
//! them: under `per_second` for the account (live mode allows 100) and under `per_operation`
//! for each named operation (`POST /v1/prices` … 25 each by default), with as many requests
//! in flight as the measured answer time needs to reach those rates. Each created id is
//! reported the moment it lands.
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
    /// golive's writes together, a second.
    pub per_second: u32,
    /// Each named write operation (`POST /v1/products`, `POST /v1/prices`, …), a second.
    pub per_operation: u32,
    /// Requests in flight at most, whatever the answer time.
    pub max_in_flight: usize,
}

impl Default for ApplyOptions {
    /// 80 % of live mode's 100 requests a second (room for the app's own traffic), and 24 of
    /// the 25 a second Stripe gives each operation (a request landing on a second's edge).
    fn default() -> Self {
        Self { per_second: 80, per_operation: 24, max_in_flight: 64 }
    }
}

/// Requests in flight before any answer time is known.
const FIRST_IN_FLIGHT: usize = 8;

/// How many requests may be in flight: enough for the rates at the answer time measured so
/// far (rate × time, with a quarter more for jitter), grown as answers come in, never shrunk.
struct InFlight {
    permits: tokio::sync::Semaphore,
    granted: AtomicUsize,
    max: usize,
    /// Mean answer time in seconds, a moving average.
    latency: std::sync::Mutex<Option<f64>>,
}

impl InFlight {
    fn new(max: usize) -> Self {
        let first = FIRST_IN_FLIGHT.min(max).max(1);
        Self {
            permits: tokio::sync::Semaphore::new(first),
            granted: AtomicUsize::new(first),
            max: max.max(1),
            latency: std::sync::Mutex::new(None),
        }
    }

    /// Records one answer time; grants more permits when `rate` a second needs them.
    fn answered(&self, took: std::time::Duration, rate: f64) {
        let mean = {
            let mut latency = self.latency.lock().expect("no panic while holding it");
            let mean = match *latency {
                Some(mean) => mean * 0.8 + took.as_secs_f64() * 0.2,
                None => took.as_secs_f64(),
            };
            *latency = Some(mean);
            mean
        };
        let wanted = ((rate * mean * 1.25).ceil() as usize).clamp(1, self.max);
        let granted = self.granted.load(Ordering::SeqCst);
        if wanted > granted
            && self.granted.compare_exchange(granted, wanted, Ordering::SeqCst, Ordering::SeqCst).is_ok()
        {
            self.permits.add_permits(wanted - granted);
        }
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
    /// One budget per named operation, by the write's kind (`product`, `price`, …).
    operations: BTreeMap<&'static str, DefaultDirectRateLimiter>,
    in_flight: InFlight,
    /// The rate all operations together can reach: what the requests in flight must carry.
    reachable_rate: f64,
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
    async fn post(
        &self,
        kind: &str,
        path: &str,
        key: String,
        form: &Form,
    ) -> Result<Result<String, ApiFailure>, ApiFailure> {
        let client = self.client.clone().with_idempotency_key(key);
        with_retries(|| {
            let client = &client;
            async move {
                // The operation's budget, then the account's, then a place in flight: a
                // request waiting for its budget holds no place another could use.
                if let Some(operation) = self.operations.get(kind) {
                    operation.until_ready().await;
                }
                self.limiter.until_ready().await;
                let _place = self.in_flight.permits.acquire().await.expect("never closed");
                let sent = std::time::Instant::now();
                let answer = client.post_form::<IdOnly, _>(path, form).await;
                self.in_flight.answered(sent.elapsed(), self.reachable_rate);
                match answer {
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
            let (failure, ran_and_failed) = match self.post(kind, &path, key, &form).await {
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

/// One product's writes, in the order they depend on each other.
#[derive(Default)]
struct Chain<'p> {
    product: Option<&'p PlanRow>,
    prices: Vec<&'p PlanRow>,
    default_price: Option<&'p PlanRow>,
}

/// What one product's writes came to.
#[derive(Default)]
struct ChainDone {
    created: Vec<Result<Created, Failed>>,
    default_price: Option<Result<Created, Failed>>,
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
    let per_operation = NonZeroU32::new(options.per_operation.max(1)).expect("at least one");
    // A small burst: a full second's worth at once would overshoot Stripe's window.
    let quota = |rate: NonZeroU32| {
        Quota::per_second(rate).allow_burst(NonZeroU32::new((rate.get() / 10).max(1)).expect("at least one"))
    };
    let kinds = ["meter", "product", "price", "default-price"];
    let writer = Writer {
        client,
        limiter: RateLimiter::direct(quota(per_second)),
        // No burst per operation: evenly spaced, a budget of 25 never sees 26 in a second.
        operations: kinds
            .iter()
            .map(|kind| {
                let one = NonZeroU32::new(1).expect("one");
                (*kind, RateLimiter::direct(Quota::per_second(per_operation).allow_burst(one)))
            })
            .collect(),
        in_flight: InFlight::new(options.max_in_flight),
        // Products and prices run at once: two operations' worth, within the account's.
        reachable_rate: f64::from((per_operation.get() * 2).min(per_second.get())),
        sink,
        on_created,
        done: AtomicUsize::new(0),
        total: plan.writes(),
    };
    // Futures wait for their budgets and a place in flight, so all may be started at once.
    let concurrency = plan.writes().max(1);
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

    // Then each product with its prices and its default price: the product (unless live
    // already), the moment it exists its prices, and once they exist its default price — so
    // the three operations, each under its own budget, are written side by side.
    let products_live = live_ids(plan, &outcome, Object::Product);
    let prices_live = live_ids(plan, &outcome, Object::Price);
    let mut by_product: BTreeMap<&str, Chain> = BTreeMap::new();
    for row in rows(plan, &Action::CreateProduct) {
        by_product.entry(row.test_id.as_str()).or_default().product = Some(row);
    }
    for row in rows(plan, &Action::CreatePrice) {
        by_product.entry(row.test_product.as_str()).or_default().prices.push(row);
    }
    for row in rows(plan, &Action::SetDefaultPrice) {
        by_product.entry(row.test_product.as_str()).or_default().default_price = Some(row);
    }
    let (writer, live_meter, products_live, prices_live) = (&writer, &live_meter, &products_live, &prices_live);
    let chains: Vec<_> = by_product
        .into_iter()
        .map(|(test_product, chain)| async move {
            let mut done = ChainDone::default();
            let live_product = match chain.product {
                Some(row) => {
                    let product =
                        test.products.iter().find(|p| p.id == row.test_id).expect("planned from this catalog");
                    let tier = row.tier.as_deref().expect("a product to create has a tier");
                    let lookup = Lookup::Product { test_id: product.id.clone() };
                    let created =
                        writer.write("/products".into(), "product", row, product_form(product, tier), lookup).await;
                    let id = created.as_ref().ok().map(|c| c.live_id.clone());
                    done.created.push(created);
                    id
                }
                None => products_live.get(test_product).cloned(),
            };
            let Some(live_product) = live_product else {
                // Its product failed: that failure is reported already (a re-run retries both).
                if let Some(row) = chain.default_price {
                    done.default_price =
                        Some(Err(writer.fail(row, "its product was not copied to live mode (see above)".into())));
                }
                return done;
            };
            let mut writes = Vec::new();
            for row in chain.prices {
                let price = test.prices.iter().find(|p| p.id == row.test_id).expect("planned from this catalog");
                let meter = price.recurring.as_ref().and_then(|r| r.meter.as_ref());
                let live_meter = match meter.map(|m| live_meter.get(m)) {
                    Some(None) => {
                        done.created.push(Err(
                            writer.fail(row, "its Billing Meter was not copied to live mode (see above)".into())
                        ));
                        continue;
                    }
                    Some(Some(id)) => Some(id.as_str()),
                    None => None,
                };
                let with_lookup_key = !row.not_copied.iter().any(|o| o.field == "lookup_key");
                let form = price_form(price, &live_product, live_meter, with_lookup_key);
                let lookup = Lookup::Price { live_product: live_product.clone(), test_id: price.id.clone() };
                writes.push(writer.write("/prices".into(), "price", row, form, lookup));
            }
            done.created.extend(futures::future::join_all(writes).await);
            // Last, the product's default price: the live copy of the test one.
            if let Some(row) = chain.default_price {
                let created_now = done.created.iter().flatten().find(|c| c.test_id == row.test_id);
                let live_price =
                    created_now.map(|c| c.live_id.clone()).or_else(|| prices_live.get(&row.test_id).cloned());
                done.default_price = Some(match live_price {
                    Some(price) => {
                        let form = Form::from([("default_price".to_string(), price.clone())]);
                        let lookup = Lookup::DefaultPrice { live_product: live_product.clone(), live_price: price };
                        writer.write(format!("/products/{live_product}"), "default-price", row, form, lookup).await
                    }
                    None => Err(writer.fail(row, "its price was not copied to live mode (see above)".into())),
                });
            }
            done
        })
        .collect();
    let chains: Vec<ChainDone> = stream::iter(chains).buffer_unordered(concurrency).collect().await;
    for chain in chains {
        collect(&mut outcome, chain.created);
        match chain.default_price {
            Some(Ok(set)) => outcome.default_prices.push(set),
            Some(Err(failed)) => outcome.failed.push(failed),
            None => {}
        }
    }
    outcome
}
