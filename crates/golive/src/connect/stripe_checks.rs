//! Connect's Stripe checks: each key is accepted, is in the mode of its slot, both keys are
//! of the same account, and the live account can take charges.

use crate::environment::Environment;
use crate::findings::Finding;
use crate::stripe_api::{self, AccountInfo, ApiFailure};
use crate::stripe_key::{dashboard_keys_url, KeySlot, StripeKey};
use serde::{Deserialize, Serialize};

/// The Stripe account both keys belong to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StripeAccount {
    pub id: String,
    pub name: String,
    pub charges_enabled: bool,
}

const ACTIVATE_URL: &str = "https://dashboard.stripe.com/account/onboarding";

/// What one key told us: its account (unless a restricted key may not read it) and mode.
struct KeyReport {
    account: Option<AccountInfo>,
}

pub async fn check(test: &StripeKey, live: &StripeKey, env: &Environment) -> (Vec<Finding>, Option<StripeAccount>) {
    let (test_report, live_report) =
        tokio::join!(probe_key(KeySlot::Test, test, env), probe_key(KeySlot::Live, live, env));
    let mut findings = Vec::new();
    let (test_report, live_report) = match (test_report, live_report) {
        (Ok((t, tf)), Ok((l, lf))) => {
            findings.extend(tf);
            findings.extend(lf);
            (t, l)
        }
        (t, l) => {
            for result in [t, l] {
                match result {
                    Ok((_, f)) | Err(f) => findings.extend(f),
                }
            }
            return (findings, None);
        }
    };
    let account = match (&test_report.account, &live_report.account) {
        (Some(t), Some(l)) if t.id != l.id => {
            findings.push(Finding::fail(
                "stripe.same_account",
                "The two keys belong to different Stripe accounts",
                format!(
                    "The test key is for “{}” ({}), the live key for “{}” ({}).",
                    t.display_name(),
                    t.id,
                    l.display_name(),
                    l.id
                ),
                "Use both keys of the account your app runs on. In the Dashboard, check the account name at the top left before copying each key.",
            ));
            return (findings, None);
        }
        (Some(_), Some(l)) => {
            findings.push(Finding::pass(
                "stripe.same_account",
                "Both keys belong to the same account",
                format!("“{}” ({})", l.display_name(), l.id),
            ));
            l.clone()
        }
        (_, Some(l)) | (Some(l), None) => {
            findings.push(Finding::warn(
                "stripe.same_account",
                "Could not confirm both keys are of one account",
                format!("A restricted key may not read the account, so golive only knows {} ({}).", l.display_name(), l.id),
                "Give the restricted key the “Account: Read” permission (Dashboard → Developers → API keys → edit the key), or use the secret key.",
            ));
            l.clone()
        }
        (None, None) => {
            findings.push(Finding::fail(
                "stripe.same_account",
                "Neither key may read the Stripe account",
                "Both keys are restricted keys without the “Account: Read” permission.",
                "Add “Account: Read” to the restricted keys, or use the secret keys (sk_…).",
            ));
            return (findings, None);
        }
    };
    if let Some(live_account) = &live_report.account {
        findings.push(if live_account.charges_enabled {
            Finding::pass("stripe.live_account.activated", "The live account can take payments", "Stripe reports charges enabled.")
        } else {
            Finding::warn(
                "stripe.live_account.activated",
                "The live account cannot take payments yet",
                "Stripe has not activated this account for live charges: customers could not pay even once everything else is set up.",
                "Finish activating the account in the Stripe Dashboard (business details and bank account). You can keep setting up meanwhile.",
            )
            .with_link("Activate your account", ACTIVATE_URL)
        });
    }
    let account = StripeAccount {
        id: account.id.clone(),
        name: account.display_name(),
        charges_enabled: account.charges_enabled,
    };
    (findings, Some(account))
}

/// One live key on its own (Rotate's new key): accepted, in live mode, and — a restricted
/// key — allowed what the later steps read. Its findings, and its account's id when the key
/// may read the account.
pub async fn check_live_key(key: &StripeKey, env: &Environment) -> (Vec<Finding>, Option<String>) {
    match probe_key(KeySlot::Live, key, env).await {
        Ok((report, findings)) => (findings, report.account.map(|a| a.id)),
        Err(findings) => (findings, None),
    }
}

