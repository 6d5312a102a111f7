//! The event feed: every change another party must see, appended in the change's transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::events;
use crate::{Conn, DbResult, utc};

/// Serialises event appends on PostgreSQL until commit, so `seq` order is commit order.
const EVENT_APPEND_LOCK: i64 = 0x666c_6565_7464_736b; // "fleetdsk"

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub account_id: Option<&'a str>,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    /// The device the event concerns, if any: customers see it only within their device scope.
    pub device_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    /// Hidden from customers' feeds.
    pub staff_only: bool,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub account_id: Option<String>,
    pub subject_type: String,
    pub subject_id: String,
    pub actor_id: Option<String>,
    pub staff_only: bool,
    pub payload: String,
    pub occurred_at: NaiveDateTime,
    pub device_id: Option<String>,
}

impl EventRow {
    pub fn occurred_at(&self) -> DateTime<Utc> {
        utc(self.occurred_at)
    }
}

/// Appends an event. Call it inside the transaction that makes the change, as its last write:
/// on PostgreSQL it takes a transaction-scoped lock that is held until commit.
pub fn append(conn: &mut Conn, event: NewEvent<'_>) -> DbResult<()> {
    if let Conn::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(EVENT_APPEND_LOCK)
            .execute(pg)?;
    }
    diesel::insert_into(events::table)
        .values((
            events::id.eq(crate::new_id()),
            events::kind.eq(event.kind),
            events::account_id.eq(event.account_id),
            events::subject_type.eq(event.subject_type),
            events::subject_id.eq(event.subject_id),
            events::device_id.eq(event.device_id),
            events::actor_id.eq(event.actor_id),
            events::staff_only.eq(event.staff_only),
            events::payload.eq(event.payload.to_string()),
            events::occurred_at.eq(event.at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// What a customer's feed shows: the customer-visible events of `accounts`, except that
/// events concerning a device (the device itself, its readings, its cases) show only for the
/// devices the caller may see (every device of `device_accounts`, and the single `devices`).
#[derive(Debug, Clone, Default)]
pub struct FeedScope {
    pub accounts: Vec<String>,
    pub device_accounts: Vec<String>,
    pub devices: Vec<String>,
}

/// Events after `after` in feed order; `scope` (a customer's) limits them, `None` shows all.
pub fn list_after(
    conn: &mut Conn,
    after: i64,
    scope: Option<&FeedScope>,
    limit: i64,
) -> DbResult<Vec<EventRow>> {
    let mut query = events::table
        .filter(events::seq.gt(after))
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(scope) = scope {
        query = query
            .filter(events::account_id.eq_any(scope.accounts.clone()))
            .filter(events::staff_only.eq(false))
            .filter(
                events::device_id
                    .is_null()
                    .or(events::account_id.eq_any(scope.device_accounts.clone()))
                    .or(events::device_id.eq_any(scope.devices.clone())),
            );
    }
    Ok(query.order(events::seq.asc()).limit(limit).load(conn)?)
}
