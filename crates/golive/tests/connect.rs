//! The Connect step against the Stripe stand-in and the real wrangler (talking to the
//! Cloudflare stand-in): every refusal, and the outcome when all is well.

mod support;

use golive::connect::{check, ConnectInput};
use golive::findings::{Finding, Status};
use golive::progress::{Silent, StepEvent};
use golive::stripe_key::{parse_key, KeySlot};
use std::sync::Mutex;
use stripe_standin::AccountSpec;
use support::Fixture;

fn finding<'a>(findings: &'a [Finding], check: &str) -> &'a Finding {
    findings.iter().find(|f| f.check == check).unwrap_or_else(|| panic!("no finding {check} in {findings:#?}"))
}

#[tokio::test]
async fn both_keys_of_one_account_and_a_logged_in_wrangler_pass() {
    let fx = Fixture::new().await;
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let events = Mutex::new(Vec::new());
    let sink = |e: StepEvent| events.lock().unwrap().push(e);
    let report = check(&input, &fx.env(), &sink).await;
    assert!(report.passed(), "{:#?}", report.findings);
    let outcome = report.outcome.unwrap();
    assert_eq!(outcome.account.id, fx.keys.account_id);
    assert_eq!(outcome.worker.config.name, "pan-api");
    assert_eq!(outcome.worker.whoami.email.as_deref(), Some("dev@example.com"));
    assert_eq!(outcome.worker.wrangler.version, "4.86.0");
    assert_eq!(finding(&report.findings, "stripe.same_account").status, Status::Pass);
    // every finding was streamed as it landed, before the report
    let streamed = events.lock().unwrap().iter().filter(|e| matches!(e, StepEvent::Finding { .. })).count();
    assert_eq!(streamed, report.findings.len());
    // the live key was really used against the live side
    assert!(fx.stripe.requests().iter().any(|r| r.path == "/v1/balance" && r.livemode == Some(true)));
}

#[tokio::test]
async fn a_revoked_live_key_is_named_with_the_fix() {
    let fx = Fixture::new().await;
    fx.stripe.revoke_key(&fx.keys.live_secret);
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let report = check(&input, &fx.env(), &Silent).await;
    assert!(!report.passed());
    let f = finding(&report.findings, "stripe.live_key.accepted");
    assert_eq!(f.status, Status::Fail);
    assert!(f.detail.contains("401") && f.detail.contains("rolled"), "{f:?}");
    assert_eq!(f.link.as_ref().unwrap().url, "https://dashboard.stripe.com/apikeys");
}

#[tokio::test]
async fn keys_of_two_accounts_are_refused() {
    let fx = Fixture::new().await;
    let other = fx.stripe.add_account(AccountSpec { display_name: "Side Project".into(), ..Default::default() });
    let input = ConnectInput {
        test_key: fx.test_key(),
        live_key: parse_key(KeySlot::Live, &other.live_secret).unwrap(),
        project_dir: fx.project.path().into(),
    };
    let report = check(&input, &fx.env(), &Silent).await;
    assert!(!report.passed());
    let f = finding(&report.findings, "stripe.same_account");
    assert_eq!(f.status, Status::Fail);
    assert!(f.detail.contains("Side Project") && f.detail.contains(&other.account_id), "{f:?}");
}

#[tokio::test]
async fn an_unactivated_live_account_is_a_warning_with_the_activation_link() {
    let fx = Fixture::new().await;
    let fresh = fx.stripe.add_account(AccountSpec { charges_enabled: false, ..Default::default() });
    let input = ConnectInput {
        test_key: parse_key(KeySlot::Test, &fresh.test_secret).unwrap(),
        live_key: parse_key(KeySlot::Live, &fresh.live_secret).unwrap(),
        project_dir: fx.project.path().into(),
    };
    let report = check(&input, &fx.env(), &Silent).await;
    assert!(report.passed(), "a warning must not block: {:#?}", report.findings);
    let f = finding(&report.findings, "stripe.live_account.activated");
    assert_eq!(f.status, Status::Warn);
    assert_eq!(f.link.as_ref().unwrap().url, "https://dashboard.stripe.com/account/onboarding");
}

