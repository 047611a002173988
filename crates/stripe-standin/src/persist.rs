//! The stand-in's data kept in a file between processes (golive's offline rehearsal lives
//! longer than one process): accounts, keys, each account's objects and event log in both
//! modes (webhook secrets, tiers, currency options and delivery outcomes included; customers,
//! coupons, promotion codes, Checkout Sessions, subscriptions, invoices and portal sessions
//! with their redemption counts; test clocks, payment methods and what subscriptions still
//! have coming — files saved before these existed load as a stand-in without them), stored
//! idempotent results and the clock offset, so a restored stand-in answers exactly as the
//! one that saved it — same ids, same keys, same secrets, idempotency keys expiring on the
//! same clock. A clock saved while advancing is restored `ready` at its new time (the work is
//! done when the advance is answered; only its deliveries were under way — they are among the
//! events not yet delivered). What belongs to one running process is not saved: the request and delivery
//! logs, queued faults, rate limits and their counters, delivery routes, test routes.
//!
//! Every change is written at once and atomically (a temporary file in the same folder,
//! synced, then renamed over the old one), readable by the owner only (0600: it holds
//! made-up keys and webhook secrets). A missing file is an empty stand-in; a file that is not
//! a saved state is an error that says what to do, and is never overwritten.

use crate::keys::KeyRecord;
use crate::resources::account::AccountRecord;
use crate::resources::billing::Lifecycle;
use crate::resources::checkout::CheckoutSession;
use crate::resources::coupons::Coupon;
use crate::resources::customers::Customer;
use crate::resources::events::Event;
use crate::resources::meters::Meter;
use crate::resources::payment_methods::PaymentMethod;
use crate::resources::portal::PortalConfiguration;
use crate::resources::prices::{CurrencyOption, Price, Tier};
use crate::resources::products::Product;
use crate::resources::promotion_codes::PromotionCode;
use crate::resources::test_clocks::TestClock;
use crate::resources::webhooks::WebhookEndpoint;
use crate::state::{ModeData, State, StoredResponse};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Error, ErrorKind, Write};
use std::path::Path;

/// What the file says it is, so another JSON file is not taken for one.
const KIND: &str = "stripe-standin state";
/// The layout's version; a file of another version is refused, not guessed at.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    kind: String,
    version: u32,
    accounts: BTreeMap<String, AccountRecord>,
    keys: BTreeMap<String, KeyRecord>,
    modes: Vec<SavedMode>,
    idempotency: Vec<SavedResponse>,
    clock_offset: i64,
}

/// One account's objects in one mode, with what their answers never show.
#[derive(Serialize, Deserialize)]
struct SavedMode {
    account: String,
    livemode: bool,
    products: Vec<Product>,
    prices: Vec<SavedPrice>,
    portal_configurations: Vec<PortalConfiguration>,
    webhook_endpoints: Vec<SavedEndpoint>,
    events: Vec<SavedEvent>,
    meters: Vec<Meter>,
    // Added after the first layout: a file without them is a stand-in without them.
    #[serde(default)]
    customers: Vec<Customer>,
    #[serde(default)]
    coupons: Vec<Coupon>,
    #[serde(default)]
    promotion_codes: Vec<PromotionCode>,
    #[serde(default)]
    checkout_sessions: Vec<CheckoutSession>,
    #[serde(default)]
    subscriptions: Vec<serde_json::Value>,
    #[serde(default)]
    invoices: Vec<serde_json::Value>,
    #[serde(default)]
    portal_sessions: Vec<serde_json::Value>,
    #[serde(default)]
    test_clocks: Vec<TestClock>,
    #[serde(default)]
    payment_methods: Vec<PaymentMethod>,
    #[serde(default)]
    lifecycles: Vec<Lifecycle>,
}

#[derive(Serialize, Deserialize)]
struct SavedPrice {
    price: Price,
    tiers: Option<Vec<Tier>>,
    currency_options: BTreeMap<String, CurrencyOption>,
}

