//! Sites: where an account's devices and stock locations stand, with the local time zone.

pub use chrono_tz::Tz;

use crate::Invalid;
use crate::Message;
use crate::accounts::parse_name;

/// A validated IANA time zone name such as `Europe/Stockholm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        raw.trim().parse::<Tz>().map(Self).map_err(|_| {
            Invalid::new(
                "time_zone",
                Message::new("invalid-time-zone").with("value", raw),
            )
        })
    }
    pub fn tz(self) -> Tz {
        self.0
    }
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

/// A postal address of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

impl Address {
    pub fn parse(
        line1: &str,
        line2: Option<&str>,
        postal_code: &str,
        city: &str,
        country: &str,
    ) -> Result<Self, Invalid> {
        let country = country.trim().to_uppercase();
        if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Invalid::new(
                "address.country",
                Message::new("invalid-must-iso-3166-1-alpha-2"),
            ));
        }
        Ok(Self {
            line1: parse_name("address.line1", line1, 120)?,
            line2: line2
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| parse_name("address.line2", s, 120))
                .transpose()?,
            postal_code: parse_name("address.postal_code", postal_code, 16)?,
            city: parse_name("address.city", city, 80)?,
            country,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(
            TimeZone::parse("Europe/Stockholm").unwrap().name(),
            "Europe/Stockholm"
        );
        for bad in ["", "CEST", "Europe/Gothenburg", "+01:00"] {
            assert!(TimeZone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn addresses_are_checked() {
        let a = Address::parse("Kungsgatan 1", Some("  "), "111 43", "Stockholm", "se").unwrap();
        assert_eq!(a.country, "SE");
        assert_eq!(a.line2, None);
        assert!(Address::parse("", None, "1", "x", "SE").is_err());
        assert!(Address::parse("a", None, "1", "x", "SWE").is_err());
    }
}
