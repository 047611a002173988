//! Talking to Stripe: the client (every request at golive's pinned API version, with a time
//! limit, Stripe's `Request-Id` kept on every failure), Stripe's failures sorted into what
//! the user can do about them, retries as Stripe asks, and reading a list to its end.

pub mod client;
pub mod failure;
pub mod retry;

pub use client::{Client, STRIPE_VERSION};
pub use failure::{ApiFailure, Detail};
pub use retry::with_retries;

/// A delete or a switch-off answered 404: the object is gone, so what was asked is done (a
/// retry after a lost answer, or someone else was quicker).
pub fn done_if_gone<T>(result: Result<T, ApiFailure>) -> Result<(), ApiFailure> {
    match result {
        Err(failure) if failure.status() == Some(404) => Ok(()),
        other => other.map(|_| ()),
    }
}

use crate::environment::Environment;
use crate::stripe_key::StripeKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A client for `key`, at the environment's Stripe (api.stripe.com, or a stand-in).
pub fn client(env: &Environment, key: &StripeKey) -> Client {
    let client = Client::new(env.stripe_base_url.as_deref(), key.secret());
    match env.stripe_timeout {
        Some(limit) => client.with_timeout(limit),
        None => client,
    }
}

/// The fields of `GET /v1/account` golive reads.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountInfo {
    pub id: String,
    #[serde(default)]
    pub charges_enabled: bool,
    #[serde(default)]
    pub details_submitted: bool,
    pub email: Option<String>,
    pub country: Option<String>,
    pub settings: Option<AccountSettings>,
    pub business_profile: Option<BusinessProfile>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountSettings {
    pub dashboard: Option<DashboardSettings>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DashboardSettings {
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BusinessProfile {
    pub name: Option<String>,
    /// The business's website, as the account's public details give it.
    #[serde(default)]
    pub url: Option<String>,
}

impl AccountInfo {
    /// The name the user knows the account by.
    pub fn display_name(&self) -> String {
        self.settings
            .as_ref()
            .and_then(|s| s.dashboard.as_ref())
            .and_then(|d| d.display_name.clone())
            .or_else(|| self.business_profile.as_ref().and_then(|b| b.name.clone()))
            .unwrap_or_else(|| self.id.clone())
    }
}

pub async fn retrieve_account(client: &Client) -> Result<AccountInfo, ApiFailure> {
    client.get::<AccountInfo>("/account").await
}

#[derive(Debug, Clone, Deserialize)]
struct BalanceMode {
    livemode: bool,
}

/// The mode Stripe says the key is in (`livemode` of the balance object).
pub async fn key_livemode(client: &Client) -> Result<bool, ApiFailure> {
    Ok(client.get::<BalanceMode>("/balance").await?.livemode)
}

/// One page of a Stripe list.
#[derive(Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
}

/// What a list request asks for beyond paging, in Stripe's parameter names.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ListFilter<'a> {
    /// `active`: Stripe's price list shows only active prices unless told otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// `product`: only the prices of this product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<&'a str>,
}

#[derive(Serialize)]
struct ListQuery<'a> {
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

/// Every object of a list endpoint, 100 at a time, following `has_more` to the end (with
/// Stripe's retries on every page).
pub async fn list_all<T: DeserializeOwned + Send + 'static>(
    client: &Client,
    path: &str,
    expand: &[&str],
    id_of: impl Fn(&T) -> String,
) -> Result<Vec<T>, ApiFailure> {
    list_matching(client, path, expand, ListFilter::default(), id_of).await
}

/// Every object of a list endpoint that matches `filter`, read to the end like [`list_all`].
pub async fn list_matching<T: DeserializeOwned + Send + 'static>(
    client: &Client,
    path: &str,
    expand: &[&str],
    filter: ListFilter<'_>,
    id_of: impl Fn(&T) -> String,
) -> Result<Vec<T>, ApiFailure> {
    let mut all: Vec<T> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = ListQuery {
            limit: 100,
            starting_after: cursor.as_deref(),
            expand,
            active: filter.active,
            product: filter.product,
        };
        let page: Page<T> = with_retries(|| client.get_query(path, &query)).await?;
        let more = page.has_more && !page.data.is_empty();
        all.extend(page.data);
        if !more {
            return Ok(all);
        }
        cursor = all.last().map(&id_of);
    }
}
