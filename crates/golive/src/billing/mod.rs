//! The billing rehearsal: the subscription lifecycle Stripe's "test your Billing integration"
//! guide asks for — trials that end, renewals, failed payments with retries, 3D Secure,
//! upgrades, downgrades and cancellations — run in **test mode** on Stripe test clocks, every
//! event forwarded signed to the user's own Worker running on this machine (`wrangler dev`),
//! and the tier the Worker then keeps compared, phase by phase, with the tier it should keep.
//!
//! What is rehearsed is data ([`SCENARIOS`], from `scenarios.json`), and so is what a
//! difference means ([`CAUSES`]); [`run`] does the work and always deletes its clocks.
//! Nothing deployed is touched and no test-mode webhook endpoint is needed.

pub mod run;

use crate::findings::{Finding, Status};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// A card as Stripe's test mode knows it (the magic `pm_card_*` ids).
pub const CARDS: [(&str, &str); 3] = [
    ("pm_card_visa", "a card that pays"),
    ("pm_card_chargeCustomerFail", "a card that attaches, then every charge is declined"),
    ("pm_card_threeDSecure2Required", "a card that needs 3D Secure for every payment"),
];

/// Stripe's limit: a test clock has at most this many customers.
pub const CUSTOMERS_PER_CLOCK: usize = 3;

/// The name prefix of golive's clocks (a later run deletes leftovers by it).
pub const CLOCK_PREFIX: &str = "golive-billing-";

/// The tier a phase expects, relative to the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Want {
    /// The tier the scenario subscribed to.
    Bought,
    /// The next tier up (the upgrade's).
    Higher,
    /// No paid tier (nothing stored counts as free).
    Free,
}

/// Which of the catalog's tiers (ordered by monthly price) a scenario uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    Lower,
    Higher,
}

/// What golive does to the subscription after a phase's clock advance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Moves the subscription to this tier's price, without proration.
    #[serde(default)]
    pub change_to: Option<Rank>,
    #[serde(default)]
    pub cancel_at_period_end: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The subscription's status Stripe should show.
    pub status: String,
    pub tier: Want,
    /// Event types that must be among the phase's events.
    #[serde(default)]
    pub events: Vec<String>,
}

/// One point of a scenario's timeline: advance the clock, act, then check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseSpec {
    pub name: String,
    #[serde(default)]
    pub advance_hours: u32,
    #[serde(default)]
    pub action: Option<Action>,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub card: String,
    pub tier: Rank,
    #[serde(default)]
    pub trial_days: Option<u32>,
    /// Skipped (with a note) when the catalog has one tier only.
    #[serde(default)]
    pub needs_two_tiers: bool,
    pub phases: Vec<PhaseSpec>,
}

/// Every scenario, in the order they run.
pub static SCENARIOS: LazyLock<Vec<Scenario>> = LazyLock::new(|| {
    let scenarios: Vec<Scenario> =
        serde_json::from_str(include_str!("scenarios.json")).expect("scenarios.json is checked by a unit test");
    scenarios
});

/// Why the Worker's tier differs from the expected one, and what to change: the first rule
/// whose conditions all hold names the cause.
pub struct Cause {
    pub id: &'static str,
    /// The subscription's status, when the rule is about one.
    pub status: Option<&'static str>,
    pub want: Option<Want>,
    /// What the Worker kept: `"free"`, `"paid"` (any other tier) or `"previous"` (the tier
    /// of the phase before, unchanged).
    pub got: Option<&'static str>,
    /// Only when events were delivered twice and out of order.
    pub shuffled: Option<bool>,
    pub what: &'static str,
    pub fix: &'static str,
}

