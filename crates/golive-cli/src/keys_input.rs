//! Where the CLI gets the two Stripe keys: environment variables, standard input, or the OS
//! keyring. Each is shape-checked before anything is sent, and never echoed.

use golive::connect::worker_config;
use golive::keystore::{self, EntryName};
use golive::stripe_key::{parse_key, KeySlot, StripeKey};
use golive::wizard::{Problem, ProblemKind};
use secrecy::{ExposeSecret, SecretString};
use std::io::BufRead;

pub const TEST_VAR: &str = "GOLIVE_STRIPE_TEST_KEY";
pub const LIVE_VAR: &str = "GOLIVE_STRIPE_LIVE_KEY";

fn key_problem(code: &str, message: String, fix: String) -> Problem {
    Problem::new(ProblemKind::InvalidInput, "invalid_input", message, fix).with_code(code)
}

/// The keyring entries of a project's two keys: `<worker name>/{test,live}/STRIPE_SECRET_KEY`.
pub fn keyring_names(project_dir: &std::path::Path) -> Result<(EntryName, EntryName), Problem> {
    let config = worker_config::load(project_dir).map_err(|e| key_problem("no_project", e.message(), e.fix()))?;
    Ok((
        EntryName::new(&config.name, false, keystore::STRIPE_SECRET_KEY),
        EntryName::new(&config.name, true, keystore::STRIPE_SECRET_KEY),
    ))
}

pub fn from_keyring(project_dir: &std::path::Path) -> Result<(StripeKey, StripeKey), Problem> {
    let (test_name, live_name) = keyring_names(project_dir)?;
    let read = |name: &EntryName| -> Result<SecretString, Problem> {
        keystore::get(name)?.ok_or_else(|| {
            key_problem(
                "missing",
                format!("The keyring has no entry {}.", name.user()),
                "Save the keys first: `golive keys save --project DIR` (it reads them from the environment or --keys-stdin).".into(),
            )
        })
    };
    parse_pair(&read(&test_name)?, &read(&live_name)?)
}

/// The keys from the environment, or from two lines of standard input.
pub fn read(from_stdin: bool) -> Result<(StripeKey, StripeKey), Problem> {
    let (test, live) = if from_stdin { from_stdin_lines()? } else { (from_env(TEST_VAR)?, from_env(LIVE_VAR)?) };
    parse_pair(&test, &live)
}

/// Both keys shape-checked, each named in its problem.
pub fn parse_pair(test: &SecretString, live: &SecretString) -> Result<(StripeKey, StripeKey), Problem> {
    Ok((check(KeySlot::Test, test)?, check(KeySlot::Live, live)?))
}

fn check(slot: KeySlot, value: &SecretString) -> Result<StripeKey, Problem> {
    parse_key(slot, value.expose_secret()).map_err(|p| {
        let which = if slot.livemode() { "live" } else { "test" };
        key_problem(p.code, format!("The {which} key: {}", p.message), p.fix)
    })
}

const NEVER_ARGV: &str = "Never put keys on the command line.";

fn from_env(var: &str) -> Result<SecretString, Problem> {
    match std::env::var(var) {
        Ok(value) => Ok(SecretString::from(value)),
        Err(std::env::VarError::NotPresent) => Err(key_problem(
            "missing",
            format!("{var} is not set."),
            format!("Set {TEST_VAR} and {LIVE_VAR} in the environment, or pipe both keys (test first, one per line) with --keys-stdin. {NEVER_ARGV}"),
        )),
        // Its bytes are not shown: they may be most of a key.
        Err(std::env::VarError::NotUnicode(_)) => Err(key_problem(
            "not_text",
            format!("{var} holds bytes that are not text, so it cannot be a Stripe key."),
            format!("Copy the key again from Dashboard → Developers → API keys (it is letters, digits and underscores) and set {var} to it."),
        )),
    }
}

fn from_stdin_lines() -> Result<(SecretString, SecretString), Problem> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut next = |which: &str| -> Result<SecretString, Problem> {
        match lines.next() {
            // Only the line break is removed; other whitespace is the key checker's to judge.
            Some(Ok(line)) => Ok(SecretString::from(line.trim_end_matches('\r').to_string())),
            Some(Err(e)) if e.kind() == std::io::ErrorKind::InvalidData => Err(key_problem(
                "not_text",
                format!("The {which} key's line on standard input is not text, so it cannot be a Stripe key."),
                "Give two lines of text on standard input: the test key, then the live key, each copied from Dashboard → Developers → API keys.".into(),
            )),
            _ => Err(key_problem(
                "missing",
                format!("Standard input ended before the {which} key."),
                "Give two lines on standard input: the test key, then the live key.".into(),
            )),
        }
    };
    Ok((next("test")?, next("live")?))
}

/// The variable `golive rotate` reads the new live key from.
pub const NEW_LIVE_VAR: &str = "GOLIVE_STRIPE_NEW_LIVE_KEY";

/// The variable `golive rotate --dashboard` reads the new webhook secret from.
pub const NEW_SECRET_VAR: &str = "GOLIVE_STRIPE_NEW_WEBHOOK_SECRET";

/// One value the user rolled in the Dashboard, for Rotate: one line of standard input, else
/// the variable `var`, else none (the rotation then says what it waits for).
fn rolled_value(from_stdin: bool, var: &str, what: &str) -> Result<Option<SecretString>, Problem> {
    if from_stdin {
        let mut line = String::new();
        return match std::io::stdin().lock().read_line(&mut line) {
            Ok(n) if n > 0 => Ok(Some(SecretString::from(line.trim_end_matches(['\r', '\n']).to_string()))),
            Ok(_) => Err(key_problem(
                "missing",
                format!("Standard input ended before the new {what}."),
                format!("Give the {what} you rolled in the Dashboard as one line on standard input."),
            )),
            Err(_) => Err(key_problem(
                "not_text",
                format!("The new {what}'s line on standard input is not text."),
                format!("Copy the new {what} again from the Stripe Dashboard."),
            )),
        };
    }
    match std::env::var(var) {
        Ok(value) => Ok(Some(SecretString::from(value))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(key_problem(
            "not_text",
            format!("{var} holds bytes that are not text, so it cannot be a {what}."),
            format!("Copy the new {what} again from the Stripe Dashboard and set {var} to it."),
        )),
    }
}

/// The live key the user rolled, for Rotate (shape-checked).
pub fn new_live_key(from_stdin: bool) -> Result<Option<StripeKey>, Problem> {
    match rolled_value(from_stdin, NEW_LIVE_VAR, "live key")? {
        Some(value) => check(KeySlot::Live, &value).map(Some),
        None => Ok(None),
    }
}

/// The webhook secret the user rolled, for Rotate's Dashboard path (the engine checks it).
pub fn new_webhook_secret(from_stdin: bool) -> Result<Option<SecretString>, Problem> {
    rolled_value(from_stdin, NEW_SECRET_VAR, "webhook secret")
}
