//! Rotate (step 7): rolls the live Stripe key and the webhook signing secret with no
//! downtime, as a persisted state machine — new value pending → pushed → proven → current,
//! the old one kept as previous until it is safe to retire (AWS Secrets Manager's
//! create/set/test/finish, "two active credentials with overlapping validity"). Each phase is
//! recorded before it acts and after, and every action is idempotent, so an interrupted
//! rotation resumes from the session with no duplicate endpoint and no secret lost; the old
//! value is never retired before the new one is proven in the Worker; a second rotation is
//! refused while one is open.
//!
//! - **Webhook secret** (API path): endpoint B is created for the same URL, events and
//!   pinned API version (its secret straight to the keyring under `…_NEXT`); one push gives
//!   the Worker B's secret as `STRIPE_WEBHOOK_SECRET` and A's as
//!   `STRIPE_WEBHOOK_SECRET_PREVIOUS`; a probe signed with B's secret alone must be accepted
//!   (polled: Cloudflare publishes no propagation time); A is retired once no event of the
//!   last three days created before B still has a failed delivery (Stripe retries for three
//!   days, never to a disabled endpoint): A disabled and deleted, the keyring's current
//!   entry set to B's secret, `STRIPE_WEBHOOK_SECRET_PREVIOUS` deleted from the Worker.
//! - **API key**: no API rolls one; the user rolls it in the Dashboard with a later expiry
//!   (never "Now"), golive checks the new key (live, same account, permissions), keeps it in
//!   the keyring under `…_NEXT`, pushes it, proves the Worker still answers on the version
//!   that holds it, then makes it current and keeps the old one as `…_PREVIOUS` until Stripe
//!   refuses it (the expiry the user chose), when `continue` forgets it.
//!
//! The wizard owns the session; this module reports each change through [`Change`].

mod api_key;
mod webhook_secret;

use crate::catalog::CatalogRecord;
use crate::connect::ConnectOutcome;
use crate::environment::Environment;
use crate::findings::Link;
use crate::keystore::{self, EntryName};
use crate::local_worker::LocalWorld;
use crate::problem::{Problem, ProblemKind};
use crate::progress::ProgressSink;
use crate::secrets::SecretsRecord;
use crate::steps::StepId;
use crate::stripe_key::StripeKey;
use crate::webhook::WebhookRecord;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// What to rotate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    ApiKey,
    WebhookSecret,
    /// The API key, then the webhook secret.
    All,
}

impl Kind {
    pub fn title(self) -> &'static str {
        match self {
            Kind::ApiKey => "the live API key",
            Kind::WebhookSecret => "the webhook signing secret",
            Kind::All => "the live API key and the webhook signing secret",
        }
    }
}

/// Where a rotation stands: the next thing it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Waiting for the key the user rolled in the Dashboard.
    AwaitNewKey,
    /// The new key is checked and in the keyring (`…_NEXT`): push it.
    PushKey,
    /// Pushed: prove the Worker answers on the version that holds it, then make it current.
    ProveKey,
    /// Create endpoint B (its Idempotency-Key is recorded first).
    CreateEndpoint,
    /// The Dashboard path: waiting for the secret the user rolled in the Dashboard.
    AwaitNewSecret,
    /// B exists and its secret is in the keyring (`…_NEXT`): push B's and A's secrets.
    PushSecrets,
    /// Pushed: a probe signed with B's secret alone must be accepted.
    ProveSecret,
    /// Proven: retire A once no older event still has a failed delivery.
    RetireEndpoint,
    /// The Dashboard path, proven: remove the previous secret once Stripe stops signing with
    /// it (the expiry the user chose).
    RetirePrevious,
    /// Everything is current; nothing left to do but forget old keys Stripe refuses.
    Done,
}

/// One moment of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub phase: Phase,
    /// Unix time.
    pub at: i64,
    pub note: String,
}

/// The webhook half of a rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSwap {
    /// The endpoint in use when the rotation started (A), and its replacement (B).
    pub old_endpoint: String,
    pub new_endpoint: Option<String>,
    /// When B was created (Unix time): events before it may still be retried to A.
    pub new_created: Option<i64>,
    /// The Idempotency-Key of B's create, and when it was first sent.
    pub pending_create: Option<String>,
    pub pending_since: Option<i64>,
}

