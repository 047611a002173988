//! How the CLI prints: findings as lines while they land (to stderr) and a summary (stdout),
//! or one JSON document with --json.

use golive::catalog::plan::{Action, CatalogPlan};
use golive::catalog::portal::{PortalOutcome, PORTAL_VAR};
use golive::catalog::price_ids::PriceIdVar;
use golive::catalog::ApplyOutcome;
use golive::connect::ConnectReport;
use golive::findings::{Finding, Status};
use golive::progress::StepEvent;
use golive::secrets::{SecretStatus, SecretsRecord};
use golive::verify::VerifyReport;
use golive::webhook::{Action as WebhookAction, Role, WebhookOutcome, WebhookPlan};
use golive::wizard::{GoLiveOutcome, Problem, StepStatus};
use serde_json::json;

pub struct Printer {
    pub json: bool,
}

impl Printer {
    /// The progress of a step as it runs, to stderr (text mode only): each finding the
    /// moment it lands, and each write.
    pub fn sink(&self) -> impl Fn(StepEvent) + Send + Sync {
        let json = self.json;
        move |event| {
            if json {
                return;
            }
            match event {
                StepEvent::Finding { finding, .. } => eprintln!("{}", line(&finding)),
                StepEvent::Progress(p) if p.item.is_empty() && p.done < p.total => eprintln!("… {}", p.message),
                StepEvent::Progress(p) if !p.item.is_empty() => {
                    eprintln!("[{}/{}] {} — {}", p.done, p.total, p.item, p.message)
                }
                StepEvent::Progress(_) => {}
            }
        }
    }

