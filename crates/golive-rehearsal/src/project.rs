//! The rehearsal's sample Worker project: golive's reference Worker (`examples/worker`,
//! built into golive, so no source checkout is needed) with a wrangler.toml naming the
//! stand-in's account, and a `node_modules` link to the node packages found for it.

use golive::wizard::{Problem, ProblemKind};
use std::path::Path;

/// The sample Worker's name (the Cloudflare stand-in holds a deployed Worker of this name).
pub const WORKER_NAME: &str = "rehearsal-api";
/// The Cloudflare stand-in's made-up account.
pub const CF_ACCOUNT_ID: &str = "0123456789abcdef0123456789abcdef";
/// The reference Worker's source (examples/worker), built into golive.
const REFERENCE_WORKER: &str = include_str!("../../../examples/worker/src/index.js");

fn wrangler_toml() -> String {
    format!(
        "# The offline rehearsal's sample Worker (golive's reference Worker).\nname = \"{WORKER_NAME}\"\naccount_id = \"{CF_ACCOUNT_ID}\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-01-01\"\nworkers_dev = true\n\n[[kv_namespaces]]\nbinding = \"TIERS\"\nid = \"00000000000000000000000000000000\"\n\n[version_metadata]\nbinding = \"CF_VERSION_METADATA\"\n"
    )
}

fn files_problem(what: &Path, e: std::io::Error) -> Problem {
    Problem::new(
        ProblemKind::Refused,
        "rehearsal_files",
        format!("Could not write the rehearsal's sample project at {}: {e}", what.display()),
        "Check that golive's data folder is writable and the disk has space, then open the rehearsal again.",
    )
}

/// Writes the project's files where they differ from golive's (a newer golive brings its
/// newer reference Worker; anything else in the folder, such as wrangler's local state, stays).
pub fn write(dir: &Path, node_modules: &Path) -> Result<(), Problem> {
    std::fs::create_dir_all(dir.join("src")).map_err(|e| files_problem(dir, e))?;
    for (path, text) in
        [(dir.join("wrangler.toml"), wrangler_toml()), (dir.join("src/index.js"), REFERENCE_WORKER.into())]
    {
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(|e| files_problem(&path, e))?;
        }
    }
    link(dir, node_modules)
}

/// Points `dir/node_modules` at `node_modules` (re-pointed when it led elsewhere; a real
/// folder someone installed there is left alone).
fn link(dir: &Path, node_modules: &Path) -> Result<(), Problem> {
    let at = dir.join("node_modules");
    match std::fs::symlink_metadata(&at) {
        Ok(meta) if meta.file_type().is_symlink() => {
            if std::fs::read_link(&at).ok().as_deref() == Some(node_modules) {
                return Ok(());
            }
            std::fs::remove_file(&at).map_err(|e| files_problem(&at, e))?;
        }
        Ok(_) => return Ok(()),
        Err(_) => {}
    }
    std::os::unix::fs::symlink(node_modules, &at).map_err(|e| files_problem(&at, e))
}
