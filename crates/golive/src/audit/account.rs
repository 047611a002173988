//! Account readiness, read with the live key: activation (`charges_enabled`,
//! `payouts_enabled`, `details_submitted`, each `requirements` item named), the statement
//! descriptor against Stripe's rules, public business details, branding for receipts,
//! Checkout and the portal, Stripe Tax when a live price charges tax, `tax_behavior` on each
//! live price, and the portal configuration's terms and privacy links.

use crate::catalog::CatalogRecord;
use crate::findings::Finding;
use crate::stripe_api::{ApiFailure, Client};
use serde_json::Value;

const ACCOUNT_SETTINGS: &str = "https://dashboard.stripe.com/settings/account";
const ONBOARDING: &str = "https://dashboard.stripe.com/account/onboarding";
const PUBLIC_DETAILS: &str = "https://dashboard.stripe.com/settings/public";
const BRANDING: &str = "https://dashboard.stripe.com/settings/branding";
const TAX: &str = "https://dashboard.stripe.com/settings/tax";
const PORTAL: &str = "https://dashboard.stripe.com/settings/billing/portal";

fn text<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn list(v: &Value, path: &[&str]) -> Vec<String> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Stripe's rules for a statement descriptor (`prefix`: the shortened one's 2–10 characters,
/// else the full one's 5–22): Latin letters, digits and a few signs, at least one letter,
/// none of `< > \ ' " *`. Why it breaks them, if it does.
pub fn descriptor_problem(descriptor: &str, prefix: bool) -> Option<String> {
    let (min, max) = if prefix { (2, 10) } else { (5, 22) };
    let n = descriptor.chars().count();
    if n < min || n > max {
        return Some(format!("it has {n} characters; Stripe takes {min} to {max}"));
    }
    if let Some(c) = descriptor.chars().find(|c| "<>\\'\"*".contains(*c)) {
        return Some(format!("it contains “{c}”, which Stripe does not allow"));
    }
    if let Some(c) = descriptor.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
        return Some(format!("it contains “{c}”: only Latin characters are allowed"));
    }
    if !descriptor.chars().any(|c| c.is_ascii_alphabetic()) {
        return Some("it has no letter; Stripe needs at least one".into());
    }
    None
}

/// Every readiness finding for the account `account` (`GET /v1/account` as JSON).
pub fn readiness(account: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    let due = list(account, &["requirements", "currently_due"]);
    let past_due = list(account, &["requirements", "past_due"]);
    let disabled = text(account, &["requirements", "disabled_reason"]);
    let named = |items: &[String]| if items.is_empty() { "none named".to_string() } else { items.join(", ") };
    let charges = account.get("charges_enabled").and_then(Value::as_bool).unwrap_or(false);
    findings.push(if charges {
        Finding::pass("audit.account.charges", "The account can take live payments", "charges_enabled is true")
    } else {
        Finding::fail(
            "audit.account.charges",
            "The account cannot take live payments yet",
            format!(
                "charges_enabled is false{}; Stripe still needs: {}",
                disabled.map(|d| format!(" ({d})")).unwrap_or_default(),
                named(&due)
            ),
            "Finish activating the account in the Dashboard (business details, bank account, identity), then run the audit again.",
        )
        .with_link("Activate the account", ONBOARDING)
    });
    let payouts = account.get("payouts_enabled").and_then(Value::as_bool).unwrap_or(false);
    findings.push(if payouts {
        Finding::pass("audit.account.payouts", "Stripe can pay out to your bank", "payouts_enabled is true")
    } else {
        Finding::warn(
            "audit.account.payouts",
            "Stripe cannot pay out to your bank yet",
            "payouts_enabled is false: payments are kept in your Stripe balance until it is",
            "Add or verify the bank account for payouts in the Dashboard.",
        )
        .with_link("Open payout settings", ACCOUNT_SETTINGS)
    });
    if !past_due.is_empty() || (!due.is_empty() && charges) {
        let f = if past_due.is_empty() { Finding::warn } else { Finding::fail };
        findings.push(
            f(
                "audit.account.requirements",
                "Stripe is asking for account information",
                format!("past due: {}; currently due: {}", named(&past_due), named(&due)),
                "Give Stripe what it asks for in the Dashboard before the deadline, or it pauses charges or payouts.",
            )
            .with_link("Open the account's requirements", ONBOARDING),
        );
    }
    if account.get("details_submitted").and_then(Value::as_bool) == Some(false) {
        findings.push(
            Finding::warn(
                "audit.account.details",
                "The account's details were never submitted",
                "details_submitted is false",
                "Complete the account application in the Dashboard.",
            )
            .with_link("Activate the account", ONBOARDING),
        );
    }
    findings.push(descriptor_finding(account));
    findings.push(present_finding(
        account,
        "audit.account.public_details",
        "Public business details",
        &[
            (&["business_profile", "name"], "business name"),
            (&["business_profile", "url"], "website"),
            (&["business_profile", "support_email"], "support email"),
            (&["business_profile", "support_url"], "support page"),
        ],
        "Customers see these on receipts, Checkout and their bank statements' lookups: fill them in under Settings → Public details.",
        ("Open public details", PUBLIC_DETAILS),
    ));
    findings.push(present_finding(
        account,
        "audit.account.branding",
        "Branding for receipts, Checkout and the portal",
        &[
            (&["settings", "branding", "icon"], "icon"),
            (&["settings", "branding", "logo"], "logo"),
            (&["settings", "branding", "primary_color"], "brand colour"),
        ],
        "Upload an icon and a logo and pick a brand colour under Settings → Branding: unbranded pages look like phishing to customers.",
        ("Open branding", BRANDING),
    ));
    findings
}

