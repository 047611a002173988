//! The stand-in's whole memory: accounts, keys, each account's test and live data kept
//! apart (test clocks, payment methods and subscriptions' billing schedules included), stored idempotent results, the request log, queued faults, the per-mode rate
//! limits, the clock (real time plus the offset tests move it by), and where its data is
//! saved when it persists ([`State::persist`], after every change).

use crate::faults::Fault;
use crate::keys::KeyRecord;
use crate::resources::account::AccountRecord;
use crate::resources::events::Event;
use crate::resources::portal::PortalConfiguration;
use crate::resources::prices::Price;
use crate::resources::products::Product;
use crate::resources::webhooks::WebhookEndpoint;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Objects of one account in one mode. Kept in creation order; lists show newest first.
#[derive(Debug, Default)]
pub struct ModeData {
    pub products: Vec<Product>,
    pub prices: Vec<Price>,
    pub portal_configurations: Vec<PortalConfiguration>,
    pub webhook_endpoints: Vec<WebhookEndpoint>,
    pub events: Vec<Event>,
    pub meters: Vec<crate::resources::meters::Meter>,
    /// Customers, deleted ones included (a retrieve answers them as deleted).
    pub customers: Vec<crate::resources::customers::Customer>,
    /// Coupons not deleted (a deleted coupon is gone: 404).
    pub coupons: Vec<crate::resources::coupons::Coupon>,
    pub promotion_codes: Vec<crate::resources::promotion_codes::PromotionCode>,
    pub checkout_sessions: Vec<crate::resources::checkout::CheckoutSession>,
    /// Whole `Subscription` objects as Stripe sends them (`stripe_spec::objects::subscription`).
    pub subscriptions: Vec<serde_json::Value>,
    /// Whole `Invoice` objects as Stripe sends them (`stripe_spec::objects::invoice`).
    pub invoices: Vec<serde_json::Value>,
    /// Whole `BillingPortal.Session` objects, as created.
    pub portal_sessions: Vec<serde_json::Value>,
    /// Test clocks (test mode only), not deleted.
    pub test_clocks: Vec<crate::resources::test_clocks::TestClock>,
    /// Cards attached to customers.
    pub payment_methods: Vec<crate::resources::payment_methods::PaymentMethod>,
    /// What subscriptions made over the API still have coming (trial notice, prorations).
    pub lifecycles: Vec<crate::resources::billing::Lifecycle>,
}

/// The first response to an idempotent request, replayed for every retry within 24 hours.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub path: String,
    pub body: Vec<u8>,
    pub status: u16,
    pub response: Vec<u8>,
    /// The answer's headers worth replaying (content type, `Stripe-Should-Retry`).
    pub headers: Vec<(String, String)>,
    /// The `Request-Id` of the request that ran; replays name it in `Original-Request`.
    pub request_id: String,
    /// When it was saved, by the stand-in's clock: keys are forgotten 24 hours later.
    pub saved_at: i64,
}

/// One request as the stand-in saw it (no key material), for tests and benchmarks.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub idempotency_key: Option<String>,
    pub livemode: Option<bool>,
    /// The `Request-Id` the answer carried.
    pub request_id: String,
    /// The `Stripe-Version` header the request sent, if any (none: the account default).
    pub stripe_version: Option<String>,
    /// Whether the answer was an idempotent replay of an earlier request's.
    pub replayed: bool,
}

/// Requests allowed per second per account, in each mode, and per named API operation
/// (`POST /v1/prices`, `GET /v1/products/:id`, …) on top; `None` is unlimited.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub live: Option<u32>,
    pub test: Option<u32>,
    /// Each operation's own budget per account and mode (Stripe's default: 25 a second).
    pub per_operation: Option<u32>,
}

impl RateLimits {
    /// Stripe's documented limits: 100 requests per second in live mode, 25 in test mode,
    /// and 25 a second for each named API operation.
    pub const STRIPE: RateLimits = RateLimits { live: Some(100), test: Some(25), per_operation: Some(25) };

    pub fn for_mode(&self, livemode: bool) -> Option<u32> {
        if livemode {
            self.live
        } else {
            self.test
        }
    }
}

