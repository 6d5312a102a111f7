//! Devices: what operations on a device share.

use fleetdesk_persistence::devices::DeviceRow;

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
    if device.status == "removed" {
        return Err(DeviceRemoved);
    }
    Ok(())
}
