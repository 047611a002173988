//! The go-live items no API can prove, as data: each with why it matters and where to do it.
//! The user ticks them; the tick and its date live in the session and the report.

use crate::findings::Link;
use serde::Serialize;

/// One item the user confirms by hand.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ManualItem {
    /// Stable id, as `golive audit --confirm <id>` takes it.
    pub id: &'static str,
    pub title: &'static str,
    pub why: &'static str,
    pub link: Option<(&'static str, &'static str)>,
}

impl ManualItem {
    pub fn link(&self) -> Option<Link> {
        self.link.map(|(label, url)| Link { label: label.into(), url: url.into() })
    }
}

pub const ITEMS: [ManualItem; 6] = [
    ManualItem {
        id: "two-step-login",
        title: "Two-step authentication is on for everyone who can sign in to the Stripe account",
        why: "A stolen password alone must not be enough to change payouts or roll keys.",
        link: Some(("Open team and security settings", "https://dashboard.stripe.com/settings/user")),
    },
    ManualItem {
        id: "radar-rules",
        title: "Radar's fraud rules are reviewed for live payments",
        why: "Live cards bring card testing and fraud that test mode never shows.",
        link: Some(("Open Radar rules", "https://dashboard.stripe.com/radar/rules")),
    },
    ManualItem {
        id: "webhook-alerts",
        title: "Email alerts for failing webhook deliveries are on",
        why: "Stripe stops retrying after three days; an alert is how you hear of a Worker that stopped answering.",
        link: Some(("Open communication preferences", "https://dashboard.stripe.com/settings/communication-preferences")),
    },
    ManualItem {
        id: "api-updates-list",
        title: "Someone on the team gets Stripe's API announcements",
        why: "Stripe's checklist: new API versions and deprecations are announced there first.",
        link: Some(("Subscribe to API announcements", "https://docs.stripe.com/upgrades#api-changelog")),
    },
    ManualItem {
        id: "keys-rolled",
        title: "The live keys were rolled since anyone saw them during development",
        why: "Stripe's checklist: a key pasted into chats, tickets or notes while building is a key someone else may have. golive's Rotate rolls it with no downtime.",
        link: Some(("Open API keys", "https://dashboard.stripe.com/apikeys")),
    },
    ManualItem {
        id: "someone-else-tried",
        title: "Someone else — ideally not a developer — signed up and paid through the whole flow",
        why: "Stripe's checklist: the person who built it tests the path they built; someone else finds the one they did not.",
        link: None,
    },
];

/// The item of `id`, or the ids there are (for the error).
pub fn find(id: &str) -> Result<&'static ManualItem, String> {
    ITEMS.iter().find(|i| i.id == id).ok_or_else(|| ITEMS.iter().map(|i| i.id).collect::<Vec<_>>().join(", "))
}
