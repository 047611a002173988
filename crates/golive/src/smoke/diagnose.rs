//! Why a tier did not become what it should after a smoke purchase's event: the ways it
//! fails, as data ([`CAUSES`]), tried in order against what golive saw (the endpoint's events,
//! Stripe's delivery state, the Worker's answer to the event sent again, the tier source, the
//! live product's `metadata.plan`). The first that applies names the cause and its fix.

use super::objects::SeenEvent;

/// What golive saw about one tier change.
pub struct TierFacts<'a> {
    /// `checkout.session.completed` (the purchase) or `customer.subscription.deleted`.
    pub event_kind: &'a str,
    pub expected: &'a str,
    pub customer: &'a str,
    /// The events golive's endpoint is subscribed to.
    pub endpoint_events: &'a [String],
    pub event: Option<&'a SeenEvent>,
    /// Stripe tried to deliver it and the Worker did not answer 2xx.
    pub delivery_failed: bool,
    /// The Worker's answer when golive sent the event again, signed with the endpoint's
    /// secret (only when Stripe's delivery failed).
    pub resent: Option<Result<u16, String>>,
    /// The tier source's answer: the stored tier (`None`: nothing stored) or why it failed.
    pub read: &'a Result<Option<String>, String>,
    /// The tier source's KV binding (empty for a URL) and the Worker's KV bindings.
    pub binding: &'a str,
    pub kv_bindings: &'a [String],
    /// `metadata.plan` of the live product of the price bought (`None`: not read).
    pub product_plan: Option<Option<String>>,
}

/// One way the tier change fails.
pub struct Cause {
    pub id: &'static str,
    pub applies: fn(&TierFacts) -> bool,
    /// What happened, in words, from the facts.
    pub said: fn(&TierFacts) -> String,
    pub fix: fn(&TierFacts) -> String,
}

/// Said in every fix about the tier: apps that keep it in a token see it late.
pub const STALE_TOKEN: &str = "If your app keeps the tier in a login token (a Clerk/JWT claim), the customer sees a change only once the token refreshes: sign out and in again.";

fn resent_status(f: &TierFacts) -> Option<u16> {
    f.resent.as_ref().and_then(|r| r.as_ref().ok().copied())
}

fn binding_missing(f: &TierFacts) -> bool {
    matches!(f.read, Err(e) if e.contains(&format!("\"{}\"", f.binding)) && e.contains("not found"))
        || (!f.binding.is_empty() && !f.kv_bindings.is_empty() && !f.kv_bindings.iter().any(|b| b == f.binding))
}

