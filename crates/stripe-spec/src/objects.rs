//! Whole Stripe objects in the shape Stripe sends them at the pinned API version.
