//! The Webhook and Secrets steps end to end on loopback: the Stripe stand-in's live webhook
//! endpoints, a real Secret Service (gnome-keyring, started by scripts/test.sh), and the
//! real wrangler from npm pushing to the Cloudflare stand-in. Every wrangler failure the
//! step maps is arranged and its message checked; the leak scan looks at every argv,
//! wrangler's logs, the session file and every error text.

mod support;

use golive::catalog::{portal, price_ids, read};
use golive::cloudflare_api;
use golive::keystore::{self, EntryName};
use golive::progress::Silent;
use golive::secrets::{self, SecretsError};
use golive::session::Session;
use golive::stripe_api;
use golive::webhook::{self, url, Action, Role, WebhookError, WebhookRecord, WebhookRequest, PINNED_API_VERSION};
use golive::wrangler::WranglerError;
use golive::Environment;
use secrecy::ExposeSecret;
use std::sync::Mutex;
use stripe_standin::Fault;
use support::{unique_worker, Fixture, CF_ACCOUNT};

struct World {
    fx: Fixture,
    worker: String,
    session: Session,
}

impl World {
    /// A Worker with a `staging` environment, deployed as `<worker>-staging` on an account
    /// whose workers.dev subdomain is `acme`; Connect passed; live has two tiers.
    async fn new() -> Self {
        let fx = Fixture::new().await;
        let worker = unique_worker("api");
        let toml = format!("name = \"{worker}\"\naccount_id = \"{CF_ACCOUNT}\"\nmain = \"src/index.ts\"\n\n[env.staging]\nworkers_dev = true\n");
        let mut session = fx.connected_session(&toml, &format!("{worker}-staging")).await;
        let account = fx.keys.account_id.clone();
        fx.stripe.insert_tier_with_prices(&account, true, "Starter", "starter", &[(900, "month", 1)]);
        fx.stripe.insert_tier_with_prices(&account, true, "Pro", "pro", &[(2900, "month", 1), (29000, "year", 1)]);
        let live = stripe_api::client(&fx.env(), &fx.live_key());
        session.worker_env = Some("staging".into());
        session.catalog.price_ids = Some(price_ids::price_id_vars(&read::read_catalog(&live).await.unwrap()));
        session.catalog.portal = Some(portal::ensure_portal(&live).await.unwrap());
        Self { fx, worker, session }
    }

    fn script(&self) -> String {
        self.session.script_name().unwrap()
    }

    fn request(&self, url: &str) -> WebhookRequest {
        WebhookRequest { url: url.into(), extra_events: vec![], project: self.script() }
    }

    fn url(&self) -> String {
        format!("https://{}.acme.workers.dev/webhook/stripe", self.script())
    }

    /// Runs the Webhook step, keeping the record in the session as the faces do.
    async fn ensure(&mut self) -> Result<webhook::WebhookOutcome, WebhookError> {
        let kept = Mutex::new(self.session.webhook.clone());
        let save = |r: &WebhookRecord| *kept.lock().unwrap() = Some(r.clone());
        let result = webhook::ensure(
            &self.fx.env(),
            &self.fx.live_key(),
            &self.request(&self.url()),
            self.session.webhook.as_ref(),
            &save,
        )
        .await;
        self.session.webhook = kept.into_inner().unwrap();
        result
    }

    fn live_endpoints(&self) -> Vec<stripe_standin::resources::webhooks::WebhookEndpoint> {
        self.fx.stripe.webhook_endpoints(&self.fx.keys.account_id, true)
    }

    /// The Secrets step as the faces run it, with `env`'s wrangler.
    async fn push_with(&self, env: &Environment) -> Result<golive::secrets::SecretsRecord, SecretsError> {
        let mut session = self.session.clone();
        session.connect.as_mut().unwrap().worker.wrangler.program = env.wrangler_program.clone().unwrap();
        let (record, statuses) =
            secrets::push_step(&session.secrets_input(), env, Some(&self.fx.live_key()), &Silent).await?;
        assert!(statuses.iter().all(|s| s.pushed && s.confirmed), "{statuses:?}");
        Ok(record)
    }

    fn keyring(&self, variable: &str) -> Option<String> {
        keystore::get(&EntryName::new(&self.script(), true, variable)).unwrap().map(|s| s.expose_secret().to_string())
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for var in [keystore::STRIPE_SECRET_KEY, webhook::SECRET_VAR] {
            let _ = keystore::delete(&EntryName::new(&format!("{}-staging", self.worker), true, var));
        }
    }
}

