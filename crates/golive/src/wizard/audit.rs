//! The audit through the wizard: reads the session (live key, project folder, catalog,
//! endpoint), saves the report, and keeps the user's ticks of the manual items with their
//! dates. See [`crate::audit`].

use super::{Problem, Wizard};
use crate::audit::{self, AuditInput, AuditRecord};
use crate::keystore::{self, EntryName};
use crate::progress::ProgressSink;

impl Wizard {
    /// Runs the audit (read-only everywhere) and saves its report in the session.
    pub async fn audit(&self, sink: &dyn ProgressSink) -> Result<AuditRecord, Problem> {
        let _lock = self.lock("auditing").await?;
        let session = self.session();
        let project_dir = session.project_dir.clone().filter(|_| session.connect.is_some()).ok_or_else(|| {
            Problem::not_ready(
                "The audit reads the account and the Worker's folder that Connect checked, and Connect has not passed yet.",
                "Run Connect first.",
            )
        })?;
        let live_key = self.live_key().await?;
        // The behaviour probes need the endpoint's secret on the Worker (after Secrets).
        let secret = match (session.webhook_done() && session.secrets_done(), session.script_name()) {
            (true, Some(script)) => {
                let entry = EntryName::new(&script, true, crate::webhook::SECRET_VAR);
                keystore::blocking(move || keystore::get(&entry)).await?
            }
            _ => None,
        };
        // The rehearsal's Worker runs here for the probes, as for Verify.
        let (local, env) = match &secret {
            Some(_) => self.probe_world().await?,
            None => (None, self.env.clone()),
        };
        let price = session.catalog.price_ids.iter().flatten().next();
        let kv = super::worker_kv(&session, &env, session.audit.tier_source.source());
        let behaviour = match (&secret, session.webhook.as_ref(), kv, price) {
            (Some(secret), Some(webhook), Some(kv), Some(price)) => Some(crate::audit::behaviour::Target {
                url: crate::verify::probe::probe_url(&env, &webhook.url),
                secret,
                tier: &price.tier,
                price_id: &price.price_id,
                api_version: webhook.api_version.as_deref().unwrap_or(crate::webhook::PINNED_API_VERSION),
                kv,
            }),
            _ => None,
        };
        let input = AuditInput {
            live_key: &live_key,
            project_dir: &project_dir,
            catalog: &session.catalog,
            endpoint_api_version: session.webhook.as_ref().and_then(|w| w.api_version.as_deref()),
            behaviour,
        };
        let report = audit::run(&input, &env, sink).await;
        drop(local);
        let report = report?;
        self.update(|s| {
            s.audit.report = Some(report);
            s.audit.clone()
        })
    }

    /// Ticks (`confirmed`) or unticks a manual item; the date is kept with the tick.
    pub fn audit_confirm(&self, id: &str, confirmed: bool) -> Result<AuditRecord, Problem> {
        self.update(|s| s.audit.confirm(id, confirmed).map(|()| s.audit.clone()))?
    }

    /// Where the Worker keeps tiers (checked, then saved for every later audit).
    pub fn audit_tier_source(&self, setting: crate::audit::behaviour::TierSetting) -> Result<AuditRecord, Problem> {
        let setting = setting.checked()?;
        self.update(|s| {
            s.audit.tier_source = setting;
            s.audit.clone()
        })
    }

    /// The last audit and the ticks, as the session has them.
    pub fn audit_status(&self) -> AuditRecord {
        self.session().audit
    }
}
