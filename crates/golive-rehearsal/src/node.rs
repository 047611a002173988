//! The node packages the rehearsal's sample Worker runs with: `wrangler` (it runs the Worker
//! with `wrangler dev` and pushes its secrets) and npm `stripe` (the Worker imports it), at
//! the versions golive pins. An installed golive has no source checkout, so they are found,
//! in this order: in `GOLIVE_NODE_MODULES` (a `node_modules` folder holding both; the
//! repository's scripts and tests point it at the repository's), in
//! `<data_dir>/node/node_modules` once installed there, or installed there once with the
//! user's npm — reporting progress, and with a clear problem and fix when npm is missing or
//! cannot reach its registry. An install goes to a folder of its own first and is moved into
//! place only once complete, so an interrupted one is never taken for a finished one.
//!
//! The whole tree is pinned, not only the two packages: golive carries a lockfile
//! (`node/package-lock.json`, the repository's own resolutions) and installs with `npm ci`,
//! so every installed golive runs the same wrangler, workerd and esbuild the tests ran, each
//! checked against its integrity hash (and an npm cache that holds them needs no network).

use golive::progress::{Progress, ProgressSink, StepEvent};
use golive::steps::StepId;
use golive::wizard::{Problem, ProblemKind};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// The wrangler golive pins (package-lock.json).
pub const WRANGLER_VERSION: &str = "4.86.0";
/// The npm `stripe` golive pins (package-lock.json): the typings golive follows, API `2026-10-28.endive`.
pub const STRIPE_VERSION: &str = "23.1.0";
/// A `node_modules` folder holding wrangler and stripe, used instead of installing them.
pub const NODE_MODULES_VAR: &str = "GOLIVE_NODE_MODULES";

const PACKAGES: [(&str, &str); 2] = [("wrangler", WRANGLER_VERSION), ("stripe", STRIPE_VERSION)];
/// What `npm ci` installs: the two packages, and every package under them at the versions
/// of the repository's package-lock.json (checked by a test).
const MANIFEST: &str = include_str!("../node/package.json");
const LOCKFILE: &str = include_str!("../node/package-lock.json");
/// npm downloads about 200 MB (workerd is most of it); a slow line may take minutes.
const INSTALL_TIME_LIMIT: Duration = Duration::from_secs(15 * 60);
const NODE_DOWNLOAD: &str = "https://nodejs.org/en/download";

/// Where to look: what `GOLIVE_NODE_MODULES` and `PATH` say, or what a test says instead.
#[derive(Debug, Clone, Default)]
pub struct NodeSearch {
    /// `GOLIVE_NODE_MODULES`: use these packages, install nothing.
    pub node_modules: Option<PathBuf>,
    /// Where npm is looked for (and the PATH npm runs with); `None`: this process's PATH.
    pub path: Option<OsString>,
}

impl NodeSearch {
    /// `GOLIVE_NODE_MODULES` and `PATH` of this process.
    pub fn from_env() -> Self {
        Self {
            node_modules: std::env::var_os(NODE_MODULES_VAR).filter(|v| !v.is_empty()).map(PathBuf::from),
            path: std::env::var_os("PATH"),
        }
    }
}

/// Where the packages were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeSource {
    /// `GOLIVE_NODE_MODULES`.
    Given,
    /// Installed in the data folder by an earlier run.
    DataFolder,
    /// Installed in the data folder just now.
    JustInstalled,
}

/// A `node_modules` folder holding wrangler and stripe.
#[derive(Debug, Clone)]
pub struct NodePackages {
    pub node_modules: PathBuf,
    pub source: NodeSource,
}

impl NodePackages {
    /// The wrangler in it.
    pub fn wrangler(&self) -> PathBuf {
        self.node_modules.join(".bin").join("wrangler")
    }
}