#[tokio::test]
async fn restricted_keys_are_judged_by_their_permissions() {
    let fx = Fixture::new().await;
    let no_balance = fx.stripe.add_restricted_key(&fx.keys.account_id, true, &["products:write"]);
    let input = ConnectInput {
        test_key: fx.test_key(),
        live_key: parse_key(KeySlot::Live, &no_balance).unwrap(),
        project_dir: fx.project.path().into(),
    };
    let report = check(&input, &fx.env(), &Silent).await;
    let f = finding(&report.findings, "stripe.live_key.accepted");
    assert_eq!(f.status, Status::Fail);
    assert!(f.detail.contains("rak_balance_read"), "{f:?}");

    let balance_only = fx.stripe.add_restricted_key(&fx.keys.account_id, true, &["balance:read"]);
    let input = ConnectInput {
        test_key: fx.test_key(),
        live_key: parse_key(KeySlot::Live, &balance_only).unwrap(),
        project_dir: fx.project.path().into(),
    };
    let report = check(&input, &fx.env(), &Silent).await;
    // It may read the balance, but none of what the later steps read: named now, not at Catalog.
    assert!(!report.passed());
    let f = finding(&report.findings, "stripe.live_key.permissions");
    assert_eq!(f.status, Status::Fail);
    for name in ["Products", "Prices", "Billing Meters", "Customer portal", "Webhook Endpoints", "Events"] {
        assert!(f.detail.contains(name), "{name}: {f:?}");
    }
    assert!(f.fix.as_deref().unwrap().contains("Write"), "{f:?}");

    let enough = fx.stripe.add_restricted_key(
        &fx.keys.account_id,
        true,
        &[
            "balance:read",
            "products:write",
            "prices:write",
            "billing_meters:write",
            "billing_portal:write",
            "webhook_endpoints:write",
            "events:read",
        ],
    );
    let input = ConnectInput {
        test_key: fx.test_key(),
        live_key: parse_key(KeySlot::Live, &enough).unwrap(),
        project_dir: fx.project.path().into(),
    };
    let report = check(&input, &fx.env(), &Silent).await;
    assert!(report.passed(), "{:#?}", report.findings);
    assert_eq!(finding(&report.findings, "stripe.live_key.permissions").status, Status::Pass);
    assert_eq!(finding(&report.findings, "stripe.same_account").status, Status::Warn);
    assert!(report.outcome.unwrap().live_key_restricted);
}

#[tokio::test]
async fn a_folder_without_wrangler_config_names_the_folder() {
    let fx = Fixture::new().await;
    let empty = tempfile::tempdir().unwrap();
    let input = ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: empty.path().into() };
    let report = check(&input, &fx.env(), &Silent).await;
    assert!(!report.passed());
    let f = finding(&report.findings, "worker.config");
    assert!(f.detail.contains(&empty.path().display().to_string()), "{f:?}");
    assert!(f.fix.as_ref().unwrap().contains("wrangler.toml"));
}

#[tokio::test]
async fn wrangler_without_login_or_token_gets_the_exact_fix() {
    let fx = Fixture::new().await;
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let report = check(&input, &fx.env_with_token(None), &Silent).await;
    assert!(!report.passed());
    let f = finding(&report.findings, "worker.login");
    assert_eq!(f.status, Status::Fail);
    let fix = f.fix.as_ref().unwrap();
    assert!(fix.contains("Log in to Cloudflare") && fix.contains("API token"), "the app's ways: {fix}");
    assert!(fix.contains("golive cloudflare login") && fix.contains("golive cloudflare token"), "the CLI's: {fix}");
    assert!(f.link.as_ref().is_some_and(|l| l.url.contains("permissionGroupKeys")), "the token page, pre-filled");
}

#[tokio::test]
async fn a_missing_wrangler_is_reported_as_not_installed() {
    let fx = Fixture::new().await;
    let mut env = fx.env();
    env.wrangler_program = Some(fx.project.path().join("node_modules/.bin/wrangler"));
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let report = check(&input, &env, &Silent).await;
    let f = finding(&report.findings, "worker.wrangler");
    assert_eq!(f.status, Status::Fail);
    assert!(f.fix.as_ref().unwrap().contains("npm install --save-dev wrangler"));
}

#[tokio::test]
async fn a_login_to_another_cloudflare_account_is_refused() {
    let fx = Fixture::new().await;
    std::fs::write(
        fx.project.path().join("wrangler.toml"),
        "name = \"pan-api\"\naccount_id = \"ffffffffffffffffffffffffffffffff\"\n",
    )
    .unwrap();
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let report = check(&input, &fx.env(), &Silent).await;
    assert!(!report.passed());
    assert_eq!(finding(&report.findings, "worker.account").status, Status::Fail);
}

