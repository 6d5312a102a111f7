//! The event feed: every change another party must see, appended in the change's transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use fleetdesk_domain::events::EventKind;

use crate::schema::events;
use crate::{Conn, DbResult, utc};

/// Serialises event appends on PostgreSQL until commit, so `seq` order is commit order.
const EVENT_APPEND_LOCK: i64 = 0x666c_6565_7464_736b; // "fleetdsk"

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: EventKind,
    pub account_id: Option<&'a str>,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    /// The device the event concerns, if any: customers see it only within their device scope.
    pub device_id: Option<&'a str>,
    /// The dealer whose object the event concerns, if any.
    pub dealer_id: Option<&'a str>,
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
    pub dealer_id: Option<String>,
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
            events::kind.eq(event.kind.as_str()),
            events::account_id.eq(event.account_id),
            events::subject_type.eq(event.subject_type),
            events::subject_id.eq(event.subject_id),
            events::device_id.eq(event.device_id),
            events::dealer_id.eq(event.dealer_id),
            events::actor_id.eq(event.actor_id),
            events::staff_only.eq(event.staff_only),
            events::payload.eq(event.payload.to_string()),
            events::occurred_at.eq(event.at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Which events a feed reads before the scope rule (`fleetdesk_domain::events::may_see`)
/// decides each one: a cheap superset, so that a customer's or a dealer's feed does not scan
/// everyone's events.
#[derive(Debug, Clone)]
pub enum FeedFilter {
    /// Staff: every event.
    All,
    /// A customer: the events of these accounts that are not staff-internal.
    Accounts(Vec<String>),
    /// A dealer's user: the events of this dealer's objects.
    Dealer(String),
}

/// Up to `limit` events after `after` in feed order, narrowed by `filter`.
pub fn list_after(
    conn: &mut Conn,
    after: i64,
    filter: &FeedFilter,
    limit: i64,
) -> DbResult<Vec<EventRow>> {
    let mut query = events::table
        .filter(events::seq.gt(after))
        .select(EventRow::as_select())
        .into_boxed();
    match filter {
        FeedFilter::All => {}
        FeedFilter::Accounts(accounts) => {
            query = query
                .filter(events::account_id.eq_any(accounts.clone()))
                .filter(events::staff_only.eq(false));
        }
        FeedFilter::Dealer(dealer) => {
            query = query
                .filter(events::dealer_id.eq(dealer.clone()))
                .filter(events::staff_only.eq(false));
        }
    }
    Ok(query.order(events::seq.asc()).limit(limit).load(conn)?)
}
