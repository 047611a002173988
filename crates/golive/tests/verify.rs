//! The whole first-time go-live on loopback, then Verify: Connect → Catalog → Webhook →
//! Secrets (real wrangler → Cloudflare stand-in, real keyring) → the reference Worker run
//! by `wrangler dev` with the secrets the stand-in received → every check passes. Then one
//! thing at a time is broken, and Verify must name it.

mod support;

use golive::catalog::{portal, price_ids, read};
use golive::findings::{Finding, Status};
use golive::keystore::{self, EntryName};
use golive::progress::Silent;
use golive::session::Session;
use golive::verify::{self, report, VerifyReport};
use golive::webhook::{self, WebhookRecord, WebhookRequest};
use golive_testkit::ReferenceWorker;
use std::sync::Mutex;
use support::{unique_worker, Fixture, CF_ACCOUNT};

struct Live {
    fx: Fixture,
    session: Session,
    script: String,
}

impl Live {
    /// Everything up to and including the Secrets step, for a fresh Worker name.
    async fn go_live() -> Self {
        Self::go_live_with(&[("Starter", "starter", 900), ("Pro", "pro", 2900)]).await
    }

    /// The same with these test-mode tiers (name, plan, monthly cents).
    async fn go_live_with(tiers: &[(&str, &str, i64)]) -> Self {
        let fx = Fixture::new().await;
        let script = unique_worker("verify");
        let toml = format!("name = \"{script}\"\naccount_id = \"{CF_ACCOUNT}\"\nworkers_dev = true\n");
        let mut session = fx.connected_session(&toml, &script).await;
        // Catalog: the test-mode tiers are planned and created in live mode.
        let account = fx.keys.account_id.clone();
        for (name, plan, cents) in tiers {
            fx.stripe.insert_tier_with_prices(&account, false, name, plan, &[(*cents, "month", 1)]);
        }
        let options = golive::catalog::ValidateOptions::default();
        let (test, plan) =
            golive::catalog::plan_catalog(&fx.env(), &fx.test_key(), &fx.live_key(), &options).await.unwrap();
        assert!(!plan.blocked);
        let live = golive::stripe_api::client(&fx.env(), &fx.live_key());
        let options = golive::catalog::ApplyOptions::default();
        let applied = golive::catalog::apply(&live, &test, &plan, options, &Silent, &|_| {}).await;
        assert!(applied.failed.is_empty() && applied.created.len() == 2 * tiers.len(), "{applied:?}");
        session.catalog.price_ids = Some(price_ids::price_id_vars(&read::read_catalog(&live).await.unwrap()));
        session.catalog.portal = Some(portal::ensure_portal(&live).await.unwrap());
        let request = WebhookRequest {
            url: format!("https://{script}.acme.workers.dev/webhook/stripe"),
            extra_events: vec![],
            project: script.clone(),
        };
        let kept = Mutex::new(None);
        let save = |r: &WebhookRecord| *kept.lock().unwrap() = Some(r.clone());
        webhook::ensure(&fx.env(), &fx.live_key(), &request, None, &save).await.unwrap();
        session.webhook = kept.into_inner().unwrap();
        let (record, _) =
            golive::secrets::push_step(&session.secrets_input(), &fx.env(), Some(&fx.live_key()), &Silent)
                .await
                .unwrap();
        session.secrets = Some(record);
        Self { fx, session, script }
    }

    /// The reference Worker (or an altered copy) with the secrets the Cloudflare stand-in holds.
    async fn worker_from(&self, source: &std::path::Path) -> ReferenceWorker {
        let held = self.fx.cloudflare.secrets(CF_ACCOUNT, &self.script).unwrap();
        let pairs: Vec<(&str, &str)> = held.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        ReferenceWorker::start_from(source, &pairs).await
    }

