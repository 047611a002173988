//! Stripe API keys: held in a type that cannot print its value, and checked by shape
//! before anything is sent — each wrong kind of paste gets its own refusal and fix.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::fmt;

/// Which field the user pasted into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySlot {
    Test,
    Live,
}

impl KeySlot {
    pub fn livemode(self) -> bool {
        self == KeySlot::Live
    }
    fn word(self) -> &'static str {
        match self {
            KeySlot::Test => "test",
            KeySlot::Live => "live",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `sk_…`: full access.
    Secret,
    /// `rk_…`: only the permissions chosen in the Dashboard.
    Restricted,
}

/// A Stripe secret or restricted key whose shape is right for its slot.
/// Debug shows only the prefix and the last four characters; the value zeroizes on drop.
#[derive(Clone)]
pub struct StripeKey {
    value: SecretString,
    pub kind: KeyKind,
    pub livemode: bool,
}

impl StripeKey {
    /// For the HTTP client only: the key itself.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// A copy of the key for storing it (keyring, wrangler's stdin); zeroized on drop.
    pub fn secret(&self) -> SecretString {
        self.value.clone()
    }

    /// `sk_live_…abcd`: safe to show and log.
    pub fn hint(&self) -> String {
        hint_of(self.value.expose_secret())
    }
}

/// `sk_live_…abcd`, `whsec_…abcd`: the type prefix and the last four characters, enough to
/// tell values apart and never enough to use one.
pub fn hint_of(value: &str) -> String {
    let head = &value[..value.len().min(9)];
    let prefix = head.rfind('_').map(|i| &value[..=i]).unwrap_or("");
    format!("{prefix}{}", tail_of(value))
}

/// `…abcd`: only the last four characters (what the go-live report shows of a secret).
pub fn tail_of(value: &str) -> String {
    let last: String = value.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{last}")
}

impl fmt::Debug for StripeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StripeKey({})", self.hint())
    }
}

/// Why a pasted value is not a usable key for its slot, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyProblem {
    pub code: &'static str,
    pub message: String,
    pub fix: String,
}

const API_KEYS_LIVE: &str = "https://dashboard.stripe.com/apikeys";
const API_KEYS_TEST: &str = "https://dashboard.stripe.com/test/apikeys";

/// Where in the Dashboard the keys for a slot are.
pub fn dashboard_keys_url(slot: KeySlot) -> &'static str {
    match slot {
        KeySlot::Test => API_KEYS_TEST,
        KeySlot::Live => API_KEYS_LIVE,
    }
}

/// Shortest body after the prefix seen on a real key (older keys: 24 characters).
const MIN_BODY_LEN: usize = 24;

/// Checks the shape of `raw` for `slot`. Nothing is trimmed silently: a paste with
/// extra characters is refused so the user knows exactly what was stored.
pub fn parse_key(slot: KeySlot, raw: &str) -> Result<StripeKey, KeyProblem> {
    let want = format!("sk_{}_", slot.word());
    let problem = |code, message: String, fix: String| Err(KeyProblem { code, message, fix });
    if raw.trim().is_empty() {
        return problem(
            "empty",
            format!("The {} key is empty.", slot.word()),
            format!("Paste your {} secret key ({want}…) from Dashboard → Developers → API keys.", slot.word()),
        );
    }
    if raw.trim() != raw {
        return problem(
            "whitespace",
            "The key has spaces or line breaks around it.".into(),
            "Paste only the key itself: remove the spaces or line breaks before and after it.".into(),
        );
    }
    let unquoted = raw.trim_matches(|c| c == '"' || c == '\'' || c == '`');
    if unquoted != raw {
        return problem(
            "quotes",
            "The key has quotes around it.".into(),
            "Paste only the key itself, without the quotes (they are not part of the key).".into(),
        );
    }
    let (kind, mode) = match classify_prefix(raw) {
        Prefix::Key(kind, mode) => (kind, mode),
        Prefix::Publishable(mode) => {
            return problem(
                "publishable_key",
                format!("This is a publishable key (pk_{mode}_…). It only identifies your account in browsers and cannot manage products or webhooks."),
                format!("Copy the Secret key instead ({want}…): Dashboard → Developers → API keys → Secret key → Reveal."),
            )
        }
        Prefix::WebhookSecret => {
            return problem(
                "webhook_secret",
                "This is a webhook signing secret (whsec_…), not an API key.".into(),
                format!("Paste the Secret key ({want}…) here. golive creates the live webhook endpoint and keeps its signing secret for you."),
            )
        }
        Prefix::Unknown => {
            return problem(
                "not_a_key",
                "This does not look like a Stripe API key.".into(),
                format!("Stripe secret keys start with {want} (or rk_{}_ for a restricted key). Copy it from Dashboard → Developers → API keys.", slot.word()),
            )
        }
    };
    let livemode = mode == "live";
    if livemode != slot.livemode() {
        let (pasted, other) = if livemode { ("live", "test") } else { ("test", "live") };
        return problem(
            if livemode { "live_key_in_test_slot" } else { "test_key_in_live_slot" },
            format!("This is a {pasted}-mode key, but this field needs the {other}-mode key."),
            if slot.livemode() {
                "Turn off Test mode in the Stripe Dashboard (top right), then copy the live secret key (sk_live_…) from Developers → API keys.".into()
            } else {
                "Turn on Test mode in the Stripe Dashboard, then copy the test secret key (sk_test_…). Put the live key in the live field.".into()
            },
        );
    }
    let body = &raw[raw.match_indices('_').nth(1).map(|(i, _)| i + 1).unwrap_or(0)..];
    if body.contains('…') || body.contains("...") || body.len() < MIN_BODY_LEN {
        return problem(
            "truncated",
            "The key looks cut short.".into(),
            "Copy the whole key: in the Dashboard click Reveal, then use the copy button rather than selecting the text by hand.".into(),
        );
    }
    if let Some(bad) = body.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return problem(
            "bad_character",
            format!("The key contains a character that Stripe keys never have ({bad:?})."),
            "Copy the key again with the Dashboard's copy button; something was added while pasting.".into(),
        );
    }
    Ok(StripeKey { value: SecretString::from(raw.to_string()), kind, livemode })
}

