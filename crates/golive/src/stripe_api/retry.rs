//! Retrying Stripe calls the way Stripe asks: what [`ApiFailure::retryable`] says may succeed
//! later (429, 409 for an idempotent request still in flight, 5xx, no answer — unless Stripe
//! said `Stripe-Should-Retry: false`, or replayed a stored answer) is retried with exponential
//! backoff and jitter; every other answer is final. Writes keep their Idempotency-Key across
//! retries, so a retry of a request that did land is answered with the first result instead
//! of a duplicate. A request that timed out is retried once: a Stripe that does not answer
//! should be reported in about a minute, not after eight time limits.

use super::failure::ApiFailure;
use std::future::Future;
use std::time::Duration;

const ATTEMPTS: u32 = 8;
const TIMEOUT_ATTEMPTS: u32 = 2;

pub async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, ApiFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiFailure>>,
{
    let (mut attempt, mut timeouts) = (0, 0);
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) if err.retryable() && attempt + 1 < ATTEMPTS => {
                if matches!(err, ApiFailure::TimedOut { .. }) {
                    timeouts += 1;
                    if timeouts >= TIMEOUT_ATTEMPTS {
                        return Err(err);
                    }
                }
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(err) => return Err(err),
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
    use crate::stripe_api::failure::Detail;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) >= Duration::from_millis(200));
        assert!(backoff(10) <= Duration::from_millis(7_500));
    }

    #[tokio::test]
    async fn a_replayed_error_and_a_second_timeout_are_final() {
        let calls = AtomicU32::new(0);
        let replayed = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(ApiFailure::from_answer(500, Detail { replayed: true, ..Detail::message("x") }))
        };
        assert!(with_retries(replayed).await.is_err());
        assert_eq!(calls.swap(0, Ordering::SeqCst), 1);
        let hung = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(ApiFailure::TimedOut { seconds: 1 })
        };
        assert!(matches!(with_retries(hung).await, Err(ApiFailure::TimedOut { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), TIMEOUT_ATTEMPTS);
    }
}
