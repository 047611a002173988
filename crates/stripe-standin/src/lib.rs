//! A stateful local stand-in for the Stripe API, for tests and golive's offline rehearsal.
//!
//! It behaves as Stripe documents for what golive uses: keys map to an account and a mode
//! (test and live data apart), unknown keys get 401, restricted keys without a permission
//! get 403, lists paginate, parameters are judged against Stripe's own typings (event types,
//! released API versions), Idempotency-Key replays the first result for 24 hours, every
//! answer carries a `Request-Id` and is written as Stripe writes JSON, every error uses
//! Stripe's envelope, events are delivered signed at each endpoint's API version, and rate
//! limits can be set per mode. Tests can queue faults (429, 5xx, delays, hangs, failures
//! after the effect, dropped connections) and move the clock, in process or over HTTP, and
//! complete a Checkout Session as a customer would ([`StandIn::complete_checkout`]). In test
//! mode, test clocks move subscriptions made over the API through their billing life —
//! trials, renewals, failed payments and their retries, cancellation — with Stripe's events
//! at the clock's time ([`resources::test_clocks`], [`resources::billing`]). Started with [`StandIn::start_persisted`], it keeps its data in a file between processes
//! ([`persist`]).

pub mod delivery;
pub mod error;
pub mod faults;
mod form;
mod ids;
pub mod keys;
mod list;
mod middleware;
mod persist;
pub mod resources;
mod router;
pub mod scenario;
pub mod state;

pub use faults::Fault;
pub use keys::Access;
pub use resources::checkout::CheckoutCompletion;
pub use state::{RateLimits, RequestRecord};

use keys::KeyRecord;
use resources::account::AccountRecord;
use state::{Shared, State};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Who an account is, for [`StandIn::add_account`].
#[derive(Debug, Clone)]
pub struct AccountSpec {
    pub display_name: String,
    pub email: String,
    pub country: String,
    pub default_currency: String,
    /// False for a live account Stripe has not activated yet.
    pub charges_enabled: bool,
    /// The account's default API version: what events are rendered at, and delivered at to
    /// endpoints that pin none.
    pub api_version: String,
}

impl Default for AccountSpec {
    fn default() -> Self {
        Self {
            display_name: "Example SaaS".into(),
            email: "founder@example.com".into(),
            country: "US".into(),
            default_currency: "usd".into(),
            charges_enabled: true,
            api_version: resources::events::ACCOUNT_API_VERSION.into(),
        }
    }
}

/// The keys of a new account: made up at run time, never real.
#[derive(Debug, Clone)]
pub struct AccountKeys {
    pub account_id: String,
    pub test_secret: String,
    pub live_secret: String,
}

/// A running stand-in on 127.0.0.1. Stops when dropped.
pub struct StandIn {
    addr: SocketAddr,
    state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
}

