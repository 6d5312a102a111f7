//! The text formats the parsers of `domain` accept, each published once as a named string
//! schema, so that a generated client checks a form field as the server will. A DTO field
//! that holds one names it with `#[schema(value_type = …)]` (`#[param(value_type = …)]`).

use std::borrow::Cow;

use utoipa::openapi::schema::{Schema, Type};
use utoipa::openapi::{ObjectBuilder, RefOr};
use utoipa::{PartialSchema, ToSchema};

macro_rules! formats {
    ($($(#[$meta:meta])* $name:ident as $schema:literal: $pattern:literal, $example:literal, $description:literal;)+) => {$(
        $(#[$meta])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($description))
                    .pattern(Some($pattern))
                    .examples([$example])
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($schema)
            }
        }
    )+};
}

formats! {
    /// `domain::devices::SerialNumber::parse`: whitespace dropped, upper-cased.
    SerialNumberText as "SerialNumber": r"^\s*[A-Za-z0-9/-](\s*[A-Za-z0-9/-]){0,39}\s*$", "NP-1001",
        "A device's serial number: 1 to 40 letters, digits, '-' and '/' (whitespace is dropped; stored upper case).";
    /// `domain::stock::parse_part_number`: trimmed, upper-cased.
    PartNumberText as "PartNumber": r"^\s*[A-Za-z0-9./-]{1,40}\s*$", "TN-321K",
        "A consumable's part number: 1 to 40 letters, digits, '-', '.' and '/' (stored upper case).";
    /// The remedy catalogue's problem categories: trimmed, lower-cased.
    ProblemCategoryText as "ProblemCategory": r"^\s*[A-Za-z0-9_]{1,60}\s*$", "paper_jam",
        "A problem category: 1 to 60 letters, digits and '_' (stored lower case).";
    /// `domain::devices::parse_meters`, one meter: trimmed, lower-cased.
    MeterNameText as "MeterName": r"^\s*[A-Za-z0-9_-]{1,32}\s*$", "black",
        "A meter's name: 1 to 32 letters, digits, '-' and '_' (stored lower case).";
    /// `domain::knowledge::parse_tags`, one tag.
    TagText as "Tag": r"^\s*[^\s\x00-\x2C\x2E\x2F\x3A-\x40\x5B-\x60\x7B-\x9F]{1,40}\s*$", "pappersstopp",
        "A knowledge tag: 1 to 40 letters of any alphabet, digits and '-' (stored lower case).";
}

/// `domain::identity::Email::parse`: trimmed, lower-cased; the contract states the ASCII
/// form (the server also takes letters of other alphabets in the domain).
pub struct EmailText;

impl PartialSchema for EmailText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "An e-mail address: 1 to 64 characters, '@', a domain of two or more labels.",
            ))
            .max_length(Some(254))
            .pattern(Some(
                r"^\s*[\x21-\x3F\x41-\x7E]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\s*$",
            ))
            .examples(["anna.berg@nordicprint.example"])
            .into()
    }
}

impl ToSchema for EmailText {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Email")
    }
}
