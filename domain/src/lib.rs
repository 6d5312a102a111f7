//! fleetdesk's business rules as pure types and functions.
//!
//! Nothing here performs I/O or reads a clock: callers pass the time in. The crate knows
//! nothing of HTTP or SQL, so every rule can be tested (and property-tested) in isolation.

pub mod accounts;
pub mod calendar;
pub mod cases;
pub mod clients;
pub mod dealers;
pub mod devices;
pub mod events;
pub mod identity;
pub mod knowledge;
pub mod labels;
pub mod mail;
pub mod membership;
pub mod notifications;
pub mod periods;
pub mod policy;
pub mod readings;
pub mod sites;
pub mod stock;
pub mod throttle;
pub mod webhooks;

/// A value that failed to parse into a domain type: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: &'static str,
    pub reason: String,
}

impl Invalid {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