/// The key half of a rotation (hints only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySwap {
    pub old_hint: String,
    pub new_hint: Option<String>,
    /// The Worker version that answered before the new key was pushed (recorded before the
    /// push): the proof is an answer from another version, which holds the new key.
    #[serde(default)]
    pub version_before: Option<String>,
}

/// A rotation, as the session keeps it: no value, only hints and keyring entry names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    pub id: String,
    pub kind: Kind,
    pub phase: Phase,
    pub started: i64,
    pub timeline: Vec<Mark>,
    pub key: Option<KeySwap>,
    pub endpoint: Option<EndpointSwap>,
    /// What the user has to do now, if anything (the Dashboard roll, waiting for retries).
    pub waiting: Option<Waiting>,
    /// Worker versions this rotation created (one per push or delete).
    #[serde(default)]
    pub worker_versions: u32,
    /// The webhook secret was rolled in the Dashboard (no second endpoint).
    #[serde(default)]
    pub dashboard: bool,
    /// The Dashboard path: until when Stripe still signs with the old secret (Unix time).
    #[serde(default)]
    pub previous_until: Option<i64>,
}

/// Why a rotation cannot go on by itself now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub message: String,
    pub fix: String,
    pub link: Option<Link>,
}

impl Rotation {
    pub fn open(&self) -> bool {
        self.phase != Phase::Done
    }

    fn mark(&mut self, phase: Phase, note: impl Into<String>) {
        self.phase = phase;
        self.waiting = None;
        self.timeline.push(Mark { phase, at: crate::clock::unix_now(), note: note.into() });
    }
}

/// An old value kept until it may go: its keyring entry and what it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retiring {
    /// `<worker>/live/STRIPE_SECRET_KEY_PREVIOUS`.
    pub entry: String,
    pub hint: String,
    /// When it became previous (Unix time).
    pub since: i64,
}

/// What the session keeps of rotations: the open one, old keys waiting to be refused by
/// Stripe, and the finished ones (for the report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotateRecord {
    pub open: Option<Rotation>,
    #[serde(default)]
    pub retiring: Vec<Retiring>,
    #[serde(default)]
    pub history: Vec<Rotation>,
}

/// A change for the wizard to save in the session, the moment it happens.
#[derive(Debug, Clone)]
pub enum Change {
    Rotate(Box<RotateRecord>),
    /// Endpoint B became the one golive uses.
    Webhook(WebhookRecord),
    /// What the last push (or delete) left on the Worker.
    Secrets(SecretsRecord),
    /// The live key's hint after it became current.
    LiveKeyHint(String),
}

/// What Rotate reads of the session.
pub struct RotateInput<'a> {
    pub connect: &'a ConnectOutcome,
    pub project_dir: &'a std::path::Path,
    pub script: String,
    pub worker_env: Option<&'a str>,
    pub catalog: &'a CatalogRecord,
    pub webhook: &'a WebhookRecord,
    pub secrets: &'a SecretsRecord,
    pub record: RotateRecord,
}

/// Everything a rotation acts with.
pub struct Ctx<'a> {
    pub env: &'a Environment,
    /// The live key golive talks to Stripe with (the current one).
    pub live_key: StripeKey,
    pub input: RotateInput<'a>,
    /// The rehearsal's local Worker, started for each probe after a push.
    pub world: Option<&'a dyn LocalWorld>,
    pub save: &'a (dyn Fn(Change) -> Result<(), Problem> + Send + Sync),
    pub sink: &'a dyn ProgressSink,
    /// What the Worker was last given, as this run changes it.
    pub secrets_now: std::sync::Mutex<SecretsRecord>,
}

impl Ctx<'_> {
    /// Saves a change, keeping what the Worker holds up to date for the phases after it.
    fn change(&self, change: Change) -> Result<(), Problem> {
        if let Change::Secrets(record) = &change {
            *self.secrets_now.lock().expect("no panic while holding it") = record.clone();
        }
        (self.save)(change)
    }

    fn secrets_now(&self) -> SecretsRecord {
        self.secrets_now.lock().expect("no panic while holding it").clone()
    }
}

pub const KEY_NEXT: &str = "STRIPE_SECRET_KEY_NEXT";
pub const KEY_PREVIOUS: &str = "STRIPE_SECRET_KEY_PREVIOUS";
pub const WEBHOOK_NEXT: &str = "STRIPE_WEBHOOK_SECRET_NEXT";
/// The Worker's variable for the old webhook secret during the overlap.
pub const WEBHOOK_PREVIOUS: &str = "STRIPE_WEBHOOK_SECRET_PREVIOUS";

