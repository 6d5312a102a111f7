//! Devices: serial numbers, meter names, and the dates of a device.

use chrono::NaiveDate;

use crate::Invalid;
use crate::Message;

/// A serial number, normalised: trimmed, upper case, inner spaces removed. Unique per model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SerialNumber(String);

impl SerialNumber {
    /// A list filter's serial number, normalised as stored.
    pub fn parse_filter(raw: Option<&str>) -> Result<Option<String>, Invalid> {
        Ok(raw.map(Self::parse).transpose()?.map(|s| s.0))
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if s.is_empty() || s.len() > 40 {
            return Err(Invalid::new(
                "serial_number",
                Message::new("invalid-must-1-40-characters"),
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
        {
            return Err(Invalid::new(
                "serial_number",
                Message::new("invalid-may-contain-only-letters-digits"),
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The meters a device reports: distinct names of lower-case letters, digits, '-' and '_'.
pub fn parse_meters(raw: &[String]) -> Result<Vec<String>, Invalid> {
    if raw.is_empty() || raw.len() > 16 {
        return Err(Invalid::new(
            "meters",
            Message::new("invalid-device-reports-1-16-meters"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for name in raw {
        let name = name.trim().to_lowercase();
        let ok = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            return Err(Invalid::new(
                "meters",
                Message::new("invalid-meter-name").with("name", &name),
            ));
        }
        if out.contains(&name) {
            return Err(Invalid::new(
                "meters",
                Message::new("invalid-listed-twice").with("name", &name),
            ));
        }
        out.push(name);
    }
    Ok(out)
}

/// Install date and warranty end: the warranty cannot end before the device was installed.
pub fn check_dates(install_date: NaiveDate, warranty_end: NaiveDate) -> Result<(), Invalid> {
    if warranty_end < install_date {
        return Err(Invalid::new(
            "warranty_end",
            Message::new("invalid-must-before-install-date"),
        ));
    }
    Ok(())
}

crate::label!(
    /// Whether a device is in service. A removed device keeps its history and takes nothing new.
    pub enum DeviceStatus as "DeviceStatus", "device status" {
        Active = "active",
        Removed = "removed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_are_normalised() {
        assert_eq!(
            SerialNumber::parse(" ab 12-34 ").unwrap().as_str(),
            "AB12-34"
        );
        for bad in ["", "   ", "AB_12", "ÅÄÖ", &"9".repeat(41)] {
            assert!(SerialNumber::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn meters_are_named_once() {
        assert_eq!(
            parse_meters(&["Black".into(), "colour".into()]).unwrap(),
            vec!["black", "colour"]
        );
        assert!(parse_meters(&[]).is_err());
        assert!(parse_meters(&["black".into(), "BLACK".into()]).is_err());
        assert!(parse_meters(&["sq m".into()]).is_err());
    }
}
