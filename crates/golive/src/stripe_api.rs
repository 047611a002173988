//! The Stripe client (async-stripe) pointed at the real API or a stand-in, Stripe's failures
//! sorted into what the user can do about them, and reading a list endpoint to its end.

use crate::environment::Environment;
use crate::stripe_key::StripeKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use stripe::{Client, StripeError};

pub fn client(env: &Environment, key: &StripeKey) -> Client {
    let client = match &env.stripe_base_url {
        Some(base) => Client::from_url(base.as_str(), key.expose()),
        None => Client::new(key.expose()),
    };
    client.with_app_info("golive".into(), Some(env!("CARGO_PKG_VERSION").into()), None)
}

/// What went wrong talking to Stripe, by what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// 401: the key was revoked (rolled) or mistyped.
    Unauthorized(String),
    /// 403: a restricted key without the permission.
    Forbidden(String),
    /// 429 after the client's own retries.
    RateLimited,
    /// Could not reach Stripe at all.
    Unreachable(String),
    /// Anything else Stripe refused, with its message.
    Refused { status: u16, message: String },
}

impl ApiFailure {
    pub fn describe(&self) -> String {
        match self {
            ApiFailure::Unauthorized(m) => format!("Stripe refused the key (401): {m}"),
            ApiFailure::Forbidden(m) => format!("Stripe refused the request (403): {m}"),
            ApiFailure::RateLimited => "Stripe asked golive to slow down (429).".into(),
            ApiFailure::Unreachable(m) => format!("Could not reach Stripe: {m}"),
            ApiFailure::Refused { status, message } => {
                format!("Stripe refused the request ({status}): {message}")
            }
        }
    }
}

impl From<StripeError> for ApiFailure {
    fn from(err: StripeError) -> Self {
        match err {
            StripeError::Stripe(e) => {
                let message = e.message.unwrap_or_else(|| "no message".into());
                match e.http_status {
                    401 => ApiFailure::Unauthorized(message),
                    403 => ApiFailure::Forbidden(message),
                    429 => ApiFailure::RateLimited,
                    status => ApiFailure::Refused { status, message },
                }
            }
            StripeError::ClientError(m) => ApiFailure::Unreachable(m),
            StripeError::Timeout => ApiFailure::Unreachable("timed out".into()),
            other => ApiFailure::Refused { status: 0, message: other.to_string() },
        }
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
    Ok(client.get::<AccountInfo>("/account").await?)
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

#[derive(Serialize)]
struct ListQuery<'a> {
    limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    starting_after: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    expand: &'a [&'a str],
}

/// Every object of a list endpoint, 100 at a time, following `has_more` to the end (with
/// Stripe's retries on every page).
pub async fn list_all<T: DeserializeOwned + Send + 'static>(
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
