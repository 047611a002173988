//! What the app holds between commands: the session (saved after every change), the mode,
//! and the rehearsal stand-ins once started.

use golive::environment::{Environment, Mode};
use golive::keystore::{self, EntryName};
use golive::rehearsal::Rehearsal;
use golive::session::{Session, FILE_NAME};
use golive::stripe_key::{parse_key, KeySlot, StripeKey};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::Mutex;
use tokio::sync::OnceCell;

pub struct AppState {
    pub data_dir: PathBuf,
    pub session: Mutex<Session>,
    /// A damaged session file, reported once to the window.
    pub load_problem: Option<String>,
    rehearsal: OnceCell<Rehearsal>,
    /// The keys Connect accepted, in memory only, for the steps after it.
    pub keys: Mutex<Option<(StripeKey, StripeKey)>>,
    /// The go-live report saved in this run, the only file the window may ask to open.
    pub saved_report: Mutex<Option<PathBuf>>,
}

impl AppState {
    /// Reopens the saved session; with none, starts in offline rehearsal.
    pub fn load(data_dir: PathBuf) -> Self {
        let (session, load_problem) = match Session::load(&data_dir.join(FILE_NAME)) {
            Ok(Some(session)) => (session, None),
            Ok(None) => (Session::new(Mode::Rehearsal), None),
            Err(e) => (Session::new(Mode::Rehearsal), Some(e.0)),
        };
        Self {
            data_dir,
            session: Mutex::new(session),
            load_problem,
            rehearsal: OnceCell::new(),
            keys: Mutex::new(None),
            saved_report: Mutex::new(None),
        }
    }

    pub fn save(&self) -> Result<(), String> {
        let session = self.session.lock().unwrap().clone();
        session.save(&self.data_dir.join(FILE_NAME)).map_err(|e| e.0)
    }

    pub fn mode(&self) -> Mode {
        self.session.lock().unwrap().mode
    }

    /// The rehearsal's stand-ins, started on first use.
    pub async fn rehearsal(&self) -> Result<&Rehearsal, String> {
        self.rehearsal
            .get_or_try_init(|| Rehearsal::start(&self.data_dir))
            .await
            .map_err(|e| format!("The offline rehearsal could not start its local services: {e}"))
    }

    /// The accepted keys, or what to do when the app was restarted since Connect.
    pub fn keys(&self) -> Result<(StripeKey, StripeKey), String> {
        self.keys.lock().unwrap().clone().ok_or_else(|| {
            "golive keeps your keys in memory only: go back to Connect and press Check again, then return here."
                .to_string()
        })
    }

    /// The live key: the one Connect accepted in this run, else the one the Secrets step
    /// kept in the keyring for this Worker (so the later steps survive a restart).
    pub async fn live_key(&self) -> Result<StripeKey, String> {
        if let Ok((_, live)) = self.keys() {
            return Ok(live);
        }
        let script = self.session.lock().unwrap().script_name();
        let stored = match script {
            Some(script) => {
                let entry = EntryName::new(&script, true, keystore::STRIPE_SECRET_KEY);
                keystore::blocking(move || keystore::get(&entry))
                    .await
                    .map_err(|e| format!("{} {}", e.message, e.fix))?
            }
            None => None,
        };
        match stored {
            Some(value) => parse_key(KeySlot::Live, value.expose_secret()).map_err(|p| p.message),
            None => Err(self.keys().err().unwrap_or_default()),
        }
    }

    pub async fn environment(&self) -> Result<Environment, String> {
        match self.mode() {
            Mode::Real => Ok(Environment::real()),
            Mode::Rehearsal => Ok(self.rehearsal().await?.environment()),
        }
    }
}
