//! The go-live report, as Markdown and as one self-contained HTML page (no external files,
//! no scripts): account, Worker, endpoint, tiers and price ids, every check with its
//! evidence and fix, and the time. Secrets appear only as their last four characters.

use super::VerifyReport;
use crate::findings::Status;

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓ pass",
        Status::Warn => "! warn",
        Status::Fail => "✗ fail",
    }
}

fn when(unix: i64) -> String {
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), UTC.
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", secs / 3600, secs / 60 % 60)
}

pub fn markdown(r: &VerifyReport) -> String {
    let verdict = if r.passed() {
        "**Live and verified.**"
    } else {
        "**Not ready: fix the failed checks below and verify again.**"
    };
    let mut md = format!("# Go-live report — {}\n\n{verdict}\n\n", r.script);
    md.push_str(&format!(
        "- Checked: {}\n- Stripe account: {} ({}), live mode\n",
        when(r.checked_at),
        r.account_name,
        r.account_id
    ));
    md.push_str(&format!(
        "- Worker: {}{}\n",
        r.script,
        r.worker_env.as_deref().map(|e| format!(" (wrangler --env {e})")).unwrap_or_default()
    ));
    md.push_str(&format!("- Webhook endpoint: {} → {}\n", r.endpoint_id, r.endpoint_url));
    for (name, tail) in &r.secret_tails {
        md.push_str(&format!("- {name}: {tail}\n"));
    }
    md.push_str("\n## Tiers and price IDs\n\n| Variable | Price | Tier | Terms |\n|---|---|---|---|\n");
    for p in &r.price_ids {
        md.push_str(&format!("| `{}` | `{}` | {} | {} |\n", p.name, p.price_id, p.tier, p.terms));
    }
    if let Some(portal) = &r.portal_id {
        md.push_str(&format!("| `STRIPE_PORTAL_CONFIG_ID` | `{portal}` | | customer portal |\n"));
    }
    md.push_str("\n## Checks\n\n");
    for f in &r.findings {
        md.push_str(&format!("- **{}** — {}\n  - {}\n", mark(f.status), f.title, f.detail));
        if let Some(fix) = &f.fix {
            md.push_str(&format!("  - What to do: {fix}\n"));
        }
    }
    md
}

/// Writes `go-live-report.md` and `go-live-report.html` into `dir`; returns their paths.
pub fn save(r: &VerifyReport, dir: &std::path::Path) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let (md, page) = (dir.join("go-live-report.md"), dir.join("go-live-report.html"));
    std::fs::write(&md, markdown(r))?;
    std::fs::write(&page, html(r))?;
    Ok((md, page))
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn html(r: &VerifyReport) -> String {
    let rows: String = r
        .findings
        .iter()
        .map(|f| {
            let class = match f.status {
                Status::Pass => "pass",
                Status::Warn => "warn",
                Status::Fail => "fail",
            };
            let fix = f
                .fix
                .as_deref()
                .map(|x| format!("<div class=\"fix\">What to do: {}</div>", esc(x)))
                .unwrap_or_default();
            format!(
                "<li class=\"{class}\"><strong>{}</strong> {}<div>{}</div>{fix}</li>",
                mark(f.status),
                esc(&f.title),
                esc(&f.detail)
            )
        })
        .collect();
    let prices: String = r
        .price_ids
        .iter()
        .map(|p| {
            format!(
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&p.name),
                esc(&p.price_id),
                esc(&p.tier),
                esc(&p.terms)
            )
        })
        .collect();
    let secrets: String = r.secret_tails.iter().map(|(n, t)| format!("<li>{}: {}</li>", esc(n), esc(t))).collect();
    let verdict = if r.passed() { "Live and verified." } else { "Not ready: fix the failed checks and verify again." };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Go-live report — {script}</title>\
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em}}li{{margin:.5em 0}}\
.pass strong{{color:#0f7b3f}}.warn strong{{color:#9a5b00}}.fail strong{{color:#c4231c}}.fix{{color:#555}}\
table{{border-collapse:collapse}}td{{border-bottom:1px solid #ddd;padding:4px 8px}}</style></head><body>\
<h1>Go-live report — {script}</h1><p><strong>{verdict}</strong></p><ul><li>Checked: {when}</li>\
<li>Stripe account: {account} ({account_id}), live mode</li><li>Worker: {script}{env}</li>\
<li>Webhook endpoint: {endpoint_id} → {endpoint_url}</li>{secrets}</ul><h2>Tiers and price IDs</h2>\
<table>{prices}</table><h2>Checks</h2><ul>{rows}</ul></body></html>\n",
        script = esc(&r.script),
        when = when(r.checked_at),
        account = esc(&r.account_name),
        account_id = esc(&r.account_id),
        env = r.worker_env.as_deref().map(|e| format!(" (wrangler --env {})", esc(e))).unwrap_or_default(),
        endpoint_id = esc(&r.endpoint_id),
        endpoint_url = esc(&r.endpoint_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_civil_time() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_795_445_560), "2026-11-23 14:52 UTC");
    }
}
