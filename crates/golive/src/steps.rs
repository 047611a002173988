//! The wizard's steps in order, with the names the faces show.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    Connect,
    Catalog,
    PriceIds,
    Webhook,
    Secrets,
    /// The go-live audit (checklist items proven from the account and the project folder).
    Audit,
    Verify,
    /// After Verify, optional: a real $0 purchase in live mode proves the tier flips and
    /// reverts (not in [`StepId::ALL`]: it needs a person at the checkout).
    Smoke,
    /// Step 7, after the go-live: roll the live key and the webhook secret (not in [`StepId::ALL`],
    /// the go-live's steps).
    Rotate,
    /// Any time after Connect, in test mode: the subscription lifecycle on test clocks
    /// against the user's own Worker run locally (not in [`StepId::ALL`]).
    Billing,
}

impl StepId {
    pub const ALL: [StepId; 7] = [
        StepId::Connect,
        StepId::Catalog,
        StepId::PriceIds,
        StepId::Webhook,
        StepId::Secrets,
        StepId::Audit,
        StepId::Verify,
    ];

    pub fn title(self) -> &'static str {
        match self {
            StepId::Connect => "Connect",
            StepId::Catalog => "Catalog",
            StepId::PriceIds => "Price IDs & portal",
            StepId::Webhook => "Webhook",
            StepId::Secrets => "Secrets",
            StepId::Audit => "Audit",
            StepId::Verify => "Verify",
            StepId::Smoke => "Smoke purchase",
            StepId::Rotate => "Rotate",
            StepId::Billing => "Billing rehearsal",
        }
    }

    /// The step after this one, if any.
    pub fn next(self) -> Option<StepId> {
        let i = Self::ALL.iter().position(|s| *s == self)?;
        Self::ALL.get(i + 1).copied()
    }
}
