//! Rotate's webhook half, the API path: endpoint B beside A, both secrets on the Worker, a
//! probe signed with B's alone polled until accepted, and A retired once no older event is
//! still being retried to it.

use super::{
    entry, keyring_delete, keyring_get, keyring_put, Change, Ctx, EndpointSwap, Waiting, WEBHOOK_NEXT, WEBHOOK_PREVIOUS,
};
use crate::findings::{Link, Status};
use crate::problem::{Problem, ProblemKind};
use crate::secrets::{PushTarget, SecretValue};
use crate::stripe_api::{self, with_retries, Page};
use crate::stripe_key::{hint_of, StripeKey};
use crate::webhook::{endpoints, SECRET_VAR};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long golive waits for the Worker to accept the new secret after a push: Cloudflare
/// publishes no propagation time.
pub const PROPAGATION_LIMIT: Duration = Duration::from_secs(60);
const PROBE_EVERY: Duration = Duration::from_secs(2);
/// Stripe retries a live event's failed deliveries for up to three days.
const RETRY_WINDOW: i64 = 3 * 24 * 60 * 60;
/// Stripe keeps an idempotent answer 24 hours; golive replays a key within 23.
const KEY_REPLAY_SECONDS: i64 = 23 * 60 * 60;

pub(super) fn target<'a>(ctx: &'a Ctx<'_>) -> PushTarget<'a> {
    PushTarget {
        wrangler: &ctx.input.connect.worker.wrangler,
        project_dir: ctx.input.project_dir,
        env: ctx.input.worker_env,
        script: &ctx.input.script,
        account: ctx.input.connect.worker.config.account_for(ctx.input.worker_env),
    }
}

/// Creates B (once: the create's key is saved first and replayed after a crash; one whose
/// answer was lost too long ago is deleted and made again) and keeps its secret as `…_NEXT`.
pub(super) async fn create(
    ctx: &Ctx<'_>,
    live_key: &StripeKey,
    rotation_id: &str,
    swap: &mut EndpointSwap,
    save: &(dyn Fn(&EndpointSwap) -> Result<(), Problem> + Send + Sync),
) -> Result<String, Problem> {
    let client = stripe_api::client(ctx.env, live_key);
    if let (Some(id), Some(_)) = (&swap.new_endpoint, keyring_get(entry(ctx, WEBHOOK_NEXT)).await?) {
        return Ok(format!("Endpoint {id} was already made; its secret is in the keyring"));
    }
    let all = endpoints::list_all(&client).await?;
    let old = all.iter().find(|e| e.id == swap.old_endpoint).cloned().ok_or_else(|| {
        Problem::not_ready(
            format!("The live endpoint {} this rotation replaces no longer exists.", swap.old_endpoint),
            "Run the Webhook step again (it makes a new endpoint and keeps its secret), push the secrets, then rotate if you still want to.",
        )
    })?;
    let now = crate::clock::unix_now();
    let key = match (&swap.pending_create, swap.pending_since) {
        (Some(key), Some(since)) if now - since < KEY_REPLAY_SECONDS => key.clone(),
        (Some(_), Some(since)) => {
            // Made by a create whose answer was lost, too long ago to replay: its secret is
            // nowhere, so no Worker can verify it.
            for lost in all.iter().filter(|e| {
                e.metadata.get("golive_rotation").map(String::as_str) == Some(rotation_id) && e.created >= since - 300
            }) {
                endpoints::delete(&client, &lost.id).await?;
            }
            swap.pending_since = Some(now);
            format!("golive-rotate-{}", crate::nonce::token(24))
        }
        _ => {
            swap.pending_since = Some(now);
            format!("golive-rotate-{}", crate::nonce::token(24))
        }
    };
    swap.pending_create = Some(key.clone());
    save(swap)?;
    let description = format!("{} — Stripe events for the Worker (rotated by golive)", ctx.input.script);
    let api_version = old.api_version.clone().unwrap_or_else(|| crate::webhook::PINNED_API_VERSION.to_string());
    let new = endpoints::NewEndpoint {
        url: &old.url,
        events: &old.enabled_events,
        api_version: &api_version,
        description: &description,
        project: &ctx.input.script,
        rotation: Some(rotation_id),
    };
    let (b, secret) = endpoints::create(&client, &new, &key).await?;
    keyring_put(entry(ctx, WEBHOOK_NEXT), secret).await?;
    swap.new_endpoint = Some(b.id.clone());
    swap.new_created = Some(b.created);
    swap.pending_create = None;
    swap.pending_since = None;
    save(swap)?;
    Ok(format!("Endpoint {} created for {} (API version {api_version}); its secret is in the keyring", b.id, b.url))
}

