//! `golive cloudflare token|login|forget` against the Cloudflare stand-in and the real
//! wrangler: a pasted token is checked by Cloudflare, kept in the (private) keyring, given to
//! every later wrangler run in its environment only, and forgotten on request; a refused one
//! changes nothing. `wrangler login` opens a browser and an OAuth page on the internet, so its
//! launch and result handling run against a fake wrangler that behaves as the real one prints.

use golive_testkit::{all_text_under, argv_log, assert_no_key_in, recording_wrangler};
use std::path::Path;
use std::process::Output;

mod support;

use support::{json_of, World};

/// `golive <args>` with `stdin_text` on standard input and no CLOUDFLARE_API_TOKEN of its own.
fn run(world: &World, wrangler: &Path, args: &[&str], stdin_text: &str) -> Output {
    let mut cmd = world.command(wrangler);
    cmd.env_remove("CLOUDFLARE_API_TOKEN").args(args);
    support::with_stdin(cmd, stdin_text)
}

fn connect(world: &World, wrangler: &Path) -> serde_json::Value {
    let project = world.project.path().to_str().unwrap().to_string();
    let out = run(
        world,
        wrangler,
        &["connect", "--json", "--keys-stdin", "--project", &project],
        &format!("{}\n{}\n", world.test_key, world.live_key),
    );
    json_of(&out)
}

fn login_finding(report: &serde_json::Value) -> serde_json::Value {
    report["findings"].as_array().unwrap().iter().find(|f| f["check"] == "worker.login").cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_token_is_verified_kept_and_used_by_wrangler_then_forgotten() {
    let world = World::new().await;
    let wrangler = recording_wrangler(world.data.path());
    let project = world.project.path().to_str().unwrap().to_string();

    // No login at all: Connect says so, and points at golive's own ways to log in.
    let report = connect(&world, &wrangler);
    assert_eq!(report["passed"], false, "{report:#}");
    let finding = login_finding(&report);
    assert_eq!(finding["status"], "fail", "{report:#}");
    assert!(finding["fix"].as_str().unwrap().contains("golive cloudflare token"), "{finding:#}");

    // A token Cloudflare does not know: refused with Cloudflare's reason and the fix;
    // nothing is kept, and Connect still has no login.
    let unknown = "UnknownToken0123456789abcdefghijklmnopqrst";
    let out = run(&world, &wrangler, &["cloudflare", "token", "--json", "--project", &project], unknown);
    let refused = json_of(&out);
    assert_eq!(out.status.code(), Some(3), "{refused:#}");
    assert_eq!(refused["error"]["code"], "cloudflare_token_refused");
    assert!(refused["error"]["message"].as_str().unwrap().contains("Invalid API Token"), "{refused:#}");
    assert!(refused["error"]["fix"].as_str().unwrap().contains("dash.cloudflare.com/profile/api-tokens"));
    assert_eq!(login_finding(&connect(&world, &wrangler))["status"], "fail");

    // Not a token at all: refused before anything is sent.
    let sent = world.cloudflare.requests().len();
    let out =
        run(&world, &wrangler, &["cloudflare", "token", "--json", "--project", &project], "CLOUDFLARE_API_TOKEN=abc\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out)["error"]["code"], "cloudflare_token_format");
    assert_eq!(world.cloudflare.requests().len(), sent, "nothing reached Cloudflare");

    // A real token, pasted with the line break a terminal adds: verified, kept, and from
    // now on every golive run gives it to wrangler — Connect passes with no token in its
    // own environment.
    let token = "PastedToken_0123456789-abcdefghijklmnopq";
    world.cloudflare.add_token(token);
    let out = run(&world, &wrangler, &["cloudflare", "token", "--json", "--project", &project], &format!("{token}\n"));
    let login = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{login:#} {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(login["cloudflare"]["email"], "dev@example.com");
    assert_eq!(login["cloudflare"]["accounts"][0]["id"], support::CF_ACCOUNT);
    assert!(
        world.cloudflare.requests().iter().any(|r| r == "GET /user/tokens/verify"),
        "Cloudflare checked it: {:?}",
        world.cloudflare.requests()
    );
    let report = connect(&world, &wrangler);
    assert_eq!(report["passed"], true, "{report:#}");
    assert_eq!(login_finding(&report)["status"], "pass");

    // Never on argv, in the output, or in golive's files.
    let argv = std::fs::read_to_string(argv_log(world.data.path())).unwrap();
    assert!(argv.contains("whoami --json"), "{argv}");
    let everything = format!("{argv}\n{login}\n{report}\n{}", all_text_under(world.data.path()));
    assert_no_key_in("argv, output or golive's files", &everything, &[token]);

    // Forgotten: the next run has no login again.
    let out = run(&world, &wrangler, &["cloudflare", "forget", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cloudflare/account@127.0.0.1"));
    assert_eq!(login_finding(&connect(&world, &wrangler))["status"], "fail");
}

/// A wrangler that logs in as the real one does: `login` prints the link it opens, then
/// either succeeds (and `whoami` reports the user) or times out as wrangler does when the
/// browser never answers.
fn fake_wrangler(dir: &Path, login_works: bool) -> std::path::PathBuf {
    let path = dir.join("fake-wrangler");
    let marker = dir.join("logged-in");
    let login = if login_works {
        format!("touch '{}'\necho 'Successfully logged in.'\nexit 0", marker.display())
    } else {
        "echo '✘ [ERROR] Timed out waiting for authorization code, please try again.' >&2\nexit 1".to_string()
    };
    let script = format!(
        r#"#!/bin/sh
case "$1" in
  --version) echo "4.86.0" ;;
  login)
    [ -n "$CLOUDFLARE_API_TOKEN" ] && {{ echo "✘ [ERROR] You are logged in with an API Token. Unset the CLOUDFLARE_API_TOKEN in the environment to log in via OAuth." >&2; exit 1; }}
    echo "Attempting to login via OAuth..."
    echo "Opening a link in your default browser: https://dash.cloudflare.com/oauth2/auth?response_type=code&client_id=54d11594"
    {login} ;;
  whoami)
    if [ -f '{marker}' ]; then echo '{{"loggedIn":true,"authType":"OAuth Token","email":"founder@example.com","accounts":[{{"id":"acc1","name":"Founder"}}]}}'
    else echo '{{"loggedIn":false}}'; fi ;;
  *) exit 1 ;;
esac
"#,
        marker = marker.display()
    );
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn wrangler_login_is_run_for_the_user_and_its_result_read() {
    let world = World::new().await;
    let project = world.project.path().to_str().unwrap().to_string();

    let broken = tempfile::tempdir().unwrap();
    let out = run(&world, &fake_wrangler(broken.path(), false), &["cloudflare", "login", "--project", &project], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("Timed out waiting for authorization code"), "the reason wrangler gave: {stderr}");
    assert!(stderr.contains("paste an API token"), "the other way in: {stderr}");

    let works = tempfile::tempdir().unwrap();
    let out = run(&world, &fake_wrangler(works.path(), true), &["cloudflare", "login", "--project", &project], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("https://dash.cloudflare.com/oauth2/auth"),
        "the link to open by hand is passed on: {stderr}"
    );
    assert!(stdout.contains("founder@example.com"), "{stdout}");
}
