//! Consumable stock: locations, levels, consumption and receipts, and what a device's
//! supply-level report does to replenishment.

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::sites::Address;
use fleetdesk_domain::stock::{
    self as rules, MovementKind, StockError as StockRuleError, StockLevelSpec,
};
use fleetdesk_domain::stock::{Replenishment, SupplyLevel};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::stock::{
    self as repo, DeviceCredentialRow, OrderRow, StockLevelRow, StockLocationRow, StockMovementRow,
};
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::app::devices::{DeviceRemoved, active};
use crate::auth::{authorize, authorize_stock};
use crate::error::{ApiError, ErrorCode, Text};

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

impl fleetdesk_persistence::Unreachable for StockError {
    fn unreachable(&self) -> bool {
        matches!(self, StockError::Db(db) if db.unreachable())
    }
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
    let order = OrderRow::raised(
        &location.account_id,
        &location.id,
        Some(device_id),
        &supply.part_number,
        level.order_quantity,
        Some(supply.level_percent),
        None,
        now,
    );
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

/// A stock location the caller may take `action` on; outside their scope, 404.
pub fn location_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<StockLocationRow, ApiError> {
    let row = repo::find_location(c, id)?.ok_or_else(ApiError::not_found)?;
    authorize_stock(who, action, &row.account_id, &row.id)?;
    Ok(row)
}

fn name_taken(e: DbError) -> ApiError {
    match e {
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::StockLocationNameTaken,
            Text::key("detail-account-stock-location-name"),
        ),
        other => other.into(),
    }
}

fn not_stocked() -> ApiError {
    ApiError::invalid_field("part_number", Text::key("invalid-stocked-location"))
}

fn insufficient(on_hand: i32) -> ApiError {
    ApiError::conflict(
        ErrorCode::InsufficientStock,
        Text::with(
            "detail-insufficient-stock",
            [("on_hand", on_hand.to_string())],
        ),
    )
    .with_facts(json!({ "on_hand": on_hand }))
}

/// A stock location as an account names it, checked.
pub struct NewLocation {
    pub name: String,
    pub address: Address,
    pub shipping_instructions: Option<String>,
}

/// What a change to a stock location replaces; `None` keeps it. `shipping_instructions`:
/// `Some(None)` clears them.
pub struct LocationChange {
    pub name: Option<String>,
    pub address: Option<Address>,
    pub shipping_instructions: Option<Option<String>>,
}