#[derive(Serialize, Deserialize)]
struct SavedEndpoint {
    endpoint: WebhookEndpoint,
    secret: String,
    /// Rolled secrets still signing until their expiry.
    #[serde(default)]
    previous_secrets: Vec<(String, i64)>,
}

#[derive(Serialize, Deserialize)]
struct SavedEvent {
    event: Event,
    delivered: bool,
    /// When it was recorded (an event on a test clock has the clock's time as `created`);
    /// older files lack it: then `created`.
    #[serde(default)]
    recorded_at: Option<i64>,
}

/// A stored idempotent result (one whose request is still running is not saved: no request
/// survives the process, and Stripe frees a key whose request never finished).
#[derive(Serialize, Deserialize)]
struct SavedResponse {
    account: String,
    livemode: bool,
    key: String,
    path: String,
    body: Bytes,
    status: u16,
    response: Bytes,
    headers: Vec<(String, String)>,
    request_id: String,
    saved_at: i64,
}

/// Bytes as text when they are UTF-8 (form bodies and JSON answers always are), else base64.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Bytes {
    Text(String),
    Base64 { base64: String },
}

impl From<&[u8]> for Bytes {
    fn from(bytes: &[u8]) -> Self {
        use base64::Engine;
        match std::str::from_utf8(bytes) {
            Ok(text) => Bytes::Text(text.to_string()),
            Err(_) => Bytes::Base64 { base64: base64::engine::general_purpose::STANDARD.encode(bytes) },
        }
    }
}

impl Bytes {
    fn into_vec(self) -> Result<Vec<u8>, String> {
        use base64::Engine;
        match self {
            Bytes::Text(text) => Ok(text.into_bytes()),
            Bytes::Base64 { base64 } => {
                base64::engine::general_purpose::STANDARD.decode(base64).map_err(|e| format!("bad base64: {e}"))
            }
        }
    }
}

fn snapshot(state: &State) -> Snapshot {
    let mut modes: Vec<SavedMode> = state
        .modes
        .iter()
        .map(|((account, livemode), data)| SavedMode {
            account: account.clone(),
            livemode: *livemode,
            products: data.products.clone(),
            prices: data
                .prices
                .iter()
                .map(|p| SavedPrice {
                    price: p.clone(),
                    tiers: p.tiers.clone(),
                    currency_options: p.currency_options.clone(),
                })
                .collect(),
            portal_configurations: data.portal_configurations.clone(),
            webhook_endpoints: data
                .webhook_endpoints
                .iter()
                .map(|e| SavedEndpoint {
                    endpoint: e.clone(),
                    secret: e.secret.clone(),
                    previous_secrets: e.previous_secrets.clone(),
                })
                .collect(),
            events: data
                .events
                .iter()
                .map(|e| SavedEvent { event: e.clone(), delivered: e.delivered, recorded_at: Some(e.recorded_at) })
                .collect(),
            meters: data.meters.clone(),
            customers: data.customers.clone(),
            coupons: data.coupons.clone(),
            promotion_codes: data.promotion_codes.clone(),
            checkout_sessions: data.checkout_sessions.clone(),
            subscriptions: data.subscriptions.clone(),
            invoices: data.invoices.clone(),
            portal_sessions: data.portal_sessions.clone(),
            test_clocks: data.test_clocks.clone(),
            payment_methods: data.payment_methods.clone(),
            lifecycles: data.lifecycles.clone(),
        })
        .collect();
    modes.sort_by(|a, b| (&a.account, a.livemode).cmp(&(&b.account, b.livemode)));
    let mut idempotency: Vec<SavedResponse> = state
        .idempotency
        .iter()
        .filter_map(|((account, livemode, key), stored)| {
            let stored = stored.as_ref()?;
            Some(SavedResponse {
                account: account.clone(),
                livemode: *livemode,
                key: key.clone(),
                path: stored.path.clone(),
                body: stored.body.as_slice().into(),
                status: stored.status,
                response: stored.response.as_slice().into(),
                headers: stored.headers.clone(),
                request_id: stored.request_id.clone(),
                saved_at: stored.saved_at,
            })
        })
        .collect();
    idempotency.sort_by(|a, b| (&a.account, a.livemode, &a.key).cmp(&(&b.account, b.livemode, &b.key)));
    Snapshot {
        kind: KIND.into(),
        version: VERSION,
        accounts: state.accounts.clone(),
        keys: state.keys.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        modes,
        idempotency,
        clock_offset: state.clock_offset,
    }
}