const API_KEYS_URL: &str = "https://dashboard.stripe.com/apikeys";
const WEBHOOKS_URL: &str = "https://dashboard.stripe.com/webhooks";

/// Values the user gives a rotation (never on argv; never saved but in the keyring).
#[derive(Default)]
pub struct Given {
    /// The live key rolled in the Dashboard.
    pub key: Option<StripeKey>,
    /// The webhook secret rolled in the Dashboard (the Dashboard path).
    pub webhook_secret: Option<SecretString>,
}

/// How a rotation starts.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    pub kind: Kind,
    /// The webhook secret is rolled in the Dashboard instead of through a second endpoint.
    pub dashboard: bool,
    /// The Dashboard path: how long the user told Stripe to keep the old secret (at most 24 h).
    pub previous_for: std::time::Duration,
}

impl Start {
    pub fn new(kind: Kind) -> Self {
        Self { kind, dashboard: false, previous_for: std::time::Duration::from_secs(24 * 60 * 60) }
    }
}

/// What a rotation of `kind` will do, in plain words (read-only).
#[derive(Debug, Clone, Serialize)]
pub struct RotatePlan {
    pub kind: Kind,
    pub steps: Vec<String>,
    /// Where the user acts, when they must (the Dashboard's API keys page).
    pub dashboard: Option<Link>,
    /// The rotation already open, if one is (a new one cannot start).
    pub open: Option<Rotation>,
    /// A gradual deployment of the Worker is in progress: Cloudflare refuses secret changes
    /// until it ends, so a rotation cannot start; what the user does about it.
    pub rollout: Option<Waiting>,
}

pub fn plan(start: Start, input: &RotateInput<'_>) -> RotatePlan {
    let kind = start.kind;
    let mut steps = Vec::new();
    if matches!(kind, Kind::ApiKey | Kind::All) {
        steps.extend([
            format!("You roll the live secret key in the Stripe Dashboard (Developers → API keys → ⋯ → Roll key) and choose when the old key expires — pick a later time (an hour or more), never “Now”: “Now” stops the Worker's Stripe calls until the new key is in. The old key is {}.", input.connect.live_key_hint),
            "golive checks the new key (live mode, this project's account, its permissions) and keeps it in the keyring.".into(),
            format!("golive pushes it to the Worker {} as STRIPE_SECRET_KEY (one new version) and proves the Worker answers on that version.", input.script),
            "It becomes the current key; the old one stays in the keyring as previous until Stripe refuses it (the expiry you chose), then golive forgets it.".into(),
        ]);
    }
    if matches!(kind, Kind::WebhookSecret | Kind::All) && start.dashboard {
        let a = input.webhook.endpoint_id.clone().unwrap_or_default();
        steps.extend([
            format!("You roll the signing secret of {a} in the Stripe Dashboard (Developers → Webhooks → the endpoint → Roll secret) and choose how long the old one keeps working (up to 24 hours; Stripe signs every event with both meanwhile)."),
            format!("golive keeps the new secret in the keyring and pushes it as STRIPE_WEBHOOK_SECRET with the old one as {WEBHOOK_PREVIOUS} (one new version)."),
            "golive proves the Worker accepts events signed with the new secret alone.".into(),
            format!("Once the old secret's time is up, `golive rotate continue` removes {WEBHOOK_PREVIOUS} from the Worker."),
        ]);
    } else if matches!(kind, Kind::WebhookSecret | Kind::All) {
        let a = input.webhook.endpoint_id.clone().unwrap_or_default();
        steps.extend([
            format!("golive creates a second live endpoint for {} with the same events and API version as {a}; its new signing secret goes straight to the keyring.", input.webhook.url),
            format!("One push gives the Worker the new secret as STRIPE_WEBHOOK_SECRET and the old one as {WEBHOOK_PREVIOUS}: during the overlap both endpoints deliver every event (same event id, handled once)."),
            "golive proves the Worker accepts events signed with the new secret alone (waiting for Cloudflare to roll the new version out).".into(),
            format!("Once no event from before the new endpoint still has a failed delivery (Stripe retries for up to 3 days), golive disables and deletes {a} and removes {WEBHOOK_PREVIOUS} from the Worker (a second new version)."),
        ]);
    }
    RotatePlan {
        kind,
        steps,
        dashboard: if matches!(kind, Kind::ApiKey | Kind::All) {
            Some(Link { label: "Open API keys in the Dashboard".into(), url: API_KEYS_URL.into() })
        } else if start.dashboard {
            Some(Link { label: "Open Webhooks in the Dashboard".into(), url: WEBHOOKS_URL.into() })
        } else {
            None
        },
        open: input.record.open.clone(),
        rollout: None,
    }
}

