//! The node packages without the source tree: `GOLIVE_NODE_MODULES` is used as given (no
//! npm runs); otherwise the packages installed in the data folder; otherwise the npm found on
//! PATH installs the pinned versions there, once, reporting progress — tested offline with a
//! stand-in `npm` that records its argv. No npm, or no registry, is a problem that says what
//! to do, and leaves no half-install behind.

mod support;

use golive::progress::{Silent, StepEvent};
use golive_rehearsal::node::{find_or_install, NodeSearch, NodeSource};
use golive_rehearsal::{Rehearsal, STRIPE_VERSION, WRANGLER_VERSION};
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Mutex;
use support::repo_node_modules;

/// A folder with an `npm` that appends its argv to `npm.log` beside it, then does `body`.
fn fake_npm(dir: &Path, body: &str) -> OsString {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("npm");
    let log = dir.join("npm.log");
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\n{body}\n", log.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The fake first; the system's folders after it for mkdir and printf.
    OsString::from(format!("{}:/usr/bin:/bin", bin.display()))
}

/// What a real `npm ci --prefix P` leaves: the two packages P/package.json depends on, in
/// P/node_modules (with wrangler's .bin link), at the versions it names.
const INSTALLS: &str = r#"prefix=""; prev=""
for arg in "$@"; do [ "$prev" = "--prefix" ] && prefix="$arg"; prev="$arg"; done
[ -f "$prefix/package-lock.json" ] || { echo "npm error The npm ci command can only install with an existing package-lock.json" >&2; exit 1; }
for name in wrangler stripe; do
  version=$(sed -n "s/.*\"$name\": \"\([0-9.]*\)\".*/\1/p" "$prefix/package.json")
  mkdir -p "$prefix/node_modules/$name"
  printf '{"name":"%s","version":"%s"}' "$name" "$version" > "$prefix/node_modules/$name/package.json"
done
mkdir -p "$prefix/node_modules/.bin"
printf '#!/bin/sh\n' > "$prefix/node_modules/.bin/wrangler"
echo "added 35 packages in 9s""#;

const OFFLINE: &str = r#"echo "npm error code ENOTFOUND" >&2
echo "npm error network request to https://registry.npmjs.org/wrangler failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org" >&2
exit 1"#;

fn npm_runs(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("npm.log")).map(|t| t.lines().map(str::to_string).collect()).unwrap_or_default()
}

#[tokio::test]
async fn given_node_modules_are_used_and_npm_never_runs() {
    let (data, tools) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let search = NodeSearch { node_modules: Some(repo_node_modules()), path: Some(fake_npm(tools.path(), INSTALLS)) };
    let found = find_or_install(data.path(), &search, &Silent).await.unwrap();
    assert_eq!((found.source, found.node_modules), (NodeSource::Given, repo_node_modules()));
    let rehearsal = Rehearsal::open_with(data.path(), &search, &Silent).await.unwrap();
    assert_eq!(std::fs::read_link(rehearsal.project_dir().join("node_modules")).unwrap(), repo_node_modules());
    assert!(npm_runs(tools.path()).is_empty(), "no npm ran");
    assert!(!data.path().join("node").exists(), "nothing installed");
}

#[tokio::test]
async fn given_node_modules_without_the_packages_are_refused_with_the_fix() {
    let (data, empty) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let search = NodeSearch { node_modules: Some(empty.path().to_path_buf()), path: None };
    let problem = find_or_install(data.path(), &search, &Silent).await.expect_err("refused");
    assert_eq!(problem.code, "node_modules_incomplete");
    assert!(problem.message.contains("GOLIVE_NODE_MODULES") && problem.message.contains("wrangler and stripe"));
    assert!(problem.fix.contains(&format!("wrangler@{WRANGLER_VERSION} stripe@{STRIPE_VERSION}")), "{problem:?}");
}

