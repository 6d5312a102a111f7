//! Devices: registering, moving and removing them, and what operations on a device share.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::devices::{DeviceStatus, SerialNumber};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::devices::{self as repo, DeviceContext, DeviceRow, ReadingRow};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::auth::{Actor, authorize_device};

use crate::error::{ApiError, ErrorCode, Text};

/// A removed device takes no more readings, reports or changes; its history is kept.
#[derive(Debug, thiserror::Error)]
#[error("this device was removed; its history is kept")]
pub struct DeviceRemoved;

impl From<DeviceRemoved> for ApiError {
    fn from(_: DeviceRemoved) -> Self {
        ApiError::conflict(ErrorCode::DeviceRemoved, Text::key("detail-device-removed"))
    }
}

/// Refuses a removed device.
pub fn active(device: &DeviceRow) -> Result<(), DeviceRemoved> {
    if device.status == DeviceStatus::Removed {
        return Err(DeviceRemoved);
    }
    Ok(())
}

/// Reads who acts and a device, and checks `action` on it: in one statement where the actor
/// is a signed-in user (see [`Actor`]) and the database is across a network.
pub fn device_for(
    c: &mut Conn,
    who: &impl Actor,
    action: Action,
    id: &str,
) -> Result<(Arc<Principal>, DeviceContext), ApiError> {
    let Some((user, known)) = who.joinable_user().filter(|_| c.is_remote()) else {
        let principal = who.load(c)?;
        let device = checked(repo::find_device(c, id)?, &principal, action)?;
        return Ok((principal, device));
    };
    match repo::find_device_and_caller(c, id, user, known)? {
        Some((device, rows)) => {
            let principal = who.accept_rows(c, rows)?;
            let device = checked(Some(device), &principal, action)?;
            Ok((principal, device))
        }
        // No such device: who asks is still answered first (a signed-out caller hears 401).
        None => {
            who.load(c)?;
            Err(ApiError::not_found())
        }
    }
}

/// [`device_for`] with the device's newest entry: what a new entry is decided on. In one
/// statement, and so one snapshot, where the actor is a signed-in user and the database is
/// across a network; on SQLite in the writer's transaction.
pub fn device_for_entry(
    c: &mut Conn,
    who: &impl Actor,
    action: Action,
    id: &str,
) -> Result<(Arc<Principal>, DeviceContext, Option<ReadingRow>), ApiError> {
    let Some((user, known)) = who.joinable_user().filter(|_| c.is_remote()) else {
        let (principal, device) = device_for(c, who, action, id)?;
        let latest = repo::latest_entry(c, id)?;
        return Ok((principal, device, latest));
    };
    match repo::find_device_for_entry(c, id, user, known)? {
        Some((device, latest, rows)) => {
            let principal = who.accept_rows(c, rows)?;
            let device = checked(Some(device), &principal, action)?;
            Ok((principal, device, latest))
        }
        None => {
            who.load(c)?;
            Err(ApiError::not_found())
        }
    }
}

fn checked(
    found: Option<DeviceContext>,
    who: &Principal,
    action: Action,
) -> Result<DeviceContext, ApiError> {
    let device = found.ok_or_else(ApiError::not_found)?;
    authorize_device(who, action, &device.device)?;
    Ok(device)
}

pub fn meters_of(json_text: &str) -> Result<Vec<String>, ApiError> {
    serde_json::from_str(json_text).map_err(|e| ApiError::internal_from(e))
}

pub fn device_event(
    c: &mut Conn,
    kind: EventKind,
    device: &DeviceRow,
    actor: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    events::append(c, device_event_of(kind, device, actor, payload, at))?;
    Ok(())
}

/// The event of `kind` about `device`, by `actor`.
pub fn device_event_of<'a>(
    kind: EventKind,
    device: &'a DeviceRow,
    actor: &'a str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> NewEvent<'a> {
    NewEvent {
        kind,
        account_id: Some(&device.account_id),
        subject_type: "device",
        subject_id: &device.id,
        device_id: Some(&device.id),
        dealer_id: None,
        actor_id: Some(actor),
        staff_only: false,
        payload,
        at,
    }
}

