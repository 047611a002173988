//! One module per Stripe resource the stand-in serves.
pub mod account;
pub mod balance;
pub mod billing;
pub mod checkout;
pub mod coupons;
pub mod customers;
pub mod events;
pub mod invoices;
pub mod meters;
pub mod payment_methods;
pub mod portal;
pub mod portal_sessions;
pub mod prices;
pub mod products;
pub mod promotion_codes;
pub mod subscriptions;
pub mod test_clocks;
pub mod webhooks;

/// The query of a plain retrieve: Stripe accepts only `expand` there (refused: anything else).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrieveParams {
    pub expand: Option<Vec<String>>,
}