pub const CAUSES: &[Cause] = &[
    Cause {
        id: "not_subscribed",
        applies: |f| !f.endpoint_events.iter().any(|e| e == f.event_kind || e == "*"),
        said: |f| format!("golive's live endpoint is not subscribed to {}, so Stripe never sends it.", f.event_kind),
        fix: |_| "Run the Webhook step again: it adds the four subscription events to the endpoint.".into(),
    },
    Cause {
        id: "no_event",
        applies: |f| f.event.is_none(),
        said: |f| format!("Stripe made no {} event for this purchase within the wait.", f.event_kind),
        fix: |_| {
            "Look for the event in Dashboard → Developers → Events; run the smoke purchase again if Stripe was slow."
                .into()
        },
    },
    Cause {
        id: "signature_refused",
        applies: |f| f.delivery_failed && matches!(resent_status(f), Some(400 | 401 | 403)),
        said: |f| {
            format!(
            "Stripe's delivery of {} failed; sent again, signed with the endpoint's secret, the Worker answered {}: it does not verify with this endpoint's signing secret.",
            f.event_kind,
            resent_status(f).unwrap_or_default()
        )
        },
        fix: |_| {
            "Run the Secrets step again (it pushes the endpoint's secret as STRIPE_WEBHOOK_SECRET), make sure the Worker reads the raw body before verifying, then run the smoke purchase again.".into()
        },
    },
    Cause {
        id: "worker_error",
        applies: |f| f.delivery_failed && resent_status(f).is_some_and(|s| s >= 500),
        said: |f| {
            format!(
            "Stripe's delivery of {} failed; sent again, the Worker answered {}: it fails while handling the event.",
            f.event_kind,
            resent_status(f).unwrap_or_default()
        )
        },
        fix: |_| {
            "Run `npx wrangler tail` and run the smoke purchase again: the Worker's error is in its log (often a missing secret, a KV binding the code names but wrangler.toml lacks, or an exception on a field the event does not have).".into()
        },
    },
    Cause {
        id: "worker_refused",
        applies: |f| f.delivery_failed && resent_status(f).is_some_and(|s| !(200..300).contains(&s)),
        said: |f| {
            format!(
                "Stripe's delivery of {} failed; sent again, the Worker answered {}.",
                f.event_kind,
                resent_status(f).unwrap_or_default()
            )
        },
        fix: |_| {
            "Make the webhook route answer 2xx to every correctly signed event (`npx wrangler tail` shows what it did), then run the smoke purchase again.".into()
        },
    },
    Cause {
        id: "unreachable",
        applies: |f| f.delivery_failed && matches!(f.resent, Some(Err(_)) | None),
        said: |f| {
            format!(
                "Stripe's delivery of {} failed and golive could not reach the Worker either{}.",
                f.event_kind,
                match &f.resent {
                    Some(Err(e)) => format!(" ({e})"),
                    _ => String::new(),
                }
            )
        },
        fix: |_| {
            "Check that the Worker is deployed at the endpoint's address (`npx wrangler deploy`), then run the smoke purchase again.".into()
        },
    },
    Cause {
        id: "kv_binding",
        applies: binding_missing,
        said: |f| {
            format!(
                "golive reads tiers from the KV binding {}, which the Worker's configuration does not have ({}).",
                f.binding,
                if f.kv_bindings.is_empty() {
                    "it binds no KV namespace".to_string()
                } else {
                    format!("it binds {}", f.kv_bindings.join(", "))
                }
            )
        },
        fix: |f| {
            match f.kv_bindings.first() {
            Some(b) => format!("If your Worker keeps tiers in {b}, tell golive: `golive audit --tier-binding {b} --tier-key 'customer:{{customer}}'` (or the key layout it uses); else bind the namespace the code writes to in wrangler.toml and deploy."),
            None => "Bind the KV namespace the Worker keeps tiers in (kv_namespaces in wrangler.toml) and deploy, or give golive a URL that answers a customer's tier (`golive audit --tier-url`).".into(),
        }
        },
    },
    Cause {
        id: "read_failed",
        applies: |f| f.read.is_err(),
        said: |f| format!("golive could not read the tier: {}", f.read.as_ref().err().cloned().unwrap_or_default()),
        fix: |_| {
            "Check that wrangler is logged in to the Worker's account (`npx wrangler whoami`) and the tier source is right, then run the smoke purchase again.".into()
        },
    },
    Cause {
        id: "plan_metadata",
        applies: |f| {
            f.event_kind == "checkout.session.completed"
                && matches!(&f.product_plan, Some(p) if p.as_deref() != Some(f.expected))
        },
        said: |f| {
            format!(
                "The live product of this price has metadata.plan = {}, not “{}”.",
                match &f.product_plan {
                    Some(Some(p)) => format!("“{p}”"),
                    _ => "nothing".into(),
                },
                f.expected
            )
        },
        fix: |f| {
            format!("Set metadata plan = {} (lowercase, exactly the tier name your code uses) on the live product in Dashboard → Products, or run the Catalog step again.", f.expected)
        },
    },
    Cause {
        id: "not_stored",
        applies: |f| matches!(f.read, Ok(None)),
        said: |f| {
            format!(
            "The Worker accepted {} but stored no tier for {}: it ignores this event, reads the plan from somewhere else, or keeps tiers where golive does not look.",
            f.event_kind, f.customer
        )
        },
        fix: |f| {
            if f.event_kind == "checkout.session.completed" {
                "Handle checkout.session.completed: take the customer from `session.customer` and the tier from `session.metadata.plan` (or the price's product `metadata.plan`) and store it. If your Worker keeps tiers elsewhere, set golive's tier source (`golive audit --tier-binding … --tier-key …` or `--tier-url`).".into()
            } else {
                "Handle customer.subscription.deleted by setting the customer's tier to free.".into()
            }
        },
    },
    Cause {
        id: "wrong_tier",
        applies: |_| true,
        said: |f| {
            format!(
                "The Worker stored “{}” for {}, not “{}”.",
                f.read.clone().ok().flatten().unwrap_or_default(),
                f.customer,
                f.expected
            )
        },
        fix: |f| {
            if f.expected == "free" {
                "Handle customer.subscription.deleted by setting the tier to free, and do not let an older event (a late customer.subscription.updated) overwrite that.".into()
            } else {
                "Store the tier exactly as metadata.plan says it (lowercase, as your code compares it).".into()
            }
        },
    },
];

