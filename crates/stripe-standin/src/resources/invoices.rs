//! `invoices`: retrieve and list (filters `customer`, `subscription`, `status`, `created`,
//! `due_date`, `collection_method`), kept as whole `Invoice` objects
//! (`stripe_spec::objects::invoice`, lines included). Subscription invoices are built here —
//! `draft`, `finalize`, `pay` — and moved through Stripe's states: draft, then finalized
//! (`open`, numbered `PREFIX-0001` from the customer's prefix, hosted URLs), then paid
//! (`amount_paid`, `paid_at`), so each event carries the invoice as it was. A first invoice
//! (`billing_reason: subscription_create`, made by Checkout completion,
//! [`crate::resources::checkout`], or `POST /v1/subscriptions`) has its period start and end
//! at its creation, as Stripe's first invoices do, and its lines bill the subscription's first
//! period, each with the discount it got. Renewals (`subscription_cycle`) and `always_invoice`
//! prorations (`subscription_update`), their retries and voiding, are
//! [`crate::resources::billing`]'s.

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::parse;
use crate::ids::random_alnum;
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::resources::events::{created_bounds, range_bounds, within, Created};
use crate::state::Shared;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const STATUSES: &[&str] = &["draft", "open", "paid", "uncollectible", "void"];

/// One line of an invoice: a subscription item's period (or, with `proration`, the part of
/// one a price change credits or charges).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Line {
    pub subscription_item: String,
    pub price: String,
    pub product: String,
    pub product_name: String,
    /// `month`, `year`, … as the description says it (`1 × Pro (at $29.00 / month)`).
    pub interval: String,
    pub unit_amount_decimal: Option<String>,
    pub quantity: i64,
    /// Before the discount.
    pub amount: i64,
    /// What the discount took off this line.
    pub discount: i64,
    pub period_start: i64,
    pub period_end: i64,
    /// The line's own description (a proration's `Unused time on …`); `None`: Stripe's
    /// `1 × Pro (at $29.00 / month)`.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is a proration of a price or quantity change.
    #[serde(default)]
    pub proration: bool,
}

/// What a subscription's first invoice is made of.
pub(crate) struct FirstInvoice<'a> {
    pub id: &'a str,
    pub created: i64,
    pub livemode: bool,
    pub currency: &'a str,
    pub account_name: Option<&'a str>,
    pub account_country: &'a str,
    pub customer: &'a crate::resources::customers::Customer,
    pub subscription: &'a str,
    pub subscription_metadata: &'a Value,
    /// The discount applied (`di_…`), if any.
    pub discount: Option<&'a str>,
    pub default_payment_method: Option<&'a str>,
    pub lines: Vec<Line>,
}

/// `amount` (minor units) as Stripe writes it in line descriptions: `$29.00`.
fn money(amount: i64, currency: &str) -> String {
    let symbol = match currency {
        "usd" => "$".to_string(),
        "eur" => "€".to_string(),
        "gbp" => "£".to_string(),
        other => format!("{} ", other.to_uppercase()),
    };
    format!("{symbol}{}.{:02}", amount / 100, amount % 100)
}

/// The draft first invoice (its state in `invoice.created`).
pub(crate) fn draft(seed: &FirstInvoice) -> Value {
    let subtotal: i64 = seed.lines.iter().map(|l| l.amount).sum();
    let discounted: i64 = seed.lines.iter().map(|l| l.discount).sum();
    let total = subtotal - discounted;
    let discounts: Vec<&str> = seed.discount.into_iter().collect();
    let lines = seed
        .lines
        .iter()
        .map(|line| {
            let (discount_amounts, pretax) = match seed.discount {
                Some(discount) => (
                    json!([{ "amount": line.discount, "discount": discount }]),
                    json!([{ "amount": line.discount, "discount": discount, "type": "discount" }]),
                ),
                None => (json!([]), json!([])),
            };
            let unit = if line.quantity == 0 { 0 } else { line.amount / line.quantity };
            stripe_spec::objects::invoice_line_item(&json!({
                "id": format!("il_{}", random_alnum(24)),
                "amount": line.amount,
                "currency": seed.currency,
                "description": line.description.clone().unwrap_or_else(|| format!("{} × {} (at {} / {})", line.quantity, line.product_name, money(unit, seed.currency), line.interval)),
                "discount_amounts": discount_amounts,
                "discounts": discounts,
                "invoice": seed.id,
                "livemode": seed.livemode,
                "parent": {
                    "subscription_item_details": {
                        "proration": line.proration,
                        "subscription": seed.subscription,
                        "subscription_item": line.subscription_item,
                    },
                },
                "period": { "end": line.period_end, "start": line.period_start },
                "pretax_credit_amounts": pretax,
                "pricing": {
                    "price_details": { "price": line.price, "product": line.product },
                    "unit_amount_decimal": line.unit_amount_decimal,
                },
                "quantity": line.quantity,
                "quantity_decimal": line.quantity.to_string(),
                "subscription": seed.subscription,
                "subtotal": line.amount,
            }))
        })
        .collect();
    let (total_discounts, total_pretax) = match seed.discount {
        Some(discount) => (
            json!([{ "amount": discounted, "discount": discount }]),
            json!([{ "amount": discounted, "discount": discount, "type": "discount" }]),
        ),
        None => (json!([]), json!([])),
    };
    stripe_spec::objects::invoice(
        &json!({
            "id": seed.id,
            "account_country": seed.account_country,
            "account_name": seed.account_name,
            "amount_due": total,
            "amount_paid": 0,
            "amount_remaining": total,
            "attempt_count": 0,
            "attempted": false,
            "auto_advance": true,
            "created": seed.created,
            "currency": seed.currency,
            "customer": seed.customer.id,
            "customer_email": seed.customer.email,
            "customer_name": seed.customer.name,
            "customer_phone": seed.customer.phone,
            "customer_tax_exempt": seed.customer.tax_exempt,
            "default_payment_method": seed.default_payment_method,
            "discounts": discounts,
            "effective_at": null,
            "ending_balance": null,
            "livemode": seed.livemode,
            "number": null,
            "parent": { "subscription_details": { "metadata": seed.subscription_metadata, "subscription": seed.subscription } },
            "period_end": seed.created,
            "period_start": seed.created,
            "status": "draft",
            "status_transitions": { "finalized_at": null, "paid_at": null },
            "subtotal": subtotal,
            "subtotal_excluding_tax": subtotal,
            "total": total,
            "total_discount_amounts": total_discounts,
            "total_excluding_tax": total,
            "total_pretax_credit_amounts": total_pretax,
        }),
        lines,
    )
}

