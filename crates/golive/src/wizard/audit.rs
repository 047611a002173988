//! The audit through the wizard: reads the session (live key, project folder, catalog,
//! endpoint), saves the report, and keeps the user's ticks of the manual items with their
//! dates. See [`crate::audit`].

use super::{Problem, Wizard};
use crate::audit::{self, AuditInput, AuditRecord};
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
        let input = AuditInput {
            live_key: &live_key,
            project_dir: &project_dir,
            catalog: &session.catalog,
            endpoint_api_version: session.webhook.as_ref().and_then(|w| w.api_version.as_deref()),
        };
        let report = audit::run(&input, &self.env, sink).await?;
        self.update(|s| {
            s.audit.report = Some(report);
            s.audit.clone()
        })
    }

    /// Ticks (`confirmed`) or unticks a manual item; the date is kept with the tick.
    pub fn audit_confirm(&self, id: &str, confirmed: bool) -> Result<AuditRecord, Problem> {
        self.update(|s| s.audit.confirm(id, confirmed).map(|()| s.audit.clone()))?
    }

    /// The last audit and the ticks, as the session has them.
    pub fn audit_status(&self) -> AuditRecord {
        self.session().audit
    }
}
