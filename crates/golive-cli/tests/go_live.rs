//! `golive --rehearsal …` as a user runs it, one process per command: the steps one by one,
//! then `go-live --yes` finds them done and Verify passes; a second `go-live` writes nothing.
//! Sessions are per project and mode: a real project's session survives every rehearsal
//! command, and `golive --rehearsal reset` forgets only the rehearsal's. Needs the private
//! Secret Service scripts/test.sh starts (the Webhook step keeps its secret in the keyring).

use golive::environment::Mode;
use golive::wizard::SessionStore;
use golive_testkit::{repo_root, repo_wrangler};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Every rehearsal keeps its webhook secret under the same Worker name in the keyring: the
/// tests that reach the Webhook step run one at a time.
static KEYRING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    KEYRING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn golive(data: &Path, args: &[&str]) -> Output {
    golive_with(data, args, &repo_wrangler())
}

fn golive_with(data: &Path, args: &[&str], wrangler: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_golive"))
        .args(args)
        .env("GOLIVE_DATA_DIR", data)
        .env("GOLIVE_WRANGLER", wrangler)
        .env("GOLIVE_NODE_MODULES", repo_root().join("node_modules"))
        .env_remove("CLOUDFLARE_API_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn ok(out: Output) -> serde_json::Value {
    let doc = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}\n{}", String::from_utf8_lossy(&out.stderr));
    doc
}

/// How many objects the rehearsal's Stripe holds, of the kinds golive writes.
fn stripe_objects(data: &Path) -> usize {
    let text = std::fs::read_to_string(data.join("rehearsal/stripe.json")).unwrap();
    fn count(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    (
                        "products" | "prices" | "portal_configurations" | "webhook_endpoints" | "meters",
                        serde_json::Value::Array(a),
                    ) => a.len(),
                    _ => count(v),
                })
                .sum(),
            serde_json::Value::Array(items) => items.iter().map(count).sum(),
            _ => 0,
        }
    }
    count(&serde_json::from_str(&text).unwrap())
}

