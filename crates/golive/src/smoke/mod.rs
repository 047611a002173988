//! Smoke purchase: the seed's "Test the live flow", run by golive at no cost and with nothing
//! left behind. In live mode a 100%-off coupon (once, one redemption, redeemable for an hour)
//! and a one-time promotion code; a Checkout Session for the tier's live price with the code
//! applied and no card asked for the $0 first invoice; the user (or, in the rehearsal, the
//! stand-in's "customer") completes it in the browser while golive watches; then golive proves
//! Stripe delivered `checkout.session.completed` and `customer.subscription.created` to the
//! endpoint and reads the customer's tier from the Worker through the **tier source** (the
//! audit's: KV layout of the reference Worker, or a URL) — it must be the tier bought. A
//! customer-portal session is opened for the user to look at; then golive cancels the
//! subscription, sees `customer.subscription.deleted` delivered and the tier back at `free`,
//! and deletes the coupon and turns the code off. The live customer and its $0 invoice stay
//! (Stripe cannot hide a live customer): the report says so and golive offers to delete it.
//!
//! Every sub-step is a [`Finding`] (ids, event ids, delivery state, the tier read) with a fix
//! for each way it fails ([`diagnose`]). The run is kept in the session after every write
//! ([`SmokeRun`]): a crash resumes where it stopped, and the objects are found by their
//! `metadata.golive_smoke` before anything is made ([`objects`]), so there is never a second
//! coupon or checkout session for one run.

pub mod diagnose;
pub mod objects;
pub mod run;

use crate::findings::{Finding, Status};
use serde::{Deserialize, Serialize};

/// How long a run's coupon stays redeemable and its checkout open (Stripe's minimum for a
/// checkout's `expires_at` is 30 minutes).
pub const RUN_SECONDS: i64 = 60 * 60;

/// How long golive waits for the checkout by default before asking whether to wait longer.
pub const DEFAULT_WAIT_SECONDS: u64 = 10 * 60;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The coupon, the code and the checkout are being made.
    Preparing,
    /// The checkout is open: the user completes it in the browser.
    AwaitingCheckout,
    /// The customer portal was opened: the user says what it shows.
    AwaitingPortal,
    /// Cancelled, the tier read back, the coupon deleted: finished.
    Done,
    /// Stopped before the end (expired or abandoned), cleaned up.
    Abandoned,
}

/// What the user said the portal showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalAnswer {
    /// It showed the subscription, the invoices and the payment method update.
    pub as_expected: bool,
    pub at: i64,
}

/// What was cleaned up at the end of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleanup {
    pub coupon_deleted: bool,
    pub code_deactivated: bool,
    pub checkout_expired: bool,
    /// The user asked golive to delete the live customer, and it did.
    pub customer_deleted: bool,
}

/// One smoke purchase, as the session keeps it (ids and findings; no key, no link that
/// grants access — the portal link is made fresh each time it is opened).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmokeRun {
    /// The value of `metadata.golive_smoke` on everything the run makes.
    pub id: String,
    pub tier: String,
    pub price_id: String,
    /// The live price in words ("29.00 USD / month").
    pub terms: String,
    pub email: String,
    pub return_url: String,
    pub started: i64,
    /// When the coupon stops being redeemable and the checkout expires.
    pub expires_at: i64,
    pub phase: Phase,
    pub coupon: Option<String>,
    pub promotion_code: Option<String>,
    /// The code a customer could type (`GOLIVE-SMOKE-…`).
    pub code: Option<String>,
    pub checkout_session: Option<String>,
    /// The checkout page to open (Stripe's; it stops working when the session expires).
    pub checkout_url: Option<String>,
    pub customer: Option<String>,
    pub subscription: Option<String>,
    pub invoice: Option<String>,
    /// What the checkout charged, in the smallest unit of `currency`.
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    /// Ids of the events golive saw delivered, in order.
    #[serde(default)]
    pub events: Vec<String>,
    pub portal: Option<PortalAnswer>,
    #[serde(default)]
    pub cleanup: Cleanup,
    /// Each sub-step's finding, one per check id, in the order they first happened.
    #[serde(default)]
    pub findings: Vec<Finding>,
    pub finished: Option<i64>,
}

impl SmokeRun {
    /// A new run that has made nothing yet: `id` goes into `metadata.golive_smoke`, and the
    /// run may last until `started + RUN_SECONDS` (the coupon's `redeem_by`).
    pub fn new(
        id: String,
        tier: String,
        price_id: String,
        terms: String,
        email: String,
        return_url: String,
        started: i64,
    ) -> Self {
        SmokeRun {
            id,
            tier,
            price_id,
            terms,
            email,
            return_url,
            started,
            expires_at: started + RUN_SECONDS,
            phase: Phase::Preparing,
            coupon: None,
            promotion_code: None,
            code: None,
            checkout_session: None,
            checkout_url: None,
            customer: None,
            subscription: None,
            invoice: None,
            amount_total: None,
            currency: None,
            events: Vec::new(),
            portal: None,
            cleanup: Cleanup::default(),
            findings: Vec::new(),
            finished: None,
        }
    }

    /// Sets the finding of its check (replacing an earlier one of the same id: a resumed run
    /// repeats a sub-step rather than listing it twice).
    pub fn record(&mut self, finding: Finding) {
        match self.findings.iter_mut().find(|f| f.check == finding.check) {
            Some(slot) => *slot = finding,
            None => self.findings.push(finding),
        }
    }

