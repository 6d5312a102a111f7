//! Statuses, categories, roles and kinds are stored as TEXT and read back as the domain's
//! enums ([`Label`]): a row holds a [`Stored`] enum, so an unknown stored name is an error when
//! the row is read, never a string compared later.

use std::ops::Deref;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use fleetdesk_domain::labels::Label;

use crate::MultiBackend;

/// A label as a column holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, FromSqlRow, AsExpression)]
#[diesel(sql_type = Text)]
pub struct Stored<L: Label>(pub L);

impl<L: Label> Deref for Stored<L> {
    type Target = L;
    fn deref(&self) -> &L {
        &self.0
    }
}

impl<L: Label> std::fmt::Display for Stored<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name())
    }
}

impl<L: Label> PartialEq<L> for Stored<L> {
    fn eq(&self, other: &L) -> bool {
        self.0 == *other
    }
}

impl<L: Label> From<L> for Stored<L> {
    fn from(label: L) -> Self {
        Stored(label)
    }
}

impl<L: Label> ToSql<Text, Pg> for Stored<L> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.name(), out)
    }
}

impl<L: Label> ToSql<Text, Sqlite> for Stored<L> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.name());
        Ok(IsNull::No)
    }
}

impl<L: Label> ToSql<Text, MultiBackend> for Stored<L> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        <str as ToSql<Text, MultiBackend>>::to_sql(self.0.name(), out)
    }
}

impl<L: Label, DB: Backend> FromSql<Text, DB> for Stored<L>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let name = String::from_sql(value)?;
        L::from_name(&name)
            .map(Stored)
            .ok_or_else(|| format!("unknown {} {name:?} in the database", L::WHAT).into())
    }
}

impl<L: Label> serde::Serialize for Stored<L> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}
