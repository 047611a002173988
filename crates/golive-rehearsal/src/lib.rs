//! golive's offline rehearsal, outside the engine: the Stripe and Cloudflare stand-ins run
//! in-process on 127.0.0.1 with their data kept in `<data_dir>/rehearsal/` between processes
//! and app launches, a made-up account (made once, so its keys and the Cloudflare token are
//! the same in every process) with the seed's test catalog, golive's reference Worker as the
//! sample project, and the node packages it runs with ([`node`]) — so someone with no Stripe
//! account walks the whole wizard, across as many processes as they like. Verify runs the
//! sample Worker locally with `wrangler dev` and the secrets the Cloudflare stand-in holds
//! ([`golive::wizard::LocalWorld`]). Nothing leaves the machine (but the one-time npm install
//! when golive has no node packages yet); wrangler gets its own config folder, so the user's
//! real Cloudflare login is never touched. One process at a time has a data folder's
//! rehearsal open (a lock); [`Rehearsal::reset`] starts it over.

pub mod node;
pub mod project;

pub use node::{NodePackages, NodeSearch, NodeSource, NODE_MODULES_VAR, STRIPE_VERSION, WRANGLER_VERSION};
pub use project::{CF_ACCOUNT_ID, WORKER_NAME};

use cloudflare_standin::CloudflareStandIn;
use futures::future::BoxFuture;
use golive::environment::{Environment, Mode};
use golive::local_worker::LocalWorker;
use golive::progress::{ProgressSink, Silent};
use golive::wizard::{LocalWorld, Problem, ProblemKind};
use secrecy::{ExposeSecret, SecretString};
use std::fs::File;
use std::path::{Path, PathBuf};
use stripe_standin::StandIn;

/// The rehearsal's folder under the data folder.
const DIR: &str = "rehearsal";
const STRIPE_FILE: &str = "stripe.json";
const CLOUDFLARE_FILE: &str = "cloudflare.json";
const LOCK_FILE: &str = ".lock";
const CF_EMAIL: &str = "founder@rehearsal.invalid";
const RESET_FIX: &str = "Start the rehearsal over: run `golive --rehearsal reset` (or start it over in the app). That deletes only the rehearsal's made-up account and sample project; nothing real is touched.";

/// What the wizard's Connect step gets from the rehearsal: the made-up keys, the sample
/// project, and the made-up Cloudflare API token (for rehearsing "Paste an API token").
pub struct Inputs {
    pub test_key: SecretString,
    pub live_key: SecretString,
    pub project_dir: PathBuf,
    pub cloudflare_token: SecretString,
}

/// An open rehearsal: both stand-ins serving and saving, until it is dropped.
pub struct Rehearsal {
    stripe: StandIn,
    cloudflare: CloudflareStandIn,
    account_id: String,
    test_key: SecretString,
    live_key: SecretString,
    cloudflare_token: SecretString,
    data_dir: PathBuf,
    project_dir: PathBuf,
    wrangler_home: PathBuf,
    node: NodePackages,
    search: NodeSearch,
    // Last: released once the stand-ins above have stopped.
    _lock: Held,
}

fn files_problem(what: &Path, e: impl std::fmt::Display) -> Problem {
    // The data folder is the user's to fix (a file in the way, no permission, a full disk).
    Problem::new(
        ProblemKind::InvalidInput,
        "rehearsal_files",
        format!("Could not use the rehearsal's folder {}: {e}", what.display()),
        "Check that golive's data folder (~/.local/share/golive, or GOLIVE_DATA_DIR) is a folder you may write to and the disk has space, then open the rehearsal again.",
    )
}

/// A stand-in that could not start from its saved state.
fn state_problem(e: std::io::Error, file: &Path) -> Problem {
    if e.kind() == std::io::ErrorKind::InvalidData {
        Problem::new(ProblemKind::Refused, "rehearsal_damaged", e.to_string(), RESET_FIX)
    } else {
        files_problem(file, e)
    }
}

/// The data folder's rehearsal, held by this process while it is open.
struct Held {
    _file: File,
}

/// Takes the data folder's rehearsal for this process, or says who has it. The lock is the
/// operating system's (`flock`): one left by a process that died is free at once.
fn lock(root: &Path, action: &str) -> Result<Held, Problem> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = root.join(LOCK_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| files_problem(&path, e))?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for a second golive to show.
            let _ = file.set_len(0);
            let _ = write!(file, "process {}, {action}", std::process::id());
            Ok(Held { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            Err(Problem::new(
                ProblemKind::Refused,
                "rehearsal_in_use",
                format!(
                    "The rehearsal is open in another golive ({}): the app, or a `golive --rehearsal` command still running.",
                    Some(holder.trim()).filter(|h| !h.is_empty()).unwrap_or("another process")
                ),
                "Close the golive window that shows the rehearsal (or let the other command finish), then try again. Two at once would each change the made-up account without the other knowing.",
            ))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(files_problem(&path, e)),
    }
}

