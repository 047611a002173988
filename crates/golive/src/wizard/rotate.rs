//! Rotate through the wizard: the session's records in, each change the rotation reports
//! saved at once under the project's lock. See [`crate::rotate`] for the phases.

use super::{Problem, Wizard};
use crate::progress::ProgressSink;
use crate::rotate::{self, Change, Ctx, Given, RotateInput, RotatePlan, RotateRecord, Rotation, Start};
use crate::session::Session;
use crate::steps::StepId;
use serde::Serialize;

/// Where rotations stand after a `continue`.
#[derive(Debug, Clone, Serialize)]
pub struct RotateOutcome {
    /// The rotation this call worked on (`None`: none was open).
    pub rotation: Option<Rotation>,
    /// Old keys still kept until Stripe refuses them.
    pub retiring: Vec<rotate::Retiring>,
}

fn input(session: &Session) -> Result<RotateInput<'_>, Problem> {
    let not_live = || {
        Problem::not_ready(
            "Rotate works on a project that went live: Connect, Catalog, Webhook, Secrets and Verify first.",
            "Finish the go-live (Verify passed), then rotate.",
        )
    };
    let (Some(connect), Some(project_dir), Some(script), Some(webhook), Some(secrets)) = (
        session.connect.as_ref(),
        session.project_dir.as_deref(),
        session.script_name(),
        session.webhook.as_ref().filter(|_| session.webhook_done()),
        session.secrets.as_ref().filter(|s| s.complete()),
    ) else {
        return Err(not_live());
    };
    Ok(RotateInput {
        connect,
        project_dir,
        script,
        worker_env: session.worker_env.as_deref(),
        catalog: &session.catalog,
        webhook,
        secrets,
        record: session.rotate.clone(),
    })
}

fn apply(session: &mut Session, change: Change) {
    match change {
        Change::Rotate(record) => session.rotate = *record,
        Change::Webhook(record) => session.webhook = Some(record),
        Change::Secrets(record) => session.secrets = Some(record),
        Change::LiveKeyHint(hint) => {
            if let Some(connect) = session.connect.as_mut() {
                connect.live_key_hint = hint;
            }
        }
    }
}

impl Wizard {
    /// What a rotation would do, in plain words, and whether a gradual deployment of the
    /// Worker stands in its way (read-only).
    pub async fn rotate_plan(&self, start: Start) -> Result<RotatePlan, Problem> {
        let mut plan = rotate::plan(start, &input(&self.session())?);
        let rollout =
            self.with_rotation_ctx(&crate::progress::Silent, |ctx| Box::pin(rotate::rollout_in_progress(ctx))).await?;
        plan.rollout = rollout.map(|p| rotate::Waiting { message: p.message, fix: p.fix, link: None });
        Ok(plan)
    }

    /// The session's rotations as they stand.
    pub fn rotate_status(&self) -> RotateRecord {
        self.session().rotate
    }

    /// Starts a rotation (refused while one is open, or before Verify passed) and runs it as
    /// far as it goes now. `given`: what the user rolled in the Dashboard, if anything yet.
    pub async fn rotate_start(&self, start: Start, given: Given, sink: &dyn ProgressSink) -> Result<Rotation, Problem> {
        let _lock = self.lock("rotating").await?;
        let session = self.session();
        let rotation = rotate::begin(start, &input(&session)?)?;
        if !session.done(StepId::Verify) {
            return Err(Problem::not_ready(
                "Verify has not passed for this project, so there is no proven setup to rotate from.",
                "Run Verify first (and fix what it finds); rotate once it passes.",
            ));
        }
        // A rotation that could not push would leave a new endpoint waiting for the rollout.
        if let Some(rollout) = self.with_rotation_ctx(sink, |ctx| Box::pin(rotate::rollout_in_progress(ctx))).await? {
            return Err(rollout);
        }
        self.run_rotation(rotation, given, sink).await
    }

    /// Goes on with the open rotation from where it stopped (safe to run from cron), and
    /// forgets old keys Stripe now refuses.
    pub async fn rotate_continue(&self, given: Given, sink: &dyn ProgressSink) -> Result<RotateOutcome, Problem> {
        let _lock = self.lock("rotating").await?;
        let open = self.session().rotate.open;
        let rotation = match open {
            Some(rotation) => Some(self.run_rotation(rotation, given, sink).await?),
            None if given.key.is_some() || given.webhook_secret.is_some() => {
                return Err(Problem::not_ready(
                    "No rotation is open, so there is nothing to give a new key or secret to.",
                    "Start one: `golive rotate start --kind api-key` (or Rotate in the app).",
                ))
            }
            None => None,
        };
        let retiring = self.with_rotation_ctx(sink, |ctx| Box::pin(rotate::forget_refused_keys(ctx))).await?;
        Ok(RotateOutcome { rotation, retiring })
    }

    async fn run_rotation(
        &self,
        rotation: Rotation,
        given: Given,
        sink: &dyn ProgressSink,
    ) -> Result<Rotation, Problem> {
        self.with_rotation_ctx(sink, move |ctx| Box::pin(rotate::advance(ctx, rotation, given))).await
    }

    /// Builds what a rotation acts with from the session as it stands, and runs `work`.
    async fn with_rotation_ctx<T>(
        &self,
        sink: &dyn ProgressSink,
        work: impl for<'c> FnOnce(&'c Ctx<'c>) -> futures::future::BoxFuture<'c, Result<T, Problem>>,
    ) -> Result<T, Problem> {
        let session = self.session();
        let live_key = self.live_key().await?;
        let save = |change: Change| {
            if matches!(change, Change::LiveKeyHint(_)) {
                // Connect's key of this run is the old one now: later steps take the keyring's.
                *self.keys.lock().expect("no panic while holding the keys") = None;
            }
            self.update(|s| apply(s, change))
        };
        let ctx = Ctx {
            env: &self.env,
            live_key,
            secrets_now: std::sync::Mutex::new(session.secrets.clone().unwrap_or_default()),
            input: input(&session)?,
            world: self.world.as_deref(),
            save: &save,
            sink,
        };
        work(&ctx).await
    }
}
