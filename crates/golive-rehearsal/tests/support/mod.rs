//! What the rehearsal's tests share: the repository's node packages (so nothing is
//! installed), a made-up webhook secret, and a bare HTTP/1.1 request (to speak to the
//! Cloudflare stand-in as wrangler does, and to the local Worker), and one process's
//! rehearsal and wizard.
#![allow(dead_code)]

use golive::connect::ConnectInput;
use golive::progress::Silent;
use golive::stripe_key::{parse_key, KeySlot};
use golive::wizard::{LocalWorld, SessionStore, Wizard};
use golive_rehearsal::{NodeSearch, Rehearsal};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The repository's node_modules (scripts/setup.sh installs the pinned wrangler and stripe).
pub fn repo_node_modules() -> PathBuf {
    golive_testkit::repo_root().join("node_modules")
}

/// `GOLIVE_NODE_MODULES` = the repository's: no npm runs.
pub fn repo_search() -> NodeSearch {
    NodeSearch { node_modules: Some(repo_node_modules()), path: std::env::var_os("PATH") }
}

/// A webhook-shaped secret made up at run time.
pub fn made_up_secret(tag: &str) -> String {
    format!("{}_{tag}{}", "whsec", std::process::id())
}

/// One HTTP/1.1 request to `base` (`http://127.0.0.1:PORT[/prefix]`); returns status and body.
pub async fn request(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let rest = base.trim_start_matches("http://");
    let (host, prefix) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, String::new()));
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut text = format!("{method} {prefix}{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    (status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

/// The value of one of the environment's wrangler variables.
pub fn wrangler_var(env: &golive::environment::Environment, name: &str) -> String {
    env.wrangler_env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {name}"))
}

/// Puts a Worker secret as `wrangler secret put` does, through the Cloudflare stand-in's API.
pub async fn put_secret(env: &golive::environment::Environment, name: &str, value: &str) {
    let path = format!(
        "/accounts/{}/workers/scripts/{}/secrets",
        golive_rehearsal::CF_ACCOUNT_ID,
        golive_rehearsal::WORKER_NAME
    );
    let auth = format!("Bearer {}", wrangler_var(env, "CLOUDFLARE_API_TOKEN"));
    let body = serde_json::json!({ "name": name, "text": value, "type": "secret_text" }).to_string();
    let (status, answer) = request(
        &wrangler_var(env, "CLOUDFLARE_API_BASE_URL"),
        "PUT",
        &path,
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        &body,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}

/// One process's worth: the rehearsal reopened from `data`, the wizard on its session, and
/// the rehearsal's keys as Connect takes them.
pub async fn process(data: &Path) -> (Arc<Rehearsal>, Wizard, ConnectInput) {
    let rehearsal = Arc::new(Rehearsal::open_with(data, &repo_search(), &Silent).await.unwrap());
    let inputs = rehearsal.inputs();
    let connect = ConnectInput {
        test_key: parse_key(KeySlot::Test, inputs.test_key.expose_secret()).unwrap(),
        live_key: parse_key(KeySlot::Live, inputs.live_key.expose_secret()).unwrap(),
        project_dir: inputs.project_dir.clone(),
    };
    let world: Arc<dyn LocalWorld> = rehearsal.clone();
    let wizard =
        Wizard::open(SessionStore::new(data), rehearsal.environment(), Some(world), &inputs.project_dir).unwrap();
    (rehearsal, wizard, connect)
}

/// As each `golive --rehearsal …` command does: [`process`], then Connect with its keys.
pub async fn connected(data: &Path) -> (Arc<Rehearsal>, Wizard, ConnectInput) {
    let (rehearsal, wizard, connect) = process(data).await;
    let report = wizard.connect(connect.clone(), &Silent).await.unwrap();
    assert!(report.passed(), "{:#?}", report.findings);
    (rehearsal, wizard, connect)
}
