//! Notifications: whom a change is mailed to, what each user turned off, and how far the
//! notifier has read the feed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use fleetdesk_domain::identity::{CustomerRole, DealerRole, StaffRole};
use fleetdesk_domain::knowledge::Language;

use crate::labels::Stored;
use crate::schema::{
    memberships, notification_opt_outs, notifier_cursor, stock_assignments, users,
};
use crate::{Conn, DbResult};

/// A user a mail may go to.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct Recipient {
    pub id: String,
    pub email: String,
    pub language: Option<Stored<Language>>,
}

impl Recipient {
    /// The language to write to them in: theirs, else English.
    pub fn language(&self) -> Language {
        self.language.map_or(Language::En, |l| *l)
    }
}

pub fn recipient(conn: &mut Conn, user_id: &str) -> DbResult<Option<Recipient>> {
    Ok(users::table
        .find(user_id)
        .select(Recipient::as_select())
        .first(conn)
        .optional()?)
}

pub fn recipient_by_email(conn: &mut Conn, email: &str) -> DbResult<Option<Recipient>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(Recipient::as_select())
        .first(conn)
        .optional()?)
}

/// The members of an account with one of `roles`.
pub fn members_with_role(
    conn: &mut Conn,
    account_id: &str,
    roles: &[CustomerRole],
) -> DbResult<Vec<Recipient>> {
    let roles: Vec<Stored<CustomerRole>> = roles.iter().copied().map(Stored).collect();
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::account_id.eq(account_id))
        .filter(memberships::role.eq_any(roles))
        .order(users::email.asc())
        .select(Recipient::as_select())
        .load(conn)?)
}

/// The stock managers responsible for a stock location.
pub fn stock_managers(
    conn: &mut Conn,
    account_id: &str,
    location_id: &str,
) -> DbResult<Vec<Recipient>> {
    let managing = [
        Stored(CustomerRole::StockManager),
        Stored(CustomerRole::DeviceAndStockManager),
    ];
    let assigned = stock_assignments::table
        .filter(stock_assignments::stock_location_id.eq(location_id))
        .select(stock_assignments::user_id);
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::account_id.eq(account_id))
        .filter(memberships::role.eq_any(managing))
        .filter(memberships::user_id.eq_any(assigned))
        .order(users::email.asc())
        .select(Recipient::as_select())
        .load(conn)?)
}

/// A dealer's administrators.
pub fn dealer_admins(conn: &mut Conn, dealer_id: &str) -> DbResult<Vec<Recipient>> {
    Ok(users::table
        .filter(users::dealer_id.eq(dealer_id))
        .filter(users::dealer_role.eq(Stored(DealerRole::DealerAdmin)))
        .order(users::email.asc())
        .select(Recipient::as_select())
        .load(conn)?)
}

/// The manufacturer's staff with `role`.
pub fn staff_with_role(conn: &mut Conn, role: StaffRole) -> DbResult<Vec<Recipient>> {
    Ok(users::table
        .filter(users::staff_role.eq(Stored(role)))
        .order(users::email.asc())
        .select(Recipient::as_select())
        .load(conn)?)
}

/// The kinds of notification a user turned off.
pub fn opted_out(conn: &mut Conn, user_id: &str) -> DbResult<Vec<String>> {
    Ok(notification_opt_outs::table
        .filter(notification_opt_outs::user_id.eq(user_id))
        .order(notification_opt_outs::kind.asc())
        .select(notification_opt_outs::kind)
        .load(conn)?)
}

/// Whether a user turned `kind` off.
pub fn is_opted_out(conn: &mut Conn, user_id: &str, kind: &str) -> DbResult<bool> {
    let found: i64 = notification_opt_outs::table
        .filter(notification_opt_outs::user_id.eq(user_id))
        .filter(notification_opt_outs::kind.eq(kind))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// Turns a kind off (`off`) or on again for a user; turning it off twice changes nothing.
pub fn set_opted_out(
    conn: &mut Conn,
    user_id: &str,
    kind: &str,
    off: bool,
    at: DateTime<Utc>,
) -> DbResult<()> {
    let row = notification_opt_outs::table
        .filter(notification_opt_outs::user_id.eq(user_id))
        .filter(notification_opt_outs::kind.eq(kind));
    if !off {
        diesel::delete(row).execute(conn)?;
        return Ok(());
    }
    let exists: i64 = row.count().get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(notification_opt_outs::table)
            .values((
                notification_opt_outs::user_id.eq(user_id),
                notification_opt_outs::kind.eq(kind),
                notification_opt_outs::created_at.eq(at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

const CURSOR: &str = "mail";

/// The transaction-level advisory lock that one notifier at a time holds ("fdnotify").
const NOTIFIER_LOCK: i64 = 0x6664_6e6f_7469_6679;

/// The notifier's position in the feed, for this transaction alone: `None` while another
/// server process's notifier holds it. On PostgreSQL a transaction-level advisory lock
/// guards it — unlike a row lock it takes no transaction id, so a notifier reading the feed
/// holds back no feed reader's horizon (only its final writes do, for their moment). On
/// SQLite the write transaction itself is the lock.
pub fn lock_cursor(conn: &mut Conn) -> DbResult<Option<i64>> {
    if let Conn::Postgresql(pg) = conn {
        let locked: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "pg_try_advisory_xact_lock({NOTIFIER_LOCK})"
        )))
        .get_result(pg)?;
        if !locked {
            return Ok(None);
        }
    }
    let found: Option<i64> = notifier_cursor::table
        .find(CURSOR)
        .select(notifier_cursor::feed_cursor)
        .first(conn)
        .optional()?;
    match found {
        Some(at) => Ok(Some(at)),
        // The migration writes the row; should it be gone, mail starts from now.
        None => {
            let at = crate::events::latest_seq(conn)?;
            diesel::insert_into(notifier_cursor::table)
                .values((
                    notifier_cursor::name.eq(CURSOR),
                    notifier_cursor::feed_cursor.eq(at),
                ))
                .execute(conn)?;
            Ok(Some(at))
        }
    }
}

pub fn advance_cursor(conn: &mut Conn, to: i64) -> DbResult<()> {
    diesel::update(notifier_cursor::table.find(CURSOR))
        .set(notifier_cursor::feed_cursor.eq(to))
        .execute(conn)?;
    Ok(())
}
