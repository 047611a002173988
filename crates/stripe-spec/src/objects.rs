//! Whole Stripe objects in the shape Stripe sends them at the pinned API version, and the
//! layout Stripe writes them in.
//!
//! Each object is a template (`objects/*.json`) holding every field the typings give it
//! (`Subscription`, `SubscriptionItem`, `Price`, `Plan`, the event envelope, `Customer`,
//! `DeletedCustomer`, `Coupon`, `DeletedCoupon`, `PromotionCode`, `Checkout.Session`,
//! `Invoice` with its `InvoiceLineItem`s, `BillingPortal.Session`, `PaymentMethod` (a card),
//! `TestHelpers.TestClock` and `DeletedTestClock`), with sensible values (a live $0
//! subscription checkout), filled with the caller's facts. Optional fields Stripe only
//! sends when expanded or set (`Coupon.applies_to`, `Checkout.Session.line_items`, …) are
//! left out of the templates. A test reads the typings and fails when a
//! template lacks a field Stripe always sends or has one Stripe does not know.
//!
//! Layout: Stripe delivers JSON pretty-printed with two spaces, `id` and `object` first and
//! the other keys in alphabetical order, at every level ([`to_stripe_json`]). It is applied
//! when writing, so it holds whatever map order serde_json was built with.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

fn template(text: &str) -> Value {
    serde_json::from_str(text).expect("the object templates are valid JSON")
}

/// `template` with the facts' values in place of its own: keys the template has are
/// replaced (objects on both sides are merged the same way, so a price without `meter`
/// keeps the template's `null`); keys it does not have are left out, since Stripe would
/// not send them either (e.g. `currency_options`, only there when expanded).
pub fn fill(mut template: Value, facts: &Value) -> Value {
    fill_in(&mut template, facts);
    template
}

fn fill_in(into: &mut Value, facts: &Value) {
    let (Value::Object(into), Value::Object(facts)) = (into, facts) else { return };
    for (key, value) in facts {
        match into.get_mut(key) {
            Some(slot @ Value::Object(_)) if value.is_object() && !slot.as_object().is_some_and(Map::is_empty) => {
                fill_in(slot, value)
            }
            Some(slot) => *slot = value.clone(),
            None => {}
        }
    }
}

/// A price as Stripe sends it, with the given facts (`id`, `product`, `currency`,
/// `unit_amount`, `recurring`, …, or a whole price read from Stripe). `type` and
/// `unit_amount_decimal` follow `recurring` and `unit_amount` unless given.
pub fn price(facts: &Value) -> Value {
    let mut price = fill(template(include_str!("../objects/price.json")), facts);
    if facts.get("type").is_none() {
        price["type"] = json!(if price["recurring"].is_null() { "one_time" } else { "recurring" });
    }
    if facts.get("unit_amount_decimal").is_none() {
        price["unit_amount_decimal"] = match price["unit_amount"].as_i64() {
            Some(amount) => json!(amount.to_string()),
            None => Value::Null,
        };
    }
    price
}

/// The legacy plan Stripe puts beside a recurring price in a subscription item: the
/// price's terms under the plan's field names (same id).
pub fn plan(price: &Value) -> Value {
    let recurring = &price["recurring"];
    let facts = json!({
        "id": price["id"],
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": price["livemode"],
        "metadata": price["metadata"],
        "meter": recurring["meter"],
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": price["tiers_mode"],
        "transform_usage": price["transform_quantity"],
        "trial_period_days": recurring["trial_period_days"],
        "usage_type": recurring["usage_type"],
    });
    fill(template(include_str!("../objects/plan.json")), &facts)
}

/// What a subscription with one item is made of.
#[derive(Debug, Clone)]
pub struct SubscriptionSeed<'a> {
    pub id: &'a str,
    /// The id of its one subscription item (`si_…`).
    pub item_id: &'a str,
    pub customer: &'a str,
    pub created: i64,
    pub livemode: bool,
    /// `active`, `trialing`, `past_due`, `canceled`, …
    pub status: &'a str,
    /// The subscription's metadata (e.g. `{"plan": "pro"}`, where apps read the tier).
    pub metadata: Value,
    /// The item's price, whole (see [`price`]).
    pub price: Value,
    pub quantity: u64,
}

