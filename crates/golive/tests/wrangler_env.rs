//! wrangler is a script from the project's node_modules: it must never see golive's keys.
//! (Its own test binary: it sets process-wide variables.)

use golive::environment::{Environment, Mode};

#[tokio::test]
async fn a_wrangler_child_sees_what_it_needs_and_never_golives_keys() {
    let key = format!("{}_{}", "sk_live", "51NeverSeenByWrangler00000000000000");
    std::env::set_var("GOLIVE_STRIPE_LIVE_KEY", &key);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "unrelated-secret");
    std::env::set_var("CLOUDFLARE_API_TOKEN", "cf-token-wrangler-needs");
    std::env::set_var("HTTPS_PROXY", "http://proxy.invalid:3128");
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("wrangler");
    std::fs::write(&fake, "#!/bin/sh\nenv\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = Environment {
        mode: Mode::Real,
        stripe_base_url: None,
        wrangler_env: vec![("XDG_CONFIG_HOME".into(), dir.path().display().to_string())],
        wrangler_program: None,
        webhook_probe_base: None,
        stripe_timeout: None,
        cloudflare_token: Default::default(),
    };
    let out = golive::wrangler::run(&fake, &["--version"], dir.path(), &env).await.unwrap();
    let seen = out.stdout;
    assert!(!seen.contains(&key) && !seen.contains("GOLIVE_"), "{seen}");
    assert!(!seen.contains("AWS_SECRET_ACCESS_KEY"), "{seen}");
    for needed in [
        "PATH=",
        "HOME=",
        "CLOUDFLARE_API_TOKEN=cf-token-wrangler-needs",
        "HTTPS_PROXY=",
        "WRANGLER_SEND_METRICS=false",
    ] {
        assert!(seen.contains(needed), "{needed} missing: {seen}");
    }
    assert!(seen.contains(&format!("XDG_CONFIG_HOME={}", dir.path().display())), "the environment's own: {seen}");
}
