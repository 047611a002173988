//! `golive keys save|forget`: the two Stripe keys in the OS keyring.

use crate::exit;
use crate::keys_input;
use crate::output::Printer;
use crate::stage::project_or_cwd;
use golive::keystore::{self, EntryName, KeystoreError};
use std::path::PathBuf;

fn names(out: &Printer, project: Option<PathBuf>) -> Result<(EntryName, EntryName), u8> {
    keys_input::keyring_names(&project_or_cwd(project))
        .map_err(|p| out.error(exit::INVALID_INPUT, "invalid_input", &p.message, &p.fix))
}

fn report(out: &Printer, result: Result<Result<Vec<String>, KeystoreError>, tokio::task::JoinError>) -> u8 {
    match result {
        Ok(Ok(entries)) => {
            out.entries(&entries);
            exit::OK
        }
        Ok(Err(e)) => out.error(exit::EXTERNAL_REFUSED, "keyring_unavailable", &e.message, &e.fix),
        Err(e) => out.error(exit::INTERNAL, "internal_error", &e.to_string(), "Report this as a bug."),
    }
}

pub async fn save(out: &Printer, project: Option<PathBuf>, keys_stdin: bool) -> u8 {
    let (test_name, live_name) = match names(out, project) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let (test, live) = match keys_input::read(keys_stdin) {
        Ok(keys) => keys,
        Err(p) => return out.error(exit::INVALID_INPUT, "invalid_input", &p.message, &p.fix),
    };
    let result = tokio::task::spawn_blocking(move || {
        keystore::put(&test_name, &test.secret())?;
        keystore::put(&live_name, &live.secret())?;
        Ok(vec![test_name.user(), live_name.user()])
    })
    .await;
    report(out, result)
}

pub async fn forget(out: &Printer, project: Option<PathBuf>) -> u8 {
    let (test_name, live_name) = match names(out, project) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let result = tokio::task::spawn_blocking(move || {
        keystore::delete(&test_name)?;
        keystore::delete(&live_name)?;
        Ok(vec![test_name.user(), live_name.user()])
    })
    .await;
    report(out, result)
}