#[tokio::test]
async fn without_packages_the_npm_on_path_installs_the_pinned_versions_once() {
    let (data, tools) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let search = NodeSearch { node_modules: None, path: Some(fake_npm(tools.path(), INSTALLS)) };
    let events = Mutex::new(Vec::new());
    let sink = |event: StepEvent| events.lock().unwrap().push(event);
    let found = find_or_install(data.path(), &search, &sink).await.unwrap();
    let installed = data.path().join("node/node_modules");
    assert_eq!((found.source, &found.node_modules), (NodeSource::JustInstalled, &installed));
    assert_eq!(
        npm_runs(tools.path()),
        vec![format!("ci --no-audit --no-fund --prefix {}", data.path().join("node.installing").display())]
    );
    assert!(found.wrangler().exists() && installed.join("stripe/package.json").exists());
    assert!(!data.path().join("node.installing").exists(), "moved into place");
    let progress: Vec<(usize, String)> = events
        .lock()
        .unwrap()
        .iter()
        .map(|e| match e {
            StepEvent::Progress(p) => (p.done, p.message.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(progress.len(), 2, "{progress:?}");
    assert_eq!(progress[0].0, 0);
    assert!(progress[0].1.contains("Installing wrangler 4.86.0 and stripe 23.1.0"), "{progress:?}");
    assert_eq!(progress[1].0, 1);

    // Found in the data folder from now on; the sample project links it.
    let rehearsal = Rehearsal::open_with(data.path(), &search, &Silent).await.unwrap();
    assert_eq!(rehearsal.node_packages().source, NodeSource::DataFolder);
    assert_eq!(std::fs::read_link(rehearsal.project_dir().join("node_modules")).unwrap(), installed);
    assert_eq!(npm_runs(tools.path()).len(), 1, "installed once");
}

/// The lockfile golive installs with pins every package at the version of the repository's
/// own package-lock.json: what the tests ran is what an installed golive runs (and the npm
/// cache setup.sh fills holds every one of them).
#[test]
fn the_shipped_lockfile_pins_the_repositorys_resolutions() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &Path| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let shipped = read(&crate_dir.join("node/package-lock.json"));
    let repo = read(&crate_dir.join("../../package-lock.json"));
    let manifest = read(&crate_dir.join("node/package.json"));
    assert_eq!(manifest["dependencies"]["wrangler"], WRANGLER_VERSION);
    assert_eq!(manifest["dependencies"]["stripe"], STRIPE_VERSION);
    let packages = shipped["packages"].as_object().unwrap();
    assert_eq!(packages["node_modules/wrangler"]["version"], WRANGLER_VERSION);
    assert_eq!(packages["node_modules/stripe"]["version"], STRIPE_VERSION);
    assert!(packages.len() > 30, "the whole tree, not only the two: {}", packages.len());
    for (path, entry) in packages.iter().filter(|(p, _)| !p.is_empty()) {
        assert_eq!(entry["version"], repo["packages"][path]["version"], "{path}");
        assert_eq!(entry["integrity"], repo["packages"][path]["integrity"], "{path}");
    }
}

#[tokio::test]
async fn packages_of_another_version_are_installed_again() {
    let (data, tools) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let old = data.path().join("node/node_modules/wrangler");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("package.json"), r#"{"name":"wrangler","version":"3.0.0"}"#).unwrap();
    let search = NodeSearch { node_modules: None, path: Some(fake_npm(tools.path(), INSTALLS)) };
    let found = find_or_install(data.path(), &search, &Silent).await.unwrap();
    assert_eq!(found.source, NodeSource::JustInstalled);
    let version = std::fs::read_to_string(found.node_modules.join("wrangler/package.json")).unwrap();
    assert!(version.contains(WRANGLER_VERSION), "{version}");
}

#[tokio::test]
async fn no_npm_is_a_problem_that_says_how_to_install_node() {
    let (data, nothing) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let search = NodeSearch { node_modules: None, path: Some(nothing.path().as_os_str().to_owned()) };
    let problem = Rehearsal::open_with(data.path(), &search, &Silent).await.err().expect("refused");
    assert_eq!((problem.kind, problem.code.as_str()), (golive::wizard::ProblemKind::NotReady, "npm_missing"));
    assert!(problem.message.contains("npm"), "{problem:?}");
    assert!(problem.fix.contains("Node.js 20 or newer"), "{problem:?}");
    assert!(problem.fix.contains("sudo apt-get install nodejs npm"), "{problem:?}");
    assert_eq!(problem.link.as_ref().map(|l| l.url.as_str()), Some("https://nodejs.org/en/download"));
    assert!(!data.path().join("node").exists());
}

#[tokio::test]
async fn an_unreachable_registry_is_a_problem_and_leaves_no_half_install() {
    let (data, tools) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let search = NodeSearch { node_modules: None, path: Some(fake_npm(tools.path(), OFFLINE)) };
    let problem = find_or_install(data.path(), &search, &Silent).await.expect_err("refused");
    assert_eq!(problem.code, "npm_registry_unreachable");
    assert!(problem.message.contains("ENOTFOUND registry.npmjs.org"), "npm's own words: {problem:?}");
    assert!(problem.fix.contains("internet") && problem.fix.contains("GOLIVE_NODE_MODULES"), "{problem:?}");
    assert_eq!(npm_runs(tools.path()).len(), 1);
    assert!(!data.path().join("node").exists() && !data.path().join("node.installing").exists());
}

#[tokio::test]
async fn a_relative_given_folder_is_linked_by_its_absolute_path() {
    let data = tempfile::tempdir().unwrap();
    // Tests run in the crate's folder: the repository's node_modules is two folders up.
    let search = NodeSearch { node_modules: Some("../../node_modules".into()), path: None };
    let rehearsal = Rehearsal::open_with(data.path(), &search, &Silent).await.unwrap();
    let link = std::fs::read_link(rehearsal.project_dir().join("node_modules")).unwrap();
    assert!(link.is_absolute(), "{}", link.display());
    assert_eq!(link.canonicalize().unwrap(), repo_node_modules().canonicalize().unwrap());
    assert!(rehearsal.project_dir().join("node_modules/.bin/wrangler").exists());
}