    async fn verify(&self, worker: &ReferenceWorker) -> VerifyReport {
        let mut env = self.fx.env();
        env.webhook_probe_base = Some(worker.base_url());
        verify::run(&self.session.verify_input(), &env, &Silent).await.unwrap().report
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        for var in [keystore::STRIPE_SECRET_KEY, webhook::SECRET_VAR] {
            let _ = keystore::delete(&EntryName::new(&self.script, true, var));
        }
    }
}

fn finding<'a>(report: &'a VerifyReport, id: &str) -> &'a Finding {
    report.findings.iter().find(|f| f.check == id).unwrap_or_else(|| panic!("no {id} in {:#?}", report.findings))
}

fn reference_worker() -> std::path::PathBuf {
    golive_testkit::repo_root().join("examples/worker")
}

/// A copy of the reference Worker with one line of its source replaced.
fn altered(from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::copy(reference_worker().join("wrangler.toml"), dir.path().join("wrangler.toml")).unwrap();
    let source = std::fs::read_to_string(reference_worker().join("src/index.js")).unwrap();
    assert!(source.contains(from), "the reference Worker changed: update this test");
    std::fs::write(dir.path().join("src/index.js"), source.replace(from, to)).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_complete_go_live_verifies_green_and_the_report_says_so() {
    let live = Live::go_live().await;
    let worker = live.worker_from(&reference_worker()).await;
    let report = live.verify(&worker).await;
    let failed: Vec<&Finding> = report.findings.iter().filter(|f| f.status != Status::Pass).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    for id in [
        "verify.probe.signed",
        "verify.probe.bad_signature",
        "verify.probe.stale",
        "verify.endpoint",
        "verify.endpoint.unique",
        "verify.deliveries",
        "verify.secrets",
        "verify.key",
        "verify.keyring",
        "verify.price.STRIPE_PRICE_ID_PRO",
    ] {
        finding(&report, id);
    }
    // the signed probe really reached the Worker: it set the made-up customer's tier in KV
    let stored = worker.kv_get("customer:cus_golive_verify").expect("the probe's tier is in KV");
    assert!(stored.contains("\"tier\":\"pro\"") || stored.contains("\"tier\":\"starter\""), "{stored}");

    // A customer subscribes to Pro: Stripe (the stand-in) delivers the signed event to the
    // endpoint, the Worker verifies it with the pushed secret and sets the tier in KV.
    let host = url::Url::parse(&report.endpoint_url).unwrap().host_str().unwrap().to_string();
    live.fx.stripe.route_deliveries(&host, &worker.base_url());
    let pro =
        live.session.catalog.price_ids.as_ref().unwrap().iter().find(|p| p.tier == "pro").unwrap().price_id.clone();
    let (customer, _, deliveries) = live.fx.stripe.trigger_subscription(&live.fx.keys.account_id, true, &pro).await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, Some(200));
    let tier = worker.kv_get(&format!("customer:{customer}")).expect("the delivered event set the tier");
    assert!(tier.contains("\"tier\":\"pro\""), "{tier}");
    let again = live.verify(&worker).await;
    assert_eq!(finding(&again, "verify.deliveries").status, Status::Pass);

    // Verify ran on the stand-ins: the report says it was a rehearsal, never "Live and verified".
    assert_eq!(report.mode, golive::environment::Mode::Rehearsal);
    let md = report::markdown(&report);
    let html = report::html(&report);
    let portal = live.session.catalog.portal.as_ref().unwrap().id.clone();
    for text in [&md, &html] {
        assert!(text.contains("Rehearsal passed") && !text.contains("Live and verified"), "{text}");
        assert!(text.contains("REHEARSAL") && text.contains("STRIPE_PRICE_ID_PRO") && text.contains(&portal));
        assert!(text.contains(&report.endpoint_url));
    }
    assert!(html.starts_with("<!doctype html>") && !html.contains("<script") && !html.contains("src="));
    let whsec = live.fx.cloudflare.secrets(CF_ACCOUNT, &live.script).unwrap()["STRIPE_WEBHOOK_SECRET"].clone();
    for text in [&md, &html, &serde_json::to_string(&report).unwrap()] {
        golive_testkit::assert_no_key_in("report", text, &[&live.fx.keys.live_secret, &whsec]);
        assert!(text.contains(&format!("…{}", &whsec[whsec.len() - 4..])), "the secret's last four are shown");
    }
}

