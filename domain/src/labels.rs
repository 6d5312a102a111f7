//! Closed sets of names: statuses, categories, roles and kinds. Each is a Rust enum whose
//! variants have one stable name — the name stored in the database, written in JSON and listed
//! in the contract. `persistence` stores them, `api` publishes them, both through [`Label`].

use std::fmt;

/// A closed set of names.
pub trait Label: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// What the set is called in messages, such as `case status`.
    const WHAT: &'static str;
    /// Its schema's name in the contract, such as `CaseStatus`.
    const SCHEMA: &'static str;
    /// Every member, in the order the contract lists them.
    const MEMBERS: &'static [Self];

    /// The member's stable name, such as `in_progress`.
    fn name(self) -> &'static str;

    fn from_name(name: &str) -> Option<Self> {
        Self::MEMBERS.iter().copied().find(|m| m.name() == name)
    }

    /// Every name, for a message: `open, resolved or closed`.
    fn names() -> String {
        let names: Vec<&str> = Self::MEMBERS.iter().map(|m| m.name()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.concat(),
        }
    }
}

/// Defines a [`Label`] enum: `label!(/// doc
/// pub enum DeviceStatus as "DeviceStatus", "device status" { Active = "active", … })`.
/// It gets `ALL`, `as_str`, `parse`, `Display` and serde by name.
#[macro_export]
macro_rules! label {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident as $schema:literal, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(name: &str) -> Option<Self> {
                <Self as $crate::labels::Label>::from_name(name)
            }
        }

        $crate::label!(impl $name as $schema, $what);
        $crate::label!(serde $name);

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    // An enum that has `ALL` and `as_str` of its own.
    (impl $name:ty as $schema:literal, $what:literal) => {
        impl $crate::labels::Label for $name {
            const WHAT: &'static str = $what;
            const SCHEMA: &'static str = $schema;
            const MEMBERS: &'static [Self] = <$name>::ALL;

            fn name(self) -> &'static str {
                self.as_str()
            }
        }
    };
    // Serialized and deserialized by name.
    (serde $name:ty) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::labels::Label::name(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                <$name as $crate::labels::Label>::from_name(&name).ok_or_else(|| {
                    ::serde::de::Error::custom(format!(
                        "unknown {} '{name}': one of {}",
                        <$name as $crate::labels::Label>::WHAT,
                        <$name as $crate::labels::Label>::names()
                    ))
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Label;

    crate::label!(
        /// Only for these tests.
        enum Colour as "Colour", "colour" { Red = "red", DarkBlue = "dark_blue", Green = "green" }
    );

    #[test]
    fn every_name_parses_back_to_its_member() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_string(c).ok(), Some(format!("\"{c}\"")));
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(Colour::names(), "red, dark_blue or green");
    }

    #[test]
    fn unknown_names_are_refused_with_every_name_listed() {
        let e = serde_json::from_str::<Colour>("\"blue\"")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown colour 'blue': one of red, dark_blue or green"),
            "{e}"
        );
        assert_eq!(
            serde_json::from_str::<Colour>("\"dark_blue\"").ok(),
            Some(Colour::DarkBlue)
        );
    }
}
