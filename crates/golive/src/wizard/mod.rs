//! The wizard: the one place that owns the flow. It holds the session of one project and
//! mode, the environment (real services or the rehearsal's stand-ins), the keys Connect
//! accepted, and the rule "save after every write"; it offers one call per user action.
//! Both faces (the app and the CLI) are adapters over it: parse input, one call, render.

pub mod problem;
pub mod world;

pub use problem::{Problem, ProblemKind};
pub use world::LocalWorld;
