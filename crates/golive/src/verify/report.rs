//! The go-live report, as Markdown and as one self-contained HTML page (no external files,
//! no scripts): account, Worker, endpoint, tiers and price ids, the portal, every check with
//! its evidence and fix, and the time. Secrets appear only as their last four characters.
//!
//! Both formats render one [`ReportModel`] built once from the [`VerifyReport`], so they
//! cannot say different things. A rehearsal (stand-ins, nothing live) is marked in the
//! title, in a banner, in the Markdown's footer, and on every printed page of the HTML.

use super::VerifyReport;
use crate::catalog::portal::PORTAL_VAR;
use crate::environment::Mode;
use crate::findings::Status;

/// What the report says, in the order it says it; the renderers only lay it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportModel {
    pub title: String,
    /// Set for a rehearsal: the mark every format shows at the top, at the bottom, and (HTML)
    /// on every printed page.
    pub rehearsal_mark: Option<String>,
    pub passed: bool,
    pub verdict: String,
    /// `(label, value)` lines: when, account, Worker, endpoint, secrets' last four.
    pub facts: Vec<(String, String)>,
    /// The Worker's id variables: every price id, then the portal configuration.
    pub ids: Vec<IdRow>,
    pub checks: Vec<CheckRow>,
    /// Each rotation: a heading, then its timeline lines.
    pub rotations: Vec<(String, Vec<String>)>,
    /// The audit: when it ran (or that it did not), its findings, and each manual item as
    /// "confirmed by you on …" or "not confirmed".
    pub audit_note: String,
    pub audit: Vec<CheckRow>,
    pub manual: Vec<String>,
    /// The smoke purchase: what was bought and what stays (or that it has not run), and
    /// each sub-step's finding.
    pub smoke_note: String,
    pub smoke: Vec<CheckRow>,
    /// The billing lifecycle on test clocks (the billing rehearsal; the word is kept for the
    /// offline rehearsal's mark): when and how it ran (or that it did not), and each phase.
    pub billing_note: String,
    pub billing: Vec<CheckRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdRow {
    pub variable: String,
    pub value: String,
    pub tier: String,
    pub terms: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub status: Status,
    pub title: String,
    pub detail: String,
    pub fix: Option<String>,
}

impl From<&crate::findings::Finding> for CheckRow {
    fn from(f: &crate::findings::Finding) -> Self {
        CheckRow { status: f.status, title: f.title.clone(), detail: f.detail.clone(), fix: f.fix.clone() }
    }
}

const REHEARSAL_MARK: &str = "REHEARSAL — a practice run on local stand-ins of Stripe and Cloudflare. Nothing here is live: this is not a go-live report.";

