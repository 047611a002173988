//! `payment_methods`: retrieve and attach, for Stripe's test cards. In test mode the magic
//! ids Stripe documents stand for a card anywhere a payment method is taken
//! (docs.stripe.com/testing, "PaymentMethods"): attaching one — `POST
//! /v1/payment_methods/{magic}/attach` with `customer`, or a customer created with
//! `payment_method` — makes a new `pm_…` card attached to the customer (`type: card`, brand,
//! last four, expiry; `stripe_spec::objects::payment_method`) and records
//! `payment_method.attached`. What a card does when charged is what Stripe's test card does:
//!
//! | magic id | last4 | every charge |
//! |---|---|---|
//! | `pm_card_visa` | 4242 | succeeds |
//! | `pm_card_mastercard` | 4444 | succeeds |
//! | `pm_card_amex` | 8431 | succeeds |
//! | `pm_card_chargeCustomerFail` | 0341 | attaches, then is declined (`card_declined`) |
//! | `pm_card_threeDSecure2Required` | 3184 | requires authentication (3D Secure 2): every off-session and first charge |
//!
//! The stand-in makes no other payment methods: live mode knows none of these ids (400
//! `resource_missing`, as Stripe answers a test id with a live key), and a `pm_…` already
//! attached to another customer cannot be attached again. Retrieving a magic id shows its
//! unattached card.

use super::RetrieveParams;
use crate::error::{ApiError, ApiResult};
use crate::form::parse;
use crate::ids::{new_id, now};
use crate::keys::Caller;
use crate::middleware::RequestId;
use crate::resources::customers::event_request;
use crate::resources::events::NewEvent;
use crate::state::{ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What charging a card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeBehavior {
    Succeeds,
    /// Declined: `card_declined`.
    Declined,
    /// The issuer asks for 3D Secure: the payment waits for the customer (`requires_action`).
    RequiresAuthentication,
}

/// One of Stripe's magic test payment method ids.
pub struct TestCard {
    pub magic: &'static str,
    pub brand: &'static str,
    pub last4: &'static str,
    pub behavior: ChargeBehavior,
}

/// The test cards the stand-in knows (see the module doc).
pub const TEST_CARDS: &[TestCard] = &[
    TestCard { magic: "pm_card_visa", brand: "visa", last4: "4242", behavior: ChargeBehavior::Succeeds },
    TestCard { magic: "pm_card_mastercard", brand: "mastercard", last4: "4444", behavior: ChargeBehavior::Succeeds },
    TestCard { magic: "pm_card_amex", brand: "amex", last4: "8431", behavior: ChargeBehavior::Succeeds },
    TestCard { magic: "pm_card_chargeCustomerFail", brand: "visa", last4: "0341", behavior: ChargeBehavior::Declined },
    TestCard {
        magic: "pm_card_threeDSecure2Required",
        brand: "visa",
        last4: "3184",
        behavior: ChargeBehavior::RequiresAuthentication,
    },
];

/// A card payment method, as the stand-in keeps it; [`PaymentMethod::render`] gives Stripe's
/// object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub id: String,
    pub created: i64,
    pub livemode: bool,
    pub customer: Option<String>,
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i64,
    /// The magic id it was made from (`pm_card_visa`, …).
    pub test_card: String,
    pub behavior: ChargeBehavior,
}

impl PaymentMethod {
    /// A new card from `card` at `created` (it expires in December three years on, as test
    /// cards take any future date).
    fn from_test_card(card: &TestCard, id: String, created: i64, livemode: bool, customer: Option<String>) -> Self {
        let (year, _, _) = crate::resources::billing::civil_date(created);
        PaymentMethod {
            id,
            created,
            livemode,
            customer,
            brand: card.brand.into(),
            last4: card.last4.into(),
            exp_month: 12,
            exp_year: year + 3,
            test_card: card.magic.into(),
            behavior: card.behavior,
        }
    }

