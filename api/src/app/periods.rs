//! Reading periods: customer service sets the day an account's period closes; in the last
//! days before it closes, whoever manages a device not yet read in the period is reminded,
//! once per device and period across every server process.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{CustomerRole, Principal};
use fleetdesk_domain::notifications::NotificationKind;
use fleetdesk_domain::periods::{ClosingDay, Period};
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::readings::local_day;
use fleetdesk_domain::sites::Tz;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::notifications::{self, Recipient};
use fleetdesk_persistence::periods::{self as repo, PeriodDevice};
use serde_json::json;

use crate::app::accounts::find_account;
use crate::auth::authorize;
use crate::config::Config;
use crate::error::ApiError;
use crate::mail::texts;

/// The closing day as stored.
pub fn closing_of(day: Option<i32>) -> ClosingDay {
    day.and_then(|d| u32::try_from(d).ok())
        .map_or(ClosingDay::MonthEnd, ClosingDay::Day)
}

/// Sets the day `account_id`'s reading period closes (customer service).
pub fn set_closing_day(
    c: &mut Conn,
    who: &Principal,
    account_id: &str,
    closing: ClosingDay,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    authorize(who, Action::UpdateAccount, Some(account_id))?;
    find_account(c, account_id)?;
    let day = closing.day().and_then(|d| i32::try_from(d).ok());
    repo::set_closing_day(c, account_id, day, now)?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::AccountReadingPeriodChanged,
            account_id: Some(account_id),
            subject_type: "account",
            subject_id: account_id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(&who.user_id),
            staff_only: false,
            payload: json!({ "closing_day": day }),
            at: now,
        },
    )?;
    Ok(())
}

/// The site time zone a device's days are counted in.
pub fn zone_of(device: &PeriodDevice) -> Result<Tz, ApiError> {
    device
        .time_zone
        .parse()
        .map_err(|_| ApiError::internal_from(format!("site time zone {}", device.time_zone)))
}

/// The devices of one account that are due a reminder at `now`: in service, not read in the
/// period about to close (`days` before it closes or fewer), each with that period.
pub fn due_devices(
    c: &mut Conn,
    account_id: &str,
    closing: ClosingDay,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<(PeriodDevice, Period)>, ApiError> {
    // The period each site is in, by its local day; then, per period due, the devices of
    // those sites without a reading in it.
    let mut by_period: BTreeMap<Period, Vec<String>> = BTreeMap::new();
    for (site_id, zone) in repo::sites_of(c, account_id)? {
        let tz: Tz = zone
            .parse()
            .map_err(|_| ApiError::internal_from(format!("site time zone {zone}")))?;
        let today = local_day(now, tz);
        let period = Period::containing(today, closing);
        if period.reminder_due(closing, today, days) {
            by_period.entry(period).or_default().push(site_id);
        }
    }
    let mut due: Vec<(PeriodDevice, Period)> = Vec::new();
    for (period, site_ids) in by_period {
        let (opens, closes) = (period.opens(closing), period.closes(closing));
        for device in repo::devices_without_reading(c, account_id, &site_ids, opens, closes)? {
            due.push((device, period));
        }
    }
    Ok(due)
}

/// Sends the reminders due at `now` for one account's devices without a reading in the
/// period about to close: one mail per recipient listing their devices; each device is
/// reminded once per period, whichever process comes first. Returns the mails queued.
pub fn remind_account(
    c: &mut Conn,
    config: &Config,
    account_id: &str,
    closing: ClosingDay,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let days = config.reading_reminder_days;
    let due = due_devices(c, account_id, closing, days, now)?;
    if due.is_empty() {
        return Ok(0);
    }
    let account = find_account(c, account_id)?;
    let administrators =
        notifications::members_with_role(c, account_id, &[CustomerRole::Administrator])?;
    // By address, each recipient with the devices their mail lists.
    let mut by_recipient: BTreeMap<String, (Recipient, Vec<texts::UnreadDevice>)> = BTreeMap::new();
    for (device, period) in due {
        if !repo::claim_reminder(c, &device.device.id, &period.to_string(), now)? {
            continue;
        }
        let mut recipients = repo::device_managers(c, account_id, &device.device)?;
        if recipients.is_empty() {
            recipients.clone_from(&administrators);
        }
        for to in recipients {
            by_recipient
                .entry(to.email.clone())
                .or_insert_with(|| (to, Vec::new()))
                .1
                .push(texts::UnreadDevice {
                    serial_number: device.device.serial_number.clone(),
                    site: device.site_name.clone(),
                    location: device.device.location.clone(),
                    device_id: device.device.id.clone(),
                    closes: period.closes(closing),
                });
        }
    }
    let kind = NotificationKind::ReadingReminders;
    let mut mails = 0;
    for (user, devices) in by_recipient.into_values() {
        if notifications::is_opted_out(c, &user.id, kind.as_str())? {
            continue;
        }
        let reminder = texts::reading_reminder(
            user.language(),
            &config.public_base_url,
            &account.name,
            &devices,
        );
        crate::app::notify::send(c, config, &user, kind, reminder, now)?;
        mails += 1;
    }
    Ok(mails)
}
