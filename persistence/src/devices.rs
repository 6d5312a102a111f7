//! Device models, devices, their assignment to device managers, and meter readings.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};

use fleetdesk_domain::devices::DeviceStatus;
use fleetdesk_domain::readings::{CorrectionKind, ReadingKind, ReadingSource};

use crate::Page;
use crate::events::{self, NewEvent};
use crate::identity::CallerRows;
use crate::labels::Stored;
use crate::schema::{device_assignments, device_models, devices, meter_readings, sites};
use crate::{Conn, DbResult, utc};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = device_models)]
pub struct ModelRow {
    pub id: String,
    pub name: String,
    pub large_format: bool,
    pub rated_units_per_minute: i32,
    /// JSON array of meter names.
    pub meters: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_model(conn: &mut Conn, row: &ModelRow) -> DbResult<()> {
    diesel::insert_into(device_models::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_model(conn: &mut Conn, id: &str) -> DbResult<Option<ModelRow>> {
    Ok(device_models::table
        .find(id)
        .select(ModelRow::as_select())
        .first(conn)
        .optional()?)
}

/// How many of `ids` are device models.
pub fn count_models(conn: &mut Conn, ids: &[String]) -> DbResult<i64> {
    Ok(device_models::table
        .filter(device_models::id.eq_any(ids))
        .count()
        .get_result(conn)?)
}

pub fn list_models(conn: &mut Conn, after: Option<&str>, limit: i64) -> DbResult<Page<ModelRow>> {
    let mut query = device_models::table
        .select(ModelRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(device_models::id.gt(after.to_owned()));
    }
    let rows = query
        .order(device_models::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |m| m.id.clone()))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub id: String,
    pub account_id: String,
    pub site_id: String,
    pub model_id: String,
    pub serial_number: String,
    pub location: String,
    pub install_date: NaiveDate,
    pub warranty_end: NaiveDate,
    /// JSON array of meter names.
    pub meters: String,
    pub status: Stored<DeviceStatus>,
    pub removal_requested_at: Option<NaiveDateTime>,
    pub removal_requested_by: Option<String>,
    pub removal_reason: Option<String>,
    pub removed_at: Option<NaiveDateTime>,
    pub removed_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl DeviceRow {
    pub fn created_at(&self) -> DateTime<Utc> {
        utc(self.created_at)
    }
}

/// A device with what readings need: its model's rated speed and its site's time zone.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = devices)]
pub struct DeviceContext {
    #[diesel(embed)]
    pub device: DeviceRow,
    #[diesel(select_expression = device_models::name)]
    pub model_name: String,
    #[diesel(select_expression = device_models::rated_units_per_minute)]
    pub rated_units_per_minute: i32,
    #[diesel(select_expression = sites::time_zone)]
    pub time_zone: String,
    /// Moves on with every reading and correction: see [`add_entry`].
    pub entries_version: i64,
}

pub fn insert_device(conn: &mut Conn, row: &DeviceRow) -> DbResult<()> {
    diesel::insert_into(devices::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The query of a device with its context (one row, by id), and more columns when given.
macro_rules! device_context {
    ($id:expr) => {
        device_context!($id, DeviceContext::as_select())
    };
    ($id:expr, $selection:expr) => {
        devices::table
            .inner_join(device_models::table)
            .inner_join(sites::table)
            .filter(devices::id.eq($id))
            .select($selection)
            .limit(1)
    };
}

pub fn find_device(conn: &mut Conn, id: &str) -> DbResult<Option<DeviceContext>> {
    Ok(device_context!(id).get_result(conn).optional()?)
}

/// [`find_device`] and the caller `user_id` ([`crate::identity::CallerSince`] at `known`) in
/// one round trip. `None` when there is no such device (the caller is then not read).
pub fn find_device_and_caller(
    conn: &mut Conn,
    id: &str,
    user_id: &str,
    known: Option<i64>,
) -> DbResult<Option<(DeviceContext, CallerRows)>> {
    Ok(crate::identity::caller_since!(
        user_id,
        known,
        |caller| match conn {
            Conn::Postgresql(pg) => device_context!(id, (DeviceContext::as_select(), caller))
                .get_result(pg)
                .optional()?,
            Conn::Sqlite(lite) => device_context!(id, (DeviceContext::as_select(), caller))
                .get_result(lite)
                .optional()?,
        }
    ))
}

/// A device, its newest entry and the caller's rows (see [`find_device_for_entry`]).
pub type EntryBasis = (DeviceContext, Option<ReadingRow>, CallerRows);

/// What a new entry of device `id` is decided on, read in one snapshot and one round trip: the
/// device with its context, its newest entry ([`latest_entry`]) and the caller `user_id`
/// ([`crate::identity::CallerSince`] at `known`). `None` when there is no such device.
pub fn find_device_for_entry(
    conn: &mut Conn,
    id: &str,
    user_id: &str,
    known: Option<i64>,
) -> DbResult<Option<EntryBasis>> {
    let newest = diesel::alias!(meter_readings as newest);
    macro_rules! query {
        ($caller:expr) => {
            devices::table
                .inner_join(device_models::table)
                .inner_join(sites::table)
                .left_join(
                    meter_readings::table.on(meter_readings::id.nullable().eq(newest
                        .filter(newest.field(meter_readings::device_id).eq(id))
                        .order((
                            newest.field(meter_readings::recorded_at).desc(),
                            newest.field(meter_readings::id).desc(),
                        ))
                        .select(newest.field(meter_readings::id))
                        .limit(1)
                        .single_value())),
                )
                .filter(devices::id.eq(id))
                .select((
                    DeviceContext::as_select(),
                    meter_readings::all_columns.nullable(),
                    $caller,
                ))
                .limit(1)
        };
    }
    Ok(crate::identity::caller_since!(
        user_id,
        known,
        |caller| match conn {
            Conn::Postgresql(pg) => query!(caller).get_result(pg).optional()?,
            Conn::Sqlite(lite) => query!(caller).get_result(lite).optional()?,
        }
    ))
}

/// Adds an entry (a reading or a correction) and its event to a device, provided the device's
/// entries are still at `version` (as [`DeviceContext::entries_version`] read them) and it was
/// not removed since: the version moves on with the entry. `false`, and nothing written, when
/// another entry or the removal came first: read the device again and decide again.
///
/// On PostgreSQL this is one statement — outside a transaction it commits on its own, so a
/// reading needs no lock held across round trips; a concurrent entry waits for the device's row
/// and then finds the version moved. On SQLite the caller's write transaction (serial) holds
/// the three statements together.
pub fn add_entry(
    conn: &mut Conn,
    version: i64,
    row: &ReadingRow,
    event: NewEvent<'_>,
) -> DbResult<bool> {
    match conn {
        Conn::Postgresql(pg) => {
            let (id, payload) = (crate::new_id(), event.payload.to_string());
            add_entry_on(pg, version, row, EventValues::of(&event, &id, &payload))
        }
        Conn::Sqlite(_) => {
            let moved = diesel::update(
                devices::table
                    .filter(devices::id.eq(&row.device_id))
                    .filter(devices::entries_version.eq(version))
                    .filter(devices::status.ne(Stored(DeviceStatus::Removed))),
            )
            .set(devices::entries_version.eq(version + 1))
            .execute(conn)?;
            if moved == 0 {
                return Ok(false);
            }
            insert_reading(conn, row)?;
            events::append(conn, event)?;
            Ok(true)
        }
    }
}

/// An entry's event as the statements that add entries write it.
pub(crate) struct EventValues<'a> {
    pub id: &'a str,
    pub kind: &'static str,
    pub account_id: Option<&'a str>,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub device_id: Option<&'a str>,
    pub dealer_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub staff_only: bool,
    pub payload: &'a str,
    pub occurred_at: NaiveDateTime,
}

impl<'a> EventValues<'a> {
    pub(crate) fn of(event: &NewEvent<'a>, id: &'a str, payload: &'a str) -> Self {
        Self {
            id,
            kind: event.kind.as_str(),
            account_id: event.account_id,
            subject_type: event.subject_type,
            subject_id: event.subject_id,
            device_id: event.device_id,
            dealer_id: event.dealer_id,
            actor_id: event.actor_id,
            staff_only: event.staff_only,
            payload,
            occurred_at: event.at.naive_utc(),
        }
    }
}

/// [`add_entry`] on PostgreSQL, its event's id and payload given.
pub(crate) fn add_entry_on(
    pg: &mut PgConnection,
    version: i64,
    row: &ReadingRow,
    event: EventValues<'_>,
) -> DbResult<bool> {
    let added = AddEntry {
        version,
        row,
        correction_kind: row.correction_kind.map(|k| k.0.as_str()),
        event,
    }
    .execute(pg)?;
    Ok(added == 1)
}

/// [`add_entry`] on PostgreSQL: the version's compare-and-set, the entry and its event in one
/// statement, written out because the query builder cannot say data-modifying `WITH`; its
/// query id is static, so each connection prepares it once.
struct AddEntry<'a> {
    version: i64,
    row: &'a ReadingRow,
    correction_kind: Option<&'static str>,
    event: EventValues<'a>,
}

impl diesel::query_builder::QueryId for AddEntry<'_> {
    type QueryId = AddEntry<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for AddEntry<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text, Timestamp};
        // Binds values, comma-separated, each as its SQL type.
        macro_rules! binds {
            ($first_type:ty: $first:expr $(, $type:ty: $value:expr)* $(,)?) => {
                out.push_bind_param::<$first_type, _>($first)?;
                $(
                    out.push_sql(", ");
                    out.push_bind_param::<$type, _>($value)?;
                )*
            };
        }
        let (row, event) = (self.row, &self.event);
        out.push_sql(
            "WITH moved AS (UPDATE devices SET entries_version = entries_version + 1 \
             WHERE id = ",
        );
        binds!(Text: &row.device_id);
        out.push_sql(" AND entries_version = ");
        binds!(BigInt: &self.version);
        out.push_sql(" AND status <> ");
        binds!(Text: DeviceStatus::Removed.as_str());
        out.push_sql(
            " RETURNING id), entry AS (INSERT INTO meter_readings (id, device_id, kind, \
             local_day, meter_values, source, correction_kind, final_values, reason, flagged, \
             recorded_by, recorded_at) SELECT ",
        );
        binds!(Text: &row.id);
        out.push_sql(", moved.id, ");
        binds!(
            Text: row.kind.0.as_str(),
            Date: &row.local_day,
            Text: &row.meter_values,
            Text: row.source.0.as_str(),
            Nullable<Text>: &self.correction_kind,
            Nullable<Text>: &row.final_values,
            Nullable<Text>: &row.reason,
            Bool: &row.flagged,
            Text: &row.recorded_by,
            Timestamp: &row.recorded_at,
        );
        out.push_sql(
            " FROM moved RETURNING id) INSERT INTO events (id, kind, account_id, subject_type, \
             subject_id, device_id, dealer_id, actor_id, staff_only, payload, occurred_at) SELECT ",
        );
        binds!(
            Text: event.id,
            Text: event.kind,
            Nullable<Text>: &event.account_id,
            Text: event.subject_type,
            Text: event.subject_id,
            Nullable<Text>: &event.device_id,
            Nullable<Text>: &event.dealer_id,
            Nullable<Text>: &event.actor_id,
            Bool: &event.staff_only,
            Text: event.payload,
            Timestamp: &event.occurred_at,
        );
        out.push_sql(" FROM entry");
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for AddEntry<'_> {}

/// What a list of devices is filtered by.
#[derive(Debug, Clone, Default)]
pub struct DeviceFilter {
    /// `None`: every device; `Some((accounts, devices))`: every device of those accounts and
    /// those single devices (the caller's scope).
    pub scope: Option<(Vec<String>, Vec<String>)>,
    pub account_id: Option<String>,
    pub site_id: Option<String>,
    pub model_id: Option<String>,
    pub serial_number: Option<String>,
    pub status: Option<DeviceStatus>,
    /// `Some(true)`: only devices whose removal was asked for and not yet done;
    /// `Some(false)`: only the others.
    pub removal_requested: Option<bool>,
}

pub fn list_devices(
    conn: &mut Conn,
    filter: &DeviceFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<DeviceContext>> {
    let mut query = devices::table
        .inner_join(device_models::table)
        .inner_join(sites::table)
        .select(DeviceContext::as_select())
        .into_boxed();
    if let Some((accounts, singles)) = &filter.scope {
        query = query.filter(
            devices::account_id
                .eq_any(accounts.clone())
                .or(devices::id.eq_any(singles.clone())),
        );
    }
    if let Some(v) = &filter.account_id {
        query = query.filter(devices::account_id.eq(v.clone()));
    }
    if let Some(v) = &filter.site_id {
        query = query.filter(devices::site_id.eq(v.clone()));
    }
    if let Some(v) = &filter.model_id {
        query = query.filter(devices::model_id.eq(v.clone()));
    }
    if let Some(v) = &filter.serial_number {
        query = query.filter(devices::serial_number.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(devices::status.eq(Stored(*v)));
    }
    let pending = devices::removal_requested_at
        .is_not_null()
        .and(devices::status.eq(Stored(DeviceStatus::Active)));
    match filter.removal_requested {
        Some(true) => query = query.filter(pending),
        Some(false) => query = query.filter(diesel::dsl::not(pending)),
        None => {}
    }
    if let Some(after) = after {
        query = query.filter(devices::id.gt(after.to_owned()));
    }
    let rows = query.order(devices::id.asc()).limit(limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, limit, |d| d.device.id.clone()))
}

pub fn set_location(conn: &mut Conn, id: &str, location: &str, at: DateTime<Utc>) -> DbResult<()> {
    diesel::update(devices::table.find(id))
        .set((
            devices::location.eq(location),
            devices::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn request_removal(
    conn: &mut Conn,
    id: &str,
    by: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(devices::table.find(id))
        .set((
            devices::removal_requested_at.eq(Some(at.naive_utc())),
            devices::removal_requested_by.eq(Some(by)),
            devices::removal_reason.eq(Some(reason)),
            devices::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks an active device removed; false when it was removed already.
pub fn remove_device(conn: &mut Conn, id: &str, by: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let n = diesel::update(
        devices::table
            .find(id)
            .filter(devices::status.eq(Stored(DeviceStatus::Active))),
    )
    .set((
        devices::status.eq(Stored(DeviceStatus::Removed)),
        devices::removed_at.eq(Some(at.naive_utc())),
        devices::removed_by.eq(Some(by)),
        devices::updated_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Replaces a member's device assignments in one account.
pub fn set_assignments(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
    device_ids: &[String],
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::delete(
        device_assignments::table
            .filter(device_assignments::account_id.eq(account_id))
            .filter(device_assignments::user_id.eq(user_id)),
    )
    .execute(conn)?;
    for device_id in device_ids {
        diesel::insert_into(device_assignments::table)
            .values((
                device_assignments::account_id.eq(account_id),
                device_assignments::user_id.eq(user_id),
                device_assignments::device_id.eq(device_id),
                device_assignments::created_at.eq(at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How many of `ids` are devices of `account_id`.
pub fn count_devices_in_account(
    conn: &mut Conn,
    account_id: &str,
    ids: &[String],
) -> DbResult<i64> {
    Ok(devices::table
        .filter(devices::account_id.eq(account_id))
        .filter(devices::id.eq_any(ids))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meter_readings)]
pub struct ReadingRow {
    pub id: String,
    pub device_id: String,
    pub kind: Stored<ReadingKind>,
    pub local_day: NaiveDate,
    /// JSON object: meter → count.
    pub meter_values: String,
    pub source: Stored<ReadingSource>,
    pub correction_kind: Option<Stored<CorrectionKind>>,
    pub final_values: Option<String>,
    pub reason: Option<String>,
    pub flagged: bool,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

impl ReadingRow {
    pub fn recorded_at(&self) -> DateTime<Utc> {
        utc(self.recorded_at)
    }
}

pub fn insert_reading(conn: &mut Conn, row: &ReadingRow) -> DbResult<()> {
    diesel::insert_into(meter_readings::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The device's newest entry (reading or correction).
pub fn latest_entry(conn: &mut Conn, device_id: &str) -> DbResult<Option<ReadingRow>> {
    Ok(meter_readings::table
        .filter(meter_readings::device_id.eq(device_id))
        .order((
            meter_readings::recorded_at.desc(),
            meter_readings::id.desc(),
        ))
        .select(ReadingRow::as_select())
        .first(conn)
        .optional()?)
}

/// The day of the device's newest accepted reading.
pub fn last_reading_day(conn: &mut Conn, device_id: &str) -> DbResult<Option<NaiveDate>> {
    Ok(meter_readings::table
        .filter(meter_readings::device_id.eq(device_id))
        .filter(meter_readings::kind.eq(Stored(ReadingKind::Reading)))
        .order((
            meter_readings::recorded_at.desc(),
            meter_readings::id.desc(),
        ))
        .select(meter_readings::local_day)
        .first(conn)
        .optional()?)
}

/// History, newest first.
pub fn history(
    conn: &mut Conn,
    device_id: &str,
    before: Option<&str>,
    limit: i64,
) -> DbResult<Page<ReadingRow>> {
    let mut query = meter_readings::table
        .filter(meter_readings::device_id.eq(device_id))
        .select(ReadingRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(meter_readings::id.lt(before.to_owned()));
    }
    let rows = query
        .order(meter_readings::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// Every entry up to and including local day `to`, oldest first (usage needs the one before
/// the period too).
pub fn entries_until(conn: &mut Conn, device_id: &str, to: NaiveDate) -> DbResult<Vec<ReadingRow>> {
    Ok(meter_readings::table
        .filter(meter_readings::device_id.eq(device_id))
        .filter(meter_readings::local_day.le(to))
        .order((meter_readings::recorded_at.asc(), meter_readings::id.asc()))
        .select(ReadingRow::as_select())
        .load(conn)?)
}

/// Readings accepted although implausible, newest first.
pub fn flagged(conn: &mut Conn, before: Option<&str>, limit: i64) -> DbResult<Page<ReadingRow>> {
    let mut query = meter_readings::table
        .filter(meter_readings::flagged.eq(true))
        .select(ReadingRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(meter_readings::id.lt(before.to_owned()));
    }
    let rows = query
        .order(meter_readings::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// The device of `model_id` with this (normalised) serial number, removed or not.
/// Whether any portal device, of any model, has this serial number.
pub fn serial_on_portal(conn: &mut Conn, serial: &str) -> DbResult<bool> {
    let n: i64 = devices::table
        .filter(devices::serial_number.eq(serial))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find_device_by_serial(
    conn: &mut Conn,
    model_id: &str,
    serial: &str,
) -> DbResult<Option<DeviceRow>> {
    Ok(devices::table
        .filter(devices::model_id.eq(model_id))
        .filter(devices::serial_number.eq(serial))
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()?)
}