pub const CAUSES: &[Cause] = &[
    Cause {
        id: "shuffled_delivery",
        status: None,
        want: None,
        got: None,
        shuffled: Some(true),
        what: "Stripe delivered the same events twice and out of order, and the Worker's tier moved with the late copies",
        fix: "Remember each event id you processed (Stripe delivers at least once) and never let an event older than the state you hold overwrite it (Stripe does not promise order): compare `event.created` with the time of the stored state.",
    },
    Cause {
        id: "past_due_free",
        status: Some("past_due"),
        want: Some(Want::Bought),
        got: Some("free"),
        shuffled: None,
        what: "The Worker treats past_due as free: customers lose access during Stripe's retries",
        fix: "Keep the tier while the subscription is past_due (Stripe retries the payment for up to two weeks) and take it away on customer.subscription.deleted, or when the status becomes unpaid or canceled.",
    },
    Cause {
        id: "incomplete_entitled",
        status: Some("incomplete"),
        want: Some(Want::Free),
        got: Some("paid"),
        shuffled: None,
        what: "The Worker gives the tier to a subscription whose first payment never went through (3D Secure not completed)",
        fix: "Give the tier only for status active or trialing (and past_due while Stripe retries), never incomplete or incomplete_expired.",
    },
    Cause {
        id: "deleted_ignored",
        status: Some("canceled"),
        want: Some(Want::Free),
        got: Some("paid"),
        shuffled: None,
        what: "The subscription ended and the Worker still gives the paid tier",
        fix: "Handle customer.subscription.deleted: set the customer back to free.",
    },
    Cause {
        id: "updated_ignored",
        status: None,
        want: None,
        got: Some("previous"),
        shuffled: None,
        what: "The Worker kept the tier it had before this phase: it ignores customer.subscription.updated",
        fix: "Handle customer.subscription.updated: it carries status changes (trialing → active → past_due) and plan changes (the new price's metadata.plan).",
    },
    Cause {
        id: "not_stored",
        status: None,
        want: None,
        got: Some("none"),
        shuffled: None,
        what: "The Worker stored no tier for the customer",
        fix: "Handle customer.subscription.created and .updated, and read the tier from the subscription's metadata.plan or its price's (or product's) metadata.plan.",
    },
    Cause {
        id: "wrong_tier",
        status: None,
        want: None,
        got: None,
        shuffled: None,
        what: "The Worker keeps a tier other than the one the subscription pays for",
        fix: "Set the tier from the subscription's current price (items.data[0].price) and its metadata.plan on every customer.subscription.* event.",
    },
];

/// What the Worker kept, in the words [`Cause::got`] uses.
fn got_word(got: Option<&str>, previous: Option<&str>, free: bool) -> &'static str {
    match got {
        None => "none",
        Some(_) if free => "free",
        Some(t) if Some(t) == previous => "previous",
        Some(_) => "paid",
    }
}

/// The cause of a difference: the first rule that fits.
pub fn cause(status: &str, want: Want, got: Option<&str>, previous: Option<&str>, shuffled: bool) -> &'static Cause {
    let free = got.is_some_and(|t| t == "free");
    let word = got_word(got, previous, free);
    CAUSES
        .iter()
        .find(|c| {
            c.status.is_none_or(|s| s == status)
                && c.want.is_none_or(|w| w == want)
                && c.shuffled.is_none_or(|s| s == shuffled)
                && c.got.is_none_or(|g| g == word || (g == "paid" && word == "previous"))
        })
        .expect("wrong_tier matches anything")
}

/// Splits `n` customers over clocks of at most [`CUSTOMERS_PER_CLOCK`]: how many on each.
pub fn clock_groups(n: usize) -> Vec<usize> {
    let mut groups = vec![CUSTOMERS_PER_CLOCK; n / CUSTOMERS_PER_CLOCK];
    if !n.is_multiple_of(CUSTOMERS_PER_CLOCK) {
        groups.push(n % CUSTOMERS_PER_CLOCK);
    }
    groups
}

/// A catalog tier in test mode, as a scenario buys it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestTier {
    pub tier: String,
    pub price_id: String,
    pub unit_amount: i64,
    pub interval: String,
}

/// One phase as it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseResult {
    pub name: String,
    /// The clock's time after the phase.
    pub clock_time: i64,
    pub status: String,
    pub expected_status: String,
    pub expected_tier: String,
    /// What the Worker kept (`None`: nothing stored).
    pub worker_tier: Option<String>,
    /// `type id → HTTP status`, in delivery order.
    pub deliveries: Vec<Delivery>,
    pub finding: Finding,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub event: String,
    pub kind: String,
    pub status: u16,
    /// A second copy (the shuffle).
    #[serde(default)]
    pub copy: bool,
}

