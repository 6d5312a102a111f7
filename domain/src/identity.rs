//! Who a caller is: e-mail addresses, staff roles and customer roles.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::Message;

/// A syntactically valid, normalised (trimmed, lower-cased) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let normalised = raw.trim().to_lowercase();
        let invalid = |why| Invalid::new("email", Message::new(why));
        if normalised.len() > 254 {
            return Err(invalid("invalid-email-too-long"));
        }
        let (local, domain) = normalised
            .rsplit_once('@')
            .ok_or_else(|| invalid("invalid-email-no-at"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("invalid-email-local-part"));
        }
        if normalised
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
            || local.contains('@')
        {
            return Err(invalid("invalid-email-spaces"));
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
            return Err(invalid("invalid-email-domain"));
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
                        $crate::Message::new("invalid-unknown-role")
                            .with("value", other)
                            .with("names", [$($text),+].join(", ")),
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

role_enum!(
    /// A user of a dealer organisation (an authorised service provider).
    DealerRole {
        DealerAdmin => "dealer-admin",
        DealerTechnician => "dealer-technician",
    }
);

crate::label!(impl StaffRole as "StaffRole", "staff role");

crate::label!(
    /// What a mailed single-use token is for.
    pub enum TokenPurpose as "TokenPurpose", "token purpose" {
        ConfirmEmail = "confirm-email",
    }
);
crate::label!(impl CustomerRole as "CustomerRoleDto", "customer role");
crate::label!(impl DealerRole as "DealerRoleDto", "dealer role");

/// The dealer organisation a dealer user belongs to, with their role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealerMembership {
    pub dealer_id: String,
    pub role: DealerRole,
}

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
    pub dealer: Option<DealerMembership>,
    pub memberships: Vec<Membership>,
    /// Devices assigned to this user as a device manager: (account, device).
    pub assigned_devices: Vec<(String, String)>,
    /// Stock locations assigned to this user as a stock manager: (account, location).
    pub assigned_stock_locations: Vec<(String, String)>,
    /// `None` for a person, whose role alone decides; an API client's scopes otherwise
    /// (see [`crate::clients`]): an action outside them is refused whatever the role.
    pub scopes: Option<Vec<crate::clients::Scope>>,
}

impl Principal {
    /// Do the caller's scopes hold what `action` needs? Always for a person.
    pub fn scoped_for(&self, action: crate::policy::Action) -> bool {
        match &self.scopes {
            None => true,
            Some(scopes) => action.scope().is_some_and(|s| scopes.contains(&s)),
        }
    }

    /// An API client rather than a person.
    pub fn is_client(&self) -> bool {
        self.scopes.is_some()
    }

    pub fn role_in(&self, account_id: &str) -> Option<CustomerRole> {
        self.memberships
            .iter()
            .find(|m| m.account_id == account_id)
            .map(|m| m.role)
    }
}

/// A password that meets the sign-up rules: long enough, not a well-known one, and not
/// built from the user's own address. Length beats composition rules, so there are none.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Passwords that appear at the top of every breach list (compared case-insensitively).
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "0123456789",
    "1q2w3e4r5t",
    "qwertyuiop",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "iloveyou12",
    "abcdefghij",
    "qwerty1234",
    "1qaz2wsx3edc",
    "letmein123",
    "welcome123",
    "administrator",
    "changeme123",
    "fleetdesk123",
    "printer1234",
];

impl Password {
    pub fn parse(raw: &str, email: &Email) -> Result<Self, Invalid> {
        let invalid = |why| Invalid::new("password", Message::new(why));
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(invalid("invalid-password-short"));
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(invalid("invalid-password-long"));
        }
        let lower = raw.to_lowercase();
        if COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err(invalid("invalid-password-common"));
        }
        let distinct: std::collections::HashSet<char> = lower.chars().collect();
        if distinct.len() < 4 {
            return Err(invalid("invalid-password-few-characters"));
        }
        let local = email.as_str().split('@').next().unwrap_or_default();
        if local.len() >= 4 && lower.contains(local) || lower == email.as_str() {
            return Err(invalid("invalid-password-contains-address"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_the_rules() {
        let email = Email::parse("anna.berg@example.com").unwrap();
        assert!(Password::parse("correct horse battery", &email).is_ok());
        for bad in [
            "short",
            "aaaaaaaaaaaa",
            "abababababab",
            "Password123",
            "anna.berg-2026!",
            &"x1".repeat(65),
        ] {
            assert!(Password::parse(bad, &email).is_err(), "{bad:?}");
        }
        assert!(
            !format!(
                "{:?}",
                Password::parse("correct horse battery", &email).unwrap()
            )
            .contains("horse")
        );
    }

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
        for r in DealerRole::ALL {
            assert_eq!(r.as_str().parse::<DealerRole>().unwrap(), *r);
        }
        assert!("admin".parse::<CustomerRole>().is_err());
    }
}
