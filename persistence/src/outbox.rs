//! The mail outbox: mails are enqueued in the transaction of the change that causes them and
//! delivered later by a sender that claims due mails under a lease.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::dsl::case_when;
use diesel::prelude::*;

use crate::schema::outbox;
use crate::{Conn, DbResult, utc};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// Carries a single-use token: the body is removed once the mail is delivered.
    pub sensitive: bool,
    /// A notification's one-click unsubscribe address (RFC 8058).
    pub list_unsubscribe: Option<String>,
    /// The language the mail is written in (`sv`, `en`).
    pub language: Option<String>,
}

/// A mail to enqueue.
#[derive(Debug, Clone, Copy)]
pub struct NewMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// Carries a single-use token.
    pub sensitive: bool,
    pub list_unsubscribe: Option<&'a str>,
    pub language: &'a str,
}

impl OutboxRow {
    pub fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.sent_at.map(utc)
    }
}

/// Enqueues a mail; call it inside the transaction of the change that causes it.
pub fn enqueue(conn: &mut Conn, mail: &NewMail<'_>, at: DateTime<Utc>) -> DbResult<String> {
    let id = crate::new_id();
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(&id),
            outbox::recipient.eq(mail.recipient),
            outbox::subject.eq(mail.subject),
            outbox::body.eq(mail.body),
            outbox::created_at.eq(at.naive_utc()),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(at.naive_utc()),
            outbox::sensitive.eq(mail.sensitive),
            outbox::list_unsubscribe.eq(mail.list_unsubscribe),
            outbox::language.eq(Some(mail.language)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Claims up to `limit` due mails for `lease`: no other sender takes them until the lease
/// ends. Counts the attempt. Run it in a write transaction ([`crate::Db::write`]).
pub fn claim_due(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> DbResult<Vec<OutboxRow>> {
    let now_naive = now.naive_utc();
    let due = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::next_attempt_at.le(now_naive))
        .filter(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.lt(now_naive)),
        )
        .order(outbox::next_attempt_at.asc())
        .select(outbox::id)
        .limit(limit);
    let ids: Vec<String> = match conn {
        // Rows another process is claiming right now are skipped, not waited for.
        Conn::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
        Conn::Sqlite(_) => due.load(conn)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((
            outbox::locked_until.eq(Some((now + lease).naive_utc())),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
    Ok(outbox::table
        .filter(outbox::id.eq_any(&ids))
        .order(outbox::next_attempt_at.asc())
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// What a delivered mail that carried a token keeps of its body.
pub const REMOVED_BODY: &str = "(removed after delivery: it carried a single-use token)";

/// Marks a mail delivered. A sensitive mail delivered to its recipient loses its body
/// (`purge`) in the same statement, so no reader ever sees it delivered with its token; the
/// metadata stays.
pub fn mark_sent(conn: &mut Conn, id: &str, at: DateTime<Utc>, purge: bool) -> DbResult<()> {
    let delivered = (
        outbox::sent_at.eq(Some(at.naive_utc())),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    );
    let row = diesel::update(outbox::table.find(id));
    if purge {
        let body = case_when::<_, _, diesel::sql_types::Text>(outbox::sensitive, REMOVED_BODY)
            .otherwise(outbox::body);
        row.set((delivered, outbox::body.eq(body))).execute(conn)?;
    } else {
        row.set(delivered).execute(conn)?;
    }
    Ok(())
}

pub fn mark_failed(
    conn: &mut Conn,
    id: &str,
    error: &str,
    next_attempt: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::next_attempt_at.eq(next_attempt.naive_utc()),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Mails to one address, oldest first (for operators and tests).
pub fn mails_to(conn: &mut Conn, recipient: &str) -> DbResult<Vec<OutboxRow>> {
    Ok(outbox::table
        .filter(outbox::recipient.eq(recipient))
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .select(OutboxRow::as_select())
        .load(conn)?)
}
