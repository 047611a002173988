//! Progress events a step emits while it works; the GUI shows them as progress bars and
//! results appearing one by one, the CLI as lines.

use crate::findings::Finding;
use crate::steps::StepId;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub step: StepId,
    pub item: String,
    pub done: usize,
    pub total: usize,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum StepEvent {
    Progress(Progress),
    Finding { step: StepId, finding: Finding },
}

/// Where a step sends its events. Must not block for long.
pub trait ProgressSink: Send + Sync {
    fn emit(&self, event: StepEvent);

    /// The one way a step reports progress: `done` of `total` on `item`, in words.
    fn progress(&self, step: StepId, item: &str, done: usize, total: usize, message: &str) {
        self.emit(StepEvent::Progress(Progress { step, item: item.into(), done, total, message: message.into() }));
    }
}

/// Drops every event, for callers that only want the outcome.
pub struct Silent;

impl ProgressSink for Silent {
    fn emit(&self, _event: StepEvent) {}
}

impl<F: Fn(StepEvent) + Send + Sync> ProgressSink for F {
    fn emit(&self, event: StepEvent) {
        self(event)
    }
}