fn descriptor_finding(account: &Value) -> Finding {
    let id = "audit.account.statement_descriptor";
    let link = ("Open public details", PUBLIC_DETAILS);
    let Some(descriptor) = text(account, &["settings", "payments", "statement_descriptor"]) else {
        return Finding::warn(
            id,
            "No statement descriptor is set",
            "settings.payments.statement_descriptor is empty: bank statements show whatever Stripe derives from the business name",
            "Set a statement descriptor customers will recognise (5–22 Latin characters, at least one letter) under Settings → Public details.",
        )
        .with_link(link.0, link.1);
    };
    if let Some(why) = descriptor_problem(descriptor, false) {
        return Finding::fail(
            id,
            "The statement descriptor breaks Stripe's rules",
            format!("“{descriptor}”: {why}"),
            "Change it under Settings → Public details: 5–22 Latin characters, at least one letter, none of < > \\ ' \" *.",
        )
        .with_link(link.0, link.1);
    }
    let prefix = text(account, &["settings", "card_payments", "statement_descriptor_prefix"]);
    if let Some(why) = prefix.and_then(|p| descriptor_problem(p, true)) {
        return Finding::fail(
            id,
            "The shortened statement descriptor (prefix) breaks Stripe's rules",
            format!("“{}”: {why}", prefix.unwrap_or_default()),
            "Change the shortened descriptor under Settings → Public details: 2–10 Latin characters, at least one letter.",
        )
        .with_link(link.0, link.1);
    }
    Finding::pass(
        id,
        "The statement descriptor is set and valid",
        match prefix {
            Some(p) => format!("“{descriptor}”, shortened “{p}”"),
            None => format!("“{descriptor}”"),
        },
    )
}

type Field<'a> = (&'a [&'a str], &'a str);

