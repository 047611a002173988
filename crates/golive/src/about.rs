//! Which golive this is: its version and the commit it was built from, for `golive --version`
//! and the app's About line. `scripts/package.sh` sets `GOLIVE_COMMIT` at build time; a build
//! without it (straight from a source checkout) says so instead of naming a commit.

/// The version of golive (the workspace's).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit the build was made from, when the build was told (`GOLIVE_COMMIT`).
pub const COMMIT: Option<&str> = option_env!("GOLIVE_COMMIT");

/// "0.1.0 (commit 1f01447c2a3b)", or "0.1.0 (built from source)".
pub fn version_line() -> String {
    describe(VERSION, COMMIT)
}

fn describe(version: &str, commit: Option<&str>) -> String {
    match commit.map(str::trim).filter(|c| !c.is_empty()) {
        Some(commit) => format!("{version} (commit {commit})"),
        None => format!("{version} (built from source)"),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn names_the_commit_only_when_the_build_was_told() {
        assert_eq!(describe("1.2.3", Some("abc123")), "1.2.3 (commit abc123)");
        assert_eq!(describe("1.2.3", Some(" ")), "1.2.3 (built from source)");
        assert_eq!(describe("1.2.3", None), "1.2.3 (built from source)");
    }
}
