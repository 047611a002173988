//! A whole `Subscription` object, every field of the typings' `Subscription` (npm `stripe`
//! 23.1.0, `Subscriptions.d.ts`) with the values Stripe gives a subscription a customer just
//! started at Checkout: active, charged automatically, one item at quantity 1 whose `price`
//! is the price as the stand-in renders it and whose `plan` is the same price in the legacy
//! Plan shape, the current period on the item (where the API has kept it since 2025-03-31).

use serde_json::{json, Value};

/// Who subscribed to what, and when.
pub struct NewSubscription<'a> {
    pub id: &'a str,
    pub customer: &'a str,
    /// The price as the stand-in renders it (the JSON of `resources::prices::Price`).
    pub price: &'a Value,
    pub metadata: Value,
    pub livemode: bool,
    pub now: i64,
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian), after Howard Hinnant.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    days_from_civil(next_year, next_month, 1) - days_from_civil(year, month, 1)
}

/// The end of a billing period that starts at `start`: `count` intervals later on the
/// calendar, a month-end anchor clamped to shorter months as Stripe does.
pub fn period_end(start: i64, interval: &str, count: i64) -> i64 {
    const DAY: i64 = 86_400;
    let (days, seconds) = (start.div_euclid(DAY), start.rem_euclid(DAY));
    let add_months = |months: i64| {
        let (year, month, day) = civil_from_days(days);
        let total = year * 12 + (month - 1) + months;
        let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
        let day = day.min(days_in_month(year, month));
        days_from_civil(year, month, day) * DAY + seconds
    };
    match interval {
        "day" => start + count * DAY,
        "week" => start + count * 7 * DAY,
        "year" => add_months(12 * count),
        _ => add_months(count),
    }
}

/// The price in the legacy `Plan` shape Stripe still sends on subscription items.
fn plan_of(price: &Value) -> Value {
    let recurring = &price["recurring"];
    json!({
        "id": price["id"], "object": "plan", "active": price["active"],
        "amount": price["unit_amount"], "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"], "created": price["created"], "currency": price["currency"],
        "interval": recurring["interval"], "interval_count": recurring["interval_count"],
        "livemode": price["livemode"], "metadata": price["metadata"], "meter": recurring.get("meter").cloned().unwrap_or(Value::Null),
        "nickname": price["nickname"], "product": price["product"], "tiers_mode": price["tiers_mode"],
        "transform_usage": price["transform_quantity"], "trial_period_days": recurring.get("trial_period_days").cloned().unwrap_or(Value::Null),
        "usage_type": recurring.get("usage_type").cloned().unwrap_or_else(|| json!("licensed")),
    })
}

/// The subscription object, whole.
pub fn subscription(new: &NewSubscription) -> Value {
    let price = new.price;
    let interval = price["recurring"]["interval"].as_str().unwrap_or("month");
    let count = price["recurring"]["interval_count"].as_i64().unwrap_or(1);
    let item = json!({
        "id": crate::ids::new_id("si"), "object": "subscription_item",
        "billing_thresholds": null, "created": new.now,
        "current_period_end": period_end(new.now, interval, count), "current_period_start": new.now,
        "current_trial": null, "discounts": [], "metadata": {},
        "plan": plan_of(price), "price": price, "quantity": 1,
        "subscription": new.id, "tax_rates": [],
    });
    let mut subscription = json!({
        "id": new.id, "object": "subscription",
        "application": null, "application_fee_percent": null,
        "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null },
        "billing_cycle_anchor": new.now, "billing_cycle_anchor_config": null,
        "billing_mode": { "flexible": { "proration_discounts": "included" }, "type": "flexible" },
        "billing_schedules": [], "billing_thresholds": null,
        "cancel_at": null, "cancel_at_period_end": false, "canceled_at": null,
        "cancellation_details": { "comment": null, "feedback": null, "feedback_option": null, "reason": null },
        "collection_method": "charge_automatically", "created": new.now, "currency": price["currency"],
        "customer": new.customer, "customer_account": null, "days_until_due": null,
        "default_payment_method": crate::ids::new_id("pm"), "default_source": null, "default_tax_rates": [],
        "description": null, "discounts": [], "ended_at": null,
        "invoice_settings": { "account_tax_ids": null, "custom_fields": null, "description": null, "footer": null, "issuer": { "type": "self" } },
        "items": {
            "object": "list", "data": [item], "has_more": false, "total_count": 1,
            "url": format!("/v1/subscription_items?subscription={}", new.id),
        },
    });
    let rest = json!({
        "latest_invoice": crate::ids::new_id("in"), "livemode": new.livemode, "managed_payments": null,
        "metadata": new.metadata, "next_pending_invoice_item_invoice": null, "on_behalf_of": null,
        "pause_collection": null,
        "payment_settings": { "payment_method_options": null, "payment_method_types": null, "save_default_payment_method": "off" },
        "pending_invoice_item_interval": null, "pending_setup_intent": null, "pending_update": null,
        "schedule": null, "start_date": new.now, "status": "active", "test_clock": null, "transfer_data": null,
        "trial_end": null,
        "trial_settings": { "end_behavior": { "billing_cycle_anchor": null, "missing_payment_method": "create_invoice" } },
        "trial_start": null,
    });
    if let (Some(whole), Value::Object(rest)) = (subscription.as_object_mut(), rest) {
        whole.extend(rest);
    }
    subscription
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_the_calendar() {
        let jan_31 = days_from_civil(2026, 1, 31) * 86_400 + 3600;
        assert_eq!(period_end(jan_31, "month", 1), days_from_civil(2026, 2, 28) * 86_400 + 3600);
        assert_eq!(period_end(jan_31, "year", 1), days_from_civil(2027, 1, 31) * 86_400 + 3600);
        assert_eq!(period_end(jan_31, "week", 2), jan_31 + 14 * 86_400);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }
}
