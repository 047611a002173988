//! The smoke purchase through the wizard: what it would buy (plan), start or resume a run,
//! watch the checkout, the portal link, the user's answer about the portal (then cancel and
//! clean up), stop a run, delete its customer, and — in the rehearsal — complete the checkout
//! as a customer would. The run is saved in the session after every write. See
//! [`crate::smoke`].

use super::{Problem, Wizard};
use crate::environment::Environment;
use crate::keystore::{self, EntryName};
use crate::local_worker::LocalWorker;
use crate::progress::ProgressSink;
use crate::smoke::run::{self, Ctx, Watched};
use crate::smoke::{self, Phase, PortalAnswer, SmokeRecord, SmokeRun};
use crate::steps::StepId;
use secrecy::SecretString;
use serde::Serialize;
use std::time::Duration;

/// A tier the smoke purchase can buy.
#[derive(Debug, Clone, Serialize)]
pub struct SmokeTier {
    pub tier: String,
    pub price_id: String,
    pub terms: String,
}

/// What the Smoke purchase step offers before anything is made.
#[derive(Debug, Clone, Serialize)]
pub struct SmokePlan {
    pub tiers: Vec<SmokeTier>,
    /// The account's email, to suggest as the customer's.
    pub email: Option<String>,
    /// Where the checkout and the portal send the customer back (the account's website, else
    /// the Worker's address).
    pub return_url: String,
    /// What golive makes and undoes, in words.
    pub steps: Vec<String>,
    pub record: SmokeRecord,
    /// Whether the checkout is completed by a button instead of a browser (the rehearsal).
    pub rehearsal: bool,
}

/// What the user asks of a new smoke purchase (each `None`: the plan's default).
#[derive(Debug, Clone, Default)]
pub struct SmokeAsk {
    pub tier: Option<String>,
    pub email: Option<String>,
    pub return_url: Option<String>,
}

/// A run and where it stands after a call.
#[derive(Debug, Clone, Serialize)]
pub struct SmokeState {
    pub run: SmokeRun,
    /// After a watch: still open (seconds left), purchased, or expired.
    pub waiting_seconds_left: Option<i64>,
    /// A fresh customer-portal link, when one was just made (never kept).
    pub portal_url: Option<String>,
}

impl SmokeState {
    fn of(run: SmokeRun) -> Self {
        Self { run, waiting_seconds_left: None, portal_url: None }
    }
}

fn no_open_run() -> Problem {
    Problem::not_ready(
        "No smoke purchase is under way.",
        "Start one first (`golive smoke`, or Start in the Smoke purchase step).",
    )
    .with_code("smoke_none")
}

impl Wizard {
    /// The smoke purchases the session holds.
    pub fn smoke_status(&self) -> SmokeRecord {
        self.session().smoke
    }

    /// What a smoke purchase would buy and make (reads the account; nothing is written).
    pub async fn smoke_plan(&self) -> Result<SmokePlan, Problem> {
        let session = self.smoke_ready()?;
        let live_key = self.live_key().await?;
        let account = crate::stripe_api::retrieve_account(&crate::stripe_api::client(&self.env, &live_key)).await?;
        let tiers: Vec<SmokeTier> = session
            .catalog
            .price_ids
            .iter()
            .flatten()
            .map(|p| SmokeTier { tier: p.tier.clone(), price_id: p.price_id.clone(), terms: p.terms.clone() })
            .collect();
        let return_url = account
            .business_profile
            .as_ref()
            .and_then(|b| b.url.clone())
            .filter(|u| smoke::check_return_url(u).is_ok())
            .unwrap_or_else(|| worker_origin(session.webhook.as_ref().map(|w| w.url.as_str()).unwrap_or("")));
        Ok(SmokePlan {
            tiers,
            email: account.email,
            return_url,
            steps: vec![
                "Create, in live mode, a 100%-off coupon (once, one redemption, valid for an hour) and a one-time promotion code for it.".into(),
                "Create a checkout for the tier's live price with the code applied: no card is asked for a $0 subscription.".into(),
                "You complete the checkout in your browser; golive watches for Stripe's events and reads the customer's tier from the Worker.".into(),
                "golive opens the customer portal for you to look at, then cancels the subscription and checks the tier went back to free.".into(),
                "The coupon is deleted and the code turned off. The live customer and its $0 invoice stay (Stripe cannot hide them); golive offers to delete the customer.".into(),
            ],
            record: session.smoke,
            rehearsal: self.world.is_some(),
        })
    }