/// The file's bytes for `state`: the same state always gives the same bytes.
pub(crate) fn to_bytes(state: &State) -> Vec<u8> {
    serde_json::to_vec_pretty(&snapshot(state)).expect("the stand-in's state serialises")
}

fn restore(snapshot: Snapshot, state: &mut State) -> Result<(), String> {
    state.accounts = snapshot.accounts;
    state.keys = snapshot.keys.into_iter().collect();
    state.clock_offset = snapshot.clock_offset;
    for saved in snapshot.modes {
        let data = ModeData {
            products: saved.products,
            prices: saved
                .prices
                .into_iter()
                .map(|p| Price { tiers: p.tiers, currency_options: p.currency_options, ..p.price })
                .collect(),
            portal_configurations: saved.portal_configurations,
            webhook_endpoints: saved
                .webhook_endpoints
                .into_iter()
                .map(|e| WebhookEndpoint { secret: e.secret, previous_secrets: e.previous_secrets, ..e.endpoint })
                .collect(),
            events: saved
                .events
                .into_iter()
                .map(|e| Event {
                    delivered: e.delivered,
                    recorded_at: e.recorded_at.unwrap_or(e.event.created),
                    ..e.event
                })
                .collect(),
            meters: saved.meters,
            customers: saved.customers,
            coupons: saved.coupons,
            promotion_codes: saved.promotion_codes,
            checkout_sessions: saved.checkout_sessions,
            subscriptions: saved.subscriptions,
            invoices: saved.invoices,
            portal_sessions: saved.portal_sessions,
            test_clocks: saved
                .test_clocks
                .into_iter()
                .map(|clock| match clock.advancing_to {
                    Some(target) => TestClock { frozen_time: target, advancing_to: None, ..clock },
                    None => clock,
                })
                .collect(),
            payment_methods: saved.payment_methods,
            lifecycles: saved.lifecycles,
        };
        state.modes.insert((saved.account, saved.livemode), data);
    }
    for saved in snapshot.idempotency {
        let stored = StoredResponse {
            path: saved.path,
            body: saved.body.into_vec()?,
            status: saved.status,
            response: saved.response.into_vec()?,
            headers: saved.headers,
            request_id: saved.request_id,
            saved_at: saved.saved_at,
        };
        state.idempotency.insert((saved.account, saved.livemode, saved.key), Some(stored));
    }
    Ok(())
}

/// Reads a saved state into `state`. `Ok(false)`: there is no file (an empty stand-in).
pub(crate) fn load(path: &Path, state: &mut State) -> std::io::Result<bool> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(Error::new(e.kind(), format!("Could not read the stand-in's state {}: {e}", path.display())))
        }
    };
    let damaged = |why: String| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "{} is not a Stripe stand-in state this version can read ({why}). It was left as it is: move it away or delete it to start from an empty stand-in.",
                path.display()
            ),
        )
    };
    let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
    if snapshot.kind != KIND || snapshot.version != VERSION {
        return Err(damaged(format!("it says \"{}\" version {}", snapshot.kind, snapshot.version)));
    }
    restore(snapshot, state).map_err(damaged)?;
    Ok(true)
}

/// Writes `bytes` to `path` atomically, readable by the owner only.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // tempfile creates the file 0600 in the same folder, so the rename cannot cross file systems.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
