//! The billing rehearsal through the wizard: what it would run (plan) and the run itself —
//! the project's own Worker started on this machine with a signing secret made up for the
//! run, Connect's test key, the test catalog's tiers, the tier source of the Audit settings
//! read from the local Worker — and the report kept in the session. See [`crate::billing`].

use super::{Problem, Wizard};
use crate::billing::run::{self, Ctx};
use crate::billing::{self, BillingReport, TestTier};
use crate::local_worker::LocalWorker;
use crate::progress::ProgressSink;
use secrecy::SecretString;
use serde::Serialize;

/// One scenario as the faces list it.
#[derive(Debug, Clone, Serialize)]
pub struct BillingScenario {
    pub id: String,
    pub title: String,
    /// The card in words.
    pub card: String,
    pub trial_days: Option<u32>,
    pub phases: Vec<String>,
}

/// What the billing rehearsal would run, before anything is made.
#[derive(Debug, Clone, Serialize)]
pub struct BillingPlan {
    pub scenarios: Vec<BillingScenario>,
    /// The test catalog's tiers, cheapest first.
    pub tiers: Vec<TestTier>,
    pub last: Option<BillingReport>,
}

/// What the user asks of a run.
#[derive(Debug, Clone, Default)]
pub struct BillingAsk {
    /// Scenario ids (empty: every one).
    pub scenarios: Vec<String>,
    /// Deliver every event twice, the copies newest first.
    pub shuffle: bool,
}

/// The webhook path of the Worker: the live endpoint's, else the reference Worker's.
fn webhook_path(session: &crate::session::Session) -> String {
    session
        .webhook
        .as_ref()
        .and_then(|w| url::Url::parse(&w.url).ok())
        .map(|u| u.path().to_string())
        .unwrap_or_else(|| "/webhook/stripe".into())
}

/// The test tiers under the names the live catalog gave them (the Catalog step may have fixed
/// a name's case, e.g. test mode's `Pro` is live's `pro`): the names the Worker sees live.
fn live_names(mut tiers: Vec<TestTier>, session: &crate::session::Session) -> Vec<TestTier> {
    let live: Vec<&str> = session.catalog.price_ids.iter().flatten().map(|p| p.tier.as_str()).collect();
    for t in &mut tiers {
        if let Some(name) = live.iter().find(|l| l.eq_ignore_ascii_case(t.tier.trim())) {
            t.tier = name.to_string();
        }
    }
    tiers
}

impl Wizard {
    /// The scenarios and the test catalog's tiers (reads test mode; writes nothing).
    pub async fn billing_plan(&self) -> Result<BillingPlan, Problem> {
        let session = self.connected()?;
        let (test_key, _) = self.keys()?;
        let tiers = live_names(run::test_tiers(&crate::stripe_api::client(&self.env, &test_key)).await?, &session);
        let scenarios = billing::SCENARIOS
            .iter()
            .map(|s| BillingScenario {
                id: s.id.clone(),
                title: s.title.clone(),
                card: billing::CARDS.iter().find(|(c, _)| *c == s.card).map(|(_, w)| w.to_string()).unwrap_or_default(),
                trial_days: s.trial_days,
                phases: s.phases.iter().map(|p| p.name.clone()).collect(),
            })
            .collect();
        Ok(BillingPlan { scenarios, tiers, last: session.billing })
    }

    /// Runs the billing rehearsal; the report is kept in the session. Test mode only.
    pub async fn rehearse_billing(&self, ask: BillingAsk, sink: &dyn ProgressSink) -> Result<BillingReport, Problem> {
        let _lock = self.lock("running the billing rehearsal").await?;
        let session = self.connected()?;
        let scenarios = billing::chosen(&ask.scenarios)?;
        let (test_key, _) = self.keys()?;
        let client = crate::stripe_api::client(&self.env, &test_key);
        let tiers = live_names(run::test_tiers(&client).await?, &session);
        let project_dir = session.project_dir.clone().expect("connected");
        let wrangler = session.connect.as_ref().expect("connected").worker.wrangler.program.clone();
        // A signing secret for this run only: the Worker on this machine gets it, nothing else.
        let secret = SecretString::from(format!("{}_{}", "whsec", crate::nonce::token(32)));
        let secrets = [
            (crate::webhook::SECRET_VAR.to_string(), secret.clone()),
            ("STRIPE_SECRET_KEY".to_string(), test_key.secret()),
        ];
        let worker = LocalWorker::start(&wrangler, &project_dir, &self.env, &secrets).await.map_err(|message| {
            Problem::new(
                super::ProblemKind::Refused,
                "billing_worker",
                message,
                format!(
                    "golive runs your Worker with `wrangler dev` in {}; its own words are in dev.log there. Make `npx wrangler dev` start in that folder, then run again.",
                    project_dir.display()
                ),
            )
        })?;
        let mut env = self.env.clone();
        env.webhook_probe_base = Some(worker.base_url());
        let mut source = session.audit.tier_source.source();
        if let Some(url) = source.url.as_mut() {
            // The tier as the Worker on this machine answers it, not the deployed one.
            if let Ok(parsed) = url::Url::parse(&url.replace("{customer}", "CUSTOMER")) {
                let rest = parsed[url::Position::BeforePath..].replace("CUSTOMER", "{customer}");
                *url = format!("{}{rest}", worker.base_url());
            }
        }
        let kv = super::worker_kv(&session, &env, source).expect("connected");
        let ctx = Ctx {
            env: &env,
            client,
            webhook_url: format!("{}{}", worker.base_url(), webhook_path(&session)),
            secret: &secret,
            kv,
            sink,
            run: crate::nonce::token(8).to_lowercase(),
            shuffle: ask.shuffle,
        };
        let report = run::run(&ctx, &scenarios, &tiers).await;
        drop(worker);
        let report = report?;
        self.update(|s| s.billing = Some(report.clone()))?;
        Ok(report)
    }
}
