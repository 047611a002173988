//! A local stand-in for the parts of Cloudflare's v4 API that `wrangler` calls, so the real
//! wrangler CLI runs offline against 127.0.0.1 (via `CLOUDFLARE_API_BASE_URL`).
//!
//! It serves `wrangler whoami`, the account's workers.dev subdomain, a Worker's secrets
//! (`secret put`, `list`, `delete`, `bulk`), a first `wrangler deploy` and `wrangler kv
//! namespace create`, with Cloudflare's envelope and error codes:
//! an unknown token gets 10000 "Authentication error" (1000 on verify), an unknown Worker
//! 10007. Tests inspect what it holds and queue failures for a path. Started with
//! [`CloudflareStandIn::start_persisted`], it keeps its data in a file between processes.

mod deploy;
mod envelope;
mod gate;
mod persist;
mod state;
mod user;
mod workers;

pub use deploy::{KV_NAMESPACE_NOT_VALID, KV_TITLE_TAKEN};
pub use envelope::{AUTHENTICATION_ERROR, WORKER_NOT_FOUND};
pub use state::{Account, KvNamespace};

use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{delete, get};
use axum::Router;
use state::{QueuedFailure, Shared};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// A running stand-in on 127.0.0.1. Stops when dropped.
pub struct CloudflareStandIn {
    addr: SocketAddr,
    inner: Shared,
    shutdown: Option<oneshot::Sender<()>>,
}

impl CloudflareStandIn {
    /// Starts with one user (`email`) on a free loopback port.
    pub async fn start(email: &str) -> std::io::Result<Self> {
        Self::serve(state::Inner { email: email.into(), ..Default::default() }).await
    }

    /// Starts on a free loopback port with the data saved in `path` (its user, tokens,
    /// accounts, Workers and secrets), or with one user (`email`) and nothing else when there
    /// is no such file; saves every change there from now on, atomically and readable by the
    /// owner only. A file that is not a saved state is an `InvalidData` error that says what
    /// to do, and is left as it is; a file that cannot be written is an error at once.
    pub async fn start_persisted(email: &str, path: &Path) -> std::io::Result<Self> {
        let mut inner = state::Inner { email: email.into(), ..Default::default() };
        persist::load(path, &mut inner)?;
        persist::write_atomically(path, &persist::to_bytes(&inner))?;
        inner.store = Some(path.to_path_buf());
        Self::serve(inner).await
    }