/// The first cause that applies to `facts`.
pub fn cause(facts: &TierFacts) -> &'static Cause {
    CAUSES.iter().find(|c| (c.applies)(facts)).expect("the last cause always applies")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(read: &'a Result<Option<String>, String>, endpoint_events: &'a [String]) -> TierFacts<'a> {
        TierFacts {
            event_kind: "checkout.session.completed",
            expected: "pro",
            customer: "cus_1",
            endpoint_events,
            event: None,
            delivery_failed: false,
            resent: None,
            read,
            binding: "TIERS",
            kv_bindings: &[],
            product_plan: Some(Some("pro".into())),
        }
    }

    #[test]
    fn each_cause_is_named_by_what_golive_saw() {
        let events = vec!["checkout.session.completed".to_string()];
        let event = SeenEvent {
            id: "evt_1".into(),
            kind: "checkout.session.completed".into(),
            pending_webhooks: 1,
            whole: serde_json::json!({}),
        };
        let none: Result<Option<String>, String> = Ok(None);
        assert_eq!(cause(&facts(&none, &[])).id, "not_subscribed");
        assert_eq!(cause(&facts(&none, &events)).id, "no_event");
        let with = |resent: Option<Result<u16, String>>| {
            let mut f = facts(&none, &events);
            f.event = Some(&event);
            f.delivery_failed = true;
            f.resent = resent;
            cause(&f).id
        };
        assert_eq!(with(Some(Ok(400))), "signature_refused");
        assert_eq!(with(Some(Ok(500))), "worker_error");
        assert_eq!(with(Some(Ok(404))), "worker_refused");
        assert_eq!(with(Some(Err("refused".into()))), "unreachable");
        let mut ok = facts(&none, &events);
        ok.event = Some(&event);
        assert_eq!(cause(&ok).id, "not_stored");
        let bindings = vec!["USERS".to_string()];
        ok.kv_bindings = &bindings;
        assert_eq!(cause(&ok).id, "kv_binding");
        assert!((cause(&ok).fix)(&ok).contains("--tier-binding USERS"));
        ok.kv_bindings = &[];
        ok.product_plan = Some(Some("Pro".into()));
        assert_eq!(cause(&ok).id, "plan_metadata", "a product whose plan is not the tier is named first");
        let other: Result<Option<String>, String> = Ok(Some("Pro".into()));
        let mut wrong = facts(&other, &events);
        wrong.event = Some(&event);
        wrong.product_plan = Some(Some("Pro".into()));
        assert_eq!(cause(&wrong).id, "plan_metadata");
        wrong.product_plan = Some(Some("pro".into()));
        assert_eq!(cause(&wrong).id, "wrong_tier");
        let failed: Result<Option<String>, String> = Err("wrangler: binding name \"TIERS\" not found".into());
        let mut unread = facts(&failed, &events);
        unread.event = Some(&event);
        assert_eq!(cause(&unread).id, "kv_binding");
    }
}
