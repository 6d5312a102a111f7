//! Devices: what operations on a device share.

use chrono::{DateTime, Utc};
use fleetdesk_domain::devices::DeviceStatus;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::devices::{self as repo, DeviceContext, DeviceRow};
use fleetdesk_persistence::events::{self, NewEvent};

use crate::auth::authorize_device;

use crate::error::{ApiError, ErrorCode};

/// A removed device takes no more readings, reports or changes; its history is kept.
#[derive(Debug, thiserror::Error)]
#[error("this device was removed; its history is kept")]
pub struct DeviceRemoved;

impl From<DeviceRemoved> for ApiError {
    fn from(e: DeviceRemoved) -> Self {
        ApiError::conflict(ErrorCode::DeviceRemoved, e.to_string())
    }
}

/// Refuses a removed device.
pub fn active(device: &DeviceRow) -> Result<(), DeviceRemoved> {
    if device.status == DeviceStatus::Removed {
        return Err(DeviceRemoved);
    }
    Ok(())
}

/// Loads a device and checks `action` on it.
pub fn device_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<DeviceContext, ApiError> {
    let device = repo::find_device(c, id)?.ok_or_else(ApiError::not_found)?;
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
    events::append(
        c,
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
        },
    )?;
    Ok(())
}
