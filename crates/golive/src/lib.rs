//! golive's engine: every step of taking a SaaS on Cloudflare Workers from Stripe test mode
//! to live mode, with no GUI and no terminal I/O. The desktop app and the `golive` CLI are
//! thin faces over it.

pub mod about;
pub mod audit;
pub mod billing;
pub mod catalog;
pub mod clock;
pub mod cloudflare_api;
pub mod cloudflare_auth;
pub mod connect;
pub mod deploy;
pub mod environment;
pub mod findings;
pub mod http;
pub mod keystore;
pub mod local_worker;
pub mod nonce;
pub mod problem;
pub mod progress;
pub mod rotate;
pub mod secrets;
pub mod session;
pub mod smoke;
pub mod steps;
pub mod stripe_api;
pub mod stripe_key;
pub mod verify;
pub mod webhook;
pub mod wizard;
pub mod wrangler;

pub use environment::Environment;
pub use findings::{Finding, Status};
pub use progress::{Progress, ProgressSink, StepEvent};
pub use session::Session;
pub use steps::StepId;
pub use wizard::{Problem, ProblemKind};