    /// Starts a smoke purchase (or resumes the one under way): coupon, code, checkout. The
    /// checkout's link is in the run; the face opens it.
    pub async fn smoke_start(&self, ask: SmokeAsk, sink: &dyn ProgressSink) -> Result<SmokeState, Problem> {
        let _lock = self.lock("starting a smoke purchase").await?;
        let session = self.smoke_ready()?;
        if let Some(open) = session.smoke.open.clone() {
            if ask.tier.as_ref().is_some_and(|t| t != &open.tier) {
                return Err(Problem::invalid(
                    format!(
                        "A smoke purchase of the {} tier is under way (started {}).",
                        open.tier,
                        crate::clock::describe(open.started)
                    ),
                    "Finish it (`golive smoke`) or stop it (`golive smoke --stop`) before buying another tier.",
                )
                .with_code("smoke_open"));
            }
            let expired = open.phase == Phase::AwaitingCheckout && crate::clock::unix_now() >= open.expires_at;
            if !expired {
                return self.smoke_resume(open, sink).await;
            }
            // Its coupon can no longer be redeemed: close it, then start a new one.
            self.smoke_with(false, sink, |ctx, run| {
                Box::pin(run::abandon(ctx, run, "Its hour passed before the checkout was completed."))
            })
            .await?;
        }
        let plan = self.smoke_plan().await?;
        let tier = match &ask.tier {
            Some(t) => plan.tiers.iter().find(|p| &p.tier == t).cloned().ok_or_else(|| {
                let known: Vec<&str> = plan.tiers.iter().map(|p| p.tier.as_str()).collect();
                Problem::invalid(
                    format!(
                        "“{}” is not a tier of the live catalog ({}).",
                        t.chars().take(60).collect::<String>(),
                        known.join(", ")
                    ),
                    "Pick one of the tiers the Catalog step made.",
                )
                .with_code("smoke_tier")
            })?,
            None => plan.tiers.first().cloned().ok_or_else(|| {
                Problem::not_ready("The live catalog has no tier with a price.", "Run the Catalog step first.")
            })?,
        };
        let email = match ask.email.as_deref().or(plan.email.as_deref()) {
            Some(e) => smoke::check_email(e)?,
            None => {
                return Err(Problem::invalid(
                    "golive needs an email for the smoke purchase's customer, and the account has none to suggest.",
                    "Give one you can read (`--email you@example.com`): Stripe sends the $0 receipt there.",
                )
                .with_code("smoke_email"))
            }
        };
        let return_url = smoke::check_return_url(ask.return_url.as_deref().unwrap_or(&plan.return_url))?;
        let now = crate::clock::unix_now();
        let run = SmokeRun::new(
            crate::nonce::token(12).to_lowercase(),
            tier.tier,
            tier.price_id,
            tier.terms,
            email,
            return_url,
            now,
        );
        self.update(|s| s.smoke.open = Some(run.clone()))?;
        self.smoke_resume(run, sink).await
    }

    /// Carries an open run on from where it stopped, as far as it can go without the user.
    async fn smoke_resume(&self, run: SmokeRun, sink: &dyn ProgressSink) -> Result<SmokeState, Problem> {
        match run.phase {
            Phase::Preparing => {
                let (run, ()) = self.smoke_with(false, sink, |ctx, run| Box::pin(run::prepare(ctx, run))).await?;
                Ok(SmokeState::of(run))
            }
            _ => Ok(SmokeState::of(run)),
        }
    }

    /// Waits up to `wait` for the checkout to be completed; then proves the purchase and makes
    /// the portal link.
    pub async fn smoke_watch(&self, wait: Duration, sink: &dyn ProgressSink) -> Result<SmokeState, Problem> {
        let _lock = self.lock("watching the smoke purchase").await?;
        let open = self.session().smoke.open.ok_or_else(no_open_run)?;
        if open.phase == Phase::Preparing {
            self.smoke_resume(open, sink).await?;
        }
        let (run, outcome) = self
            .smoke_with(true, sink, move |ctx, run| {
                Box::pin(async move {
                    Ok(match run.phase {
                        Phase::AwaitingCheckout => Some(run::watch(ctx, run, wait).await?),
                        _ => None,
                    })
                })
            })
            .await?;
        let mut state = SmokeState::of(run);
        match outcome {
            Some(Watched::StillOpen { seconds_left }) => state.waiting_seconds_left = Some(seconds_left),
            Some(Watched::Purchased { portal_url }) => state.portal_url = portal_url,
            Some(Watched::Expired) | None => {}
        }
        Ok(state)
    }

