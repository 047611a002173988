//! The `golive` binary as a script would run it: exit codes, --json, keys from the
//! environment or stdin, and no key value anywhere it writes or starts.

use golive_testkit::{all_text_under, argv_log, assert_no_key_in, recording_wrangler, repo_wrangler};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use stripe_standin::AccountSpec;

mod support;

use support::{json_of, World, CF_ACCOUNT};

#[tokio::test(flavor = "multi_thread")]
async fn connect_passes_with_keys_on_stdin_and_nothing_leaks() {
    let world = World::new().await;
    let wrangler = recording_wrangler(world.data.path());
    let out = world.connect_stdin(&wrangler, &format!("{}\n{}\n", world.test_key, world.live_key));
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["passed"], true);
    assert_eq!(report["outcome"]["worker"]["config"]["name"], "pan-api");

    let argv = std::fs::read_to_string(argv_log(world.data.path())).unwrap();
    assert!(argv.contains("whoami --json"), "wrangler really ran: {argv}");
    let session = world.session_text();
    assert!(session.contains(&world.live_key[world.live_key.len() - 4..]), "the hint is there");
    let everything = format!(
        "{argv}\n{}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        all_text_under(world.data.path())
    );
    assert_no_key_in("argv, output, logs or session file", &everything, &[&world.test_key, &world.live_key]);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_keys_are_invalid_input() {
    let world = World::new().await;
    let out = world.command(&repo_wrangler()).args(["connect", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = &json_of(&out)["error"];
    assert_eq!(err["kind"], "invalid_input");
    assert!(err["fix"].as_str().unwrap().contains("GOLIVE_STRIPE_LIVE_KEY"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publishable_key_is_refused_before_anything_is_sent_and_not_echoed() {
    let world = World::new().await;
    let publishable = format!("pk_live_{}", &world.live_key[8..]);
    let out = world.connect_stdin(&repo_wrangler(), &format!("{}\n{publishable}\n", world.test_key));
    assert_eq!(out.status.code(), Some(2));
    let err = json_of(&out)["error"].clone();
    assert!(err["message"].as_str().unwrap().contains("publishable"), "{err}");
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!printed.contains(&publishable[8..]));
    assert!(world.stripe.requests().is_empty(), "nothing was sent to Stripe");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_key_is_an_external_refusal() {
    let world = World::new().await;
    world.stripe.revoke_key(&world.live_key);
    let out = world
        .command(&repo_wrangler())
        .args(["connect", "--json", "--project"])
        .arg(world.project.path())
        .env("GOLIVE_STRIPE_TEST_KEY", &world.test_key)
        .env("GOLIVE_STRIPE_LIVE_KEY", &world.live_key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let report = json_of(&out);
    assert_eq!(report["passed"], false);
    assert_eq!(report["failure"], "external_refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_wrangler_toml_is_invalid_input_naming_the_line() {
    let world = World::new().await;
    std::fs::write(world.project.path().join("wrangler.toml"), "name = \"pan-api\"\nroutes = [\n").unwrap();
    let out = world.connect_stdin(&repo_wrangler(), &format!("{}\n{}\n", world.test_key, world.live_key));
    assert_eq!(out.status.code(), Some(2));
    let report = json_of(&out);
    let config = report["findings"].as_array().unwrap().iter().find(|f| f["check"] == "worker.config").unwrap().clone();
    assert!(config["detail"].as_str().unwrap().contains("wrangler.toml line"), "{config}");
}

#[test]
fn rehearsal_connects_with_no_account_at_all() {
    let data = tempfile::tempdir().unwrap();
    // A token an earlier rehearsal kept (pasted in its Connect step) belongs to that one's
    // made-up account: this rehearsal must not hand it to wrangler.
    let kept = golive::keystore::EntryName {
        project: "cloudflare".into(),
        mode: "rehearsal".into(),
        variable: "CLOUDFLARE_API_TOKEN".into(),
    };
    golive::keystore::put(&kept, &"an-earlier-rehearsals-token-0123456789ab".to_string().into()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_golive"))
        .args(["--rehearsal", "connect", "--json"])
        .env("GOLIVE_DATA_DIR", data.path())
        .env("GOLIVE_WRANGLER", repo_wrangler())
        .env_remove("CLOUDFLARE_API_TOKEN")
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["outcome"]["account"]["name"], "Rehearsal SaaS");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_saved_in_the_keyring_are_used_by_connect_then_forgotten() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the tests with scripts/test.sh (it starts gnome-keyring)"
    );
    let world = World::new().await;
    // a project name of its own, so parallel runs do not share entries
    let name = format!("cli-keyring-{}", std::process::id());
    std::fs::write(
        world.project.path().join("wrangler.toml"),
        format!("name = \"{name}\"\naccount_id = \"{CF_ACCOUNT}\"\n"),
    )
    .unwrap();
    let keyring_env = |cmd: &mut Command| {
        if let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
    };
    let mut save = world.command(&repo_wrangler());
    keyring_env(&mut save);
    let mut child = save
        .args(["keys", "save", "--json", "--keys-stdin", "--project"])
        .arg(world.project.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{}\n{}\n", world.test_key, world.live_key).as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(json_of(&out)["entries"][1], format!("{name}/live/STRIPE_SECRET_KEY"));

    let mut connect = world.command(&repo_wrangler());
    keyring_env(&mut connect);
    let out = connect
        .args(["connect", "--json", "--keys-from-keyring", "--project"])
        .arg(world.project.path())
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["outcome"]["live_key_hint"], format!("sk_live_…{}", &world.live_key[world.live_key.len() - 4..]));

    let mut forget = world.command(&repo_wrangler());
    keyring_env(&mut forget);
    assert!(forget.args(["keys", "forget", "--project"]).arg(world.project.path()).status().unwrap().success());
    let mut again = world.command(&repo_wrangler());
    keyring_env(&mut again);
    let out = again
        .args(["connect", "--json", "--keys-from-keyring", "--project"])
        .arg(world.project.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(json_of(&out)["error"]["fix"].as_str().unwrap().contains("golive keys save"));
}

/// Adds a test-mode tier the way the Dashboard would: product with `metadata.plan`, monthly price.
async fn test_tier(world: &World, name: &str, plan: &str, cents: &str) {
    let client = stripe::Client::from_url(world.stripe.base_url().as_str(), world.test_key.as_str());
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: String,
    }
    let product: IdOnly = client
        .post_form("/products", std::collections::BTreeMap::from([("name", name), ("metadata[plan]", plan)]))
        .await
        .unwrap();
    let _: IdOnly = client
        .post_form(
            "/prices",
            std::collections::BTreeMap::from([
                ("product", product.id.as_str()),
                ("currency", "usd"),
                ("unit_amount", cents),
                ("recurring[interval]", "month"),
            ]),
        )
        .await
        .unwrap();
}

fn catalog_cmd(world: &World, args: &[&str]) -> Output {
    world
        .command(&repo_wrangler())
        .arg("catalog")
        .args(args)
        .args(["--json", "--project"])
        .arg(world.project.path())
        .env("GOLIVE_STRIPE_TEST_KEY", &world.test_key)
        .env("GOLIVE_STRIPE_LIVE_KEY", &world.live_key)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_plan_blocks_on_a_capitalised_tier_and_apply_copies_it_once() {
    let world = World::new().await;
    test_tier(&world, "Pro Plan", "Pro", "2900").await;
    test_tier(&world, "Team Plan", "team", "9900").await;

    let out = catalog_cmd(&world, &["plan"]);
    assert_eq!(out.status.code(), Some(2), "blocked is invalid input");
    let plan = json_of(&out);
    assert_eq!(plan["blocked"], true);
    assert_eq!(plan["problems"][0]["suggestion"], "pro");

    let env_file = world.data.path().join("prices.env");
    let out = catalog_cmd(&world, &["apply", "--accept-suggestions", "--env-file", env_file.to_str().unwrap()]);
    let applied = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{applied:#}");
    assert_eq!(applied["created"].as_array().unwrap().len(), 4);
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(env.contains("STRIPE_PRICE_ID_PRO=price_") && env.contains("STRIPE_PRICE_ID_TEAM=price_"), "{env}");
    assert!(env.contains("STRIPE_PORTAL_CONFIG_ID=bpc_"), "{env}");

    let again = catalog_cmd(&world, &["apply", "--accept-suggestions"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(json_of(&again)["created"].as_array().unwrap().is_empty(), "a re-run creates nothing");
    let session = world.session_text();
    assert!(session.contains("STRIPE_PRICE_ID_TEAM"), "{session}");
    assert_no_key_in("session file", &session, &[&world.test_key, &world.live_key]);
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_then_secrets_push_reach_the_worker_with_nothing_on_argv() {
    let world = World::new().await;
    let worker = world.deployed_worker("cli");
    let wrangler = recording_wrangler(world.data.path());
    let run = |args: &[&str]| world.run_with_keys(&wrangler, args);
    // Secrets before the webhook exists: the missing value is named, nothing is pushed.
    let early = run(&["secrets", "push", "--json"]);
    assert_eq!(early.status.code(), Some(2), "{}", String::from_utf8_lossy(&early.stdout));
    assert!(world.cloudflare.secrets(CF_ACCOUNT, &worker).unwrap().is_empty());

    let live_account_id = world.account_id.clone();
    world.stripe.insert_tier_with_prices(&live_account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let applied = run(&["catalog", "apply", "--json"]);
    assert_eq!(applied.status.code(), Some(0), "{}", String::from_utf8_lossy(&applied.stdout));

    let hooked = run(&["webhook", "--json"]);
    let doc = json_of(&hooked);
    assert_eq!(hooked.status.code(), Some(0), "{doc:#}");
    let url = format!("https://{worker}.acme.workers.dev/webhook/stripe");
    assert_eq!(doc["outcome"]["endpoint"]["url"], url.as_str());
    assert_eq!(doc["outcome"]["created"], true);
    let endpoints = world.stripe.webhook_endpoints(&live_account_id, true);
    assert_eq!(endpoints.len(), 1);
    let whsec = endpoints[0].secret.clone();

    let pushed = run(&["secrets", "push", "--json"]);
    let doc = json_of(&pushed);
    assert_eq!(pushed.status.code(), Some(0), "{doc:#}");
    let held = world.cloudflare.secrets(CF_ACCOUNT, &worker).unwrap();
    assert_eq!(held["STRIPE_WEBHOOK_SECRET"], whsec);
    assert_eq!(held["STRIPE_SECRET_KEY"], world.live_key);
    assert!(held["STRIPE_PRICE_ID_PRO"].starts_with("price_"));
    assert!(held["STRIPE_PORTAL_CONFIG_ID"].starts_with("bpc_"));
    assert_eq!(held.len(), 4);

    // A second run reuses the endpoint: still one.
    let again = run(&["webhook", "--json"]);
    assert_eq!(json_of(&again)["outcome"]["created"], false);
    assert_eq!(world.stripe.webhook_endpoints(&live_account_id, true).len(), 1);

    // Verify against the reference Worker holding what the Cloudflare stand-in received.
    let pairs: Vec<(&str, &str)> = held.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let running = golive_testkit::ReferenceWorker::start(&pairs).await;
    let reports = tempfile::tempdir().unwrap();
    let verify = |extra: &[&str]| {
        let mut cmd = world.command(&wrangler);
        cmd.args(["verify", "--json", "--project"])
            .arg(world.project.path())
            .args(extra)
            .env("GOLIVE_STRIPE_TEST_KEY", &world.test_key)
            .env("GOLIVE_STRIPE_LIVE_KEY", &world.live_key)
            .env("GOLIVE_WEBHOOK_PROBE_BASE", running.base_url());
        cmd.output().unwrap()
    };
    let verified = verify(&["--report", reports.path().to_str().unwrap()]);
    let doc = json_of(&verified);
    assert_eq!(verified.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["passed"], true);
    let page = std::fs::read_to_string(reports.path().join("go-live-report.html")).unwrap();
    assert!(page.contains("Live and verified"));
    world.cloudflare.delete_secret(CF_ACCOUNT, &worker, "STRIPE_PORTAL_CONFIG_ID");
    let broken = verify(&[]);
    assert_eq!(broken.status.code(), Some(3), "a failed check exits 3");
    assert_eq!(json_of(&broken)["passed"], false);
    drop(running);

    let argv = std::fs::read_to_string(argv_log(world.data.path())).unwrap();
    assert!(argv.contains("secret bulk"), "{argv}");
    let everything = format!(
        "{argv}\n{}\n{}\n{}\n{}\n{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&hooked.stdout),
        String::from_utf8_lossy(&pushed.stdout),
        String::from_utf8_lossy(&pushed.stderr),
        all_text_under(world.data.path())
    ) + &all_text_under(reports.path());
    assert_no_key_in("argv, output, logs, report or session file", &everything, &[&world.live_key, &whsec]);
    for var in ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] {
        let _ = golive::keystore::delete(&golive::keystore::EntryName::new(&worker, true, var));
    }
}

/// The keys of `world`'s account in the environment, for one run in `project`.
fn with_keys<'a>(world: &World, cmd: &'a mut Command, test: &str, live: &str) -> &'a mut Command {
    cmd.arg("--project")
        .arg(world.project.path())
        .env("GOLIVE_STRIPE_TEST_KEY", test)
        .env("GOLIVE_STRIPE_LIVE_KEY", live)
}

fn posts(world: &World) -> usize {
    world.stripe.requests().iter().filter(|r| r.method == "POST").count()
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_of_another_account_are_refused_by_every_later_step_and_connect_moves_the_project() {
    let world = World::new().await;
    world.pro_tier_applied();
    let first_price = world.stripe.prices(&world.account_id, true)[0].id.clone();
    assert!(world.session_text().contains(&first_price));

    // A test key of account B with A's live key: refused before anything is read or written.
    let other = world.stripe.add_account(AccountSpec::default());
    let before = posts(&world);
    let mixed = with_keys(
        &world,
        world.command(&repo_wrangler()).args(["catalog", "apply", "--json"]),
        &other.test_secret,
        &world.live_key,
    )
    .output()
    .unwrap();
    assert_ne!(mixed.status.code(), Some(0), "{}", String::from_utf8_lossy(&mixed.stdout));
    assert!(json_of(&mixed)["error"]["fix"].as_str().is_some_and(|f| !f.is_empty()));
    assert_eq!(posts(&world), before, "nothing was written with mixed accounts");
    assert!(world.stripe.products(&other.account_id, true).is_empty());

    // Both keys of account B: every step after Connect refuses them before anything is
    // written (the project is account A's); only Connect moves the project on purpose.
    let session_of_a = world.session_text();
    for args in [
        &["catalog", "plan", "--json"][..],
        &["catalog", "apply", "--json"],
        &["webhook", "--json"],
        &["secrets", "push", "--json"],
        &["verify", "--json"],
    ] {
        let out = with_keys(&world, world.command(&repo_wrangler()).args(args), &other.test_secret, &other.live_secret)
            .output()
            .unwrap();
        let doc = json_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {doc:#}");
        assert_eq!(doc["error"]["code"], "other_account", "{args:?}: {doc:#}");
        assert!(doc["error"]["fix"].as_str().unwrap().contains("golive connect"));
        assert_eq!(posts(&world), before, "{args:?} wrote with another account's keys");
        assert_eq!(world.session_text(), session_of_a, "{args:?} changed the project's session");
    }
    let out = with_keys(
        &world,
        world.command(&repo_wrangler()).args(["connect", "--json"]),
        &other.test_secret,
        &other.live_secret,
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let session = world.session_text();
    assert!(session.contains(&other.account_id), "{session}");
    for of_a in [&world.account_id, &first_price] {
        assert!(!session.contains(of_a.as_str()), "{of_a} of the first account is still in the session: {session}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn output_places_are_checked_before_anything_is_written() {
    let world = World::new().await;
    world.stripe.insert_tier_with_prices(&world.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let in_the_way = world.data.path().join("a-file");
    std::fs::write(&in_the_way, "x").unwrap();
    for (args, flag_value) in [
        (vec!["catalog", "apply", "--json", "--env-file"], in_the_way.join("prices.env")),
        (vec!["verify", "--json", "--report"], in_the_way.join("reports")),
        (vec!["go-live", "--yes", "--json", "--report"], in_the_way.join("reports")),
    ] {
        let out = with_keys(
            &world,
            world.command(&repo_wrangler()).args(&args).arg(&flag_value),
            &world.test_key,
            &world.live_key,
        )
        .output()
        .unwrap();
        let doc = json_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {doc:#}");
        let problem = if doc["error"].is_object() { doc["error"].clone() } else { doc["steps"][0]["problem"].clone() };
        assert_eq!(problem["code"], "output_path", "{args:?}: {doc:#}");
        assert!(problem["message"].as_str().unwrap().contains("is a file"), "{problem}");
        assert_eq!(posts(&world), 0, "{args:?} wrote to Stripe before finding the path unusable");
    }
}

#[test]
fn a_key_typed_as_an_argument_is_not_echoed() {
    let key = format!("{}_{}", "sk_live", "51AbCdEf0123456789xyzXYZ");
    for json in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_golive"));
        cmd.args(["connect", &key]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(printed.contains("sk_live_…"), "the argument is named, cut short: {printed}");
        assert!(!printed.contains(&key[8..]), "the key was echoed: {printed}");
        if json {
            assert_eq!(json_of(&out)["error"]["code"], "usage");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_variable_that_is_not_text_is_named_without_its_bytes() {
    use std::os::unix::ffi::OsStringExt;
    let world = World::new().await;
    let mut bytes = format!("{}_{}", "sk_test", "51AbCdEf").into_bytes();
    bytes.push(0xff);
    let out = world
        .command(&repo_wrangler())
        .args(["connect", "--json", "--project"])
        .arg(world.project.path())
        .env("GOLIVE_STRIPE_TEST_KEY", std::ffi::OsString::from_vec(bytes))
        .env("GOLIVE_STRIPE_LIVE_KEY", &world.live_key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = &json_of(&out)["error"];
    assert_eq!(err["code"], "not_text", "{err}");
    assert!(err["message"].as_str().unwrap().contains("GOLIVE_STRIPE_TEST_KEY"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("51AbCdEf"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_catalog_applies_at_once_make_each_object_once() {
    let world = World::new().await;
    world.stripe.insert_tier_with_prices(
        &world.account_id,
        false,
        "Pro",
        "pro",
        &[(2900, "month", 1), (29000, "year", 1)],
    );
    world.stripe.insert_tier_with_prices(&world.account_id, false, "Team", "team", &[(9900, "month", 1)]);
    let spawn = || {
        with_keys(
            &world,
            world.command(&repo_wrangler()).args(["catalog", "apply", "--json"]),
            &world.test_key,
            &world.live_key,
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for out in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    }
    let (products, prices) =
        (world.stripe.products(&world.account_id, true).len(), world.stripe.prices(&world.account_id, true).len());
    println!("concurrent catalog apply: 2 runs, {products} products (goal 2), {prices} prices (goal 3)");
    assert_eq!(products, 2, "each product once");
    assert_eq!(prices, 3, "each price once");
    let session: serde_json::Value = serde_json::from_str(&world.session_text()).unwrap();
    assert_eq!(session["catalog"]["price_ids"].as_array().map(Vec::len), Some(3), "{session:#}");
}

#[test]
fn reset_without_rehearsal_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_golive"))
        .args(["reset", "--json"])
        .env("GOLIVE_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(json_of(&out)["error"]["fix"].as_str().unwrap().contains("golive --rehearsal reset"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_webhooks_then_two_secret_pushes_at_once_make_one_endpoint_and_push_its_secret() {
    let world = World::new().await;
    let worker = world.deployed_worker("cli-twice");
    world.stripe.insert_tier_with_prices(&world.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let run = |args: &[&str]| {
        with_keys(&world, world.command(&repo_wrangler()).args(args), &world.test_key, &world.live_key)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["catalog", "apply", "--json"]).status.code(), Some(0));
    let both = |args: &'static [&'static str]| {
        let spawn = || {
            with_keys(&world, world.command(&repo_wrangler()).args(args), &world.test_key, &world.live_key)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()]
    };
    for out in both(&["webhook", "--json"]) {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    }
    let endpoints = world.stripe.webhook_endpoints(&world.account_id, true);
    println!("concurrent webhook: 2 runs, {} live endpoints (goal 1)", endpoints.len());
    assert_eq!(endpoints.len(), 1, "{endpoints:#?}");
    for out in both(&["secrets", "push", "--json"]) {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    }
    let held = world.cloudflare.secrets(CF_ACCOUNT, &worker).unwrap();
    assert_eq!(held["STRIPE_WEBHOOK_SECRET"], endpoints[0].secret, "the Worker has the one endpoint's secret");
    let session: serde_json::Value = serde_json::from_str(&world.session_text()).unwrap();
    assert_eq!(session["secrets"]["confirmed"].as_array().map(Vec::len), Some(4), "{session:#}");
    for var in ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] {
        let _ = golive::keystore::delete(&golive::keystore::EntryName::new(&worker, true, var));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_project_on_the_same_account_starts_at_connect_and_leaves_the_first_intact() {
    let world = World::new().await;
    world.pro_tier_applied();
    let first = world.session_text();

    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("wrangler.toml"),
        format!("name = \"second-api\"\naccount_id = \"{CF_ACCOUNT}\"\n"),
    )
    .unwrap();
    let out = world
        .command(&repo_wrangler())
        .args(["connect", "--json", "--project"])
        .arg(other.path())
        .env("GOLIVE_STRIPE_TEST_KEY", &world.test_key)
        .env("GOLIVE_STRIPE_LIVE_KEY", &world.live_key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(world.session_text(), first, "the first project's session is untouched");
    let store = golive::wizard::SessionStore::new(world.data.path());
    let second: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(store.path_for(golive::environment::Mode::Real, other.path())).unwrap(),
    )
    .unwrap();
    assert_eq!(second["current"], "connect");
    assert!(second["catalog"]["price_ids"].is_null(), "the second project starts with nothing done: {second:#}");
    assert_eq!(store.recent().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_session_is_kept_as_a_backup_and_said() {
    let world = World::new().await;
    let store = golive::wizard::SessionStore::new(world.data.path());
    let path = store.path_for(golive::environment::Mode::Real, world.project.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{ \"version\": 2, \"webhook\": { \"endpoint_id\": \"we_lost\"").unwrap();
    let out = world.connect_stdin(&repo_wrangler(), &format!("{}\n{}\n", world.test_key, world.live_key));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("damaged") && said.contains("kept as"), "{said}");
    let backups: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("damaged"))
        .collect();
    assert_eq!(backups.len(), 1, "the damaged file is kept");
    assert!(std::fs::read_to_string(backups[0].path()).unwrap().contains("we_lost"));
}
