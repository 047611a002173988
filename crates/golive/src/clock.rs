//! The time golive stamps things with: Unix seconds, as Stripe's `created` fields and the
//! `t=` of a webhook signature are.

/// Seconds since the Unix epoch (0 on a clock set before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A Unix time as people read it: `2026-11-23 22:51 UTC`.
pub fn describe(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("at Unix time {unix}"))
}
