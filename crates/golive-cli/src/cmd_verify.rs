//! `golive verify`: every end-to-end check, printed as it lands; exits 3 when any fails.
//! `--report DIR` also writes the go-live report (Markdown and HTML) there.

use crate::output::Printer;
use crate::stage::Stage;
use crate::{exit, KeyArgs};
use golive::verify::{self, report};
use std::path::PathBuf;

pub async fn run(out: &Printer, rehearsal: bool, keys: KeyArgs, report_dir: Option<PathBuf>) -> u8 {
    let (stage, mut session) = match Stage::set_connected(out, rehearsal, keys).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    let sink = out.live_findings();
    let result = match &stage.rehearsal {
        Some(r) => r.verify(&session, &sink).await,
        None => verify::run(&session.verify_input(), &stage.env, &sink).await,
    };
    let found = match result {
        Ok(found) => found,
        Err(e) => return out.error(exit::INVALID_INPUT, "not_ready", &e.message, &e.fix),
    };
    let saved = match &report_dir {
        Some(dir) => match report::save(&found, dir) {
            Ok(paths) => Some(paths),
            Err(e) => {
                return out.error(
                    exit::INTERNAL,
                    "internal_error",
                    &format!("Could not write the report: {e}"),
                    "Choose a writable folder.",
                )
            }
        },
        None => None,
    };
    session.verify = Some(found.clone());
    if let Err(code) = stage.save(out, &session) {
        return code;
    }
    out.verify_report(&found, saved.as_ref());
    if found.passed() {
        exit::OK
    } else {
        exit::EXTERNAL_REFUSED
    }
}
