//! Where sessions live: one file per (project folder, mode) under the data folder —
//! `sessions/<mode>/<folder name>-<hash of its path>.json` — so a second Worker, or the
//! rehearsal, never overwrites another project's record of what went live. Files are written
//! whole to a temporary sibling of their own (mode 0600) and renamed into place. The list of
//! recent projects is read from the files themselves, so it can never disagree with them.
//!
//! Writing actions hold the project's lock ([`SessionStore::lock`]): a second golive on the
//! same project — the app and the CLI, or two terminals — waits a little, then says who is
//! working on it. The lock is the operating system's (`flock`), so one left by a process that
//! died is free at once.
//!
//! A `session.json` of golive's first version (one file for everything) is moved on first
//! start to its project's place, with a backup kept beside it. A damaged file is kept as a
//! backup and reported, never silently replaced.

use crate::environment::Mode;
use crate::problem::Problem;
use crate::session::Session;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The first version's single session file, in the data folder.
pub const V1_FILE: &str = "session.json";

/// One project the user worked on, for the "recent projects" choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentProject {
    pub mode: Mode,
    pub project_dir: PathBuf,
    /// The Worker's name, once Connect found it.
    pub worker: Option<String>,
    /// The step the user was on, and whether Verify passed.
    pub current: crate::steps::StepId,
    pub verified: bool,
    /// When the session was last saved (Unix time).
    pub saved_at: i64,
}

/// What loading found besides the session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoadNote {
    /// A damaged file was moved aside to this backup, and a new session started.
    pub damaged_backup: Option<PathBuf>,
}

/// Held while a writing action runs; the lock goes with it.
#[derive(Debug)]
pub struct SessionLock {
    _file: std::fs::File,
}

#[derive(Debug, Clone)]
pub struct SessionStore {
    data_dir: PathBuf,
}

fn mode_dir(mode: Mode) -> &'static str {
    match mode {
        Mode::Real => "real",
        Mode::Rehearsal => "rehearsal",
    }
}

/// The project folder as one stable key: its canonical path when it exists.
fn project_key(project: &Path) -> PathBuf {
    project.canonicalize().unwrap_or_else(|_| project.to_path_buf())
}

fn write_problem(path: &Path, e: std::io::Error) -> Problem {
    Problem::invalid(
        format!("golive could not save its session to {}: {e}", path.display()),
        "golive keeps its records in its data folder (~/.local/share/golive, or GOLIVE_DATA_DIR): make sure it is a folder you may write to, then try again.",
    )
    .with_code("data_dir")
}

impl SessionStore {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self { data_dir: data_dir.into() }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    fn sessions_dir(&self, mode: Mode) -> PathBuf {
        self.data_dir.join("sessions").join(mode_dir(mode))
    }

    /// The file of `project`'s session in `mode`.
    pub fn path_for(&self, mode: Mode, project: &Path) -> PathBuf {
        let key = project_key(project);
        let digest = Sha256::digest(key.as_os_str().as_encoded_bytes());
        let hash: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let name: String = key
            .file_name()
            .map(|n| n.to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect())
            .filter(|n: &String| !n.is_empty())
            .unwrap_or_else(|| "project".into());
        let name: String = name.chars().take(40).collect();
        self.sessions_dir(mode).join(format!("{name}-{hash}.json"))
    }

    /// `project`'s saved session in `mode`, or a new one for it. A damaged file is moved
    /// aside (the note says where) and a new session starts.
    pub fn load(&self, mode: Mode, project: &Path) -> Result<(Session, LoadNote), Problem> {
        let path = self.path_for(mode, project);
        let mut note = LoadNote::default();
        let session = match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str::<Session>(&text) {
                Ok(session) => Some(session),
                Err(_) => {
                    let backup = path.with_extension(format!("damaged-{}.json", crate::clock::unix_now()));
                    std::fs::rename(&path, &backup).map_err(|e| write_problem(&path, e))?;
                    note.damaged_backup = Some(backup);
                    None
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => {
                return Err(Problem::invalid(
                    format!("{} is a folder, where golive keeps a session file.", path.display()),
                    "Move that folder away (or set GOLIVE_DATA_DIR to another data folder), then try again.",
                )
                .with_code("data_dir"))
            }
            Err(e) => return Err(write_problem(&path, e)),
        };
        let mut session = session.unwrap_or_else(|| Session::new(mode));
        session.mode = mode;
        if session.project_dir.is_none() {
            session.project_dir = Some(project.to_path_buf());
        }
        Ok((session, note))
    }

    /// Saves `session` in its project's place (it must name its project folder).
    pub fn save(&self, session: &Session) -> Result<PathBuf, Problem> {
        let project = session
            .project_dir
            .as_deref()
            .ok_or_else(|| Problem::internal("a session without a project folder cannot be saved"))?;
        let path = self.path_for(session.mode, project);
        let dir = path.parent().expect("a file in the sessions folder");
        std::fs::create_dir_all(dir).map_err(|e| write_problem(dir, e))?;
        // A temporary name of this write's own: two runs at once never share one.
        let tmp = dir.join(format!(
            ".{}.{}-{}.tmp",
            path.file_name().expect("a file name").to_string_lossy(),
            std::process::id(),
            crate::nonce::token(8)
        ));
        let write = || -> std::io::Result<()> {
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
            file.write_all(&serde_json::to_vec_pretty(session).expect("a session serialises"))?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            write_problem(&path, e)
        })?;
        Ok(path)
    }

