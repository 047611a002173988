//! The user's `wrangler` CLI: finding it (the project's own `node_modules/.bin` first, then
//! PATH), its version, `wrangler whoami`, and turning its failures into what to do. Every run
//! gets no secret on its argv (secrets go on stdin, then stdin closes), a time limit, and is
//! stopped with SIGTERM to its whole process group (wrangler starts a second node process
//! that SIGKILL would leave behind).

use crate::environment::Environment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// The variable wrangler reads an API token from (golive sets it in wrangler's environment
/// only, never on argv).
pub const TOKEN_VAR: &str = "CLOUDFLARE_API_TOKEN";

const RUN_LIMIT: Duration = Duration::from_secs(60);

/// A wrangler found on this machine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Wrangler {
    pub program: PathBuf,
    pub version: String,
    pub source: WranglerSource,
}

/// Where golive found wrangler.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WranglerSource {
    /// The project's own `node_modules/.bin`.
    Project,
    /// The first on PATH.
    Path,
    /// Named by `GOLIVE_WRANGLER`.
    Configured,
}

impl WranglerSource {
    pub fn describe(self) -> &'static str {
        match self {
            WranglerSource::Project => "the project's node_modules",
            WranglerSource::Path => "PATH",
            WranglerSource::Configured => "GOLIVE_WRANGLER",
        }
    }
}

