//! What golive's test suites share: where the repository's real `wrangler` (from
//! `scripts/setup.sh`) is, a wrapper that records every argv before running it, and the leak scan
//! that proves no key value reached a text.

mod worker;

pub use worker::{worker_project, ReferenceWorker};

use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `crates/golive-testkit`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// The wrangler the repository installs (scripts/setup.sh, pinned in package-lock.json).
pub fn repo_wrangler() -> PathBuf {
    let path = repo_root().join("node_modules/.bin/wrangler");
    assert!(
        path.exists(),
        "wrangler is not installed: run scripts/setup.sh (it installs the locked node packages) ({})",
        path.display()
    );
    path
}

/// Writes `dir/wrangler-recorder`, which appends its argv to `dir/argv.log` and then runs
/// the repository's wrangler. Returns the script's path.
pub fn recording_wrangler(dir: &Path) -> PathBuf {
    let script = dir.join("wrangler-recorder");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> '{}'\nexec '{}' \"$@\"\n",
            argv_log(dir).display(),
            repo_wrangler().display()
        ),
    )
    .expect("write the recorder");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("make it executable");
    script
}

/// Where [`recording_wrangler`] writes.
pub fn argv_log(dir: &Path) -> PathBuf {
    dir.join("argv.log")
}

/// The part of a Stripe key that identifies it: all but the prefix (`sk_live_`) and the last
/// four characters, which golive shows on purpose as a hint.
pub fn key_body(key: &str) -> &str {
    &key[8..key.len() - 4]
}

/// Panics naming `what` if any key's body appears in `text`.
pub fn assert_no_key_in(what: &str, text: &str, keys: &[&str]) {
    for key in keys {
        assert!(!text.contains(key_body(key)), "a key value reached the {what}");
    }
}

/// Every file under `dir`, read as text, concatenated.
pub fn all_text_under(dir: &Path) -> String {
    let mut text = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_leak_scan_catches_a_key_and_spares_the_hint() {
        // built at run time: no key-shaped literal in the repository
        let key = format!("sk_live_51{}WXYZ", "abcdefgh".repeat(3));
        assert_no_key_in("hint", "sk_live_…WXYZ", &[&key]);
        let caught = std::panic::catch_unwind(|| assert_no_key_in("log", &format!("oops {key}"), &[&key]));
        assert!(caught.is_err());
    }
}