#[tokio::test]
async fn the_worker_url_comes_from_the_account_subdomain_and_the_environment() {
    let w = World::new().await;
    let outcome = w.session.connect.as_ref().unwrap();
    let env = w.fx.env();
    let token = cloudflare_api::wrangler_token(&outcome.worker.wrangler, w.fx.project.path(), &env).await.unwrap();
    let sub = cloudflare_api::workers_subdomain(&cloudflare_api::api_base(&env), &token, CF_ACCOUNT).await.unwrap();
    assert_eq!(sub.as_deref(), Some("acme"));
    let found = url::candidates(&outcome.worker.config, Some("staging"), sub.as_deref());
    assert_eq!(found[0].url, w.url());
}

#[tokio::test]
async fn creates_one_pinned_endpoint_keeps_its_secret_and_reuses_it_next_time() {
    let mut w = World::new().await;
    let plan = webhook::plan(&w.fx.env(), &w.fx.live_key(), &w.request(&w.url()), None).await.unwrap();
    assert_eq!(plan.action, Action::Create);
    assert_eq!(plan.api_version, PINNED_API_VERSION);

    let outcome = w.ensure().await.unwrap();
    assert!(outcome.created);
    let live = w.live_endpoints();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].url, w.url());
    assert_eq!(live[0].api_version.as_deref(), Some(PINNED_API_VERSION));
    assert_eq!(live[0].enabled_events, webhook::REQUIRED_EVENTS.map(String::from).to_vec());
    // the secret Stripe returned once is the one in the keyring
    assert_eq!(w.keyring(webhook::SECRET_VAR).as_deref(), Some(live[0].secret.as_str()));
    let record = w.session.webhook.clone().unwrap();
    assert_eq!(record.endpoint_id.as_deref(), Some(live[0].id.as_str()));
    assert_eq!(record.pending_create, None);

    // someone trimmed the events in the Dashboard: the re-run reuses the endpoint and fixes them
    let live_client = stripe_api::client(&w.fx.env(), &w.fx.live_key());
    webhook::endpoints::update(&live_client, &live[0].id, Some(&["checkout.session.completed".to_string()]), false)
        .await
        .unwrap();
    let again = w.ensure().await.unwrap();
    assert!(!again.created);
    assert!(matches!(again.plan.action, Action::Reuse { ref add_events, .. } if add_events.len() == 3));
    let live = w.live_endpoints();
    assert_eq!(live.len(), 1, "no second endpoint");
    assert!(webhook::REQUIRED_EVENTS.iter().all(|e| live[0].enabled_events.contains(&e.to_string())));
}

#[tokio::test]
async fn endpoints_whose_secret_golive_lacks_are_replaced_and_offered_for_disabling() {
    let mut w = World::new().await;
    let live_client = stripe_api::client(&w.fx.env(), &w.fx.live_key());
    let events: Vec<String> = webhook::REQUIRED_EVENTS.map(String::from).to_vec();
    let made_by_hand = |n: usize| webhook::endpoints::NewEndpoint {
        url: "https://placeholder",
        events: &events,
        api_version: "2024-06-20",
        description: if n == 0 { "by hand" } else { "by hand again" },
        project: "someone",
        rotation: None,
    };
    let url = w.url();
    let mut old = Vec::new();
    for n in 0..2 {
        let spec = webhook::endpoints::NewEndpoint { url: &url, ..made_by_hand(n) };
        old.push(
            webhook::endpoints::create(&live_client, &spec, &format!("hand-{n}-{}", w.worker)).await.unwrap().0.id,
        );
    }
    let plan = webhook::plan(&w.fx.env(), &w.fx.live_key(), &w.request(&url), None).await.unwrap();
    assert_eq!(plan.action, Action::Create);
    let duplicates: Vec<&str> = plan
        .endpoints
        .iter()
        .filter(|e| matches!(&e.role, Role::Duplicate { reason } if reason.contains("does not hold")))
        .map(|e| e.endpoint.id.as_str())
        .collect();
    assert_eq!(duplicates.len(), 2);
    assert!(plan.findings.iter().any(|f| f.check == "webhook.duplicates"));

    let outcome = w.ensure().await.unwrap();
    assert!(outcome.created);
    assert_eq!(w.live_endpoints().len(), 3);
    // the one golive uses cannot be disabled here; the others can
    let used = w.session.webhook.as_ref().unwrap().endpoint_id.clone().unwrap();
    let refused = webhook::disable_duplicates(&w.fx.env(), &w.fx.live_key(), &[used], w.session.webhook.as_ref()).await;
    assert!(refused.is_err());
    webhook::disable_duplicates(&w.fx.env(), &w.fx.live_key(), &old, w.session.webhook.as_ref()).await.unwrap();
    let enabled: Vec<_> = w.live_endpoints().into_iter().filter(|e| e.status == "enabled").collect();
    assert_eq!(enabled.len(), 1);
    assert_eq!(Some(enabled[0].id.clone()), w.session.webhook.as_ref().unwrap().endpoint_id);
    // and now the plan reuses it, with no duplicate left
    let plan =
        webhook::plan(&w.fx.env(), &w.fx.live_key(), &w.request(&url), w.session.webhook.as_ref()).await.unwrap();
    assert!(matches!(plan.action, Action::Reuse { .. }));
    assert!(!plan.endpoints.iter().any(|e| matches!(e.role, Role::Duplicate { .. })));
}

