//! The checked-in lists (`src/events.rs`, `src/versions.rs`) are still what Stripe's typings
//! say: this test re-reads `node_modules/stripe` (the repository's, installed by `npm ci`) and
//! fails when a list differs. `STRIPE_SPEC_REGENERATE=1 cargo test -p stripe-spec --test typings`
//! rewrites the files from the typings instead (then review and commit the diff).

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn typings_dir() -> PathBuf {
    repo_root().join("node_modules/stripe/cjs")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): the lists are checked against the typings of npm `stripe` 23.1.0 in the \
             repository's node_modules; run `npm ci` at the repository root first",
            path.display()
        )
    })
}

/// The quoted members of `type <name> = 'a' | 'b' | …;` — every declaration of that name in `source`.
fn string_unions(source: &str, name: &str) -> Vec<Vec<String>> {
    let marker = format!("type {name} = ");
    source
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix(&marker))
        .map(|union| {
            let union = union.trim_end().trim_end_matches(';');
            union
                .split('|')
                .map(|member| {
                    let member = member.trim();
                    assert!(
                        member.len() >= 2 && member.starts_with('\'') && member.ends_with('\''),
                        "type {name}: `{member}` is not a string literal; the generator needs updating"
                    );
                    member[1..member.len() - 1].to_string()
                })
                .collect()
        })
        .collect()
}

/// The one list a type declares, checking every declaration of it agrees (create and update params).
fn one_union(source: &str, name: &str) -> Vec<String> {
    let unions = string_unions(source, name);
    assert!(!unions.is_empty(), "no `type {name}` in the typings: has the generator's source moved?");
    assert!(unions.windows(2).all(|w| w[0] == w[1]), "the declarations of `type {name}` disagree");
    unions.into_iter().next().unwrap()
}

fn rust_list(items: &[String]) -> String {
    items.iter().map(|i| format!("    \"{i}\",\n")).collect()
}

const HEADER: &str =
    "// Generated from npm `stripe` 23.1.0 (node_modules/stripe/cjs/resources/WebhookEndpoints.d.ts)\n\
// by crates/stripe-spec/tests/typings.rs. Do not edit by hand: run\n\
// `STRIPE_SPEC_REGENERATE=1 cargo test -p stripe-spec --test typings` to rewrite it.\n";

fn render_events(events: &[String]) -> String {
    format!(
        "//! The event types a webhook endpoint may subscribe to (`enabled_events`), from the typings'\n\
//! `WebhookEndpointCreateParams.EnabledEvent`. Besides these, `enabled_events` takes only `*` (every\n\
//! event): the typings have no prefix wildcards such as `customer.*`.\n\
//!\n\
//! Regenerate with `STRIPE_SPEC_REGENERATE=1 cargo test -p stripe-spec --test typings`; the same\n\
//! test, run without the variable, fails when this list no longer matches the typings.\n\
\n\
{HEADER}\n\
/// Every event type Stripe sends at the pinned API version, as the typings list them.\n\
pub const EVENT_TYPES: &[&str] = &[\n{}];\n\
\n\
/// Whether `name` is an event type Stripe sends (`*` is not one; see [`is_enabled_event`]).\n\
pub fn is_event_type(name: &str) -> bool {{\n    EVENT_TYPES.contains(&name)\n}}\n\
\n\
/// Whether `name` may stand in a webhook endpoint's `enabled_events`: an event type, or `*`.\n\
pub fn is_enabled_event(name: &str) -> bool {{\n    name == \"*\" || is_event_type(name)\n}}\n",
        rust_list(events)
    )
}

fn render_versions(versions: &[String]) -> String {
    format!(
        "//! The released Stripe API versions, oldest first, from the typings'\n\
//! `WebhookEndpointCreateParams.ApiVersion`: what a webhook endpoint's `api_version` and a\n\
//! request's `Stripe-Version` header accept.\n\
//!\n\
//! Regenerate with `STRIPE_SPEC_REGENERATE=1 cargo test -p stripe-spec --test typings`; the same\n\
//! test, run without the variable, fails when this list no longer matches the typings.\n\
\n\
{HEADER}\n\
/// Every released API version, oldest first.\n\
pub const RELEASED_API_VERSIONS: &[&str] = &[\n{}];\n\
\n\
/// Whether `version` is a released Stripe API version.\n\
pub fn is_released(version: &str) -> bool {{\n    RELEASED_API_VERSIONS.contains(&version)\n}}\n",
        rust_list(versions)
    )
}

/// Compares a checked-in file with what the typings give, or rewrites it when asked to.
fn check_or_regenerate(file: &str, expected: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(file);
    if std::env::var_os("STRIPE_SPEC_REGENERATE").is_some_and(|v| v == "1") {
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == expected,
        "crates/stripe-spec/src/{file} differs from the typings in node_modules/stripe; rewrite it with \
         `STRIPE_SPEC_REGENERATE=1 cargo test -p stripe-spec --test typings` and commit the diff"
    );
}

fn webhook_typings() -> String {
    read(&typings_dir().join("resources/WebhookEndpoints.d.ts"))
}

#[test]
fn event_types_match_the_typings() {
    let mut events = one_union(&webhook_typings(), "EnabledEvent");
    assert_eq!(events.first().map(String::as_str), Some("*"), "the typings list `*` first");
    events.remove(0);
    assert!(events.iter().all(|e| !e.contains('*')), "an event type with a wildcard: the rules need a look");
    check_or_regenerate("events.rs", &render_events(&events));
}

#[test]
fn api_versions_match_the_typings() {
    let versions = one_union(&webhook_typings(), "ApiVersion");
    check_or_regenerate("versions.rs", &render_versions(&versions));
}

#[test]
fn the_pinned_version_is_the_typings_own_and_the_newest_released() {
    let package = read(&repo_root().join("node_modules/stripe/package.json"));
    assert!(package.contains("\"version\": \"23.1.0\""), "node_modules/stripe is not 23.1.0");
    let api_version = read(&typings_dir().join("apiVersion.js"));
    let declared = format!("exports.ApiVersion = '{}';", stripe_spec::PINNED_API_VERSION);
    assert!(api_version.contains(&declared), "stripe 23.1.0 does not pin {}", stripe_spec::PINNED_API_VERSION);
    assert_eq!(stripe_spec::versions::RELEASED_API_VERSIONS.last(), Some(&stripe_spec::PINNED_API_VERSION));
}

#[test]
fn the_lists_answer_as_stripe_does() {
    use stripe_spec::events::{is_enabled_event, is_event_type};
    use stripe_spec::versions::is_released;
    assert!(is_event_type("customer.subscription.created"));
    assert!(!is_event_type("customer.subscription.creatd"), "a typo is no event type");
    assert!(!is_event_type("*"));
    assert!(is_enabled_event("*"));
    assert!(!is_enabled_event("customer.*"), "no prefix wildcards in enabled_events");
    assert!(is_released("2023-10-16"));
    assert!(is_released("2026-10-28.endive"));
    assert!(!is_released("2026-10-29.endive"));
    assert!(!is_released("2026-10-28"), "the release name is part of the version");
}