fn statuses(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap().to_string(), s["status"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn the_rehearsal_step_by_step_then_go_live_passes_and_a_second_run_writes_nothing() {
    let _keyring = one_at_a_time();
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    ok(golive(d, &["--rehearsal", "connect", "--json"]));
    let applied = ok(golive(d, &["--rehearsal", "catalog", "apply", "--accept-suggestions", "--json"]));
    assert!(!applied["price_ids"].as_array().unwrap().is_empty(), "{applied:#}");
    ok(golive(d, &["--rehearsal", "webhook", "--json"]));
    ok(golive(d, &["--rehearsal", "secrets", "push", "--json"]));

    // The audit: the rehearsal's account is ready, nothing blocks; a manual item is ticked
    // (an unknown one refused with the ids there are), and the report shows the tick's date.
    let audit = ok(golive(d, &["--rehearsal", "audit", "--json"]));
    assert_eq!(audit["blocking"].as_array().unwrap().len(), 0, "{audit:#}");
    let checks: Vec<&str> =
        audit["report"]["findings"].as_array().unwrap().iter().map(|f| f["check"].as_str().unwrap()).collect();
    assert!(checks.contains(&"audit.account.charges") && checks.contains(&"audit.repo.webhook_handler"), "{checks:?}");
    let ticked = ok(golive(d, &["--rehearsal", "audit", "--confirm", "two-step-login", "--json"]));
    assert!(ticked["manual"][0]["confirmed_at"].is_i64(), "{ticked:#}");
    let unknown = golive(d, &["--rehearsal", "audit", "--confirm", "2fa", "--json"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(json_of(&unknown)["error"]["fix"].as_str().unwrap().contains("two-step-login"));
    let bad_source = golive(d, &["--rehearsal", "audit", "--tier-key", "customer", "--json"]);
    assert_eq!(bad_source.status.code(), Some(2));
    assert_eq!(json_of(&bad_source)["error"]["code"], "tier_source");

    let reports = d.join("reports");
    let first = ok(golive(
        d,
        &["--rehearsal", "go-live", "--yes", "--accept-suggestions", "--json", "--report", reports.to_str().unwrap()],
    ));
    assert_eq!(first["passed"], true, "{first:#}");
    let expected: Vec<(String, String)> = [
        ("connect", "passed"),
        ("catalog", "already_done"),
        ("webhook", "already_done"),
        ("secrets", "already_done"),
        ("audit", "passed"),
        ("verify", "passed"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(statuses(&first), expected, "the steps done one by one are not done again");
    let md = std::fs::read_to_string(reports.join("go-live-report.md")).unwrap();
    assert!(md.contains("Rehearsal"));
    assert!(md.contains("## Audit") && md.contains("— confirmed by you on "), "{md}");

    let objects = stripe_objects(d);
    let recorder = tempfile::tempdir().unwrap();
    let wrangler = golive_testkit::recording_wrangler(recorder.path());
    let again = ok(golive_with(d, &["--rehearsal", "go-live", "--yes", "--accept-suggestions", "--json"], &wrangler));
    assert_eq!(statuses(&again), expected);
    assert_eq!(stripe_objects(d), objects, "a second go-live wrote to Stripe");
    // wrangler is started only where it must be (a start costs about a second): the Worker
    // runs for the Audit's probes and for Verify's, the probe customers' tiers are read in one
    // go, and the secret list comes from the API with the token golive holds.
    let argv = std::fs::read_to_string(golive_testkit::argv_log(recorder.path())).unwrap();
    let commands: Vec<&str> = argv.lines().map(|l| l.split_once(' ').map_or("", |(_, c)| c)).collect();
    let count = |start: &str| commands.iter().filter(|c| c.starts_with(start)).count();
    assert_eq!((count("dev "), count("kv bulk get "), count("kv key get ")), (2, 1, 0), "{commands:#?}");
    assert_eq!((count("secret list"), count("auth token")), (0, 0), "{commands:#?}");

    // Rotate (step 7) after Verify passed: the webhook secret, then a key rotation that waits
    // for the key rolled in the Dashboard, during which a second start is refused.
    let plan = ok(golive(d, &["--rehearsal", "rotate", "plan", "--json"]));
    assert_eq!(plan["kind"], "webhook-secret");
    let rotated = ok(golive(d, &["--rehearsal", "rotate", "start", "--json"]));
    assert_eq!(rotated["rotation"]["phase"], "done", "{rotated:#}");
    let waiting = ok(golive(d, &["--rehearsal", "rotate", "start", "--kind", "api-key", "--json"]));
    assert_eq!(waiting["rotation"]["phase"], "await_new_key");
    assert!(waiting["rotation"]["waiting"]["link"]["url"].as_str().unwrap().contains("dashboard.stripe.com/apikeys"));
    // A test key given as the new live key is refused before anything is sent.
    let test_key = format!("{}_{}", "sk_test", "51Abcdefghijklmnopqrstuv");
    let refused = Command::new(env!("CARGO_BIN_EXE_golive"))
        .args(["--rehearsal", "rotate", "continue", "--json"])
        .env("GOLIVE_DATA_DIR", d)
        .env("GOLIVE_NODE_MODULES", repo_root().join("node_modules"))
        .env("GOLIVE_STRIPE_NEW_LIVE_KEY", &test_key)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = &json_of(&refused)["error"];
    assert!(err["message"].as_str().unwrap().contains("live key"), "{err}");
    assert!(!String::from_utf8_lossy(&refused.stdout).contains(&test_key[8..]), "the key is not echoed");
    let second = golive(d, &["--rehearsal", "rotate", "start", "--json"]);
    assert_eq!(second.status.code(), Some(2));
    assert_eq!(json_of(&second)["error"]["code"], "rotation_open");
    let status = ok(golive(d, &["--rehearsal", "rotate", "status", "--json"]));
    assert_eq!(status["rotation"]["kind"], "api-key");
    // The rehearsal's Dashboard rolls its made-up key; the rotation takes it to the end, and
    // the rehearsal connects with the new key from then on (the old one is refused).
    let rolled = ok(golive(d, &["--rehearsal", "rotate", "continue", "--roll-rehearsal-key", "--json"]));
    assert_eq!(rolled["rotation"]["phase"], "done", "{rolled:#}");
    assert!(rolled["rotation"]["key"]["new_hint"].as_str().is_some(), "{rolled:#}");
    let real = golive(d, &["rotate", "continue", "--roll-rehearsal-key", "--json"]);
    assert_eq!(real.status.code(), Some(2), "only the rehearsal's key is rolled by golive");
    let again = ok(golive(d, &["--rehearsal", "go-live", "--yes", "--accept-suggestions", "--json"]));
    assert_eq!(again["passed"], true, "the setup is still proven after the rotation: {again:#}");

    // The smoke purchase, one process per call: the checkout waits for the customer, the
    // rehearsal's customer completes it, the portal answer cancels and cleans up.
    let waiting = ok(golive(d, &["--rehearsal", "smoke", "--wait", "0", "--email", "me@example.com", "--json"]));
    assert_eq!(waiting["phase"], "awaiting_checkout", "{waiting:#}");
    assert!(waiting["waiting_seconds_left"].as_i64().is_some_and(|s| s > 1800), "{waiting:#}");
    let real = golive(d, &["smoke", "--complete-checkout", "--json"]);
    assert_eq!(real.status.code(), Some(2), "only the rehearsal completes a checkout by itself");
    let bought = ok(golive(d, &["--rehearsal", "smoke", "--complete-checkout", "--json"]));
    assert_eq!(bought["phase"], "awaiting_portal", "{bought:#}");
    assert_eq!(bought["run"]["id"], waiting["run"]["id"], "the same run went on");
    let done = ok(golive(d, &["--rehearsal", "smoke", "--portal", "ok", "--json"]));
    assert_eq!((done["phase"].clone(), done["passed"].clone()), ("done".into(), true.into()), "{done:#}");
    let ids = ["coupon", "checkout_session", "customer", "subscription"];
    assert!(ids.iter().all(|k| done["run"][k].as_str().is_some()), "{done:#}");
    let report = d.join("smoke-report");
    ok(golive(d, &["--rehearsal", "verify", "--json", "--report", report.to_str().unwrap()]));
    let md = std::fs::read_to_string(report.join("go-live-report.md")).unwrap();
    assert!(md.contains("## Smoke purchase") && md.contains(done["run"]["customer"].as_str().unwrap()), "{md}");
}

#[test]
fn go_live_without_a_terminal_or_yes_asks_for_yes_and_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let out = golive(data.path(), &["--rehearsal", "go-live", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = &json_of(&out)["error"];
    assert_eq!(err["code"], "needs_yes");
    assert!(err["fix"].as_str().unwrap().contains("--yes"));
    assert!(!data.path().join("rehearsal").exists(), "nothing was started or written");
}

#[test]
fn a_real_session_survives_rehearsal_commands_and_reset_forgets_only_the_rehearsal() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    // A real project's session as golive left it (its webhook, the keys saved before a POST).
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("wrangler.toml"), "name = \"real-api\"\n").unwrap();
    let store = SessionStore::new(d);
    let mut real = golive::session::Session::new(Mode::Real);
    real.project_dir = Some(project.path().to_path_buf());
    real.worker_env = Some("production".into());
    let real_file = store.save(&real).unwrap();
    let before = std::fs::read_to_string(&real_file).unwrap();

    ok(golive(d, &["--rehearsal", "connect", "--json"]));
    ok(golive(d, &["--rehearsal", "catalog", "apply", "--accept-suggestions", "--json"]));
    let rehearsals: Vec<_> = store.recent().into_iter().filter(|p| p.mode == Mode::Rehearsal).collect();
    assert_eq!(rehearsals.len(), 1, "the rehearsal has its own session");
    assert_eq!(std::fs::read_to_string(&real_file).unwrap(), before, "the real session is untouched");

    let reset = ok(golive(d, &["--rehearsal", "reset", "--json"]));
    assert_eq!(reset["reset"], "rehearsal");
    assert!(store.recent().iter().all(|p| p.mode == Mode::Real), "{:?}", store.recent());
    assert!(!d.join("rehearsal").exists(), "the made-up account is gone");
    assert_eq!(std::fs::read_to_string(&real_file).unwrap(), before, "reset never touches a real session");

    // The next rehearsal starts anew: Connect passes on a new made-up account, nothing done.
    let connected = ok(golive(d, &["--rehearsal", "connect", "--json"]));
    assert_eq!(connected["passed"], true);
    let session = store.recent().into_iter().find(|p| p.mode == Mode::Rehearsal).unwrap();
    assert!(!session.verified);
}

/// `wrangler kv key <args> --binding TIERS --local` in the Worker's folder `dir`: its stdout.
fn kv_local(dir: &Path, args: &[&str]) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(repo_wrangler())
        .args(["kv", "key"])
        .args(args)
        .args(["--binding", "TIERS", "--local"])
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rehearsal's live webhook endpoints as its Stripe keeps them: (id, status).
fn live_endpoints(data: &Path) -> Vec<(String, String)> {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("rehearsal/stripe.json")).unwrap()).unwrap();
    let live = state["modes"].as_array().unwrap().iter().flat_map(|m| m["webhook_endpoints"].as_array().unwrap());
    live.map(|e| &e["endpoint"])
        .filter(|e| e["livemode"] == true)
        .map(|e| (e["id"].as_str().unwrap().to_string(), e["status"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn a_go_live_that_lost_the_webhook_secret_makes_a_new_endpoint_and_turns_the_old_one_off() {
    let _keyring = one_at_a_time();
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let go_live = ["--rehearsal", "go-live", "--yes", "--accept-suggestions", "--json"];
    assert_eq!(ok(golive(d, &go_live))["passed"], true);
    let first = live_endpoints(d);
    assert_eq!(first.len(), 1, "{first:?}");
    // A real customer's tier in the Worker's KV, which no clean-up may touch.
    let project = d.join("rehearsal/project");
    kv_local(&project, &["put", "customer:cus_someone", r#"{"tier":"pro"}"#]);

    // A new machine, or a wiped keyring: Stripe never shows an endpoint's secret again.
    let entry = golive::keystore::EntryName::new("rehearsal-api", true, golive::webhook::SECRET_VAR);
    golive::keystore::delete(&entry).unwrap();
    let again = ok(golive(d, &go_live));
    assert_eq!(again["passed"], true, "{again:#}");
    let webhook = &again["steps"].as_array().unwrap()[2];
    assert_eq!(webhook["status"], "done", "{again:#}");
    let endpoints = live_endpoints(d);
    assert_eq!(endpoints.len(), 2, "{endpoints:?}");
    assert!(endpoints.contains(&(first[0].0.clone(), "disabled".into())), "{endpoints:?}");
    assert!(webhook["summary"].as_str().unwrap().contains(&format!("Disabled {}", first[0].0)), "{webhook}");
    // The Audit's and Verify's probes left nothing in the Worker's KV: their customers, and
    // the events the sample Worker recorded (`event:<id>`, for dedup), are gone.
    let listed = kv_local(&project, &["list"]);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&listed[listed.find('[').unwrap()..]).unwrap();
    let keys: Vec<&str> = listed.iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(keys, ["customer:cus_someone"]);
}

#[test]
fn a_data_folder_that_is_a_file_is_the_users_to_fix_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let out = golive(&file, &["--rehearsal", "connect", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let err = &json_of(&out)["error"];
    assert_eq!(err["kind"], "invalid_input");
    assert!(err["fix"].as_str().unwrap().contains("GOLIVE_DATA_DIR"), "{err}");
}

#[test]
fn an_installed_golive_outside_the_source_tree_runs_the_rehearsal_to_verify() {
    let _keyring = one_at_a_time();
    // The binary alone in a folder of its own, started from there, with only the node
    // packages named (as an installed golive finds them): nothing may come from the checkout.
    let installed = tempfile::tempdir().unwrap();
    let binary = installed.path().join("golive");
    std::fs::copy(env!("CARGO_BIN_EXE_golive"), &binary).unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(&binary)
        .args(["--rehearsal", "go-live", "--yes", "--accept-suggestions", "--json"])
        .current_dir(installed.path())
        .env("GOLIVE_DATA_DIR", data.path())
        .env("GOLIVE_NODE_MODULES", repo_root().join("node_modules"))
        .env_remove("GOLIVE_WRANGLER")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let doc = ok(out);
    assert_eq!(doc["passed"], true, "{doc:#}");
    assert_eq!(statuses(&doc).last().unwrap(), &("verify".to_string(), "passed".to_string()));
}

#[test]
fn rehearse_billing_lists_runs_and_refuses_an_unknown_scenario() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let list = ok(golive(d, &["--rehearsal", "--json", "rehearse-billing", "--list"]));
    let ids: Vec<&str> =
        list["plan"]["scenarios"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"renewal") && ids.contains(&"three_d_secure"), "{list:#}");
    assert!(list["plan"]["tiers"].as_array().unwrap().len() >= 2, "{list:#}");

    let run = ok(golive(d, &["--rehearsal", "--json", "rehearse-billing", "--scenario", "renewal,three_d_secure"]));
    assert_eq!(run["passed"], true, "{run:#}");
    let scenarios = run["report"]["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    assert_eq!(run["report"]["clocks_deleted"], 2);

    // Text: each scenario with a tick, and the summary line.
    let text = golive(d, &["--rehearsal", "rehearse-billing", "--scenario", "three_d_secure"]);
    assert_eq!(text.status.code(), Some(0), "{}", String::from_utf8_lossy(&text.stderr));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("✓ A card that needs 3D Secure") && stdout.contains("1 of 1 scenarios passed"), "{stdout}");

    let refused = golive(d, &["--rehearsal", "rehearse-billing", "--scenario", "nope"]);
    assert_ne!(refused.status.code(), Some(0));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("no billing scenario “nope”") && said.contains("renewal"), "{said}");
}