#[tokio::test]
async fn a_lost_answer_to_the_create_is_replayed_not_duplicated() {
    let mut w = World::new().await;
    // Stripe creates the endpoint, then the connection drops before golive reads the answer.
    w.fx.stripe.inject_on_write(0, Fault::DropAfterHandling);
    w.ensure().await.unwrap();
    let live = w.live_endpoints();
    assert_eq!(live.len(), 1, "the retry replayed the create");
    assert_eq!(w.keyring(webhook::SECRET_VAR).as_deref(), Some(live[0].secret.as_str()));

    // A crash after Stripe answered but before the secret was kept: the session still holds
    // the create's Idempotency-Key, so the re-run gets the same endpoint and secret back.
    let mut w = World::new().await;
    let key = "golive-webhook-crashed-run".to_string();
    let live_client = stripe_api::client(&w.fx.env(), &w.fx.live_key());
    let events: Vec<String> = webhook::REQUIRED_EVENTS.map(String::from).to_vec();
    let description = format!("{} — Stripe events for the Worker (set up by golive)", w.script());
    let script = w.script();
    let url = w.url();
    let lost = webhook::endpoints::NewEndpoint {
        url: &url,
        events: &events,
        api_version: PINNED_API_VERSION,
        description: &description,
        project: &script,
        rotation: None,
    };
    webhook::endpoints::create(&live_client, &lost, &key).await.unwrap();
    let sent_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    w.session.webhook =
        Some(WebhookRecord { pending_create: Some(key), pending_since: Some(sent_at), ..Default::default() });
    let first = w.live_endpoints()[0].id.clone();
    let outcome = w.ensure().await.unwrap();
    let live = w.live_endpoints();
    assert_eq!(live.len(), 1, "no duplicate after the crash");
    assert_eq!(outcome.endpoint.id, first, "Stripe replayed the same endpoint");
    assert_eq!(w.keyring(webhook::SECRET_VAR).as_deref(), Some(live[0].secret.as_str()));
}

#[tokio::test]
async fn refuses_a_url_stripe_cannot_deliver_live_events_to() {
    let w = World::new().await;
    for bad in ["http://example.com/webhook/stripe", "https://localhost:8787/webhook/stripe"] {
        let err = webhook::plan(&w.fx.env(), &w.fx.live_key(), &w.request(bad), None).await.unwrap_err();
        assert!(matches!(err, WebhookError::Invalid(_)), "{bad}: {err:?}");
        assert!(!err.fix().is_empty());
    }
    assert!(w.live_endpoints().is_empty(), "nothing was created");
}

#[tokio::test]
async fn refuses_an_event_stripe_does_not_send_before_any_request() {
    let w = World::new().await;
    let before = w.fx.stripe.requests().len();
    let mut request = w.request(&w.url());
    request.extra_events = vec!["invoice.paid".into(), "customer.subscription.creatd".into()];
    let err = webhook::plan(&w.fx.env(), &w.fx.live_key(), &request, None).await.unwrap_err();
    assert!(matches!(err, WebhookError::Invalid(_)), "{err:?}");
    assert!(err.message().contains("customer.subscription.creatd"), "{}", err.message());
    assert!(err.fix().contains("“customer.subscription.created”"), "{}", err.fix());
    assert_eq!(w.fx.stripe.requests().len(), before, "refused before asking Stripe");
    request.extra_events = vec!["invoice.paid".into(), "*".into()];
    assert!(webhook::plan(&w.fx.env(), &w.fx.live_key(), &request, None).await.is_ok());
}

