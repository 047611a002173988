//! A stand-in started with a state file keeps its data between processes: a secret wrangler
//! put over HTTP, the tokens, accounts and Workers a test or the rehearsal set up are saved at
//! once (0600) and are there in a new stand-in on the same file. A damaged file is refused
//! with what to do, and left as it is.

use cloudflare_standin::CloudflareStandIn;
use std::os::unix::fs::PermissionsExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";

/// One HTTP/1.1 request, the way wrangler sends it; returns the status and body.
async fn request(base: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://").split('/').next().unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let text = format!(
        "{method} /client/v4{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    (status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

#[tokio::test]
async fn secrets_tokens_and_workers_outlive_the_stand_in() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cloudflare.json");
    let first = CloudflareStandIn::start_persisted("founder@rehearsal.invalid", &file).await.unwrap();
    assert!(first.accounts().is_empty() && first.tokens().is_empty(), "no file: only the user");
    let token = format!("rehearsal-{}", std::process::id());
    first.add_token(&token);
    first.add_account(ACCOUNT, "Rehearsal account");
    first.set_subdomain(ACCOUNT, "rehearsal");
    first.add_script(ACCOUNT, "api");
    let path = format!("/accounts/{ACCOUNT}/workers/scripts/api/secrets");
    let value = format!("{}_{}", "whsec", std::process::id());
    let body = format!("{{\"name\":\"STRIPE_WEBHOOK_SECRET\",\"text\":\"{value}\",\"type\":\"secret_text\"}}");
    let (status, answer) = request(&first.api_base_url(), "PUT", &path, &token, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(std::fs::read_to_string(&file).unwrap().contains(&value), "saved before the answer left");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let saved = std::fs::read(&file).unwrap();
    drop(first);

    let second = CloudflareStandIn::start_persisted("someone-else@example.invalid", &file).await.unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), saved, "restored equal: it saves the same bytes");
    assert_eq!(second.tokens(), vec![token.clone()]);
    assert_eq!(second.secrets(ACCOUNT, "api").unwrap()["STRIPE_WEBHOOK_SECRET"], value);
    assert_eq!(second.versions(ACCOUNT, "api"), 1);
    let (status, user) = request(&second.api_base_url(), "GET", "/user", &token, "").await;
    assert_eq!(status, 200);
    assert!(user.contains("founder@rehearsal.invalid"), "the saved user, not the new default: {user}");
    let (status, subdomain) =
        request(&second.api_base_url(), "GET", &format!("/accounts/{ACCOUNT}/workers/subdomain"), &token, "").await;
    assert_eq!((status, subdomain.contains("\"rehearsal\"")), (200, true), "{subdomain}");
    // A delete over HTTP is saved too.
    let (status, _) =
        request(&second.api_base_url(), "DELETE", &format!("{path}/STRIPE_WEBHOOK_SECRET"), &token, "").await;
    assert_eq!(status, 200);
    drop(second);
    let third = CloudflareStandIn::start_persisted("founder@rehearsal.invalid", &file).await.unwrap();
    assert!(third.secrets(ACCOUNT, "api").unwrap().is_empty());
    assert_eq!(third.versions(ACCOUNT, "api"), 2);
}

#[tokio::test]
async fn a_damaged_state_file_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cloudflare.json");
    for damaged in ["{\"kind\": \"cloudflare-standin state\", \"vers", "{\"kind\": \"stripe-standin state\"}"] {
        std::fs::write(&file, damaged).unwrap();
        let err = CloudflareStandIn::start_persisted("a@b.invalid", &file).await.err().expect("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains(&file.display().to_string()) && err.to_string().contains("delete it"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), damaged, "nothing overwritten");
    }
}