/// Creates a stock location on an account; its name is unique within the account.
pub fn create_location(
    c: &mut Conn,
    actor: &str,
    account_id: &str,
    new: NewLocation,
    now: DateTime<Utc>,
) -> Result<StockLocationRow, ApiError> {
    fleetdesk_persistence::accounts::find_account(c, account_id)?
        .ok_or_else(ApiError::not_found)?;
    let row = StockLocationRow {
        id: fleetdesk_persistence::new_id(),
        account_id: account_id.to_owned(),
        name: new.name,
        shipping_instructions: new.shipping_instructions,
        address_line1: new.address.line1,
        address_line2: new.address.line2,
        postal_code: new.address.postal_code,
        city: new.address.city,
        country: new.address.country,
        created_by: actor.to_owned(),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    repo::insert_location(c, &row).map_err(name_taken)?;
    event(
        c,
        EventKind::StockLocationCreated,
        &row,
        None,
        Some(actor),
        json!({ "name": row.name }),
        now,
    )?;
    Ok(row)
}

/// Changes a stock location's name, address or shipping instructions.
pub fn update_location(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    change: LocationChange,
    now: DateTime<Utc>,
) -> Result<StockLocationRow, ApiError> {
    let mut row = location_for(c, who, Action::EditStock, id)?;
    if let Some(name) = change.name {
        row.name = name;
    }
    if let Some(instructions) = change.shipping_instructions {
        row.shipping_instructions = instructions;
    }
    if let Some(a) = change.address {
        row.address_line1 = a.line1;
        row.address_line2 = a.line2;
        row.postal_code = a.postal_code;
        row.city = a.city;
        row.country = a.country;
    }
    row.updated_at = now.naive_utc();
    repo::update_location(c, &row).map_err(name_taken)?;
    event(
        c,
        EventKind::StockLocationUpdated,
        &row,
        None,
        Some(&who.user_id),
        json!({ "name": row.name }),
        now,
    )?;
    Ok(row)
}

/// Sets a part's level and replenishment settings at a location (a count when the level
/// changes).
pub fn put_level(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    (part_number, spec): (String, StockLevelSpec),
    now: DateTime<Utc>,
) -> Result<StockLocationRow, ApiError> {
    let row = location_for(c, who, Action::EditStock, id)?;
    let before = repo::find_level(c, &row.id, &part_number)?.map(|l| l.on_hand);
    repo::put_level(
        c,
        &StockLevelRow {
            stock_location_id: row.id.clone(),
            part_number: part_number.clone(),
            description: spec.description.clone(),
            on_hand: spec.on_hand,
            reorder_point: spec.reorder_point,
            supply_threshold_percent: spec.supply_threshold_percent,
            order_quantity: spec.order_quantity,
            updated_at: now.naive_utc(),
        },
    )?;
    if before != Some(spec.on_hand) {
        repo::insert_movement(
            c,
            &StockMovementRow {
                id: fleetdesk_persistence::new_id(),
                stock_location_id: row.id.clone(),
                part_number: part_number.clone(),
                kind: Stored(MovementKind::Count),
                quantity: spec.on_hand - before.unwrap_or(0),
                on_hand_after: spec.on_hand,
                order_id: None,
                device_id: None,
                recorded_by: who.user_id.clone(),
                recorded_at: now.naive_utc(),
            },
        )?;
    }
    event(
        c,
        EventKind::StockLevelSet,
        &row,
        None,
        Some(&who.user_id),
        json!({ "part_number": part_number, "on_hand": spec.on_hand }),
        now,
    )?;
    Ok(row)
}

/// Records consumables used at a location, optionally by one of its linked devices; stock
/// never goes below zero.
pub fn consume(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    (part_number, quantity, device_id): (String, i32, Option<String>),
    now: DateTime<Utc>,
) -> Result<StockLevelRow, ApiError> {
    let row = location_for(c, who, Action::EditStock, id)?;
    let level = repo::find_level(c, &row.id, &part_number)?.ok_or_else(not_stocked)?;
    if let Some(device) = &device_id {
        let linked = repo::location_of_device(c, device)?;
        if linked.as_deref() != Some(row.id.as_str()) {
            return Err(ApiError::invalid_field(
                "device_id",
                Text::key("invalid-linked-location"),
            ));
        }
    }
    // Checked first for a clear answer; the update's own condition holds under races.
    if let Err(StockRuleError::NotEnough { on_hand }) = rules::consume(level.on_hand, quantity) {
        return Err(insufficient(on_hand));
    }
    let after = repo::move_stock(c, &row.id, &part_number, -quantity, now)?
        .ok_or_else(|| insufficient(level.on_hand))?;
    repo::insert_movement(
        c,
        &StockMovementRow {
            id: fleetdesk_persistence::new_id(),
            stock_location_id: row.id.clone(),
            part_number: part_number.clone(),
            kind: Stored(MovementKind::Consumption),
            quantity: -quantity,
            on_hand_after: after,
            order_id: None,
            device_id: device_id.clone(),
            recorded_by: who.user_id.clone(),
            recorded_at: now.naive_utc(),
        },
    )?;
    event(
        c,
        EventKind::StockConsumed,
        &row,
        device_id.as_deref(),
        Some(&who.user_id),
        json!({ "part_number": part_number, "quantity": quantity, "on_hand": after }),
        now,
    )?;
    repo::find_level(c, &row.id, &part_number)?.ok_or_else(|| ApiError::internal())
}

/// Receives a replenishment order (all of it unless `quantity` says otherwise) into stock.
pub fn receive_order(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    quantity: Option<i32>,
    now: DateTime<Utc>,
) -> Result<OrderRow, ApiError> {
    let order = repo::find_order(c, id)?.ok_or_else(ApiError::not_found)?;
    let location = location_for(c, who, Action::EditStock, &order.stock_location_id)?;
    let quantity = quantity.unwrap_or(order.quantity);
    if !repo::receive_order(c, &order.id, quantity, &who.user_id, now)? {
        return Err(ApiError::conflict(
            ErrorCode::OrderClosed,
            Text::key("detail-order-received-already"),
        ));
    }
    let level = repo::find_level(c, &location.id, &order.part_number)?.ok_or_else(not_stocked)?;
    rules::receive(level.on_hand, quantity)
        .map_err(|e| ApiError::invalid_field("quantity", e.message()))?;
    let after = repo::move_stock(c, &location.id, &order.part_number, quantity, now)?
        .ok_or_else(|| ApiError::internal())?;
    repo::insert_movement(
        c,
        &StockMovementRow {
            id: fleetdesk_persistence::new_id(),
            stock_location_id: location.id.clone(),
            part_number: order.part_number.clone(),
            kind: Stored(MovementKind::Receipt),
            quantity,
            on_hand_after: after,
            order_id: Some(order.id.clone()),
            device_id: None,
            recorded_by: who.user_id.clone(),
            recorded_at: now.naive_utc(),
        },
    )?;
    event(
        c,
        EventKind::ReplenishmentOrderReceived,
        &location,
        order.device_id.as_deref(),
        Some(&who.user_id),
        json!({ "order_id": order.id, "part_number": order.part_number,
                "quantity": quantity, "on_hand": after }),
        now,
    )?;
    repo::find_order(c, &order.id)?.ok_or_else(|| ApiError::internal())
}

/// Links the devices a location supplies (replacing the links); each must be the account's.
pub fn link_devices(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    device_ids: Vec<String>,
    now: DateTime<Utc>,
) -> Result<StockLocationRow, ApiError> {
    let row = location_for(c, who, Action::LinkStockDevices, id)?;
    let found =
        fleetdesk_persistence::devices::count_devices_in_account(c, &row.account_id, &device_ids)?;
    if usize::try_from(found).unwrap_or(0) != device_ids.len() {
        return Err(ApiError::invalid_field(
            "device_ids",
            Text::key("invalid-every-device-must-belong-location-s"),
        ));
    }
    repo::set_linked_devices(c, &row.id, &device_ids, now)?;
    event(
        c,
        EventKind::StockLocationDevicesLinked,
        &row,
        None,
        Some(&who.user_id),
        json!({ "device_ids": device_ids }),
        now,
    )?;
    Ok(row)
}

/// A device credential as an account issues it: its name, the device it is limited to if any,
/// and the hash of its token (the token itself is shown once, never stored).
pub struct NewCredential {
    pub name: String,
    pub device_id: Option<String>,
    pub token_hash: String,
}

/// Issues a monitoring agent's credential for an account, optionally limited to one of its
/// devices.
pub fn issue_credential(
    c: &mut Conn,
    actor: &str,
    account_id: &str,
    new: NewCredential,
    now: DateTime<Utc>,
) -> Result<DeviceCredentialRow, ApiError> {
    fleetdesk_persistence::accounts::find_account(c, account_id)?
        .ok_or_else(ApiError::not_found)?;
    if let Some(device) = &new.device_id {
        let found = fleetdesk_persistence::devices::count_devices_in_account(
            c,
            account_id,
            std::slice::from_ref(device),
        )?;
        if found != 1 {
            return Err(ApiError::invalid_field(
                "device_id",
                Text::key("invalid-device-account"),
            ));
        }
    }
    let row = DeviceCredentialRow {
        id: fleetdesk_persistence::new_id(),
        account_id: account_id.to_owned(),
        device_id: new.device_id,
        name: new.name,
        token_hash: new.token_hash,
        created_by: actor.to_owned(),
        created_at: now.naive_utc(),
        revoked_at: None,
        last_used_at: None,
    };
    repo::insert_credential(c, &row)?;
    Ok(row)
}

/// A stock manager orders consumables for a location by hand: a part the location stocks, and
/// only while no order of it is outstanding there (`order_open`, naming that order).
pub fn order_by_hand(
    c: &mut Conn,
    who: &Principal,
    location_id: &str,
    (part_number, quantity): (String, i32),
    now: DateTime<Utc>,
) -> Result<OrderRow, ApiError> {
    let location = location_for(c, who, Action::EditStock, location_id)?;
    repo::find_level(c, &location.id, &part_number)?.ok_or_else(not_stocked)?;
    if let Some(open) = repo::outstanding_orders(c, &location.id, &part_number)?
        .into_iter()
        .next()
    {
        return Err(order_open(&open));
    }
    let order = OrderRow::raised(
        &location.account_id,
        &location.id,
        None,
        &part_number,
        quantity,
        None,
        Some(&who.user_id),
        now,
    );
    repo::insert_order(c, &order).map_err(|e| match e {
        // Another order by hand came first.
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::OrderOpen,
            Text::key("detail-order-part-outstanding-location-already"),
        ),
        other => other.into(),
    })?;
    event(
        c,
        EventKind::ReplenishmentOrderRaised,
        &location,
        None,
        Some(&who.user_id),
        json!({ "order_id": order.id, "part_number": order.part_number,
                "quantity": order.quantity, "by_hand": true }),
        now,
    )?;
    Ok(order)
}

