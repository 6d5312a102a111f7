//! Consumable stock: stock locations and their levels, stock managers' assignments, devices
//! linked for replenishment, device credentials, replenishment orders and stock movements.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use fleetdesk_domain::stock::{MovementKind, OrderStatus};

use crate::labels::Stored;
use crate::schema::{
    device_credentials, replenishment_orders, stock_assignments, stock_levels,
    stock_location_devices, stock_locations, stock_movements,
};
use crate::{Conn, DbResult, Page};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = stock_locations, treat_none_as_null = true)]
pub struct StockLocationRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub shipping_instructions: Option<String>,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Inserts a location; the unique (account, name) refuses a second of one name.
pub fn insert_location(conn: &mut Conn, row: &StockLocationRow) -> DbResult<()> {
    diesel::insert_into(stock_locations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_location(conn: &mut Conn, id: &str) -> DbResult<Option<StockLocationRow>> {
    Ok(stock_locations::table
        .find(id)
        .select(StockLocationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update_location(conn: &mut Conn, row: &StockLocationRow) -> DbResult<()> {
    diesel::update(stock_locations::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct LocationFilter {
    /// `None`: every location; `Some((accounts, locations))`: every location of those
    /// accounts and those single locations (the caller's scope).
    pub scope: Option<(Vec<String>, Vec<String>)>,
    pub account_id: Option<String>,
}

pub fn list_locations(
    conn: &mut Conn,
    filter: &LocationFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<StockLocationRow>> {
    let mut query = stock_locations::table
        .select(StockLocationRow::as_select())
        .into_boxed();
    if let Some((accounts, singles)) = &filter.scope {
        query = query.filter(
            stock_locations::account_id
                .eq_any(accounts.clone())
                .or(stock_locations::id.eq_any(singles.clone())),
        );
    }
    if let Some(v) = &filter.account_id {
        query = query.filter(stock_locations::account_id.eq(v.clone()));
    }
    if let Some(after) = after {
        query = query.filter(stock_locations::id.gt(after.to_owned()));
    }
    let rows = query
        .order(stock_locations::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// How many of `ids` are stock locations of `account_id`.
pub fn count_locations_in_account(
    conn: &mut Conn,
    account_id: &str,
    ids: &[String],
) -> DbResult<i64> {
    Ok(stock_locations::table
        .filter(stock_locations::account_id.eq(account_id))
        .filter(stock_locations::id.eq_any(ids))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = stock_levels)]
pub struct StockLevelRow {
    pub stock_location_id: String,
    pub part_number: String,
    pub description: String,
    pub on_hand: i32,
    pub reorder_point: i32,
    pub supply_threshold_percent: i32,
    pub order_quantity: i32,
    pub updated_at: NaiveDateTime,
}

pub fn levels_of(conn: &mut Conn, location_id: &str) -> DbResult<Vec<StockLevelRow>> {
    Ok(stock_levels::table
        .filter(stock_levels::stock_location_id.eq(location_id))
        .order(stock_levels::part_number.asc())
        .select(StockLevelRow::as_select())
        .load(conn)?)
}

pub fn find_level(
    conn: &mut Conn,
    location_id: &str,
    part_number: &str,
) -> DbResult<Option<StockLevelRow>> {
    Ok(stock_levels::table
        .find((location_id, part_number))
        .select(StockLevelRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a level: inserts it, or replaces the one of the same part number.
pub fn put_level(conn: &mut Conn, row: &StockLevelRow) -> DbResult<()> {
    let updated =
        diesel::update(stock_levels::table.find((&row.stock_location_id, &row.part_number)))
            .set(row)
            .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(stock_levels::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Moves the stock of one consumable by `delta` in one statement, unless that would take it
/// below zero: the stock after it, or `None` when refused (or no such level).
pub fn move_stock(
    conn: &mut Conn,
    location_id: &str,
    part_number: &str,
    delta: i32,
    at: DateTime<Utc>,
) -> DbResult<Option<i32>> {
    Ok(diesel::update(
        stock_levels::table
            .find((location_id, part_number))
            .filter((stock_levels::on_hand + delta).ge(0)),
    )
    .set((
        stock_levels::on_hand.eq(stock_levels::on_hand + delta),
        stock_levels::updated_at.eq(at.naive_utc()),
    ))
    .returning(stock_levels::on_hand)
    .get_result(conn)
    .optional()?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_movements)]
pub struct StockMovementRow {
    pub id: String,
    pub stock_location_id: String,
    pub part_number: String,
    pub kind: Stored<MovementKind>,
    pub quantity: i32,
    pub on_hand_after: i32,
    pub order_id: Option<String>,
    pub device_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_movement(conn: &mut Conn, row: &StockMovementRow) -> DbResult<()> {
    diesel::insert_into(stock_movements::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A location's stock movements, oldest first; only one part's when `part_number` is set.
pub fn list_movements(
    conn: &mut Conn,
    location_id: &str,
    part_number: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<StockMovementRow>> {
    let mut query = stock_movements::table
        .filter(stock_movements::stock_location_id.eq(location_id))
        .select(StockMovementRow::as_select())
        .into_boxed();
    if let Some(v) = part_number {
        query = query.filter(stock_movements::part_number.eq(v.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(stock_movements::id.gt(after.to_owned()));
    }
    let rows = query
        .order(stock_movements::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// Replaces a member's stock location assignments in one account.
pub fn set_assignments(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
    location_ids: &[String],
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::delete(
        stock_assignments::table
            .filter(stock_assignments::account_id.eq(account_id))
            .filter(stock_assignments::user_id.eq(user_id)),
    )
    .execute(conn)?;
    for location_id in location_ids {
        diesel::insert_into(stock_assignments::table)
            .values((
                stock_assignments::account_id.eq(account_id),
                stock_assignments::user_id.eq(user_id),
                stock_assignments::stock_location_id.eq(location_id),
                stock_assignments::created_at.eq(at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn linked_devices(conn: &mut Conn, location_id: &str) -> DbResult<Vec<String>> {
    Ok(stock_location_devices::table
        .filter(stock_location_devices::stock_location_id.eq(location_id))
        .order(stock_location_devices::device_id.asc())
        .select(stock_location_devices::device_id)
        .load(conn)?)
}

/// The stock location a device is replenished from, if linked.
pub fn location_of_device(conn: &mut Conn, device_id: &str) -> DbResult<Option<String>> {
    Ok(stock_location_devices::table
        .find(device_id)
        .select(stock_location_devices::stock_location_id)
        .first(conn)
        .optional()?)
}

/// Replaces the devices linked to a location; a device linked elsewhere moves here.
pub fn set_linked_devices(
    conn: &mut Conn,
    location_id: &str,
    device_ids: &[String],
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::delete(
        stock_location_devices::table
            .filter(stock_location_devices::stock_location_id.eq(location_id))
            .or_filter(stock_location_devices::device_id.eq_any(device_ids)),
    )
    .execute(conn)?;
    for device_id in device_ids {
        diesel::insert_into(stock_location_devices::table)
            .values((
                stock_location_devices::device_id.eq(device_id),
                stock_location_devices::stock_location_id.eq(location_id),
                stock_location_devices::linked_at.eq(at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = device_credentials)]
pub struct DeviceCredentialRow {
    pub id: String,
    pub account_id: String,
    pub device_id: Option<String>,
    pub name: String,
    pub token_hash: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

pub fn insert_credential(conn: &mut Conn, row: &DeviceCredentialRow) -> DbResult<()> {
    diesel::insert_into(device_credentials::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The unrevoked credential with this token hash.
pub fn find_live_credential(
    conn: &mut Conn,
    token_hash: &str,
) -> DbResult<Option<DeviceCredentialRow>> {
    Ok(device_credentials::table
        .filter(device_credentials::token_hash.eq(token_hash))
        .filter(device_credentials::revoked_at.is_null())
        .select(DeviceCredentialRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn credentials_of(conn: &mut Conn, account_id: &str) -> DbResult<Vec<DeviceCredentialRow>> {
    Ok(device_credentials::table
        .filter(device_credentials::account_id.eq(account_id))
        .order(device_credentials::id.asc())
        .select(DeviceCredentialRow::as_select())
        .load(conn)?)
}

/// Revokes a live credential of the account; `false` when there is none.
pub fn revoke_credential(
    conn: &mut Conn,
    account_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        device_credentials::table
            .find(id)
            .filter(device_credentials::account_id.eq(account_id))
            .filter(device_credentials::revoked_at.is_null()),
    )
    .set(device_credentials::revoked_at.eq(at.naive_utc()))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn touch_credential(conn: &mut Conn, id: &str, at: DateTime<Utc>) -> DbResult<()> {
    diesel::update(device_credentials::table.find(id))
        .set(device_credentials::last_used_at.eq(at.naive_utc()))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = replenishment_orders)]
pub struct OrderRow {
    pub id: String,
    pub account_id: String,
    pub stock_location_id: String,
    /// The device whose report raised it; `None` for an order placed by hand.
    pub device_id: Option<String>,
    pub part_number: String,
    pub quantity: i32,
    pub reported_level_percent: Option<i32>,
    pub status: Stored<OrderStatus>,
    pub raised_at: NaiveDateTime,
    pub received_quantity: Option<i32>,
    pub received_by: Option<String>,
    pub received_at: Option<NaiveDateTime>,
    /// Who placed it by hand.
    pub ordered_by: Option<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub shipped_by: Option<String>,
    pub shipped_at: Option<NaiveDateTime>,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<NaiveDateTime>,
}

impl OrderRow {
    /// An order as raised: open, not yet shipped, received or cancelled.
    #[expect(clippy::too_many_arguments, reason = "an order, field by field")]
    pub fn raised(
        account_id: &str,
        stock_location_id: &str,
        device_id: Option<&str>,
        part_number: &str,
        quantity: i32,
        reported_level_percent: Option<i32>,
        ordered_by: Option<&str>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: crate::new_id(),
            account_id: account_id.to_owned(),
            stock_location_id: stock_location_id.to_owned(),
            device_id: device_id.map(str::to_owned),
            part_number: part_number.to_owned(),
            quantity,
            reported_level_percent,
            status: Stored(OrderStatus::Open),
            raised_at: at.naive_utc(),
            received_quantity: None,
            received_by: None,
            received_at: None,
            ordered_by: ordered_by.map(str::to_owned),
            carrier: None,
            tracking_number: None,
            shipped_by: None,
            shipped_at: None,
            cancelled_by: None,
            cancelled_at: None,
        }
    }
}

const OUTSTANDING: [Stored<OrderStatus>; 2] =
    [Stored(OrderStatus::Open), Stored(OrderStatus::Shipped)];

/// Raises an order unless one is open for the device's consumable (the partial unique
/// index decides, under any concurrency): `true` when this one was raised.
pub fn raise_order_once(conn: &mut Conn, row: &OrderRow) -> DbResult<bool> {
    let inserted = match conn {
        Conn::Postgresql(pg) => diesel::insert_into(replenishment_orders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(pg)?,
        Conn::Sqlite(lite) => diesel::insert_into(replenishment_orders::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(lite)?,
    };
    Ok(inserted == 1)
}

/// The outstanding (open or shipped) order of a device's consumable, if any.
pub fn open_order(
    conn: &mut Conn,
    device_id: &str,
    part_number: &str,
) -> DbResult<Option<OrderRow>> {
    Ok(replenishment_orders::table
        .filter(replenishment_orders::device_id.eq(device_id))
        .filter(replenishment_orders::part_number.eq(part_number))
        .filter(replenishment_orders::status.eq_any(OUTSTANDING))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// The outstanding (open or shipped) orders of a consumable at a location, automatic or by
/// hand, oldest first.
pub fn outstanding_orders(
    conn: &mut Conn,
    stock_location_id: &str,
    part_number: &str,
) -> DbResult<Vec<OrderRow>> {
    Ok(replenishment_orders::table
        .filter(replenishment_orders::stock_location_id.eq(stock_location_id))
        .filter(replenishment_orders::part_number.eq(part_number))
        .filter(replenishment_orders::status.eq_any(OUTSTANDING))
        .order(replenishment_orders::id.asc())
        .select(OrderRow::as_select())
        .load(conn)?)
}

/// Places an order by hand; the partial unique index refuses a second outstanding one for the
/// location's consumable (`DbError::UniqueViolation`).
pub fn insert_order(conn: &mut Conn, row: &OrderRow) -> DbResult<()> {
    diesel::insert_into(replenishment_orders::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records an open order's shipment; `false` when it was not open.
pub fn ship_order(
    conn: &mut Conn,
    id: &str,
    (carrier, tracking_number): (&str, &str),
    by: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        replenishment_orders::table
            .find(id)
            .filter(replenishment_orders::status.eq(Stored(OrderStatus::Open))),
    )
    .set((
        replenishment_orders::status.eq(Stored(OrderStatus::Shipped)),
        replenishment_orders::carrier.eq(carrier),
        replenishment_orders::tracking_number.eq(tracking_number),
        replenishment_orders::shipped_by.eq(by),
        replenishment_orders::shipped_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Cancels an open order; `false` when it was not open (shipped, received or cancelled).
pub fn cancel_order(conn: &mut Conn, id: &str, by: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let changed = diesel::update(
        replenishment_orders::table
            .find(id)
            .filter(replenishment_orders::status.eq(Stored(OrderStatus::Open))),
    )
    .set((
        replenishment_orders::status.eq(Stored(OrderStatus::Cancelled)),
        replenishment_orders::cancelled_by.eq(by),
        replenishment_orders::cancelled_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn find_order(conn: &mut Conn, id: &str) -> DbResult<Option<OrderRow>> {
    Ok(replenishment_orders::table
        .find(id)
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// `None`: every order; `Some((accounts, locations))`: the orders of those accounts and
    /// of those single locations (the caller's scope).
    pub scope: Option<(Vec<String>, Vec<String>)>,
    pub status: Option<OrderStatus>,
    pub stock_location_id: Option<String>,
}

pub fn list_orders(
    conn: &mut Conn,
    filter: &OrderFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<OrderRow>> {
    let mut query = replenishment_orders::table
        .select(OrderRow::as_select())
        .into_boxed();
    if let Some((accounts, singles)) = &filter.scope {
        query = query.filter(
            replenishment_orders::account_id
                .eq_any(accounts.clone())
                .or(replenishment_orders::stock_location_id.eq_any(singles.clone())),
        );
    }
    if let Some(v) = &filter.status {
        query = query.filter(replenishment_orders::status.eq(Stored(*v)));
    }
    if let Some(v) = &filter.stock_location_id {
        query = query.filter(replenishment_orders::stock_location_id.eq(v.clone()));
    }
    if let Some(after) = after {
        query = query.filter(replenishment_orders::id.gt(after.to_owned()));
    }
    let rows = query
        .order(replenishment_orders::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// Closes an outstanding (open or shipped) order as received; `false` when it was not.
pub fn receive_order(
    conn: &mut Conn,
    id: &str,
    quantity: i32,
    by: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        replenishment_orders::table
            .find(id)
            .filter(replenishment_orders::status.eq_any(OUTSTANDING)),
    )
    .set((
        replenishment_orders::status.eq(Stored(OrderStatus::Received)),
        replenishment_orders::received_quantity.eq(quantity),
        replenishment_orders::received_by.eq(by),
        replenishment_orders::received_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
