//! How the CLI prints: findings as lines while they land (to stderr) and a summary (stdout),
//! or one JSON document with --json.

use golive::connect::ConnectReport;
use golive::findings::{Finding, Status};
use golive::progress::StepEvent;
use serde_json::json;

pub struct Printer {
    pub json: bool,
}

impl Printer {
    /// A sink that prints each finding the moment it lands (text mode only).
    pub fn live_findings(&self) -> impl Fn(StepEvent) + Send + Sync {
        let json = self.json;
        move |event| {
            if json {
                return;
            }
            match event {
                StepEvent::Finding { finding, .. } => eprintln!("{}", line(&finding)),
                StepEvent::Progress(p) if p.done < p.total => eprintln!("… {}", p.message),
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

    /// Prints an error that stopped the command before any check ran; returns `code`.
    pub fn error(&self, code: u8, kind: &str, message: &str, fix: &str) -> u8 {
        if self.json {
            println!("{}", json!({ "error": { "kind": kind, "message": message, "fix": fix } }));
        } else {
            eprintln!("✗ {message}\n    fix: {fix}");
        }
        code
    }
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
