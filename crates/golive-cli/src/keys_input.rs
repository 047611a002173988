//! Where the CLI gets the two Stripe keys: environment variables, standard input, or the OS
//! keyring (or the rehearsal's made-up keys). Each is shape-checked before anything is sent.

use golive::connect::worker_config;
use golive::keystore::{self, EntryName};
use golive::rehearsal::Rehearsal;
use golive::stripe_key::{parse_key, KeyProblem, KeySlot, StripeKey};
use secrecy::{ExposeSecret, SecretString};
use std::io::BufRead;

pub const TEST_VAR: &str = "GOLIVE_STRIPE_TEST_KEY";
pub const LIVE_VAR: &str = "GOLIVE_STRIPE_LIVE_KEY";

/// The keyring entries of a project's two keys: `<worker name>/{test,live}/STRIPE_SECRET_KEY`.
pub fn keyring_names(project_dir: &std::path::Path) -> Result<(EntryName, EntryName), KeyProblem> {
    let config = worker_config::load(project_dir).map_err(|e| KeyProblem {
        code: "no_project",
        message: e.message(),
        fix: e.fix(),
    })?;
    Ok((
        EntryName::new(&config.name, false, keystore::STRIPE_SECRET_KEY),
        EntryName::new(&config.name, true, keystore::STRIPE_SECRET_KEY),
    ))
}

pub fn from_keyring(project_dir: &std::path::Path) -> Result<(StripeKey, StripeKey), KeyProblem> {
    let (test_name, live_name) = keyring_names(project_dir)?;
    let read = |name: &EntryName| -> Result<SecretString, KeyProblem> {
        match keystore::get(name) {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(KeyProblem {
                code: "missing",
                message: format!("The keyring has no entry {}.", name.user()),
                fix: "Save the keys first: `golive keys save --project DIR` (it reads them from the environment or --keys-stdin).".into(),
            }),
            Err(e) => Err(KeyProblem { code: "no_keyring", message: e.message, fix: e.fix }),
        }
    };
    Ok((check(KeySlot::Test, &read(&test_name)?)?, check(KeySlot::Live, &read(&live_name)?)?))
}

pub fn read(from_stdin: bool) -> Result<(StripeKey, StripeKey), KeyProblem> {
    let (test, live) = if from_stdin { from_stdin_lines()? } else { (from_env(TEST_VAR)?, from_env(LIVE_VAR)?) };
    Ok((check(KeySlot::Test, &test)?, check(KeySlot::Live, &live)?))
}

pub fn from_rehearsal(r: &Rehearsal) -> Result<(StripeKey, StripeKey), KeyProblem> {
    Ok((check(KeySlot::Test, &r.test_key)?, check(KeySlot::Live, &r.live_key)?))
}

fn check(slot: KeySlot, value: &SecretString) -> Result<StripeKey, KeyProblem> {
    parse_key(slot, value.expose_secret()).map_err(|mut p| {
        let which = if slot.livemode() { "live" } else { "test" };
        p.message = format!("The {which} key: {}", p.message);
        p
    })
}

fn from_env(var: &str) -> Result<SecretString, KeyProblem> {
    std::env::var(var).map(SecretString::from).map_err(|_| KeyProblem {
        code: "missing",
        message: format!("{var} is not set."),
        fix: format!(
            "Set {TEST_VAR} and {LIVE_VAR} in the environment, or pipe both keys (test first, one per line) with --keys-stdin. Never put keys on the command line."
        ),
    })
}

fn from_stdin_lines() -> Result<(SecretString, SecretString), KeyProblem> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut next = |which: &str| -> Result<SecretString, KeyProblem> {
        match lines.next() {
            // Only the line break is removed; other whitespace is the key checker's to judge.
            Some(Ok(line)) => Ok(SecretString::from(line.trim_end_matches('\r').to_string())),
            _ => Err(KeyProblem {
                code: "missing",
                message: format!("Standard input ended before the {which} key."),
                fix: "Give two lines on standard input: the test key, then the live key.".into(),
            }),
        }
    };
    Ok((next("test")?, next("live")?))
}