async fn held(ctx: &Ctx<'_>, variable: &str, fix: &str) -> Result<SecretString, Problem> {
    keyring_get(entry(ctx, variable)).await?.ok_or_else(|| {
        Problem::not_ready(format!("The keyring no longer holds {}.", entry(ctx, variable).user()), fix.to_string())
            .with_code("secret_missing")
    })
}

/// One push: B's secret as STRIPE_WEBHOOK_SECRET, A's as STRIPE_WEBHOOK_SECRET_PREVIOUS, and
/// everything else as the Worker has it.
pub(super) async fn push(ctx: &Ctx<'_>) -> Result<(), Problem> {
    let restart = "Start the rotation over: `golive rotate start --kind webhook-secret` after the open one is cleared; the old endpoint still works.";
    let new = held(ctx, WEBHOOK_NEXT, restart).await?;
    let old = held(ctx, SECRET_VAR, "Run the Webhook step again.").await?;
    let mut bundle = crate::secrets::gather(ctx.input.catalog, &ctx.input.script, None).await?;
    let current = bundle.values.iter_mut().find(|v| v.name == SECRET_VAR).expect("the bundle has the secret");
    if current.value.expose_secret() == new.expose_secret() {
        // A run that stopped after the retirement's keyring swap: nothing is previous.
        return Ok(());
    }
    current.value = new;
    bundle.values.push(SecretValue { name: WEBHOOK_PREVIOUS.into(), value: old, secret: true });
    bundle.check_unique()?;
    let record = crate::secrets::push(&bundle, &target(ctx), ctx.env, ctx.sink).await?;
    ctx.change(Change::Secrets(record))
}

/// Posts a probe signed with `secret` alone until the Worker accepts it, within
/// [`PROPAGATION_LIMIT`]; says what answered.
pub(super) async fn poll_accepted(ctx: &Ctx<'_>, secret: &SecretString, what: &str) -> Result<String, Problem> {
    poll_accepted_from(ctx, secret, what, None).await
}

/// One signed probe: whether the Worker accepted it, what it said, and the version that
/// answered.
async fn probe_once(ctx: &Ctx<'_>, secret: &SecretString) -> Result<(bool, String, Option<String>), Problem> {
    let url = ctx.input.webhook.url.clone();
    let price = ctx.input.catalog.price_ids.iter().flatten().next();
    let (tier, price_id) = price.map(|p| (p.tier.as_str(), p.price_id.as_str())).unwrap_or(("", ""));
    let api_version =
        ctx.input.webhook.api_version.clone().unwrap_or_else(|| crate::webhook::PINNED_API_VERSION.into());
    // The rehearsal's Worker runs on this machine with the secrets its Cloudflare holds now:
    // started afresh for each try, as a deployed one picks up a new version.
    let local = match ctx.world {
        Some(world) => Some(world.start_worker(ctx.env).await?),
        None => None,
    };
    let mut env = ctx.env.clone();
    if let Some(worker) = &local {
        env.webhook_probe_base = Some(worker.base_url());
    }
    let event = crate::verify::probe::ProbeEvent::new(tier, price_id, None, &api_version, crate::clock::unix_now());
    let facts = async {
        crate::verify::probe::SecretFacts {
            pushed_hint: None,
            held_hint: hint_of(secret.expose_secret()),
            on_worker: None,
        }
    };
    let (finding, version) = crate::verify::probe::signed_answered(&env, &url, secret, &event, facts).await;
    Ok((finding.status != Status::Fail, format!("{} — {}", finding.title, finding.detail), version))
}