fn present_finding(
    account: &Value,
    id: &str,
    what: &str,
    fields: &[Field<'_>],
    fix: &str,
    link: (&str, &str),
) -> Finding {
    let missing: Vec<&str> =
        fields.iter().filter(|(path, _)| text(account, path).is_none()).map(|(_, name)| *name).collect();
    if missing.is_empty() {
        let names: Vec<&str> = fields.iter().map(|(_, n)| *n).collect();
        return Finding::pass(id, format!("{what}: all set"), names.join(", "));
    }
    Finding::warn(
        id,
        format!("{what}: {} missing", missing.join(", ")),
        format!("not set: {}", missing.join(", ")),
        fix,
    )
    .with_link(link.0, link.1)
}

/// `tax_behavior` of each live price, and Stripe Tax when any price charges tax.
pub async fn tax(client: &Client, catalog: &CatalogRecord) -> Result<Vec<Finding>, ApiFailure> {
    let mut findings = Vec::new();
    let mut unspecified = Vec::new();
    let mut taxed = false;
    for price in catalog.price_ids.iter().flatten() {
        let live: Value = client.get(&format!("/prices/{}", price.price_id)).await?;
        match live.get("tax_behavior").and_then(Value::as_str) {
            Some("inclusive" | "exclusive") => taxed = true,
            _ => unspecified.push(format!("{} ({})", price.price_id, price.tier)),
        }
    }
    if !unspecified.is_empty() {
        findings.push(Finding::warn(
            "audit.tax.behavior",
            "Some live prices do not say whether tax is included",
            format!("tax_behavior is unspecified on {}", unspecified.join(", ")),
            "If you collect tax (or may), set each price's tax behaviour (inclusive or exclusive) in the Dashboard: once a price is used with Stripe Tax it cannot be changed.",
        ));
    }
    if taxed {
        let settings: Value = client.get("/tax/settings").await?;
        let status = text(&settings, &["status"]).unwrap_or("unknown");
        findings.push(if status == "active" {
            Finding::pass("audit.tax.settings", "Stripe Tax is active", "tax settings status: active, head office set")
        } else {
            let missing = list(&settings, &["status_details", "pending", "missing_fields"]);
            Finding::fail(
                "audit.tax.settings",
                "Live prices charge tax, but Stripe Tax is not active",
                format!("tax settings status: {status}; missing: {}", if missing.is_empty() { "none named".into() } else { missing.join(", ") }),
                "Finish Stripe Tax's setup (head office address, registrations) under Settings → Tax, or checkouts cannot compute tax.",
            )
            .with_link("Open tax settings", TAX)
        });
    }
    Ok(findings)
}

/// The portal configuration golive ensured: its terms and privacy links.
pub async fn portal(client: &Client, catalog: &CatalogRecord) -> Result<Option<Finding>, ApiFailure> {
    let Some(id) = catalog.portal.as_ref().map(|p| p.id.as_str()) else { return Ok(None) };
    let config: Value = client.get(&format!("/billing_portal/configurations/{id}")).await?;
    let missing: Vec<&str> = [("privacy_policy_url", "privacy policy"), ("terms_of_service_url", "terms of service")]
        .into_iter()
        .filter(|(k, _)| text(&config, &["business_profile", k]).is_none())
        .map(|(_, name)| name)
        .collect();
    Ok(Some(if missing.is_empty() {
        Finding::pass("audit.portal.links", "The customer portal links your terms and privacy policy", id.to_string())
    } else {
        Finding::warn(
            "audit.portal.links",
            format!("The customer portal has no {} link", missing.join(" or ")),
            format!("{id}: business_profile has no {}", missing.join(", ")),
            "Add the links under Settings → Billing → Customer portal → Business information: customers see them before they change or cancel.",
        )
        .with_link("Open the portal settings", PORTAL)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn descriptors_are_held_to_stripes_rules() {
        assert_eq!(descriptor_problem("ACME SAAS", false), None);
        assert!(descriptor_problem("ACME", false).unwrap().contains("5 to 22"));
        assert!(descriptor_problem("ACME*SAAS", false).unwrap().contains('*'));
        assert!(descriptor_problem("12345678", false).unwrap().contains("letter"));
        assert!(descriptor_problem("CAFÉ SAAS", false).unwrap().contains("Latin"));
        assert!(descriptor_problem("A", true).unwrap().contains("2 to 10"));
    }

    #[test]
    fn an_unready_account_names_each_thing_stripe_needs() {
        let account = json!({
            "charges_enabled": false, "payouts_enabled": false, "details_submitted": false,
            "requirements": { "currently_due": ["external_account"], "past_due": ["tos_acceptance.date"], "disabled_reason": "requirements.past_due" },
            "business_profile": { "name": "Acme" },
            "settings": { "payments": { "statement_descriptor": null }, "branding": {} }
        });
        let findings = readiness(&account);
        let by = |id: &str| findings.iter().find(|f| f.check == id).unwrap_or_else(|| panic!("{id}: {findings:#?}"));
        assert!(by("audit.account.charges").detail.contains("external_account"));
        assert_eq!(by("audit.account.requirements").status, crate::findings::Status::Fail);
        assert!(by("audit.account.public_details").title.contains("website, support email, support page"));
        assert!(by("audit.account.branding").title.contains("icon, logo, brand colour"));
        assert_eq!(by("audit.account.statement_descriptor").status, crate::findings::Status::Warn);
    }
}
