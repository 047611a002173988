//! The project folder, read-only: plaintext `STRIPE_*` vars in the wrangler config, local
//! secret files git would commit, test-mode object ids left in code or config (each resolved
//! with the live key: Stripe's "a similar object exists in test mode" proves it), how the
//! Worker pins Stripe's API version, publishable test keys and self-hosted Stripe.js in
//! front-end files, and the webhook handler's shape (raw body, `constructEventAsync`). Each
//! finding names file:line and the fix; a heuristic that can be wrong is a warning.

use crate::findings::{Finding, Status};
use crate::stripe_api::{ApiFailure, Client};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A text file of the project: its path from the project folder, and its text.
pub struct SourceFile {
    pub rel: String,
    pub text: String,
}

const SKIP_DIRS: [&str; 10] =
    ["node_modules", ".git", ".wrangler", "target", "dist", "build", ".next", ".svelte-kit", "coverage", ".turbo"];
const SOURCE_EXT: [&str; 17] = [
    "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "vue", "svelte", "astro", "html", "json", "jsonc", "toml",
    "yaml", "yml",
];
const LOCKFILES: [&str; 4] = ["package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb"];
const MAX_FILE: u64 = 1024 * 1024;

/// Local env files (`.env`, `.env.production`, `.dev.vars`, `.dev.vars.staging`).
pub fn is_env_file(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.") || name == ".dev.vars" || name.starts_with(".dev.vars.")
}

/// The project's text files golive reads (source, config, env files), sorted by path.
pub fn read_files(dir: &Path) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir() && e.depth() > 0 && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.metadata().map(|m| m.len() <= MAX_FILE).unwrap_or(false))
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            let ext = e.path().extension().map(|x| x.to_string_lossy().to_lowercase()).unwrap_or_default();
            is_env_file(&name) || (SOURCE_EXT.contains(&ext.as_str()) && !LOCKFILES.contains(&name.as_ref()))
        })
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            let rel = e.path().strip_prefix(dir).ok()?.to_string_lossy().replace('\\', "/");
            Some(SourceFile { rel, text })
        })
        .collect();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

fn is_code(rel: &str) -> bool {
    let ext = rel.rsplit('.').next().unwrap_or("");
    ["js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "vue", "svelte", "astro"].contains(&ext)
}

fn is_front_end(rel: &str) -> bool {
    let ext = rel.rsplit('.').next().unwrap_or("");
    ["html", "jsx", "tsx", "vue", "svelte", "astro"].contains(&ext)
        || rel.starts_with("public/")
        || rel.starts_with("src/pages/")
        || rel.starts_with("app/")
        || rel.starts_with("frontend/")
        || rel.starts_with("web/")
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("the pattern compiles"))
}

/// `STRIPE_*` names under `vars` (top level and each environment) of the wrangler config.
pub fn config_vars(dir: &Path) -> Vec<Finding> {
    let Ok(crate::connect::worker_config::VarNames { file, text, names: vars }) =
        crate::connect::worker_config::var_names(dir)
    else {
        return Vec::new();
    };
    let rel = file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
    let mut findings = Vec::new();
    for (env, name) in vars.into_iter().filter(|(_, n)| n.starts_with("STRIPE_")) {
        let line = text.find(&name).map(|i| line_of(&text, i)).unwrap_or(1);
        let scope = env.map(|e| format!(" (env “{e}”)")).unwrap_or_default();
        let at = format!("{rel}:{line}: {name} under vars{scope}");
        let pushed = name.starts_with("STRIPE_PRICE_ID_") || name == "STRIPE_PORTAL_CONFIG_ID";
        findings.push(if name.contains("SECRET") || name.contains("KEY") && !name.contains("PUBLISHABLE") {
            Finding::fail(
                "audit.repo.config_vars",
                format!("{name} is plaintext config, readable by anyone with the repository or the dashboard"),
                at,
                format!("Delete {name} from vars in {rel} (and roll the value if it was real: golive Rotate); golive's Secrets step keeps it as an encrypted secret."),
            )
        } else if pushed {
            Finding::warn(
                "audit.repo.config_vars",
                format!("{name} is both a var and a secret golive pushes"),
                at,
                format!("A Worker cannot have a var and a secret of the same name: delete {name} from vars in {rel}; the Secrets step sets it."),
            )
        } else {
            Finding::warn(
                "audit.repo.config_vars",
                format!("{name} is plaintext config"),
                at,
                "Keep Stripe values that are not public as secrets (`npx wrangler secret put`), not vars.",
            )
        });
    }
    findings
}

