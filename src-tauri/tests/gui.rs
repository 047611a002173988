//! The real golive window, built by cargo and driven under Xvfb through tauri-driver and
//! WebKitWebDriver: a malformed key is refused under its field; the rehearsal keys and a
//! folder with wrangler.toml reach Continue; the keys leave the page once Connect passes;
//! the whole rehearsal to Verify, with a restart after Secrets that lists the recent
//! projects and resumes where it was; switching mode and back loses nothing; the smoke
//! purchase buys a tier for $0, the rehearsal's button completing its checkout, and cleans
//! up; Rotate rolls the webhook secret and Verify passes again; the billing rehearsal runs
//! every scenario on test clocks against the Worker on this machine and all pass.
//!
//! Needs a display (the test script runs it under xvfb-run), `/usr/bin/WebKitWebDriver`
//! (webkit2gtk-driver) and tauri-driver from the repository's node_modules.

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// tauri-driver, stopped with SIGTERM so WebKitWebDriver lets go of its port.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(data_dir: &Path) -> Driver {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the GUI tests under xvfb-run (scripts/test.sh does)"
        );
        let driver = golive_testkit::repo_root().join("node_modules/.bin/tauri-driver");
        assert!(driver.exists(), "tauri-driver is not installed: run scripts/setup.sh");
        let (port, native) = (free_port(), free_port());
        // The app's own output (it inherits these through WebKitWebDriver) goes to a file the
        // test scans for keys, and wrangler is a wrapper that records every argv.
        let log = std::fs::File::create(data_dir.join("app-output.log")).unwrap();
        let child = Command::new(driver)
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .env("GOLIVE_DATA_DIR", data_dir)
            .env("GOLIVE_WRANGLER", golive_testkit::recording_wrangler(data_dir))
            .env("RUST_LOG", "debug")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("tauri-driver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, port }
    }

    async fn session(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), serde_json::json!({ "application": env!("CARGO_BIN_EXE_golive-app") }));
        let connect = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await;
        // Session start hangs without a display; bound it.
        tokio::time::timeout(Duration::from_secs(60), async { connect })
            .await
            .expect("WebDriver session within a minute")
            .expect("WebDriver session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = nix_term(self.child.id());
        let _ = self.child.wait();
    }
}

fn nix_term(pid: u32) -> std::io::Result<()> {
    Command::new("kill").args(["-TERM", &pid.to_string()]).status().map(|_| ())
}

async fn wait_for_text(client: &Client, css: &str, needle: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            let text = el.text().await.unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
        }
        assert!(Instant::now() < deadline, "`{css}` never showed “{needle}”");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until `css` is on the page and shown (not hidden, nor inside something hidden).
async fn wait_shown(client: &Client, css: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            if el.is_displayed().await.unwrap_or(false) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "`{css}` never showed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The stepper button's accessible name for `step` ("8 Smoke purchase, done").
async fn step_label(client: &Client, step: &str) -> String {
    let css = format!("#stepper button[data-step='{step}']");
    client.find(Locator::Css(&css)).await.unwrap().attr("aria-label").await.unwrap().unwrap_or_default()
}

async fn value_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().prop("value").await.unwrap().unwrap_or_default()
}

/// Takes a screenshot once the window has painted what the DOM holds (two animation frames
/// after the call: a screenshot taken at once can catch WebKit mid-repaint, a blank card), and
/// keeps it as `name`.
async fn screenshot(client: &Client, name: &str) {
    client
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await
        .expect("the window paints");
    save_screenshot(&client.screenshot().await.unwrap(), name);
}

