//! Creating what the plan says is missing in live mode: products first, then their prices,
//! each write with an Idempotency-Key derived from the plan item, at most `concurrency` at a
//! time and under `per_second` (Stripe allows 100 writes a second in live mode), retried on
//! 429/409/5xx/lost connections. Each created id is reported the moment it lands.

use super::forms::{idempotency_key, price_form, product_form, Form};
use super::model::Catalog;
use super::plan::{Action, CatalogPlan, Object, PlanRow};
use crate::progress::{Progress, ProgressSink, StepEvent};
use crate::steps::StepId;
use crate::stripe_api::{with_retries, Client};
use futures::stream::{self, StreamExt};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// One object golive created in live mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub object: Object,
    pub test_id: String,
    pub live_id: String,
    pub tier: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyOutcome {
    pub created: Vec<Created>,
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

struct Writer<'a> {
    client: &'a Client,
    limiter: DefaultDirectRateLimiter,
    sink: &'a dyn ProgressSink,
    on_created: &'a (dyn Fn(&Created) + Send + Sync),
    done: AtomicUsize,
    total: usize,
}

impl Writer<'_> {
    async fn create(&self, path: &str, kind: &str, row: &PlanRow, form: Form) -> Result<Created, Failed> {
        let key = idempotency_key(kind, &row.test_id, &form);
        let client = self.client.clone().with_idempotency_key(key);
        let result = with_retries(|| {
            let (client, form) = (&client, &form);
            async move {
                self.limiter.until_ready().await;
                client.post_form::<IdOnly, _>(path, form).await
            }
        })
        .await;
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let label = match &row.terms {
            Some(terms) => format!("{} — {terms}", row.name),
            None => row.name.clone(),
        };
        match result {
            Ok(created) => {
                let created = Created {
                    object: row.object,
                    test_id: row.test_id.clone(),
                    live_id: created.id,
                    tier: row.tier.clone(),
                };
                (self.on_created)(&created);
                self.progress(done, &label, format!("Created {} in live mode", created.live_id));
                Ok(created)
            }
            Err(failure) => {
                let reason = failure.describe();
                self.progress(done, &label, format!("Could not create: {reason}"));
                Err(Failed { test_id: row.test_id.clone(), name: label, reason })
            }
        }
    }

    fn progress(&self, done: usize, item: &str, message: String) {
        self.sink.emit(StepEvent::Progress(Progress {
            step: StepId::Catalog,
            item: item.to_string(),
            done,
            total: self.total,
            message,
        }));
    }
}

/// Creates every `CreateProduct` and `CreatePrice` item of `plan` with the live `client`.
/// A blocked plan writes nothing.
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

    // Products first: their live ids are what the prices point at.
    let product_rows: Vec<&PlanRow> = plan.rows.iter().filter(|r| r.action == Action::CreateProduct).collect();
    // Futures are built first and then run: a closure inside the stream makes the whole
    // future lose `Send` (rust-lang/rust#102211), which the Tauri command needs.
    let writes: Vec<_> = product_rows
        .into_iter()
        .map(|row| {
            let product = test.products.iter().find(|p| p.id == row.test_id).expect("planned from this catalog");
            let tier = row.tier.as_deref().expect("a product to create has a tier");
            writer.create("/products", "product", row, product_form(product, tier))
        })
        .collect();
    let results: Vec<Result<Created, Failed>> = stream::iter(writes).buffer_unordered(concurrency).collect().await;
    let mut live_product: BTreeMap<String, String> = plan
        .rows
        .iter()
        .filter_map(|r| match (&r.object, &r.action) {
            (Object::Product, Action::Live { live_id }) => Some((r.test_id.clone(), live_id.clone())),
            _ => None,
        })
        .collect();
    for result in results {
        match result {
            Ok(created) => {
                live_product.insert(created.test_id.clone(), created.live_id.clone());
                outcome.created.push(created);
            }
            Err(failed) => outcome.failed.push(failed),
        }
    }

    let price_rows: Vec<(&PlanRow, String)> = plan
        .rows
        .iter()
        .filter(|r| r.action == Action::CreatePrice)
        .filter_map(|r| live_product.get(&r.test_product).map(|lp| (r, lp.clone())))
        .collect();
    let writes: Vec<_> = price_rows
        .into_iter()
        .map(|(row, live_product_id)| {
            let price = test.prices.iter().find(|p| p.id == row.test_id).expect("planned from this catalog");
            writer.create("/prices", "price", row, price_form(price, &live_product_id))
        })
        .collect();
    let results: Vec<Result<Created, Failed>> = stream::iter(writes).buffer_unordered(concurrency).collect().await;
    for result in results {
        match result {
            Ok(created) => outcome.created.push(created),
            Err(failed) => outcome.failed.push(failed),
        }
    }
    outcome
}
