//! What Stripe's own typings say, as data both the engine and the Stripe stand-in read: the
//! API version golive pins, the event types an endpoint may subscribe to, the released API
//! versions, and whole objects in the shape Stripe sends them at the pinned version.
//!
//! The reference is the `stripe` npm package 23.1.0 (API `2026-10-28.endive`) in the
//! repository's node_modules; the lists are generated from its typings, and a test checks
//! that they still match.

pub mod decimal;
pub mod events;
pub mod objects;
pub mod signature;
pub mod versions;

/// The API version golive sends with every request and pins webhook endpoints to.
pub const PINNED_API_VERSION: &str = "2026-10-28.endive";
