//! Reading a whole catalog: every product, every price (active and archived — Stripe's price
//! list shows only active ones unless asked, so both are asked for), tiers and currency
//! options expanded, and the Billing Meters when a price uses one. Lists are read to the end.
//! A tiered price's tiers in its other currencies are expandable only one currency at a time
//! (`currency_options.<code>.tiers`), so each such price is read again with them.

use super::model::{Catalog, Meter, Price, Product};
use crate::stripe_api::{list_all, list_matching, with_retries, ApiFailure, Client, ListFilter};
use serde::Serialize;

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
    for price in prices.iter_mut().filter(|p| p.billing_scheme == "tiered") {
        let codes: Vec<String> = price.currency_options.keys().filter(|c| **c != price.currency).cloned().collect();
        if !codes.is_empty() {
            *price = with_currency_tiers(client, &price.id, &codes).await?;
        }
    }
    Ok(Catalog { products, prices, meters: Vec::new() })
}

/// The price with the tiers of each of its other currencies (`codes`) expanded.
async fn with_currency_tiers(client: &Client, id: &str, codes: &[String]) -> Result<Price, ApiFailure> {
    #[derive(Serialize)]
    struct Expand {
        expand: Vec<String>,
    }
    let mut expand = vec!["tiers".to_string(), "currency_options".to_string()];
    expand.extend(codes.iter().map(|c| format!("currency_options.{c}.tiers")));
    let query = Expand { expand };
    let path = format!("/prices/{id}");
    with_retries(|| client.get_query(&path, &query)).await
}

/// Every Billing Meter of the mode (active and inactive).
pub async fn read_meters(client: &Client) -> Result<Vec<Meter>, ApiFailure> {
    list_all::<Meter>(client, "/billing/meters", &[], |m| m.id.clone()).await
}
