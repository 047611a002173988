//! What the app holds between commands: the wizard of the open project and mode (built on
//! first use, so the first paint never waits for the rehearsal's stand-ins), the rehearsal
//! while it is open, and the go-live report saved in this run. Which project opens at start
//! comes from the sessions on disk ([`golive::wizard::SessionStore::recent`]).

use golive::environment::{Environment, Mode};
use golive::session::Session;
use golive::wizard::{LocalWorld, Problem, RecentProject, SessionStore, Wizard};
use golive_rehearsal::Rehearsal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Which session the window shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub mode: Mode,
    /// `None`: a new project, before its first Connect.
    pub project: Option<PathBuf>,
}

/// The one long step running for the window, so Cancel can stop it. Stopping drops the
/// step's future where it stands — as a crash would, which every step survives: what it
/// wrote is saved as it lands, and running the step again finishes without duplicates.
#[derive(Default)]
pub struct Running {
    abort: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Running {
    /// Runs `work` so that [`Running::cancel`] can stop it; a stopped step is a problem that
    /// says so and how to go on.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = Result<T, Problem>> + Send + 'static,
    ) -> Result<T, Problem> {
        let task = tokio::spawn(work);
        *self.abort.lock().expect("no panic while holding it") = Some(task.abort_handle());
        let result = task.await;
        self.abort.lock().expect("no panic while holding it").take();
        match result {
            Ok(result) => result,
            Err(e) if e.is_cancelled() => Err(Problem::new(
                golive::wizard::ProblemKind::NotReady,
                "cancelled",
                "Stopped: you pressed Cancel.",
                "Run the step again when you are ready: golive picks up where it stopped and makes nothing twice.",
            )),
            Err(e) => Err(Problem::internal(format!("The step stopped unexpectedly: {e}"))),
        }
    }

    /// Stops the running step, if one is running; whether one was.
    pub fn cancel(&self) -> bool {
        match self.abort.lock().expect("no panic while holding it").take() {
            Some(handle) => {
                handle.abort();
                true
            }
            None => false,
        }
    }
}

pub struct AppState {
    pub store: SessionStore,
    /// The long step running now (Cancel stops it).
    pub running: Running,
    opened: Mutex<Opened>,
    wizard: tokio::sync::Mutex<Option<Arc<Wizard>>>,
    /// Held while the rehearsal is open in this window (one process at a time may).
    rehearsal: tokio::sync::Mutex<Option<Arc<Rehearsal>>>,
    /// A damaged session file's backup, said once.
    note: Mutex<Option<String>>,
    /// Several projects on disk: the window starts on the recent-projects list.
    pub choose_at_start: bool,
    /// The go-live report saved in this run, the only file the window may ask to open.
    pub saved_report: Mutex<Option<PathBuf>>,
}

impl AppState {
    /// With no session on disk: the offline rehearsal at Connect; with one: that project;
    /// with several: the most recent, and the list to choose from first.
    pub fn start(data_dir: PathBuf) -> Self {
        let store = SessionStore::new(data_dir);
        let recent = store.recent();
        let opened = match recent.first() {
            Some(p) => Opened { mode: p.mode, project: Some(p.project_dir.clone()) },
            None => Opened { mode: Mode::Rehearsal, project: None },
        };
        Self {
            store,
            opened: Mutex::new(opened),
            wizard: tokio::sync::Mutex::new(None),
            rehearsal: tokio::sync::Mutex::new(None),
            note: Mutex::new(None),
            choose_at_start: recent.len() > 1,
            running: Running::default(),
            saved_report: Mutex::new(None),
        }
    }

    pub fn opened(&self) -> Opened {
        self.opened.lock().expect("no panic while holding it").clone()
    }

    /// Shows another session (it is built on next use); the others stay as they are on disk.
    pub async fn open(&self, opened: Opened) {
        *self.wizard.lock().await = None;
        *self.opened.lock().expect("no panic while holding it") = opened;
    }

    /// `mode`'s most recent project, or a new one.
    pub fn most_recent(&self, mode: Mode) -> Opened {
        let project = self.store.recent().into_iter().find(|p| p.mode == mode).map(|p| p.project_dir);
        Opened { mode, project }
    }

    pub fn recent(&self) -> Vec<RecentProject> {
        self.store.recent()
    }

    /// The session as it stands on disk (the window's view; no wizard needed).
    pub fn session(&self) -> Session {
        let opened = self.opened();
        let Some(project) = &opened.project else { return Session::new(opened.mode) };
        match self.store.load(opened.mode, project) {
            Ok((session, note)) => {
                if let Some(backup) = note.damaged_backup {
                    self.damaged(&backup);
                }
                session
            }
            Err(_) => Session::new(opened.mode),
        }
    }

    fn damaged(&self, backup: &std::path::Path) {
        *self.note.lock().expect("no panic while holding it") = Some(format!(
            "golive's record of this project was damaged and could not be read; it was kept as {} and a new one started. Run the steps again: each finds what was already done in Stripe and Cloudflare.",
            backup.display()
        ));
    }

    /// The rehearsal, opened on first use and kept while the window lives.
    pub async fn rehearsal(&self) -> Result<Arc<Rehearsal>, Problem> {
        let mut held = self.rehearsal.lock().await;
        if let Some(r) = held.as_ref() {
            return Ok(r.clone());
        }
        let r = Arc::new(Rehearsal::open(self.store.data_dir()).await?);
        *held = Some(r.clone());
        Ok(r)
    }

    /// The wizard of the open project and mode: the one place the rehearsal's environment
    /// and world are chosen.
    pub async fn wizard(&self) -> Result<Arc<Wizard>, Problem> {
        let mut held = self.wizard.lock().await;
        if let Some(w) = held.as_ref() {
            return Ok(w.clone());
        }
        let opened = self.opened();
        let (env, world): (Environment, Option<Arc<dyn LocalWorld>>) = match opened.mode {
            Mode::Real => (Environment::real(), None),
            Mode::Rehearsal => {
                let r = self.rehearsal().await?;
                (r.environment(), Some(r))
            }
        };
        let wizard = match &opened.project {
            Some(project) if project.is_dir() => Wizard::open(self.store.clone(), env, world, project)?,
            _ => Wizard::blank(self.store.clone(), env, world)?,
        };
        if let Some(backup) = &wizard.load_note().damaged_backup {
            self.damaged(backup);
        }
        let wizard = Arc::new(wizard);
        *held = Some(wizard.clone());
        Ok(wizard)
    }

    /// After Connect, the project the wizard works on is the one the window shows.
    pub fn follow(&self, wizard: &Wizard) {
        let session = wizard.session();
        *self.opened.lock().expect("no panic while holding it") =
            Opened { mode: session.mode, project: session.project_dir };
    }

    /// The note about a damaged session, once.
    pub fn take_note(&self) -> Option<String> {
        self.note.lock().expect("no panic while holding it").take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_stops_a_step_that_never_ends_with_a_problem_that_says_how_to_go_on() {
        let running = std::sync::Arc::new(Running::default());
        assert!(!running.cancel(), "nothing runs yet");
        let step = {
            let running = running.clone();
            tokio::spawn(async move { running.run(std::future::pending::<Result<(), Problem>>()).await })
        };
        while !running.cancel() {
            tokio::task::yield_now().await;
        }
        let problem = step.await.unwrap().unwrap_err();
        assert_eq!(problem.code, "cancelled");
        assert!(problem.fix.contains("picks up where it stopped"));
        assert_eq!(running.run(async { Ok(7) }).await.unwrap(), 7, "the next step runs as usual");
    }
}