/// The report's content, once, for every format.
pub fn model(r: &VerifyReport) -> ReportModel {
    let rehearsal = r.mode == Mode::Rehearsal;
    let passed = r.passed();
    let warnings = r.findings.iter().filter(|f| f.status == crate::findings::Status::Warn).count();
    let worth_a_look = if warnings > 0 { format!(", with {warnings} warning(s) worth a look") } else { String::new() };
    let verdict = match (rehearsal, passed) {
        (false, true) => format!("Live and verified{worth_a_look}."),
        (false, false) => "Not ready: fix the failed checks below and verify again.".to_string(),
        (true, true) => {
            format!("Rehearsal passed{worth_a_look}: checked against the local stand-ins. Nothing is live.")
        }
        (true, false) => {
            "Rehearsal not passed: fix the failed checks below and verify again. Nothing is live.".to_string()
        }
    };
    let title = if rehearsal {
        format!("REHEARSAL (not live) — Go-live report — {}", r.script)
    } else {
        format!("Go-live report — {}", r.script)
    };
    let account = if rehearsal {
        format!("{} ({}), live mode of the local Stripe stand-in — not Stripe", r.account_name, r.account_id)
    } else {
        format!("{} ({}), live mode", r.account_name, r.account_id)
    };
    let mut facts = vec![
        ("Checked".to_string(), when(r.checked_at)),
        ("Stripe account".to_string(), account),
        (
            "Worker".to_string(),
            format!(
                "{}{}",
                r.script,
                r.worker_env.as_deref().map(|e| format!(" (wrangler --env {e})")).unwrap_or_default()
            ),
        ),
        ("Webhook endpoint".to_string(), format!("{} → {}", r.endpoint_id, r.endpoint_url)),
    ];
    facts.extend(r.secret_tails.iter().map(|(name, tail)| (name.clone(), tail.clone())));
    let mut ids: Vec<IdRow> = r
        .price_ids
        .iter()
        .map(|p| IdRow {
            variable: p.name.clone(),
            value: p.price_id.clone(),
            tier: p.tier.clone(),
            terms: p.terms.clone(),
        })
        .collect();
    if let Some(portal) = &r.portal_id {
        ids.push(IdRow {
            variable: PORTAL_VAR.to_string(),
            value: portal.clone(),
            tier: String::new(),
            terms: "customer portal".into(),
        });
    }
    let checks = r.findings.iter().map(CheckRow::from).collect();
    let rotations = r
        .rotations
        .iter()
        .map(|rot| {
            let state = if rot.finished { "done" } else { "in progress" };
            let started = rot.timeline.first().map(|(at, _)| when(*at)).unwrap_or_default();
            (
                format!("Rotation of {} — started {started}, {state}", rot.what),
                rot.timeline.iter().map(|(at, note)| format!("{}: {note}", when(*at))).collect(),
            )
        })
        .collect();
    let record = r.audit.clone().unwrap_or_default();
    let audit_note = match &record.report {
        Some(a) => format!("Audited {}: {} commits of history searched.", when(a.ran_at), a.commits),
        None => "The audit has not run for this project (`golive audit`, or Audit in the app).".into(),
    };
    let audit = record.report.iter().flat_map(|a| a.findings.iter()).map(CheckRow::from).collect();
    let manual = record
        .manual()
        .into_iter()
        .map(|i| match i.confirmed_at {
            Some(at) => format!("✓ {} — confirmed by you on {}", i.title, when(at)),
            None => format!("☐ {} — not confirmed yet", i.title),
        })
        .collect();
    let (smoke_note, smoke) = match &r.smoke {
        None => ("No smoke purchase has run for this project (`golive smoke`, or Smoke purchase in the app). It is optional, and the only proof that a real checkout gives a customer their tier.".to_string(), Vec::new()),
        Some(run) => (
            format!(
                "{} {}: the {} tier ({}) bought with a one-time 100%-off code by {}{}.",
                match run.phase {
                    crate::smoke::Phase::Done => "Ran",
                    crate::smoke::Phase::Abandoned => "Stopped",
                    _ => "Under way since",
                },
                when(run.started),
                run.tier,
                run.terms,
                run.email,
                run.customer.as_deref().map(|c| format!("; live customer {c} and invoice {} stay in Stripe", run.invoice.as_deref().unwrap_or("(none)"))).unwrap_or_default()
            ),
            run.findings.iter().map(CheckRow::from).collect(),
        ),
    };
    let (billing_note, billing) = match &r.billing {
        None => ("The billing lifecycle has not been tried on test clocks for this project (`golive rehearse-billing`, or the app's billing step): trials, renewals, failed payments and cancellations against your Worker.".to_string(), Vec::new()),
        Some(b) => (
            format!(
                "Ran {} in test mode against the Worker on this machine{}: {}. {} test clock(s) deleted{}.",
                when(b.started),
                if b.shuffled { ", every event delivered twice and out of order" } else { "" },
                b.summary(),
                b.clocks_deleted,
                if b.clocks_left.is_empty() { String::new() } else { format!("; left: {}", b.clocks_left.join(", ")) }
            ),
            b.scenarios
                .iter()
                .flat_map(|s| s.phases.iter().map(|p| &p.finding).chain(s.stopped.iter()))
                .map(CheckRow::from)
                .collect(),
        ),
    };
    ReportModel {
        smoke_note,
        smoke,
        billing_note,
        billing,
        audit_note,
        audit,
        manual,
        title,
        rehearsal_mark: rehearsal.then(|| REHEARSAL_MARK.to_string()),
        passed,
        verdict: verdict.to_string(),
        facts,
        ids,
        checks,
        rotations,
    }
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓ pass",
        Status::Warn => "! warn",
        Status::Fail => "✗ fail",
    }
}

