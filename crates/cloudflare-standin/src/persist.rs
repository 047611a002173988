//! The stand-in's data kept in a file between processes (golive's offline rehearsal lives
//! longer than one process): the user's email, the valid tokens and the accounts with their
//! subdomain and Workers (each Worker's secrets and version count). The request log and
//! queued failures belong to one running process and are not saved.
//!
//! Every change is written at once and atomically (a temporary file in the same folder,
//! synced, then renamed over the old one), readable by the owner only (0600: it holds the
//! secrets the Worker was given). A missing file is a new stand-in; a file that is not a saved
//! state is an error that says what to do, and is never overwritten.

use crate::state::{Account, Inner};
use serde::{Deserialize, Serialize};
use std::io::{Error, ErrorKind, Write};
use std::path::Path;

/// What the file says it is, so another JSON file is not taken for one.
const KIND: &str = "cloudflare-standin state";
/// The layout's version; a file of another version is refused, not guessed at.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    kind: String,
    version: u32,
    email: String,
    tokens: Vec<String>,
    accounts: Vec<Account>,
}

pub(crate) fn to_bytes(inner: &Inner) -> Vec<u8> {
    let snapshot = Snapshot {
        kind: KIND.into(),
        version: VERSION,
        email: inner.email.clone(),
        tokens: inner.tokens.clone(),
        accounts: inner.accounts.clone(),
    };
    serde_json::to_vec_pretty(&snapshot).expect("the stand-in's state serialises")
}

/// Reads a saved state into `inner`. `Ok(false)`: there is no file (nothing changes).
pub(crate) fn load(path: &Path, inner: &mut Inner) -> std::io::Result<bool> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(Error::new(e.kind(), format!("Could not read the stand-in's state {}: {e}", path.display())))
        }
    };
    let damaged = |why: String| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "{} is not a Cloudflare stand-in state this version can read ({why}). It was left as it is: move it away or delete it to start from an empty stand-in.",
                path.display()
            ),
        )
    };
    let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
    if snapshot.kind != KIND || snapshot.version != VERSION {
        return Err(damaged(format!("it says \"{}\" version {}", snapshot.kind, snapshot.version)));
    }
    inner.email = snapshot.email;
    inner.tokens = snapshot.tokens;
    inner.accounts = snapshot.accounts;
    Ok(true)
}

/// Writes `bytes` to `path` atomically, readable by the owner only.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // tempfile creates the file 0600 in the same folder, so the rename cannot cross file systems.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