#[tokio::test]
async fn pushes_every_secret_in_one_version_to_the_environment_and_leaks_nothing() {
    let mut w = World::new().await;
    w.ensure().await.unwrap();
    let recorder_dir = tempfile::tempdir().unwrap();
    let mut env = w.fx.env();
    env.wrangler_program = Some(golive_testkit::recording_wrangler(recorder_dir.path()));
    let record = w.push_with(&env).await.unwrap();
    assert!(record.complete());
    assert_eq!(record.env.as_deref(), Some("staging"));

    // the stand-in holds exactly these names and values, on the environment's script
    let held = w.fx.cloudflare.secrets(CF_ACCOUNT, &w.script()).unwrap();
    let whsec = w.live_endpoints()[0].secret.clone();
    let mut expected: std::collections::BTreeMap<String, String> =
        w.session.catalog.price_ids.clone().unwrap().into_iter().map(|p| (p.name, p.price_id)).collect();
    expected.insert("STRIPE_SECRET_KEY".into(), w.fx.keys.live_secret.clone());
    expected.insert("STRIPE_WEBHOOK_SECRET".into(), whsec.clone());
    expected.insert("STRIPE_PORTAL_CONFIG_ID".into(), w.session.catalog.portal.clone().unwrap().id);
    assert_eq!(held, expected);
    assert_eq!(expected.len(), 6, "key, webhook secret, three price ids, portal");
    assert_eq!(w.fx.cloudflare.versions(CF_ACCOUNT, &w.script()), 1, "one bulk upload, one version");
    assert!(w.fx.cloudflare.secrets(CF_ACCOUNT, &w.worker).is_none(), "the top-level Worker was not touched");
    assert_eq!(w.keyring(keystore::STRIPE_SECRET_KEY).as_deref(), Some(w.fx.keys.live_secret.as_str()));

    // wrangler ran once, for the bulk upload with --env, and nothing secret on any argv; the
    // list before and after was read from the API (golive holds wrangler's token and knows
    // the account), on the environment's script
    let argv = std::fs::read_to_string(golive_testkit::argv_log(recorder_dir.path())).unwrap();
    let commands: Vec<&str> = argv.lines().map(|l| l.split_once(' ').unwrap().1).collect();
    assert_eq!(commands, ["secret bulk --env=staging"]);
    let list = format!("GET /accounts/{CF_ACCOUNT}/workers/scripts/{}/secrets", w.script());
    let requests = w.fx.cloudflare.requests();
    let lists: Vec<usize> = requests.iter().enumerate().filter(|(_, r)| **r == list).map(|(i, _)| i).collect();
    assert_eq!(lists.len(), 2, "{requests:#?}");
    let between = &requests[lists[0] + 1..lists[1]];
    assert!(between.iter().any(|r| r.starts_with("PATCH ") && r.ends_with("/settings")), "{requests:#?}");
    w.session.secrets = Some(record);
    let session_json = serde_json::to_string(&w.session).unwrap();
    let logs = golive_testkit::all_text_under(w.fx.wrangler_home.path());
    let secrets = [w.fx.keys.live_secret.as_str(), whsec.as_str()];
    for (what, text) in [("argv", argv.as_str()), ("session file", &session_json), ("wrangler logs", &logs)] {
        golive_testkit::assert_no_key_in(what, text, &secrets);
    }
}