/// A gradual deployment in progress (`wrangler deployments status`): while one is, Cloudflare
/// refuses every secret change (10214), so a rotation would stop at its first push. The
/// problem to stop with, naming the versions and their shares.
pub async fn rollout_in_progress(ctx: &Ctx<'_>) -> Result<Option<Problem>, Problem> {
    let target = webhook_secret::target(ctx);
    let versions = crate::secrets::push::serving_versions(&target, ctx.env).await?;
    if !crate::secrets::push::gradual(&versions) {
        return Ok(None);
    }
    let shares: Vec<String> = versions.iter().map(|v| format!("{} at {}%", v.version_id, v.percentage)).collect();
    let mut problem =
        Problem::from(crate::secrets::SecretsError::Wrangler(crate::wrangler::WranglerError::GradualDeployment {
            script: ctx.input.script.clone(),
        }));
    problem.message =
        format!("{} Serving now: {}.", problem.message.replace(" Nothing was pushed.", ""), shares.join(", "));
    Ok(Some(problem))
}

/// A new rotation of `kind`, recorded before anything acts.
pub fn begin(start: Start, input: &RotateInput<'_>) -> Result<Rotation, Problem> {
    let kind = start.kind;
    if let Some(open) = &input.record.open {
        return Err(Problem::new(
            ProblemKind::NotReady,
            "rotation_open",
            format!(
                "A rotation of {} started {} is still open (next: {}); a second one would change values the first has not finished with.",
                open.kind.title(),
                crate::clock::describe(open.started),
                phase_words(open.phase)
            ),
            "Continue it: `golive rotate continue` (or Continue in the app's Rotate view). It picks up where it stopped.",
        ));
    }
    let endpoint = match kind {
        Kind::ApiKey => None,
        _ => Some(EndpointSwap {
            old_endpoint: input.webhook.endpoint_id.clone().ok_or_else(|| {
                Problem::not_ready("This project has no live webhook endpoint yet.", "Run the Webhook step first.")
            })?,
            ..EndpointSwap::default()
        }),
    };
    let first = match kind {
        Kind::WebhookSecret if start.dashboard => Phase::AwaitNewSecret,
        Kind::WebhookSecret => Phase::CreateEndpoint,
        _ => Phase::AwaitNewKey,
    };
    let mut rotation = Rotation {
        id: format!("rot_{}", crate::nonce::token(12)),
        kind,
        phase: first,
        started: crate::clock::unix_now(),
        timeline: Vec::new(),
        key: (kind != Kind::WebhookSecret)
            .then(|| KeySwap { old_hint: input.connect.live_key_hint.clone(), ..KeySwap::default() }),
        endpoint,
        waiting: None,
        worker_versions: 0,
        dashboard: start.dashboard,
        previous_until: None,
    };
    if start.dashboard && start.previous_for > std::time::Duration::from_secs(24 * 60 * 60) {
        return Err(Problem::invalid(
            "Stripe keeps an old webhook secret for 24 hours at the most.",
            "Give how long you chose in the Dashboard when you rolled the secret: 24h or less.",
        ));
    }
    rotation.previous_until = start.dashboard.then(|| crate::clock::unix_now() + start.previous_for.as_secs() as i64);
    rotation.mark(first, format!("Rotation of {} started", kind.title()));
    Ok(rotation)
}

/// What each phase does next, in words.
pub fn phase_words(phase: Phase) -> &'static str {
    match phase {
        Phase::AwaitNewKey => "waiting for the key you roll in the Dashboard",
        Phase::PushKey => "push the new key to the Worker",
        Phase::ProveKey => "prove the Worker answers on the version with the new key",
        Phase::CreateEndpoint => "create the new webhook endpoint",
        Phase::PushSecrets => "push the new and the old webhook secret to the Worker",
        Phase::ProveSecret => "prove the Worker accepts events signed with the new secret",
        Phase::RetireEndpoint => "retire the old endpoint once no older delivery is failing",
        Phase::AwaitNewSecret => "waiting for the webhook secret you roll in the Dashboard",
        Phase::RetirePrevious => "remove the previous secret once Stripe stops signing with it",
        Phase::Done => "done",
    }
}

