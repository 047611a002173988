//! The released Stripe API versions (what `api_version` accepts), from the typings.
