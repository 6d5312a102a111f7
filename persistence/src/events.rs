//! The event feed: every change another party must see, appended in the change's transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use fleetdesk_domain::events::EventKind;

use crate::schema::events;
use crate::{Conn, DbResult, utc};

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

/// Appends an event. Call it inside the transaction that makes the change; the row records
/// that transaction (`txid`, a column default on PostgreSQL), which places it in the feed.
pub fn append(conn: &mut Conn, event: NewEvent<'_>) -> DbResult<()> {
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

/// The feed's order is (`txid`, `seq`): on PostgreSQL `txid` is the writing transaction's id,
/// on SQLite (one writer at a time, so `seq` is commit order already) it is 0. A reader sees
/// only the events of transactions older than the oldest of this database's transactions
/// still running when its statement's snapshot was taken, so an event that commits late
/// never lands behind what a reader has seen. Transactions of other databases on the same
/// server do not hold the feed back; one whose database cannot be told (it ended meanwhile,
/// or the role may not see it) counts as this database's. The horizon, as a subquery of the
/// reading statement, so that both use one snapshot:
const PG_HORIZON: &str = "(SELECT coalesce(\
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x \
      WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a \
        WHERE a.backend_xid = xid(x) AND a.datname <> current_database())), \
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint))";

/// Up to `limit` events after the event `after` (0: from the start) in feed order, narrowed
/// by `filter`. `after` names its place in the order by its `seq`; a `seq` with no event (a
/// rolled-back write) stands where the event before it stands.
pub fn list_after(
    conn: &mut Conn,
    after: i64,
    filter: &FeedFilter,
    limit: i64,
) -> DbResult<Vec<EventRow>> {
    let after_txid: i64 = if after > 0 {
        events::table
            .filter(events::seq.le(after))
            .order(events::seq.desc())
            .select(events::txid)
            .first(conn)
            .optional()?
            .unwrap_or(0)
    } else {
        0
    };
    let mut query = events::table
        .filter(
            events::txid
                .gt(after_txid)
                .or(events::txid.eq(after_txid).and(events::seq.gt(after))),
        )
        .select(EventRow::as_select())
        .into_boxed();
    if let Conn::Postgresql(_) = conn {
        query = query
            .filter(events::txid.lt(diesel::dsl::sql::<diesel::sql_types::BigInt>(PG_HORIZON)));
    }
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
    Ok(query
        .order((events::txid.asc(), events::seq.asc()))
        .limit(limit)
        .load(conn)?)
}

/// The newest event's `seq` (0 for an empty feed): "from now on" as a feed position.
pub fn latest_seq(conn: &mut Conn) -> DbResult<i64> {
    Ok(events::table
        .select(diesel::dsl::max(events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}
