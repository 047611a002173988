//! JSON as Stripe writes it: pretty-printed with two-space indentation, and in every object
//! the keys `id` then `object` first, the rest in alphabetical order (the order of every
//! Stripe object, list envelope, error and event: `id, object, api_version, created, data,
//! livemode, pending_webhooks, request, type`). Every answer and every webhook delivery is
//! written with [`to_stripe_json`], so the bytes a client or a signature check sees are the
//! bytes Stripe would send.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;

/// A JSON value that serialises with Stripe's key order.
struct Ordered<'a>(&'a Value);

fn rank(key: &str) -> u8 {
    match key {
        "id" => 0,
        "object" => 1,
        _ => 2,
    }
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
                let mut out = serializer.serialize_map(Some(keys.len()))?;
                for key in keys {
                    out.serialize_entry(key, &Ordered(&map[key]))?;
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Ordered)),
            other => other.serialize(serializer),
        }
    }
}

/// `value` as Stripe writes it (pretty-printed, Stripe's key order).
pub fn to_stripe_json(value: &Value) -> String {
    serde_json::to_string_pretty(&Ordered(value)).expect("a JSON value always serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_and_object_lead_then_alphabetical_at_every_level() {
        let value = json!({
            "type": "customer.subscription.created", "request": { "idempotency_key": null, "id": "req_1" },
            "object": "event", "livemode": false, "id": "evt_1", "data": { "object": { "status": "active", "object": "subscription", "id": "sub_1" } },
        });
        let text = to_stripe_json(&value);
        let expected = "{\n  \"id\": \"evt_1\",\n  \"object\": \"event\",\n  \"data\": {\n    \"object\": {\n      \"id\": \"sub_1\",\n      \"object\": \"subscription\",\n      \"status\": \"active\"\n    }\n  },\n  \"livemode\": false,\n  \"request\": {\n    \"id\": \"req_1\",\n    \"idempotency_key\": null\n  },\n  \"type\": \"customer.subscription.created\"\n}";
        assert_eq!(text, expected);
    }
}
