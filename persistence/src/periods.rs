//! Reading periods: each account's closing day, the devices and readings a period concerns,
//! and the reminders sent (one per device and period, whichever process sends it).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use fleetdesk_domain::devices::DeviceStatus;
use fleetdesk_domain::identity::CustomerRole;
use fleetdesk_domain::readings::ReadingKind;

use crate::devices::{DeviceRow, ReadingRow};
use crate::labels::Stored;
use crate::notifications::Recipient;
use crate::schema::{
    accounts, device_assignments, devices, memberships, meter_readings, reading_reminders,
    site_assignments, sites, users,
};
use crate::{Conn, DbResult};

/// Sets the day `account_id`'s reading period closes (`None`: the month's last day); `false`
/// when there is no such account.
pub fn set_closing_day(
    conn: &mut Conn,
    account_id: &str,
    day: Option<i32>,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let updated = diesel::update(accounts::table.find(account_id))
        .set((
            accounts::reading_closing_day.eq(day),
            accounts::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// Every account with its closing day, in id order.
pub fn closing_days(conn: &mut Conn) -> DbResult<Vec<(String, Option<i32>)>> {
    Ok(accounts::table
        .order(accounts::id.asc())
        .select((accounts::id, accounts::reading_closing_day))
        .load(conn)?)
}

/// A device as a reading period lists it: the device, its site's name and time zone.
#[derive(Debug, Clone, Queryable)]
pub struct PeriodDevice {
    pub device: DeviceRow,
    pub site_name: String,
    pub time_zone: String,
}

/// The devices of `account_id` a period concerns: those in service and, with
/// `removed_since`, those removed on or after that day.
pub fn devices_of_period(
    conn: &mut Conn,
    account_id: &str,
    removed_since: Option<NaiveDate>,
) -> DbResult<Vec<PeriodDevice>> {
    let mut query = devices::table
        .inner_join(sites::table)
        .filter(devices::account_id.eq(account_id))
        .select((DeviceRow::as_select(), sites::name, sites::time_zone))
        .into_boxed();
    query = match removed_since {
        None => query.filter(devices::status.ne(Stored(DeviceStatus::Removed))),
        Some(day) => query.filter(
            devices::status
                .ne(Stored(DeviceStatus::Removed))
                .or(devices::removed_at.ge(day.and_hms_opt(0, 0, 0).unwrap_or_default())),
        ),
    };
    Ok(query.order(devices::serial_number.asc()).load(conn)?)
}

/// The sites of `account_id` with their time zones: (site, time zone).
pub fn sites_of(conn: &mut Conn, account_id: &str) -> DbResult<Vec<(String, String)>> {
    Ok(sites::table
        .filter(sites::account_id.eq(account_id))
        .order(sites::id.asc())
        .select((sites::id, sites::time_zone))
        .load(conn)?)
}

/// The devices in service at `site_ids` of `account_id` without an accepted reading on the
/// local days `opens..=closes`, by serial number: the question asked of the database, so that
/// a large account's devices and readings are not all read to answer it.
pub fn devices_without_reading(
    conn: &mut Conn,
    account_id: &str,
    site_ids: &[String],
    opens: NaiveDate,
    closes: NaiveDate,
) -> DbResult<Vec<PeriodDevice>> {
    let read = meter_readings::table
        .filter(meter_readings::device_id.eq(devices::id))
        .filter(meter_readings::kind.eq(Stored(ReadingKind::Reading)))
        .filter(meter_readings::local_day.between(opens, closes));
    Ok(devices::table
        .inner_join(sites::table)
        .filter(devices::account_id.eq(account_id))
        .filter(devices::site_id.eq_any(site_ids))
        .filter(devices::status.ne(Stored(DeviceStatus::Removed)))
        .filter(diesel::dsl::not(diesel::dsl::exists(read)))
        .order(devices::serial_number.asc())
        .select((DeviceRow::as_select(), sites::name, sites::time_zone))
        .load(conn)?)
}

/// The readings (not corrections) of `device_ids` on local days `from..=to`, oldest first.
pub fn readings_between(
    conn: &mut Conn,
    device_ids: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> DbResult<Vec<ReadingRow>> {
    Ok(meter_readings::table
        .filter(meter_readings::device_id.eq_any(device_ids))
        .filter(meter_readings::kind.eq(Stored(ReadingKind::Reading)))
        .filter(meter_readings::local_day.between(from, to))
        .order((meter_readings::recorded_at.asc(), meter_readings::id.asc()))
        .select(ReadingRow::as_select())
        .load(conn)?)
}

/// Records that `device_id` was reminded for `period`: `false` when it was already (by this
/// or another process), in which case no reminder is sent.
pub fn claim_reminder(
    conn: &mut Conn,
    device_id: &str,
    period: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let row = (
        reading_reminders::device_id.eq(device_id),
        reading_reminders::period.eq(period),
        reading_reminders::sent_at.eq(at.naive_utc()),
    );
    // The primary key decides, under any concurrency.
    let inserted = match conn {
        Conn::Postgresql(pg) => diesel::insert_into(reading_reminders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(pg)?,
        Conn::Sqlite(lite) => diesel::insert_into(reading_reminders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(lite)?,
    };
    Ok(inserted == 1)
}

/// The addresses of the members of `account_id` who manage `device` now: assigned to it, or
/// responsible for its site, and still in a device-managing role.
pub fn device_managers(
    conn: &mut Conn,
    account_id: &str,
    device: &DeviceRow,
) -> DbResult<Vec<Recipient>> {
    let managing = [
        Stored(CustomerRole::DeviceManager),
        Stored(CustomerRole::DeviceAndStockManager),
    ];
    let by_device = device_assignments::table
        .filter(device_assignments::device_id.eq(&device.id))
        .select(device_assignments::user_id);
    let by_site = site_assignments::table
        .filter(site_assignments::site_id.eq(&device.site_id))
        .select(site_assignments::user_id);
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::account_id.eq(account_id))
        .filter(memberships::role.eq_any(managing))
        .filter(
            memberships::user_id
                .eq_any(by_device)
                .or(memberships::user_id.eq_any(by_site)),
        )
        .order(users::email.asc())
        .select(Recipient::as_select())
        .load(conn)?)
}
