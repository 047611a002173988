//! Reading a whole catalog: every product, every price (active and archived — Stripe's price
//! list shows only active ones unless asked, so both are asked for), tiers and currency
//! options expanded, and the Billing Meters when a price uses one. Lists are read to the end.

use super::model::{Catalog, Meter, Price, Product};
use crate::stripe_api::{list_all, list_matching, ApiFailure, Client, ListFilter};

pub const PRICE_EXPAND: [&str; 2] = ["data.tiers", "data.currency_options"];

/// All products (active or archived) and all prices (active and archived), tiers and
/// currency options expanded. Meters are read separately ([`read_meters`]), only when needed.
pub async fn read_catalog(client: &Client) -> Result<Catalog, ApiFailure> {
    let products = list_all::<Product>(client, "/products", &[], |p| p.id.clone());
    let prices = |active| {
        let filter = ListFilter { active: Some(active), product: None };
        list_matching::<Price>(client, "/prices", &PRICE_EXPAND, filter, |p| p.id.clone())
    };
    let (active, archived) = (prices(true), prices(false));
    let (products, mut prices, archived) = tokio::try_join!(products, active, archived)?;
    prices.extend(archived.into_iter().filter(|p| !p.active));
    Ok(Catalog { products, prices, meters: Vec::new() })
}

/// Every Billing Meter of the mode (active and inactive).
pub async fn read_meters(client: &Client) -> Result<Vec<Meter>, ApiFailure> {
    list_all::<Meter>(client, "/billing/meters", &[], |m| m.id.clone()).await
}
