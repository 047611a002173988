//! A check's result as the user sees it: a status, what was found, and what to do about it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// A place in a dashboard where the user must act, opened in their browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// One finished check. `fix` says what to do, in words a non-developer can follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable identifier, e.g. `stripe.live_key.format`.
    pub check: String,
    pub status: Status,
    pub title: String,
    pub detail: String,
    pub fix: Option<String>,
    pub link: Option<Link>,
}

impl Finding {
    pub fn pass(check: &str, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            status: Status::Pass,
            title: title.into(),
            detail: detail.into(),
            fix: None,
            link: None,
        }
    }

    pub fn warn(check: &str, title: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { status: Status::Warn, fix: Some(fix.into()), ..Self::pass(check, title, detail) }
    }

    pub fn fail(check: &str, title: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { status: Status::Fail, fix: Some(fix.into()), ..Self::pass(check, title, detail) }
    }

    pub fn with_link(mut self, label: &str, url: &str) -> Self {
        self.link = Some(Link { label: label.into(), url: url.into() });
        self
    }
}

/// True when no finding failed.
pub fn all_passed(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.status != Status::Fail)
}
