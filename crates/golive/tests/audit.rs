//! The go-live audit against the Stripe stand-in and fixture git repositories the tests make
//! with `git`: a ready account and a clean repository pass; each readiness gap, and each
//! mistake planted in a repository (a live key committed then deleted, a secret under
//! `[vars]`, a test price id in code, an unpinned client, `request.json()` before
//! verification, Stripe.js self-hosted, `.dev.vars` not ignored), is found with its place
//! and fix — and no output ever holds a secret, only its hint.

mod support;

use golive::audit::{self, AuditInput, AuditReport};
use golive::catalog::price_ids::PriceIdVar;
use golive::catalog::CatalogRecord;
use golive::findings::Status;
use golive::progress::{ProgressSink, StepEvent};
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use support::Fixture;

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A live tier in the stand-in, as the Catalog step leaves it.
fn live_catalog(fx: &Fixture) -> CatalogRecord {
    let (product, prices) =
        fx.stripe.insert_tier_with_prices(&fx.keys.account_id, true, "Pro", "pro", &[(2900, "month", 1)]);
    CatalogRecord {
        price_ids: Some(vec![PriceIdVar {
            name: "STRIPE_PRICE_ID_PRO".into(),
            price_id: prices[0].clone(),
            tier: "pro".into(),
            terms: "29.00 USD / month".into(),
            product_id: Some(product),
        }]),
        ..CatalogRecord::default()
    }
}

const GOOD_WORKER: &str = r#"import Stripe from "stripe";
export default {
  async fetch(request, env) {
    const stripe = new Stripe(env.STRIPE_SECRET_KEY, { apiVersion: "2026-10-28.endive" });
    const body = await request.text();
    const event = await stripe.webhooks.constructEventAsync(body, request.headers.get("stripe-signature"), env.STRIPE_WEBHOOK_SECRET, undefined, Stripe.createSubtleCryptoProvider());
    return Response.json({ received: true });
  },
};
"#;

/// A clean repository: the reference shape, committed, `.dev.vars` ignored.
fn clean_repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "src/index.js", GOOD_WORKER);
    write(dir, ".gitignore", "node_modules\n.dev.vars\n");
    write(dir, ".dev.vars", &format!("STRIPE_SECRET_KEY={}_{}\n", "sk_test", "51LocalOnlyKeyAbcdefghijk"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "worker"]);
}

#[derive(Default)]
struct Streamed(Mutex<Vec<String>>);

impl ProgressSink for Streamed {
    fn emit(&self, event: StepEvent) {
        if let StepEvent::Finding { finding, .. } = event {
            self.0.lock().unwrap().push(finding.check);
        }
    }
}

async fn run(fx: &Fixture, catalog: &CatalogRecord, sink: &dyn ProgressSink) -> AuditReport {
    let key = fx.live_key();
    let input = AuditInput {
        live_key: &key,
        project_dir: fx.project.path(),
        catalog,
        endpoint_api_version: Some("2026-10-28.endive"),
        behaviour: None,
    };
    audit::run(&input, &fx.env(), sink).await.expect("the audit runs")
}

fn by<'r>(report: &'r AuditReport, check: &str) -> Vec<&'r golive::findings::Finding> {
    report.findings.iter().filter(|f| f.check == check).collect()
}

#[tokio::test]
async fn a_ready_account_and_a_clean_repository_pass_and_findings_stream_as_they_land() {
    let fx = Fixture::new().await;
    let catalog = live_catalog(&fx);
    clean_repo(fx.project.path());
    let streamed = Streamed::default();
    let report = run(&fx, &catalog, &streamed).await;
    let not_passed: Vec<_> = report.findings.iter().filter(|f| f.status != Status::Pass).collect();
    // The warnings a clean project has here: the stand-in's prices say nothing of tax, and
    // without a Worker holding the endpoint's secret the behaviour probes wait.
    assert_eq!(
        not_passed.iter().map(|f| f.check.as_str()).collect::<Vec<_>>(),
        ["audit.tax.behavior", "audit.behaviour"],
        "{not_passed:#?}"
    );
    assert!(report.blocking().is_empty());
    assert_eq!(report.commits, 1);
    assert_eq!(*streamed.0.lock().unwrap(), report.findings.iter().map(|f| f.check.clone()).collect::<Vec<_>>());
}

#[tokio::test]
async fn each_readiness_gap_is_named_with_its_fix_and_tax_is_checked_when_prices_charge_it() {
    let fx = Fixture::new().await;
    let catalog = live_catalog(&fx);
    clean_repo(fx.project.path());
    fx.stripe.set_readiness(&fx.keys.account_id, |r| {
        r.payouts_enabled = false;
        r.past_due = vec!["external_account".into()];
        r.statement_descriptor = Some("ACME*".into());
        r.support_url = None;
        r.branding_logo = None;
        r.primary_color = None;
        r.tax_head_office = false;
    });
    let price = &catalog.price_ids.as_ref().unwrap()[0].price_id;
    fx.stripe.set_price_tax_behavior(&fx.keys.account_id, true, price, "exclusive");
    let report = run(&fx, &catalog, &golive::progress::Silent).await;
    let one = |check: &str| {
        let found = by(&report, check);
        assert_eq!(found.len(), 1, "{check}: {:#?}", report.findings);
        found[0].clone()
    };
    assert_eq!(one("audit.account.payouts").status, Status::Warn);
    let requirements = one("audit.account.requirements");
    assert_eq!(requirements.status, Status::Fail);
    assert!(requirements.detail.contains("external_account") && requirements.link.is_some());
    let descriptor = one("audit.account.statement_descriptor");
    assert!(descriptor.status == Status::Fail && descriptor.detail.contains('*'), "{descriptor:?}");
    assert!(one("audit.account.public_details").title.contains("support page"));
    assert!(one("audit.account.branding").title.contains("logo, brand colour"));
    let tax = one("audit.tax.settings");
    assert!(tax.status == Status::Fail && tax.detail.contains("head_office"), "{tax:?}");
    assert!(by(&report, "audit.tax.behavior").is_empty(), "the price says whether tax is included");
    assert!(report.blocking().is_empty(), "the account can still charge: {:?}", report.blocking());

    fx.stripe.set_readiness(&fx.keys.account_id, |r| r.disabled_reason = Some("requirements.past_due".into()));
    fx.stripe.set_charges_enabled(&fx.keys.account_id, false);
    let report = run(&fx, &catalog, &golive::progress::Silent).await;
    let blocking: Vec<&str> = report.blocking().iter().map(|f| f.check.as_str()).collect();
    assert_eq!(blocking, ["audit.account.charges"]);
}

