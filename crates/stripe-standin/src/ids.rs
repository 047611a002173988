//! Object and request ids shaped like Stripe's (`prod_…`, `price_…`, `req_…`), key material,
//! and the stand-in's clock: real time plus however far a test moved it
//! ([`crate::StandIn::advance_clock`]). Code serving a request reads the clock with [`now`]
//! (the middleware runs each request inside [`with_clock`]); code outside a request reads
//! `State::now`.

use rand::distr::Alphanumeric;
use rand::Rng;
use std::future::Future;

tokio::task_local! {
    /// Seconds the stand-in's clock is ahead of real time, for the request being served.
    static CLOCK_OFFSET: i64;
}

/// A random alphanumeric string of `len` characters.
pub fn random_alnum(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// A new object id with Stripe's prefix for the object kind.
pub fn new_id(prefix: &str) -> String {
    let len = if prefix == "price" { 24 } else { 14 };
    format!("{prefix}_{}", random_alnum(len))
}

/// A new request id, as Stripe puts in every answer's `Request-Id` header.
pub fn new_request_id() -> String {
    format!("req_{}", random_alnum(14))
}

/// Seconds since the Unix epoch by the wall clock.
pub fn real_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The stand-in's time in seconds since the Unix epoch, as Stripe's `created` fields: real
/// time, moved on by the clock offset of the request being served (none outside a request).
pub fn now() -> i64 {
    real_now() + CLOCK_OFFSET.try_with(|offset| *offset).unwrap_or(0)
}

/// Runs `work` (one request) with the stand-in's clock `offset` seconds ahead of real time.
pub async fn with_clock<F: Future>(offset: i64, work: F) -> F::Output {
    CLOCK_OFFSET.scope(offset, work).await
}