/// A subscription with one item on `seed.price`, as Stripe sends it (e.g. as `data.object`
/// of `customer.subscription.created`): the period starts at `created` and lasts one
/// interval of the price.
pub fn subscription(seed: &SubscriptionSeed) -> Value {
    let recurring = &seed.price["recurring"];
    let period_end = match (recurring["interval"].as_str(), recurring["interval_count"].as_u64()) {
        (Some(interval), Some(count)) => period_end(seed.created, interval, count),
        _ => seed.created,
    };
    let mut item = fill(
        template(include_str!("../objects/subscription_item.json")),
        &json!({
            "id": seed.item_id,
            "created": seed.created,
            "current_period_end": period_end,
            "current_period_start": seed.created,
            "quantity": seed.quantity,
            "subscription": seed.id,
        }),
    );
    item["plan"] = plan(&seed.price);
    item["price"] = seed.price.clone();
    if recurring["usage_type"] == "metered" {
        // Stripe leaves `quantity` out of metered items (usage is reported to a meter).
        item.as_object_mut().expect("an object").remove("quantity");
    }
    let mut subscription = fill(
        template(include_str!("../objects/subscription.json")),
        &json!({
            "id": seed.id,
            "billing_cycle_anchor": seed.created,
            "created": seed.created,
            "currency": seed.price["currency"],
            "customer": seed.customer,
            "livemode": seed.livemode,
            "metadata": seed.metadata,
            "start_date": seed.created,
            "status": seed.status,
        }),
    );
    subscription["items"]["data"] = json!([item]);
    subscription["items"]["url"] = json!(format!("/v1/subscription_items?subscription={}", seed.id));
    subscription
}

/// The event envelope around `object` (`data.object`), as Stripe delivers it to an
/// endpoint: `request` is `{id: null, idempotency_key: null}` for changes Stripe made
/// itself (a Checkout, a renewal), `pending_webhooks` counts the endpoints still to answer.
pub fn event(id: &str, kind: &str, api_version: &str, created: i64, livemode: bool, object: Value) -> Value {
    let mut event = fill(
        template(include_str!("../objects/event.json")),
        &json!({
            "id": id,
            "api_version": api_version,
            "created": created,
            "livemode": livemode,
            "type": kind,
        }),
    );
    event["data"]["object"] = object;
    event
}

/// A customer as Stripe sends it, with the given facts (`id`, `email`, `created`,
/// `livemode`, `metadata`, `currency` once it has subscribed, …).
pub fn customer(facts: &Value) -> Value {
    fill(template(include_str!("../objects/customer.json")), facts)
}

/// What Stripe answers for a deleted customer (the delete, and every retrieve after it).
pub fn deleted_customer(id: &str) -> Value {
    fill(template(include_str!("../objects/deleted_customer.json")), &json!({ "id": id }))
}

/// A coupon as Stripe sends it (`applies_to` and `currency_options` are only sent when
/// expanded, so the template has neither).
pub fn coupon(facts: &Value) -> Value {
    fill(template(include_str!("../objects/coupon.json")), facts)
}

/// What Stripe answers to deleting a coupon.
pub fn deleted_coupon(id: &str) -> Value {
    fill(template(include_str!("../objects/deleted_coupon.json")), &json!({ "id": id }))
}

/// A promotion code as Stripe sends it at this API version: the coupon is under
/// `promotion: {type: "coupon", coupon}` (older versions had a top-level `coupon`).
pub fn promotion_code(facts: &Value) -> Value {
    fill(template(include_str!("../objects/promotion_code.json")), facts)
}

/// A Checkout Session as Stripe sends it (`line_items` only when expanded); the template is
/// an open hosted session in subscription mode.
pub fn checkout_session(facts: &Value) -> Value {
    fill(template(include_str!("../objects/checkout_session.json")), facts)
}