/// The fix text, lowercased (every failing or warning finding has one).
fn fix_of(f: &Finding) -> String {
    f.fix.as_deref().unwrap_or_else(|| panic!("no fix in {f:?}")).to_lowercase()
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_names_what_is_wrong_with_the_worker() {
    let live = Live::go_live().await;

    // (a) A handler that parses the body and verifies it re-serialized: it accepts compact
    // JSON, which survives the round trip, and refuses every event as Stripe sends it.
    let reserializing =
        altered("const body = await request.text();", "const body = JSON.stringify(await request.json());");
    let worker = live.worker_from(reserializing.path()).await;
    let report = live.verify(&worker).await;
    let signed = finding(&report, "verify.probe.signed");
    assert_eq!(signed.status, Status::Fail, "{signed:?}");
    assert!(fix_of(signed).contains("raw") && fix_of(signed).contains("request.text()"), "{signed:?}");
    assert!(!fix_of(signed).contains("push"), "{signed:?}");
    assert_eq!(finding(&report, "verify.probe.bad_signature").status, Status::Pass);
    drop(worker);

    // (b) A handler that reads the secret under another name: golive pushed the right value
    // as STRIPE_WEBHOOK_SECRET and it is still what golive holds, so the first thing to look
    // at is the name the code reads — not "the secret is wrong".
    let other_name = altered(
        "const secrets = [env.STRIPE_WEBHOOK_SECRET, env.STRIPE_WEBHOOK_SECRET_PREVIOUS]",
        "const secrets = [env.WEBHOOK_SECRET, env.STRIPE_WEBHOOK_SECRET_PREVIOUS]",
    );
    let worker = live.worker_from(other_name.path()).await;
    let report = live.verify(&worker).await;
    let signed = finding(&report, "verify.probe.signed");
    assert_eq!(signed.status, Status::Fail, "{signed:?}");
    assert!(signed.title.contains("does not verify events with STRIPE_WEBHOOK_SECRET"), "{signed:?}");
    let fix = fix_of(signed);
    let (name, push) = (fix.find("another name").unwrap(), fix.find("push the secrets again").unwrap());
    assert!(name < push, "the likeliest cause first: {fix}");
    assert!(fix.contains("env.stripe_webhook_secret"), "{fix}");
    drop(worker);

    // (b') The Worker's STRIPE_WEBHOOK_SECRET was replaced after golive pushed it (a hand
    // `wrangler secret put`, a CI deploy with its own value): pushing again is a fix.
    let mut held = live.fx.cloudflare.secrets(CF_ACCOUNT, &live.script).unwrap();
    held.insert(webhook::SECRET_VAR.into(), format!("{}_{}", "whsec", "R3pl".repeat(8)));
    let pairs: Vec<(&str, &str)> = held.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let worker = ReferenceWorker::start_from(&reference_worker(), &pairs).await;
    let report = live.verify(&worker).await;
    let signed = finding(&report, "verify.probe.signed");
    assert_eq!(signed.status, Status::Fail, "{signed:?}");
    let fix = fix_of(signed);
    assert!(fix.contains("replaced") && fix.contains("push the secrets again"), "{fix}");
    drop(worker);

    // (c) A handler that skips signature checks: unsigned and replayed events get in.
    let trusting =
        altered("const event = await verifiedEvent(body, signature, env);", "const event = JSON.parse(body);");
    let worker = live.worker_from(trusting.path()).await;
    let report = live.verify(&worker).await;
    let bad = finding(&report, "verify.probe.bad_signature");
    assert_eq!(bad.status, Status::Fail);
    assert!(bad.title.contains("nobody signed"), "{bad:?}");
    assert!(fix_of(bad).contains("stripe-signature") && fix_of(bad).contains("constructeventasync"), "{bad:?}");
    assert_eq!(finding(&report, "verify.probe.stale").status, Status::Fail);
    drop(worker);

    // (d) A handler with the timestamp tolerance turned off: replays get in, forgeries do not.
    let no_tolerance = altered(
        "constructEventAsync(body, signature, secret, undefined, cryptoProvider)",
        "constructEventAsync(body, signature, secret, 0, cryptoProvider)",
    );
    let worker = live.worker_from(no_tolerance.path()).await;
    let report = live.verify(&worker).await;
    let stale = finding(&report, "verify.probe.stale");
    assert_eq!(stale.status, Status::Fail, "{stale:?}");
    assert!(stale.title.contains("replayed"), "{stale:?}");
    assert!(fix_of(stale).contains("tolerance"), "{stale:?}");
    assert_eq!(finding(&report, "verify.probe.bad_signature").status, Status::Pass);
    assert_eq!(finding(&report, "verify.probe.signed").status, Status::Pass);
    drop(worker);

    // (e) A handler that answers slowly.
    let slow = altered(
        "const body = await request.text();",
        "const body = await request.text(); await new Promise((r) => setTimeout(r, 1500));",
    );
    let worker = live.worker_from(slow.path()).await;
    let report = live.verify(&worker).await;
    let signed = finding(&report, "verify.probe.signed");
    assert_eq!(signed.status, Status::Warn);
    assert!(signed.title.contains("slowly"), "{signed:?}");
    assert!(fix_of(signed).contains("waituntil"), "{signed:?}");
    drop(worker);

    // The keyring holds another webhook secret than the one pushed (the Webhook step made a
    // new endpoint since): only then is "push again" the fix.
    let worker = live.worker_from(&reference_worker()).await;
    let entry = EntryName::new(&live.script, true, webhook::SECRET_VAR);
    let pushed = keystore::get(&entry).unwrap().unwrap();
    let newer = secrecy::SecretString::from(format!("{}_{}", "whsec", "N3w".repeat(11)));
    keystore::put(&entry, &newer).unwrap();
    let report = live.verify(&worker).await;
    keystore::put(&entry, &pushed).unwrap();
    let signed = finding(&report, "verify.probe.signed");
    assert_eq!(signed.status, Status::Fail, "{signed:?}");
    assert!(fix_of(signed).contains("push") && fix_of(signed).contains("secrets step"), "{signed:?}");
    // and with the pushed one back, the reference Worker passes every probe
    let report = live.verify(&worker).await;
    for id in ["verify.probe.signed", "verify.probe.bad_signature", "verify.probe.stale"] {
        assert_eq!(finding(&report, id).status, Status::Pass, "{:?}", finding(&report, id));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_names_each_broken_live_part() {
    let mut live = Live::go_live().await;
    let account = live.fx.keys.account_id.clone();
    let events: Vec<String> = webhook::REQUIRED_EVENTS.map(String::from).to_vec();
    let url = live.session.webhook.as_ref().unwrap().url.clone();
    let spec = webhook::endpoints::NewEndpoint {
        url: &url,
        events: &events,
        api_version: webhook::PINNED_API_VERSION,
        description: "test",
        project: "x",
        rotation: None,
    };

    // Now a healthy Worker, and the live side broken one piece at a time.
    let worker = live.worker_from(&reference_worker()).await;

    // the Catalog step ran again after the push and now names another id: the Worker still
    // holds the one pushed
    let good = live.session.catalog.price_ids.clone();
    let good_secrets = live.session.secrets.clone();
    let other = good.as_ref().unwrap().iter().find(|p| p.tier == "starter").unwrap().price_id.clone();
    live.session.catalog.price_ids.as_mut().unwrap().iter_mut().find(|p| p.tier == "pro").unwrap().price_id =
        other.clone();
    let report = live.verify(&worker).await;
    let price = finding(&report, "verify.price.STRIPE_PRICE_ID_PRO");
    assert_eq!(price.status, Status::Fail, "{price:?}");
    assert!(price.detail.contains("changed after the push") && price.detail.contains(&other), "{price:?}");
    assert!(fix_of(price).contains("push the secrets again"), "{price:?}");
    live.session.catalog.price_ids = good.clone();

    // a test-mode price id was pushed (as what the session recorded)
    let (_, test_prices) = live.fx.stripe.insert_tier_with_prices(&account, false, "Pro", "pro", &[(2900, "month", 1)]);
    let pushed_as = |live: &mut Live, name: &str, id: &str| {
        live.session.catalog.price_ids.as_mut().unwrap().iter_mut().find(|p| p.name == name).unwrap().price_id =
            id.to_string();
        live.session.secrets.as_mut().unwrap().pushed_ids.insert(name.to_string(), id.to_string());
    };
    pushed_as(&mut live, "STRIPE_PRICE_ID_PRO", &test_prices[0]);
    let report = live.verify(&worker).await;
    let price = finding(&report, "verify.price.STRIPE_PRICE_ID_PRO");
    assert_eq!(price.status, Status::Fail);
    assert!(price.detail.contains("test-mode price"), "{price:?}");
    live.session.catalog.price_ids = good.clone();
    live.session.secrets = good_secrets.clone();

    // STRIPE_PRICE_ID_PRO holds another live price of the tier (yearly, not the monthly one
    // it was recorded for)
    let (_, yearly) = live.fx.stripe.insert_tier_with_prices(&account, true, "Pro", "pro", &[(29000, "year", 1)]);
    let recorded =
        live.session.catalog.price_ids.as_ref().unwrap().iter().find(|p| p.tier == "pro").unwrap().terms.clone();
    pushed_as(&mut live, "STRIPE_PRICE_ID_PRO", &yearly[0]);
    let report = live.verify(&worker).await;
    let price = finding(&report, "verify.price.STRIPE_PRICE_ID_PRO");
    assert_eq!(price.status, Status::Fail, "{price:?}");
    assert!(price.detail.contains("290.00 USD / year") && price.detail.contains(&recorded), "{price:?}");
    assert!(price.fix.as_deref().unwrap().contains("another price of the tier"), "{price:?}");
    live.session.catalog.price_ids = good.clone();
    live.session.secrets = good_secrets.clone();

    // two prices under one name: the Worker can hold only one of them
    let mut twice = good.clone().unwrap();
    let mut second = twice.iter().find(|p| p.tier == "pro").unwrap().clone();
    second.price_id = yearly[0].clone();
    twice.push(second);
    live.session.catalog.price_ids = Some(twice);
    let report = live.verify(&worker).await;
    let named: Vec<&Finding> =
        report.findings.iter().filter(|f| f.check == "verify.price.STRIPE_PRICE_ID_PRO").collect();
    assert_eq!(named.len(), 1, "one finding per name: {named:#?}");
    assert_eq!(named[0].status, Status::Fail);
    assert!(named[0].detail.contains("names 2 prices") && named[0].detail.contains(&yearly[0]), "{:?}", named[0]);
    live.session.catalog.price_ids = good;
    let report = live.verify(&worker).await;
    assert!(report.passed(), "{:#?}", report.findings);

    // the tier gained a second monthly price since the Catalog step: by the naming rule the
    // pushed STRIPE_PRICE_ID_PRO is now STRIPE_PRICE_ID_PRO_USD, which the Worker lacks
    let live_client = golive::stripe_api::client(&live.fx.env(), &live.fx.live_key());
    let pro_id =
        live.session.catalog.price_ids.as_ref().unwrap().iter().find(|p| p.tier == "pro").unwrap().price_id.clone();
    let pro_product = live.fx.stripe.prices(&account, true).into_iter().find(|p| p.id == pro_id).unwrap().product;
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: String,
    }
    let form = std::collections::BTreeMap::from([
        ("product", pro_product.as_str()),
        ("currency", "eur"),
        ("unit_amount", "2700"),
        ("recurring[interval]", "month"),
    ]);
    let eur: IdOnly = live_client.post_form("/prices", &form).await.unwrap();
    let report = live.verify(&worker).await;
    let price = finding(&report, "verify.price.STRIPE_PRICE_ID_PRO");
    assert_eq!(price.status, Status::Fail, "{price:?}");
    assert!(price.detail.contains("STRIPE_PRICE_ID_PRO_USD"), "{price:?}");
    assert!(price.fix.as_deref().unwrap().contains("Catalog step again"), "{price:?}");
    let _: IdOnly = live_client
        .post_form(&format!("/prices/{}", eur.id), std::collections::BTreeMap::from([("active", "false")]))
        .await
        .unwrap();
    assert!(live.verify(&worker).await.passed(), "archiving it again restores the names");

    // a second enabled endpoint for the Worker's URL
    let (second, _) =
        webhook::endpoints::create(&live_client, &spec, &format!("second-{}", live.script)).await.unwrap();
    let report = live.verify(&worker).await;
    assert_eq!(finding(&report, "verify.endpoint.unique").status, Status::Fail);
    webhook::endpoints::disable(&live_client, &second.id).await.unwrap();

    // an event Stripe could not deliver
    live.fx.stripe.record_event(
        &account,
        true,
        "customer.subscription.updated",
        serde_json::json!({ "id": "sub_1" }),
        false,
    );
    let report = live.verify(&worker).await;
    assert_eq!(finding(&report, "verify.deliveries").status, Status::Fail);

    // a secret missing from the Worker
    live.fx.cloudflare.delete_secret(CF_ACCOUNT, &live.script, "STRIPE_PORTAL_CONFIG_ID");
    let report = live.verify(&worker).await;
    let secrets = finding(&report, "verify.secrets");
    assert_eq!(secrets.status, Status::Fail);
    assert!(secrets.detail.contains("STRIPE_PORTAL_CONFIG_ID"), "{secrets:?}");
    assert!(!report.passed());
}

#[tokio::test(flavor = "multi_thread")]
async fn names_numbered_across_the_catalog_pass_and_old_names_on_the_worker_are_flagged() {
    // `team-plus` and `team_plus` both make STRIPE_PRICE_ID_TEAM_PLUS: the Catalog step numbers
    // them across the whole catalog, and Verify checks each name by that same rule.
    let live = Live::go_live_with(&[("Team Plus", "team-plus", 4900), ("Team Plus EU", "team_plus", 4500)]).await;
    let names: Vec<String> = live.session.catalog.price_ids.iter().flatten().map(|v| v.name.clone()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_ne!(names[0], names[1]);
    let worker = live.worker_from(&reference_worker()).await;
    let report = live.verify(&worker).await;
    assert!(report.passed(), "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| f.check != "verify.price.stale"));
    drop(worker);

    // A price variable an earlier go-live pushed, which the catalog no longer names.
    live.fx.cloudflare.put_secret(CF_ACCOUNT, &live.script, "STRIPE_PRICE_ID_LEGACY", "price_old");
    let worker = live.worker_from(&reference_worker()).await;
    let report = live.verify(&worker).await;
    let stale = finding(&report, "verify.price.stale");
    assert_eq!(stale.status, Status::Warn, "{stale:?}");
    assert!(stale.detail.contains("STRIPE_PRICE_ID_LEGACY"), "{stale:?}");
    assert!(fix_of(stale).contains("wrangler secret delete stripe_price_id_legacy"), "{stale:?}");

    // The Catalog step ran again after the push and set up another portal configuration.
    let mut changed = live.session.clone();
    changed.catalog.portal.as_mut().unwrap().id = "bpc_made_after_the_push".into();
    let mut env = live.fx.env();
    env.webhook_probe_base = Some(worker.base_url());
    let report = verify::run(&changed.verify_input(), &env, &Silent).await.unwrap().report;
    let secrets = finding(&report, "verify.secrets");
    assert_eq!(secrets.status, Status::Fail, "{secrets:?}");
    assert!(secrets.detail.contains("bpc_made_after_the_push") && fix_of(secrets).contains("push the secrets again"));
}
