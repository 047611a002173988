//! Rotate's API-key half: the key the user rolled in the Dashboard is checked (live mode,
//! this project's account, the permissions the steps need) and kept as `…_NEXT`, pushed as
//! `STRIPE_SECRET_KEY`, proven (the Worker answers on the version that holds it), then made
//! current with the old one kept as `…_PREVIOUS` until Stripe refuses it.

use super::{
    entry, keyring_delete, keyring_get, keyring_put, webhook_secret, Change, Ctx, Retiring, Waiting, API_KEYS_URL,
    KEY_NEXT, KEY_PREVIOUS,
};
use crate::findings::{Link, Status};
use crate::keystore::STRIPE_SECRET_KEY;
use crate::problem::{Problem, ProblemKind};
use crate::stripe_api::{self, ApiFailure};
use crate::stripe_key::{hint_of, parse_key, KeySlot, StripeKey};
use secrecy::ExposeSecret;

pub(super) fn waiting_for_key() -> Waiting {
    Waiting {
        message: "Roll the live secret key in the Stripe Dashboard, then give golive the new key.".into(),
        fix: "Dashboard → Developers → API keys → ⋯ next to the secret key → Roll key. Choose an expiry for the old key an hour or more away — never “Now”, which stops the Worker's Stripe calls until the new key is in. Copy the new key, then `golive rotate continue` with it in GOLIVE_STRIPE_NEW_LIVE_KEY or on standard input (--key-stdin), or paste it in the app's Rotate view.".into(),
        link: Some(Link { label: "Open API keys".into(), url: API_KEYS_URL.into() }),
    }
}

fn refused_key(message: String, fix: String, link: Option<Link>) -> Problem {
    let mut problem = Problem::invalid(message, fix).with_code("new_key_refused");
    problem.link = link.map(Box::new);
    problem
}

/// Checks the new key and keeps it in the keyring as `…_NEXT`; its hint.
pub(super) async fn accept_new_key(ctx: &Ctx<'_>, key: &StripeKey) -> Result<String, Problem> {
    if key.expose() == ctx.live_key.expose() {
        return Err(refused_key(
            format!("{} is the key in use now, not a new one.", key.hint()),
            "Roll the key in the Dashboard first (API keys → ⋯ → Roll key), then give the new key it shows.".into(),
            Some(Link { label: "Open API keys".into(), url: API_KEYS_URL.into() }),
        ));
    }
    let (findings, account) = crate::connect::stripe_checks::check_live_key(key, ctx.env).await;
    if let Some(failed) = findings.iter().find(|f| f.status == Status::Fail) {
        let unreachable = failed.title.contains("reach") || failed.title.contains("did not answer");
        let problem = refused_key(
            format!("The new key: {} — {}", failed.title, failed.detail),
            failed.fix.clone().unwrap_or_default(),
            failed.link.clone(),
        );
        return Err(if unreachable { Problem { kind: ProblemKind::Refused, ..problem } } else { problem });
    }
    let expected = &ctx.input.connect.account;
    match account {
        None => {
            return Err(refused_key(
                format!("The new key {} is a restricted key that may not read the account, so golive cannot prove it is of {}.", key.hint(), expected.id),
                "Give the restricted key the “Account: Read” permission (Dashboard → Developers → API keys → edit), or roll and give the secret key (sk_live_…).".into(),
                Some(Link { label: "Open API keys".into(), url: API_KEYS_URL.into() }),
            ))
        }
        Some(id) if id != expected.id => {
            return Err(refused_key(
                format!("The new key {} is of Stripe account {id}, not {} ({}), the account this project is live on.", key.hint(), expected.name, expected.id),
                "Roll the key of the right account: check the account name at the top left of the Dashboard before copying.".into(),
                None,
            )
            .with_code("other_account"))
        }
        Some(_) => {}
    }
    keyring_put(entry(ctx, KEY_NEXT), key.secret()).await?;
    Ok(key.hint())
}

async fn next_key(ctx: &Ctx<'_>) -> Result<secrecy::SecretString, Problem> {
    keyring_get(entry(ctx, KEY_NEXT)).await?.ok_or_else(|| {
        Problem::not_ready(
            format!("The keyring no longer holds the new key ({}).", entry(ctx, KEY_NEXT).user()),
            "Give the new key again: `golive rotate continue` with it in GOLIVE_STRIPE_NEW_LIVE_KEY or --key-stdin.",
        )
        .with_code("new_key_missing")
    })
}

/// Pushes every secret as the Worker has it, with the new key as STRIPE_SECRET_KEY.
pub(super) async fn push(ctx: &Ctx<'_>) -> Result<(), Problem> {
    let new = next_key(ctx).await?;
    let mut bundle = crate::secrets::gather(ctx.input.catalog, &ctx.input.script, None).await?;
    let value = bundle.values.iter_mut().find(|v| v.name == STRIPE_SECRET_KEY).expect("the bundle has the key");
    value.value = new;
    let record = crate::secrets::push(&bundle, &webhook_secret::target(ctx), ctx.env, ctx.sink).await?;
    ctx.change(Change::Secrets(record))
}