    pub fn connect_report(&self, report: &ConnectReport) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "step": "connect",
                    "passed": report.passed(),
                    "failure": report.failure_kind(),
                    "findings": report.findings,
                    "outcome": report.outcome,
                }))
                .expect("report serialises")
            );
            return;
        }
        match &report.outcome {
            Some(o) => println!(
                "Connected: Stripe account “{}” ({}), Worker “{}” via wrangler {}.",
                o.account.name, o.account.id, o.worker.config.name, o.worker.wrangler.version
            ),
            None => {
                let failed = report.findings.iter().filter(|f| f.status == Status::Fail).count();
                println!("Not connected: {failed} check(s) failed. Fix them and run `golive connect` again.");
            }
        }
    }

    pub fn catalog_plan(&self, plan: &CatalogPlan) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(plan).expect("plan serialises"));
            return;
        }
        for p in &plan.problems {
            let mark = if p.severity == golive::catalog::validate::Severity::Blocking { "✗" } else { "!" };
            println!(
                "{mark} {} ({}): {}
    fix: {}",
                p.product_name, p.product_id, p.message, p.fix
            );
        }
        let mut skipped = 0;
        for row in &plan.rows {
            let what = match &row.action {
                Action::CreateProduct => "create product".to_string(),
                Action::CreatePrice => "create price".to_string(),
                Action::CreateMeter => "create meter".to_string(),
                Action::SetDefaultPrice => "set default price".to_string(),
                Action::Live { live_id } => format!("already live ({live_id})"),
                Action::Conflict { live_id, reason } => format!("CONFLICT with {live_id}: {reason}"),
                Action::Skipped { .. } => {
                    skipped += 1;
                    continue;
                }
            };
            let tier = row.tier.as_deref().unwrap_or("-");
            println!("{tier:<12} {:<28} {:<28} {what}", row.name, row.terms.as_deref().unwrap_or(""));
            for o in &row.not_copied {
                println!("{:<12} not copied: {} — {}", "", o.field, o.reason);
            }
        }
        println!(
            "{} to create, {skipped} skipped (archived or not a tier){}",
            plan.writes(),
            if plan.blocked { "; blocked until the problems above are fixed (or --accept-suggestions)" } else { "" }
        );
    }

    pub fn apply_failures(&self, outcome: &ApplyOutcome) {
        if self.json {
            println!("{}", json!({ "created": outcome.created, "failed": outcome.failed }));
            return;
        }
        for f in &outcome.failed {
            println!("✗ {}: {}", f.name, f.reason);
        }
        println!(
            "{} created, {} failed. Run `golive catalog apply` again: it finds what was made and creates only the rest.",
            outcome.created.len(),
            outcome.failed.len()
        );
    }

    pub fn catalog_applied(&self, outcome: &ApplyOutcome, vars: &[PriceIdVar], portal: &PortalOutcome) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({ "created": outcome.created, "price_ids": vars, "portal": portal })
                )
                .expect("serialises")
            );
            return;
        }
        println!("{} object(s) created in live mode.", outcome.created.len());
        for v in vars {
            println!("{}={}    # {} — {}", v.name, v.price_id, v.tier, v.terms);
        }
        println!(
            "{PORTAL_VAR}={}    # customer portal ({})",
            portal.id,
            if portal.reused { "existing" } else { "created" }
        );
    }

    pub fn webhook_plan(&self, plan: &WebhookPlan) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "step": "webhook", "plan": plan })).expect("plan serialises")
            );
            return;
        }
        println!("Endpoint URL: {}", plan.url);
        println!("Events: {}", plan.events.join(", "));
        println!(
            "API version: {} (account default: {})",
            plan.api_version,
            plan.account_default_api_version.as_deref().unwrap_or("unknown until Stripe sends an event")
        );
        for found in &plan.endpoints {
            let role = match &found.role {
                Role::Use => "golive uses this one".to_string(),
                Role::Duplicate { reason } => format!("duplicate: {reason}"),
                Role::Other => "other".to_string(),
            };
            println!("  {} {} [{}] — {role}", found.endpoint.id, found.endpoint.url, found.endpoint.status);
        }
        for f in &plan.findings {
            println!("{}", line(f));
        }
        match &plan.action {
            WebhookAction::Create => println!("Will create a new live endpoint."),
            WebhookAction::Reuse { id, add_events, enable } => {
                println!(
                    "Will use {id}{}{}.",
                    if add_events.is_empty() { "" } else { ", adding its missing events" },
                    if *enable { ", turning it on" } else { "" }
                )
            }
        }
    }

    pub fn webhook_outcome(&self, outcome: &WebhookOutcome, project: &str, disabled: &[String]) {
        if self.json {
            let doc = json!({ "step": "webhook", "outcome": outcome, "disabled": disabled, "secret_entry": format!("{project}/live/{}", golive::webhook::SECRET_VAR) });
            println!("{}", serde_json::to_string_pretty(&doc).expect("outcome serialises"));
            return;
        }
        let verb = if outcome.created { "Created" } else { "Using" };
        println!("{verb} {} → {}", outcome.endpoint.id, outcome.endpoint.url);
        println!("Its signing secret is in the keyring as golive / {project}/live/{}.", golive::webhook::SECRET_VAR);
        for id in disabled {
            println!("Disabled the duplicate {id}.");
        }
        let left = outcome
            .plan
            .endpoints
            .iter()
            .filter(|e| matches!(e.role, Role::Duplicate { .. }) && !disabled.contains(&e.endpoint.id));
        for e in left {
            println!("! {} is another enabled endpoint for this URL; disable it with --disable-duplicates once the Worker works.", e.endpoint.id);
        }
    }

    pub fn secrets_pushed(&self, record: &SecretsRecord, statuses: &[SecretStatus]) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "step": "secrets", "record": record, "secrets": statuses }))
                    .expect("serialises")
            );
            return;
        }
        let target = match &record.env {
            Some(env) => format!("{} (--env {env})", record.script),
            None => record.script.clone(),
        };
        println!(
            "Pushed {} secrets to {target} in one version, each confirmed by `wrangler secret list`:",
            statuses.len()
        );
        for s in statuses {
            println!("  ✓ {} = {}{}", s.name, s.hint, if s.in_keyring { " (kept in the keyring)" } else { "" });
        }
    }

    pub fn verify_report(&self, report: &VerifyReport, saved: Option<&(std::path::PathBuf, std::path::PathBuf)>) {
        if self.json {
            let doc = json!({ "step": "verify", "passed": report.passed(), "report": report, "saved": saved });
            println!("{}", serde_json::to_string_pretty(&doc).expect("report serialises"));
            return;
        }
        // The verdict is the report's own (a rehearsal never reads as a go-live).
        let verdict = golive::verify::report::model(report).verdict;
        let failed = report.findings.iter().filter(|f| f.status == Status::Fail).count();
        if failed == 0 {
            let warned = report.findings.iter().filter(|f| f.status == Status::Warn).count();
            println!(
                "{verdict} {} of {} checks passed, none failed, for {} → {}.",
                report.findings.len() - warned,
                report.findings.len(),
                report.script,
                report.endpoint_url
            );
        } else {
            println!("{verdict} {failed} of {} checks failed (each with what to do, above).", report.findings.len());
        }
        if let Some((md, page)) = saved {
            println!("Report: {} and {}", md.display(), page.display());
        }
    }

    /// The audit: the verdict (findings streamed above), then the manual items.
    pub fn audit(&self, record: &golive::audit::AuditRecord) {
        let Some(report) = &record.report else { return };
        if self.json {
            let mut doc = serde_json::to_value(record.state()).expect("audit serialises");
            doc["step"] = json!("audit");
            println!("{}", serde_json::to_string_pretty(&doc).expect("audit serialises"));
            return;
        }
        let count = |s: Status| report.findings.iter().filter(|f| f.status == s).count();
        let blocking = report.blocking();
        println!(
            "Audit: {} proven, {} warnings, {} failed{} ({} commits searched in {} ms).",
            count(Status::Pass),
            count(Status::Warn),
            count(Status::Fail),
            if blocking.is_empty() { String::new() } else { format!(" — {} block the go-live", blocking.len()) },
            report.commits,
            report.elapsed_ms
        );
        self.audit_items(record);
    }

    /// The manual items, ticked or not, with how to confirm them.
    pub fn audit_items(&self, record: &golive::audit::AuditRecord) {
        let items = record.manual();
        if self.json {
            println!("{}", serde_json::to_string_pretty(&json!({ "manual": items })).expect("items serialise"));
            return;
        }
        println!("Confirmed by you (golive cannot prove these):");
        for item in &items {
            match item.confirmed_at {
                Some(at) => println!("  [x] {} — {} (confirmed {})", item.id, item.title, golive::clock::describe(at)),
                None => println!("  [ ] {} — {}", item.id, item.title),
            }
        }
        if items.iter().any(|i| i.confirmed_at.is_none()) {
            println!("Confirm one with `golive audit --confirm <item>`.");
        }
    }

    /// Who wrangler reaches Cloudflare as, after `golive cloudflare login|token`.
    pub fn cloudflare_login(&self, login: &golive::wizard::CloudflareLogin, saved_token: bool) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "cloudflare": login, "token_saved": saved_token }))
                    .expect("serialises")
            );
            return;
        }
        let who = login.email.as_deref().unwrap_or("an API token that may not read the email");
        println!("✓ wrangler reaches Cloudflare as {who}");
        for account in &login.accounts {
            println!("    account {} ({})", account.name, account.id);
        }
        if saved_token {
            println!("The token is kept in the OS keyring; every golive run gives it to wrangler. `golive cloudflare forget` removes it.");
        }
    }

    /// What `golive deploy` would run, and what each command changes.
    pub fn deploy_plan(&self, plan: &golive::deploy::DeployPlan) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(&json!({ "plan": plan })).expect("serialises"));
            return;
        }
        if plan.actions.is_empty() {
            println!(
                "✓ Cloudflare has the Worker “{}” and every KV namespace it binds: nothing to deploy.",
                plan.worker
            );
            return;
        }
        println!("In {}:", plan.folder.display());
        for action in &plan.actions {
            println!(
                "  $ {}
    {}",
                action.command, action.changes
            );
        }
    }

    /// What a deploy did.
    pub fn deploy_outcome(&self, outcome: &golive::deploy::DeployOutcome) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(&json!({ "deployed": outcome })).expect("serialises"));
            return;
        }
        for (binding, id) in &outcome.kv {
            println!("✓ KV namespace {binding}: {id} (written into the wrangler configuration)");
        }
        if outcome.deployed {
            println!("✓ Deployed{}", outcome.url.as_deref().map(|u| format!(": {u}")).unwrap_or_default());
        }
    }

    /// A link to open, alone on its line (or as JSON).
    pub fn link(&self, url: &str) {
        if self.json {
            println!("{}", json!({ "url": url }));
        } else {
            println!("{url}");
        }
    }

    /// Lists keyring entries a command saved or removed.
    pub fn entries(&self, entries: &[String]) {
        if self.json {
            println!("{}", json!({ "entries": entries }));
        } else {
            for e in entries {
                println!("keyring: {e}");
            }
        }
    }

    /// The problem that stopped a command: one JSON document on stdout, or what happened,
    /// what to do and where, on stderr.
    pub fn problem(&self, problem: &Problem) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(&json!({ "error": problem })).expect("problem serialises"));
            return;
        }
        eprintln!("✗ {}\n    What to do: {}", problem.message, problem.fix);
        if let Some(link) = &problem.link {
            eprintln!("    {}: {}", link.label, link.url);
        }
    }

    /// Each step of a go-live run, and where it stopped.
    pub fn go_live(&self, outcome: &GoLiveOutcome) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(outcome).expect("outcome serialises"));
            return;
        }
        for step in &outcome.steps {
            let (mark, said) = match step.status {
                StepStatus::Done => ("✓", "done"),
                StepStatus::AlreadyDone => ("·", "already done"),
                StepStatus::Passed => ("✓", "passed"),
                StepStatus::Declined => ("–", "stopped: you said no"),
                StepStatus::Failed => ("✗", "stopped"),
            };
            println!("{mark} {} ({said}): {}", step.step.title(), step.summary);
            if let Some(problem) = &step.problem {
                println!("    What to do: {}", problem.fix);
                if let Some(link) = &problem.link {
                    println!("    {}: {}", link.label, link.url);
                }
            }
        }
        if let Some((md, page)) = &outcome.report {
            println!("Report: {} and {}", md.display(), page.display());
        }
        if outcome.passed {
            println!("Recommended next: `golive smoke` — a real $0 purchase that proves a paying customer gets their tier (nothing is charged; the coupon is deleted after).");
        }
    }

    /// What a rotation will do.
    pub fn rotate_plan(&self, plan: &golive::rotate::RotatePlan) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(plan).expect("plan serialises"));
            return;
        }
        println!("Rotating {}:", plan.kind.title());
        for (i, step) in plan.steps.iter().enumerate() {
            println!("  {}. {step}", i + 1);
        }
        if let Some(link) = &plan.dashboard {
            println!("  {}: {}", link.label, link.url);
        }
        if let Some(open) = &plan.open {
            println!("! A rotation of {} is open: `golive rotate continue` goes on with it.", open.kind.title());
        }
        if let Some(rollout) = &plan.rollout {
            println!("! {}\n  Fix: {}", rollout.message, rollout.fix);
        }
    }

    /// Where a rotation stands: its timeline, and what it waits for.
    pub fn rotation(&self, rotation: Option<&golive::rotate::Rotation>, retiring: &[golive::rotate::Retiring]) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "rotation": rotation, "retiring": retiring }))
                    .expect("rotation serialises")
            );
            return;
        }
        match rotation {
            None => println!("No rotation is open."),
            Some(r) => {
                println!("Rotation of {} ({}):", r.kind.title(), r.id);
                for mark in &r.timeline {
                    println!("  {}  {}", golive::clock::describe(mark.at), mark.note);
                }
                match (&r.waiting, r.open()) {
                    (Some(w), _) => {
                        println!("Waiting: {}\n    What to do: {}", w.message, w.fix);
                        if let Some(link) = &w.link {
                            println!("    {}: {}", link.label, link.url);
                        }
                    }
                    (None, true) => println!("Next: {}.", golive::rotate::phase_words(r.phase)),
                    (None, false) => println!("Done. Run `golive verify` to see the whole setup proven again."),
                }
            }
        }
        for old in retiring {
            println!(
                "Kept until Stripe refuses it: {} ({}); `golive rotate continue` forgets it once its expiry has passed.",
                old.hint, old.entry
            );
        }
    }

    /// The checkout to complete, on stderr in both modes (it is needed while the command waits).
    pub fn smoke_waiting_for_checkout(&self, run: &golive::smoke::SmokeRun) {
        eprintln!(
            "Complete the checkout for the {} tier ({}) in your browser — no card is asked, the code is applied:\n  {}\nWaiting for it (the checkout stays open until {}).",
            run.tier,
            run.terms,
            run.checkout_url.as_deref().unwrap_or("(Stripe gave no link)"),
            golive::clock::describe(run.expires_at)
        );
    }

    /// The checkout is still open after the wait.
    pub fn smoke_still_open(&self, run: &golive::smoke::SmokeRun, seconds_left: i64) {
        if self.json {
            self.smoke_document(run, Some(seconds_left), None);
            return;
        }
        println!(
            "The checkout is not completed yet ({} minutes left). Complete it, then run `golive smoke` again to go on; `golive smoke --stop` ends the run and deletes its coupon.",
            seconds_left / 60
        );
    }

    /// The portal to look at, and how to answer.
    pub fn smoke_portal(&self, run: &golive::smoke::SmokeRun, link: &str) {
        if self.json {
            self.smoke_document(run, None, Some(link));
            return;
        }
        println!(
            "Open the customer portal (this link works for a few minutes; `golive smoke` makes a new one):\n  {link}\nCheck it shows the {} subscription, its $0 invoice and a way to update the payment method. Then run `golive smoke --portal ok` (or `--portal problem`): golive cancels the subscription, checks the tier goes back to free and deletes the coupon.",
            run.tier
        );
    }

    /// Where a smoke purchase ended: each sub-step's finding (streamed above in text mode).
    pub fn smoke_run(&self, run: &golive::smoke::SmokeRun) {
        if self.json {
            self.smoke_document(run, None, None);
            return;
        }
        let failed = run.findings.iter().filter(|f| f.status == Status::Fail).count();
        match run.phase {
            golive::smoke::Phase::Done if failed == 0 => println!(
                "Smoke purchase passed: a {} customer got the {} tier and went back to free on cancel. The coupon is gone.",
                run.terms, run.tier
            ),
            golive::smoke::Phase::Done => println!("Smoke purchase finished with {failed} failed check(s); each says what to fix."),
            golive::smoke::Phase::Abandoned => println!("Smoke purchase stopped; its coupon and code are gone."),
            _ => println!("Smoke purchase under way: run `golive smoke` to go on."),
        }
        if let Some(customer) = run.finding(golive::smoke::CUSTOMER) {
            println!("{}", line(customer));
        }
    }

    fn smoke_document(&self, run: &golive::smoke::SmokeRun, seconds_left: Option<i64>, portal_url: Option<&str>) {
        let doc = json!({
            "step": "smoke",
            "phase": run.phase,
            "passed": run.passed(),
            "waiting_seconds_left": seconds_left,
            "portal_url": portal_url,
            "run": run,
        });
        println!("{}", serde_json::to_string_pretty(&doc).expect("run serialises"));
    }

    /// The billing rehearsal's scenarios and the test tiers they use.
    pub fn billing_plan(&self, plan: &golive::wizard::BillingPlan) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "step": "billing", "plan": plan })).expect("plan serialises")
            );
            return;
        }
        let tiers: Vec<String> = plan.tiers.iter().map(|t| format!("{} ({})", t.tier, t.price_id)).collect();
        println!(
            "Test-mode tiers, cheapest first: {}",
            if tiers.is_empty() { "none".into() } else { tiers.join(", ") }
        );
        for s in &plan.scenarios {
            let trial = s.trial_days.map(|d| format!(", {d}-day trial")).unwrap_or_default();
            println!("{:<24} {} ({}{trial})", s.id, s.title, s.card);
            for p in &s.phases {
                println!("{:<24}   · {p}", "");
            }
        }
    }

    /// A billing rehearsal's outcome: each scenario and its phases (clock time, status,
    /// expected and kept tier).
    pub fn billing_report(&self, report: &golive::billing::BillingReport) {
        if self.json {
            let doc = json!({ "step": "billing", "passed": report.passed(), "report": report });
            println!("{}", serde_json::to_string_pretty(&doc).expect("report serialises"));
            return;
        }
        for s in &report.scenarios {
            println!("{} {} [{}]", if s.passed() { "✓" } else { "✗" }, s.title, s.tier);
            for p in &s.phases {
                let when = golive::clock::describe(p.clock_time);
                let kept = p.worker_tier.as_deref().unwrap_or("nothing");
                println!("    {when}  {:<18} expected {:<12} Worker {kept}", p.status, p.expected_tier);
                if p.finding.status == Status::Fail {
                    println!("      {}", line(&p.finding));
                }
            }
            if let Some(f) = &s.stopped {
                println!("    {}", line(f));
            }
        }
        let left = if report.clocks_left.is_empty() {
            String::new()
        } else {
            format!(
                "; not deleted: {} (delete them in the Dashboard, test mode → Billing → Test clocks)",
                report.clocks_left.join(", ")
            )
        };
        println!(
            "Billing rehearsal{}: {}. {} test clock(s) deleted{left}.",
            if report.shuffled { " (shuffled deliveries)" } else { "" },
            report.summary(),
            report.clocks_deleted
        );
    }

    /// A damaged session file, moved aside: said on stderr in both modes (stdout stays the
    /// command's one document).
    pub fn load_note(&self, note: &golive::wizard::LoadNote) {
        if let Some(backup) = &note.damaged_backup {
            eprintln!(
                "! golive's record of this project was damaged and could not be read; it was kept as {} and a new one started. The steps find what was already done in Stripe and Cloudflare when you run them again.",
                backup.display()
            );
        }
    }

    /// The rehearsal was forgotten.
    pub fn reset(&self, data_dir: &std::path::Path) {
        if self.json {
            println!("{}", json!({ "reset": "rehearsal", "data_dir": data_dir }));
        } else {
            println!("The offline rehearsal was forgotten (its made-up account, sample project and sessions); the next `golive --rehearsal …` starts anew. Nothing real was touched.");
        }
    }
}