/// Test-mode ids in code or config, each resolved with the live key.
pub async fn test_ids(files: &[SourceFile], client: &Client, live_ids: &[String]) -> Result<Vec<Finding>, ApiFailure> {
    static ID: OnceLock<Regex> = OnceLock::new();
    let id_re = re(&ID, r"\b(price|prod|bpc|promo)_[0-9A-Za-z]{10,}\b");
    let mut seen: Vec<(String, String)> = Vec::new();
    for f in files.iter().filter(|f| !f.rel.ends_with(".md")) {
        for m in id_re.find_iter(&f.text) {
            let id = m.as_str().to_string();
            if !live_ids.contains(&id) && !seen.iter().any(|(s, _)| *s == id) && seen.len() < 50 {
                seen.push((id, format!("{}:{}", f.rel, line_of(&f.text, m.start()))));
            }
        }
    }
    let mut findings = Vec::new();
    for (id, at) in seen {
        let path = match id.split('_').next().unwrap_or("") {
            "price" => format!("/prices/{id}"),
            "prod" => format!("/products/{id}"),
            "bpc" => format!("/billing_portal/configurations/{id}"),
            _ => format!("/promotion_codes/{id}"),
        };
        match client.get::<serde_json::Value>(&path).await {
            Ok(_) => {}
            Err(ApiFailure::Refused { status: 404, detail }) if detail.message.contains("exists in test mode") => {
                findings.push(Finding::fail(
                    "audit.repo.test_ids",
                    format!("{id} is a test-mode id: live payments with it fail"),
                    format!("{at}: Stripe says “{}”", detail.message),
                    "Use the live object's id instead — golive's Catalog step pushed each live price id to the Worker as STRIPE_PRICE_ID_<TIER>: read it from env there.",
                ));
            }
            Err(ApiFailure::Refused { status: 404, detail }) => findings.push(Finding::warn(
                "audit.repo.test_ids",
                format!("{id} does not exist in live mode"),
                format!("{at}: {}", detail.message),
                "Check where this id comes from: a live object's id works, an old or made-up one fails at payment time.",
            )),
            Err(other) => return Err(other),
        }
    }
    Ok(findings)
}