fn order_open(open: &OrderRow) -> ApiError {
    ApiError::conflict(
        ErrorCode::OrderOpen,
        Text::with(
            "detail-order-open",
            [
                ("order", open.id.clone()),
                ("status", open.status.to_string()),
            ],
        ),
    )
    .with_facts(json!({ "order_id": open.id, "order_status": open.status }))
}

/// The order `id` and its location, which the caller may read (404 otherwise).
fn order_for(
    c: &mut Conn,
    who: &Principal,
    id: &str,
) -> Result<(OrderRow, StockLocationRow), ApiError> {
    let order = repo::find_order(c, id)?.ok_or_else(ApiError::not_found)?;
    let location = location_for(c, who, Action::ReadStock, &order.stock_location_id)?;
    Ok((order, location))
}

fn not_open(order: &OrderRow) -> ApiError {
    ApiError::conflict(
        ErrorCode::OrderClosed,
        Text::with(
            "detail-order-closed",
            [("status", order.status.to_string())],
        ),
    )
}

/// Customer service records that an open order was shipped, with the carrier and tracking
/// number the location's stock managers follow it by.
pub fn ship_order(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    (carrier, tracking_number): (&str, &str),
    now: DateTime<Utc>,
) -> Result<OrderRow, ApiError> {
    let (order, location) = order_for(c, who, id)?;
    authorize(who, Action::ShipOrders, Some(&order.account_id))?;
    if !repo::ship_order(c, &order.id, (carrier, tracking_number), &who.user_id, now)? {
        return Err(not_open(&order));
    }
    event(
        c,
        EventKind::ReplenishmentOrderShipped,
        &location,
        order.device_id.as_deref(),
        Some(&who.user_id),
        json!({ "order_id": order.id, "part_number": order.part_number,
                "carrier": carrier, "tracking_number": tracking_number }),
        now,
    )?;
    repo::find_order(c, &order.id)?.ok_or_else(|| ApiError::internal())
}

/// Cancels an order that was not shipped yet (the location's stock managers, customer
/// service); a new one may then be placed.
pub fn cancel_order(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    now: DateTime<Utc>,
) -> Result<OrderRow, ApiError> {
    let (order, location) = order_for(c, who, id)?;
    authorize_stock(who, Action::EditStock, &location.account_id, &location.id)?;
    if !repo::cancel_order(c, &order.id, &who.user_id, now)? {
        return Err(not_open(&order));
    }
    event(
        c,
        EventKind::ReplenishmentOrderCancelled,
        &location,
        order.device_id.as_deref(),
        Some(&who.user_id),
        json!({ "order_id": order.id, "part_number": order.part_number }),
        now,
    )?;
    repo::find_order(c, &order.id)?.ok_or_else(|| ApiError::internal())
}