/// What clap says about arguments it could not parse, with anything shaped like a Stripe key
/// or webhook secret cut short (a key typed as an argument must not be echoed back); returns
/// the exit code. `--help` and `--version` print as clap prints them.
pub fn usage_error(e: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand { 2 } else { 0 };
    }
    let text = mask_keys(&e.render().to_string());
    if std::env::args_os().any(|a| a == "--json") {
        let problem = Problem::invalid(
            text.lines().next().unwrap_or("").trim_start_matches("error: ").to_string(),
            "Run `golive --help` (or `golive COMMAND --help`) for the commands and flags. Keys are never arguments: give them in GOLIVE_STRIPE_TEST_KEY and GOLIVE_STRIPE_LIVE_KEY, or with --keys-stdin.",
        )
        .with_code("usage");
        Printer { json: true }.problem(&problem);
    } else {
        eprint!("{text}");
    }
    2
}

/// Replaces everything after the prefix of a key-shaped word (`sk_live_…`, `rk_test_…`,
/// `pk_…`, `whsec_…`) with an ellipsis.
pub fn mask_keys(text: &str) -> String {
    const PREFIXES: [&str; 7] = ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_", "pk_test_", "whsec_"];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, prefix)) =
        PREFIXES.iter().filter_map(|p| rest.find(p).map(|at| (at, *p))).min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at + prefix.len()]);
        let tail = &rest[at + prefix.len()..];
        let secret_len = tail.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tail.len());
        if secret_len > 0 {
            out.push('…');
        }
        rest = &tail[secret_len..];
    }
    out.push_str(rest);
    out
}

fn line(f: &Finding) -> String {
    let mark = match f.status {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
    };
    let mut text = format!("{mark} {} — {}", f.title, f.detail);
    if let Some(fix) = &f.fix {
        text.push_str(&format!("\n    fix: {fix}"));
    }
    if let Some(link) = &f.link {
        text.push_str(&format!("\n    {}: {}", link.label, link.url));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::mask_keys;

    #[test]
    fn key_shaped_words_are_cut_to_their_prefix() {
        let key = format!("{}_{}", "sk_live", "51Habcdef0123456789");
        let secret = format!("{}_{}", "whsec", "Zx9y8");
        let text = format!("error: unexpected argument '{key}' found; also {secret}.");
        let masked = mask_keys(&text);
        assert_eq!(masked, "error: unexpected argument 'sk_live_…' found; also whsec_….");
        assert_eq!(mask_keys("sk_live_ alone and no key"), "sk_live_ alone and no key");
    }
}