    pub fn finding(&self, check: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.check == check)
    }

    /// Whether the run ended (done or abandoned).
    pub fn ended(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Abandoned)
    }

    /// Whether it ended and every sub-step passed (the customer left in place is a warning).
    pub fn passed(&self) -> bool {
        self.phase == Phase::Done && self.findings.iter().all(|f| f.status != Status::Fail)
    }
}

/// The session's smoke purchases: the one under way and the ones that ended, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmokeRecord {
    pub open: Option<SmokeRun>,
    #[serde(default)]
    pub history: Vec<SmokeRun>,
}

impl SmokeRecord {
    /// The run under way, else the last one that ended.
    pub fn latest(&self) -> Option<&SmokeRun> {
        self.open.as_ref().or(self.history.last())
    }
}

/// The check ids of a run, in order, with the titles the faces and the report show.
pub const CHECKS: [(&str, &str); 9] = [
    (COUPON, "A 100%-off coupon and a one-time code, in live mode"),
    (CHECKOUT, "The checkout completed at no cost"),
    (DELIVERED, "Stripe delivered the purchase's events to the endpoint"),
    (TIER, "The Worker gave the customer the tier bought"),
    (PORTAL, "The customer portal shows the subscription, invoices and payment method"),
    (CANCEL, "Cancelling delivered customer.subscription.deleted"),
    (REVERTED, "The tier went back to free"),
    (CLEANUP, "The coupon is deleted and the code turned off"),
    (CUSTOMER, "The live customer of the smoke purchase"),
];

pub const COUPON: &str = "smoke.coupon";
pub const CHECKOUT: &str = "smoke.checkout";
pub const DELIVERED: &str = "smoke.delivered";
pub const TIER: &str = "smoke.tier";
pub const PORTAL: &str = "smoke.portal";
pub const CANCEL: &str = "smoke.cancel";
pub const REVERTED: &str = "smoke.reverted";
pub const CLEANUP: &str = "smoke.cleanup";
pub const CUSTOMER: &str = "smoke.customer";

/// The title of a check id.
pub fn title(check: &str) -> &'static str {
    CHECKS.iter().find(|(id, _)| *id == check).map(|(_, t)| *t).unwrap_or("Smoke purchase")
}

/// An amount in the smallest unit as people read it (`0.00 USD`).
pub fn money(amount: i64, currency: &str) -> String {
    format!("{}.{:02} {}", amount / 100, (amount % 100).abs(), currency.to_uppercase())
}

/// A customer email golive may give Stripe: one `@`, something before it, a dot after it, no
/// spaces.
pub fn check_email(email: &str) -> Result<String, crate::problem::Problem> {
    let email = email.trim();
    let ok = email.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    }) && !email.contains(char::is_whitespace)
        && email.matches('@').count() == 1
        && email.len() <= 512;
    if ok {
        Ok(email.to_string())
    } else {
        Err(crate::problem::Problem::invalid(
            format!("“{}” is not an email address.", email.chars().take(80).collect::<String>()),
            "Give an address you can read (e.g. you@example.com): Stripe sends the $0 receipt there.",
        )
        .with_code("smoke_email"))
    }
}

/// A return address for the checkout and portal: an https:// URL (http only on loopback).
pub fn check_return_url(url: &str) -> Result<String, crate::problem::Problem> {
    let parsed = url::Url::parse(url.trim());
    let ok = parsed.as_ref().is_ok_and(|u| {
        u.scheme() == "https" || (u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost")))
    });
    if ok {
        Ok(url.trim().to_string())
    } else {
        Err(crate::problem::Problem::invalid(
            format!("“{}” is not an https:// address.", url.chars().take(120).collect::<String>()),
            "Give your site's address (e.g. https://example.com/account): the checkout and the portal send the customer back there.",
        )
        .with_code("smoke_return_url"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_return_addresses_are_checked() {
        assert_eq!(check_email(" you@example.com ").unwrap(), "you@example.com");
        for bad in ["", "you", "you@", "@example.com", "you@example", "a b@example.com", "a@b@example.com"] {
            assert_eq!(check_email(bad).unwrap_err().code, "smoke_email", "{bad}");
        }
        assert!(check_return_url("https://example.com/account").is_ok());
        assert!(check_return_url("http://127.0.0.1:8787/").is_ok());
        for bad in ["http://example.com", "ftp://example.com", "example.com", ""] {
            assert_eq!(check_return_url(bad).unwrap_err().code, "smoke_return_url", "{bad}");
        }
    }

    #[test]
    fn a_resumed_sub_step_replaces_its_finding() {
        let mut run = SmokeRun::new(
            "r".into(),
            "pro".into(),
            "price_1".into(),
            String::new(),
            "a@b.co".into(),
            "https://b.co".into(),
            0,
        );
        run.record(Finding::fail(TIER, "t", "first", "f"));
        run.record(Finding::pass(COUPON, "c", ""));
        run.record(Finding::pass(TIER, "t", "second"));
        assert_eq!(run.findings.len(), 2);
        assert_eq!(run.findings[0].detail, "second");
        run.phase = Phase::Done;
        assert!(run.passed());
        run.record(Finding::fail(CLEANUP, "x", "", ""));
        assert!(!run.passed());
        assert_eq!(money(0, "usd"), "0.00 USD");
        assert_eq!(money(2900, "eur"), "29.00 EUR");
    }
}
