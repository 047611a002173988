//! Where every command starts: the environment (real services, or the offline rehearsal's
//! stand-ins), the project's wizard, and the two keys from wherever the user keeps them.
//! The only place that knows whether this run is a rehearsal.

use crate::args::KeyArgs;
use crate::keys_input;
use golive::connect::{ConnectInput, ConnectReport};
use golive::environment::Environment;
use golive::progress::Silent;
use golive::wizard::{LocalWorld, Problem, SessionStore, Wizard};
use golive_rehearsal::Rehearsal;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Context {
    pub wizard: Wizard,
    pub input: ConnectInput,
    /// Held for the command: dropping it stops the rehearsal's stand-ins.
    _rehearsal: Option<Arc<Rehearsal>>,
}

/// The folder given, or the current one.
pub fn project_or_cwd(project: Option<PathBuf>) -> PathBuf {
    project.unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

impl Context {
    /// The keys are read (and shape-checked) first, then the rehearsal opened if asked, then
    /// the project's session.
    pub async fn open(rehearsal: bool, args: &KeyArgs) -> Result<Context, Problem> {
        let data_dir = golive::session::data_dir();
        let (env, world, rehearsal, keys, project) = if rehearsal {
            let r = Arc::new(Rehearsal::open(&data_dir).await?);
            let inputs = r.inputs();
            let keys = keys_input::parse_pair(&inputs.test_key, &inputs.live_key)?;
            let project = args.project.clone().unwrap_or(inputs.project_dir);
            let world: Arc<dyn LocalWorld> = r.clone();
            (r.environment(), Some(world), Some(r), keys, project)
        } else {
            let project = project_or_cwd(args.project.clone());
            let keys = if args.keys_from_keyring {
                let dir = project.clone();
                tokio::task::spawn_blocking(move || keys_input::from_keyring(&dir))
                    .await
                    .map_err(|e| Problem::internal(format!("The keyring read stopped: {e}")))??
            } else {
                keys_input::read(args.keys_stdin)?
            };
            (Environment::real(), None, None, keys, project)
        };
        let wizard = Wizard::open(SessionStore::new(&data_dir), env, world, &project)?;
        let input = ConnectInput { test_key: keys.0, live_key: keys.1, project_dir: project };
        Ok(Context { wizard, input, _rehearsal: rehearsal })
    }

    /// Connect's read-only checks, for the steps after it: they act on the keys and the
    /// Worker as they are now, and stop with Connect's problem when it does not pass.
    pub async fn connected(&self) -> Result<ConnectReport, Problem> {
        self.wizard.connect_checked(self.input.clone(), &Silent).await
    }
}