/// An invoice as Stripe sends it, with its lines (see [`invoice_line_item`]) in `lines`;
/// the template is a subscription's first invoice, paid.
pub fn invoice(facts: &Value, lines: Vec<Value>) -> Value {
    let mut invoice = fill(template(include_str!("../objects/invoice.json")), facts);
    let url = format!("/v1/invoices/{}/lines", invoice["id"].as_str().unwrap_or_default());
    invoice["lines"]["data"] = Value::Array(lines);
    invoice["lines"]["url"] = json!(url);
    invoice
}

/// One line of an invoice as Stripe sends it; the template bills a subscription item.
pub fn invoice_line_item(facts: &Value) -> Value {
    fill(template(include_str!("../objects/invoice_line_item.json")), facts)
}

/// A customer portal session (`BillingPortal.Session`) as Stripe sends it.
pub fn billing_portal_session(facts: &Value) -> Value {
    fill(template(include_str!("../objects/billing_portal_session.json")), facts)
}

/// A card payment method as Stripe sends it (`type: card`; the template is a Visa ending
/// 4242, not attached), with the given facts (`id`, `customer`, `card.last4`, …).
pub fn payment_method(facts: &Value) -> Value {
    fill(template(include_str!("../objects/payment_method.json")), facts)
}

/// A test clock (`test_helpers.test_clock`) as Stripe sends it; the template is `ready`
/// (`status_details: {}`); an advancing one has `status_details.advancing.target_frozen_time`.
pub fn test_clock(facts: &Value) -> Value {
    fill(template(include_str!("../objects/test_clock.json")), facts)
}

/// What Stripe answers to deleting a test clock.
pub fn deleted_test_clock(id: &str) -> Value {
    fill(template(include_str!("../objects/deleted_test_clock.json")), &json!({ "id": id }))
}

/// `value` written the way Stripe writes JSON: pretty-printed with two spaces, `id` and
/// `object` first, then the other keys in alphabetical order, at every level.
pub fn to_stripe_json(value: &Value) -> String {
    serde_json::to_string_pretty(&StripeOrder(value)).expect("a JSON value always serialises")
}

struct StripeOrder<'a>(&'a Value);

