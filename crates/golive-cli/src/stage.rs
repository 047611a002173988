//! What every command starts from: the environment (real, or the rehearsal's stand-ins),
//! the project folder, and the two keys from wherever the user keeps them.

use crate::keys_input;
use crate::output::Printer;
use crate::{exit, KeyArgs};
use golive::environment::{Environment, Mode};
use golive::rehearsal::Rehearsal;
use golive::session::{self, Session};
use golive::stripe_key::StripeKey;
use std::path::PathBuf;

pub struct Stage {
    pub env: Environment,
    /// Kept alive for the command: dropping it stops the stand-ins.
    pub rehearsal: Option<Rehearsal>,
    pub project_dir: PathBuf,
    pub test_key: StripeKey,
    pub live_key: StripeKey,
    pub data_dir: PathBuf,
}

pub fn project_or_cwd(project: Option<PathBuf>) -> PathBuf {
    project.unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

impl Stage {
    /// Sets the stage, or prints why it cannot be set and returns the exit code.
    pub async fn set(out: &Printer, rehearsal: bool, args: KeyArgs) -> Result<Stage, u8> {
        let data_dir = session::data_dir();
        let rehearsal = if rehearsal {
            match Rehearsal::start(&data_dir).await {
                Ok(r) => Some(r),
                Err(e) => {
                    return Err(out.error(
                        exit::INTERNAL,
                        "internal_error",
                        &format!("Could not start the rehearsal stand-ins: {e}"),
                        "Report this as a bug.",
                    ))
                }
            }
        } else {
            None
        };
        let env = rehearsal.as_ref().map(Rehearsal::environment).unwrap_or_else(Environment::real);
        let project_dir = match args.project.or_else(|| rehearsal.as_ref().map(|r| r.project_dir.clone())) {
            Some(dir) => dir,
            None => project_or_cwd(None),
        };
        let keys = match &rehearsal {
            Some(r) => keys_input::from_rehearsal(r),
            None if args.keys_from_keyring => {
                let dir = project_dir.clone();
                tokio::task::spawn_blocking(move || keys_input::from_keyring(&dir)).await.expect("keyring read")
            }
            None => keys_input::read(args.keys_stdin),
        };
        let (test_key, live_key) =
            keys.map_err(|p| out.error(exit::INVALID_INPUT, "invalid_input", &p.message, &p.fix))?;
        Ok(Stage { env, rehearsal, project_dir, test_key, live_key, data_dir })
    }

    pub fn mode(&self) -> Mode {
        if self.rehearsal.is_some() {
            Mode::Rehearsal
        } else {
            Mode::Real
        }
    }

    /// The saved session for this mode, or a new one.
    pub fn session(&self) -> Session {
        match Session::load(&self.session_path()) {
            Ok(Some(s)) if s.mode == self.mode() => s,
            _ => Session::new(self.mode()),
        }
    }

    pub fn session_path(&self) -> PathBuf {
        self.data_dir.join(session::FILE_NAME)
    }

    /// Sets the stage and runs the Connect checks: where every step after Connect starts.
    pub async fn set_connected(out: &Printer, rehearsal: bool, args: KeyArgs) -> Result<(Stage, Session), u8> {
        let stage = Stage::set(out, rehearsal, args).await?;
        let session = stage.connected(out).await?;
        Ok((stage, session))
    }

    /// Runs the Connect checks (read-only) and returns the session with their outcome, or
    /// prints the first failure and returns the exit code. Later steps start from here so
    /// they always act on the Worker and keys as they are now.
    pub async fn connected(&self, out: &Printer) -> Result<Session, u8> {
        let input = golive::connect::ConnectInput {
            test_key: self.test_key.clone(),
            live_key: self.live_key.clone(),
            project_dir: self.project_dir.clone(),
        };
        let report = golive::connect::check(&input, &self.env, &golive::progress::Silent).await;
        let Some(outcome) = report.outcome.clone() else {
            let first = report.findings.iter().find(|f| f.status == golive::Status::Fail);
            let code = match report.failure_kind() {
                Some(golive::connect::FailureKind::InvalidInput) => exit::INVALID_INPUT,
                _ => exit::EXTERNAL_REFUSED,
            };
            let (message, fix) = first
                .map(|f| (format!("{} — {}", f.title, f.detail), f.fix.clone().unwrap_or_default()))
                .unwrap_or_else(|| ("Connect did not pass.".into(), "Run `golive connect` to see why.".into()));
            return Err(out.error(code, "connect_failed", &message, &fix));
        };
        let mut session = self.session();
        if session.connect.as_ref().is_some_and(|c| c.account.id != outcome.account.id) {
            session = Session::new(self.mode());
        }
        session.project_dir = Some(self.project_dir.clone());
        session.connect = Some(outcome);
        Ok(session)
    }

    /// Saves, or prints why it could not and returns the exit code.
    pub fn save(&self, out: &Printer, session: &Session) -> Result<(), u8> {
        session.save(&self.session_path()).map_err(|e| {
            out.error(
                exit::INTERNAL,
                "internal_error",
                &e.0,
                "Check that the data folder is writable, or set GOLIVE_DATA_DIR.",
            )
        })
    }
}