#[tokio::test]
async fn a_stripe_that_never_answers_is_reported_within_the_time_limit() {
    // The host takes the connection and says nothing: Connect and the catalog plan must end,
    // saying so, instead of spinning for ever.
    let fx = Fixture::new().await;
    for _ in 0..8 {
        fx.stripe.inject(stripe_standin::Fault::Hang);
    }
    let mut env = fx.env();
    env.stripe_timeout = Some(std::time::Duration::from_millis(400));
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let started = std::time::Instant::now();
    let report = check(&input, &env, &Silent).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(!report.passed());
    // Each card says which key it was about: two alike would leave the user guessing.
    let silent: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.title.starts_with("Stripe did not answer"))
        .map(|f| f.title.as_str())
        .collect();
    assert!(silent.iter().all(|t| t.ends_with("test key") || t.ends_with("live key")), "{silent:?}");
    let distinct: std::collections::BTreeSet<&&str> = silent.iter().collect();
    assert_eq!(distinct.len(), silent.len(), "{silent:?}");
    let f = report.findings.iter().find(|f| f.title.starts_with("Stripe did not answer")).expect("named");
    assert!(f.detail.contains("0 s") || f.detail.contains("1 s"), "{f:?}");
    assert!(f.fix.as_deref().unwrap().contains("internet connection"), "{f:?}");

    for _ in 0..40 {
        fx.stripe.inject(stripe_standin::Fault::Hang);
    }
    let started = std::time::Instant::now();
    let options = golive::catalog::ValidateOptions::default();
    let failed = golive::catalog::plan_catalog(&env, &fx.test_key(), &fx.live_key(), &options).await.unwrap_err();
    assert!(matches!(failed, golive::stripe_api::ApiFailure::TimedOut { .. }), "{failed:?}");
    assert!(failed.describe().contains("did not answer"), "{failed}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
}

/// A wrangler laid out as npm installs it (`.bin/wrangler` → `../wrangler/bin/wrangler.js`)
/// whose entry point is `script`; returns the `.bin/wrangler` to run.
fn wrangler_package(root: &std::path::Path, version: &str, script: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let package = root.join("node_modules/wrangler");
    std::fs::create_dir_all(package.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("node_modules/.bin")).unwrap();
    std::fs::write(package.join("package.json"), format!(r#"{{"name":"wrangler","version":"{version}"}}"#)).unwrap();
    let entry = package.join("bin/wrangler.js");
    std::fs::write(&entry, script).unwrap();
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = root.join("node_modules/.bin/wrangler");
    std::os::unix::fs::symlink("../wrangler/bin/wrangler.js", &bin).unwrap();
    bin
}

#[tokio::test]
async fn connect_starts_wrangler_once_when_its_package_says_its_version() {
    // The Worker half of Connect costs one wrangler start (`whoami`), not two: the version
    // comes from the package.json npm installed beside it.
    let fx = Fixture::new().await;
    let root = tempfile::tempdir().unwrap();
    let log = root.path().join("runs.log");
    let real = golive_testkit::repo_wrangler();
    let script = format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n", log.display(), real.display());
    let mut env = fx.env();
    env.wrangler_program = Some(wrangler_package(root.path(), "4.99.1", &script));
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let report = check(&input, &env, &Silent).await;
    assert!(report.passed(), "{:#?}", report.findings);
    assert!(finding(&report.findings, "worker.wrangler").title.contains("4.99.1"));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "whoami --json\n", "wrangler's runs");
}

#[tokio::test]
async fn a_wrangler_that_does_not_start_is_reported_as_broken_not_as_a_login_problem() {
    let fx = Fixture::new().await;
    let root = tempfile::tempdir().unwrap();
    let script = "#!/bin/sh\necho 'Wrangler requires at least Node.js v20.0.0. You are using v18.19.0.' >&2\nexit 1\n";
    let mut env = fx.env();
    env.wrangler_program = Some(wrangler_package(root.path(), "4.99.1", script));
    let input =
        ConnectInput { test_key: fx.test_key(), live_key: fx.live_key(), project_dir: fx.project.path().into() };
    let report = check(&input, &env, &Silent).await;
    let f = finding(&report.findings, "worker.wrangler");
    assert_eq!(f.status, Status::Fail, "{f:?}");
    assert!(f.detail.contains("Node.js v20"), "says why: {f:?}");
    assert!(f.fix.as_ref().unwrap().contains("node --version"), "{f:?}");
    assert!(report.findings.iter().all(|f| f.check != "worker.login"), "{:#?}", report.findings);
}
