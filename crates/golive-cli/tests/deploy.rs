//! `golive deploy` against the Cloudflare stand-in and the real wrangler, on a copy of the
//! reference Worker: the plan names the exact commands and changes nothing; the run creates
//! the KV namespace, writes its id into wrangler.toml (comments kept) and deploys; a run after
//! a crash between the two reuses the namespace it made; a deployed Worker is left alone.

use golive_testkit::repo_root;
use std::process::Output;

mod support;

use support::{json_of, World, CF_ACCOUNT};

fn deploy(world: &World, args: &[&str]) -> Output {
    world.run_with_keys(&golive_testkit::repo_wrangler(), &[&["deploy"][..], args].concat())
}

/// The project becomes a copy of the reference Worker (with its placeholder KV id), not deployed.
fn reference_worker(world: &World) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let name = format!("deploy-{}-{nanos}", std::process::id());
    let example = repo_root().join("examples/worker");
    std::fs::create_dir_all(world.project.path().join("src")).unwrap();
    std::fs::copy(example.join("src/index.js"), world.project.path().join("src/index.js")).unwrap();
    let toml = std::fs::read_to_string(example.join("wrangler.toml"))
        .unwrap()
        .replace("name = \"golive-reference-worker\"", &format!("name = \"{name}\"\naccount_id = \"{CF_ACCOUNT}\""));
    std::fs::write(world.project.path().join("wrangler.toml"), toml).unwrap();
    // Its dependency (npm `stripe`), as `npm install` in the project would leave it.
    std::os::unix::fs::symlink(repo_root().join("node_modules"), world.project.path().join("node_modules")).unwrap();
    world.cloudflare.set_subdomain(CF_ACCOUNT, "acme");
    name
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_worker_and_its_kv_namespace_are_made_only_when_asked() {
    let world = World::new().await;
    let name = reference_worker(&world);
    let account = || world.cloudflare.accounts().into_iter().find(|a| a.id == CF_ACCOUNT).unwrap();

    // The plan: the two commands, what each changes; nothing made.
    let out = deploy(&world, &["--plan", "--json"]);
    let plan = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{plan:#} {}", String::from_utf8_lossy(&out.stderr));
    let actions = plan["plan"]["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{plan:#}");
    assert_eq!(actions[0]["kind"], "create_kv");
    assert_eq!(actions[0]["command"], "npx wrangler kv namespace create TIERS");
    assert!(actions[0]["changes"].as_str().unwrap().contains("wrangler.toml"));
    assert_eq!(actions[1]["kind"], "deploy");
    assert_eq!(actions[1]["command"], "npx wrangler deploy");
    assert!(actions[1]["changes"].as_str().unwrap().contains(&name));
    assert!(account().kv_namespaces.is_empty() && account().scripts.is_empty(), "the plan made nothing");

    // Never without a yes: no terminal to ask on, so it refuses and runs nothing.
    let out = deploy(&world, &["--json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out)["error"]["code"], "needs_yes");
    assert!(account().scripts.is_empty());

    // Confirmed: the namespace is made, its id written into wrangler.toml with the comments
    // kept, and the Worker deployed with that namespace bound and its workers.dev route on.
    let out = deploy(&world, &["--yes", "--json"]);
    let done = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{done:#} {}", String::from_utf8_lossy(&out.stderr));
    let namespaces = account().kv_namespaces;
    assert_eq!(namespaces.len(), 1);
    assert_eq!(namespaces[0].title, "TIERS");
    let id = namespaces[0].id.clone();
    assert_eq!(done["deployed"]["kv"][0], serde_json::json!(["TIERS", id]));
    assert_eq!(done["deployed"]["deployed"], true);
    assert_eq!(done["deployed"]["url"], format!("https://{name}.acme.workers.dev"));
    let toml = std::fs::read_to_string(world.project.path().join("wrangler.toml")).unwrap();
    assert!(toml.contains(&format!("id = \"{id}\"")), "{toml}");
    assert!(toml.contains("# Replace with the id"), "comments kept: {toml}");
    let script = account().scripts.get(&name).cloned().expect("deployed");
    assert_eq!(script.uploads, 1);
    assert_eq!(script.kv.get("TIERS"), Some(&id));
    assert!(script.workers_dev);

    // Deployed: nothing left to do, and nothing is deployed again.
    let out = deploy(&world, &["--plan", "--json"]);
    assert_eq!(json_of(&out)["plan"]["actions"], serde_json::json!([]));
    let out = deploy(&world, &["--yes", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(account().scripts[&name].uploads, 1, "a deployed Worker is left alone");

    // A crash after the namespace was made but before its id was written: the next run
    // finds it by its title and writes the same id; no second namespace.
    std::fs::write(world.project.path().join("wrangler.toml"), toml.replace(&id, "00000000000000000000000000000000"))
        .unwrap();
    let out = deploy(&world, &["--yes", "--json"]);
    let again = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{again:#}");
    assert_eq!(again["deployed"]["kv"][0], serde_json::json!(["TIERS", id]));
    assert_eq!(account().kv_namespaces.len(), 1);
    assert!(std::fs::read_to_string(world.project.path().join("wrangler.toml")).unwrap().contains(&id));
}
