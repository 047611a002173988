//! `billing_portal/sessions`: create, answering every field of the typings'
//! `BillingPortal.Session` (`stripe_spec::objects::billing_portal_session`) with a
//! short-lived `url` (`https://billing.stripe.com/p/session/live_…`). As Stripe does, it
//! needs a `customer` that exists and is not deleted (400 `resource_missing` otherwise); a
//! given `configuration` must be an active configuration of this mode, and without one the
//! mode's default configuration is used — none is Stripe's error telling to save the portal
//! settings. `return_url` falls back to the configuration's `default_return_url`.
//! `flow_data` (`BillingPortal.SessionCreateParams.FlowData`) is checked (its `type`, the
//! subscription a subscription flow names must be the customer's and not canceled, a cancel
//! flow needs cancellation enabled in the configuration, a `redirect` needs its `return_url`)
//! and rendered as the session's `flow`. Sessions are kept (and saved) but Stripe offers no
//! way to read them back.

use crate::error::{ApiError, ApiResult};
use crate::form::parse;
use crate::ids::{now, random_alnum};
use crate::keys::Caller;
use crate::state::Shared;
use axum::body::Bytes;
use axum::extract::State;
use axum::{Extension, Json};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

const FLOW_TYPES: &[&str] = &[
    "customer_update",
    "payment_method_update",
    "subscription_cancel",
    "subscription_pause",
    "subscription_update",
    "subscription_update_confirm",
];
const AFTER_COMPLETION_TYPES: &[&str] = &["hosted_confirmation", "portal_homepage", "redirect"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostedConfirmationParams {
    custom_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RedirectParams {
    return_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AfterCompletionParams {
    hosted_confirmation: Option<HostedConfirmationParams>,
    redirect: Option<RedirectParams>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CouponOfferParams {
    coupon: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionParams {
    coupon_offer: Option<CouponOfferParams>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionCancelParams {
    retention: Option<RetentionParams>,
    subscription: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionParams {
    subscription: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmDiscountParams {
    coupon: Option<String>,
    promotion_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmItemParams {
    id: Option<String>,
    price: Option<String>,
    quantity: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionUpdateConfirmParams {
    discounts: Option<Vec<ConfirmDiscountParams>>,
    items: Option<Vec<ConfirmItemParams>>,
    subscription: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowDataParams {
    after_completion: Option<AfterCompletionParams>,
    subscription_cancel: Option<SubscriptionCancelParams>,
    subscription_pause: Option<SubscriptionParams>,
    subscription_update: Option<SubscriptionParams>,
    subscription_update_confirm: Option<SubscriptionUpdateConfirmParams>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    after_expiration: Option<IgnoredAny>,
    configuration: Option<String>,
    customer: Option<String>,
    customer_account: Option<String>,
    expand: Option<Vec<String>>,
    flow_data: Option<FlowDataParams>,
    locale: Option<String>,
    on_behalf_of: Option<String>,
    return_url: Option<String>,
}

/// The customer's subscription `id` a flow names (`param`), not canceled.
fn flow_subscription(
    data: &crate::state::ModeData,
    customer: &str,
    id: Option<String>,
    param: &str,
) -> ApiResult<String> {
    let id = id.ok_or_else(|| ApiError::missing_param(param))?;
    let subscription = data
        .subscriptions
        .iter()
        .find(|s| s["id"] == id.as_str() && s["customer"] == customer)
        .ok_or_else(|| ApiError::no_such("subscription", &id).param(param))?;
    if matches!(subscription["status"].as_str(), Some("canceled" | "incomplete_expired")) {
        return Err(ApiError::invalid_request(format!("The subscription {id} is canceled.")).param(param));
    }
    Ok(id)
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("billing_portal", true)?;
    let params: CreateParams = parse(&body)?;
    if let Some(account) = &params.customer_account {
        return Err(ApiError::no_such("account", account).param("customer_account"));
    }
    let customer = params.customer.ok_or_else(|| ApiError::missing_param("customer"))?;
    let at = now();
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    if !data.customers.iter().any(|c| c.id == customer && !c.deleted) {
        return Err(ApiError::no_such("customer", &customer).param("customer"));
    }
    let configuration = match &params.configuration {
        Some(id) => {
            let config = data
                .portal_configurations
                .iter()
                .find(|c| &c.id == id)
                .ok_or_else(|| ApiError::no_such("configuration", id).param("configuration"))?;
            if !config.active {
                return Err(ApiError::invalid_request(format!(
                    "The configuration {id} is not active: activate it or use another one."
                ))
                .param("configuration"));
            }
            config
        }
        None => {
            let mode = if caller.livemode { "live" } else { "test" };
            let dashboard = if caller.livemode { "" } else { "test/" };
            data.portal_configurations.iter().find(|c| c.is_default && c.active).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "No configuration provided and your {mode} mode default configuration has not been created. Provide a configuration or create your default by saving your customer portal settings in {mode} mode at https://dashboard.stripe.com/{dashboard}settings/billing/portal."
                ))
            })?
        }
    };
    let return_url = params.return_url.or_else(|| configuration.default_return_url.clone());
    let flow = match params.flow_data {
        None => Value::Null,
        Some(flow) => {
            let kind = flow.kind.ok_or_else(|| ApiError::missing_param("flow_data[type]"))?;
            if !FLOW_TYPES.contains(&kind.as_str()) {
                return Err(ApiError::not_one_of("flow_data[type]", FLOW_TYPES));
            }
            let after = match flow.after_completion {
                None => json!({ "hosted_confirmation": null, "redirect": null, "type": "portal_homepage" }),
                Some(after) => {
                    let after_kind =
                        after.kind.ok_or_else(|| ApiError::missing_param("flow_data[after_completion][type]"))?;
                    if !AFTER_COMPLETION_TYPES.contains(&after_kind.as_str()) {
                        return Err(ApiError::not_one_of("flow_data[after_completion][type]", AFTER_COMPLETION_TYPES));
                    }
                    let redirect = match (after_kind.as_str(), after.redirect) {
                        ("redirect", Some(RedirectParams { return_url: Some(url) })) => json!({ "return_url": url }),
                        ("redirect", _) => {
                            return Err(ApiError::missing_param("flow_data[after_completion][redirect][return_url]"))
                        }
                        _ => Value::Null,
                    };
                    let hosted = match (after_kind.as_str(), after.hosted_confirmation) {
                        ("hosted_confirmation", given) => {
                            json!({ "custom_message": given.and_then(|h| h.custom_message) })
                        }
                        _ => Value::Null,
                    };
                    json!({ "hosted_confirmation": hosted, "redirect": redirect, "type": after_kind })
                }
            };
            let mut rendered = json!({
                "after_completion": after,
                "customer_update": null,
                "subscription_cancel": null,
                "subscription_pause": null,
                "subscription_update": null,
                "subscription_update_confirm": null,
                "type": kind,
            });
            let param = |flow: &str| format!("flow_data[{flow}][subscription]");
            match kind.as_str() {
                "customer_update" => rendered["customer_update"] = json!({}),
                "subscription_cancel" => {
                    let given = flow
                        .subscription_cancel
                        .ok_or_else(|| ApiError::missing_param("flow_data[subscription_cancel]"))?;
                    let id = flow_subscription(data, &customer, given.subscription, &param("subscription_cancel"))?;
                    if !configuration.features.subscription_cancel.enabled {
                        return Err(ApiError::invalid_request(
                            "This flow requires subscription cancellation to be enabled in the portal configuration.",
                        )
                        .param("flow_data[type]"));
                    }
                    let retention = match given.retention {
                        None => Value::Null,
                        Some(r) => {
                            if r.kind.as_deref() != Some("coupon_offer") {
                                return Err(ApiError::not_one_of(
                                    "flow_data[subscription_cancel][retention][type]",
                                    &["coupon_offer"],
                                ));
                            }
                            let param = "flow_data[subscription_cancel][retention][coupon_offer][coupon]";
                            let coupon =
                                r.coupon_offer.and_then(|o| o.coupon).ok_or_else(|| ApiError::missing_param(param))?;
                            if !data.coupons.iter().any(|c| c.id == coupon) {
                                return Err(ApiError::no_such("coupon", &coupon).param(param));
                            }
                            json!({ "coupon_offer": { "coupon": coupon }, "type": "coupon_offer" })
                        }
                    };
                    rendered["subscription_cancel"] = json!({ "retention": retention, "subscription": id });
                }
                "subscription_pause" => {
                    let given = flow.subscription_pause.and_then(|s| s.subscription);
                    let id = flow_subscription(data, &customer, given, &param("subscription_pause"))?;
                    rendered["subscription_pause"] = json!({ "subscription": id });
                }
                "subscription_update" => {
                    let given = flow.subscription_update.and_then(|s| s.subscription);
                    let id = flow_subscription(data, &customer, given, &param("subscription_update"))?;
                    rendered["subscription_update"] = json!({ "subscription": id });
                }
                "subscription_update_confirm" => {
                    let given = flow
                        .subscription_update_confirm
                        .ok_or_else(|| ApiError::missing_param("flow_data[subscription_update_confirm]"))?;
                    let id =
                        flow_subscription(data, &customer, given.subscription, &param("subscription_update_confirm"))?;
                    let items = given
                        .items
                        .filter(|i| !i.is_empty())
                        .ok_or_else(|| ApiError::missing_param("flow_data[subscription_update_confirm][items]"))?;
                    let mut rendered_items = Vec::new();
                    for (i, item) in items.into_iter().enumerate() {
                        let at = |f: &str| format!("flow_data[subscription_update_confirm][items][{i}][{f}]");
                        let item_id = item.id.ok_or_else(|| ApiError::missing_param(&at("id")))?;
                        if let Some(price) = &item.price {
                            if !data.prices.iter().any(|p| &p.id == price) {
                                return Err(ApiError::no_such("price", price).param(at("price")));
                            }
                        }
                        let quantity = crate::form::parse_int(&at("quantity"), &item.quantity)?;
                        let mut rendered_item = json!({ "id": item_id, "price": item.price });
                        if let Some(q) = quantity {
                            rendered_item["quantity"] = json!(q);
                        }
                        rendered_items.push(rendered_item);
                    }
                    let discounts: Option<Vec<Value>> = given.discounts.map(|list| {
                        list.into_iter()
                            .map(|d| json!({ "coupon": d.coupon, "promotion_code": d.promotion_code }))
                            .collect()
                    });
                    rendered["subscription_update_confirm"] =
                        json!({ "discounts": discounts, "items": rendered_items, "subscription": id });
                }
                _ => {}
            }
            rendered
        }
    };
    let token = format!("{}_{}", if caller.livemode { "live" } else { "test" }, random_alnum(40));
    let session = stripe_spec::objects::billing_portal_session(&json!({
        "id": format!("bps_{}", random_alnum(24)),
        "configuration": configuration.id,
        "created": at,
        "customer": customer,
        "flow": flow,
        "livemode": caller.livemode,
        "locale": params.locale,
        "on_behalf_of": params.on_behalf_of,
        "return_url": return_url,
        "url": format!("https://billing.stripe.com/p/session/{token}"),
    }));
    data.portal_sessions.push(session.clone());
    Ok(Json(session))
}
