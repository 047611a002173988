//! Reading a whole catalog, following Stripe's pagination to the end.

use super::model::{Catalog, Price, Product};
use crate::stripe_api::ApiFailure;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use stripe::Client;

#[derive(Deserialize)]
struct Page<T> {
    data: Vec<T>,
    has_more: bool,
}

#[derive(Serialize)]
struct ListQuery<'a> {
    limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    starting_after: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    expand: &'a [&'a str],
}

/// Every object of a list endpoint, 100 at a time.
async fn list_all<T: DeserializeOwned + Send + 'static>(
    client: &Client,
    path: &str,
    expand: &[&str],
    id_of: impl Fn(&T) -> String,
) -> Result<Vec<T>, ApiFailure> {
    let mut all: Vec<T> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = ListQuery { limit: 100, starting_after: cursor.as_deref(), expand };
        let page: Page<T> = crate::stripe_retry::with_retries(|| client.get_query(path, &query)).await?;
        let more = page.has_more && !page.data.is_empty();
        all.extend(page.data);
        if !more {
            return Ok(all);
        }
        cursor = all.last().map(&id_of);
    }
}

/// All products (active or archived) and all prices, tiers and currency options expanded.
pub async fn read_catalog(client: &Client) -> Result<Catalog, ApiFailure> {
    let products = list_all::<Product>(client, "/products", &[], |p| p.id.clone()).await?;
    let prices =
        list_all::<Price>(client, "/prices", &["data.tiers", "data.currency_options"], |p| p.id.clone()).await?;
    Ok(Catalog { products, prices })
}