/// The Worker version that accepts a probe signed with `secret` now, if it names one.
pub(super) async fn answering_version(ctx: &Ctx<'_>, secret: &SecretString) -> Option<String> {
    match probe_once(ctx, secret).await {
        Ok((true, _, version)) => version,
        _ => None,
    }
}

/// Posts a probe signed with `secret` alone until the Worker accepts it — from a version
/// other than `not_version`, when given — within [`PROPAGATION_LIMIT`]; says what answered.
pub(super) async fn poll_accepted_from(
    ctx: &Ctx<'_>,
    secret: &SecretString,
    what: &str,
    not_version: Option<&str>,
) -> Result<String, Problem> {
    let started = std::time::Instant::now();
    let mut last: String;
    loop {
        let (accepted, said, version) = probe_once(ctx, secret).await?;
        match new_version(accepted, not_version, version.as_deref()) {
            Ok(from) => {
                return Ok(format!(
                    "The Worker accepted an event signed with {} alone, on {what}{from}",
                    hint_of(secret.expose_secret())
                ))
            }
            Err(why) => last = why.unwrap_or(said),
        }
        if started.elapsed() + PROBE_EVERY > PROPAGATION_LIMIT {
            break;
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
    Err(Problem::new(
        ProblemKind::Refused,
        "not_proven",
        format!(
            "The Worker did not accept an event signed with {} alone within {} s ({what}). Last answer: {last}",
            hint_of(secret.expose_secret()),
            PROPAGATION_LIMIT.as_secs()
        ),
        "Cloudflare may still be rolling the new version out: run `golive rotate continue` in a few minutes. Nothing was retired; the old secret keeps working meanwhile.",
    ))
}

/// Whether an answer proves a new version serves: accepted, and (when the version before
/// the push is known) from another version. `Ok`: how the proof names the version;
/// `Err(Some)`: why not yet, when the answer itself was fine.
fn new_version(accepted: bool, not_version: Option<&str>, version: Option<&str>) -> Result<String, Option<String>> {
    match (accepted, not_version, version) {
        (false, _, _) => Err(None),
        (true, None, Some(v)) => Ok(format!(" (Worker version {v})")),
        (true, None, None) => Ok(String::new()),
        (true, Some(old), Some(v)) if v != old => Ok(format!(" (Worker version {v}, not {old} which answered before)")),
        (true, Some(old), _) => {
            Err(Some(format!("accepted, but still by Worker version {old}, the one that answered before the push")))
        }
    }
}

/// Proves the Worker holds B's secret.
pub(super) async fn prove(ctx: &Ctx<'_>) -> Result<String, Problem> {
    let new = match keyring_get(entry(ctx, WEBHOOK_NEXT)).await? {
        Some(new) => new,
        // A run that stopped after the retirement's keyring swap: the current one is B's.
        None => held(ctx, SECRET_VAR, "Run the Webhook step again.").await?,
    };
    poll_accepted(ctx, &new, "the version with both secrets").await
}

#[derive(Deserialize)]
struct EventId {
    id: String,
}

/// Events of the last three days created before B that still have a failed delivery: Stripe
/// may yet retry them to A, which must stay until they land.
pub(super) async fn failing_older_deliveries(
    ctx: &Ctx<'_>,
    live_key: &StripeKey,
    swap: &EndpointSwap,
) -> Result<Option<Waiting>, Problem> {
    #[derive(Serialize)]
    struct Query {
        delivery_success: bool,
        #[serde(rename = "created[gte]")]
        since: i64,
        #[serde(rename = "created[lte]")]
        before: i64,
        limit: u32,
    }
    let before = swap.new_created.unwrap_or_else(crate::clock::unix_now);
    let query = Query { delivery_success: false, since: crate::clock::unix_now() - RETRY_WINDOW, before, limit: 100 };
    let client = stripe_api::client(ctx.env, live_key);
    let page: Page<EventId> = with_retries(|| client.get_query("/events", &query)).await?;
    if page.data.is_empty() {
        return Ok(None);
    }
    Ok(Some(Waiting {
        message: format!(
            "{}{} event(s) from before the new endpoint still have a failed delivery (first: {}). Stripe retries them to the old endpoint {} for up to 3 days, and stops if it is disabled — so it stays for now.",
            page.data.len(),
            if page.has_more { "+" } else { "" },
            page.data[0].id,
            swap.old_endpoint
        ),
        fix: "Let the retries land (if the Worker refuses them, its logs say why: `npx wrangler tail`), then run `golive rotate continue` — safe to run from cron. Both secrets keep working meanwhile.".into(),
        link: Some(Link { label: "Failed events in the Dashboard".into(), url: "https://dashboard.stripe.com/events?delivery_success=false".into() }),
    }))
}

/// Retires A: the keyring's current secret becomes B's, the session's endpoint B, A is
/// disabled and deleted, STRIPE_WEBHOOK_SECRET_PREVIOUS leaves the Worker, `…_NEXT` goes.
/// Each part is safe to run again. Whether a Worker version was made (the delete).
pub(super) async fn retire(ctx: &Ctx<'_>, live_key: &StripeKey, swap: &EndpointSwap) -> Result<bool, Problem> {
    let b = swap.new_endpoint.clone().expect("retiring after B was made");
    let mut record = ctx.input.webhook.clone();
    record.endpoint_id = Some(b);
    ctx.change(Change::Webhook(record))?;
    let client = stripe_api::client(ctx.env, live_key);
    match endpoints::disable(&client, &swap.old_endpoint).await {
        Err(failure) if failure.status() == Some(404) => {}
        other => {
            other?;
        }
    }
    endpoints::delete(&client, &swap.old_endpoint).await?;
    finish_swap(ctx).await
}

/// The end of every webhook rotation: the keyring's current secret is the new one,
/// STRIPE_WEBHOOK_SECRET_PREVIOUS leaves the Worker (a new version, when it was there), the
/// session's record says so, and `…_NEXT` goes. Safe to run again. Whether a version was made.
pub(super) async fn finish_swap(ctx: &Ctx<'_>) -> Result<bool, Problem> {
    if let Some(new) = keyring_get(entry(ctx, WEBHOOK_NEXT)).await? {
        keyring_put(entry(ctx, SECRET_VAR), new).await?;
    }
    let target = target(ctx);
    let listed = crate::secrets::push::list_names(&target, ctx.env).await?;
    let deleted = listed.iter().any(|n| n == WEBHOOK_PREVIOUS);
    if deleted {
        crate::secrets::push::delete_name(&target, ctx.env, WEBHOOK_PREVIOUS).await?;
    }
    let current = held(ctx, SECRET_VAR, "Run the Webhook step again.").await?;
    let mut secrets = ctx.secrets_now();
    secrets.pushed.retain(|n| n != WEBHOOK_PREVIOUS);
    secrets.confirmed.retain(|n| n != WEBHOOK_PREVIOUS);
    secrets.in_keyring.retain(|n| n != WEBHOOK_PREVIOUS);
    secrets.pushed_hints.remove(WEBHOOK_PREVIOUS);
    secrets.pushed_hints.insert(SECRET_VAR.into(), hint_of(current.expose_secret()));
    ctx.change(Change::Secrets(secrets))?;
    keyring_delete(entry(ctx, WEBHOOK_NEXT)).await?;
    Ok(deleted)
}

const WEBHOOKS_URL: &str = "https://dashboard.stripe.com/webhooks";

/// The Dashboard path waits for the secret the user rolls.
pub(super) fn waiting_for_secret(rotation: &super::Rotation) -> Waiting {
    let endpoint = rotation.endpoint.as_ref().map(|e| e.old_endpoint.as_str()).unwrap_or("the live endpoint");
    Waiting {
        message: format!("Roll the signing secret of {endpoint} in the Stripe Dashboard, then give golive the new secret."),
        fix: format!("Dashboard → Developers → Webhooks → {endpoint} → ⋯ → Roll secret; keep the old secret working for as long as you told golive (24 hours unless you said otherwise). Reveal and copy the new secret (whsec_…), then `golive rotate continue` with it in GOLIVE_STRIPE_NEW_WEBHOOK_SECRET or on standard input (--secret-stdin)."),
        link: Some(Link { label: "Open Webhooks".into(), url: WEBHOOKS_URL.into() }),
    }
}

/// Checks the secret's shape and that it is not the one in use, and keeps it as `…_NEXT`;
/// its hint. (Stripe shows an endpoint's secret only in the Dashboard: the proof that it is
/// the endpoint's is the Worker accepting events Stripe signs with it.)
pub(super) async fn accept_new_secret(ctx: &Ctx<'_>, secret: SecretString) -> Result<String, Problem> {
    let value = secret.expose_secret();
    let shaped = value
        .strip_prefix("whsec_")
        .is_some_and(|rest| rest.len() >= 16 && rest.chars().all(|c| c.is_ascii_alphanumeric()));
    if !shaped {
        return Err(Problem::invalid(
            "That is not a webhook signing secret: it starts with whsec_ followed by letters and digits.",
            "Copy the new secret again from the endpoint's page in the Dashboard (Reveal, then copy).",
        )
        .with_code("new_secret_refused"));
    }
    if keyring_get(entry(ctx, SECRET_VAR)).await?.is_some_and(|current| current.expose_secret() == value) {
        return Err(Problem::invalid(
            format!("{} is the secret in use now, not a new one.", hint_of(value)),
            "Roll the secret in the Dashboard first (the endpoint's page → ⋯ → Roll secret), then give the new one it shows.",
        )
        .with_code("new_secret_refused"));
    }
    let hint = hint_of(value);
    keyring_put(entry(ctx, WEBHOOK_NEXT), secret).await?;
    Ok(hint)
}

/// The Dashboard path waits until Stripe stops signing with the old secret.
pub(super) fn waiting_for_expiry(until: i64) -> Waiting {
    Waiting {
        message: format!(
            "The Worker accepts the new secret; Stripe still signs every event with the old one too until {}.",
            crate::clock::describe(until)
        ),
        fix: format!("Run `golive rotate continue` after {}: it removes {WEBHOOK_PREVIOUS} from the Worker (safe to run from cron before then: it only checks the time).", crate::clock::describe(until)),
        link: None,
    }
}

#[cfg(test)]
mod tests {
    use super::new_version;

    #[test]
    fn a_new_key_is_proven_only_by_an_answer_from_another_version() {
        // Refused: not proven, whatever answered.
        assert_eq!(new_version(false, Some("v1"), Some("v2")), Err(None));
        // Accepted by the version that answered before the push: that one has the old key.
        assert!(new_version(true, Some("v1"), Some("v1")).unwrap_err().unwrap().contains("v1"));
        // …or by a Worker that stopped naming its version: nothing proves it is new.
        assert!(new_version(true, Some("v1"), None).is_err());
        // Another version answered: it holds the new key.
        assert!(new_version(true, Some("v1"), Some("v2")).unwrap().contains("v2, not v1"));
        // Nothing known of the version before: an accepted answer is all there is.
        assert_eq!(new_version(true, None, None), Ok(String::new()));
    }
}
