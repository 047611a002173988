//! Faults a test can queue: the next requests answer with an error status, arrive late,
//! or lose their connection — the way Stripe's network sometimes behaves.

use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this HTTP status and Stripe's envelope (429 → rate limit, 5xx → api_error).
    Status(u16),
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Handle the request (its effects land) but close the connection without an answer.
    DropAfterHandling,
}
