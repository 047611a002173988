//! The session file: which steps are done and what they found, saved after every change so
//! a crash or a closed window resumes where it stopped. It never holds a secret value —
//! only key hints (`sk_live_…abcd`) and keyring entry names.

pub use crate::catalog::CatalogRecord;
use crate::connect::ConnectOutcome;
use crate::environment::Mode;
use crate::secrets::SecretsRecord;
use crate::steps::StepId;
use crate::webhook::WebhookRecord;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "session.json";

/// The session file's format: 1 was one file for every project; 2 is one per project and mode.
pub const VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    pub version: u32,
    pub mode: Mode,
    /// The step the user was on.
    pub current: StepId,
    pub project_dir: Option<PathBuf>,
    pub connect: Option<ConnectOutcome>,
    /// What the Catalog step created and found; ids only, recorded as each write lands.
    #[serde(default)]
    pub catalog: CatalogRecord,
    /// The wrangler environment (`--env`) the Worker is deployed as; `None` is the top level.
    #[serde(default)]
    pub worker_env: Option<String>,
    /// The live webhook endpoint (id, URL, events; its secret is in the keyring).
    #[serde(default)]
    pub webhook: Option<WebhookRecord>,
    /// What was pushed to the Worker and confirmed (names only).
    #[serde(default)]
    pub secrets: Option<SecretsRecord>,
    /// The last Verify run (no secret: they appear as their last four characters only).
    #[serde(default)]
    pub verify: Option<crate::verify::VerifyReport>,
    /// Rotations: the open one, old keys kept until Stripe refuses them, the finished ones.
    #[serde(default)]
    pub rotate: crate::rotate::RotateRecord,
    /// The last audit and the manual items the user confirmed (with dates).
    #[serde(default)]
    pub audit: crate::audit::AuditRecord,
    /// The smoke purchase under way and the ones that ended (ids and findings only).
    #[serde(default)]
    pub smoke: crate::smoke::SmokeRecord,
    /// The last billing rehearsal (test mode; ids, phases and findings only).
    #[serde(default)]
    pub billing: Option<crate::billing::BillingReport>,
}

impl Session {
    pub fn new(mode: Mode) -> Self {
        Self {
            version: VERSION,
            mode,
            current: StepId::Connect,
            project_dir: None,
            connect: None,
            catalog: CatalogRecord::default(),
            worker_env: None,
            webhook: None,
            secrets: None,
            verify: None,
            rotate: crate::rotate::RotateRecord::default(),
            audit: crate::audit::AuditRecord::default(),
            smoke: crate::smoke::SmokeRecord::default(),
            billing: None,
        }
    }

    /// Connect found another Stripe account than the one the later steps worked with: what
    /// they recorded belongs to that other account, so it is forgotten (the one rule for an
    /// account switch, whichever face asked).
    pub fn forget_other_account(&mut self) {
        self.catalog = CatalogRecord::default();
        self.webhook = None;
        self.secrets = None;
        self.verify = None;
        self.rotate = crate::rotate::RotateRecord::default();
        self.audit.report = None;
        self.smoke = crate::smoke::SmokeRecord::default();
        self.billing = None;
    }

    /// Steps the user may open: Connect always, each later one once the one before is done.
    pub fn reachable(&self) -> Vec<StepId> {
        let mut steps = vec![StepId::Connect];
        if self.connect.is_some() {
            steps.push(StepId::Catalog);
            steps.push(StepId::Billing);
            if self.catalog_done() {
                steps.extend([StepId::PriceIds, StepId::Webhook]);
                if self.webhook_done() {
                    steps.push(StepId::Secrets);
                    if self.secrets_done() {
                        steps.push(StepId::Audit);
                        // Verify once nothing in the audit blocks (or it ran before the audit
                        // existed: those sessions keep their way to Verify and Rotate).
                        if self.done(StepId::Audit) || self.verify.is_some() {
                            steps.push(StepId::Verify);
                        }
                        if self.done(StepId::Verify) || self.smoke.open.is_some() {
                            steps.push(StepId::Smoke);
                        }
                        if self.done(StepId::Verify) || self.rotate.open.is_some() {
                            steps.push(StepId::Rotate);
                        }
                    }
                }
            }
        }
        steps
    }

    /// Live mode has every tier, its price ids and the portal.
    pub fn catalog_done(&self) -> bool {
        self.catalog.price_ids.is_some() && self.catalog.portal.is_some()
    }

    /// The endpoint exists and its secret is in the keyring.
    pub fn webhook_done(&self) -> bool {
        self.webhook.as_ref().is_some_and(|w| w.endpoint_id.is_some() && w.secret_entry.is_some())
    }

    /// Every secret was pushed and confirmed on the Worker.
    pub fn secrets_done(&self) -> bool {
        self.secrets.as_ref().is_some_and(|s| s.complete())
    }

