//! Random letters and digits: Idempotency-Key suffixes and made-up ids for Verify's probes.

use rand::Rng;

pub fn token(len: usize) -> String {
    rand::rng().sample_iter(&rand::distr::Alphanumeric).take(len).map(char::from).collect()
}