/// The `version` of `node_modules/<package>/package.json`.
fn version_of(node_modules: &Path, package: &str) -> Option<String> {
    let text = std::fs::read_to_string(node_modules.join(package).join("package.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("version")?.as_str().map(str::to_string)
}

/// The packages `node_modules` lacks (wrangler counts only with its `.bin/wrangler`).
fn missing(node_modules: &Path) -> Vec<&'static str> {
    PACKAGES
        .iter()
        .filter(|(package, _)| {
            version_of(node_modules, package).is_none()
                || (*package == "wrangler" && !node_modules.join(".bin/wrangler").exists())
        })
        .map(|(package, _)| *package)
        .collect()
}

/// Whether `node_modules` holds both packages at the pinned versions.
fn pinned(node_modules: &Path) -> bool {
    missing(node_modules).is_empty()
        && PACKAGES.iter().all(|(package, version)| version_of(node_modules, package).as_deref() == Some(*version))
}

fn packages_words() -> String {
    format!("wrangler {WRANGLER_VERSION} and stripe {STRIPE_VERSION}")
}

/// Finds the packages, installing them into `<data_dir>/node` when they are nowhere yet.
/// An install reports its start and end to `sink` as progress of the Connect step (the
/// rehearsal opens before it).
pub async fn find_or_install(
    data_dir: &Path,
    search: &NodeSearch,
    sink: &dyn ProgressSink,
) -> Result<NodePackages, Problem> {
    if let Some(given) = &search.node_modules {
        // Absolute: the sample project links to it from another folder.
        let given = &std::path::absolute(given).unwrap_or_else(|_| given.clone());
        let lacking = missing(given);
        if !lacking.is_empty() {
            return Err(Problem::invalid(
                format!("{NODE_MODULES_VAR} is {}, which holds no {}.", given.display(), lacking.join(" and ")),
                format!(
                    "Point {NODE_MODULES_VAR} at a node_modules folder that holds wrangler and stripe (one where `npm install wrangler@{WRANGLER_VERSION} stripe@{STRIPE_VERSION}` ran), or unset it and golive installs them itself."
                ),
            )
            .with_code("node_modules_incomplete"));
        }
        return Ok(NodePackages { node_modules: given.clone(), source: NodeSource::Given });
    }
    let installed = data_dir.join("node").join("node_modules");
    if pinned(&installed) {
        return Ok(NodePackages { node_modules: installed, source: NodeSource::DataFolder });
    }
    install(data_dir, search, sink).await?;
    Ok(NodePackages { node_modules: installed, source: NodeSource::JustInstalled })
}

fn progress(sink: &dyn ProgressSink, done: usize, message: String) {
    sink.emit(StepEvent::Progress(Progress {
        step: StepId::Connect,
        item: "node packages".into(),
        done,
        total: 1,
        message,
    }));
}

fn npm_missing() -> Problem {
    Problem::new(
        ProblemKind::NotReady,
        "npm_missing",
        format!(
            "The rehearsal's sample Worker runs with two node packages ({}), and npm, which installs them, was not found.",
            packages_words()
        ),
        "Install Node.js 20 or newer, which brings npm: on Debian or Ubuntu run `sudo apt-get install nodejs npm` (then check that `node --version` says v20 or more; if it is older, use the installer from nodejs.org instead); on other systems use the installer from nodejs.org. Then open the rehearsal again.",
    )
    .with_link("Download Node.js", NODE_DOWNLOAD)
}

/// The last lines of npm's error output worth showing.
fn npm_says(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let errors: Vec<&str> =
        lines.iter().copied().filter(|l| l.starts_with("npm error") || l.starts_with("npm ERR!")).collect();
    let shown = if errors.is_empty() { &lines[..] } else { &errors[..] };
    shown[shown.len().saturating_sub(4)..].join(" / ")
}

fn unreachable_registry(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr);
    ["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "network"]
        .iter()
        .any(|code| text.contains(code))
}

async fn install(data_dir: &Path, search: &NodeSearch, sink: &dyn ProgressSink) -> Result<(), Problem> {
    let path = search.path.clone().or_else(|| std::env::var_os("PATH"));
    let npm = which::which_in("npm", path.clone(), data_dir).map_err(|_| npm_missing())?;
    let files = |e: std::io::Error, what: &Path| {
        Problem::new(
            ProblemKind::Refused,
            "rehearsal_files",
            format!("Could not prepare {} for the rehearsal's node packages: {e}", what.display()),
            "Check that golive's data folder is writable and the disk has space (about 200 MB), then open the rehearsal again.",
        )
    };
    let staging = data_dir.join("node.installing");
    match std::fs::remove_dir_all(&staging) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(files(e, &staging)),
        _ => {}
    }
    std::fs::create_dir_all(&staging).map_err(|e| files(e, &staging))?;
    for (name, text) in [("package.json", MANIFEST), ("package-lock.json", LOCKFILE)] {
        std::fs::write(staging.join(name), text).map_err(|e| files(e, &staging))?;
    }
    progress(
        sink,
        0,
        format!("Installing {} for the rehearsal's sample Worker with npm (once; about 200 MB)…", packages_words()),
    );
    let mut command = tokio::process::Command::new(&npm);
    command
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(&staging)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(path) = &path {
        command.env("PATH", path);
    }
    let what = format!("npm could not install {} into {}", packages_words(), staging.display());
    let output = match tokio::time::timeout(INSTALL_TIME_LIMIT, command.output()).await {
        Err(_) => {
            return Err(Problem::new(
                ProblemKind::Refused,
                "npm_install_failed",
                format!("{what}: it did not finish within 15 minutes."),
                "Check the internet connection (npm downloads about 200 MB from its registry once), then open the rehearsal again.",
            ))
        }
        Ok(Err(e)) => {
            return Err(Problem::new(
                ProblemKind::Refused,
                "npm_install_failed",
                format!("{what}: npm ({}) could not start: {e}", npm.display()),
                "Check that npm works in a terminal (`npm --version`); reinstall Node.js if it does not, then open the rehearsal again.",
            )
            .with_link("Download Node.js", NODE_DOWNLOAD))
        }
        Ok(Ok(output)) => output,
    };
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&staging);
        let says = npm_says(&output.stderr);
        return Err(if unreachable_registry(&output.stderr) {
            Problem::new(
                ProblemKind::Refused,
                "npm_registry_unreachable",
                format!("{what}: npm could not reach its registry ({says})."),
                format!(
                    "Connect to the internet (npm downloads about 200 MB from registry.npmjs.org once; behind a proxy, set it with `npm config set proxy …`), then open the rehearsal again. Or set {NODE_MODULES_VAR} to a node_modules folder that already holds wrangler and stripe."
                ),
            )
        } else {
            Problem::new(
                ProblemKind::Refused,
                "npm_install_failed",
                format!("{what}: {says}"),
                format!(
                    "Run the same install in a terminal to see npm's whole message: `npm install --prefix /tmp/golive-node wrangler@{WRANGLER_VERSION} stripe@{STRIPE_VERSION}`; fix what it names, then open the rehearsal again."
                ),
            )
        });
    }
    finish(data_dir, &staging, &what)?;
    progress(sink, 1, format!("Installed {} for the rehearsal.", packages_words()));
    Ok(())
}

/// Moves a complete install into place (replacing an older one).
fn finish(data_dir: &Path, staging: &Path, what: &str) -> Result<(), Problem> {
    let lacking = missing(&staging.join("node_modules"));
    if !lacking.is_empty() {
        let _ = std::fs::remove_dir_all(staging);
        return Err(Problem::new(
            ProblemKind::Refused,
            "npm_install_failed",
            format!("{what}: npm finished, but {} is not there.", lacking.join(" and ")),
            format!(
                "Run the same install in a terminal to see what npm does: `npm install --prefix /tmp/golive-node wrangler@{WRANGLER_VERSION} stripe@{STRIPE_VERSION}`; then open the rehearsal again."
            ),
        ));
    }
    let home = data_dir.join("node");
    let moved = match std::fs::remove_dir_all(&home) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => std::fs::rename(staging, &home),
    };
    moved.map_err(|e| {
        Problem::new(
            ProblemKind::Refused,
            "rehearsal_files",
            format!("Could not move the installed node packages to {}: {e}", home.display()),
            "Check that golive's data folder is writable, then open the rehearsal again.",
        )
    })
}
