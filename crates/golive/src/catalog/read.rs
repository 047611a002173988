//! Reading a whole catalog (both lists to the end, via `stripe_api::list_all`).

use super::model::{Catalog, Price, Product};
use crate::stripe_api::Client;
use crate::stripe_api::{list_all, ApiFailure};

/// All products (active or archived) and all prices, tiers and currency options expanded.
pub async fn read_catalog(client: &Client) -> Result<Catalog, ApiFailure> {
    let products = list_all::<Product>(client, "/products", &[], |p| p.id.clone()).await?;
    let prices =
        list_all::<Price>(client, "/prices", &["data.tiers", "data.currency_options"], |p| p.id.clone()).await?;
    Ok(Catalog { products, prices })
}
