//! Webhook subscriptions, their signing secrets, deliveries and delivery attempts.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use fleetdesk_domain::webhooks::DeliveryStatus;

use crate::clients::OwnerFilter;
use crate::labels::Stored;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_secrets, webhooks};
use crate::{Conn, DbResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub account_id: Option<String>,
    pub dealer_id: Option<String>,
    pub url: String,
    pub description: String,
    pub event_kinds: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub feed_cursor: i64,
    pub deliveries_made: i64,
}

impl WebhookRow {
    /// The event kinds subscribed to, as stored.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.event_kinds.split(' ').filter(|k| !k.is_empty())
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_secrets)]
pub struct WebhookSecretRow {
    pub id: String,
    pub webhook_id: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub event_seq: Option<i64>,
    pub position: i64,
    pub kind: String,
    pub payload: String,
    pub status: Stored<DeliveryStatus>,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: String,
    pub delivery_id: String,
    pub attempted_at: NaiveDateTime,
    pub response_status: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

/// What a `PATCH` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_kinds: Option<String>,
    pub active: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_webhook(conn: &mut Conn, row: &WebhookRow) -> DbResult<()> {
    diesel::insert_into(webhooks::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_webhook(conn: &mut Conn, id: &str) -> DbResult<Option<WebhookRow>> {
    Ok(webhooks::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?)
}

/// The webhook, locked until the transaction ends (PostgreSQL; a SQLite write transaction
/// holds the whole database already): one server process at a time moves its feed cursor.
pub fn lock_webhook(conn: &mut Conn, id: &str) -> DbResult<Option<WebhookRow>> {
    let query = webhooks::table.find(id);
    Ok(match conn {
        Conn::Postgresql(pg) => query
            .select(WebhookRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        Conn::Sqlite(_) => find_webhook(conn, id)?,
    })
}

pub fn list_webhooks(conn: &mut Conn, filter: &OwnerFilter) -> DbResult<Vec<WebhookRow>> {
    let mut query = webhooks::table
        .select(WebhookRow::as_select())
        .order(webhooks::id.asc())
        .into_boxed();
    match filter {
        OwnerFilter::All => {}
        OwnerFilter::Accounts(ids) => query = query.filter(webhooks::account_id.eq_any(ids)),
        OwnerFilter::Dealer(id) => query = query.filter(webhooks::dealer_id.eq(id)),
    }
    Ok(query.load(conn)?)
}

/// The active webhooks whose fan-out has not reached `seq`: their ids.
pub fn behind(conn: &mut Conn, seq: i64) -> DbResult<Vec<String>> {
    Ok(webhooks::table
        .filter(webhooks::active.eq(true))
        .filter(webhooks::feed_cursor.lt(seq))
        .order(webhooks::id.asc())
        .select(webhooks::id)
        .load(conn)?)
}

pub fn update_webhook(conn: &mut Conn, id: &str, changes: &WebhookChanges) -> DbResult<()> {
    diesel::update(webhooks::table.find(id))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// Moves the webhook's feed cursor and its count of deliveries made.
pub fn advance(conn: &mut Conn, id: &str, cursor: i64, deliveries_made: i64) -> DbResult<()> {
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::feed_cursor.eq(cursor),
            webhooks::deliveries_made.eq(deliveries_made),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes the webhook with its secrets, deliveries and their attempts.
pub fn delete_webhook(conn: &mut Conn, id: &str) -> DbResult<()> {
    let deliveries = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(id))
        .select(webhook_deliveries::id);
    diesel::delete(
        webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries)),
    )
    .execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
        .execute(conn)?;
    diesel::delete(webhook_secrets::table.filter(webhook_secrets::webhook_id.eq(id)))
        .execute(conn)?;
    diesel::delete(webhooks::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn insert_secret(conn: &mut Conn, row: &WebhookSecretRow) -> DbResult<()> {
    diesel::insert_into(webhook_secrets::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The secrets that sign now, newest first.
pub fn signing_secrets(
    conn: &mut Conn,
    webhook_id: &str,
    now: DateTime<Utc>,
) -> DbResult<Vec<String>> {
    Ok(webhook_secrets::table
        .filter(webhook_secrets::webhook_id.eq(webhook_id))
        .filter(
            webhook_secrets::expires_at
                .is_null()
                .or(webhook_secrets::expires_at.gt(now.naive_utc())),
        )
        .order((
            webhook_secrets::created_at.desc(),
            webhook_secrets::id.desc(),
        ))
        .select(webhook_secrets::secret)
        .load(conn)?)
}

/// Makes every secret of the webhook that would outlive `until` expire then.
pub fn expire_secrets(conn: &mut Conn, webhook_id: &str, until: DateTime<Utc>) -> DbResult<()> {
    let until = until.naive_utc();
    diesel::update(
        webhook_secrets::table
            .filter(webhook_secrets::webhook_id.eq(webhook_id))
            .filter(
                webhook_secrets::expires_at
                    .is_null()
                    .or(webhook_secrets::expires_at.gt(until)),
            ),
    )
    .set(webhook_secrets::expires_at.eq(until))
    .execute(conn)?;
    Ok(())
}

pub fn insert_delivery(conn: &mut Conn, row: &DeliveryRow) -> DbResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_delivery(conn: &mut Conn, webhook_id: &str, id: &str) -> DbResult<Option<DeliveryRow>> {
    Ok(webhook_deliveries::table
        .find(id)
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?)
}

/// The deliveries due at `now` that may be attempted: of an active webhook, not held by
/// another process, and — events are delivered in order — each webhook's first pending
/// event; pings go at once. At most `limit`.
pub fn due(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> DbResult<Vec<DeliveryRow>> {
    let now = now.naive_utc();
    let pending = Stored(DeliveryStatus::Pending);
    let active = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(webhooks::id);
    let heads: Vec<(String, Option<i64>)> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(pending))
        .filter(webhook_deliveries::kind.ne("ping"))
        .filter(webhook_deliveries::webhook_id.eq_any(active))
        .group_by(webhook_deliveries::webhook_id)
        .select((
            webhook_deliveries::webhook_id,
            diesel::dsl::min(webhook_deliveries::position),
        ))
        .load(conn)?;
    let mut due = Vec::new();
    let lease_free = webhook_deliveries::lease_until
        .is_null()
        .or(webhook_deliveries::lease_until.lt(now));
    for (webhook_id, position) in heads {
        let Some(position) = position else { continue };
        let head = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook_id))
            .filter(webhook_deliveries::position.eq(position))
            .filter(webhook_deliveries::status.eq(Stored(DeliveryStatus::Pending)))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .filter(lease_free)
            .select(DeliveryRow::as_select())
            .first(conn)
            .optional()?;
        due.extend(head);
    }
    let active = webhooks::table
        .filter(webhooks::active.eq(true))
        .select(webhooks::id);
    due.extend(
        webhook_deliveries::table
            .filter(webhook_deliveries::kind.eq("ping"))
            .filter(webhook_deliveries::webhook_id.eq_any(active))
            .filter(webhook_deliveries::status.eq(Stored(DeliveryStatus::Pending)))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .filter(lease_free)
            .select(DeliveryRow::as_select())
            .limit(limit)
            .load(conn)?,
    );
    due.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(due)
}

/// Takes a due delivery for one attempt until `until`; `false` when another process holds
/// it or it is no longer pending.
pub fn lease(
    conn: &mut Conn,
    id: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DbResult<bool> {
    let now = now.naive_utc();
    let changed = diesel::update(
        webhook_deliveries::table
            .find(id)
            .filter(webhook_deliveries::status.eq(Stored(DeliveryStatus::Pending)))
            .filter(
                webhook_deliveries::lease_until
                    .is_null()
                    .or(webhook_deliveries::lease_until.lt(now)),
            ),
    )
    .set(webhook_deliveries::lease_until.eq(until.naive_utc()))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn insert_attempt(conn: &mut Conn, row: &AttemptRow) -> DbResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records the end of an attempt: `next` is when to try again (`None`: no more), `status` the
/// delivery's status after it.
pub fn finish_attempt(
    conn: &mut Conn,
    id: &str,
    status: DeliveryStatus,
    next: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> DbResult<()> {
    let delivered = (status == DeliveryStatus::Delivered).then(|| at.naive_utc());
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(Stored(status)),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::delivered_at.eq(delivered),
            webhook_deliveries::next_attempt_at.eq(next.unwrap_or(at).naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts a delivery back in line to be attempted at `now` (a redelivery).
pub fn requeue(conn: &mut Conn, id: &str, now: DateTime<Utc>) -> DbResult<()> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(Stored(DeliveryStatus::Pending)),
            webhook_deliveries::next_attempt_at.eq(now.naive_utc()),
            webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::delivered_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// The webhook's deliveries, newest first, before `before` (a delivery id) if given.
pub fn deliveries_of(
    conn: &mut Conn,
    webhook_id: &str,
    before: Option<&str>,
    limit: i64,
) -> DbResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// The attempts of these deliveries, oldest first.
pub fn attempts_of(conn: &mut Conn, delivery_ids: &[String]) -> DbResult<Vec<AttemptRow>> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .order((
            webhook_attempts::attempted_at.asc(),
            webhook_attempts::id.asc(),
        ))
        .select(AttemptRow::as_select())
        .load(conn)?)
}