    pub fn render(&self) -> Value {
        // The same card number has the same fingerprint, as on Stripe.
        let fingerprint: String =
            format!("{:016x}", fnv(self.test_card.as_bytes())).chars().map(|c| c.to_ascii_uppercase()).collect();
        stripe_spec::objects::payment_method(&json!({
            "id": self.id,
            "card": {
                "brand": self.brand,
                "display_brand": self.brand,
                "exp_month": self.exp_month,
                "exp_year": self.exp_year,
                "fingerprint": fingerprint,
                "last4": self.last4,
                "networks": { "available": [self.brand], "preferred": null },
            },
            "created": self.created,
            "customer": self.customer,
            "livemode": self.livemode,
        }))
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The test card a magic id names, in test mode.
fn test_card(id: &str, livemode: bool) -> Option<&'static TestCard> {
    TEST_CARDS.iter().find(|c| c.magic == id).filter(|_| !livemode)
}

/// Attaches payment method `id` (a magic test id: a new card; or a `pm_…` of this mode) to
/// `customer` at `at`; `param` names the parameter for errors. The card attached, and whether
/// it was attached just now (one already on this customer is answered as it is).
pub(crate) fn attach(
    data: &mut ModeData,
    id: &str,
    param: &str,
    customer: &str,
    at: i64,
    livemode: bool,
) -> ApiResult<(PaymentMethod, bool)> {
    if let Some(card) = test_card(id, livemode) {
        let method = PaymentMethod::from_test_card(card, new_id("pm"), at, livemode, Some(customer.to_string()));
        data.payment_methods.push(method.clone());
        return Ok((method, true));
    }
    let method = data
        .payment_methods
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(|| ApiError::no_such("PaymentMethod", id).param(param))?;
    match method.customer.as_deref() {
        Some(owner) if owner == customer => Ok((method.clone(), false)),
        Some(_) => {
            Err(ApiError::invalid_request("The payment method you provided has already been attached to a customer.")
                .param(param))
        }
        None => {
            let method = data.payment_methods.iter_mut().find(|m| m.id == id).expect("found above");
            method.customer = Some(customer.to_string());
            Ok((method.clone(), true))
        }
    }
}

/// The card `id` if it is attached to `customer` (what `default_payment_method` may name).
pub(crate) fn attached_to<'a>(data: &'a ModeData, id: &str, customer: &str) -> Option<&'a PaymentMethod> {
    data.payment_methods.iter().find(|m| m.id == id && m.customer.as_deref() == Some(customer))
}

/// Stripe's refusal of a default payment method the customer does not have.
pub(crate) fn not_attached(id: &str, param: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "The customer does not have a payment method with the ID {id}. The payment method must be attached to the customer."
    ))
    .code("resource_missing")
    .param(param)
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("payment_methods", false)?;
    let _: RetrieveParams = parse(query.unwrap_or_default().as_bytes())?;
    if let Some(card) = test_card(&id, caller.livemode) {
        return Ok(Json(PaymentMethod::from_test_card(card, id.clone(), now(), false, None).render()));
    }
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.payment_methods
        .iter()
        .find(|m| m.id == id)
        .map(|m| Json(m.render()))
        .ok_or_else(|| ApiError::no_such("PaymentMethod", &id))
}

// Accepts every parameter Stripe does (`PaymentMethodAttachParams`).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachParams {
    customer: Option<String>,
    customer_account: Option<String>,
    expand: Option<Vec<String>>,
}

pub async fn attach_to_customer(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    caller.require("payment_methods", true)?;
    let params: AttachParams = parse(&body)?;
    if params.customer_account.is_some() {
        return Err(ApiError::invalid_request(
            "The stand-in does not model customer accounts (Accounts v2): pass `customer`.",
        )
        .param("customer_account"));
    }
    let customer = params.customer.ok_or_else(|| ApiError::missing_param("customer"))?;
    let (method, attached, at) = {
        let mut guard = state.lock().unwrap();
        let now = guard.now();
        let data = guard.mode(&caller.account_id, caller.livemode);
        let record = data
            .customers
            .iter()
            .find(|c| c.id == customer && !c.deleted)
            .ok_or_else(|| ApiError::no_such("customer", &customer).param("customer"))?;
        let at = crate::resources::test_clocks::time_of(data, record, now);
        let (method, attached) = attach(data, &id, "id", &customer, at, caller.livemode)?;
        (method, attached, at)
    };
    let object = method.render();
    if attached {
        let event = NewEvent::new("payment_method.attached", object.clone()).at(at);
        let request = event_request(&request_id, &headers);
        crate::delivery::record_and_deliver_new(&state, &caller.account_id, caller.livemode, vec![event], request)
            .await;
    }
    Ok(Json(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_attach_as_new_cards_and_only_in_test_mode() {
        let mut data = ModeData::default();
        let (card, new) = attach(&mut data, "pm_card_chargeCustomerFail", "payment_method", "cus_1", 0, false).unwrap();
        assert!(new && card.id.starts_with("pm_") && card.id != "pm_card_chargeCustomerFail");
        assert_eq!((card.last4.as_str(), card.behavior), ("0341", ChargeBehavior::Declined));
        assert_eq!(card.render()["card"]["exp_year"], 1973);
        let again = attach(&mut data, &card.id, "payment_method", "cus_2", 0, false).unwrap_err();
        assert!(again.message.contains("already been attached"), "{}", again.message);
        let live = attach(&mut data, "pm_card_visa", "payment_method", "cus_1", 0, true).unwrap_err();
        assert_eq!((live.status.as_u16(), live.code), (400, Some("resource_missing")));
    }
}
