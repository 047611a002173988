//! One module per Stripe resource the stand-in serves.
pub mod account;
pub mod balance;
pub mod events;
pub mod meters;
pub mod portal;
pub mod prices;
pub mod products;
pub mod webhooks;