/// Runs `rotation` as far as it can go now: until it is done, or waits for the user (the
/// new key, failed deliveries still being retried), or stops on a problem. Each phase is
/// saved (through `ctx.save`) when it starts and when it ends.
pub async fn advance(ctx: &Ctx<'_>, mut rotation: Rotation, given: Given) -> Result<Rotation, Problem> {
    let mut record = ctx.input.record.clone();
    let save = |rotation: &Rotation, record: &mut RotateRecord| -> Result<(), Problem> {
        record.open = Some(rotation.clone());
        (ctx.save)(Change::Rotate(Box::new(record.clone())))
    };
    save(&rotation, &mut record)?;
    let (mut new_key, mut new_secret) = (given.key, given.webhook_secret);
    let mut live_key = ctx.live_key.clone();
    loop {
        progress(ctx, &rotation);
        let next = match rotation.phase {
            Phase::AwaitNewKey => match new_key.take() {
                None => {
                    rotation.waiting = Some(api_key::waiting_for_key());
                    save(&rotation, &mut record)?;
                    return Ok(rotation);
                }
                Some(key) => {
                    let hint = api_key::accept_new_key(ctx, &key).await?;
                    if let Some(swap) = rotation.key.as_mut() {
                        swap.new_hint = Some(hint.clone());
                    }
                    rotation.mark(Phase::PushKey, format!("New key {hint} checked and kept in the keyring"));
                    save(&rotation, &mut record)?;
                    continue;
                }
            },
            Phase::PushKey => {
                let swap = rotation.key.as_mut().expect("a key rotation has its key swap");
                if swap.version_before.is_none() {
                    swap.version_before = Some(api_key::version_now(ctx).await);
                    save(&rotation, &mut record)?;
                }
                api_key::push(ctx).await?;
                rotation.worker_versions += 1;
                (Phase::ProveKey, "New key pushed to the Worker (one new version)".to_string())
            }
            Phase::ProveKey => {
                let before = rotation.key.as_ref().and_then(|k| k.version_before.clone());
                let (note, retiring) = api_key::prove_and_make_current(ctx, before.as_deref()).await?;
                record.retiring.retain(|r| r.entry != retiring.entry);
                record.retiring.push(retiring);
                live_key = api_key::current_key(ctx).await?;
                let next = match (rotation.kind, rotation.dashboard) {
                    (Kind::All, true) => Phase::AwaitNewSecret,
                    (Kind::All, false) => Phase::CreateEndpoint,
                    _ => Phase::Done,
                };
                (next, note)
            }
            Phase::CreateEndpoint => {
                let mut swap = rotation.endpoint.clone().expect("a webhook rotation has its endpoint swap");
                let before = rotation.clone();
                let kept = record.clone();
                let note = webhook_secret::create(ctx, &live_key, &before.id, &mut swap, &|swap: &EndpointSwap| {
                    let mut record = kept.clone();
                    record.open = Some(rotation_with(&before, swap));
                    (ctx.save)(Change::Rotate(Box::new(record)))
                })
                .await?;
                rotation.endpoint = Some(swap);
                (Phase::PushSecrets, note)
            }
            Phase::PushSecrets => {
                webhook_secret::push(ctx).await?;
                rotation.worker_versions += 1;
                (Phase::ProveSecret, "New and old webhook secrets pushed (one new version)".to_string())
            }
            Phase::AwaitNewSecret => match new_secret.take() {
                None => {
                    rotation.waiting = Some(webhook_secret::waiting_for_secret(&rotation));
                    save(&rotation, &mut record)?;
                    return Ok(rotation);
                }
                Some(secret) => {
                    let hint = webhook_secret::accept_new_secret(ctx, secret).await?;
                    (Phase::PushSecrets, format!("New webhook secret {hint} kept in the keyring"))
                }
            },
            Phase::ProveSecret => {
                let next = if rotation.dashboard { Phase::RetirePrevious } else { Phase::RetireEndpoint };
                (next, webhook_secret::prove(ctx).await?)
            }
            Phase::RetirePrevious => {
                let until = rotation.previous_until.unwrap_or(0);
                if crate::clock::unix_now() < until {
                    rotation.waiting = Some(webhook_secret::waiting_for_expiry(until));
                    save(&rotation, &mut record)?;
                    return Ok(rotation);
                }
                let deleted = webhook_secret::finish_swap(ctx).await?;
                rotation.worker_versions += u32::from(deleted);
                (Phase::Done, "The old secret expired; the Worker holds only the new one".to_string())
            }
            Phase::RetireEndpoint => {
                let swap = rotation.endpoint.clone().expect("a webhook rotation has its endpoint swap");
                match webhook_secret::failing_older_deliveries(ctx, &live_key, &swap).await? {
                    Some(waiting) => {
                        rotation.waiting = Some(waiting);
                        save(&rotation, &mut record)?;
                        return Ok(rotation);
                    }
                    None => {
                        let deleted_previous = webhook_secret::retire(ctx, &live_key, &swap).await?;
                        rotation.worker_versions += u32::from(deleted_previous);
                        (Phase::Done, "Old endpoint retired; the Worker holds only the new secret".to_string())
                    }
                }
            }
            Phase::Done => {
                record.open = None;
                record.history.push(rotation.clone());
                (ctx.save)(Change::Rotate(Box::new(record)))?;
                return Ok(rotation);
            }
        };
        rotation.mark(next.0, next.1);
        save(&rotation, &mut record)?;
    }
}

