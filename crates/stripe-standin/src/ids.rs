//! Object ids shaped like Stripe's (`prod_…`, `price_…`, `acct_…`) and key material.

use rand::distr::Alphanumeric;
use rand::Rng;

/// A random alphanumeric string of `len` characters.
pub fn random_alnum(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// A new object id with Stripe's prefix for the object kind.
pub fn new_id(prefix: &str) -> String {
    let len = if prefix == "price" { 24 } else { 14 };
    format!("{prefix}_{}", random_alnum(len))
}

/// Seconds since the Unix epoch, as Stripe's `created` fields.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
