//! Where golive is asked to write files of the user's (the go-live report, a `.env` of price
//! IDs): checked before the first write to Stripe or the Worker, so a typo in a path never
//! stops a run halfway, after the live changes were made.

use crate::problem::Problem;
use std::path::Path;

/// What is written at the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// A folder golive writes files into (created if missing).
    Folder,
    /// One file (replaced if it exists).
    File,
}

fn refused(path: &Path, why: &str, fix: &str) -> Problem {
    Problem::invalid(format!("golive cannot write to {}: {why}", path.display()), fix).with_code("output_path")
}

/// Whether a file may be created in `dir`: tried with an empty file that is removed at once.
fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".golive-write-check-{}", std::process::id()));
    let made = std::fs::OpenOptions::new().write(true).create_new(true).open(&probe).is_ok();
    if made {
        let _ = std::fs::remove_file(&probe);
    }
    made
}

/// Checks that `path` can take the output: it is of the right kind if it exists, and the
/// nearest folder that exists on the way to it may be written to. Nothing is left behind.
pub fn check(path: &Path, kind: Output) -> Result<(), Problem> {
    let (what, fix) = match kind {
        Output::Folder => ("a folder", "Give a folder you may write to (it is created if missing)."),
        Output::File => ("a file", "Give a file path in a folder you may write to."),
    };
    if path.as_os_str().is_empty() {
        return Err(refused(path, "the path is empty", fix));
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let right_kind = match kind {
            Output::Folder => meta.is_dir(),
            Output::File => meta.is_file(),
        };
        if !right_kind {
            return Err(refused(path, &format!("it exists and is not {what}"), fix));
        }
    }
    let mut dir = match kind {
        Output::Folder if path.is_dir() => path.to_path_buf(),
        _ => path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf(),
    };
    while !dir.exists() {
        match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => dir = parent.to_path_buf(),
            _ => dir = Path::new(".").to_path_buf(),
        }
    }
    if !dir.is_dir() {
        return Err(refused(path, &format!("{} is a file, not a folder", dir.display()), fix));
    }
    if !writable(&dir) {
        return Err(refused(path, &format!("the folder {} may not be written to", dir.display()), fix));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_under_a_writable_one_is_fine_and_nothing_is_left() {
        let dir = tempfile::tempdir().unwrap();
        check(&dir.path().join("reports/2026"), Output::Folder).unwrap();
        check(&dir.path().join("prices.env"), Output::File).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the check leaves nothing behind");
    }

    #[test]
    fn a_file_in_the_way_or_a_folder_for_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.txt");
        std::fs::write(&file, "x").unwrap();
        let p = check(&file.join("reports"), Output::Folder).unwrap_err();
        assert_eq!(p.code, "output_path");
        assert!(p.message.contains("is a file"), "{p:?}");
        assert!(check(&file, Output::Folder).is_err());
        assert!(check(dir.path(), Output::File).is_err());
    }

    #[test]
    fn a_read_only_folder_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
        let result = check(&locked.join("report"), Output::Folder);
        // root may write anywhere: the check must agree with what the system allows.
        let allowed = writable(&locked);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
        match result {
            Err(p) => assert!(!allowed && p.message.contains("may not be written"), "{p:?}"),
            Ok(()) => assert!(allowed, "a folder nobody may write to passed the check"),
        }
    }
}