#[tokio::test]
async fn a_planted_repository_shows_each_problem_with_its_place_and_never_the_secret() {
    let fx = Fixture::new().await;
    let catalog = live_catalog(&fx);
    let dir = fx.project.path();
    let live_key = fx.keys.live_secret.clone();
    let whsec = format!("{}_{}", "whsec", "PlantedSigningSecret0123456789");
    let (_, test_prices) =
        fx.stripe.insert_tier_with_prices(&fx.keys.account_id, false, "Pro", "pro", &[(2900, "month", 1)]);
    let test_price = &test_prices[0];
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "src/config.js", &format!("export const KEY = \"{live_key}\";\n"));
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "oops"]);
    let first = String::from_utf8(
        Command::new("git").args(["rev-parse", "--short=7", "HEAD"]).current_dir(dir).output().unwrap().stdout,
    )
    .unwrap();
    std::fs::remove_file(dir.join("src/config.js")).unwrap();
    write(
        dir,
        "wrangler.toml",
        &format!("name = \"pan-api\"\nmain = \"src/index.js\"\n\n[vars]\nSTRIPE_WEBHOOK_SECRET = \"{whsec}\"\n"),
    );
    write(
        dir,
        "src/index.js",
        &format!(
            "import Stripe from \"stripe\";\nconst PRO = \"{test_price}\";\nexport default {{ async fetch(request, env) {{\n  const stripe = new Stripe(env.STRIPE_SECRET_KEY);\n  const event = await request.json();\n  await stripe.webhooks.constructEventAsync(JSON.stringify(event), sig, env.STRIPE_WEBHOOK_SECRET);\n}} }};\n"
        ),
    );
    write(dir, "public/index.html", "<script src=\"/js/stripe.js\"></script>\n");
    write(dir, ".dev.vars", &format!("STRIPE_WEBHOOK_SECRET={whsec}\n"));
    git(dir, &["add", "src", "public", "wrangler.toml"]);
    git(dir, &["commit", "-q", "-m", "worker"]);

    let report = run(&fx, &catalog, &golive::progress::Silent).await;
    let one = |check: &str| {
        let found = by(&report, check);
        assert!(!found.is_empty(), "{check}: {:#?}", report.findings);
        found[0].clone()
    };
    let leak = one("audit.repo.live_secret");
    assert_eq!(leak.status, Status::Fail);
    assert!(leak.detail.contains(&format!("src/config.js:1 in commit {}", first.trim())), "{leak:?}");
    assert!(leak.detail.contains("deleted since") && leak.detail.contains(&live_key[live_key.len() - 4..]), "{leak:?}");
    assert!(leak.fix.as_deref().unwrap().contains("golive rotate"));
    let hook = one("audit.repo.webhook_secret");
    assert!(hook.detail.contains("wrangler.toml:5"), "{hook:?}");
    let vars = one("audit.repo.config_vars");
    assert!(
        vars.status == Status::Fail && vars.detail.starts_with("wrangler.toml:5: STRIPE_WEBHOOK_SECRET"),
        "{vars:?}"
    );
    let test_id = one("audit.repo.test_ids");
    assert!(
        test_id.status == Status::Fail
            && test_id.detail.starts_with("src/index.js:2")
            && test_id.detail.contains("test mode"),
        "{test_id:?}"
    );
    let pin = one("audit.repo.api_version");
    assert!(
        pin.status == Status::Warn
            && pin.detail.starts_with("src/index.js:4")
            && pin.fix.as_deref().unwrap().contains("apiVersion: \"2026-10-28.endive\""),
        "{pin:?}"
    );
    let parsed = by(&report, "audit.repo.webhook_handler");
    assert!(parsed.iter().any(|f| f.detail.starts_with("src/index.js:5: request.json()")), "{parsed:#?}");
    let js = one("audit.repo.stripe_js");
    assert!(js.status == Status::Fail && js.detail.contains("public/index.html:1"), "{js:?}");
    let dev_vars = one("audit.repo.local_secrets");
    assert!(dev_vars.status == Status::Fail && dev_vars.title.contains(".dev.vars is not ignored"), "{dev_vars:?}");
    let mut blocking: Vec<&str> = report.blocking().iter().map(|f| f.check.as_str()).collect();
    blocking.dedup();
    assert_eq!(
        blocking,
        ["audit.repo.live_secret", "audit.repo.webhook_secret", "audit.repo.config_vars", "audit.repo.test_ids"]
    );

    // Hint-only, everywhere the report goes.
    let text = serde_json::to_string(&report).unwrap();
    golive_testkit::assert_no_key_in("the audit report", &text, &[&live_key, &whsec]);
}