/// Asks Stripe about one key. `Err` holds the findings when the key cannot be used at all.
async fn probe_key(
    slot: KeySlot,
    key: &StripeKey,
    env: &Environment,
) -> Result<(KeyReport, Vec<Finding>), Vec<Finding>> {
    let client = stripe_api::client(env, key);
    let which = if slot.livemode() { "live" } else { "test" };
    let check_id = format!("stripe.{which}_key");
    let mut findings = Vec::new();
    let account = match stripe_api::retrieve_account(&client).await {
        Ok(account) => Some(account),
        Err(ApiFailure::Forbidden(_)) => None,
        Err(failure) => return Err(vec![key_failure(&check_id, which, slot, key, failure)]),
    };
    match stripe_api::key_livemode(&client).await {
        Ok(livemode) if livemode == slot.livemode() => findings.push(Finding::pass(
            &format!("{check_id}.mode"),
            format!("The {which} key works and is a {which}-mode key"),
            format!("Stripe accepted {}.", key.hint()),
        )),
        Ok(_) => {
            return Err(vec![Finding::fail(
                &format!("{check_id}.mode"),
                format!("Stripe says the {which} key is not in {which} mode"),
                format!("{} reports the other mode.", key.hint()),
                format!("Copy the {which} secret key again from the Dashboard with Test mode {}.", if slot.livemode() { "off" } else { "on" }),
            )
            .with_link("Open API keys", dashboard_keys_url(slot))])
        }
        Err(ApiFailure::Forbidden(_)) if account.is_some() => findings.push(Finding::pass(
            &format!("{check_id}.mode"),
            format!("The {which} key works"),
            format!("Stripe accepted {} (a restricted key that may not read the balance, so its mode comes from its prefix).", key.hint()),
        )),
        Err(failure) => return Err(vec![key_failure(&check_id, which, slot, key, failure)]),
    }
    if key.expose().starts_with("rk_") {
        findings.push(permissions(slot, key, &client, &check_id).await);
    }
    Ok((KeyReport { account }, findings))
}

/// What the later steps read with each key, and the Dashboard's name for the permission.
const READS: [(&str, &str, bool); 6] = [
    ("/products", "Products", false),
    ("/prices", "Prices", false),
    ("/billing/meters", "Billing Meters", false),
    ("/billing_portal/configurations", "Customer portal", true),
    ("/webhook_endpoints", "Webhook Endpoints", true),
    ("/events", "Events", true),
];

/// A restricted key: each list the later steps read is asked for one item, so a missing
/// permission is named now rather than at the step that needs it. (Write permissions cannot
/// be checked without writing; the fix names them.)
async fn permissions(slot: KeySlot, key: &StripeKey, client: &stripe_api::Client, check_id: &str) -> Finding {
    #[derive(Serialize)]
    struct One {
        limit: u32,
    }
    let which = if slot.livemode() { "live" } else { "test" };
    let mut missing = Vec::new();
    for (path, name, live_only) in READS {
        if live_only && !slot.livemode() {
            continue;
        }
        if let Err(ApiFailure::Forbidden(_)) = client.get_query::<serde_json::Value, _>(path, One { limit: 1 }).await {
            missing.push(name);
        }
    }
    let id = format!("{check_id}.permissions");
    let writes = if slot.livemode() {
        "Products, Prices, Billing Meters, Customer portal and Webhook Endpoints: Write; Events and Balance: Read"
    } else {
        "Products, Prices and Billing Meters: Read"
    };
    if missing.is_empty() {
        Finding::pass(
            &id,
            format!("The {which} restricted key may read what golive reads"),
            format!("{} may read every list the later steps read. They also need: {writes}.", key.hint()),
        )
    } else {
        Finding::fail(
            &id,
            format!("The {which} restricted key lacks permissions the later steps need"),
            format!("{} may not read: {}.", key.hint(), missing.join(", ")),
            format!("Edit the key in the Dashboard (Developers → API keys) to allow {writes} — or use the secret key (sk_…)."),
        )
        .with_link("Open API keys", dashboard_keys_url(slot))
    }
}

/// Stripe's message, with its request id when it gave one.
fn failure_text(detail: &crate::stripe_api::Detail) -> String {
    match &detail.request_id {
        Some(id) => format!("{} (Stripe request {id})", detail.message),
        None => detail.message.clone(),
    }
}

fn key_failure(check_id: &str, which: &str, slot: KeySlot, key: &StripeKey, failure: ApiFailure) -> Finding {
    let id = format!("{check_id}.accepted");
    match failure {
        ApiFailure::Unauthorized(_) => Finding::fail(
            &id,
            format!("Stripe does not accept the {which} key"),
            format!("Stripe answered 401 for {}: the key was rolled (revoked) or mistyped.", key.hint()),
            format!("Copy the current {which} secret key from Dashboard → Developers → API keys and paste it again."),
        )
        .with_link("Open API keys", dashboard_keys_url(slot)),
        ApiFailure::Forbidden(detail) => Finding::fail(
            &id,
            format!("The {which} restricted key lacks a permission golive needs"),
            failure_text(&detail),
            "Edit the restricted key in the Dashboard to allow Balance: Read, or use the secret key (sk_…).",
        )
        .with_link("Open API keys", dashboard_keys_url(slot)),
        ApiFailure::Unreachable(message) => Finding::fail(
            &id,
            format!("Could not reach Stripe to check the {which} key"),
            message,
            "Check the internet connection (and any proxy or firewall), then run the checks again.",
        ),
        ApiFailure::TimedOut { seconds } => Finding::fail(
            &id,
            format!("Stripe did not answer about the {which} key"),
            format!("No answer within {seconds} s."),
            "Check the internet connection (and any proxy or firewall), then run the checks again.",
        ),
        other => Finding::fail(
            &id,
            format!("Stripe refused to check the {which} key"),
            other.describe(),
            "Run the checks again in a minute; if it persists, check status.stripe.com.",
        ),
    }
}