/// A device as an account registers it, checked.
pub struct NewDevice {
    pub model_id: String,
    pub site_id: String,
    pub serial: SerialNumber,
    pub location: String,
    pub install_date: NaiveDate,
    pub warranty_end: NaiveDate,
    /// The model's meters unless given.
    pub meters: Option<Vec<String>>,
}

/// Registers a device on an account's site; its serial number is unique per model.
pub fn create(
    c: &mut Conn,
    actor: &str,
    account_id: &str,
    new: NewDevice,
    now: DateTime<Utc>,
) -> Result<DeviceContext, ApiError> {
    fleetdesk_persistence::accounts::find_account(c, account_id)?
        .ok_or_else(ApiError::not_found)?;
    let model = repo::find_model(c, &new.model_id)?
        .ok_or_else(|| ApiError::invalid_field("model_id", Text::key("invalid-no-such-model")))?;
    fleetdesk_persistence::accounts::find_site(c, account_id, &new.site_id)?.ok_or_else(|| {
        ApiError::invalid_field("site_id", Text::key("invalid-no-such-site-account"))
    })?;
    let meters = match &new.meters {
        Some(m) => serde_json::to_string(m).map_err(|e| ApiError::internal_from(e))?,
        None => model.meters.clone(),
    };
    let at = now.naive_utc();
    let row = DeviceRow {
        id: fleetdesk_persistence::new_id(),
        account_id: account_id.to_owned(),
        site_id: new.site_id.clone(),
        model_id: model.id.clone(),
        serial_number: new.serial.as_str().to_owned(),
        location: new.location.clone(),
        install_date: new.install_date,
        warranty_end: new.warranty_end,
        meters,
        status: Stored(DeviceStatus::Active),
        removal_requested_at: None,
        removal_requested_by: None,
        removal_reason: None,
        removed_at: None,
        removed_by: None,
        created_at: at,
        updated_at: at,
    };
    repo::insert_device(c, &row).map_err(|e| match e {
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::SerialNumberTaken,
            Text::key("detail-device-model-serial-number-already"),
        ),
        other => other.into(),
    })?;
    device_event(
        c,
        EventKind::DeviceCreated,
        &row,
        actor,
        json!({ "serial_number": row.serial_number, "model": model.name }),
        now,
    )?;
    repo::find_device(c, &row.id)?.ok_or_else(|| ApiError::internal())
}

/// Asks customer service to remove a device (its account's users who manage it).
pub fn request_removal(
    c: &mut Conn,
    actor: &impl Actor,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<DeviceContext, ApiError> {
    let (who, ctx) = device_for(c, actor, Action::RequestDeviceRemoval, id)?;
    active(&ctx.device)?;
    repo::request_removal(c, id, &who.user_id, reason, now)?;
    device_event(
        c,
        EventKind::DeviceRemovalRequested,
        &ctx.device,
        &who.user_id,
        json!({ "reason": reason }),
        now,
    )?;
    repo::find_device(c, id)?.ok_or_else(|| ApiError::internal())
}

/// Changes where in its site a device stands.
pub fn update_location(
    c: &mut Conn,
    actor: &impl Actor,
    id: &str,
    location: &str,
    now: DateTime<Utc>,
) -> Result<DeviceContext, ApiError> {
    let (who, ctx) = device_for(c, actor, Action::UpdateDeviceLocation, id)?;
    active(&ctx.device)?;
    repo::set_location(c, id, location, now)?;
    device_event(
        c,
        EventKind::DeviceLocationChanged,
        &ctx.device,
        &who.user_id,
        json!({ "location": location }),
        now,
    )?;
    repo::find_device(c, id)?.ok_or_else(|| ApiError::internal())
}

/// Removes a device (customer service); its history is kept.
pub fn remove(
    c: &mut Conn,
    actor: &impl Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (who, ctx) = device_for(c, actor, Action::RemoveDevice, id)?;
    if !repo::remove_device(c, id, &who.user_id, now)? {
        return Err(ApiError::conflict(
            ErrorCode::DeviceRemoved,
            Text::key("detail-device-removed-already"),
        ));
    }
    device_event(
        c,
        EventKind::DeviceRemoved,
        &ctx.device,
        &who.user_id,
        json!({ "serial_number": ctx.device.serial_number }),
        now,
    )
}
