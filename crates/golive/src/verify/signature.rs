//! Stripe's webhook signature (`t=…,v1=HMAC-SHA256("t.body")`), the one stripe-spec makes for
//! the stand-in's deliveries too. Verify signs its probe events with the secret golive holds,
//! so a 200 from the Worker proves the Worker has the same secret.

pub use stripe_spec::signature::header;
