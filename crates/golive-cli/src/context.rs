//! Where every command starts: the environment (real services, or the offline rehearsal's
//! stand-ins), the project's wizard, and the two keys from wherever the user keeps them.
//! The only place that knows whether this run is a rehearsal.

use crate::args::KeyArgs;
use crate::keys_input;
use crate::output::Printer;
use golive::connect::{ConnectInput, ConnectReport};
use golive::environment::Environment;
use golive::progress::Silent;
use golive::wizard::{LocalWorld, Problem, SessionStore, Wizard};
use golive_rehearsal::Rehearsal;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Context {
    pub wizard: Wizard,
    /// The keys and folder for Connect (`None`: a command that takes the keyring's key).
    input: Option<ConnectInput>,
    /// Held for the command: dropping it stops the rehearsal's stand-ins.
    rehearsal: Option<Arc<Rehearsal>>,
}

/// The folder given, or the current one.
pub fn project_or_cwd(project: Option<PathBuf>) -> PathBuf {
    project.unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

impl Context {
    /// The keys are read (and shape-checked) first, then the rehearsal opened if asked, then
    /// the project's session.
    pub async fn open(out: &Printer, rehearsal: bool, args: &KeyArgs) -> Result<Context, Problem> {
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
        out.load_note(wizard.load_note());
        let input = ConnectInput { test_key: keys.0, live_key: keys.1, project_dir: project };
        Ok(Context { wizard, input: Some(input), rehearsal })
    }

    /// For Rotate and the audit's ticks: the rehearsal connects with its made-up keys as every
    /// rehearsal command does; a real project needs no keys given — the wizard takes the live key the Secrets
    /// step kept in the keyring (and proves it is the project's account).
    pub async fn open_for_rotate(out: &Printer, rehearsal: bool, project: Option<PathBuf>) -> Result<Context, Problem> {
        if rehearsal {
            let ctx = Context::open(out, true, &KeyArgs { project, ..KeyArgs::default() }).await?;
            ctx.connected().await?;
            return Ok(ctx);
        }
        let data_dir = golive::session::data_dir();
        let project = project_or_cwd(project);
        let wizard = Wizard::open(SessionStore::new(&data_dir), Environment::real(), None, &project)?;
        out.load_note(wizard.load_note());
        Ok(Context { wizard, input: None, rehearsal: None })
    }

    /// For commands that need the project and its environment but no Stripe keys (the
    /// Cloudflare login): the rehearsal's sample project, or the folder given (else here).
    pub async fn open_without_keys(
        out: &Printer,
        rehearsal: bool,
        project: Option<PathBuf>,
    ) -> Result<Context, Problem> {
        let data_dir = golive::session::data_dir();
        let (env, world, rehearsal, project) = if rehearsal {
            let r = Arc::new(Rehearsal::open(&data_dir).await?);
            let project = project.unwrap_or(r.inputs().project_dir);
            let world: Arc<dyn LocalWorld> = r.clone();
            (r.environment(), Some(world), Some(r), project)
        } else {
            (Environment::real(), None, None, project_or_cwd(project))
        };
        let wizard = Wizard::open(SessionStore::new(&data_dir), env, world, &project)?;
        out.load_note(wizard.load_note());
        Ok(Context { wizard, input: None, rehearsal })
    }

    /// The folder the wizard works on (the project's, or the one it was opened with).
    pub fn project_dir(&self) -> Option<PathBuf> {
        self.input.as_ref().map(|i| i.project_dir.clone()).or_else(|| self.wizard.session().project_dir)
    }

    /// Connect's read-only checks, for the steps after it: they act on the keys and the
    /// Worker as they are now, and stop with Connect's problem when it does not pass.
    pub async fn connected(&self) -> Result<ConnectReport, Problem> {
        self.wizard.connect_checked(self.input(), &Silent).await
    }

    /// The open rehearsal, when this command runs in it.
    pub fn rehearsal(&self) -> Option<&Rehearsal> {
        self.rehearsal.as_deref()
    }

    /// The keys and folder Connect checks.
    pub fn input(&self) -> ConnectInput {
        self.input.clone().expect("opened with keys")
    }
}