impl Rehearsal {
    /// Opens the data folder's rehearsal: the stand-ins start from their saved state (the
    /// first time: a new made-up account, saved), the sample project is written, and the node
    /// packages are found or installed (see [`node`]) with `GOLIVE_NODE_MODULES` and `PATH`.
    pub async fn open(data_dir: &Path) -> Result<Rehearsal, Problem> {
        Self::open_with(data_dir, &NodeSearch::from_env(), &Silent).await
    }

    /// [`Self::open`], finding the node packages as `search` says and reporting an install's
    /// progress to `sink`.
    pub async fn open_with(
        data_dir: &Path,
        search: &NodeSearch,
        sink: &dyn ProgressSink,
    ) -> Result<Rehearsal, Problem> {
        let root = data_dir.join(DIR);
        std::fs::create_dir_all(&root).map_err(|e| files_problem(&root, e))?;
        let lock = lock(&root, "rehearsal open")?;
        // Both saved states are read before either stand-in is seeded: a damaged one stops
        // the rehearsal with nothing written.
        let stripe_file = root.join(STRIPE_FILE);
        let cloudflare_file = root.join(CLOUDFLARE_FILE);
        let stripe = StandIn::start_persisted(&stripe_file).await.map_err(|e| state_problem(e, &stripe_file))?;
        let cloudflare = CloudflareStandIn::start_persisted(CF_EMAIL, &cloudflare_file)
            .await
            .map_err(|e| state_problem(e, &cloudflare_file))?;
        let keys = match stripe.account_ids().first() {
            Some(id) => stripe.account_keys(id).ok_or_else(|| {
                Problem::new(
                    ProblemKind::Refused,
                    "rehearsal_damaged",
                    format!("{} holds the rehearsal's account but not its keys.", stripe_file.display()),
                    RESET_FIX,
                )
            })?,
            None => stripe.seed_rehearsal(),
        };
        let token = seed_cloudflare(&cloudflare);
        if let Some(error) = stripe.save_error().or_else(|| cloudflare.save_error()) {
            return Err(files_problem(&root, error));
        }
        let node = node::find_or_install(data_dir, search, sink).await?;
        let project_dir = root.join("project");
        project::write(&project_dir, &node.node_modules)?;
        let wrangler_home = root.join("wrangler-home");
        std::fs::create_dir_all(&wrangler_home).map_err(|e| files_problem(&wrangler_home, e))?;
        Ok(Rehearsal {
            stripe,
            cloudflare,
            account_id: keys.account_id,
            test_key: SecretString::from(keys.test_secret),
            live_key: SecretString::from(keys.live_secret),
            cloudflare_token: SecretString::from(token),
            data_dir: data_dir.to_path_buf(),
            project_dir,
            wrangler_home,
            node,
            search: search.clone(),
            _lock: lock,
        })
    }

    /// Deletes the data folder's rehearsal (both stand-ins' saved state, the made-up account,
    /// the sample project, wrangler's rehearsal config); the next [`Self::open`] starts anew.
    /// The rehearsal's sessions go too. The installed node packages stay. Refused while a rehearsal is open on this folder
    /// (drop it first, or use [`Self::start_over`]).
    pub fn reset(data_dir: &Path) -> Result<(), Problem> {
        let root = data_dir.join(DIR);
        let _held = match root.exists() {
            true => Some(lock(&root, "resetting the rehearsal")?),
            false => None,
        };
        // The rehearsal's sessions record what was done to the made-up account: they go with it.
        let store = golive::wizard::SessionStore::new(data_dir);
        for project in store.recent().into_iter().filter(|p| p.mode == Mode::Rehearsal) {
            store.remove(Mode::Rehearsal, &project.project_dir)?;
        }
        if !root.exists() {
            return Ok(());
        }
        // Does not follow symbolic links: the project's node_modules link goes, not its target.
        std::fs::remove_dir_all(&root).map_err(|e| files_problem(&root, e))
    }

    /// Closes this rehearsal, resets it and opens a new one in the same data folder.
    pub async fn start_over(self, sink: &dyn ProgressSink) -> Result<Rehearsal, Problem> {
        let (data_dir, search) = (self.data_dir.clone(), self.search.clone());
        drop(self);
        Self::reset(&data_dir)?;
        Self::open_with(&data_dir, &search, sink).await
    }

    /// The environment every step uses during the rehearsal.
    pub fn environment(&self) -> Environment {
        let home = self.wrangler_home.display().to_string();
        Environment {
            mode: Mode::Rehearsal,
            stripe_base_url: Some(self.stripe.base_url()),
            wrangler_env: vec![
                ("CLOUDFLARE_API_BASE_URL".into(), self.cloudflare.api_base_url()),
                ("CLOUDFLARE_API_TOKEN".into(), self.cloudflare_token.expose_secret().to_string()),
                ("CLOUDFLARE_ACCOUNT_ID".into(), CF_ACCOUNT_ID.into()),
                ("XDG_CONFIG_HOME".into(), home.clone()),
                ("WRANGLER_LOG_PATH".into(), format!("{home}/logs")),
                ("WRANGLER_CACHE_DIR".into(), format!("{home}/cache")),
                // An unreachable registry stops wrangler's update check from going online.
                ("npm_registry".into(), "http://127.0.0.1:9/".into()),
                ("CLOUDFLARE_CF_FETCH_ENABLED".into(), "false".into()),
            ],
            wrangler_program: golive::environment::wrangler_override(),
            webhook_probe_base: None,
            stripe_timeout: None,
            cloudflare_token: Default::default(),
        }
    }

