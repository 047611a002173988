//! `golive webhook`: make sure one live endpoint sends the four events to the Worker, keep
//! its secret in the keyring, and (with --disable-duplicates) turn the extra ones off.

use crate::output::Printer;
use crate::stage::Stage;
use crate::{exit, WebhookArgs};
use golive::webhook::{self, WebhookError, WebhookRecord, WebhookRequest};
use std::sync::Mutex;

fn failed(out: &Printer, e: &WebhookError) -> u8 {
    let (code, kind) = match e {
        WebhookError::Invalid(_) => (exit::INVALID_INPUT, "invalid_input"),
        WebhookError::Stripe(_) => (exit::EXTERNAL_REFUSED, "stripe_refused"),
        WebhookError::Keyring { .. } => (exit::EXTERNAL_REFUSED, "keyring_unavailable"),
    };
    out.error(code, kind, &e.message(), &e.fix())
}

pub async fn run(out: &Printer, rehearsal: bool, args: WebhookArgs) -> u8 {
    let (stage, mut session) = match Stage::set_connected(out, rehearsal, args.keys.clone()).await {
        Ok(both) => both,
        Err(code) => return code,
    };
    if args.env.is_some() {
        session.worker_env = args.env.clone().filter(|e| !e.is_empty());
    }
    let worker = session.connect.as_ref().expect("connected").worker.clone();
    let url = match args.url.clone() {
        Some(url) => url,
        None => {
            let found =
                webhook::candidate_urls(&stage.env, &worker, &stage.project_dir, session.worker_env.as_deref()).await;
            match found.candidates.first() {
                Some(c) => c.url.clone(),
                None => {
                    let why =
                        found.note.unwrap_or_else(|| "The configuration has no route and workers.dev is off.".into());
                    return out.error(
                        exit::INVALID_INPUT,
                        "invalid_input",
                        &why,
                        "Give the Worker's address with --url https://…/webhook/stripe.",
                    );
                }
            }
        }
    };
    let request =
        WebhookRequest { url, extra_events: args.events.clone(), project: session.script_name().expect("connected") };
    if args.plan {
        return match webhook::plan(&stage.env, &stage.live_key, &request, session.webhook.as_ref()).await {
            Ok(plan) => {
                out.webhook_plan(&plan);
                exit::OK
            }
            Err(e) => failed(out, &e),
        };
    }
    let kept = Mutex::new(session.clone());
    let save = |record: &WebhookRecord| {
        let mut s = kept.lock().unwrap();
        s.webhook = Some(record.clone());
        let _ = s.save(&stage.session_path());
    };
    let outcome = webhook::ensure(&stage.env, &stage.live_key, &request, session.webhook.as_ref(), &save).await;
    let session = kept.into_inner().unwrap();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return failed(out, &e),
    };
    if let Err(code) = stage.save(out, &session) {
        return code;
    }
    let duplicates: Vec<String> = outcome
        .plan
        .endpoints
        .iter()
        .filter(|e| matches!(e.role, webhook::Role::Duplicate { .. }))
        .map(|e| e.endpoint.id.clone())
        .collect();
    let disabled = if args.disable_duplicates && !duplicates.is_empty() {
        match webhook::disable_duplicates(&stage.env, &stage.live_key, &duplicates, session.webhook.as_ref()).await {
            Ok(off) => off.into_iter().map(|e| e.id).collect(),
            Err(e) => return failed(out, &e),
        }
    } else {
        Vec::new()
    };
    out.webhook_outcome(&outcome, &session.script_name().unwrap_or_default(), &disabled);
    exit::OK
}
