//! Reading a whole catalog: every product, every price (active and archived — Stripe's price
//! list shows only active ones unless asked, so both are asked for), tiers and currency
//! options expanded, and the Billing Meters when a price uses one. Lists are read to the end.

use super::model::{Catalog, Meter, Price, Product};
use crate::stripe_api::{list_all, ApiFailure, Page};
use crate::stripe_retry::with_retries;
use serde::de::DeserializeOwned;
use serde::Serialize;
use stripe::Client;

#[derive(Serialize)]
struct FilteredQuery<'a> {
    limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    starting_after: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    expand: &'a [&'a str],
    #[serde(skip_serializing_if = "Option::is_none")]
    active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<&'a str>,
}

/// Every object of a list endpoint that matches `active` / `product`, 100 at a time.
pub(crate) async fn list_filtered<T: DeserializeOwned + Send + 'static>(
    client: &Client,
    path: &str,
    expand: &[&str],
    active: Option<bool>,
    product: Option<&str>,
    id_of: impl Fn(&T) -> String,
) -> Result<Vec<T>, ApiFailure> {
    let mut all: Vec<T> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = FilteredQuery { limit: 100, starting_after: cursor.as_deref(), expand, active, product };
        let page: Page<T> = with_retries(|| client.get_query(path, &query)).await?;
        let more = page.has_more && !page.data.is_empty();
        all.extend(page.data);
        if !more {
            return Ok(all);
        }
        cursor = all.last().map(&id_of);
    }
}

const PRICE_EXPAND: [&str; 2] = ["data.tiers", "data.currency_options"];

/// All products (active or archived) and all prices (active and archived), tiers and
/// currency options expanded. Meters are read separately ([`read_meters`]), only when needed.
pub async fn read_catalog(client: &Client) -> Result<Catalog, ApiFailure> {
    let products = list_all::<Product>(client, "/products", &[], |p| p.id.clone());
    let active = list_filtered::<Price>(client, "/prices", &PRICE_EXPAND, Some(true), None, |p| p.id.clone());
    let archived = list_filtered::<Price>(client, "/prices", &PRICE_EXPAND, Some(false), None, |p| p.id.clone());
    let (products, mut prices, archived) = tokio::try_join!(products, active, archived)?;
    prices.extend(archived.into_iter().filter(|p| !p.active));
    Ok(Catalog { products, prices, meters: Vec::new() })
}

/// Every Billing Meter of the mode (active and inactive).
pub async fn read_meters(client: &Client) -> Result<Vec<Meter>, ApiFailure> {
    list_all::<Meter>(client, "/billing/meters", &[], |m| m.id.clone()).await
}
