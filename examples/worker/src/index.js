// golive's reference Worker: receives Stripe's webhook events and keeps each customer's
// tier in KV.
//
// - POST /webhook/stripe verifies the Stripe-Signature header with the official `stripe`
//   package on the raw body, asynchronously with SubtleCrypto (what Workers have), within
//   Stripe's 5-minute tolerance, so replays of old events are refused.
// - During a webhook-secret rotation it accepts STRIPE_WEBHOOK_SECRET and
//   STRIPE_WEBHOOK_SECRET_PREVIOUS.
// - Handles checkout.session.completed and customer.subscription.created|updated|deleted by
//   setting the customer's tier from `metadata.plan`; ignores an event id it has seen (Stripe
//   delivers at least once) and an event older than the state it already holds (Stripe does
//   not promise order).
// - Answers 200 {"received":true} as soon as the event is stored.

import Stripe from "stripe";

const HANDLED = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
]);

// Subscription states in which the customer has the tier they pay for.
const ENTITLED = new Set(["active", "trialing", "past_due"]);

// Event ids are remembered this long (Stripe retries for up to three days).
const SEEN_TTL_SECONDS = 7 * 24 * 60 * 60;

const cryptoProvider = Stripe.createSubtleCryptoProvider();

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** The verified event, or null when no configured secret signed this body. */
async function verifiedEvent(body, signature, env) {
  // The API version pinned as the webhook endpoint is: a package upgrade cannot change it.
  const stripe = new Stripe(env.STRIPE_SECRET_KEY ?? "sk_unused", {
    apiVersion: "2026-10-28.endive",
    httpClient: Stripe.createFetchHttpClient(),
  });
  const secrets = [env.STRIPE_WEBHOOK_SECRET, env.STRIPE_WEBHOOK_SECRET_PREVIOUS].filter(Boolean);
  for (const secret of secrets) {
    try {
      return await stripe.webhooks.constructEventAsync(body, signature, secret, undefined, cryptoProvider);
    } catch {
      // try the next secret
    }
  }
  return null;
}

/** The customer and the tier an event puts them on (null: the event says nothing about it). */
export function tierChange(event) {
  const object = event.data.object;
  switch (event.type) {
    case "checkout.session.completed": {
      const plan = object.metadata?.plan;
      return object.customer && plan ? { customer: object.customer, tier: plan } : null;
    }
    case "customer.subscription.created":
    case "customer.subscription.updated": {
      const price = object.items?.data?.[0]?.price;
      const plan = object.metadata?.plan ?? price?.metadata?.plan;
      if (!object.customer || !plan) return null;
      return { customer: object.customer, tier: ENTITLED.has(object.status) ? plan : "free" };
    }
    case "customer.subscription.deleted":
      return object.customer ? { customer: object.customer, tier: "free" } : null;
    default:
      return null;
  }
}

async function apply(event, env) {
  const change = tierChange(event);
  if (!change) return;
  const key = `customer:${change.customer}`;
  const current = await env.TIERS.get(key, "json");
  // An older event must not overwrite a newer state.
  if (current && current.updated > event.created) return;
  await env.TIERS.put(key, JSON.stringify({ tier: change.tier, updated: event.created, event: event.id }));
}

export default {
  async fetch(request, env) {
    const answer = await handle(request, env);
    // Which version of the Worker answered (the version-metadata binding): golive reads it
    // to see when a new version, with new secrets, serves.
    answer.headers.set("golive-worker-version", env.CF_VERSION_METADATA?.id ?? "unknown");
    return answer;
  },
};

/** The webhook route: verify, then store the tier once per event, never older over newer. */
async function handle(request, env) {
  const url = new URL(request.url);
  if (url.pathname !== "/webhook/stripe") return json({ error: "not found" }, 404);
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
  const signature = request.headers.get("stripe-signature");
  if (!signature) return json({ error: "missing Stripe-Signature header" }, 400);
  const body = await request.text();
  const event = await verifiedEvent(body, signature, env);
  if (!event) return json({ error: "invalid signature" }, 400);
  if (!HANDLED.has(event.type)) return json({ received: true });
  const seen = `event:${event.id}`;
  if (await env.TIERS.get(seen)) return json({ received: true });
  await apply(event, env);
  await env.TIERS.put(seen, "1", { expirationTtl: SEEN_TTL_SECONDS });
  return json({ received: true });
}