    /// Takes `project`'s lock in `mode` for `action` (what the holder is doing, shown to a
    /// second run), or says who holds it: `Err(Some(holder))` when busy, `Err(None)` never.
    pub fn try_lock(&self, mode: Mode, project: &Path, action: &str) -> Result<Result<SessionLock, String>, Problem> {
        let path = self.path_for(mode, project).with_extension("lock");
        let dir = path.parent().expect("a file in the sessions folder");
        std::fs::create_dir_all(dir).map_err(|e| write_problem(dir, e))?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| write_problem(&path, e))?;
        match file.try_lock() {
            Ok(()) => {
                // Who holds it, for a second run to show.
                let _ = file.set_len(0);
                let _ = write!(file, "process {}, {action}", std::process::id());
                Ok(Ok(SessionLock { _file: file }))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                Ok(Err(std::fs::read_to_string(&path).unwrap_or_default().trim().to_string()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(write_problem(&path, e)),
        }
    }

    /// Forgets `project`'s session in `mode` (the rehearsal's reset).
    pub fn remove(&self, mode: Mode, project: &Path) -> Result<(), Problem> {
        match std::fs::remove_file(self.path_for(mode, project)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(write_problem(&self.path_for(mode, project), e)),
            _ => Ok(()),
        }
    }

    /// Every project with a session, most recently saved first.
    pub fn recent(&self) -> Vec<RecentProject> {
        let mut found = Vec::new();
        for mode in [Mode::Real, Mode::Rehearsal] {
            let Ok(entries) = std::fs::read_dir(self.sessions_dir(mode)) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "json") || path.to_string_lossy().contains(".damaged-") {
                    continue;
                }
                let Ok(session) = std::fs::read_to_string(&path)
                    .map_err(|_| ())
                    .and_then(|t| serde_json::from_str::<Session>(&t).map_err(|_| ()))
                else {
                    continue;
                };
                let Some(project_dir) = session.project_dir.clone() else { continue };
                let saved_at = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                found.push(RecentProject {
                    mode,
                    worker: session.script_name(),
                    current: session.current,
                    verified: session.done(crate::steps::StepId::Verify),
                    project_dir,
                    saved_at,
                });
            }
        }
        found.sort_by(|a, b| b.saved_at.cmp(&a.saved_at).then_with(|| a.project_dir.cmp(&b.project_dir)));
        found
    }

    /// Moves a first-version `session.json` to its project's place, keeping the old file as
    /// `session.json.v1-backup`. Returns where it went (`None`: nothing to move).
    pub fn migrate_v1(&self) -> Result<Option<PathBuf>, Problem> {
        let old = self.data_dir.join(V1_FILE);
        let Ok(text) = std::fs::read_to_string(&old) else { return Ok(None) };
        let backup = self.data_dir.join(format!("{V1_FILE}.v1-backup"));
        let session: Session = match serde_json::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                std::fs::rename(&old, &backup).map_err(|e| write_problem(&old, e))?;
                return Err(Problem::invalid(
                    format!("golive's old session file was damaged ({e}); it was kept as {}.", backup.display()),
                    "Nothing else was changed. Run Connect for your project again; the backup shows what the old file recorded.",
                )
                .with_code("session_damaged"));
            }
        };
        let Some(project) = session.project_dir.clone() else {
            // Never got past Connect: nothing worth keeping but the backup.
            std::fs::rename(&old, &backup).map_err(|e| write_problem(&old, e))?;
            return Ok(None);
        };
        let target = self.path_for(session.mode, &project);
        if target.exists() {
            // Already moved once (a crash after the copy): keep the newer per-project file.
            std::fs::rename(&old, &backup).map_err(|e| write_problem(&old, e))?;
            return Ok(Some(target));
        }
        let mut session = session;
        session.version = crate::session::VERSION;
        let saved = self.save(&session)?;
        std::fs::rename(&old, &backup).map_err(|e| write_problem(&old, e))?;
        Ok(Some(saved))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_project_and_mode_has_its_own_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let (a, b) = (dir.path().join("api"), dir.path().join("billing"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let mut sa = store.load(Mode::Real, &a).unwrap().0;
        sa.worker_env = Some("production".into());
        store.save(&sa).unwrap();
        let mut sb = store.load(Mode::Real, &b).unwrap().0;
        sb.worker_env = Some("staging".into());
        store.save(&sb).unwrap();
        store.save(&store.load(Mode::Rehearsal, &a).unwrap().0).unwrap();
        assert_eq!(store.load(Mode::Real, &a).unwrap().0.worker_env.as_deref(), Some("production"));
        assert_eq!(store.load(Mode::Real, &b).unwrap().0.worker_env.as_deref(), Some("staging"));
        assert_eq!(store.load(Mode::Rehearsal, &a).unwrap().0.worker_env, None);
        assert_ne!(store.path_for(Mode::Real, &a), store.path_for(Mode::Rehearsal, &a));
        assert_eq!(store.recent().len(), 3);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(store.path_for(Mode::Real, &a)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_second_run_is_told_who_holds_the_lock_and_gets_it_once_freed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let held = store.try_lock(Mode::Real, dir.path(), "pushing the Worker's secrets").unwrap().unwrap();
        let busy = store.try_lock(Mode::Real, dir.path(), "verifying").unwrap().unwrap_err();
        assert_eq!(busy, format!("process {}, pushing the Worker's secrets", std::process::id()));
        assert!(
            store.try_lock(Mode::Rehearsal, dir.path(), "verifying").unwrap().is_ok(),
            "another mode, another lock"
        );
        drop(held);
        assert!(store.try_lock(Mode::Real, dir.path(), "verifying").unwrap().is_ok());
    }

    #[test]
    fn a_damaged_file_is_kept_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        let path = store.path_for(Mode::Real, dir.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{ not json").unwrap();
        let (session, note) = store.load(Mode::Real, dir.path()).unwrap();
        assert_eq!(session.connect, None);
        let backup = note.damaged_backup.expect("reported");
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "{ not json");
    }
}