fn save_screenshot(png: &[u8], name: &str) {
    let dir = std::env::var_os("GOLIVE_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| golive_testkit::repo_root().join("target/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_in_rehearsal_refuses_a_bad_key_then_reaches_continue() {
    let data = tempfile::tempdir().unwrap();
    let driver = Driver::start(data.path());
    let client = driver.session().await;

    // Opens in offline rehearsal, with every step listed and the later ones locked.
    wait_for_text(&client, "#mode-banner", "Offline rehearsal", Duration::from_secs(30)).await;
    let steps = client.find_all(Locator::Css("#stepper button")).await.unwrap();
    assert_eq!(steps.len(), 10, "the seven go-live steps, Smoke purchase, Rotate and Billing rehearsal");
    let locked = client.find_all(Locator::Css("#stepper button[disabled]")).await.unwrap();
    assert_eq!(locked.len(), 9, "only Connect is open before Connect passed");

    // A publishable key in the live slot: refused under its field, nothing else runs.
    client.find(Locator::Id("fill-rehearsal")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while value_of(&client, "#live-key").await.is_empty() {
        assert!(Instant::now() < deadline, "rehearsal keys were not filled in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let live_key = value_of(&client, "#live-key").await;
    let test_key = value_of(&client, "#test-key").await;
    let live_field = client.find(Locator::Id("live-key")).await.unwrap();
    live_field.clear().await.unwrap();
    live_field.send_keys(&format!("pk_live_{}", &live_key[8..])).await.unwrap();
    client.find(Locator::Id("check")).await.unwrap().click().await.unwrap();
    let problem = wait_for_text(&client, "#live-key-problem", "publishable", Duration::from_secs(20)).await;
    assert!(problem.contains("Secret key"), "{problem}");
    screenshot(&client, "connect-refused.png").await;

    // Cloudflare login without a terminal: a token Cloudflare does not know is refused with
    // the fix and leaves the page; the rehearsal's made-up token is checked by the Cloudflare
    // stand-in, kept in the keyring, and gone from the page.
    client.find(Locator::Css("#cloudflare summary")).await.unwrap().click().await.unwrap();
    let token_field = client.find(Locator::Id("cloudflare-token")).await.unwrap();
    token_field.clear().await.unwrap();
    token_field.send_keys("NotAToken_0123456789abcdefghijklmnopqrs").await.unwrap();
    client.find(Locator::Id("cloudflare-use-token")).await.unwrap().click().await.unwrap();
    let refused = wait_for_text(&client, "#cloudflare-status", "Cloudflare refused", Duration::from_secs(20)).await;
    assert!(refused.contains("golive's permissions"), "the fix says how to make one: {refused}");
    assert_eq!(value_of(&client, "#cloudflare-token").await, "", "the refused token left the page");
    client.find(Locator::Id("fill-rehearsal")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while value_of(&client, "#cloudflare-token").await.is_empty() {
        assert!(Instant::now() < deadline, "the rehearsal token was not filled in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cf_token = value_of(&client, "#cloudflare-token").await;
    client.find(Locator::Id("cloudflare-use-token")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#cloudflare-status", "wrangler reaches Cloudflare as", Duration::from_secs(30)).await;
    assert_eq!(keyring_value("cloudflare/rehearsal/CLOUDFLARE_API_TOKEN"), cf_token, "kept in the keyring");
    assert_eq!(value_of(&client, "#cloudflare-token").await, "");
    screenshot(&client, "connect-cloudflare.png").await;
    golive_testkit::assert_no_key_in("page (DOM)", &client.source().await.unwrap(), &[&cf_token]);

    // The rehearsal keys and its sample project: all checks pass and Continue unlocks.
    client.find(Locator::Id("fill-rehearsal")).await.unwrap().click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    client.find(Locator::Id("check")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#connect-status", "All checks passed", Duration::from_secs(90)).await;
    let findings = client.find(Locator::Id("findings")).await.unwrap().text().await.unwrap();
    assert!(findings.contains("Both keys belong to the same account"), "{findings}");
    assert!(findings.contains("wrangler is logged in"), "{findings}");
    let cont = client.find(Locator::Id("continue")).await.unwrap();
    assert!(cont.is_enabled().await.unwrap());
    screenshot(&client, "connect-passed.png").await;

    // The keys are gone from the page once Connect passed.
    let html = client.source().await.unwrap();
    assert_eq!(value_of(&client, "#live-key").await, "");
    golive_testkit::assert_no_key_in("page (DOM)", &html, &[&live_key, &test_key, &cf_token]);

    // Connect passed: Catalog and the Billing rehearsal (test mode only) open; the rest waits.
    let open = client
        .execute(
            "return [...document.querySelectorAll('#stepper button:not([disabled])')].map(b => b.dataset.step)",
            vec![],
        )
        .await
        .unwrap();
    let open: Vec<String> = serde_json::from_value(open).unwrap();
    assert_eq!(open, ["connect", "catalog", "billing"], "open after Connect");

    // Continue opens the next step, and the app remembers it.
    cont.click().await.unwrap();
    wait_for_text(&client, "#view h1", "Catalog", Duration::from_secs(10)).await;
    let session = session_text(data.path());
    assert!(session.contains("\"current\": \"catalog\""), "{session}");

    // Catalog: the rehearsal's "Pro" trap blocks the plan with its fix; accepting golive's
    // suggestion unblocks it; apply creates the three tiers and shows the live price IDs;
    // planning again finds everything live.
    let blocking = wait_for_text(&client, "#catalog-problems", "Pro", Duration::from_secs(30)).await;
    assert!(blocking.contains("“pro”"), "{blocking}");
    assert!(!client.find(Locator::Id("apply")).await.unwrap().is_enabled().await.unwrap());
    screenshot(&client, "catalog-trap.png").await;
    client.find(Locator::Id("accept-suggestions")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#catalog-status", "to create in live mode", Duration::from_secs(30)).await;
    let table = client.find(Locator::Id("plan-table")).await.unwrap().text().await.unwrap();
    for tier in ["starter", "pro", "enterprise"] {
        assert!(table.contains(tier), "{table}");
    }
    client.find(Locator::Id("apply")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#price-ids", "STRIPE_PRICE_ID_PRO", Duration::from_secs(60)).await;
    wait_for_text(&client, "#catalog-status", "already has every tier", Duration::from_secs(30)).await;
    let ids = client.find(Locator::Id("price-ids")).await.unwrap().text().await.unwrap();
    assert!(ids.contains("STRIPE_PORTAL_CONFIG_ID") && ids.contains("bpc_"), "{ids}");
    client.execute("document.getElementById('price-ids').scrollIntoView()", vec![]).await.unwrap();
    screenshot(&client, "catalog-applied.png").await;
    let session = session_text(data.path());
    assert!(session.contains("STRIPE_PRICE_ID_ENTERPRISE"), "{session}");

    // Price IDs & portal: its own view, with what the Worker will get.
    client.find(Locator::Id("catalog-continue")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Price IDs & portal", Duration::from_secs(10)).await;
    let ids = client.find(Locator::Id("price-ids")).await.unwrap().text().await.unwrap();
    assert!(ids.contains("STRIPE_PRICE_ID_PRO") && ids.contains("STRIPE_PORTAL_CONFIG_ID"), "{ids}");

    // Webhook: the URL is derived from the account's workers.dev subdomain; the plan finds
    // no endpoint; creating one puts its secret in the keyring and unlocks Continue.
    client.find(Locator::Id("price-ids-continue")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Webhook", Duration::from_secs(10)).await;
    wait_for_text(&client, "#webhook-status", "No endpoint golive can use", Duration::from_secs(60)).await;
    let url = value_of(&client, "#webhook-url").await;
    assert_eq!(url, "https://rehearsal-api.rehearsal.workers.dev/webhook/stripe");
    let version = client.find(Locator::Id("api-version")).await.unwrap().text().await.unwrap();
    assert!(version.contains("pinned to 2026-10-28.endive"), "{version}");
    client.find(Locator::Id("webhook-ensure")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#webhook-status", "signing secret is in your keyring", Duration::from_secs(30)).await;
    let endpoints = wait_for_text(&client, "#endpoint-table", "golive uses this one", Duration::from_secs(30)).await;
    assert!(endpoints.contains("we_"), "{endpoints}");
    client.execute("document.getElementById('api-version').scrollIntoView()", vec![]).await.unwrap();
    screenshot(&client, "webhook-created.png").await;
    let whsec = keyring_value("rehearsal-api/live/STRIPE_WEBHOOK_SECRET");
    assert!(whsec.starts_with("whsec_"), "the webhook secret is in the keyring");

    // Secrets: every variable listed with hints only; one push; each confirmed on the Worker.
    client.find(Locator::Id("webhook-continue")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Secrets", Duration::from_secs(10)).await;
    wait_for_text(&client, "#secrets-table", "STRIPE_WEBHOOK_SECRET", Duration::from_secs(30)).await;
    client.find(Locator::Id("push-secrets")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#secrets-status", "secrets are on rehearsal-api", Duration::from_secs(90)).await;
    let table = client.find(Locator::Id("secrets-table")).await.unwrap().text().await.unwrap();
    assert!(table.contains("STRIPE_PRICE_ID_PRO") && table.contains("STRIPE_PORTAL_CONFIG_ID"), "{table}");
    let unconfirmed = client.find_all(Locator::Css("#secrets-table [aria-label='confirmed: no']")).await.unwrap();
    assert!(unconfirmed.is_empty(), "every secret is confirmed");
    screenshot(&client, "secrets-pushed.png").await;
    let html = client.source().await.unwrap();
    golive_testkit::assert_no_key_in("page (DOM)", &html, &[&live_key, &test_key, &whsec]);

    client.find(Locator::Id("secrets-continue")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Audit", Duration::from_secs(10)).await;

    // Audit: the account, the folder and the Worker's behaviour under duplicate, late and
    // out-of-order events, streamed; nothing blocks the rehearsal. A manual item ticked
    // keeps its date; then on to Verify.
    client.find(Locator::Id("run-audit")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#audit-status", "Nothing blocks the go-live", Duration::from_secs(180)).await;
    let audited = client.find(Locator::Id("audit-findings")).await.unwrap().text().await.unwrap();
    for title in [
        "The account can take live payments",
        "An event delivered twice is handled once",
        "An older event never overwrites a newer state",
    ] {
        assert!(audited.contains(title), "{audited}");
    }
    client.find(Locator::Id("manual-two-step-login")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#audit-manual", "confirmed by you on", Duration::from_secs(10)).await;
    // The picture for the README: the behaviour proofs and the manual list together.
    client.execute("document.getElementById('audit-manual').scrollIntoView({block: 'end'})", vec![]).await.unwrap();
    screenshot(&client, "audit.png").await;
    let html = client.source().await.unwrap();
    golive_testkit::assert_no_key_in("page (DOM)", &html, &[&live_key, &test_key, &whsec]);
    assert!(session_text(data.path()).contains("\"two-step-login\""), "the tick is in the session");
    client.find(Locator::Id("audit-continue")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Verify", Duration::from_secs(10)).await;

    // Quit mid-rehearsal, with a real project's session beside it; start again on the same
    // data: the recent projects are listed (two), the rehearsal opens where it was, and
    // Verify passes against what the first run pushed — nothing redone.
    client.close().await.unwrap();
    drop(driver);
    let real_parent = tempfile::tempdir().unwrap();
    let real_project = real_parent.path().join("pan-api");
    std::fs::create_dir(&real_project).unwrap();
    std::fs::write(real_project.join("wrangler.toml"), "name = \"pan-api\"\n").unwrap();
    let mut real = golive::session::Session::new(golive::environment::Mode::Real);
    real.project_dir = Some(real_project.clone());
    let store = golive::wizard::SessionStore::new(data.path());
    let real_file = store.save(&real).unwrap();
    let real_before = std::fs::read_to_string(&real_file).unwrap();
    let before_restart = session_text(data.path());
    let driver = Driver::start(data.path());
    let client = driver.session().await;
    let listed = wait_for_text(&client, "#recent-projects", "Rehearsal", Duration::from_secs(30)).await;
    assert!(listed.contains("Real") && listed.contains(&real_project.display().to_string()), "{listed}");
    assert_eq!(client.find_all(Locator::Css("#recent-projects li")).await.unwrap().len(), 2);
    screenshot(&client, "recent-projects.png").await;
    client
        .find(Locator::Css("#recent-projects li.recent-rehearsal .recent-open"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#view h1", "Verify", Duration::from_secs(10)).await;
    assert_eq!(session_text(data.path()), before_restart, "reopening wrote nothing");

    // Verify: the rehearsal's Worker runs locally with the pushed secrets; every check
    // passes, results stream in, the stepper marks the flow done.
    client.find(Locator::Id("run-verify")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#verify-status", "Rehearsal passed", Duration::from_secs(120)).await;
    let checks = client.find(Locator::Id("verify-findings")).await.unwrap().text().await.unwrap();
    for title in [
        "A correctly signed event, as Stripe sends it, is accepted",
        "An event with a wrong signature is refused",
        "The Worker has every secret",
    ] {
        assert!(checks.contains(title), "{checks}");
    }
    let labels = client
        .execute(
            "return [...document.querySelectorAll('#stepper button')].map(b => b.getAttribute('aria-label'))",
            vec![],
        )
        .await
        .unwrap();
    let labels: Vec<String> = serde_json::from_value(labels).unwrap();
    assert!(labels[..7].iter().all(|l| l.ends_with(", done")), "every go-live step is done: {labels:?}");
    assert!(labels[7].ends_with("Smoke purchase"), "Smoke purchase is open now, not done: {labels:?}");
    assert!(labels[8].ends_with("Rotate"), "Rotate is open now, not done: {labels:?}");
    assert!(labels[9].ends_with("Billing rehearsal"), "the Billing rehearsal is open, not run yet: {labels:?}");
    screenshot(&client, "verify-passed.png").await;
    let html = client.source().await.unwrap();
    golive_testkit::assert_no_key_in("page (DOM)", &html, &[&live_key, &test_key, &whsec]);
    let session = session_text(data.path());
    assert!(session.contains("\"current\": \"verify\""), "{session}");

    // Real mode and back: each opens its own most recent project; neither loses anything.
    client.find(Locator::Id("switch-mode")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#mode-banner", "Real accounts", Duration::from_secs(10)).await;
    client.find(Locator::Id("switch-mode")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#mode-banner", "Offline rehearsal", Duration::from_secs(10)).await;
    wait_for_text(&client, "#view h1", "Verify", Duration::from_secs(10)).await;
    assert_eq!(session_text(data.path()), session, "the rehearsal's session is as it was");
    assert_eq!(std::fs::read_to_string(&real_file).unwrap(), real_before, "the real session is as it was");

    // Smoke purchase (optional, after Verify): a $0 purchase in the rehearsal's live mode, its
    // checkout completed by the rehearsal's button, the tier proven on the Worker, the portal
    // looked at; then cancelled, the tier back at free, the coupon deleted. Neither the
    // checkout's link nor the portal's is ever in the page.
    client.find(Locator::Css("#stepper button[data-step='smoke']")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Smoke purchase", Duration::from_secs(10)).await;
    wait_for_text(&client, "#smoke-plan", "100%-off coupon", Duration::from_secs(30)).await;
    if value_of(&client, "#smoke-email").await.is_empty() {
        client.find(Locator::Id("smoke-email")).await.unwrap().send_keys("founder@example.com").await.unwrap();
    }
    client.find(Locator::Id("smoke-start")).await.unwrap().click().await.unwrap();
    wait_shown(&client, "#smoke-complete", Duration::from_secs(60)).await;
    wait_for_text(&client, "#smoke-timeline", "A 100%-off coupon and a one-time code", Duration::from_secs(10)).await;
    assert!(client.find(Locator::Id("smoke-stop")).await.unwrap().is_displayed().await.unwrap(), "Stop is offered");
    client.find(Locator::Id("smoke-complete")).await.unwrap().click().await.unwrap();
    wait_shown(&client, "#smoke-portal-ok", Duration::from_secs(120)).await;
    let timeline = client.find(Locator::Id("smoke-timeline")).await.unwrap().text().await.unwrap();
    for title in ["The checkout completed at no cost", "The Worker gave the customer the tier bought"] {
        assert!(timeline.contains(title), "{timeline}");
    }
    client.find(Locator::Id("smoke-portal-ok")).await.unwrap().click().await.unwrap();
    let result = wait_for_text(&client, "#smoke-result", "Smoke purchase passed", Duration::from_secs(180)).await;
    assert!(result.contains(" deleted") && result.contains("turned off"), "{result}");
    assert!(client.find(Locator::Id("smoke-delete-customer")).await.is_ok(), "deleting the customer is offered");
    let timeline = client.find(Locator::Id("smoke-timeline")).await.unwrap().text().await.unwrap();
    assert!(timeline.contains("The tier went back to free"), "{timeline}");
    client.execute("document.getElementById('smoke-result').scrollIntoView()", vec![]).await.unwrap();
    screenshot(&client, "smoke.png").await;
    let html = client.source().await.unwrap();
    golive_testkit::assert_no_key_in("page (DOM)", &html, &[&live_key, &test_key, &whsec]);
    for link in ["checkout.stripe.com", "billing.stripe.com"] {
        assert!(!html.contains(link), "no {link} link in the page");
    }
    let smoke_label = step_label(&client, "smoke").await;
    assert!(smoke_label.ends_with(", done"), "{smoke_label}");

    // Rotate: the webhook secret, automatically — a new endpoint, both secrets on the
    // Worker, the new one proven, the old endpoint retired — then Verify passes again.
    let old_whsec = keyring_value("rehearsal-api/live/STRIPE_WEBHOOK_SECRET");
    client.find(Locator::Css("#stepper button[data-step='rotate']")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Rotate", Duration::from_secs(10)).await;
    wait_for_text(&client, "#rotate-plan", "second live endpoint", Duration::from_secs(20)).await;
    client.find(Locator::Id("rotate-start")).await.unwrap().click().await.unwrap();
    let timeline = wait_for_text(&client, "#rotate-state", "Rotation done", Duration::from_secs(120)).await;
    assert!(timeline.contains("Old endpoint retired"), "{timeline}");
    client.execute("document.getElementById('rotate-state').scrollIntoView()", vec![]).await.unwrap();
    screenshot(&client, "rotate-done.png").await;
    let whsec_now = keyring_value("rehearsal-api/live/STRIPE_WEBHOOK_SECRET");
    assert!(whsec_now.starts_with("whsec_") && whsec_now != old_whsec, "the keyring holds the new secret");
    let html = client.source().await.unwrap();
    golive_testkit::assert_no_key_in("page (DOM)", &html, &[&live_key, &test_key, &whsec, &whsec_now]);
    client.find(Locator::Id("rotate-verify")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Verify", Duration::from_secs(10)).await;
    client.find(Locator::Id("run-verify")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#verify-status", "Rehearsal passed", Duration::from_secs(120)).await;

    // Billing rehearsal (test mode): it needs Connect's test key, which golive keeps in
    // memory only — this app started after Connect, so the step says to check the keys again.
    client.find(Locator::Css("#stepper button[data-step='billing']")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Billing rehearsal", Duration::from_secs(10)).await;
    wait_for_text(&client, "#billing-problem", "Go back to Connect", Duration::from_secs(30)).await;
    assert!(!client.find(Locator::Id("billing-run")).await.unwrap().is_enabled().await.unwrap());
    client.find(Locator::Css("#stepper button[data-step='connect']")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Connect", Duration::from_secs(10)).await;
    client.find(Locator::Id("fill-rehearsal")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while value_of(&client, "#live-key").await.is_empty() {
        assert!(Instant::now() < deadline, "rehearsal keys were not filled in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client.find(Locator::Id("check")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#connect-status", "All checks passed", Duration::from_secs(90)).await;

    // Then every scenario runs on test clocks against the project's Worker run on this
    // machine, each phase landing as it is judged; all of them pass, and each scenario's
    // timeline is listed.
    client.find(Locator::Css("#stepper button[data-step='billing']")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "#view h1", "Billing rehearsal", Duration::from_secs(10)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.find(Locator::Css("#billing-scenarios input[type='checkbox']")).await.is_err() {
        let problem = client.find(Locator::Id("billing-problem")).await.unwrap().text().await.unwrap_or_default();
        assert!(problem.is_empty(), "the billing plan was refused: {problem}");
        assert!(Instant::now() < deadline, "the billing scenarios never showed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let boxes = client.find_all(Locator::Css("#billing-scenarios input[type='checkbox']")).await.unwrap();
    let mut scenarios = Vec::new();
    for b in &boxes {
        assert!(b.is_selected().await.unwrap(), "every scenario is ticked");
        scenarios.push(b.attr("value").await.unwrap().unwrap_or_default());
    }
    assert_eq!(scenarios.len(), 6, "{scenarios:?}");
    let started = Instant::now();
    client.find(Locator::Id("billing-run")).await.unwrap().click().await.unwrap();
    wait_shown(&client, "#billing-live li", Duration::from_secs(120)).await;
    let summary = wait_for_text(&client, "#billing-summary", "6 of 6", Duration::from_secs(240)).await;
    assert!(summary.contains("Billing rehearsal passed"), "{summary}");
    eprintln!("the billing rehearsal ran in {:?}", started.elapsed());
    let listed = client
        .execute(
            "return [...document.querySelectorAll('#billing-results [data-scenario]')].map(s => s.dataset.scenario)",
            vec![],
        )
        .await
        .unwrap();
    let listed: Vec<String> = serde_json::from_value(listed).unwrap();
    assert_eq!(listed, scenarios, "every scenario has its timeline");
    let results = client.find(Locator::Id("billing-results")).await.unwrap().text().await.unwrap();
    assert!(results.contains("past_due") && results.contains("trialing"), "{results}");
    assert!(!results.contains("What to do"), "no phase failed: {results}");
    let focused = client.execute("return document.activeElement.id", vec![]).await.unwrap();
    assert_eq!(focused, "billing-summary", "focus is on the summary");
    client.execute("document.getElementById('billing-report').scrollIntoView()", vec![]).await.unwrap();
    screenshot(&client, "billing.png").await;
    let html = client.source().await.unwrap();
    golive_testkit::assert_no_key_in("page (DOM)", &html, &[&live_key, &test_key, &whsec, &whsec_now]);
    assert!(!html.contains("whsec_"), "the run's signing secret is not in the page");
    let billing_label = step_label(&client, "billing").await;
    assert!(billing_label.ends_with(", done"), "{billing_label}");

    let session = session_text(data.path());
    assert!(session.contains("\"billing\""), "the billing report is in the session");
    client.close().await.unwrap();
    drop(driver);

    // No key or webhook secret in the session file, the app's output, or any argv.
    let argv = std::fs::read_to_string(golive_testkit::argv_log(data.path())).unwrap();
    assert!(argv.contains("whoami --json"), "wrangler really ran through the recorder: {argv}");
    assert!(argv.contains("secret bulk"), "the secrets went through wrangler: {argv}");
    let output = std::fs::read_to_string(data.path().join("app-output.log")).unwrap_or_default();
    for (what, text) in [("session file", &session), ("argv", &argv), ("app output", &output)] {
        golive_testkit::assert_no_key_in(what, text, &[&live_key, &test_key, &whsec, &cf_token]);
    }
}

/// The rehearsal's session file as golive saved it (one file per project and mode).
fn session_text(data: &Path) -> String {
    let store = golive::wizard::SessionStore::new(data);
    let project = store
        .recent()
        .into_iter()
        .find(|p| p.mode == golive::environment::Mode::Rehearsal)
        .expect("the rehearsal has a session")
        .project_dir;
    std::fs::read_to_string(store.path_for(golive::environment::Mode::Rehearsal, &project)).unwrap()
}

/// A golive entry read back through the Secret Service with libsecret's own tool.
fn keyring_value(user: &str) -> String {
    let out = Command::new("secret-tool").args(["lookup", "service", "golive", "username", user]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