    async fn serve(inner: state::Inner) -> std::io::Result<Self> {
        let inner: Shared = Arc::new(Mutex::new(inner));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let scripts = "/client/v4/accounts/{account}/workers/scripts/{script}";
        let app = Router::new()
            .route("/client/v4/user/tokens/verify", get(user::verify_token))
            .route("/client/v4/user", get(user::user))
            .route("/client/v4/accounts", get(user::accounts))
            .route("/client/v4/memberships", get(user::memberships))
            .route("/client/v4/accounts/{account}/workers/subdomain", get(workers::subdomain))
            .route(&format!("{scripts}/secrets"), get(workers::list_secrets).put(workers::put_secret))
            .route(&format!("{scripts}/secrets/{{name}}"), delete(workers::delete_secret))
            .route(&format!("{scripts}/settings"), get(workers::get_settings).patch(workers::patch_settings))
            .route(&format!("{scripts}/deployments"), get(workers::deployments))
            .route(scripts, axum::routing::put(deploy::upload))
            .route(&format!("{scripts}/subdomain"), get(deploy::script_subdomain).post(deploy::set_script_subdomain))
            .route("/client/v4/accounts/{account}/workers/services/{script}", get(deploy::service))
            .route(
                "/client/v4/accounts/{account}/storage/kv/namespaces",
                get(deploy::list_namespaces).post(deploy::create_namespace),
            )
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(inner.clone(), persist_after_changes))
            .with_state(inner.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self { addr, inner, shutdown: Some(tx) })
    }

    /// What wrangler takes as `CLOUDFLARE_API_BASE_URL`.
    pub fn api_base_url(&self) -> String {
        format!("http://{}/client/v4", self.addr)
    }

    /// Accepts `token` as a valid API token from now on.
    pub fn add_token(&self, token: &str) {
        self.change(|inner| inner.tokens.push(token.to_string()));
    }

    /// Adds an account the user is a member of.
    pub fn add_account(&self, id: &str, name: &str) {
        self.change(|inner| inner.accounts.push(Account { id: id.into(), name: name.into(), ..Default::default() }));
    }

    /// Registers the account's `<subdomain>.workers.dev`.
    pub fn set_subdomain(&self, account: &str, subdomain: &str) {
        self.change(|inner| {
            if let Some(a) = inner.account_mut(account) {
                a.subdomain = Some(subdomain.into());
            }
        });
    }

    /// A deployed Worker (with no secrets) named `script` in the account.
    pub fn add_script(&self, account: &str, script: &str) {
        self.change(|inner| {
            if let Some(a) = inner.account_mut(account) {
                a.scripts.entry(script.into()).or_default();
            }
        });
    }

    /// Deletes a Worker (as `wrangler delete` would).
    pub fn remove_script(&self, account: &str, script: &str) {
        self.change(|inner| {
            if let Some(a) = inner.account_mut(account) {
                a.scripts.remove(script);
            }
        });
    }

    /// Removes one secret from a Worker (as `wrangler secret delete` would).
    pub fn delete_secret(&self, account: &str, script: &str, name: &str) {
        self.change(|inner| {
            if let Some(s) = inner.account_mut(account).and_then(|a| a.scripts.get_mut(script)) {
                s.secrets.remove(name);
            }
        });
    }

    /// Sets one secret of a Worker (as a `wrangler secret put` by hand would).
    pub fn put_secret(&self, account: &str, script: &str, name: &str, value: &str) {
        self.change(|inner| {
            if let Some(s) = inner.account_mut(account).and_then(|a| a.scripts.get_mut(script)) {
                s.secrets.insert(name.to_string(), value.to_string());
                s.versions += 1;
            }
        });
    }

    /// Applies a change and saves (when the stand-in persists).
    fn change(&self, f: impl FnOnce(&mut state::Inner)) {
        let mut inner = self.inner.lock().unwrap();
        f(&mut inner);
        inner.persist();
    }

    /// The accounts, with their Workers and secrets.
    pub fn accounts(&self) -> Vec<Account> {
        self.inner.lock().unwrap().accounts.clone()
    }

    /// The API tokens it accepts.
    pub fn tokens(&self) -> Vec<String> {
        self.inner.lock().unwrap().tokens.clone()
    }

    /// Why the last save to the state file failed, if it did (see [`Self::start_persisted`]).
    pub fn save_error(&self) -> Option<String> {
        self.inner.lock().unwrap().save_error.clone()
    }

    /// The secrets of a Worker as uploaded (name → value); `None` when there is no such Worker.
    pub fn secrets(&self, account: &str, script: &str) -> Option<BTreeMap<String, String>> {
        let mut inner = self.inner.lock().unwrap();
        inner.account_mut(account).and_then(|a| a.scripts.get(script)).map(|s| s.secrets.clone())
    }

    /// How many versions secret changes have made of a Worker (one per put, delete or bulk).
    pub fn versions(&self, account: &str, script: &str) -> u32 {
        let mut inner = self.inner.lock().unwrap();
        inner.account_mut(account).and_then(|a| a.scripts.get(script)).map(|s| s.versions).unwrap_or(0)
    }

    /// Puts `script` in a gradual deployment (its latest version deployed to part of the
    /// traffic, `on`), or ends it: meanwhile every secret change is refused as Cloudflare
    /// refuses it (code 10214). Returns whether the script exists.
    pub fn set_gradual_deployment(&self, account: &str, script: &str, on: bool) -> bool {
        let mut inner = self.inner.lock().unwrap();
        let found = match inner.account_mut(account).and_then(|a| a.scripts.get_mut(script)) {
            Some(found) => {
                found.gradual = on;
                true
            }
            None => false,
        };
        inner.persist();
        found
    }

    /// Answers the next request whose `METHOD path` contains `path_contains` with a
    /// Cloudflare failure (`status`, `code`, `message`).
    pub fn fail_next(&self, path_contains: &str, status: u16, code: u32, message: &str) {
        self.inner.lock().unwrap().failures.push(QueuedFailure {
            path_contains: path_contains.into(),
            status,
            code,
            message: message.into(),
        });
    }

    /// `METHOD path` of every request served so far (path without `/client/v4`).
    pub fn requests(&self) -> Vec<String> {
        self.inner.lock().unwrap().requests.clone()
    }
}

impl Drop for CloudflareStandIn {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Saves after every request that may change something (all but GET), before the answer leaves.
async fn persist_after_changes(
    axum::extract::State(inner): axum::extract::State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let changes = request.method() != Method::GET && request.method() != Method::HEAD;
    let response = next.run(request).await;
    if changes {
        inner.lock().unwrap().persist();
    }
    response
}

async fn not_found(axum::extract::State(inner): axum::extract::State<Shared>, method: Method, uri: Uri) -> Response {
    inner.lock().unwrap().requests.push(format!("{method} {}", uri.path()));
    envelope::failure(
        StatusCode::NOT_FOUND,
        envelope::NO_ROUTE,
        "Could not route to the requested path, perhaps your object identifier is invalid?",
    )
}
