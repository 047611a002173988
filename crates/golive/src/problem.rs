//! One problem type for everything that stops a user action: what kind of trouble it is (the
//! CLI's exit code comes from it, in one place), a stable code for scripts, the message, what
//! to do, and where to do it. It crosses to the window as data and is shown like a finding.
//! Each step's own error converts into it, with the step's own words kept.

use crate::findings::Link;
use serde::{Deserialize, Serialize};

/// What kind of trouble: decides the CLI's exit code and how the window presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// What the user gave is wrong (a key's shape, a folder, a URL, a name).
    InvalidInput,
    /// An earlier step is not done yet.
    NotReady,
    /// Stripe, Cloudflare, wrangler or the keyring refused or could not be reached.
    Refused,
    /// A bug in golive.
    Internal,
}

impl ProblemKind {
    /// The exit code the CLI ends with: 2 the input (or the order of steps), 3 the outside
    /// world, 4 golive itself.
    pub fn exit_code(self) -> u8 {
        match self {
            ProblemKind::InvalidInput | ProblemKind::NotReady => 2,
            ProblemKind::Refused => 3,
            ProblemKind::Internal => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct Problem {
    pub kind: ProblemKind,
    /// Stable, for scripts: `invalid_input`, `not_ready`, `stripe_refused`, `keyring_unavailable`, …
    pub code: String,
    pub message: String,
    /// What to do, in words a non-developer can follow.
    pub fix: String,
    /// Boxed: a `Result<_, Problem>` stays small on the happy path.
    pub link: Option<Box<Link>>,
}

impl Problem {
    pub fn new(kind: ProblemKind, code: &str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { kind, code: code.into(), message: message.into(), fix: fix.into(), link: None }
    }

    pub fn invalid(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(ProblemKind::InvalidInput, "invalid_input", message, fix)
    }

    pub fn not_ready(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(ProblemKind::NotReady, "not_ready", message, fix)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            ProblemKind::Internal,
            "internal_error",
            message,
            "This is a bug in golive: please report it with this message.",
        )
    }

    pub fn with_link(mut self, label: &str, url: &str) -> Self {
        self.link = Some(Box::new(Link { label: label.into(), url: url.into() }));
        self
    }

    /// The same problem under another code (a step's own name for it).
    pub fn with_code(mut self, code: &str) -> Self {
        self.code = code.into();
        self
    }
}

impl Problem {
    /// Why Connect did not pass, as a problem: its first failed check, with that check's fix.
    /// `None` when it passed.
    pub fn from_connect(report: &crate::connect::ConnectReport) -> Option<Problem> {
        use crate::connect::FailureKind;
        let kind = match report.failure_kind()? {
            FailureKind::InvalidInput => ProblemKind::InvalidInput,
            FailureKind::ExternalRefused => ProblemKind::Refused,
        };
        let first = report.findings.iter().find(|f| f.status == crate::findings::Status::Fail);
        let mut problem = Problem::new(
            kind,
            "connect_failed",
            first.map(|f| format!("{} — {}", f.title, f.detail)).unwrap_or_else(|| "Connect did not pass.".into()),
            first.and_then(|f| f.fix.clone()).unwrap_or_else(|| "Run Connect again and read its checks.".into()),
        );
        problem.link = first.and_then(|f| f.link.clone()).map(Box::new);
        Some(problem)
    }
}

impl From<crate::stripe_api::ApiFailure> for Problem {
    fn from(failure: crate::stripe_api::ApiFailure) -> Self {
        use crate::stripe_api::ApiFailure as F;
        let fix = match &failure {
            F::Unauthorized(_) => "The key was rolled (revoked) or mistyped: go back to Connect with the current key from Dashboard → Developers → API keys.",
            F::Forbidden(_) => "The restricted key lacks a permission this step needs: edit it in the Dashboard (Developers → API keys), or use the secret key (sk_…).",
            F::Unreachable(_) | F::TimedOut { .. } => "Check the internet connection (and any proxy or firewall), then try again; golive picks up where it stopped.",
            failure if failure.retryable() => "Try again in a minute; golive picks up where it stopped and makes no duplicate. If it persists, check status.stripe.com.",
            _ => "Stripe will refuse this request again as it is: change what its message names, then run the step again.",
        };
        let code = match failure {
            F::Unreachable(_) | F::TimedOut { .. } => "stripe_unreachable",
            _ => "stripe_refused",
        };
        Problem::new(ProblemKind::Refused, code, failure.describe(), fix)
    }
}

impl From<crate::keystore::KeystoreError> for Problem {
    fn from(e: crate::keystore::KeystoreError) -> Self {
        Problem::new(ProblemKind::Refused, "keyring_unavailable", e.message, e.fix)
    }
}

impl From<crate::wrangler::WranglerError> for Problem {
    fn from(e: crate::wrangler::WranglerError) -> Self {
        use crate::wrangler::WranglerError as W;
        let kind = match e {
            W::NotInstalled | W::WorkerNotFound { .. } | W::GradualDeployment { .. } => ProblemKind::NotReady,
            _ => ProblemKind::Refused,
        };
        // The faces offer the deploy on this code.
        let code = if matches!(e, W::WorkerNotFound { .. }) { "worker_not_deployed" } else { "wrangler_failed" };
        Problem::new(kind, code, e.message(), e.fix())
    }
}

impl From<crate::webhook::WebhookError> for Problem {
    fn from(e: crate::webhook::WebhookError) -> Self {
        use crate::webhook::WebhookError as W;
        let (kind, code) = match &e {
            W::Invalid(_) => (ProblemKind::InvalidInput, "invalid_input"),
            W::Stripe(f) if f.status().is_none() => (ProblemKind::Refused, "stripe_unreachable"),
            W::Stripe(_) => (ProblemKind::Refused, "stripe_refused"),
            W::Keyring { .. } => (ProblemKind::Refused, "keyring_unavailable"),
        };
        Problem::new(kind, code, e.message(), e.fix())
    }
}

impl From<crate::secrets::SecretsError> for Problem {
    fn from(e: crate::secrets::SecretsError) -> Self {
        use crate::secrets::SecretsError as S;
        let (kind, code) = match &e {
            S::Missing { .. } => (ProblemKind::NotReady, "not_ready"),
            S::DuplicateName(_) => (ProblemKind::InvalidInput, "duplicate_name"),
            S::Keyring(_) => (ProblemKind::Refused, "keyring_unavailable"),
            S::Wrangler(crate::wrangler::WranglerError::GradualDeployment { .. }) => {
                (ProblemKind::NotReady, "gradual_deployment")
            }
            S::Wrangler(_) | S::NotConfirmed(_) => (ProblemKind::Refused, "wrangler_failed"),
        };
        Problem::new(kind, code, e.message(), e.fix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stripe_api::{ApiFailure, Detail};

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(ProblemKind::InvalidInput.exit_code(), 2);
        assert_eq!(ProblemKind::NotReady.exit_code(), 2);
        assert_eq!(ProblemKind::Refused.exit_code(), 3);
        assert_eq!(ProblemKind::Internal.exit_code(), 4);
    }

    #[test]
    fn a_step_error_keeps_its_words_and_gets_its_kind() {
        let missing = crate::secrets::SecretsError::Missing {
            name: "STRIPE_PRICE_ID_*".into(),
            fix: "Finish the Catalog step first.".into(),
        };
        let p = Problem::from(missing.clone());
        assert_eq!((p.kind, p.message, p.fix), (ProblemKind::NotReady, missing.message(), missing.fix()));
        let gone = Problem::from(ApiFailure::Unauthorized(Detail {
            request_id: Some("req_1".into()),
            ..Detail::message("Invalid API Key")
        }));
        assert_eq!(gone.kind, ProblemKind::Refused);
        assert!(gone.message.contains("req_1") && gone.fix.contains("Connect"), "{gone:?}");
        let json = serde_json::to_value(&gone).unwrap();
        assert_eq!(json["kind"], "refused");
        assert_eq!(json["code"], "stripe_refused");
    }
}