    /// The made-up keys (the newest live one, after a roll) and the sample project, for
    /// Connect.
    pub fn inputs(&self) -> Inputs {
        let live_key = match self.stripe.account_keys(&self.account_id) {
            Some(keys) => SecretString::from(keys.live_secret),
            None => self.live_key.clone(),
        };
        Inputs {
            test_key: self.test_key.clone(),
            live_key,
            project_dir: self.project_dir.clone(),
            cloudflare_token: self.cloudflare_token.clone(),
        }
    }

    /// The rehearsal's Dashboard: "Roll key" on the live secret key, with a later expiry (the
    /// old key keeps working). The new key, for Rotate to be given as a user would paste it.
    pub fn roll_live_key(&self) -> SecretString {
        SecretString::from(self.stripe.roll_key(&self.account_id, true))
    }

    pub fn project_dir(&self) -> &Path {
        &self.project_dir
    }

    /// The made-up Stripe account's id.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The node packages the sample Worker runs with.
    pub fn node_packages(&self) -> &NodePackages {
        &self.node
    }

    /// The Stripe stand-in (tests count its objects).
    pub fn stripe(&self) -> &StandIn {
        &self.stripe
    }

    /// The Cloudflare stand-in (tests read the secrets it holds).
    pub fn cloudflare(&self) -> &CloudflareStandIn {
        &self.cloudflare
    }
}

/// Makes the Cloudflare side once (a token, the account, its subdomain, the deployed sample
/// Worker), each part only if missing; returns the token.
fn seed_cloudflare(cloudflare: &CloudflareStandIn) -> String {
    let token = match cloudflare.tokens().into_iter().next() {
        Some(token) => token,
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default();
            let token = format!("rehearsal-{}-{nanos}", std::process::id());
            cloudflare.add_token(&token);
            token
        }
    };
    match cloudflare.accounts().into_iter().find(|a| a.id == CF_ACCOUNT_ID) {
        Some(account) => {
            if account.subdomain.is_none() {
                cloudflare.set_subdomain(CF_ACCOUNT_ID, "rehearsal");
            }
            if !account.scripts.contains_key(WORKER_NAME) {
                cloudflare.add_script(CF_ACCOUNT_ID, WORKER_NAME);
            }
        }
        None => {
            cloudflare.add_account(CF_ACCOUNT_ID, "Rehearsal account");
            cloudflare.set_subdomain(CF_ACCOUNT_ID, "rehearsal");
            cloudflare.add_script(CF_ACCOUNT_ID, WORKER_NAME);
        }
    }
    token
}

impl LocalWorld for Rehearsal {
    /// The sample Worker run by `wrangler dev` with the secrets the Cloudflare stand-in holds
    /// for it (what the Secrets step pushed, in this process or an earlier one).
    fn start_worker<'a>(&'a self, env: &'a Environment) -> BoxFuture<'a, Result<LocalWorker, Problem>> {
        Box::pin(async move {
            let secrets: Vec<(String, SecretString)> = self
                .cloudflare
                .secrets(CF_ACCOUNT_ID, WORKER_NAME)
                .unwrap_or_default()
                .into_iter()
                .map(|(name, value)| (name, SecretString::from(value)))
                .collect();
            let wrangler =
                env.wrangler_program.clone().unwrap_or_else(|| self.project_dir.join("node_modules/.bin/wrangler"));
            LocalWorker::start(&wrangler, &self.project_dir, env, &secrets).await.map_err(|message| {
                Problem::new(
                    ProblemKind::Refused,
                    "rehearsal_worker",
                    message,
                    format!(
                        "The rehearsal runs its sample Worker with the wrangler in {}; wrangler's own words are in {}. Try Verify again; if it fails the same way, start the rehearsal over (`golive --rehearsal reset`).",
                        self.node.node_modules.display(),
                        self.project_dir.join("dev.log").display()
                    ),
                )
            })
        })
    }

    fn route_deliveries(&self, endpoint_url: &str, worker: &LocalWorker) {
        if let Some(host) = url::Url::parse(endpoint_url).ok().and_then(|u| u.host_str().map(str::to_string)) {
            self.stripe.route_deliveries(&host, &worker.base_url());
        }
    }

    /// The stand-in's hook for what a customer does on the checkout page.
    fn complete_checkout<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), Problem>> {
        Box::pin(async move {
            self.stripe.complete_checkout(&self.account_id, true, id).await.map(|_| ()).map_err(|message| {
                Problem::new(
                    ProblemKind::Refused,
                    "rehearsal_checkout",
                    format!("The rehearsal's checkout could not be completed: {message}"),
                    "Start a new smoke purchase (the stopped one is cleaned up), or start the rehearsal over (`golive --rehearsal reset`).",
                )
            })
        })
    }
}