async fn webhook_secret_now(ctx: &Ctx<'_>) -> Result<secrecy::SecretString, Problem> {
    keyring_get(entry(ctx, crate::webhook::SECRET_VAR)).await?.ok_or_else(|| {
        Problem::not_ready("The keyring has no webhook secret for this Worker.", "Run the Webhook step again.")
    })
}

/// The version of the Worker that answers a signed probe now (`unknown` when the Worker
/// does not name it or did not answer): recorded before the new key is pushed.
pub(super) async fn version_now(ctx: &Ctx<'_>) -> String {
    let Ok(secret) = webhook_secret_now(ctx).await else { return UNKNOWN.into() };
    webhook_secret::answering_version(ctx, &secret).await.unwrap_or_else(|| UNKNOWN.into())
}

const UNKNOWN: &str = "unknown";

/// Proves the Worker answers on a version other than `before` (the one that answered before
/// the push: a new version holds the new key), then makes the new key current: the old one
/// becomes `…_PREVIOUS` (safe to run again after a crash at any point). A Worker that does not
/// name its version is proven only to answer, and the note says how to let it name it.
pub(super) async fn prove_and_make_current(ctx: &Ctx<'_>, before: Option<&str>) -> Result<(String, Retiring), Problem> {
    let current = webhook_secret_now(ctx).await?;
    let before = before.filter(|v| *v != UNKNOWN);
    let mut proof =
        webhook_secret::poll_accepted_from(ctx, &current, "a Worker version with the new key", before).await?;
    if before.is_none() {
        proof.push_str(" (the Worker does not name its version, so golive cannot tell the new version from the old: add `[version_metadata] binding = \"CF_VERSION_METADATA\"` to wrangler.toml and answer with its id in a `Golive-Worker-Version` header, as the reference Worker does)");
    }
    let new = next_key(ctx).await;
    let held = keyring_get(entry(ctx, STRIPE_SECRET_KEY)).await?;
    let new = match (new, &held) {
        (Ok(new), _) => new,
        // A run that stopped after the swap: the new key is already current.
        (Err(_), Some(current)) => current.clone(),
        (Err(e), None) => return Err(e),
    };
    let old_hint = match &held {
        Some(old) if old.expose_secret() != new.expose_secret() => {
            keyring_put(entry(ctx, KEY_PREVIOUS), old.clone()).await?;
            hint_of(old.expose_secret())
        }
        _ => ctx.input.connect.live_key_hint.clone(),
    };
    keyring_put(entry(ctx, STRIPE_SECRET_KEY), new.clone()).await?;
    keyring_delete(entry(ctx, KEY_NEXT)).await?;
    let new_hint = hint_of(new.expose_secret());
    ctx.change(Change::LiveKeyHint(new_hint.clone()))?;
    Ok((
        format!(
            "{new_hint} is current ({}); {old_hint} kept as previous until Stripe refuses it",
            proof.trim_end_matches('.')
        ),
        Retiring { entry: entry(ctx, KEY_PREVIOUS).user(), hint: old_hint, since: crate::clock::unix_now() },
    ))
}

/// The live key golive talks to Stripe with now (the keyring's).
pub(super) async fn current_key(ctx: &Ctx<'_>) -> Result<StripeKey, Problem> {
    let held = keyring_get(entry(ctx, STRIPE_SECRET_KEY)).await?.ok_or_else(|| {
        Problem::not_ready("The keyring has no live key for this Worker.", "Go back to Connect and check the keys.")
    })?;
    parse_key(KeySlot::Live, held.expose_secret()).map_err(|p| Problem::invalid(p.message, p.fix))
}

/// Whether Stripe refuses the old key now (its expiry passed, or the user expired it); a
/// refused one is deleted from the keyring.
pub(super) async fn old_key_refused(ctx: &Ctx<'_>, _retiring: &Retiring) -> Result<bool, Problem> {
    let Some(old) = keyring_get(entry(ctx, KEY_PREVIOUS)).await? else { return Ok(true) };
    let Ok(key) = parse_key(KeySlot::Live, old.expose_secret()) else {
        keyring_delete(entry(ctx, KEY_PREVIOUS)).await?;
        return Ok(true);
    };
    match stripe_api::retrieve_account(&stripe_api::client(ctx.env, &key)).await {
        Err(ApiFailure::Unauthorized(_)) => {
            keyring_delete(entry(ctx, KEY_PREVIOUS)).await?;
            Ok(true)
        }
        Ok(_) => Ok(false),
        Err(other) => Err(other.into()),
    }
}