/// One scenario as it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub id: String,
    pub title: String,
    pub tier: String,
    pub card: String,
    pub clock: Option<String>,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    pub phases: Vec<PhaseResult>,
    /// Set when the scenario could not run to its end (or was skipped), with why.
    pub stopped: Option<Finding>,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.stopped.as_ref().is_none_or(|f| f.status != Status::Fail)
            && self.phases.iter().all(|p| p.finding.status != Status::Fail)
    }
}

/// A whole billing rehearsal, as the session and the report keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingReport {
    pub run: String,
    pub started: i64,
    pub finished: i64,
    pub shuffled: bool,
    pub scenarios: Vec<ScenarioResult>,
    /// How many clocks golive made and deleted (and left, if Stripe refused a delete).
    pub clocks_deleted: usize,
    pub clocks_left: Vec<String>,
}

impl BillingReport {
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(ScenarioResult::passed)
    }

    /// "5 of 6 scenarios passed".
    pub fn summary(&self) -> String {
        let passed = self.scenarios.iter().filter(|s| s.passed()).count();
        format!("{passed} of {} scenarios passed", self.scenarios.len())
    }
}

/// The scenarios `ids` asks for (every one when empty), refusing unknown ids.
pub fn chosen(ids: &[String]) -> Result<Vec<Scenario>, crate::problem::Problem> {
    if ids.is_empty() {
        return Ok(SCENARIOS.clone());
    }
    ids.iter()
        .map(|id| {
            SCENARIOS.iter().find(|s| &s.id == id).cloned().ok_or_else(|| {
                let known: Vec<&str> = SCENARIOS.iter().map(|s| s.id.as_str()).collect();
                crate::problem::Problem::invalid(
                    format!("There is no billing scenario “{}”.", id.chars().take(60).collect::<String>()),
                    format!("Pick from: {}.", known.join(", ")),
                )
                .with_code("billing_scenario")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_reads_and_uses_known_cards_and_statuses() {
        const STATUSES: [&str; 8] =
            ["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"];
        assert!(SCENARIOS.len() >= 6);
        for s in SCENARIOS.iter() {
            assert!(CARDS.iter().any(|(c, _)| *c == s.card), "{}", s.id);
            assert!(!s.phases.is_empty() && s.phases[0].advance_hours == 0, "{}: the first phase is the start", s.id);
            for p in &s.phases {
                assert!(STATUSES.contains(&p.expect.status.as_str()), "{}: {}", s.id, p.expect.status);
                // Stripe refuses an advance beyond two intervals of the shortest (monthly) one.
                assert!(p.advance_hours <= 24 * 56, "{}: {}", s.id, p.name);
            }
        }
        let ids: std::collections::BTreeSet<&str> = SCENARIOS.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), SCENARIOS.len(), "ids are unique");
    }

    #[test]
    fn customers_are_split_over_clocks_of_three() {
        assert_eq!(clock_groups(0), Vec::<usize>::new());
        assert_eq!(clock_groups(3), vec![3]);
        assert_eq!(clock_groups(4), vec![3, 1]);
        assert_eq!(clock_groups(7), vec![3, 3, 1]);
    }

    #[test]
    fn each_difference_names_its_cause() {
        assert_eq!(cause("past_due", Want::Bought, Some("free"), Some("starter"), false).id, "past_due_free");
        assert_eq!(cause("active", Want::Higher, Some("starter"), Some("starter"), false).id, "updated_ignored");
        assert_eq!(cause("active", Want::Bought, Some("starter"), Some("pro"), true).id, "shuffled_delivery");
        assert_eq!(cause("canceled", Want::Free, Some("pro"), Some("pro"), false).id, "deleted_ignored");
        assert_eq!(cause("incomplete", Want::Free, Some("pro"), None, false).id, "incomplete_entitled");
        assert_eq!(cause("trialing", Want::Bought, None, None, false).id, "not_stored");
        assert_eq!(cause("active", Want::Bought, Some("enterprise"), Some("starter"), false).id, "wrong_tier");
    }

    #[test]
    fn unknown_scenarios_are_refused_with_the_list() {
        let err = chosen(&["nope".into()]).unwrap_err();
        assert_eq!(err.code, "billing_scenario");
        assert!(err.fix.contains("renewal"), "{}", err.fix);
        assert_eq!(chosen(&[]).unwrap().len(), SCENARIOS.len());
    }
}
