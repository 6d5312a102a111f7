//! Consumable stock: what a device's supply-level report does to replenishment.

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::stock::OrderStatus;
use fleetdesk_domain::stock::{Replenishment, SupplyLevel};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::stock::{self as repo, DeviceCredentialRow, OrderRow, StockLocationRow};
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::devices::{DeviceRemoved, active};
use crate::error::ApiError;

/// Why a stock operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum StockError {
    /// The device does not exist for this caller.
    #[error("no such device")]
    DeviceNotFound,
    #[error(transparent)]
    DeviceRemoved(#[from] DeviceRemoved),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<StockError> for ApiError {
    fn from(e: StockError) -> Self {
        match e {
            StockError::DeviceNotFound => ApiError::not_found(),
            StockError::DeviceRemoved(removed) => removed.into(),
            StockError::Db(db) => db.into(),
        }
    }
}

/// A device's supply levels, as reported under a device credential.
#[derive(Debug, Clone)]
pub struct SupplyReport {
    pub device_id: String,
    /// Checked by `fleetdesk_domain::stock::supply_report`.
    pub supplies: Vec<SupplyLevel>,
}

#[derive(Debug, Clone)]
pub struct SupplyReportOutcome {
    pub device_id: String,
    pub stock_location_id: Option<String>,
    pub results: Vec<(SupplyLevel, Replenishment)>,
}

/// Records a supply-level report: each level under its consumable's threshold at the
/// device's stock location raises one replenishment order — never two open for a device's
/// consumable (a partial unique index), however many reports race.
pub fn report_supply_levels(
    c: &mut Conn,
    credential: &DeviceCredentialRow,
    now: DateTime<Utc>,
    report: SupplyReport,
) -> Result<SupplyReportOutcome, StockError> {
    let device = fleetdesk_persistence::devices::find_device(c, &report.device_id)?
        .map(|ctx| ctx.device)
        .filter(|d| {
            d.account_id == credential.account_id
                && credential
                    .device_id
                    .as_ref()
                    .is_none_or(|only| *only == d.id)
        })
        .ok_or(StockError::DeviceNotFound)?;
    active(&device)?;
    repo::touch_credential(c, &credential.id, now)?;
    let location = match repo::location_of_device(c, &device.id)? {
        Some(id) => repo::find_location(c, &id)?,
        None => None,
    };
    let mut results = Vec::new();
    for supply in report.supplies {
        let replenishment = match &location {
            None => Replenishment::NotLinked,
            Some(location) => replenish(c, location, &device.id, &supply, now)?,
        };
        results.push((supply, replenishment));
    }
    Ok(SupplyReportOutcome {
        device_id: device.id,
        stock_location_id: location.map(|l| l.id),
        results,
    })
}

/// What one reported level does at the device's stock location.
fn replenish(
    c: &mut Conn,
    location: &StockLocationRow,
    device_id: &str,
    supply: &SupplyLevel,
    now: DateTime<Utc>,
) -> Result<Replenishment, StockError> {
    let Some(level) = repo::find_level(c, &location.id, &supply.part_number)? else {
        return Ok(Replenishment::NotStocked);
    };
    if !supply.below(level.supply_threshold_percent) {
        return Ok(Replenishment::AboveThreshold);
    }
    let order = OrderRow {
        id: fleetdesk_persistence::new_id(),
        account_id: location.account_id.clone(),
        stock_location_id: location.id.clone(),
        device_id: device_id.to_owned(),
        part_number: supply.part_number.clone(),
        quantity: level.order_quantity,
        reported_level_percent: supply.level_percent,
        status: Stored(OrderStatus::Open),
        raised_at: now.naive_utc(),
        received_quantity: None,
        received_by: None,
        received_at: None,
    };
    if !repo::raise_order_once(c, &order)? {
        let open = repo::open_order(c, device_id, &supply.part_number)?;
        return Ok(Replenishment::OrderOpen {
            order_id: open.map(|o| o.id),
        });
    }
    event(
        c,
        EventKind::ReplenishmentOrderRaised,
        location,
        Some(device_id),
        None,
        json!({ "order_id": order.id, "part_number": order.part_number,
                "quantity": order.quantity, "level_percent": supply.level_percent }),
        now,
    )?;
    Ok(Replenishment::Ordered { order_id: order.id })
}

/// Appends an event about a stock location, in the caller's transaction.
pub fn event(
    c: &mut Conn,
    kind: EventKind,
    location: &StockLocationRow,
    device_id: Option<&str>,
    actor: Option<&str>,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    events::append(
        c,
        NewEvent {
            kind,
            account_id: Some(&location.account_id),
            subject_type: "stock_location",
            subject_id: &location.id,
            device_id,
            dealer_id: None,
            actor_id: actor,
            staff_only: false,
            payload,
            at,
        },
    )
}
