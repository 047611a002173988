//! The event types a webhook endpoint may subscribe to (`enabled_events`), from the typings.