#[derive(Debug, Default)]
pub struct State {
    pub accounts: BTreeMap<String, AccountRecord>,
    pub keys: HashMap<String, KeyRecord>,
    pub modes: HashMap<(String, bool), ModeData>,
    pub idempotency: HashMap<(String, bool, String), Option<StoredResponse>>,
    pub requests: Vec<RequestRecord>,
    pub faults: VecDeque<Fault>,
    /// Faults for coming writes (POSTs), by how many writes from now: 0 is the next one.
    pub write_faults: Vec<(usize, Fault)>,
    /// Requests allowed per second per account, in each mode.
    pub rate_limits: RateLimits,
    /// Endpoint hosts routed to local addresses for deliveries: (host, base URL).
    pub delivery_routes: Vec<(String, String)>,
    /// Every webhook delivery made, in order.
    pub deliveries: Vec<crate::delivery::Delivery>,
    /// Requests seen in the current second, per (account, mode).
    /// Requests counted in the current second per (account, mode, operation); the operation
    /// is empty for the account's own budget.
    pub rate_window: HashMap<(String, bool, String), (u64, u32)>,
    /// Added to every answer: a fixed delay and up to this much more at random (benchmarks).
    pub latency: Option<(std::time::Duration, std::time::Duration)>,
    /// Seconds the stand-in's clock is ahead of real time (tests move it; 0 is real time).
    pub clock_offset: i64,
    /// Whether the test-only routes under `/_standin/` answer (otherwise they are unknown URLs).
    pub test_routes: bool,
    /// Wakes requests held by `Fault::Hang` when the stand-in stops.
    pub shutdown: Arc<tokio::sync::Notify>,
    pub stopped: bool,
    /// The file every change is saved to ([`crate::StandIn::start_persisted`]); `None` keeps
    /// everything in memory.
    pub store: Option<std::path::PathBuf>,
    /// Why the last save failed, if it did (cleared by the next one that works).
    pub save_error: Option<String>,
}

impl State {
    pub fn mode(&mut self, account_id: &str, livemode: bool) -> &mut ModeData {
        self.modes.entry((account_id.to_string(), livemode)).or_default()
    }

    /// Saves the whole state to the store, if there is one. Called, with the lock held, after
    /// every change, so that saves never overtake each other and what a client was answered
    /// is on disk. A failed save is logged and kept in `save_error`: the stand-in goes on.
    pub fn persist(&mut self) {
        let Some(path) = &self.store else { return };
        match crate::persist::write_atomically(path, &crate::persist::to_bytes(self)) {
            Ok(()) => self.save_error = None,
            Err(e) => {
                let message = format!("Could not save the stand-in's state to {}: {e}", path.display());
                tracing::error!("{message}");
                self.save_error = Some(message);
            }
        }
    }

    /// The stand-in's time (seconds since the epoch): real time plus the clock offset.
    pub fn now(&self) -> i64 {
        crate::ids::real_now() + self.clock_offset
    }
}

pub type Shared = Arc<Mutex<State>>;

/// Applies Stripe's metadata update rule: keys merge, an empty value removes the key.
pub fn merge_metadata(current: &mut BTreeMap<String, String>, update: BTreeMap<String, String>) {
    for (key, value) in update {
        if value.is_empty() {
            current.remove(&key);
        } else {
            current.insert(key, value);
        }
    }
}

/// Stripe's metadata limits: 50 keys, key ≤ 40 characters, value ≤ 500, no brackets in keys.
pub fn check_metadata(metadata: &BTreeMap<String, String>) -> Result<(), crate::error::ApiError> {
    use crate::error::ApiError;
    if metadata.len() > 50 {
        return Err(ApiError::invalid_request("You can only specify up to 50 metadata keys.").param("metadata"));
    }
    for (key, value) in metadata {
        if key.len() > 40 || key.contains('[') || key.contains(']') {
            return Err(ApiError::invalid_request(format!(
                "Metadata key \"{key}\" is invalid: keys can be up to 40 characters long and cannot contain square brackets."
            ))
            .param(format!("metadata[{key}]")));
        }
        if value.len() > 500 {
            return Err(ApiError::invalid_request(format!(
                "Metadata values can have up to 500 characters, but you passed in a value that is {} characters.",
                value.len()
            ))
            .param(format!("metadata[{key}]")));
        }
    }
    Ok(())
}