impl StandIn {
    /// Starts on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts on the given address (the binary uses a fixed port).
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        Self::serve(addr, State::default()).await
    }

    /// Starts on a free loopback port with the data saved in `path` (none when there is no
    /// such file), and saves every change there from now on, atomically and readable by the
    /// owner only. A file that is not a saved state is an `InvalidData` error that says what
    /// to do, and is left as it is; a file that cannot be written is an error at once.
    pub async fn start_persisted(path: &Path) -> std::io::Result<Self> {
        Self::start_persisted_on(SocketAddr::from(([127, 0, 0, 1], 0)), path).await
    }

    /// [`Self::start_persisted`] on the given address.
    pub async fn start_persisted_on(addr: SocketAddr, path: &Path) -> std::io::Result<Self> {
        let mut state = State::default();
        persist::load(path, &mut state)?;
        persist::write_atomically(path, &persist::to_bytes(&state))?;
        state.store = Some(path.to_path_buf());
        Self::serve(addr, state).await
    }

    async fn serve(addr: SocketAddr, state: State) -> std::io::Result<Self> {
        let state: Shared = Arc::new(Mutex::new(state));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let app = router::build(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self { addr, state, shutdown: Some(tx) })
    }

    /// `http://127.0.0.1:PORT/`, the base URL to give a Stripe client.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Creates an account with a secret key for each mode.
    pub fn add_account(&self, spec: AccountSpec) -> AccountKeys {
        let account_id = ids::new_id("acct");
        let mut state = self.state.lock().unwrap();
        state.accounts.insert(
            account_id.clone(),
            AccountRecord {
                id: account_id.clone(),
                display_name: spec.display_name,
                email: spec.email,
                country: spec.country,
                default_currency: spec.default_currency,
                charges_enabled: spec.charges_enabled,
                details_submitted: spec.charges_enabled,
                api_version: spec.api_version,
                readiness: Default::default(),
            },
        );
        let test_secret = fresh_key("sk_test_");
        let live_secret = fresh_key("sk_live_");
        for (key, livemode) in [(&test_secret, false), (&live_secret, true)] {
            state.keys.insert(
                key.clone(),
                KeyRecord { account_id: account_id.clone(), livemode, access: Access::Full, generation: 0 },
            );
        }
        state.persist();
        AccountKeys { account_id, test_secret, live_secret }
    }

    /// A restricted key (`rk_…`) for an account, allowed only `permissions`
    /// (`"products:read"`, `"prices:write"`, `"accounts:read"`, …).
    pub fn add_restricted_key(&self, account_id: &str, livemode: bool, permissions: &[&str]) -> String {
        let key = fresh_key(if livemode { "rk_live_" } else { "rk_test_" });
        let access = Access::Restricted(permissions.iter().map(|p| p.to_string()).collect());
        let mut state = self.state.lock().unwrap();
        state
            .keys
            .insert(key.clone(), KeyRecord { account_id: account_id.to_string(), livemode, access, generation: 0 });
        state.persist();
        key
    }

    /// The Dashboard's "Roll key" with a later expiry: a new secret key for the account and
    /// mode; the old one keeps working until [`Self::revoke_key`] (its expiry).
    pub fn roll_key(&self, account_id: &str, livemode: bool) -> String {
        let key = fresh_key(if livemode { "sk_live_" } else { "sk_test_" });
        let mut state = self.state.lock().unwrap();
        let generation = 1 + state
            .keys
            .values()
            .filter(|r| r.account_id == account_id && r.livemode == livemode)
            .map(|r| r.generation)
            .max()
            .unwrap_or(0);
        state.keys.insert(
            key.clone(),
            KeyRecord { account_id: account_id.to_string(), livemode, access: Access::Full, generation },
        );
        state.persist();
        key
    }

    /// Changes what the go-live audit reads of an account (its activation, descriptor,
    /// business details, branding, Stripe Tax), as the Dashboard would.
    pub fn set_readiness(&self, account_id: &str, change: impl FnOnce(&mut resources::account::Readiness)) {
        let mut state = self.state.lock().unwrap();
        if let Some(account) = state.accounts.get_mut(account_id) {
            change(&mut account.readiness);
        }
        state.persist();
    }

    /// Activates or deactivates live charges on an account (`charges_enabled`).
    pub fn set_charges_enabled(&self, account_id: &str, on: bool) {
        let mut state = self.state.lock().unwrap();
        if let Some(account) = state.accounts.get_mut(account_id) {
            account.charges_enabled = on;
            account.details_submitted = on;
        }
        state.persist();
    }

    /// Sets a price's `tax_behavior` (`inclusive`, `exclusive`), as the Dashboard may while it
    /// is `unspecified`.
    pub fn set_price_tax_behavior(&self, account_id: &str, livemode: bool, price_id: &str, behavior: &str) {
        let mut state = self.state.lock().unwrap();
        if let Some(price) = state.mode(account_id, livemode).prices.iter_mut().find(|p| p.id == price_id) {
            price.tax_behavior = behavior.to_string();
        }
        state.persist();
    }

    /// Revokes a key: it answers 401 from now on, as a rolled Stripe key does.
    pub fn revoke_key(&self, key: &str) {
        let mut state = self.state.lock().unwrap();
        state.keys.remove(key);
        state.persist();
    }

    /// The accounts, by id.
    pub fn account_ids(&self) -> Vec<String> {
        self.state.lock().unwrap().accounts.keys().cloned().collect()
    }

    /// An account's secret keys (`sk_test_…`, `sk_live_…`: the newest of each mode, as the
    /// Dashboard shows them after a roll), e.g. to find them again in a restored stand-in;
    /// `None` for an unknown account or one whose secret keys were revoked.
    pub fn account_keys(&self, account_id: &str) -> Option<AccountKeys> {
        let state = self.state.lock().unwrap();
        let secret = |livemode: bool| {
            state
                .keys
                .iter()
                .filter(|(_, r)| r.account_id == account_id && r.livemode == livemode && r.access == Access::Full)
                .max_by_key(|(key, r)| (r.generation, std::cmp::Reverse(key.as_str())))
                .map(|(key, _)| key.clone())
        };
        Some(AccountKeys {
            account_id: account_id.to_string(),
            test_secret: secret(false)?,
            live_secret: secret(true)?,
        })
    }

    /// Why the last save to the state file failed, if it did (see [`Self::start_persisted`]).
    pub fn save_error(&self) -> Option<String> {
        self.state.lock().unwrap().save_error.clone()
    }

    /// Queues a fault for the next request that arrives.
    pub fn inject(&self, fault: Fault) {
        self.state.lock().unwrap().faults.push_back(fault);
    }

    /// How many queued faults (for any request or for coming writes) no request has taken yet.
    pub fn queued_faults(&self) -> usize {
        let state = self.state.lock().unwrap();
        state.faults.len() + state.write_faults.len()
    }

    /// Queues a fault for the write (POST) `n` writes from now (0: the next one).
    pub fn inject_on_write(&self, n: usize, fault: Fault) {
        self.state.lock().unwrap().write_faults.push((n, fault));
    }

    /// Limits each account to `per_second` requests in each mode; the rest get Stripe's 429.
    /// `None` lifts the limit. (Stripe's own numbers differ per mode: [`Self::set_rate_limits`].)
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.set_rate_limits(RateLimits { live: per_second, test: per_second, per_operation: None });
    }

    /// Makes every answer wait `fixed` plus up to `jitter` more (Stripe answers a create in
    /// 200–400 ms): for benchmarks of how golive keeps enough requests in flight.
    pub fn set_latency(&self, fixed: std::time::Duration, jitter: std::time::Duration) {
        self.state.lock().unwrap().latency = Some((fixed, jitter)).filter(|(f, j)| !f.is_zero() || !j.is_zero());
    }

    /// Limits each account per mode ([`RateLimits::STRIPE`]: 100 a second live, 25 test). The
    /// binary starts with Stripe's numbers; in process the stand-in starts unlimited.
    pub fn set_rate_limits(&self, limits: RateLimits) {
        self.state.lock().unwrap().rate_limits = limits;
    }

    /// Turns on the test-only routes under `/_standin/` (faults and clock over HTTP, see
    /// [`faults`]); without this they are unknown URLs.
    pub fn enable_test_routes(&self) {
        self.state.lock().unwrap().test_routes = true;
    }

    /// Moves the stand-in's clock forward: `created` timestamps and idempotency key expiry
    /// (24 hours) follow it. Webhook signatures keep the wall clock, which receivers check.
    pub fn advance_clock(&self, by: Duration) {
        let mut state = self.state.lock().unwrap();
        state.clock_offset += by.as_secs() as i64;
        state.persist();
    }

    /// The stand-in's time, in seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        self.state.lock().unwrap().now()
    }

    /// Live billing portal configurations of an account, oldest first.
    pub fn portal_configurations(
        &self,
        account_id: &str,
        livemode: bool,
    ) -> Vec<resources::portal::PortalConfiguration> {
        self.state.lock().unwrap().mode(account_id, livemode).portal_configurations.clone()
    }

    /// The Dashboard's "Roll secret" on an endpoint (no API does this): a new signing secret
    /// from now on, and the old one signing every delivery beside it (one `v1=` each) until
    /// `old_expires_in` has passed by the stand-in's clock (zero: at once, "Now"). The new
    /// secret, as the Dashboard reveals it. `None` when there is no such endpoint.
    pub fn roll_endpoint_secret(
        &self,
        account_id: &str,
        livemode: bool,
        endpoint_id: &str,
        old_expires_in: Duration,
    ) -> Option<String> {
        let mut state = self.state.lock().unwrap();
        let now = state.now();
        let endpoint = state.mode(account_id, livemode).webhook_endpoints.iter_mut().find(|e| e.id == endpoint_id)?;
        let new = resources::webhooks::new_secret();
        let old = std::mem::replace(&mut endpoint.secret, new.clone());
        if !old_expires_in.is_zero() {
            endpoint.previous_secrets.push((old, now + old_expires_in.as_secs() as i64));
        }
        state.persist();
        Some(new)
    }

    /// Webhook endpoints of an account in one mode, oldest first, with their secrets.
    pub fn webhook_endpoints(&self, account_id: &str, livemode: bool) -> Vec<resources::webhooks::WebhookEndpoint> {
        self.state.lock().unwrap().mode(account_id, livemode).webhook_endpoints.clone()
    }

    /// Sends deliveries for endpoints on `host` to `base` instead (e.g. a Worker on 127.0.0.1).
    /// Routing the same host again replaces its route (a Worker restarted on another port).
    pub fn route_deliveries(&self, host: &str, base: &str) {
        let mut state = self.state.lock().unwrap();
        state.delivery_routes.retain(|(routed, _)| routed != host);
        state.delivery_routes.push((host.into(), base.into()));
    }

    /// Stripe's retries, at once (a test hook standing in for its backoff over up to three
    /// days in live mode): every event whose delivery has not fully succeeded is delivered
    /// again to the enabled endpoints that have not answered it with a 2xx. How many events
    /// are fully delivered now.
    pub async fn retry_failed_deliveries(&self) -> usize {
        let pending: Vec<(String, bool, resources::events::Event)> = {
            let state = self.state.lock().unwrap();
            state
                .modes
                .iter()
                .flat_map(|((account, livemode), data)| {
                    data.events.iter().filter(|e| !e.delivered).map(move |e| (account.clone(), *livemode, e.clone()))
                })
                .collect()
        };
        let mut now_delivered = 0;
        for (account, livemode, event) in pending {
            let deliveries = delivery::redeliver(&self.state, &account, livemode, &event).await;
            if !deliveries.is_empty() && deliveries.iter().all(|d| d.status.is_some_and(|s| (200..300).contains(&s))) {
                now_delivered += 1;
            }
        }
        now_delivered
    }

    /// Every webhook delivery made so far.
    pub fn deliveries(&self) -> Vec<delivery::Delivery> {
        self.state.lock().unwrap().deliveries.clone()
    }

    /// As a customer subscribing at checkout: a new customer and an active subscription to
    /// `price_id` — a whole Subscription object (`stripe_spec::objects::subscription`, the shape Verify's probes use too), its
    /// product's `metadata.plan` copied to the subscription's metadata, as an app sets it —
    /// then the `customer.subscription.created` event, delivered to the account's endpoints.
    /// The customer and the subscription are kept (listed, retrievable, cancellable).
    /// Returns (customer id, subscription id, deliveries). [`Self::complete_checkout`] is the
    /// whole purchase through a Checkout Session.
    pub async fn trigger_subscription(
        &self,
        account_id: &str,
        livemode: bool,
        price_id: &str,
    ) -> (String, String, Vec<delivery::Delivery>) {
        let (customer, subscription) = (ids::new_id("cus"), ids::new_id("sub"));
        let object = {
            let mut state = self.state.lock().unwrap();
            let now = state.now();
            let data = state.mode(account_id, livemode);
            let mut record = resources::customers::Customer::new(customer.clone(), now, livemode, None);
            let price =
                data.prices.iter().find(|p| p.id == price_id).cloned().expect("a price of this account and mode");
            let plan =
                data.products.iter().find(|p| p.id == price.product).and_then(|p| p.metadata.get("plan").cloned());
            record.currency = Some(price.currency.clone());
            data.customers.push(record);
            let price = serde_json::to_value(&price).expect("a price serialises");
            let object = stripe_spec::objects::subscription(&stripe_spec::objects::SubscriptionSeed {
                id: &subscription,
                item_id: &ids::new_id("si"),
                customer: &customer,
                created: now,
                livemode,
                status: "active",
                metadata: plan.map(|p| serde_json::json!({ "plan": p })).unwrap_or_else(|| serde_json::json!({})),
                price,
                quantity: 1,
            });
            data.subscriptions.push(object.clone());
            object
        };
        // Checkout's confirmation request, made by Stripe.js with its own idempotency key.
        let request = resources::events::EventRequest {
            id: Some(ids::new_request_id()),
            idempotency_key: Some(
                format!(
                    "{}-{}-{}-{}-{}",
                    ids::random_alnum(8),
                    ids::random_alnum(4),
                    ids::random_alnum(4),
                    ids::random_alnum(4),
                    ids::random_alnum(12)
                )
                .to_lowercase(),
            ),
        };
        let id = self.record(account_id, livemode, "customer.subscription.created", object, request, false);
        let deliveries = self.deliver_recorded(account_id, livemode, &id).await;
        (customer, subscription, deliveries)
    }

    /// Records an event (caused by no API request) and delivers it to the account's
    /// endpoints (signed); returns the deliveries.
    pub async fn emit(
        &self,
        account_id: &str,
        livemode: bool,
        kind: &str,
        object: serde_json::Value,
    ) -> Vec<delivery::Delivery> {
        let id = self.record_event(account_id, livemode, kind, object, false);
        self.deliver_recorded(account_id, livemode, &id).await
    }

    async fn deliver_recorded(&self, account_id: &str, livemode: bool, id: &str) -> Vec<delivery::Delivery> {
        let event = self
            .state
            .lock()
            .unwrap()
            .mode(account_id, livemode)
            .events
            .iter()
            .find(|e| e.id == id)
            .cloned()
            .expect("just recorded");
        delivery::deliver(&self.state, account_id, livemode, &event).await
    }

    /// Records an event of `kind` about `object` in the account's log, as an automatic event
    /// (`request` id and idempotency key null); `delivered` says whether its webhook
    /// deliveries succeeded. Returns the event id.
    pub fn record_event(
        &self,
        account_id: &str,
        livemode: bool,
        kind: &str,
        object: serde_json::Value,
        delivered: bool,
    ) -> String {
        self.record(account_id, livemode, kind, object, resources::events::EventRequest::default(), delivered)
    }

    fn record(
        &self,
        account_id: &str,
        livemode: bool,
        kind: &str,
        object: serde_json::Value,
        request: resources::events::EventRequest,
        delivered: bool,
    ) -> String {
        let mut state = self.state.lock().unwrap();
        let event = resources::events::record(&mut state, account_id, livemode, kind, object, request, delivered);
        state.persist();
        event.id
    }

    /// Every request served so far (method, path, status, idempotency key, mode).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Completes an open Checkout Session as a customer would on Stripe's page (see
    /// [`resources::checkout::complete`]): a customer, an active subscription, its paid first
    /// invoice, the code and coupon redeemed, and the six events in Stripe's order, delivered
    /// to the account's endpoints. `Err` says why a session cannot be completed (unknown, not
    /// open, not in subscription mode, its discount no longer redeemable).
    pub async fn complete_checkout(
        &self,
        account_id: &str,
        livemode: bool,
        session_id: &str,
    ) -> Result<CheckoutCompletion, String> {
        resources::checkout::complete(&self.state, account_id, livemode, session_id).await
    }

    /// The coupons of an account in one mode (not deleted), oldest first.
    pub fn coupons(&self, account_id: &str, livemode: bool) -> Vec<resources::coupons::Coupon> {
        self.state.lock().unwrap().mode(account_id, livemode).coupons.clone()
    }

    /// The promotion codes of an account in one mode, oldest first.
    pub fn promotion_codes(&self, account_id: &str, livemode: bool) -> Vec<resources::promotion_codes::PromotionCode> {
        self.state.lock().unwrap().mode(account_id, livemode).promotion_codes.clone()
    }

    /// The Checkout Sessions of an account in one mode, oldest first, each `status` as it
    /// reads now (an open session past `expires_at` is `expired`).
    pub fn checkout_sessions(&self, account_id: &str, livemode: bool) -> Vec<resources::checkout::CheckoutSession> {
        let mut state = self.state.lock().unwrap();
        let now = state.now();
        let mut sessions = state.mode(account_id, livemode).checkout_sessions.clone();
        for session in &mut sessions {
            session.status = session.status_at(now).to_string();
        }
        sessions
    }

    /// The customers of an account in one mode (deleted ones too, marked so), oldest first.
    pub fn customers(&self, account_id: &str, livemode: bool) -> Vec<resources::customers::Customer> {
        self.state.lock().unwrap().mode(account_id, livemode).customers.clone()
    }

    /// The subscriptions of an account in one mode, oldest first: whole `Subscription` objects.
    pub fn subscriptions(&self, account_id: &str, livemode: bool) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().mode(account_id, livemode).subscriptions.clone()
    }

    /// The invoices of an account in one mode, oldest first: whole `Invoice` objects.
    pub fn invoices(&self, account_id: &str, livemode: bool) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().mode(account_id, livemode).invoices.clone()
    }

    /// The test clocks of an account (test mode; not deleted), oldest first: whole
    /// `TestHelpers.TestClock` objects as a retrieve answers them.
    pub fn test_clocks(&self, account_id: &str) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().mode(account_id, false).test_clocks.iter().map(|c| c.render()).collect()
    }

    /// The payment methods (cards) of an account in one mode, oldest first: whole
    /// `PaymentMethod` objects.
    pub fn payment_methods(&self, account_id: &str, livemode: bool) -> Vec<serde_json::Value> {
        self.state.lock().unwrap().mode(account_id, livemode).payment_methods.iter().map(|m| m.render()).collect()
    }

    /// The event log of an account in one mode, in the order the events were recorded (a test
    /// clock's events carry the clock's time as `created`).
    pub fn events(&self, account_id: &str, livemode: bool) -> Vec<resources::events::Event> {
        self.state.lock().unwrap().mode(account_id, livemode).events.clone()
    }

    /// The products of an account in one mode, oldest first.
    pub fn products(&self, account_id: &str, livemode: bool) -> Vec<resources::products::Product> {
        self.state.lock().unwrap().mode(account_id, livemode).products.clone()
    }

    /// The prices of an account in one mode, oldest first.
    pub fn prices(&self, account_id: &str, livemode: bool) -> Vec<resources::prices::Price> {
        self.state.lock().unwrap().mode(account_id, livemode).prices.clone()
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.state
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Ok(mut state) = self.state.lock() {
            state.stopped = true;
            state.shutdown.notify_waiters();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A key of the given prefix shaped like Stripe's (`51` then 30 alphanumerics).
fn fresh_key(prefix: &str) -> String {
    format!("{prefix}51{}", ids::random_alnum(30))
}