#[tokio::test]
async fn every_wrangler_failure_says_what_to_do() {
    let mut w = World::new().await;
    w.ensure().await.unwrap();
    let secrets = [w.fx.keys.live_secret.clone(), w.live_endpoints()[0].secret.clone()];
    let check = |err: SecretsError, expect: fn(&WranglerError) -> bool, says: &str| {
        let SecretsError::Wrangler(inner) = &err else { panic!("{err:?}") };
        assert!(expect(inner), "{err:?}");
        let text = format!("{} {}", err.message(), err.fix());
        assert!(text.contains(says), "{text}");
        let keys: Vec<&str> = secrets.iter().map(String::as_str).collect();
        golive_testkit::assert_no_key_in("error text", &text, &keys);
    };

    // not installed
    let mut env = w.fx.env();
    env.wrangler_program = Some("/nonexistent/wrangler".into());
    check(w.push_with(&env).await.unwrap_err(), |e| *e == WranglerError::NotInstalled, "npm install");

    // not logged in
    let env = w.fx.env_with_token(None);
    check(w.push_with(&env).await.unwrap_err(), |e| *e == WranglerError::NotLoggedIn, "golive cloudflare login");

    // an API error with Cloudflare's code and message, during the upload
    w.fx.cloudflare.fail_next("/settings", 500, 10013, "An unknown error has occurred");
    check(
        w.push_with(&w.fx.env()).await.unwrap_err(),
        |e| matches!(e, WranglerError::Api(m) if m.contains("10013") && m.contains("unknown error")),
        "10013",
    );
    assert!(w.fx.cloudflare.secrets(CF_ACCOUNT, &w.script()).unwrap().is_empty(), "nothing half-written");

    // a gradual deployment in progress: Cloudflare refuses the change (10214); golive names
    // it and the way out instead of the raw code, and nothing is pushed
    assert!(w.fx.cloudflare.set_gradual_deployment(CF_ACCOUNT, &w.script(), true));
    let gradual = w.push_with(&w.fx.env()).await.unwrap_err();
    check(gradual.clone(), |e| matches!(e, WranglerError::GradualDeployment { .. }), "versions deploy");
    let problem = golive::wizard::Problem::from(gradual);
    assert_eq!((problem.kind, problem.code.as_str()), (golive::wizard::ProblemKind::NotReady, "gradual_deployment"));
    assert!(w.fx.cloudflare.secrets(CF_ACCOUNT, &w.script()).unwrap().is_empty(), "nothing pushed");
    assert_eq!(w.fx.cloudflare.versions(CF_ACCOUNT, &w.script()), 0, "no version made");
    assert!(w.fx.cloudflare.set_gradual_deployment(CF_ACCOUNT, &w.script(), false));

    // the Worker is not deployed (any more): golive says so and creates no empty Worker
    w.fx.cloudflare.remove_script(CF_ACCOUNT, &w.script());
    let err = w.push_with(&w.fx.env()).await.unwrap_err();
    check(err, |e| matches!(e, WranglerError::WorkerNotFound { .. }), "wrangler deploy");
    assert!(w.fx.cloudflare.secrets(CF_ACCOUNT, &w.script()).is_none());
    assert!(!w.fx.cloudflare.requests().iter().any(|r| r.starts_with("PUT") && !r.contains("/secrets")));
    w.fx.cloudflare.add_script(CF_ACCOUNT, &w.script());

    // the configuration names an account the login cannot act on
    let other = "ffffeeeeddddccccbbbbaaaa99998888";
    std::fs::write(
        w.fx.project.path().join("wrangler.toml"),
        format!("name = \"{}\"\naccount_id = \"{other}\"\nmain = \"src/index.ts\"\n\n[env.staging]\n", w.worker),
    )
    .unwrap();
    check(
        w.push_with(&w.fx.env()).await.unwrap_err(),
        |e| matches!(e, WranglerError::WrongAccount { .. }),
        "account_id",
    );
}

#[tokio::test]
async fn the_preview_shows_the_live_key_that_will_be_pushed() {
    let mut w = World::new().await;
    w.ensure().await.unwrap();
    // An older live key of the account sits in the keyring from an earlier push.
    let older = w.fx.stripe.add_restricted_key(&w.fx.keys.account_id, true, &["accounts:read"]);
    let entry = EntryName::new(&w.script(), true, keystore::STRIPE_SECRET_KEY);
    keystore::put(&entry, &secrecy::SecretString::from(older.clone())).unwrap();
    let connect_key = w.fx.live_key();

    let preview = secrets::preview(&w.session.secrets_input(), Some(&connect_key)).await;
    let shown = preview.iter().find(|s| s.name == keystore::STRIPE_SECRET_KEY).unwrap();
    assert_eq!(shown.hint, connect_key.hint(), "the key Connect accepted, not the keyring's older one");
    assert!(!shown.in_keyring, "the keyring holds another key until the push");

    w.push_with(&w.fx.env()).await.unwrap();
    let pushed = w.fx.cloudflare.secrets(CF_ACCOUNT, &w.script()).unwrap()["STRIPE_SECRET_KEY"].clone();
    assert_eq!(golive::stripe_key::hint_of(&pushed), shown.hint, "what was shown is what was pushed");
    let after = secrets::preview(&w.session.secrets_input(), Some(&connect_key)).await;
    assert!(after.iter().any(|s| s.name == keystore::STRIPE_SECRET_KEY && s.in_keyring));

    // A restarted app no longer holds the key: the preview shows the keyring's, which is what it pushes.
    let restarted = secrets::preview(&w.session.secrets_input(), None).await;
    assert_eq!(restarted.iter().find(|s| s.name == keystore::STRIPE_SECRET_KEY).unwrap().hint, connect_key.hint());
}

