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

/// A sentence for a person: a key of fleetdesk's text catalogue with the values it names.
/// The domain says what is wrong; the API writes it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// The message with the value `name` put in.
    pub fn with(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

/// For logs: the key and its values.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key)?;
        for (name, value) in &self.args {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

/// A value that failed to parse into a domain type: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: &'static str,
    pub reason: Message,
}

impl Invalid {
    pub fn new(field: &'static str, reason: Message) -> Self {
        Self { field, reason }
    }
}