    /// A fresh link to the customer portal of the open run's customer.
    pub async fn smoke_portal_link(&self) -> Result<String, Problem> {
        let (_, url) =
            self.smoke_with(false, &crate::progress::Silent, |ctx, run| Box::pin(run::portal_link(ctx, run))).await?;
        Ok(url)
    }

    /// The user's answer about the portal; then the subscription is cancelled, the revert
    /// proven and the coupon deleted.
    pub async fn smoke_finish(&self, as_expected: bool, sink: &dyn ProgressSink) -> Result<SmokeState, Problem> {
        let _lock = self.lock("finishing the smoke purchase").await?;
        let open = self.session().smoke.open.ok_or_else(no_open_run)?;
        if open.phase != Phase::AwaitingPortal {
            return Err(Problem::not_ready(
                "The checkout of this smoke purchase has not been completed yet.",
                "Complete the checkout first; golive opens the portal after it.",
            )
            .with_code("smoke_not_purchased"));
        }
        let answer = open.portal.clone().unwrap_or(PortalAnswer { as_expected, at: crate::clock::unix_now() });
        let (run, ()) = self.smoke_with(true, sink, move |ctx, run| Box::pin(run::finish(ctx, run, answer))).await?;
        Ok(SmokeState::of(run))
    }

    /// Stops the open run: the checkout expired, any subscription cancelled, the coupon deleted.
    pub async fn smoke_stop(&self, sink: &dyn ProgressSink) -> Result<SmokeState, Problem> {
        let _lock = self.lock("stopping the smoke purchase").await?;
        self.session().smoke.open.ok_or_else(no_open_run)?;
        let (run, ()) =
            self.smoke_with(true, sink, |ctx, run| Box::pin(run::abandon(ctx, run, "Stopped by you."))).await?;
        Ok(SmokeState::of(run))
    }

    /// Deletes the live customer of the last smoke purchase, on the user's request.
    pub async fn smoke_delete_customer(&self) -> Result<SmokeState, Problem> {
        let _lock = self.lock("deleting the smoke purchase's customer").await?;
        let session = self.session();
        let latest = session.smoke.latest().cloned().ok_or_else(no_open_run)?;
        if !latest.ended() {
            return Err(Problem::not_ready(
                "The smoke purchase is still under way; its customer is needed until it is cancelled.",
                "Finish the smoke purchase first, then delete the customer.",
            ));
        }
        let live_key = self.live_key().await?;
        let env = self.env.clone();
        let mut run = latest;
        let save = |run: &SmokeRun| {
            self.update(|s| {
                if let Some(last) = s.smoke.history.iter_mut().rev().find(|r| r.id == run.id) {
                    *last = run.clone();
                }
            })
        };
        let ctx = self.smoke_ctx(&session, &env, &live_key, None, &crate::progress::Silent, &save)?;
        run::delete_customer(&ctx, &mut run).await?;
        Ok(SmokeState::of(run))
    }

    /// The rehearsal's "customer": completes the open run's checkout as a customer would.
    /// Refused outside the rehearsal, where the user completes it in the browser.
    pub async fn smoke_complete_checkout(&self) -> Result<(), Problem> {
        let Some(world) = self.world.clone() else {
            return Err(Problem::invalid(
                "Only the rehearsal completes a checkout by itself; with a real account you complete it in your browser.",
                "Open the checkout link golive gave (or press Open checkout) and complete it there.",
            )
            .with_code("rehearsal_only"));
        };
        let session = self.session();
        let open = session.smoke.open.clone().ok_or_else(no_open_run)?;
        let id = open.checkout_session.clone().ok_or_else(no_open_run)?;
        let (worker, _) = self.smoke_world(&session).await?;
        let done = world.complete_checkout(&id).await;
        drop(worker);
        done
    }