    /// Whether the step's work is recorded as finished.
    pub fn done(&self, step: StepId) -> bool {
        match step {
            StepId::Connect => self.connect.is_some(),
            StepId::Catalog | StepId::PriceIds => self.catalog_done(),
            StepId::Webhook => self.webhook_done(),
            StepId::Secrets => self.secrets_done(),
            StepId::Audit => self.audit.report.as_ref().is_some_and(|r| r.blocking().is_empty()),
            StepId::Verify => self.verify.as_ref().is_some_and(|v| v.passed()),
            StepId::Smoke => self.smoke.history.last().is_some_and(|r| r.passed()),
            StepId::Rotate => self.rotate.open.is_none() && !self.rotate.history.is_empty(),
            StepId::Billing => self.billing.as_ref().is_some_and(|b| b.passed()),
        }
    }

    /// What the Secrets step reads of this session's records.
    pub fn secrets_input(&self) -> crate::secrets::SecretsInput<'_> {
        crate::secrets::SecretsInput {
            connect: self.connect.as_ref(),
            project_dir: self.project_dir.as_deref(),
            script: self.script_name(),
            worker_env: self.worker_env.as_deref(),
            catalog: &self.catalog,
            pushed: self.secrets.as_ref(),
        }
    }

    /// What Verify reads of this session's records.
    pub fn verify_input(&self) -> crate::verify::VerifyInput<'_> {
        crate::verify::VerifyInput {
            connect: self.connect.as_ref(),
            project_dir: self.project_dir.as_deref(),
            script: self.script_name(),
            worker_env: self.worker_env.as_deref(),
            catalog: &self.catalog,
            webhook: self.webhook.as_ref(),
            pushed: self.secrets.as_ref(),
            rotations: self
                .rotate
                .history
                .iter()
                .chain(self.rotate.open.iter())
                .map(|r| crate::verify::RotationLine {
                    what: r.kind.title().to_string(),
                    finished: !r.open(),
                    timeline: r.timeline.iter().map(|m| (m.at, m.note.clone())).collect(),
                })
                .collect(),
            audit: Some(self.audit.clone()),
            rotating_to: self
                .rotate
                .open
                .as_ref()
                .and_then(|r| r.endpoint.as_ref())
                .and_then(|e| e.new_endpoint.as_deref()),
        }
    }

    /// The Worker script the live setup targets: the top-level name, or the environment's.
    pub fn script_name(&self) -> Option<String> {
        let config = &self.connect.as_ref()?.worker.config;
        Some(crate::webhook::url::script_name(config, self.worker_env.as_deref()))
    }

    /// Reads the session at `path`; `Ok(None)` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<Self>, SessionError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| SessionError(format!("{} is damaged ({e}); delete it to start over.", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SessionError(format!("Could not read {}: {e}", path.display()))),
        }
    }

    /// Writes the whole file to a temporary sibling (mode 0600) and renames it into place,
    /// so a crash mid-write leaves the previous session intact.
    pub fn save(&self, path: &Path) -> Result<(), SessionError> {
        let fail = |e: std::io::Error| SessionError(format!("Could not save the session to {}: {e}", path.display()));
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(fail)?;
        let tmp = dir.join(format!(".{FILE_NAME}.tmp"));
        {
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(fail)?;
            let json = serde_json::to_vec_pretty(self).expect("session serialises");
            file.write_all(&json).map_err(fail)?;
            file.sync_all().map_err(fail)?;
        }
        std::fs::rename(&tmp, path).map_err(fail)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionError(pub String);

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// golive's data folder: `$GOLIVE_DATA_DIR`, else the platform's (~/.local/share/golive).
pub fn data_dir() -> PathBuf {
    // Set but empty (`GOLIVE_DATA_DIR=$UNSET_VAR`) is unset, not "here": sessions never land
    // in whatever folder golive was started from.
    if let Some(dir) = std::env::var_os("GOLIVE_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("dev", "golive", "golive")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".golive"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_resumes_on_the_saved_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(Session::load(&path).unwrap(), None);
        let mut session = Session::new(Mode::Rehearsal);
        session.current = StepId::Catalog;
        session.project_dir = Some(dir.path().to_path_buf());
        session.save(&path).unwrap();
        let loaded = Session::load(&path).unwrap().unwrap();
        assert_eq!(loaded, session);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_damaged_file_says_how_to_recover() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "{ not json").unwrap();
        let err = Session::load(&path).unwrap_err();
        assert!(err.0.contains("delete it to start over"), "{err}");
    }

    #[test]
    fn later_steps_open_only_after_connect() {
        let session = Session::new(Mode::Real);
        assert_eq!(session.reachable(), vec![StepId::Connect]);
    }
}