/// Who wrangler is logged in as.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WhoAmI {
    pub email: Option<String>,
    pub auth_type: Option<String>,
    pub accounts: Vec<CloudflareAccount>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CloudflareAccount {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WranglerError {
    NotInstalled,
    /// Ran, but would not start (node missing or too old, broken install).
    Broken(String),
    NotLoggedIn,
    /// Cloudflare refused the token for the Worker's account (code 10000).
    WrongAccount {
        account: Option<String>,
    },
    /// The Worker is not deployed (code 10007): its secrets have nowhere to go yet.
    WorkerNotFound {
        script: String,
    },
    /// A gradual deployment is in progress (the latest version is not the one fully deployed):
    /// Cloudflare refuses `secret put|bulk` until it ends (code 10214).
    GradualDeployment {
        script: String,
    },
    /// The Cloudflare API answered with an error (code and message, ANSI stripped).
    Api(String),
    TimedOut,
}

impl WranglerError {
    pub fn message(&self) -> String {
        match self {
            WranglerError::NotInstalled => "wrangler is not installed in this project or on PATH.".into(),
            WranglerError::Broken(m) => format!("wrangler would not run: {m}"),
            WranglerError::NotLoggedIn => {
                "wrangler is not logged in to Cloudflare, and CLOUDFLARE_API_TOKEN is not set.".into()
            }
            WranglerError::WrongAccount { account } => format!(
                "Cloudflare refused wrangler's login for the Worker's account{} (Authentication error, code 10000).",
                account.as_deref().map(|a| format!(" {a}")).unwrap_or_default()
            ),
            WranglerError::WorkerNotFound { script } => {
                format!("The Worker “{script}” is not deployed on this Cloudflare account yet.")
            }
            WranglerError::GradualDeployment { script } => format!(
                "A gradual deployment of the Worker “{script}” is in progress (its latest version is not the one fully deployed), and Cloudflare refuses to change secrets until it ends (code 10214). Nothing was pushed."
            ),
            WranglerError::Api(m) => format!("Cloudflare refused wrangler: {m}"),
            WranglerError::TimedOut => "wrangler did not answer within a minute.".into(),
        }
    }

    pub fn fix(&self) -> String {
        match self {
            WranglerError::NotInstalled => "Install it in your project folder: `npm install --save-dev wrangler` (needs Node.js 20 or newer). golive looks in the project's node_modules first.".into(),
            WranglerError::Broken(_) => "Reinstall it with `npm install --save-dev wrangler@4` in the project folder, and check `node --version` is 20 or newer.".into(),
            WranglerError::NotLoggedIn => "Log in to Cloudflare from golive: press “Log in to Cloudflare” (it opens your browser), or paste an API token made with golive's permissions. In a terminal: `golive cloudflare login` or `golive cloudflare token`.".into(),
            WranglerError::WrongAccount { .. } => "Check that `account_id` in the wrangler configuration is an account `npx wrangler whoami` lists, and that the login or API token may edit Workers there (“Edit Cloudflare Workers” template).".into(),
            WranglerError::WorkerNotFound { .. } => "Deploy it first: golive shows what it would run and does it on your click (“Deploy the Worker”, or `golive deploy` in a terminal); or run `npx wrangler deploy` in the project folder yourself. Then press the button again.".into(),
            WranglerError::GradualDeployment { .. } => "Finish or roll back the gradual deployment first: `npx wrangler deployments status` shows the versions and their percentages, and `npx wrangler versions deploy <version-id>@100% --yes` rolls one out to all traffic. Then run this step again. (golive does not end your rollout for you: the version it would deploy is the one you are still testing.)".into(),
            WranglerError::Api(_) => "Check that the API token is still valid and has the “Edit Cloudflare Workers” permissions, then check again.".into(),
            WranglerError::TimedOut => "Check the internet connection, then check again.".into(),
        }
    }
}

/// The wrangler npm puts in a project's `node_modules/.bin`: a shell script on Unix, a
/// `wrangler.cmd` shim on Windows.
pub fn local_program(project_dir: &Path, windows: bool) -> PathBuf {
    project_dir.join("node_modules").join(".bin").join(if windows { "wrangler.cmd" } else { "wrangler" })
}

/// Finds wrangler for a project and asks its version.
pub async fn locate(project_dir: &Path, env: &Environment) -> Result<Wrangler, WranglerError> {
    let local = local_program(project_dir, cfg!(windows));
    let (program, source) = if let Some(p) = &env.wrangler_program {
        (p.clone(), WranglerSource::Configured)
    } else if local.is_file() {
        (local, WranglerSource::Project)
    } else {
        (which::which("wrangler").map_err(|_| WranglerError::NotInstalled)?, WranglerSource::Path)
    };
    // Reading the version from wrangler's package.json saves a node start (~0.8 s) on every
    // Connect; whether it actually runs shows at its first real command (see `whoami`).
    let version = match package_version(&program) {
        Some(version) => version,
        None => ask_version(&program, project_dir, env).await?,
    };
    Ok(Wrangler { program, version, source })
}

/// `wrangler --version`; a wrangler that cannot answer it is broken (node missing or too old).
async fn ask_version(program: &Path, project_dir: &Path, env: &Environment) -> Result<String, WranglerError> {
    let output = run(program, &["--version"], project_dir, env).await?;
    if !output.success {
        return Err(WranglerError::Broken(first_line(&output.stderr, &output.stdout)));
    }
    Ok(output
        .stdout
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .unwrap_or("unknown")
        .to_string())
}

/// The version of the wrangler package a program belongs to, read from its package.json
/// without running it: npm's `node_modules/.bin/wrangler` (a link to
/// `../wrangler/bin/wrangler.js` on Unix, a `wrangler.cmd` shim on Windows) or the package's
/// own `bin/wrangler.js`. `None` for anything else (a wrapper script, a global shim): that
/// one is asked with `--version`.
pub fn package_version(program: &Path) -> Option<String> {
    let in_bin_dir = program.parent().filter(|dir| dir.file_name().is_some_and(|n| n == ".bin"));
    let mut manifests: Vec<PathBuf> = in_bin_dir
        .and_then(Path::parent)
        .map(|modules| modules.join("wrangler").join("package.json"))
        .into_iter()
        .collect();
    if let Ok(real) = std::fs::canonicalize(program) {
        // bin/wrangler.js → the package folder, two levels up at most.
        manifests.extend(real.ancestors().skip(1).take(2).map(|dir| dir.join("package.json")));
    }
    manifests.into_iter().find_map(|manifest| {
        let text = std::fs::read_to_string(&manifest).ok()?;
        let package: serde_json::Value = serde_json::from_str(&text).ok()?;
        (package["name"] == "wrangler" && manifest.parent()?.join("bin").is_dir())
            .then(|| package["version"].as_str().map(str::to_string))
            .flatten()
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WhoAmIJson {
    logged_in: bool,
    auth_type: Option<String>,
    email: Option<String>,
    #[serde(default)]
    accounts: Vec<CloudflareAccount>,
}

/// `wrangler whoami --json`.
pub async fn whoami(wrangler: &Wrangler, project_dir: &Path, env: &Environment) -> Result<WhoAmI, WranglerError> {
    let output = run(&wrangler.program, &["whoami", "--json"], project_dir, env).await?;
    let parsed: Option<WhoAmIJson> = serde_json::from_str(output.stdout.trim()).ok();
    match parsed {
        Some(w) if w.logged_in => Ok(WhoAmI { email: w.email, auth_type: w.auth_type, accounts: w.accounts }),
        Some(_) => Err(WranglerError::NotLoggedIn),
        None if output.stdout.contains("not authenticated") => Err(WranglerError::NotLoggedIn),
        // No answer in wrangler's own words: a wrangler that does not start at all (its
        // version was read from package.json) is broken, not refused by Cloudflare.
        None if !output.success && ask_version(&wrangler.program, project_dir, env).await.is_err() => {
            Err(WranglerError::Broken(first_line(&output.stderr, &output.stdout)))
        }
        None => Err(WranglerError::Api(first_line(&output.stderr, &output.stdout))),
    }
}

pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// The variables of golive's own environment a wrangler child may see: what node, npm and
/// wrangler need to run, log in, reach the network (proxies, CA bundles) and open a browser —
/// and nothing else. golive's own variables (the Stripe keys in `GOLIVE_STRIPE_*_KEY`) and
/// anything unrelated never reach wrangler, a script from the project's node_modules.
pub fn inherited_env(
    vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    const NAMES: [&str; 18] = [
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "TERM",
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "BROWSER",
        "DBUS_SESSION_BUS_ADDRESS",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "NO_COLOR",
    ];
    const PREFIXES: [&str; 7] = ["LC_", "XDG_", "CLOUDFLARE_", "WRANGLER_", "NODE_", "npm_config_", "NPM_CONFIG_"];
    const PROXIES: [&str; 4] = ["http_proxy", "https_proxy", "no_proxy", "all_proxy"];
    vars.filter(|(name, _)| {
        let Some(name) = name.to_str() else { return false };
        NAMES.contains(&name)
            || PREFIXES.iter().any(|p| name.starts_with(p))
            || PROXIES.iter().any(|p| name.eq_ignore_ascii_case(p))
    })
    .collect()
}

/// Runs wrangler with `args` (never a secret) in `dir`, stdin closed, within the time limit.
pub async fn run(program: &Path, args: &[&str], dir: &Path, env: &Environment) -> Result<Output, WranglerError> {
    run_with_input(program, args, dir, env, None).await
}

/// Runs wrangler like [`run`], writing `input` (a secret payload) to its stdin, then closing it.
pub async fn run_with_input(
    program: &Path,
    args: &[&str],
    dir: &Path,
    env: &Environment,
    input: Option<&SecretString>,
) -> Result<Output, WranglerError> {
    let mut command = command(program, args, dir, env);
    command.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.spawn().map_err(spawn_error)?;
    let pid = child.id();
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        use tokio::io::AsyncWriteExt;
        // A write error means wrangler exited early; its output says why.
        let _ = stdin.write_all(input.expose_secret().as_bytes()).await;
        let _ = stdin.shutdown().await;
    }
    match tokio::time::timeout(RUN_LIMIT, child.wait_with_output()).await {
        Ok(Ok(out)) => Ok(Output {
            success: out.status.success(),
            stdout: strip_ansi(&String::from_utf8_lossy(&out.stdout)),
            stderr: strip_ansi(&String::from_utf8_lossy(&out.stderr)),
        }),
        Ok(Err(e)) => Err(WranglerError::Broken(e.to_string())),
        Err(_) => {
            if let Some(pid) = pid {
                terminate_group(pid);
            }
            Err(WranglerError::TimedOut)
        }
    }
}

/// wrangler with golive's rules: only the inherited variables [`inherited_env`] lets through,
/// no telemetry, no colour, the environment's own variables, and the Cloudflare token golive
/// was given (in the environment only); output piped; its own process group.
fn command(program: &Path, args: &[&str], dir: &Path, env: &Environment) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_clear()
        .envs(inherited_env(std::env::vars_os()))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("WRANGLER_SEND_ERROR_REPORTS", "false")
        .env("WRANGLER_HIDE_BANNER", "true")
        .env("NO_COLOR", "1")
        .envs(env.wrangler_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .process_group(0)
        .kill_on_drop(false);
    if let Some(token) = env.cloudflare_token.get() {
        command.env(TOKEN_VAR, token.expose_secret());
    }
    command
}

fn spawn_error(e: std::io::Error) -> WranglerError {
    match e.kind() {
        std::io::ErrorKind::NotFound => WranglerError::NotInstalled,
        _ => WranglerError::Broken(e.to_string()),
    }
}

/// Runs wrangler like [`run`] for up to `limit`, handing each line it prints (stdout and
/// stderr, colour removed) to `on_line` as it comes: for commands that talk to the user while
/// they run (`wrangler login`).
pub async fn run_streaming(
    program: &Path,
    args: &[&str],
    dir: &Path,
    env: &Environment,
    limit: Duration,
    on_line: &(dyn Fn(&str) + Sync),
) -> Result<Output, WranglerError> {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = command(program, args, dir, env).spawn().map_err(spawn_error)?;
    let pid = child.id();
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut stderr = BufReader::new(child.stderr.take().expect("piped")).lines();
    let (mut out, mut err) = (String::new(), String::new());
    let read_all = async {
        let (mut out_open, mut err_open) = (true, true);
        while out_open || err_open {
            tokio::select! {
                line = stdout.next_line(), if out_open => match line {
                    Ok(Some(line)) => { let line = strip_ansi(&line); on_line(&line); out.push_str(&line); out.push('\n'); }
                    _ => out_open = false,
                },
                line = stderr.next_line(), if err_open => match line {
                    Ok(Some(line)) => { let line = strip_ansi(&line); on_line(&line); err.push_str(&line); err.push('\n'); }
                    _ => err_open = false,
                },
            }
        }
        child.wait().await
    };
    match tokio::time::timeout(limit, read_all).await {
        Ok(Ok(status)) => Ok(Output { success: status.success(), stdout: out, stderr: err }),
        Ok(Err(e)) => Err(WranglerError::Broken(e.to_string())),
        Err(_) => {
            if let Some(pid) = pid {
                terminate_group(pid);
            }
            Err(WranglerError::TimedOut)
        }
    }
}

/// SIGTERM to the process group wrangler leads, so its node children stop too.
fn terminate_group(pid: u32) {
    use nix::sys::signal::{killpg, Signal};
    use nix::unistd::Pid;
    let _ = killpg(Pid::from_raw(pid as i32), Signal::SIGTERM);
}

/// Removes ANSI colour codes wrangler prints even with NO_COLOR set.
pub fn strip_ansi(text: &str) -> String {
    String::from_utf8_lossy(&strip_ansi_escapes::strip(text)).into_owned()
}

/// What a failed wrangler command that called the Cloudflare API means for the user.
/// `script` is the Worker the command was about; `account` the one it acted on.
pub fn classify_failure(output: &Output, script: &str, account: Option<&str>) -> WranglerError {
    let all = format!("{}\n{}", output.stderr, output.stdout);
    let code = cloudflare_code(&all);
    if code == Some(10007) || code == Some(10090) || all.contains("run `wrangler deploy` first") {
        WranglerError::WorkerNotFound { script: script.into() }
    } else if code == Some(10214)
        || all.contains("isn't currently deployed")
        || all.contains("is not currently deployed")
    {
        WranglerError::GradualDeployment { script: script.into() }
    } else if code == Some(10000) {
        WranglerError::WrongAccount { account: account.map(str::to_string) }
    } else if all.contains("CLOUDFLARE_API_TOKEN environment variable") || all.contains("wrangler login") {
        WranglerError::NotLoggedIn
    } else {
        WranglerError::Api(first_line(&output.stderr, &output.stdout))
    }
}

/// The `[code: N]` wrangler prints after a Cloudflare API error.
fn cloudflare_code(text: &str) -> Option<u32> {
    let start = text.find("[code: ")? + "[code: ".len();
    let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The most telling line of a failed run: the Cloudflare error with its code, else the first
/// `✘ [ERROR]` line, else the first line.
pub fn first_line(stderr: &str, stdout: &str) -> String {
    let all = format!("{stderr}\n{stdout}");
    all.lines()
        .find(|l| l.contains("[code: "))
        .or_else(|| all.lines().find(|l| l.contains("[ERROR]")))
        .or_else(|| all.lines().find(|l| !l.trim().is_empty()))
        .map(|l| l.replace("✘ [ERROR]", "").trim().to_string())
        .unwrap_or_else(|| "no output".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projects_own_wrangler_is_named_as_npm_installs_it_on_each_system() {
        let dir = Path::new("/p");
        assert_eq!(local_program(dir, false), Path::new("/p/node_modules/.bin/wrangler"));
        assert_eq!(local_program(dir, true), Path::new("/p/node_modules/.bin/wrangler.cmd"));
    }

    #[test]
    fn the_version_is_read_from_the_package_npm_installed_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        let modules = root.path().join("node_modules");
        let package = modules.join("wrangler");
        std::fs::create_dir_all(package.join("bin")).unwrap();
        std::fs::create_dir_all(modules.join(".bin")).unwrap();
        std::fs::write(package.join("package.json"), r#"{"name":"wrangler","version":"4.51.0"}"#).unwrap();
        std::fs::write(package.join("bin/wrangler.js"), "").unwrap();
        // Unix: a link to the package's entry point; Windows: a .cmd shim beside it.
        std::os::unix::fs::symlink("../wrangler/bin/wrangler.js", modules.join(".bin/wrangler")).unwrap();
        std::fs::write(modules.join(".bin/wrangler.cmd"), "@node ..\\wrangler\\bin\\wrangler.js %*").unwrap();
        assert_eq!(package_version(&modules.join(".bin/wrangler")).as_deref(), Some("4.51.0"));
        assert_eq!(package_version(&modules.join(".bin/wrangler.cmd")).as_deref(), Some("4.51.0"));
        assert_eq!(package_version(&package.join("bin/wrangler.js")).as_deref(), Some("4.51.0"));
        // A wrapper script elsewhere, or a package of another name, is asked instead.
        let wrapper = root.path().join("my-wrangler");
        std::fs::write(&wrapper, "#!/bin/sh\n").unwrap();
        assert_eq!(package_version(&wrapper), None);
        std::fs::write(package.join("package.json"), r#"{"name":"wrangler-fork","version":"1.0.0"}"#).unwrap();
        assert_eq!(package_version(&modules.join(".bin/wrangler")), None);
    }

    #[test]
    fn strips_colour_codes() {
        assert_eq!(strip_ansi("\u{1b}[31m✘ \u{1b}[41;31m[ERROR]\u{1b}[0m fetch failed"), "✘ [ERROR] fetch failed");
    }

    #[test]
    fn a_gradual_deployment_is_named_with_the_way_out() {
        let output = |stderr: &str| Output { success: false, stdout: String::new(), stderr: stderr.into() };
        for said in [
            "✘ [ERROR] A request to the Cloudflare API failed. [code: 10214]",
            "✘ [ERROR] Secret edit failed. You attempted to modify a secret, but the latest version of your Worker isn't currently deployed.",
        ] {
            let e = classify_failure(&output(said), "pan-api", None);
            assert_eq!(e, WranglerError::GradualDeployment { script: "pan-api".into() });
            assert!(e.fix().contains("versions deploy") && e.message().contains("Nothing was pushed"));
        }
        assert!(matches!(classify_failure(&output("[code: 10013]"), "pan-api", None), WranglerError::Api(_)));
    }

    #[test]
    fn picks_the_error_line() {
        assert_eq!(
            first_line("noise\n✘ [ERROR] Authentication error [code: 10000]\n", ""),
            "Authentication error [code: 10000]"
        );
    }
}
