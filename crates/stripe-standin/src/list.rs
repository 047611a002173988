//! Stripe's list envelope and cursor pagination (`limit`, `starting_after`, `ending_before`,
//! `has_more`). A cursor naming no object of the list is a missing reference: 400
//! `resource_missing` with the cursor's param, as Stripe answers it.

use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The pagination parameters every list endpoint takes.
#[derive(Debug, Default, Deserialize)]
pub struct Page {
    pub limit: Option<String>,
    pub starting_after: Option<String>,
    pub ending_before: Option<String>,
}

/// Wraps one page of objects in Stripe's list envelope.
pub fn envelope(url: &str, has_more: bool, data: impl Serialize) -> Value {
    json!({ "object": "list", "url": url, "has_more": has_more, "data": data })
}

/// The object kind an id names, by its prefix, for "No such …" messages.
fn kind_of(id: &str) -> &'static str {
    match id.split('_').next().unwrap_or_default() {
        "prod" => "product",
        "price" => "price",
        "we" => "webhook_endpoint",
        "evt" => "event",
        "bpc" => "configuration",
        "mtr" => "billing.meter",
        "cus" => "customer",
        "promo" => "promotion_code",
        "cs" => "checkout.session",
        "sub" => "subscription",
        "in" => "invoice",
        "clock" => "test_clock",
        "pm" => "PaymentMethod",
        _ => "object",
    }
}

/// Cuts one page out of `items` (already filtered, newest first): the window and `has_more`.
pub fn paginate<'a, T>(items: Vec<&'a T>, id_of: impl Fn(&T) -> &str, page: &Page) -> ApiResult<(Vec<&'a T>, bool)> {
    let limit = match &page.limit {
        None => 10,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid_request(format!(
                    "Invalid integer: {raw}. This value must be between 1 and 100."
                ))
                .code("parameter_invalid_integer")
                .param("limit"))
            }
        },
    };
    let position = |cursor: &str, param: &str| {
        items
            .iter()
            .position(|item| id_of(item) == cursor)
            .ok_or_else(|| ApiError::no_such(kind_of(cursor), cursor).param(param.to_string()))
    };
    Ok(if let Some(cursor) = &page.starting_after {
        let start = position(cursor, "starting_after")? + 1;
        let rest = &items[start.min(items.len())..];
        (rest.iter().take(limit).copied().collect(), rest.len() > limit)
    } else if let Some(cursor) = &page.ending_before {
        let end = position(cursor, "ending_before")?;
        let before = &items[..end];
        let from = before.len().saturating_sub(limit);
        (before[from..].to_vec(), from > 0)
    } else {
        (items.iter().take(limit).copied().collect(), items.len() > limit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(window: &(Vec<&String>, bool)) -> Vec<String> {
        window.0.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn walks_forward_and_backward_with_has_more() {
        let items: Vec<String> = (0..25).map(|i| format!("o{i}")).collect();
        let refs: Vec<&String> = items.iter().collect();
        let page = |after: Option<&str>, before: Option<&str>| Page {
            limit: Some("10".into()),
            starting_after: after.map(Into::into),
            ending_before: before.map(Into::into),
        };
        let first = paginate(refs.clone(), |s| s, &page(None, None)).unwrap();
        assert_eq!(ids(&first).len(), 10);
        assert!(first.1);
        let third = paginate(refs.clone(), |s| s, &page(Some("o19"), None)).unwrap();
        assert_eq!(ids(&third), vec!["o20", "o21", "o22", "o23", "o24"]);
        assert!(!third.1);
        let back = paginate(refs.clone(), |s| s, &page(None, Some("o12"))).unwrap();
        assert_eq!(ids(&back), (2..12).map(|i| format!("o{i}")).collect::<Vec<_>>());
        assert!(back.1);
    }

    #[test]
    fn refuses_limits_outside_one_to_hundred() {
        let items = ["a".to_string()];
        let refs: Vec<&String> = items.iter().collect();
        let page = Page { limit: Some("101".into()), ..Default::default() };
        let err = paginate(refs, |s| s, &page).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("limit"));
    }

    #[test]
    fn an_unknown_cursor_is_a_missing_reference() {
        let items = ["prod_a".to_string()];
        let refs: Vec<&String> = items.iter().collect();
        let page = Page { starting_after: Some("prod_gone".into()), ..Default::default() };
        let err = paginate(refs, |s| s, &page).unwrap_err();
        assert_eq!(err.status.as_u16(), 400);
        assert_eq!(err.message, "No such product: 'prod_gone'");
        assert_eq!(err.param.as_deref(), Some("starting_after"));
    }
}
