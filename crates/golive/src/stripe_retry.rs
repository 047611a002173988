//! Retrying Stripe calls the way Stripe asks: 429, 409 (an idempotent request still in
//! flight), 5xx and lost connections are retried with exponential backoff and jitter; every
//! other answer is final. Writes keep their Idempotency-Key across retries, so a retry of a
//! request that did land is answered with the first result instead of a duplicate.

use crate::stripe_api::ApiFailure;
use std::future::Future;
use std::time::Duration;
use stripe::StripeError;

const ATTEMPTS: u32 = 8;

/// Whether Stripe (or the network) says the same request may succeed later.
pub fn retryable(err: &StripeError) -> bool {
    match err {
        StripeError::Stripe(e) => matches!(e.http_status, 409 | 429 | 500..=599),
        StripeError::ClientError(_) | StripeError::Timeout => true,
        _ => false,
    }
}

pub async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, ApiFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StripeError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) if retryable(&err) && attempt + 1 < ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// 100 ms, 200 ms, 400 ms … capped at 5 s, each with up to half again of random jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 100u64.saturating_mul(1 << attempt.min(6)).min(5_000);
    let jitter = rand::random::<u64>() % (base / 2 + 1);
    Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) >= Duration::from_millis(200));
        assert!(backoff(10) <= Duration::from_millis(7_500));
    }
}
