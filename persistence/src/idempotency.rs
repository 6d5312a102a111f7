//! Idempotency keys of creating POSTs: the first request's response, replayed for retries.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::{Conn, DbError, DbResult, utc};

/// How long a key is remembered.
pub const KEY_LIFETIME: Duration = Duration::hours(24);
/// A request still pending after this is taken to have died, and its key may be reused.
pub const PENDING_LIFETIME: Duration = Duration::seconds(60);

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the key: run it, then [`complete`] or [`release`].
    Fresh,
    /// The key was used with this request before: answer with the stored response.
    Replay(StoredResponse),
    /// The key was used with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

#[derive(Queryable)]
struct KeyRow {
    request_hash: String,
    status: Option<i32>,
    content_type: Option<String>,
    location: Option<String>,
    body: Option<String>,
    created_at: chrono::NaiveDateTime,
}

/// Claims `key` for `principal`. Runs through [`crate::Db::write_statements`]: on PostgreSQL
/// its statements stand alone (a refused insert would abort a transaction), and the primary key
/// decides between concurrent claims; on SQLite it takes its turn in the writers' queue rather
/// than wait for the write lock in the busy handler.
pub fn claim(
    conn: &mut Conn,
    principal: &str,
    key: &str,
    request_hash: &str,
    at: DateTime<Utc>,
) -> DbResult<Claim> {
    let insert = |conn: &mut Conn| {
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::principal.eq(principal),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::created_at.eq(at.naive_utc()),
            ))
            .execute(conn)
    };
    match insert(conn).map_err(DbError::from) {
        Ok(_) => return Ok(Claim::Fresh),
        Err(DbError::UniqueViolation(_)) => {}
        Err(e) => return Err(e),
    }
    let row: KeyRow = idempotency_keys::table
        .find((principal, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::content_type,
            idempotency_keys::location,
            idempotency_keys::body,
            idempotency_keys::created_at,
        ))
        .first(conn)?;
    let age = at - utc(row.created_at);
    let stale = match row.status {
        None => age > PENDING_LIFETIME,
        Some(_) => age > KEY_LIFETIME,
    };
    if stale {
        // Take the key over only if nobody else did in between.
        let taken = diesel::update(
            idempotency_keys::table
                .find((principal, key))
                .filter(idempotency_keys::created_at.eq(row.created_at)),
        )
        .set((
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(None::<i32>),
            idempotency_keys::content_type.eq(None::<String>),
            idempotency_keys::location.eq(None::<String>),
            idempotency_keys::body.eq(None::<String>),
            idempotency_keys::created_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
        return Ok(if taken == 1 {
            Claim::Fresh
        } else {
            Claim::InProgress
        });
    }
    if row.request_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    Ok(match row.status {
        None => Claim::InProgress,
        Some(status) => Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            content_type: row.content_type,
            location: row.location,
            body: row.body.unwrap_or_default(),
        }),
    })
}

/// Stores the response of the request that claimed `key`.
pub fn complete(
    conn: &mut Conn,
    principal: &str,
    key: &str,
    response: &StoredResponse,
) -> DbResult<()> {
    diesel::update(idempotency_keys::table.find((principal, key)))
        .set((
            idempotency_keys::status.eq(Some(i32::from(response.status))),
            idempotency_keys::content_type.eq(&response.content_type),
            idempotency_keys::location.eq(&response.location),
            idempotency_keys::body.eq(Some(&response.body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a claimed key whose request failed on our side, so a retry runs it again.
pub fn release(conn: &mut Conn, principal: &str, key: &str) -> DbResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((principal, key))
            .filter(idempotency_keys::status.is_null()),
    )
    .execute(conn)?;
    Ok(())
}