fn when(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("{unix} (Unix time)"))
}

/// A table cell: a `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

pub fn markdown(r: &VerifyReport) -> String {
    render_markdown(&model(r))
}

fn render_markdown(m: &ReportModel) -> String {
    let mut md = format!("# {}\n\n", m.title);
    if let Some(mark) = &m.rehearsal_mark {
        md.push_str(&format!("> **{mark}**\n\n"));
    }
    md.push_str(&format!("**{}**\n\n", m.verdict));
    for (label, value) in &m.facts {
        md.push_str(&format!("- {label}: {value}\n"));
    }
    md.push_str("\n## Tiers and price IDs\n\n| Variable | Value | Tier | Terms |\n|---|---|---|---|\n");
    for row in &m.ids {
        md.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            cell(&row.variable),
            cell(&row.value),
            cell(&row.tier),
            cell(&row.terms)
        ));
    }
    md.push_str("\n## Checks\n\n");
    push_checks(&mut md, &m.checks);
    md.push_str(&format!("\n## Audit\n\n{}\n\n", m.audit_note));
    push_checks(&mut md, &m.audit);
    md.push_str("\nConfirmed by hand:\n\n");
    for line in &m.manual {
        md.push_str(&format!("- {line}\n"));
    }
    md.push_str(&format!("\n## Smoke purchase\n\n{}\n\n", m.smoke_note));
    push_checks(&mut md, &m.smoke);
    md.push_str(&format!("\n## Billing lifecycle on test clocks\n\n{}\n\n", m.billing_note));
    push_checks(&mut md, &m.billing);
    if !m.rotations.is_empty() {
        md.push_str("\n## Rotations\n");
        for (heading, lines) in &m.rotations {
            md.push_str(&format!("\n**{heading}**\n\n"));
            for line in lines {
                md.push_str(&format!("- {line}\n"));
            }
        }
    }
    if let Some(mark) = &m.rehearsal_mark {
        md.push_str(&format!("\n---\n\n**{mark}**\n"));
    }
    md
}

fn push_checks(md: &mut String, checks: &[CheckRow]) {
    for c in checks {
        md.push_str(&format!("- **{}** — {}\n  - {}\n", mark(c.status), c.title, c.detail));
        if let Some(fix) = &c.fix {
            md.push_str(&format!("  - What to do: {fix}\n"));
        }
    }
}

/// Writes `go-live-report.md` and `go-live-report.html` into `dir`; returns their paths.
pub fn save(r: &VerifyReport, dir: &std::path::Path) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let (md, page) = (dir.join("go-live-report.md"), dir.join("go-live-report.html"));
    let m = model(r);
    std::fs::write(&md, render_markdown(&m))?;
    std::fs::write(&page, render_html(&m))?;
    Ok((md, page))
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn html(r: &VerifyReport) -> String {
    render_html(&model(r))
}

fn render_html(m: &ReportModel) -> String {
    let facts: String = m.facts.iter().map(|(l, v)| format!("<li>{}: {}</li>", esc(l), esc(v))).collect();
    let ids: String = m
        .ids
        .iter()
        .map(|row| {
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&row.variable),
                esc(&row.value),
                esc(&row.tier),
                esc(&row.terms)
            )
        })
        .collect();
    let checks = html_checks(&m.checks);
    let audit_checks = html_checks(&m.audit);
    let manual: String = m.manual.iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
    let audit = format!(
        "<h2>Audit</h2><p>{}</p><ul>{audit_checks}</ul><p>Confirmed by hand:</p><ul>{manual}</ul>",
        esc(&m.audit_note)
    );
    let rotations: String = m
        .rotations
        .iter()
        .map(|(heading, lines)| {
            let items: String = lines.iter().map(|l| format!("<li>{}</li>", esc(l))).collect();
            format!("<h3>{}</h3><ul>{items}</ul>", esc(heading))
        })
        .collect();
    let smoke = format!("<h2>Smoke purchase</h2><p>{}</p><ul>{}</ul>", esc(&m.smoke_note), html_checks(&m.smoke));
    let billing = format!(
        "<h2>Billing lifecycle on test clocks</h2><p>{}</p><ul>{}</ul>",
        esc(&m.billing_note),
        html_checks(&m.billing)
    );
    let sections = format!(
        "{audit}{smoke}{billing}{}",
        if rotations.is_empty() { String::new() } else { format!("<h2>Rotations</h2>{rotations}") }
    );
    render_page(m, &facts, &ids, &checks, &sections)
}