impl Serialize for StripeOrder<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by(|a, b| (rank(a), a.as_str()).cmp(&(rank(b), b.as_str())));
                let mut out = serializer.serialize_map(Some(keys.len()))?;
                for key in keys {
                    out.serialize_entry(key, &StripeOrder(&map[key]))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&StripeOrder(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

fn rank(key: &str) -> u8 {
    match key {
        "id" => 0,
        "object" => 1,
        _ => 2,
    }
}

/// The end of a billing period of `count` × `interval` starting at `start` (Unix time, UTC):
/// months and years are calendar ones (Jan 31 + 1 month = Feb 28/29), as Stripe bills.
pub fn period_end(start: i64, interval: &str, count: u64) -> i64 {
    let count = count as i64;
    let months = match interval {
        "day" => return start + count * 86_400,
        "week" => return start + count * 7 * 86_400,
        "month" => count,
        "year" => 12 * count,
        _ => return start,
    };
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(start) else { return start };
    let total = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + months;
    let Ok(year) = i32::try_from(total.div_euclid(12)) else { return start };
    let month = time::Month::try_from(total.rem_euclid(12) as u8 + 1).expect("1 to 12 is a month");
    let day = at.day().min(time::util::days_in_month(month, year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(date) => at.replace_date(date).unix_timestamp(),
        Err(_) => start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    fn typings(file: &str) -> String {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/stripe/cjs");
        let path = root.join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run npm install)", path.display()))
    }

    /// One field of an interface in the typings.
    #[derive(Debug)]
    struct Field {
        name: String,
        optional: bool,
        /// The type as written on the field's line (`Subscription.AutomaticTax | null`).
        ty: String,
    }

    /// The fields of the interface at `path` (`["Subscription"]` is `export interface
    /// Subscription`, `["Subscription", "InvoiceSettings", "Issuer"]` the interface nested in
    /// `export declare namespace Subscription { namespace InvoiceSettings { … } }`), in the
    /// typings' order; `None` when the file has no such interface.
    fn interface(text: &str, path: &[&str]) -> Option<Vec<Field>> {
        let lines: Vec<&str> = text.lines().collect();
        let (mut from, mut to) = (0, lines.len());
        for (depth, name) in path.iter().enumerate() {
            let indent = " ".repeat(4 * depth);
            let last = depth == path.len() - 1;
            let opening = |line: &str| {
                let line = line.strip_prefix(&indent).unwrap_or("");
                let decl = match (depth, last) {
                    (0, true) => format!("export interface {name}"),
                    (0, false) => format!("export declare namespace {name}"),
                    (_, true) => format!("interface {name}"),
                    (_, false) => format!("namespace {name}"),
                };
                // `ApiList<T> {` is ApiList; `SubscriptionItem {` is not Subscription.
                let after = line.strip_prefix(&decl).unwrap_or("");
                (after.starts_with(' ') || after.starts_with('<')) && line.ends_with('{')
            };
            let start = (from..to).find(|&i| opening(lines[i]))?;
            let close = format!("{indent}}}");
            let end = (start + 1..to).find(|&i| lines[i] == close)?;
            (from, to) = (start + 1, end);
        }
        let indent = " ".repeat(4 * path.len());
        let fields = lines[from..to]
            .iter()
            .filter_map(|line| {
                let rest = line.strip_prefix(&indent)?;
                if rest.starts_with(' ') || rest.starts_with('/') || rest.starts_with('*') {
                    return None;
                }
                let (name, ty) = rest.split_once(": ")?;
                let (name, optional) = match name.strip_suffix('?') {
                    Some(n) => (n, true),
                    None => (name, false),
                };
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| Field {
                    name: name.to_string(),
                    optional,
                    ty: ty.trim_end_matches(';').to_string(),
                })
            })
            .collect();
        Some(fields)
    }

    /// Checks `value`'s keys against the interface at `path`, then every object-valued field
    /// whose type is an interface of the same file, recursively. Returns the problems found.
    fn check(text: &str, path: &[&str], value: &Value, at: &str, problems: &mut Vec<String>) {
        let fields = interface(text, path).unwrap_or_else(|| panic!("no interface {path:?} in the typings"));
        let object = value.as_object().unwrap_or_else(|| panic!("{at} is not an object"));
        let known: BTreeSet<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        for f in fields.iter().filter(|f| !f.optional && f.name != "deleted") {
            if !object.contains_key(&f.name) {
                problems.push(format!("{at} lacks `{}` ({})", f.name, f.ty));
            }
        }
        for key in object.keys().filter(|k| !known.contains(k.as_str())) {
            problems.push(format!("{at} has `{key}`, which {} does not", path.join(".")));
        }
        // Stripe's layout (id, object, then alphabetical) is the typings' order too.
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let mut ordered = names.clone();
        ordered.sort_by_key(|k| (rank(k), *k));
        assert_eq!(names, ordered, "{} is not in id, object, alphabetical order", path.join("."));
        for f in &fields {
            let Some(inner @ Value::Object(_)) = object.get(&f.name) else { continue };
            let reference = f.ty.split(" | ").next().unwrap_or("");
            if !reference.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
                continue;
            }
            // A name is looked up from the interface's own namespace outwards, as TypeScript does.
            let parts: Vec<&str> = reference.split('.').collect();
            let scopes = (0..path.len()).rev().map(|n| [&path[..n], &parts[..]].concat());
            if let Some(target) = scopes.into_iter().find(|p| interface(text, p).is_some()) {
                check(text, &target, inner, &format!("{at}.{}", f.name), problems);
            }
        }
    }

    fn sample_price(recurring: Value) -> Value {
        price(&json!({
            "id": "price_1", "product": "prod_1", "currency": "eur", "unit_amount": 1500,
            "created": 1_700_000_000, "livemode": true, "metadata": { "plan": "pro" }, "recurring": recurring,
        }))
    }

    fn sample_subscription(price: Value) -> Value {
        subscription(&SubscriptionSeed {
            id: "sub_1",
            item_id: "si_1",
            customer: "cus_1",
            created: 1_700_000_000,
            livemode: true,
            status: "active",
            metadata: json!({ "plan": "pro" }),
            price,
            quantity: 1,
        })
    }

    #[test]
    fn every_template_has_the_fields_of_its_interface_in_the_typings_and_no_other() {
        let licensed = sample_price(json!({ "interval": "month", "interval_count": 1, "usage_type": "licensed" }));
        let subscription = sample_subscription(licensed.clone());
        let item = &subscription["items"]["data"][0];
        let event = event("evt_1", "customer.subscription.created", crate::PINNED_API_VERSION, 1, true, json!({}));
        let mut problems = Vec::new();
        let subs = typings("resources/Subscriptions.d.ts");
        check(&subs, &["Subscription"], &subscription, "subscription", &mut problems);
        check(&typings("lib.d.ts"), &["ApiList"], &subscription["items"], "subscription.items", &mut problems);
        let items = typings("resources/SubscriptionItems.d.ts");
        check(&items, &["SubscriptionItem"], item, "item", &mut problems);
        check(&typings("resources/Prices.d.ts"), &["Price"], &item["price"], "item.price", &mut problems);
        check(&typings("resources/Plans.d.ts"), &["Plan"], &item["plan"], "item.plan", &mut problems);
        check(&typings("resources/Events.d.ts"), &["EventBase"], &event, "event", &mut problems);
        let one_time = sample_price(Value::Null);
        check(&typings("resources/Prices.d.ts"), &["Price"], &one_time, "one-time price", &mut problems);
        check_billing_objects(&mut problems);
        assert!(problems.is_empty(), "the templates disagree with the typings:\n{}", problems.join("\n"));
        // the check itself catches a missing and an invented field
        let mut broken = subscription.clone();
        broken.as_object_mut().unwrap().remove("cancel_at");
        broken["automatic_tax"]["invented"] = json!(1);
        check(&subs, &["Subscription"], &broken, "broken", &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    /// The objects of a smoke purchase and a billing rehearsal (customer, coupon, promotion
    /// code, checkout session, payment method, test clock,
    /// invoice and its line, portal session), each in the states the stand-in sends it in.
    fn check_billing_objects(problems: &mut Vec<String>) {
        let customers = typings("resources/Customers.d.ts");
        let customer = customer(&json!({ "id": "cus_1", "email": "a@example.com", "currency": "usd" }));
        check(&customers, &["Customer"], &customer, "customer", problems);
        check(&customers, &["DeletedCustomer"], &deleted_customer("cus_1"), "deleted customer", problems);
        let coupons = typings("resources/Coupons.d.ts");
        let percent = coupon(&json!({ "id": "SMOKE", "percent_off": 100.0, "max_redemptions": 1 }));
        check(&coupons, &["Coupon"], &percent, "coupon", problems);
        let amount = coupon(&json!({ "id": "FIVE", "percent_off": null, "amount_off": 500, "currency": "usd" }));
        check(&coupons, &["Coupon"], &amount, "amount coupon", problems);
        check(&coupons, &["DeletedCoupon"], &deleted_coupon("SMOKE"), "deleted coupon", problems);
        let code = promotion_code(&json!({ "id": "promo_1", "code": "SMOKE-1", "promotion": { "coupon": "SMOKE" } }));
        check(&typings("resources/PromotionCodes.d.ts"), &["PromotionCode"], &code, "promotion code", problems);
        let sessions = typings("resources/Checkout/Sessions.d.ts");
        let open = checkout_session(&json!({
            "id": "cs_live_1", "livemode": true, "amount_total": 0, "customer_email": "a@example.com",
            "customer_details": {
                "address": null, "business_name": null, "email": "a@example.com", "individual_name": null,
                "name": null, "phone": null, "tax_exempt": "none", "tax_ids": null,
            },
            "discounts": [{ "coupon": null, "promotion_code": "promo_1" }],
            "payment_method_collection": "if_required",
            "total_details": { "amount_discount": 2900 },
            "url": "https://checkout.stripe.com/c/pay/cs_live_1#x",
        }));
        check(&sessions, &["Session"], &open, "checkout session", problems);
        let complete = checkout_session(&json!({
            "id": "cs_live_1", "status": "complete", "payment_status": "no_payment_required",
            "customer": "cus_1", "subscription": "sub_1", "invoice": "in_1",
            "collected_information": { "business_name": null, "individual_name": null, "shipping_details": null },
        }));
        check(&sessions, &["Session"], &complete, "completed checkout session", problems);
        let line = invoice_line_item(&json!({
            "id": "il_1", "amount": 2900,
            "discount_amounts": [{ "amount": 2900, "discount": "di_1" }],
            "discounts": ["di_1"],
        }));
        let lines = typings("resources/InvoiceLineItems.d.ts");
        check(&lines, &["InvoiceLineItem"], &line, "invoice line", problems);
        let invoice = invoice(&json!({ "id": "in_1", "subtotal": 2900, "total": 0, "number": "ABC-0001" }), vec![line]);
        let invoices = typings("resources/Invoices.d.ts");
        check(&invoices, &["Invoice"], &invoice, "invoice", problems);
        check(&typings("lib.d.ts"), &["ApiList"], &invoice["lines"], "invoice.lines", problems);
        let portal = billing_portal_session(&json!({
            "id": "bps_1",
            "flow": {
                "after_completion": { "hosted_confirmation": null, "redirect": null, "type": "portal_homepage" },
                "customer_update": null,
                "subscription_cancel": { "retention": null, "subscription": "sub_1" },
                "subscription_pause": null, "subscription_update": null, "subscription_update_confirm": null,
                "type": "subscription_cancel",
            },
        }));
        check(&typings("resources/BillingPortal/Sessions.d.ts"), &["Session"], &portal, "portal session", problems);
        let methods = typings("resources/PaymentMethods.d.ts");
        let card = payment_method(&json!({
            "id": "pm_1", "customer": "cus_1", "created": 1, "card": { "last4": "0341", "exp_year": 2031 },
        }));
        check(&methods, &["PaymentMethod"], &card, "payment method", problems);
        check(&typings("shared.d.ts"), &["Address"], &card["billing_details"]["address"], "pm address", problems);
        let clocks = typings("resources/TestHelpers/TestClocks.d.ts");
        let ready = test_clock(&json!({ "id": "clock_1", "frozen_time": 1, "name": "rehearsal" }));
        check(&clocks, &["TestClock"], &ready, "test clock", problems);
        let advancing = test_clock(&json!({
            "id": "clock_1", "status": "advancing", "status_details": { "advancing": { "target_frozen_time": 2 } },
        }));
        check(&clocks, &["TestClock"], &advancing, "advancing test clock", problems);
        check(&clocks, &["DeletedTestClock"], &deleted_test_clock("clock_1"), "deleted test clock", problems);
    }

    #[test]
    fn billing_objects_take_the_facts_given() {
        let session = checkout_session(&json!({ "id": "cs_live_1", "livemode": true, "amount_total": 0 }));
        assert_eq!((session["amount_total"].clone(), session["status"].clone()), (json!(0), json!("open")));
        assert_eq!(session["total_details"]["amount_tax"], 0, "nested facts merge into the template");
        let line = invoice_line_item(&json!({ "id": "il_1" }));
        let invoice = invoice(&json!({ "id": "in_9" }), vec![line]);
        assert_eq!(invoice["lines"]["url"], "/v1/invoices/in_9/lines");
        assert_eq!(invoice["lines"]["data"][0]["id"], "il_1");
        assert_eq!(deleted_customer("cus_1"), json!({ "id": "cus_1", "object": "customer", "deleted": true }));
        assert_eq!(deleted_coupon("X")["deleted"], true);
        let card = payment_method(&json!({ "card": { "last4": "3184" } }));
        assert_eq!((card["card"]["last4"].clone(), card["card"]["brand"].clone()), (json!("3184"), json!("visa")));
        let clock = test_clock(
            &json!({ "status": "advancing", "status_details": { "advancing": { "target_frozen_time": 9 } } }),
        );
        assert_eq!(clock["status_details"]["advancing"]["target_frozen_time"], 9);
        assert_eq!(test_clock(&json!({}))["status_details"], json!({}));
        assert_eq!(deleted_test_clock("clock_1")["object"], "test_helpers.test_clock");
        let code = promotion_code(&json!({ "promotion": { "coupon": "SMOKE" } }));
        assert_eq!(code["promotion"], json!({ "coupon": "SMOKE", "type": "coupon" }));
    }

    #[test]
    fn a_subscription_carries_its_price_plan_and_period() {
        let price = sample_price(json!({ "interval": "month", "interval_count": 1, "usage_type": "licensed" }));
        assert_eq!(price["type"], "recurring");
        assert_eq!(price["unit_amount_decimal"], "1500");
        assert_eq!(price["recurring"]["meter"], Value::Null, "a fact the caller left out keeps the template's");
        let sub = sample_subscription(price.clone());
        assert_eq!(sub["currency"], "eur");
        assert_eq!(sub["metadata"]["plan"], "pro");
        assert_eq!(sub["items"]["url"], "/v1/subscription_items?subscription=sub_1");
        let item = &sub["items"]["data"][0];
        assert_eq!(item["price"], price);
        assert_eq!((item["plan"]["id"].clone(), item["plan"]["amount"].clone()), (json!("price_1"), json!(1500)));
        assert_eq!(item["current_period_end"], period_end(1_700_000_000, "month", 1));
        assert_eq!(item["quantity"], 1);
        let metered = sample_price(json!({ "interval": "month", "interval_count": 1, "usage_type": "metered" }));
        assert!(sample_subscription(metered)["items"]["data"][0].get("quantity").is_none());
        assert_eq!(sample_price(Value::Null)["type"], "one_time");
    }

    #[test]
    fn periods_are_calendar_months_and_years() {
        use time::macros::datetime;
        let at = |t: time::OffsetDateTime| t.unix_timestamp();
        let jan31 = at(datetime!(2026-01-31 01:00 UTC));
        assert_eq!(period_end(jan31, "month", 1), at(datetime!(2026-02-28 01:00 UTC)));
        assert_eq!(period_end(at(datetime!(2028-02-29 00:00 UTC)), "year", 1), at(datetime!(2029-02-28 00:00 UTC)));
        assert_eq!(period_end(jan31, "month", 13), at(datetime!(2027-02-28 01:00 UTC)));
        assert_eq!(period_end(at(datetime!(2026-03-31 00:00 UTC)), "month", 1), at(datetime!(2026-04-30 00:00 UTC)));
        assert_eq!(period_end(jan31, "week", 2), jan31 + 14 * 86_400);
    }

    #[test]
    fn stripe_layout_is_pretty_with_id_and_object_first() {
        let value =
            json!({ "type": "x", "data": { "object": { "b": [], "a": {}, "object": "o", "id": "i" } }, "id": "evt" });
        let expected = "{\n  \"id\": \"evt\",\n  \"data\": {\n    \"object\": {\n      \"id\": \"i\",\n      \"object\": \"o\",\n      \"a\": {},\n      \"b\": []\n    }\n  },\n  \"type\": \"x\"\n}";
        assert_eq!(to_stripe_json(&value), expected);
        let event = event("evt_1", "customer.subscription.created", "v", 1, true, json!({}));
        let text = to_stripe_json(&event);
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
            .map(|l| l.trim_start().split('"').nth(1).unwrap())
            .collect();
        let stripe =
            ["id", "object", "api_version", "created", "data", "livemode", "pending_webhooks", "request", "type"];
        assert_eq!(keys, stripe);
        assert!(text.contains("\"request\": {\n    \"id\": null,\n    \"idempotency_key\": null\n  }"), "{text}");
    }
}
