//! `golive connect`.

use crate::output::Printer;
use crate::stage::Stage;
use crate::{exit, KeyArgs};
use golive::connect::{self, ConnectInput, FailureKind};

pub async fn run(out: &Printer, rehearsal: bool, args: KeyArgs) -> u8 {
    let stage = match Stage::set(out, rehearsal, args).await {
        Ok(stage) => stage,
        Err(code) => return code,
    };
    let input = ConnectInput {
        test_key: stage.test_key.clone(),
        live_key: stage.live_key.clone(),
        project_dir: stage.project_dir.clone(),
    };
    let sink = out.live_findings();
    let report = connect::check(&input, &stage.env, &sink).await;
    let mut session = stage.session();
    session.project_dir = Some(stage.project_dir.clone());
    session.connect = report.outcome.clone();
    if let Err(code) = stage.save(out, &session) {
        return code;
    }
    out.connect_report(&report);
    match report.failure_kind() {
        None => exit::OK,
        Some(FailureKind::InvalidInput) => exit::INVALID_INPUT,
        Some(FailureKind::ExternalRefused) => exit::EXTERNAL_REFUSED,
    }
}