fn html_checks(checks: &[CheckRow]) -> String {
    checks
        .iter()
        .map(|c| {
            let class = match c.status {
                Status::Pass => "pass",
                Status::Warn => "warn",
                Status::Fail => "fail",
            };
            let fix = c
                .fix
                .as_deref()
                .map(|x| format!("<div class=\"fix\">What to do: {}</div>", esc(x)))
                .unwrap_or_default();
            format!(
                "<li class=\"{class}\"><strong>{}</strong> {}<div>{}</div>{fix}</li>",
                mark(c.status),
                esc(&c.title),
                esc(&c.detail)
            )
        })
        .collect()
}

/// The page around its parts (`sections`: the audit and the rotations).
fn render_page(m: &ReportModel, facts: &str, ids: &str, checks: &str, sections: &str) -> String {
    // A rehearsal's mark sits in a fixed header and footer: browsers repeat fixed elements
    // on every printed page, so no page of a printout passes for a go-live.
    let (mark_style, mark_top, mark_bottom) = match &m.rehearsal_mark {
        Some(mark) => (
            ".mark{position:fixed;left:0;right:0;padding:6px 1em;background:#c4231c;color:#fff;font-weight:700;\
text-align:center;z-index:1;-webkit-print-color-adjust:exact;print-color-adjust:exact}.mark.top{top:0}\
.mark.bottom{bottom:0}body{padding-top:4.5em;padding-bottom:4.5em}.banner{border:3px solid #c4231c;padding:.5em 1em}"
                .to_string(),
            format!(
                "<div class=\"mark top\">{}</div><p class=\"banner\"><strong>{}</strong></p>",
                esc(mark),
                esc(mark)
            ),
            format!("<div class=\"mark bottom\">{}</div>", esc(mark)),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em}}li{{margin:.5em 0}}\
.pass strong{{color:#0f7b3f}}.warn strong{{color:#9a5b00}}.fail strong{{color:#c4231c}}.fix{{color:#555}}\
table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}}{mark_style}</style></head><body>\
{mark_top}<h1>{title}</h1><p><strong>{verdict}</strong></p><ul>{facts}</ul><h2>Tiers and price IDs</h2>\
<table><tr><th>Variable</th><th>Value</th><th>Tier</th><th>Terms</th></tr>{ids}</table><h2>Checks</h2><ul>{checks}</ul>{sections}\
{mark_bottom}</body></html>\n",
        title = esc(&m.title),
        verdict = esc(&m.verdict),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::price_ids::PriceIdVar;
    use crate::findings::Finding;

    #[test]
    fn dates_are_utc_civil_time() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_795_445_560), "2026-11-23 14:52 UTC");
    }

    fn report(mode: Mode) -> VerifyReport {
        let var = |name: &str, id: &str, tier: &str, terms: &str| PriceIdVar {
            name: name.into(),
            price_id: id.into(),
            tier: tier.into(),
            terms: terms.into(),
            product_id: None,
        };
        VerifyReport {
            findings: vec![
                Finding::fail("verify.probe.signed", "Signed <event>", "POST → 400", "Use `request.text()` & deploy"),
                Finding::warn("verify.deliveries", "Deliveries", "1 event", "Resend it"),
                Finding::pass("verify.endpoint", "The endpoint", "we_1 → https://api.example.com/webhook/stripe"),
            ],
            checked_at: 1_795_445_560,
            mode,
            account_id: "acct_1".into(),
            account_name: "Acme & Co".into(),
            script: "acme-api".into(),
            worker_env: Some("production".into()),
            endpoint_url: "https://api.example.com/webhook/stripe".into(),
            endpoint_id: "we_1".into(),
            price_ids: vec![
                var("STRIPE_PRICE_ID_PRO", "price_pro1", "pro", "29.00 USD / month"),
                var("STRIPE_PRICE_ID_TEAM", "price_team1", "team", "99.00 USD / month"),
            ],
            portal_id: Some("bpc_portal1".into()),
            secret_tails: vec![("STRIPE_WEBHOOK_SECRET".into(), "…wxyz".into())],
            rotations: Vec::new(),
            audit: None,
            smoke: None,
            billing: None,
        }
    }

    #[test]
    fn markdown_and_html_carry_the_same_facts() {
        for mode in [Mode::Real, Mode::Rehearsal] {
            let r = report(mode);
            let (md, page) = (markdown(&r), html(&r));
            let mut facts: Vec<String> = vec![r.portal_id.clone().unwrap(), PORTAL_VAR.into(), r.endpoint_url.clone()];
            for p in &r.price_ids {
                facts.extend([p.name.clone(), p.price_id.clone(), p.terms.clone()]);
            }
            for f in &r.findings {
                facts.extend([f.title.clone(), f.detail.clone()]);
                facts.extend(f.fix.clone());
            }
            facts.extend(r.secret_tails.iter().map(|(_, t)| t.clone()));
            facts.push(model(&r).verdict);
            for fact in &facts {
                assert!(md.contains(fact.as_str()), "{mode:?}: the Markdown lacks {fact:?}:\n{md}");
                assert!(page.contains(&esc(fact)), "{mode:?}: the HTML lacks {fact:?}:\n{page}");
            }
            assert!(page.starts_with("<!doctype html>") && !page.contains("<script") && !page.contains("src="));
        }
    }

    #[test]
    fn the_billing_section_says_how_it_ran_and_lists_each_phase_in_both_formats() {
        let mut r = report(Mode::Real);
        assert!(markdown(&r).contains("has not been tried on test clocks"));
        let phase = |name: &str, finding: Finding| crate::billing::PhaseResult {
            name: name.into(),
            clock_time: 1_795_445_560,
            status: "past_due".into(),
            expected_status: "past_due".into(),
            expected_tier: "pro".into(),
            worker_tier: Some("free".into()),
            deliveries: Vec::new(),
            finding,
        };
        r.billing = Some(crate::billing::BillingReport {
            run: "r1".into(),
            started: 1_795_445_560,
            finished: 1_795_445_620,
            shuffled: true,
            scenarios: vec![crate::billing::ScenarioResult {
                id: "trial_card_fails".into(),
                title: "A declined card".into(),
                tier: "pro".into(),
                card: "pm_card_chargeCustomerFail".into(),
                clock: Some("clock_1".into()),
                customer: Some("cus_1".into()),
                subscription: Some("sub_1".into()),
                phases: vec![
                    phase("Trial", Finding::pass("billing.trial_card_fails.0", "Trial started", "trialing, pro")),
                    phase(
                        "Past due",
                        Finding::fail(
                            "billing.trial_card_fails.1",
                            "Past due <retries>",
                            "free, expected pro",
                            "Keep the tier while past_due",
                        ),
                    ),
                ],
                stopped: None,
            }],
            clocks_deleted: 1,
            clocks_left: vec!["clock_9".into()],
        });
        let (md, page) = (markdown(&r), html(&r));
        for fact in [
            "0 of 1 scenarios passed",
            "out of order",
            "left: clock_9",
            "Trial started",
            "Past due <retries>",
            "Keep the tier while past_due",
        ] {
            assert!(md.contains(fact), "the Markdown lacks {fact:?}:\n{md}");
            assert!(page.contains(&esc(fact)), "the HTML lacks {fact:?}");
        }
        assert!(
            md.contains("## Billing lifecycle on test clocks")
                && page.contains("<h2>Billing lifecycle on test clocks</h2>")
        );
        assert!(!md.to_lowercase().contains("rehearsal"), "a real report never says rehearsal");
    }

    #[test]
    fn the_audit_section_lists_each_finding_and_each_manual_item_with_its_date() {
        let mut r = report(Mode::Real);
        assert!(markdown(&r).contains("The audit has not run"));
        let mut record = crate::audit::AuditRecord {
            report: Some(crate::audit::AuditReport {
                ran_at: 1_795_000_000,
                findings: vec![crate::findings::Finding::fail(
                    "audit.repo.live_secret",
                    "A live Stripe key is in the git repository",
                    "sk_live_…WXYZ: src/config.js:1 in commit abc1234",
                    "Roll the key",
                )],
                commits: 12,
                blobs: 30,
                elapsed_ms: 5,
            }),
            ..Default::default()
        };
        record.confirm("two-step-login", true).unwrap();
        record.confirmed.insert("two-step-login".into(), 1_795_000_000);
        r.audit = Some(record);
        let (md, page) = (markdown(&r), html(&r));
        for text in [
            "A live Stripe key is in the git repository",
            "src/config.js:1 in commit abc1234",
            "12 commits",
            "confirmed by you on 2026-11-18",
            "Someone else — ideally not a developer — signed up and paid through the whole flow — not confirmed yet",
        ] {
            assert!(md.contains(text), "the Markdown lacks {text:?}:\n{md}");
            assert!(page.contains(&esc(text)), "the HTML lacks {text:?}");
        }
    }

    #[test]
    fn a_rehearsal_is_marked_everywhere_and_a_real_run_nowhere() {
        let r = report(Mode::Rehearsal);
        let (md, page) = (markdown(&r), html(&r));
        let title = md.lines().next().unwrap();
        assert!(title.starts_with("# REHEARSAL"), "{title}");
        assert!(md.trim_end().ends_with(&format!("**{REHEARSAL_MARK}**")), "the footer:\n{md}");
        assert!(!md.contains("Live and verified") && !page.contains("Live and verified"));
        assert!(
            page.contains(&format!("<title>{}</title>", esc(&model(&r).title))) && page.contains("<title>REHEARSAL")
        );
        // a fixed header and footer carry the mark onto every printed page
        assert!(page.contains(".mark{position:fixed"), "{page}");
        for class in ["mark top", "mark bottom"] {
            assert!(page.contains(&format!("<div class=\"{class}\">{}</div>", esc(REHEARSAL_MARK))), "{class}: {page}");
        }

        let real = report(Mode::Real);
        let mut passing = real.clone();
        passing.findings.retain(|f| f.status == Status::Pass);
        for text in [markdown(&real), html(&real), markdown(&passing), html(&passing)] {
            assert!(!text.to_lowercase().contains("rehearsal") && !text.contains("position:fixed"), "{text}");
        }
        assert!(markdown(&passing).contains("**Live and verified.**"));
    }

    #[test]
    fn the_verdict_never_calls_a_rehearsal_live_and_names_warnings() {
        let only = |mode, keep: &[Status]| {
            let mut r = report(mode);
            r.findings.retain(|f| keep.contains(&f.status));
            model(&r).verdict
        };
        assert_eq!(only(Mode::Real, &[Status::Pass]), "Live and verified.");
        assert_eq!(
            only(Mode::Real, &[Status::Pass, Status::Warn]),
            "Live and verified, with 1 warning(s) worth a look."
        );
        for keep in [&[Status::Pass][..], &[Status::Pass, Status::Warn]] {
            let verdict = only(Mode::Rehearsal, keep);
            assert!(verdict.starts_with("Rehearsal passed") && verdict.ends_with("Nothing is live."), "{verdict}");
            assert!(!verdict.contains("Live and verified"), "{verdict}");
        }
        assert!(only(Mode::Rehearsal, &[Status::Pass, Status::Warn]).contains("1 warning(s)"));
    }

    #[test]
    fn sessions_saved_before_the_mode_was_recorded_read_as_real_runs() {
        let mut json = serde_json::to_value(report(Mode::Rehearsal)).unwrap();
        json.as_object_mut().unwrap().remove("mode");
        let old: VerifyReport = serde_json::from_value(json).unwrap();
        assert_eq!(old.mode, Mode::Real);
    }
}
