//! The one HTTP stack golive uses for everything (reqwest over rustls with the `ring`
//! provider): the Stripe client builds on it, and so do the few requests golive makes
//! outside Stripe's API (Cloudflare's subdomain lookup, Verify's probe events). Each request
//! here has a time limit and answers `(status, body, elapsed)`; redirects are not followed
//! (a webhook that redirects is a failure Stripe would see too).

use std::time::{Duration, Instant};

pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// The Worker version that answered, when it says (golive's reference Worker sends
    /// `Golive-Worker-Version` from the version-metadata binding).
    pub worker_version: Option<String>,
}

/// The header golive's reference Worker names its answering version in.
pub const WORKER_VERSION_HEADER: &str = "golive-worker-version";

/// Makes `ring` rustls' crypto provider for this process (reqwest is built without one so
/// that only one provider, and one TLS stack, is compiled in). Safe to call again.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// How long golive waits for a connection to anything.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The process's one HTTP client (one connection pool, TLS set up once). Each request sets
/// its own time limit.
pub fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        install_crypto();
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("golive/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the HTTP client builds with its defaults")
    })
}

/// Why a request got no answer, in words: reqwest's own message ("error sending request
/// for url …") says nothing, its innermost cause does ("Connection refused", "dns error").
pub fn cause(error: &reqwest::Error) -> String {
    let mut cause = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    cause
}

/// A request to send with [`send`]: method, URL, headers and body.
pub struct Request {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(url: impl Into<String>) -> Self {
        Self { method: reqwest::Method::GET, url: url.into(), headers: Vec::new(), body: Vec::new() }
    }

    pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self { method: reqwest::Method::POST, url: url.into(), headers: Vec::new(), body: body.into() }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// Sends `request` and reads the whole answer within `limit`; `Err` says what failed, in words.
pub async fn send(request: Request, limit: Duration) -> Result<Answer, String> {
    let host = url::Url::parse(&request.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| request.url.clone());
    let mut builder = client().request(request.method, &request.url).timeout(limit).body(request.body);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let started = Instant::now();
    let describe = |e: reqwest::Error| {
        if e.is_timeout() {
            return format!("{host} did not answer within {} s", limit.as_secs().max(1));
        }
        format!("could not reach {host}: {}", cause(&e))
    };
    let answer = builder.send().await.map_err(describe)?;
    let status = answer.status().as_u16();
    let worker_version = answer.headers().get(WORKER_VERSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = answer.bytes().await.map_err(describe)?;
    Ok(Answer { status, body: body.to_vec(), elapsed: started.elapsed(), worker_version })
}