enum Prefix {
    Key(KeyKind, &'static str),
    Publishable(&'static str),
    WebhookSecret,
    Unknown,
}

fn classify_prefix(raw: &str) -> Prefix {
    for mode in ["test", "live"] {
        if raw.starts_with(&format!("sk_{mode}_")) {
            return Prefix::Key(KeyKind::Secret, mode);
        }
        if raw.starts_with(&format!("rk_{mode}_")) {
            return Prefix::Key(KeyKind::Restricted, mode);
        }
        if raw.starts_with(&format!("pk_{mode}_")) {
            return Prefix::Publishable(mode);
        }
    }
    if raw.starts_with("whsec_") {
        return Prefix::WebhookSecret;
    }
    Prefix::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> String {
        "51".to_string() + &"Ab3".repeat(10)
    }

    fn code(slot: KeySlot, raw: &str) -> &'static str {
        parse_key(slot, raw).err().map(|p| p.code).unwrap_or("ok")
    }

    #[test]
    fn accepts_secret_and_restricted_keys_in_their_slots() {
        let live = parse_key(KeySlot::Live, &format!("sk_live_{}", body())).unwrap();
        assert!(live.livemode);
        assert_eq!(live.kind, KeyKind::Secret);
        let rk = parse_key(KeySlot::Test, &format!("rk_test_{}", body())).unwrap();
        assert!(!rk.livemode);
        assert_eq!(rk.kind, KeyKind::Restricted);
    }

    #[test]
    fn refuses_each_wrong_kind_with_its_own_reason() {
        let b = body();
        assert_eq!(code(KeySlot::Live, &format!("pk_live_{b}")), "publishable_key");
        assert_eq!(code(KeySlot::Live, &format!("whsec_{b}")), "webhook_secret");
        assert_eq!(code(KeySlot::Live, &format!("sk_test_{b}")), "test_key_in_live_slot");
        assert_eq!(code(KeySlot::Test, &format!("sk_live_{b}")), "live_key_in_test_slot");
        assert_eq!(code(KeySlot::Live, &format!(" sk_live_{b}\n")), "whitespace");
        assert_eq!(code(KeySlot::Live, &format!("\"sk_live_{b}\"")), "quotes");
        assert_eq!(code(KeySlot::Live, "sk_live_51Abc"), "truncated");
        assert_eq!(code(KeySlot::Live, &format!("sk_live_{}...wxyz", &b[..20])), "truncated");
        assert_eq!(code(KeySlot::Live, &format!("sk_live_{b}#")), "bad_character");
        assert_eq!(code(KeySlot::Live, "acct_1234"), "not_a_key");
        assert_eq!(code(KeySlot::Live, ""), "empty");
    }

    #[test]
    fn debug_and_hint_never_show_the_key() {
        let raw = format!("sk_live_{}", body());
        let key = parse_key(KeySlot::Live, &raw).unwrap();
        let shown = format!("{key:?} {}", key.hint());
        assert!(!shown.contains(&raw[8..raw.len() - 4]));
        assert!(shown.contains(&raw[raw.len() - 4..]));
    }

    #[test]
    fn refusals_never_repeat_the_pasted_value() {
        let b = body();
        for raw in [format!("pk_live_{b}"), format!("sk_test_{b}"), format!("'sk_live_{b}'"), format!("whsec_{b}")] {
            let p = parse_key(KeySlot::Live, &raw).unwrap_err();
            assert!(!p.message.contains(&b) && !p.fix.contains(&b), "{p:?}");
        }
    }
}