fn rotation_with(rotation: &Rotation, swap: &EndpointSwap) -> Rotation {
    Rotation { endpoint: Some(swap.clone()), ..rotation.clone() }
}

/// Old keys kept as previous: each one Stripe now refuses is forgotten (keyring entry
/// deleted). Returns what is still kept.
pub async fn forget_refused_keys(ctx: &Ctx<'_>) -> Result<Vec<Retiring>, Problem> {
    let mut record = ctx.input.record.clone();
    let mut kept = Vec::new();
    for retiring in record.retiring.clone() {
        if api_key::old_key_refused(ctx, &retiring).await? {
            continue;
        }
        kept.push(retiring);
    }
    if kept != record.retiring {
        record.retiring = kept.clone();
        (ctx.save)(Change::Rotate(Box::new(record)))?;
    }
    Ok(kept)
}

fn progress(ctx: &Ctx<'_>, rotation: &Rotation) {
    const ORDER: [Phase; 10] = [
        Phase::AwaitNewKey,
        Phase::PushKey,
        Phase::ProveKey,
        Phase::CreateEndpoint,
        Phase::AwaitNewSecret,
        Phase::PushSecrets,
        Phase::ProveSecret,
        Phase::RetireEndpoint,
        Phase::RetirePrevious,
        Phase::Done,
    ];
    let phases: Vec<Phase> = ORDER
        .into_iter()
        .filter(|p| match rotation.kind {
            Kind::ApiKey => matches!(p, Phase::AwaitNewKey | Phase::PushKey | Phase::ProveKey | Phase::Done),
            _ if matches!(p, Phase::CreateEndpoint | Phase::RetireEndpoint) => !rotation.dashboard,
            _ if matches!(p, Phase::AwaitNewSecret | Phase::RetirePrevious) => rotation.dashboard,
            Kind::WebhookSecret => !matches!(p, Phase::AwaitNewKey | Phase::PushKey | Phase::ProveKey),
            Kind::All => true,
        })
        .collect();
    let done = phases.iter().position(|p| *p == rotation.phase).unwrap_or(0);
    ctx.sink.progress(StepId::Rotate, "rotate", done, phases.len() - 1, phase_words(rotation.phase));
}

/// The keyring entry `<worker>/live/<variable>`.
fn entry(ctx: &Ctx<'_>, variable: &str) -> EntryName {
    EntryName::new(&ctx.input.script, true, variable)
}

async fn keyring_get(entry: EntryName) -> Result<Option<SecretString>, Problem> {
    Ok(keystore::blocking(move || keystore::get(&entry)).await?)
}

async fn keyring_put(entry: EntryName, value: SecretString) -> Result<(), Problem> {
    Ok(keystore::blocking(move || keystore::put(&entry, &value)).await?)
}

async fn keyring_delete(entry: EntryName) -> Result<(), Problem> {
    Ok(keystore::blocking(move || keystore::delete(&entry)).await?)
}
