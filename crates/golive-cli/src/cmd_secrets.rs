//! `golive secrets push`: the live key, webhook secret, price and portal ids to the Worker
//! with one `wrangler secret bulk`, confirmed with `wrangler secret list`.

use crate::output::Printer;
use crate::stage::Stage;
use crate::{exit, KeyArgs};
use golive::secrets::{self, SecretsError};

pub async fn push(out: &Printer, rehearsal: bool, keys: KeyArgs, env: Option<String>) -> u8 {
    let (stage, mut session) = match Stage::set_connected(out, rehearsal, keys).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    if env.is_some() {
        session.worker_env = env.filter(|e| !e.is_empty());
    }
    let sink = out.live_findings();
    match secrets::push_step(&session.secrets_input(), &stage.env, Some(&stage.live_key), &sink).await {
        Ok((record, statuses)) => {
            session.secrets = Some(record.clone());
            if let Err(code) = stage.save(out, &session) {
                return code;
            }
            out.secrets_pushed(&record, &statuses);
            exit::OK
        }
        Err(e) => {
            let (code, kind) = match &e {
                SecretsError::Missing { .. } => (exit::INVALID_INPUT, "missing"),
                SecretsError::DuplicateName(_) => (exit::INVALID_INPUT, "duplicate_name"),
                SecretsError::Keyring(_) => (exit::EXTERNAL_REFUSED, "keyring_unavailable"),
                SecretsError::Wrangler(_) | SecretsError::NotConfirmed(_) => {
                    (exit::EXTERNAL_REFUSED, "wrangler_failed")
                }
            };
            out.error(code, kind, &e.message(), &e.fix())
        }
    }
}
