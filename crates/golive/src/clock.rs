//! The time golive stamps things with: Unix seconds, as Stripe's `created` fields and the
//! `t=` of a webhook signature are.

/// Seconds since the Unix epoch (0 on a clock set before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
