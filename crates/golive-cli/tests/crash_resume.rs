//! `kill -9` at random points of the writing commands, then a run to the end: exactly one of
//! everything. `catalog apply` over a 600-write catalog (150 tiers of 3 prices) is killed at
//! random write counts; `webhook` is killed at random moments around its create (the create
//! is slowed so the kill can land before, during or after Stripe's answer). The seed is
//! printed; `GOLIVE_CRASH_SEED` replays a run, `GOLIVE_CRASH_POINTS` sets how many kills
//! (the benchmark script asks for more). Needs the private Secret Service scripts/test.sh
//! starts (the webhook's secret goes to the keyring).

mod support;

use golive_testkit::repo_wrangler;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::{World, CF_ACCOUNT};

/// A small reproducible generator (xorshift): the kill points come from the printed seed.
struct Points(u64);

impl Points {
    fn new(test: &str) -> Self {
        let seed = std::env::var("GOLIVE_CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
        });
        println!("{test}: GOLIVE_CRASH_SEED={seed}");
        Points(seed)
    }

    /// A number in `lo..hi`.
    fn next(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo)
    }
}

fn kills() -> usize {
    std::env::var("GOLIVE_CRASH_POINTS").ok().and_then(|s| s.parse().ok()).unwrap_or(4)
}

fn posts(world: &World) -> usize {
    world.stripe.requests().iter().filter(|r| r.method == "POST").count()
}

