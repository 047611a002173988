//! The routes the stand-in serves, and Stripe's 404 envelope for any other URL — and for a
//! method a served URL does not take (`PUT /v1/products`, `DELETE /v1/prices/…`), which
//! Stripe also answers as an unrecognized request URL.

use crate::error::ApiError;
use crate::middleware;
use crate::resources::{
    account, balance, checkout, coupons, customers, events, invoices, meters, payment_methods, portal, portal_sessions,
    prices, products, promotion_codes, subscriptions, test_clocks, webhooks,
};
use crate::state::Shared;
use axum::http::{Method, Uri};
use axum::routing::get;
use axum::Router;

pub fn build(state: Shared) -> Router {
    Router::new()
        .route("/v1/account", get(account::retrieve))
        .route("/v1/tax/settings", get(account::tax_settings))
        .route("/v1/balance", get(balance::retrieve))
        .route("/v1/products", get(products::list).post(products::create))
        .route("/v1/products/{id}", get(products::retrieve).post(products::update))
        .route("/v1/prices", get(prices::list).post(prices::create))
        .route("/v1/prices/{id}", get(prices::retrieve).post(prices::update))
        .route("/v1/billing/meters", get(meters::list).post(meters::create))
        .route("/v1/billing/meters/{id}", get(meters::retrieve).post(meters::update))
        .route("/v1/billing/meters/{id}/deactivate", axum::routing::post(meters::deactivate))
        .route("/v1/billing/meters/{id}/reactivate", axum::routing::post(meters::reactivate))
        .route("/v1/billing_portal/configurations", get(portal::list).post(portal::create))
        .route("/v1/billing_portal/configurations/{id}", get(portal::retrieve).post(portal::update))
        .route("/v1/billing_portal/sessions", axum::routing::post(portal_sessions::create))
        .route("/v1/customers", get(customers::list).post(customers::create))
        .route("/v1/customers/{id}", get(customers::retrieve).delete(customers::delete))
        .route("/v1/coupons", get(coupons::list).post(coupons::create))
        .route("/v1/coupons/{id}", get(coupons::retrieve).post(coupons::update).delete(coupons::delete))
        .route("/v1/promotion_codes", get(promotion_codes::list).post(promotion_codes::create))
        .route("/v1/promotion_codes/{id}", get(promotion_codes::retrieve).post(promotion_codes::update))
        .route("/v1/checkout/sessions", get(checkout::list).post(checkout::create))
        .route("/v1/checkout/sessions/{id}", get(checkout::retrieve))
        .route("/v1/checkout/sessions/{id}/expire", axum::routing::post(checkout::expire))
        .route("/v1/subscriptions", get(subscriptions::list).post(subscriptions::create))
        .route(
            "/v1/subscriptions/{id}",
            get(subscriptions::retrieve).post(subscriptions::update).delete(subscriptions::cancel),
        )
        .route("/v1/payment_methods/{id}", get(payment_methods::retrieve))
        .route("/v1/payment_methods/{id}/attach", axum::routing::post(payment_methods::attach_to_customer))
        .route("/v1/test_helpers/test_clocks", get(test_clocks::list).post(test_clocks::create))
        .route("/v1/test_helpers/test_clocks/{id}", get(test_clocks::retrieve).delete(test_clocks::delete))
        .route("/v1/test_helpers/test_clocks/{id}/advance", axum::routing::post(test_clocks::advance))
        .route("/v1/invoices", get(invoices::list))
        .route("/v1/invoices/{id}", get(invoices::retrieve))
        .route("/v1/events", get(events::list))
        .route("/v1/events/{id}", get(events::retrieve))
        .route("/v1/webhook_endpoints", get(webhooks::list).post(webhooks::create))
        .route("/v1/webhook_endpoints/{id}", get(webhooks::retrieve).post(webhooks::update).delete(webhooks::delete))
        .fallback(unrecognized)
        .method_not_allowed_fallback(unrecognized)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::handle))
        .with_state(state)
}

async fn unrecognized(method: Method, uri: Uri) -> ApiError {
    ApiError::unrecognized(method.as_str(), uri.path())
}