/// How the Worker pins Stripe's API version, against the live endpoint's and the SDK's.
pub fn api_version(files: &[SourceFile], dir: &Path, endpoint_version: Option<&str>) -> Finding {
    static CLIENT: OnceLock<Regex> = OnceLock::new();
    static PINNED: OnceLock<Regex> = OnceLock::new();
    static HEADER: OnceLock<Regex> = OnceLock::new();
    let client_re = re(&CLIENT, r"new\s+Stripe\s*\(");
    let pinned_re = re(&PINNED, r#"apiVersion\s*:\s*['"`]([^'"`]+)['"`]"#);
    let header_re = re(&HEADER, r#"(?i)['"]?Stripe-Version['"]?\s*[:,]\s*['"`]([^'"`]+)['"`]"#);
    let sdk = stripe_sdk_version(dir).map(|v| format!("; stripe {v} in package-lock.json")).unwrap_or_default();
    let pinned_version = endpoint_version.unwrap_or(crate::webhook::PINNED_API_VERSION);
    let id = "audit.repo.api_version";
    for f in files.iter().filter(|f| is_code(&f.rel)) {
        let found =
            client_re.find(&f.text).map(|m| (m.start(), f.text[m.start()..].chars().take(400).collect::<String>()));
        let header = header_re.captures(&f.text).map(|c| (c.get(0).map(|m| m.start()).unwrap_or(0), c[1].to_string()));
        let (at, version) = match (&found, header) {
            (Some((start, call)), _) => (*start, pinned_re.captures(call).map(|c| c[1].to_string())),
            (None, Some((start, v))) => (start, Some(v)),
            (None, None) => continue,
        };
        let place = format!("{}:{}", f.rel, line_of(&f.text, at));
        return match version {
            Some(v) if v == pinned_version => {
                Finding::pass(id, "The Worker pins the same API version as its webhook endpoint", format!("{place}: {v}{sdk}"))
            }
            Some(v) => Finding::warn(
                id,
                "The Worker asks Stripe for another API version than its webhook endpoint sends",
                format!("{place}: apiVersion {v}; the live endpoint sends events at {pinned_version}{sdk}"),
                format!("Objects read from the API and from events then differ in shape: set apiVersion to \"{pinned_version}\" (and the stripe package that matches it), or rotate the webhook to an endpoint at {v}."),
            ),
            None => Finding::warn(
                id,
                "The Worker's Stripe client does not pin an API version",
                format!("{place}: new Stripe(…) without apiVersion{sdk}"),
                format!("Pin it, so a package upgrade cannot change what Stripe sends: `new Stripe(env.STRIPE_SECRET_KEY, {{ apiVersion: \"{pinned_version}\" }})`."),
            ),
        };
    }
    Finding::pass(
        id,
        "The Worker makes no Stripe API calls of its own",
        format!("no `new Stripe(` or Stripe-Version in the code{sdk}"),
    )
}

fn stripe_sdk_version(dir: &Path) -> Option<String> {
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package-lock.json")).ok()?).ok()?;
    lock.get("packages")?.get("node_modules/stripe")?.get("version")?.as_str().map(str::to_string)
}

/// Publishable test keys where production builds read them, and Stripe.js served from
/// anywhere but js.stripe.com.
pub fn front_end(files: &[SourceFile]) -> Vec<Finding> {
    static PK: OnceLock<Regex> = OnceLock::new();
    static ENV_PK: OnceLock<Regex> = OnceLock::new();
    static SCRIPT: OnceLock<Regex> = OnceLock::new();
    let pk_re = re(&PK, r"\bpk_test_[0-9A-Za-z]{10,}");
    let env_re = re(
        &ENV_PK,
        r"(?m)^\s*(?:export\s+)?((?:VITE_|NEXT_PUBLIC_|PUBLIC_|REACT_APP_)[A-Z0-9_]*)\s*=\s*['\x22]?pk_test_",
    );
    let script_re = re(&SCRIPT, r#"<script[^>]*\bsrc\s*=\s*['"]([^'"]*stripe[^'"]*\.js[^'"]*)['"]"#);
    let mut findings = Vec::new();
    for f in files {
        let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
        let production_env = name == ".env" || name.starts_with(".env.production");
        if production_env {
            for c in env_re.captures_iter(&f.text) {
                let at = format!("{}:{}", f.rel, line_of(&f.text, c.get(0).map(|m| m.start()).unwrap_or(0)));
                findings.push(Finding::fail(
                    "audit.repo.publishable_key",
                    format!("{} holds a test publishable key for production builds", &c[1]),
                    format!("{at}: {}=pk_test_…", &c[1]),
                    "Use the live publishable key (pk_live_…, Dashboard → API keys) in the production env file: with a test key, live customers' cards are refused.",
                ));
            }
        } else if is_front_end(&f.rel) && !is_env_file(name) {
            if let Some(m) = pk_re.find(&f.text) {
                findings.push(Finding::warn(
                    "audit.repo.publishable_key",
                    "A test publishable key is written in front-end code",
                    format!("{}:{}: pk_test_…", f.rel, line_of(&f.text, m.start())),
                    "Read the publishable key from the build's environment (live key for production), not a literal.",
                ));
            }
        }
        for c in script_re.captures_iter(&f.text) {
            let src = &c[1];
            if !src.starts_with("https://js.stripe.com/") {
                findings.push(Finding::fail(
                    "audit.repo.stripe_js",
                    "Stripe.js is loaded from somewhere other than js.stripe.com",
                    format!("{}:{}: <script src=\"{src}\">", f.rel, line_of(&f.text, c.get(0).map(|m| m.start()).unwrap_or(0))),
                    "Load it from https://js.stripe.com/v3/ (or with @stripe/stripe-js's loadStripe): Stripe requires it for PCI compliance and fraud signals, and a copy goes stale.",
                ));
            }
        }
        if matches!(name, "stripe.js" | "stripe.min.js" | "stripe-v3.js") {
            findings.push(Finding::warn(
                "audit.repo.stripe_js",
                "A copy of Stripe.js seems to be in the project",
                f.rel.clone(),
                "Load Stripe.js from https://js.stripe.com/v3/ (or @stripe/stripe-js's loadStripe) and delete the copy.",
            ));
        }
    }
    findings
}

/// The webhook handler's shape: raw body read before verifying, and the async verification
/// Workers need.
pub fn webhook_handler(files: &[SourceFile]) -> Vec<Finding> {
    static VERIFY: OnceLock<Regex> = OnceLock::new();
    static PARSE: OnceLock<Regex> = OnceLock::new();
    static RAW: OnceLock<Regex> = OnceLock::new();
    let verify_re = re(&VERIFY, r"constructEvent(Async)?\s*\(");
    let parse_re = re(&PARSE, r"\b(?:request|req|c\.req)\.json\s*\(\s*\)");
    let raw_re = re(&RAW, r"\.(?:text|arrayBuffer)\s*\(\s*\)");
    let mut findings = Vec::new();
    for f in files.iter().filter(|f| is_code(&f.rel)) {
        let Some(first) = verify_re.captures(&f.text) else { continue };
        let at = |byte: usize| format!("{}:{}", f.rel, line_of(&f.text, byte));
        let start = first.get(0).map(|m| m.start()).unwrap_or(0);
        if let Some(sync) = verify_re.captures_iter(&f.text).find(|c| c.get(1).is_none()) {
            findings.push(Finding::fail(
                "audit.repo.webhook_handler",
                "The webhook handler verifies with constructEvent, which throws on Workers",
                format!("{}: constructEvent(…)", at(sync.get(0).map(|m| m.start()).unwrap_or(0))),
                "Use the async form Workers need: `await stripe.webhooks.constructEventAsync(body, signature, env.STRIPE_WEBHOOK_SECRET, undefined, Stripe.createSubtleCryptoProvider())`.",
            ));
        }
        if let Some(parse) = parse_re.find(&f.text).filter(|m| m.start() < start) {
            findings.push(Finding::warn(
                "audit.repo.webhook_handler",
                "The request body seems to be parsed before the signature is verified",
                format!("{}: {}", at(parse.start()), parse.as_str()),
                "Verify the raw text: `const body = await request.text()` and pass that to constructEventAsync; a parsed and re-serialised body never matches Stripe's signature.",
            ));
        }
        if !raw_re.is_match(&f.text) {
            findings.push(Finding::warn(
                "audit.repo.webhook_handler",
                "The webhook handler does not seem to read the raw body",
                format!("{}: no request.text() or arrayBuffer() in this file", at(start)),
                "Read the body with `await request.text()` and verify that exact text.",
            ));
        }
        if findings.iter().all(|f| f.check != "audit.repo.webhook_handler") {
            findings.push(Finding::pass(
                "audit.repo.webhook_handler",
                "The webhook handler reads the raw body and verifies it with constructEventAsync",
                at(start),
            ));
        }
    }
    findings
}

/// Local secret files (`.dev.vars`, `.env…`) git would commit: tracked is a failure, not
/// ignored a warning.
pub fn local_secret_files(dir: &Path, files: &[SourceFile]) -> Vec<Finding> {
    let env_files: Vec<&SourceFile> =
        files.iter().filter(|f| is_env_file(f.rel.rsplit('/').next().unwrap_or(&f.rel))).collect();
    if env_files.is_empty() {
        return Vec::new();
    }
    let Ok(repo) = gix::discover(dir) else { return Vec::new() };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else { return Vec::new() };
    let tracked: Vec<String> = repo
        .index_or_empty()
        .map(|index| index.entries().iter().map(|e| e.path(&index).to_string()).collect())
        .unwrap_or_default();
    let mut findings = Vec::new();
    for f in env_files {
        let in_repo = relative_to(&workdir, &dir.join(&f.rel));
        let holds_secret = !crate::audit::history::find_secrets(&f.text).is_empty();
        if tracked.contains(&in_repo) {
            findings.push(Finding::fail(
                "audit.repo.local_secrets",
                format!("{} is committed to git", f.rel),
                format!("{in_repo} is tracked{}", if holds_secret { " and holds a Stripe secret" } else { "" }),
                format!(
                    "`git rm --cached {in_repo}`, add it to .gitignore, and roll any real key it held (golive Rotate)."
                ),
            ));
        } else if !ignored(&workdir, &in_repo) {
            let f2 = if holds_secret { Finding::fail } else { Finding::warn };
            findings.push(f2(
                "audit.repo.local_secrets",
                format!("{} is not ignored by git", f.rel),
                format!(
                    "{in_repo}: `git add .` would commit it{}",
                    if holds_secret { ", with the Stripe secret it holds" } else { "" }
                ),
                format!("Add `{}` to .gitignore.", f.rel.rsplit('/').next().unwrap_or(&f.rel)),
            ));
        }
    }
    findings
}

fn relative_to(root: &Path, path: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root).map(PathBuf::from).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Whether git ignores `rel` (from the working tree's root): .git/info/exclude, then each
/// .gitignore from the root down to the file's folder, the deepest match winning — read with
/// ripgrep's `ignore` crate, which follows git's rules.
fn ignored(workdir: &Path, rel: &str) -> bool {
    use ignore::gitignore::Gitignore;
    let path = workdir.join(rel);
    let mut sources = vec![(workdir.to_path_buf(), workdir.join(".git/info/exclude"))];
    let parts: Vec<&str> = rel.split('/').collect();
    for i in 0..parts.len() {
        let folder = workdir.join(parts[..i].join("/"));
        sources.push((folder.clone(), folder.join(".gitignore")));
    }
    let mut ignored = false;
    for (root, file) in sources.into_iter().filter(|(_, f)| f.is_file()) {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(&root);
        builder.add(&file);
        let matcher = builder.build().unwrap_or_else(|_| Gitignore::empty());
        match matcher.matched_path_or_any_parents(&path, false) {
            ignore::Match::Ignore(_) => ignored = true,
            ignore::Match::Whitelist(_) => ignored = false,
            ignore::Match::None => {}
        }
    }
    ignored
}

/// Whether any finding failed.
pub fn failed(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.status == Status::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile { rel: rel.into(), text: text.into() }
    }

    #[test]
    fn ignore_files_are_read_as_git_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("api")).unwrap();
        std::fs::write(dir.path().join(".gitignore"), ".dev.vars*\n.env.*\n").unwrap();
        std::fs::write(dir.path().join("api/.gitignore"), "!.env.production\n").unwrap();
        assert!(ignored(dir.path(), "api/.dev.vars"));
        assert!(ignored(dir.path(), "api/.env.local"));
        assert!(!ignored(dir.path(), "api/.env.production"), "the deeper file's negation wins");
        assert!(!ignored(dir.path(), ".env"));
    }

    #[test]
    fn the_handler_is_read_for_sync_verification_and_parsing_before_it() {
        let bad = file(
            "src/index.js",
            "export default { async fetch(request, env) {\n  const event = await request.json();\n  stripe.webhooks.constructEvent(JSON.stringify(event), sig, env.S);\n} }\n",
        );
        let findings = webhook_handler(&[bad]);
        let titles: Vec<&str> = findings.iter().map(|f| f.title.as_str()).collect();
        assert!(
            findings.iter().any(|f| f.status == Status::Fail && f.detail.starts_with("src/index.js:3")),
            "{titles:?}"
        );
        assert!(findings.iter().any(|f| f.detail.starts_with("src/index.js:2: request.json()")), "{titles:?}");
        let good = file(
            "src/index.js",
            "const body = await request.text();\nawait stripe.webhooks.constructEventAsync(body, sig, s);\n",
        );
        let findings = webhook_handler(&[good]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Pass);
    }

    #[test]
    fn publishable_test_keys_in_production_env_files_and_self_hosted_stripe_js_are_caught() {
        // A made-up publishable key, built at run time.
        let line = format!("VITE_STRIPE_KEY={}_{}\n", "pk_test", "FAKE0publishable0key");
        let files = [
            file(".env.production", &line),
            file(".env.development", &line),
            file(
                "public/index.html",
                "<script src=\"/vendor/stripe.js\"></script>\n<script src=\"https://js.stripe.com/v3/\"></script>",
            ),
        ];
        let findings = front_end(&files);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings[0].detail.starts_with(".env.production:1: VITE_STRIPE_KEY"));
        assert!(findings[1].detail.contains("/vendor/stripe.js"));
    }
}