/// Finalizes a draft at `at`: `open`, numbered, with its hosted page and PDF.
pub(crate) fn finalize(invoice: &mut Value, at: i64, number: &str, account_id: &str) {
    let mode = if invoice["livemode"] == true { "live" } else { "test" };
    let token = format!("{mode}_{}", random_alnum(40));
    invoice["status"] = json!("open");
    invoice["number"] = json!(number);
    invoice["effective_at"] = json!(at);
    invoice["ending_balance"] = json!(0);
    invoice["hosted_invoice_url"] = json!(format!("https://invoice.stripe.com/i/{account_id}/{token}"));
    invoice["invoice_pdf"] = json!(format!("https://pay.stripe.com/invoice/{account_id}/{token}/pdf?s=ap"));
    invoice["status_transitions"]["finalized_at"] = json!(at);
    invoice["webhooks_delivered_at"] = json!(at);
}

/// Pays an open invoice at `at` for its whole amount (`charged`: by card, one attempt; a $0
/// invoice is paid without one).
pub(crate) fn pay(invoice: &mut Value, at: i64, charged: bool) {
    invoice["status"] = json!("paid");
    invoice["amount_paid"] = invoice["amount_due"].clone();
    invoice["amount_remaining"] = json!(0);
    invoice["attempted"] = json!(true);
    invoice["attempt_count"] = json!(u8::from(charged));
    invoice["auto_advance"] = json!(false);
    invoice["status_transitions"]["paid_at"] = json!(at);
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("invoices", false)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.invoices
        .iter()
        .find(|i| i["id"] == id.as_str())
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::no_such("invoice", &id))
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    collection_method: Option<String>,
    created: Option<Created>,
    customer: Option<String>,
    customer_account: Option<String>,
    due_date: Option<Created>,
    expand: Option<Vec<String>>,
    status: Option<String>,
    subscription: Option<String>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("invoices", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    if let Some(status) = &params.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::not_one_of("status", STATUSES));
        }
    }
    let created = created_bounds(&params.created)?;
    let due = range_bounds("due_date", &params.due_date)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&Value> = data
        .invoices
        .iter()
        .rev()
        .filter(|i| params.customer.as_ref().is_none_or(|c| i["customer"] == c.as_str()))
        .filter(|i| params.customer_account.as_ref().is_none_or(|c| i["customer_account"] == c.as_str()))
        .filter(|i| {
            params
                .subscription
                .as_ref()
                .is_none_or(|s| i["parent"]["subscription_details"]["subscription"] == s.as_str())
        })
        .filter(|i| params.status.as_ref().is_none_or(|s| i["status"] == s.as_str()))
        .filter(|i| params.collection_method.as_ref().is_none_or(|m| i["collection_method"] == m.as_str()))
        .filter(|i| within(i["created"].as_i64().unwrap_or_default(), &created))
        // Only invoices with a due date (sent ones) match a due_date filter.
        .filter(|i| due.is_empty() || i["due_date"].as_i64().is_some_and(|d| within(d, &due)))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |i| i["id"].as_str().unwrap_or_default(), &page)?;
    Ok(Json(envelope("/v1/invoices", has_more, window)))
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn amounts_read_as_stripe_writes_them() {
        assert_eq!(money(2900, "usd"), "$29.00");
        assert_eq!(money(905, "eur"), "€9.05");
        assert_eq!(money(0, "chf"), "CHF 0.00");
    }
}
