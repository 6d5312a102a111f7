//! One page of a list, for every list: `{ "items": [...], "next_cursor": "..." | null }`.
//! Each listed type names its page in the contract (`MemberPage`, `CasePage`, …), so one
//! generic type keeps the schema names clients were generated from.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::http::encode_cursor;

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page of `items` mapped from a storage page.
    pub fn of<R>(page: fleetdesk_persistence::Page<R>, item: impl FnMut(R) -> T) -> Self {
        Self {
            next_cursor: page.next_after.as_deref().map(encode_cursor),
            items: page.items.into_iter().map(item).collect(),
        }
    }
}

/// A type listed in pages: the name of its page in the contract.
pub trait Listed {
    const PAGE: &'static str;
}

impl<T: ToSchema + Listed> PartialSchema for Page<T> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(Ref::from_schema_name(T::name())),
            )
            .required("items")
            .property(
                "next_cursor",
                ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])),
            )
            .into()
    }
}

impl<T: ToSchema + Listed> ToSchema for Page<T> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed(T::PAGE)
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}
