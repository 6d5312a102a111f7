//! Customer accounts: the two reference numbers and the staff-only credit data.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::Message;

/// Normalises a reference number: trimmed, upper-cased, `[A-Z0-9-]`, bounded length,
/// starting and ending with a letter or digit.
fn reference_number(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, Invalid> {
    let s = raw.trim().to_uppercase();
    if s.len() < min || s.len() > max {
        return Err(Invalid::new(
            field,
            Message::new("invalid-length-between")
                .with("min", min)
                .with("max", max),
        ));
    }
    let ok_char = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
    if !s.chars().all(|c| ok_char(c) || c == '-')
        || !s.starts_with(ok_char)
        || !s.ends_with(ok_char)
    {
        return Err(Invalid::new(
            field,
            Message::new("invalid-may-contain-only-letters-digits-inner"),
        ));
    }
    Ok(s)
}

/// The number on the customer's contract, invoices, quotes and tender documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerAccountNumber(String);

impl CustomerAccountNumber {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        reference_number("customer_account_number", raw, 4, 20).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The number customer service uses internally to identify the customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SystemAccountNumber(String);

impl SystemAccountNumber {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        reference_number("system_account_number", raw, 4, 20).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Normalises a search term for `?number=`: it matches either number exactly.
pub fn normalise_number_query(raw: &str) -> String {
    raw.trim().to_uppercase()
}

/// A display name: 1 to `max` characters as sent, not blank, no control characters; trimmed.
pub fn parse_name(field: &'static str, raw: &str, max: usize) -> Result<String, Invalid> {
    let s = raw.trim();
    // The limit counts what was sent, surrounding spaces included, as the contract's
    // `maxLength` does.
    if s.is_empty() || raw.chars().count() > max {
        return Err(Invalid::new(
            field,
            Message::new("invalid-length-between")
                .with("min", 1)
                .with("max", max),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            Message::new("invalid-must-contain-control-characters"),
        ));
    }
    Ok(s.to_owned())
}

/// A telephone number as people write it: at most 40 characters of digits, spaces and
/// `+ - ( ) . /`, with at least one digit; trimmed.
pub fn parse_phone(field: &'static str, raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let ok = s.chars().count() <= 40
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c));
    if !ok {
        return Err(Invalid::new(
            field,
            Message::new("invalid-digits-spaces-only-most-40"),
        ));
    }
    Ok(s.to_owned())
}

/// A three-letter ISO 4217 currency code, upper case.
pub fn parse_currency(field: &'static str, raw: &str) -> Result<String, Invalid> {
    if raw.len() != 3 || !raw.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Invalid::new(
            field,
            Message::new("invalid-currency-must-three-letter-iso-4217"),
        ));
    }
    Ok(raw.to_owned())
}

/// Customer service's assessment of the customer's creditworthiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditRating {
    Excellent,
    Good,
    Fair,
    Poor,
    Blocked,
}

impl CreditRating {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
            Self::Fair => "fair",
            Self::Poor => "poor",
            Self::Blocked => "blocked",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "excellent" => Ok(Self::Excellent),
            "good" => Ok(Self::Good),
            "fair" => Ok(Self::Fair),
            "poor" => Ok(Self::Poor),
            "blocked" => Ok(Self::Blocked),
            _ => Err(Invalid::new(
                "credit_rating",
                Message::new("invalid-unknown-rating"),
            )),
        }
    }
}

impl fmt::Display for CreditRating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invoice in an account's payment history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    pub invoice_number: String,
    pub due_on: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    /// In the currency's minor unit (cents, öre).
    pub amount_minor: i64,
    /// ISO 4217 code, upper case.
    pub currency: String,
}

impl PaymentRecord {
    pub fn validate(&self) -> Result<(), Invalid> {
        let field = "payment_history";
        parse_name(field, &self.invoice_number, 40)?;
        if self.amount_minor < 0 {
            return Err(Invalid::new(
                field,
                Message::new("invalid-amount-minor-must-negative"),
            ));
        }
        parse_currency(field, &self.currency)?;
        Ok(())
    }

    /// Days paid after the due date (0 when on time), or `None` while unpaid.
    pub fn days_late(&self) -> Option<i64> {
        self.paid_on
            .map(|paid| (paid - self.due_on).num_days().max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_digits_with_their_usual_marks() {
        assert_eq!(
            parse_phone("phone", " +46 (8) 123-456.78 ").unwrap(),
            "+46 (8) 123-456.78"
        );
        for bad in ["", "   ", "call us", "+-()", &"1".repeat(41), "08 123\n456"] {
            assert!(parse_phone("phone", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_are_normalised() {
        assert_eq!(
            CustomerAccountNumber::parse(" c-10042 ").unwrap().as_str(),
            "C-10042"
        );
        assert_eq!(
            SystemAccountNumber::parse("1-7ab9").unwrap().as_str(),
            "1-7AB9"
        );
    }

    #[test]
    fn bad_numbers_are_refused() {
        for raw in [
            "",
            "abc",
            "-1234",
            "1234-",
            "12 34",
            "12_34",
            "ÅÄÖ123",
            &"9".repeat(21),
        ] {
            assert!(CustomerAccountNumber::parse(raw).is_err(), "{raw:?}");
            assert!(SystemAccountNumber::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn payments_are_checked() {
        let ok = PaymentRecord {
            invoice_number: "INV-1".into(),
            due_on: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            paid_on: NaiveDate::from_ymd_opt(2026, 10, 5),
            amount_minor: 125_000,
            currency: "SEK".into(),
        };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.days_late(), Some(4));
        assert!(
            PaymentRecord {
                currency: "sek".into(),
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            PaymentRecord {
                amount_minor: -1,
                ..ok
            }
            .validate()
            .is_err()
        );
    }
}