    /// The Worker for a run's deliveries: in the rehearsal, started here with the stand-in's
    /// deliveries for the endpoint routed to it (it runs while the handle lives).
    async fn smoke_world(
        &self,
        session: &crate::session::Session,
    ) -> Result<(Option<LocalWorker>, Environment), Problem> {
        let (worker, env) = self.probe_world().await?;
        if let (Some(world), Some(worker), Some(webhook)) = (&self.world, &worker, &session.webhook) {
            world.route_deliveries(&webhook.url, worker);
        }
        Ok((worker, env))
    }

    /// Runs `step` on the open run with its context (the Worker running, in the rehearsal,
    /// when `worker`), saving the run after every write; a run that ended moves to the
    /// history. The run as it stands afterwards, and what `step` gave.
    async fn smoke_with<T, F>(&self, worker: bool, sink: &dyn ProgressSink, step: F) -> Result<(SmokeRun, T), Problem>
    where
        F: for<'c> FnOnce(&'c Ctx<'c>, &'c mut SmokeRun) -> futures::future::BoxFuture<'c, Result<T, Problem>>,
    {
        let session = self.session();
        let mut run = session.smoke.open.clone().ok_or_else(no_open_run)?;
        let live_key = self.live_key().await?;
        let (local, env) = if worker { self.smoke_world(&session).await? } else { (None, self.env.clone()) };
        let secret = match session.script_name() {
            Some(script) => {
                let entry = EntryName::new(&script, true, crate::webhook::SECRET_VAR);
                keystore::blocking(move || keystore::get(&entry)).await?
            }
            None => None,
        };
        let save = |run: &SmokeRun| {
            self.update(|s| {
                if run.ended() {
                    s.smoke.open = None;
                    s.smoke.history.retain(|r| r.id != run.id);
                    s.smoke.history.push(run.clone());
                } else {
                    s.smoke.open = Some(run.clone());
                }
            })
        };
        let result = {
            let ctx = self.smoke_ctx(&session, &env, &live_key, secret.as_ref(), sink, &save)?;
            step(&ctx, &mut run).await
        };
        drop(local);
        Ok((run, result?))
    }

    fn smoke_ctx<'a>(
        &self,
        session: &'a crate::session::Session,
        env: &'a Environment,
        live_key: &crate::stripe_key::StripeKey,
        secret: Option<&'a SecretString>,
        sink: &'a dyn ProgressSink,
        save: &'a (dyn Fn(&SmokeRun) -> Result<(), Problem> + Send + Sync),
    ) -> Result<Ctx<'a>, Problem> {
        let webhook = session.webhook.as_ref().ok_or_else(|| {
            Problem::not_ready("This project has no live webhook endpoint yet.", "Run the Webhook step first.")
        })?;
        let kv = super::worker_kv(session, env, session.audit.tier_source.source())
            .ok_or_else(|| Problem::not_ready("Connect has not passed for this project yet.", "Start with Connect."))?;
        let project_dir = session.project_dir.as_deref().expect("connected");
        let kv_bindings =
            crate::connect::worker_config::kv_bindings(project_dir, session.worker_env.as_deref()).unwrap_or_default();
        Ok(Ctx {
            env,
            client: crate::stripe_api::client(env, live_key),
            project: session.connect.as_ref().map(|c| c.worker.config.name.as_str()).unwrap_or(""),
            kv,
            kv_bindings,
            endpoint_url: &webhook.url,
            endpoint_events: &webhook.events,
            secret,
            portal_configuration: session.catalog.portal.as_ref().map(|p| p.id.as_str()),
            sink,
            save,
        })
    }

    /// The session, once Verify passed (the smoke purchase proves a working setup).
    fn smoke_ready(&self) -> Result<crate::session::Session, Problem> {
        let session = self.connected()?;
        if !session.reachable().contains(&StepId::Smoke) {
            return Err(Problem::not_ready(
                "The smoke purchase comes after Verify has passed.",
                "Run Verify first; a purchase against a setup Verify has not proven would only find the same problems.",
            ));
        }
        Ok(session)
    }
}

/// `https://host/` of the endpoint's URL (where a customer is sent back when the account
/// names no website).
fn worker_origin(endpoint_url: &str) -> String {
    url::Url::parse(endpoint_url)
        .ok()
        .map(|u| format!("{}://{}/", u.scheme(), u.host_str().unwrap_or("")))
        .unwrap_or_else(|| "https://example.com/".into())
}
