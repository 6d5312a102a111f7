//! Who a caller is: e-mail addresses, staff roles and customer roles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// A syntactically valid, normalised (trimmed, lower-cased) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let normalised = raw.trim().to_lowercase();
        let invalid = |why: &str| Invalid::new("email", why);
        if normalised.len() > 254 {
            return Err(invalid("is longer than 254 characters"));
        }
        let (local, domain) = normalised
            .rsplit_once('@')
            .ok_or_else(|| invalid("needs an @"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("needs 1 to 64 characters before the @"));
        }
        if normalised
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
            || local.contains('@')
        {
            return Err(invalid("must not contain spaces or a second @"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(invalid("needs a domain such as example.com after the @"));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Defines a role enum with its stable kebab-case names, parsing and display.
macro_rules! role_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(Invalid::new(
                        "role",
                        format!("unknown role '{other}'; one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

role_enum!(
    /// The manufacturer's own staff.
    StaffRole {
        CustomerService => "customer-service",
        CallCenter => "call-center",
        DispatchPlanner => "dispatch-planner",
        Technician => "technician",
        WarrantyAdmin => "warranty-admin",
    }
);

role_enum!(
    /// A user's role inside one customer account (one per membership).
    CustomerRole {
        Administrator => "administrator",
        DeviceManager => "device-manager",
        StockManager => "stock-manager",
        DeviceAndStockManager => "device-and-stock-manager",
        KnowledgeUser => "knowledge-user",
    }
);

/// One account a customer user belongs to, with their role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub account_id: String,
    pub role: CustomerRole,
}

/// The authenticated caller as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: String,
    pub staff_role: Option<StaffRole>,
    pub memberships: Vec<Membership>,
}

impl Principal {
    pub fn role_in(&self, account_id: &str) -> Option<CustomerRole> {
        self.memberships
            .iter()
            .find(|m| m.account_id == account_id)
            .map(|m| m.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        let e = Email::parse("  Anna.Berg@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "anna.berg@example.com");
    }

    #[test]
    fn bad_emails_are_refused() {
        for raw in [
            "",
            "anna",
            "@example.com",
            "anna@",
            "anna@localhost",
            "an na@example.com",
            "anna@exa mple.com",
            "anna@-example.com",
            "a@b@example.com",
            "anna@example..com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be refused");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in StaffRole::ALL {
            assert_eq!(r.as_str().parse::<StaffRole>().unwrap(), *r);
        }
        for r in CustomerRole::ALL {
            assert_eq!(r.as_str().parse::<CustomerRole>().unwrap(), *r);
        }
        assert!("admin".parse::<CustomerRole>().is_err());
    }
}
