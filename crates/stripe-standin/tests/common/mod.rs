//! What the stand-in's tests share: a raw HTTP client (to see status, headers and exact
//! bytes, which an SDK hides) and the field lists of Stripe's typings (npm `stripe` 23.1.0 in
//! the repository's node_modules), so a test can check an object has every field Stripe sends.
#![allow(dead_code)]

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One answer, whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Sends one request to the stand-in (`path` after the base URL, e.g. `v1/products`).
pub async fn call(
    base: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<bytes::Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(format!("{base}{path}"));
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    if method == "POST" {
        request = request.header("content-type", "application/x-www-form-urlencoded");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = client.request(request.body(Full::new(bytes::Bytes::from(body.to_string()))).unwrap()).await.unwrap();
    let status = answer.status().as_u16();
    let headers = answer
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = String::from_utf8(answer.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    Answer { status, headers, body }
}

pub async fn get(base: &str, path: &str, key: &str) -> Answer {
    call(base, "GET", path, Some(key), &[], "").await
}

pub async fn post(base: &str, path: &str, key: &str, body: &str) -> Answer {
    call(base, "POST", path, Some(key), &[], body).await
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the typings, e.g. `Subscriptions.d.ts` or `BillingPortal/Configurations.d.ts`.
pub fn typings(file: &str) -> String {
    let path = repo_root().join("node_modules/stripe/cjs/resources").join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e}); run `npm ci` at the repository root", path.display()))
}

/// The fields of the interface that opens with the line `header` (e.g. `export interface
/// Subscription {`, or `interface Features {` for the first nested one of that name): each
/// with whether the typings mark it optional (`name?:`).
pub fn fields(source: &str, header: &str) -> Vec<(String, bool)> {
    let mut lines = source.lines().skip_while(|l| l.trim() != header);
    let opening = lines.next().unwrap_or_else(|| panic!("no `{header}` in the typings"));
    let indent = opening.len() - opening.trim_start().len();
    let mut fields = Vec::new();
    for line in lines {
        let own = line.len() - line.trim_start().len();
        if own == indent && line.trim() == "}" {
            break;
        }
        if own != indent + 4 {
            continue;
        }
        let text = line.trim();
        let Some((name, _)) = text.split_once(':') else { continue };
        if name.starts_with('*') || name.starts_with('/') || name.contains(' ') {
            continue;
        }
        let optional = name.ends_with('?');
        fields.push((name.trim_end_matches('?').to_string(), optional));
    }
    assert!(!fields.is_empty(), "`{header}` has no fields: has the typings' layout changed?");
    fields
}

/// The fields the typings say Stripe always sends (not optional), minus `deleted` (deleted
/// objects only).
pub fn required_fields(source: &str, header: &str) -> Vec<String> {
    fields(source, header)
        .into_iter()
        .filter(|(name, optional)| !optional && name != "deleted")
        .map(|(n, _)| n)
        .collect()
}

/// Panics naming every field of `required` that `object` lacks.
pub fn assert_has_fields(object: &serde_json::Value, required: &[String], what: &str) {
    let missing: Vec<&String> = required.iter().filter(|f| object.get(f.as_str()).is_none()).collect();
    assert!(missing.is_empty(), "{what} lacks {missing:?}: {object:#}");
}

/// The keys of a pretty-printed JSON object's top level, in the order they appear.
pub fn top_level_keys(pretty: &str) -> Vec<String> {
    pretty
        .lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split_once("\":").map(|(k, _)| k.to_string()))
        .collect()
}