fn spawn(world: &World, project: &Path, args: &[&str]) -> Child {
    world
        .command(&repo_wrangler())
        .args(args)
        .arg("--project")
        .arg(project)
        .env("GOLIVE_STRIPE_TEST_KEY", &world.test_key)
        .env("GOLIVE_STRIPE_LIVE_KEY", &world.live_key)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `ready` (or the child ends by itself), then kills it with SIGKILL. Whether it
/// was killed or had already finished.
fn kill_when(mut child: Child, ready: impl Fn() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if ready() {
            child.kill().unwrap(); // SIGKILL on Unix
            child.wait().unwrap();
            return true;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the command neither wrote nor ended");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn finish(world: &World, project: &Path, args: &[&str]) -> serde_json::Value {
    let out = spawn(world, project, args).wait_with_output().unwrap();
    let doc = support::json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}\n{}", String::from_utf8_lossy(&out.stderr));
    doc
}

/// How many live copies each test object has, by `metadata.golive_source`.
fn copies(sources: impl Iterator<Item = Option<String>>) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for source in sources {
        *seen.entry(source.unwrap_or_else(|| "(none)".into())).or_insert(0) += 1;
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn catalog_apply_killed_at_random_writes_ends_with_one_of_everything() {
    let world = World::new().await;
    for i in 0..150 {
        world.stripe.insert_tier_with_prices(
            &world.account_id,
            false,
            &format!("Tier {i:03}"),
            &format!("tier{i:03}"),
            &[(1000 + i, "month", 1), (10000 + i, "year", 1), (300 + i, "week", 1)],
        );
    }
    let writes = 600;
    let mut points = Points::new("catalog apply");
    let mut targets: Vec<u64> = (0..kills()).map(|_| points.next(1, writes)).collect();
    targets.sort();
    let mut killed_at = Vec::new();
    for target in targets {
        let child = spawn(&world, world.project.path(), &["catalog", "apply", "--json"]);
        if kill_when(child, || posts(&world) as u64 >= target) {
            killed_at.push(posts(&world));
        }
    }
    let done = finish(&world, world.project.path(), &["catalog", "apply", "--json"]);

    let products = world.stripe.products(&world.account_id, true);
    let prices = world.stripe.prices(&world.account_id, true);
    let product_copies = copies(products.iter().map(|p| p.metadata.get("golive_source").cloned()));
    let price_copies = copies(prices.iter().map(|p| p.metadata.get("golive_source").cloned()));
    let duplicates = product_copies.values().chain(price_copies.values()).filter(|n| **n > 1).count();
    println!(
        "catalog apply: {} kill points (after write {killed_at:?}), {duplicates} duplicates, {} live objects",
        killed_at.len(),
        products.len() + prices.len()
    );
    assert!(!killed_at.is_empty(), "no kill landed: the test proved nothing");
    assert_eq!(duplicates, 0, "{product_copies:?} {price_copies:?}");
    assert_eq!((product_copies.len(), price_copies.len()), (150, 450), "every test object has its one copy");
    assert_eq!(done["price_ids"].as_array().unwrap().len(), 450, "the last run collects every price ID");
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_killed_around_its_create_ends_with_one_endpoint_whose_secret_is_kept() {
    let world = World::new().await;
    world.cloudflare.set_subdomain(CF_ACCOUNT, "acme");
    let mut points = Points::new("webhook");
    let (mut kills_landed, mut extra) = (0, 0);
    // Each round is a Worker of its own whose endpoint does not exist yet: one run killed
    // around the create, then one run to the end.
    for round in 0..kills() {
        let project = tempfile::tempdir().unwrap();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let worker = format!("crash-{round}-{}-{nanos}", std::process::id());
        std::fs::write(
            project.path().join("wrangler.toml"),
            format!("name = \"{worker}\"\naccount_id = \"{CF_ACCOUNT}\"\nworkers_dev = true\n"),
        )
        .unwrap();
        world.cloudflare.add_script(CF_ACCOUNT, &worker);
        // golive saved its intent to create (the key it sends): the create comes next.
        let session_file = golive::wizard::SessionStore::new(world.data.path())
            .path_for(golive::environment::Mode::Real, project.path());
        let pending = || {
            std::fs::read_to_string(&session_file)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .is_some_and(|s| s["webhook"]["pending_create"].is_string())
        };
        // The create lands 300 ms after it arrives; the kill comes 0–600 ms after the intent
        // was saved: before, while or after Stripe answers and the secret is kept.
        world.stripe.inject_on_write(0, stripe_standin::Fault::Delay(Duration::from_millis(300)));
        // The first round always kills before the answer, so the test never proves nothing.
        let after = Duration::from_millis(points.next(0, if round == 0 { 250 } else { 600 }));
        let seen = std::cell::Cell::new(None::<Instant>);
        let child = spawn(&world, project.path(), &["webhook", "--json"]);
        kills_landed += usize::from(kill_when(child, || match seen.get() {
            Some(at) => at.elapsed() >= after,
            None => {
                if pending() {
                    seen.set(Some(Instant::now()));
                }
                false
            }
        }));
        let done = finish(&world, project.path(), &["webhook", "--json"]);

        let url = format!("https://{worker}.acme.workers.dev/webhook/stripe");
        let endpoints: Vec<_> =
            world.stripe.webhook_endpoints(&world.account_id, true).into_iter().filter(|e| e.url == url).collect();
        let enabled: Vec<_> = endpoints.iter().filter(|e| e.status == "enabled").collect();
        extra += endpoints.len().saturating_sub(1);
        assert_eq!(enabled.len(), 1, "round {round} ({after:?} after the intent): {endpoints:#?}");
        assert_eq!(done["outcome"]["endpoint"]["id"], enabled[0].id.as_str());
        let entry = golive::keystore::EntryName::new(&worker, true, "STRIPE_WEBHOOK_SECRET");
        let kept = golive::keystore::get(&entry).unwrap().expect("the secret is in the keyring");
        use secrecy::ExposeSecret;
        assert_eq!(
            kept.expose_secret(),
            enabled[0].secret,
            "round {round}: the keyring holds the one endpoint's secret"
        );
        let _ = golive::keystore::delete(&entry);
    }
    println!("webhook: {kills_landed} kill points, 0 duplicate enabled endpoints, {extra} disabled leftovers");
    assert!(kills_landed > 0, "no kill landed: the test proved nothing");
}