#[tokio::test]
async fn two_values_under_one_name_are_refused_before_anything_is_written() {
    let mut w = World::new().await;
    w.ensure().await.unwrap();
    let ids = w.session.catalog.price_ids.as_mut().unwrap();
    let mut twin = ids[0].clone();
    twin.price_id = ids[1].price_id.clone();
    ids.push(twin.clone());
    let recorder_dir = tempfile::tempdir().unwrap();
    let mut env = w.fx.env();
    env.wrangler_program = Some(golive_testkit::recording_wrangler(recorder_dir.path()));
    let mut session = w.session.clone();
    session.connect.as_mut().unwrap().worker.wrangler.program = env.wrangler_program.clone().unwrap();
    let err = match secrets::push_step(&session.secrets_input(), &env, Some(&w.fx.live_key()), &Silent).await {
        Err(e) => e,
        Ok(_) => panic!("two values under {} were pushed", twin.name),
    };
    assert_eq!(err, SecretsError::DuplicateName(twin.name.clone()));
    assert!(err.fix().contains("Catalog"), "{}", err.fix());
    assert_eq!(w.keyring(keystore::STRIPE_SECRET_KEY), None, "the live key was not filed");
    assert!(!golive_testkit::argv_log(recorder_dir.path()).exists(), "wrangler never ran");
    assert!(w.fx.cloudflare.secrets(CF_ACCOUNT, &w.script()).unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_create_lost_more_than_a_day_ago_is_found_and_replaced_not_duplicated() {
    // The create landed, its answer (and secret) was lost, and golive runs again 25 hours
    // later: Stripe has forgotten the Idempotency-Key, so resending it would make a second
    // endpoint. golive finds its own lost endpoint by metadata and URL instead.
    let mut w = World::new().await;
    let key = "golive-webhook-lost-yesterday".to_string();
    let live_client = stripe_api::client(&w.fx.env(), &w.fx.live_key());
    let events: Vec<String> = webhook::REQUIRED_EVENTS.map(String::from).to_vec();
    let (script, url) = (w.script(), w.url());
    let lost = webhook::endpoints::NewEndpoint {
        url: &url,
        events: &events,
        api_version: PINNED_API_VERSION,
        description: "lost",
        project: &script,
        rotation: None,
    };
    let (orphan, _) = webhook::endpoints::create(&live_client, &lost, &key).await.unwrap();
    let day_and_more = std::time::Duration::from_secs(25 * 60 * 60);
    w.fx.stripe.advance_clock(day_and_more);
    let sent_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
        - day_and_more.as_secs() as i64;
    w.session.webhook = Some(WebhookRecord {
        url: url.clone(),
        pending_create: Some(key.clone()),
        pending_since: Some(sent_at),
        ..Default::default()
    });

    let outcome = w.ensure().await.unwrap();
    let live = w.live_endpoints();
    assert_eq!(live.len(), 1, "exactly one endpoint for the URL: {live:#?}");
    assert_ne!(live[0].id, orphan.id, "the endpoint whose secret was lost is gone");
    assert_eq!(outcome.endpoint.id, live[0].id);
    assert_eq!(w.keyring(webhook::SECRET_VAR).as_deref(), Some(live[0].secret.as_str()));
    let record = w.session.webhook.clone().unwrap();
    assert_eq!((record.pending_create, record.pending_since), (None, None));
    let resent = w.fx.stripe.requests().into_iter().filter(|r| r.idempotency_key.as_deref() == Some(key.as_str()));
    assert_eq!(resent.count(), 1, "the forgotten key was never sent again");
}

#[tokio::test]
async fn every_request_golive_makes_is_at_the_pinned_api_version() {
    let mut w = World::new().await;
    w.ensure().await.unwrap();
    w.push_with(&w.fx.env()).await.unwrap();
    let requests = w.fx.stripe.requests();
    assert!(requests.len() > 5, "{requests:#?}");
    for r in &requests {
        assert_eq!(r.stripe_version.as_deref(), Some(PINNED_API_VERSION), "{} {}", r.method, r.path);
        assert!(r.request_id.starts_with("req_"), "{r:?}");
    }
}
