//! Consumable stock: an account's stock locations with their stock levels, the devices linked
//! for automated toner replenishment, replenishment orders raised by devices' supply-level
//! reports, and the receipts and consumption stock managers record.

use super::Routes;
use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::policy::{self, Action, DeviceScope};
use fleetdesk_domain::sites::Address;
use fleetdesk_domain::stock::{self as rules, StockLevelSpec};
use fleetdesk_domain::stock::{MovementKind, OrderStatus};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::stock::{
    self as repo, LocationFilter, OrderFilter, OrderRow, StockLevelRow, StockLocationRow,
    StockMovementRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::stock as app_stock;
use crate::app::stock::location_for;
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, Problem, Text};
use crate::formats::PartNumberText;
use crate::http::PageParams;
use crate::http::created;
use crate::json::Json;
use crate::labels::{self, MovementKindName, OrderStatusName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};
use crate::views::AddressDto;

use crate::app::assignments::{self, STOCK_LOCATIONS};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(create_stock_location)
        .service(list_stock_locations)
        .service(get_stock_location)
        .service(update_stock_location)
        .service(put_level)
        .service(link_devices)
        .service(record_consumption)
        .service(list_movements)
        .service(list_orders)
        .service(receive_order)
        .service(order_supplies)
        .service(ship_order)
        .service(cancel_order)
        .service(assign_stock_locations);
}

/// The filter form of a stock scope: `None` for all.
fn scope_filter(scope: DeviceScope) -> Option<(Vec<String>, Vec<String>)> {
    match scope {
        DeviceScope::All => None,
        DeviceScope::Only { accounts, devices } => Some((accounts, devices)),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StockLevel {
    pub part_number: String,
    pub description: String,
    pub on_hand: i32,
    pub reorder_point: i32,
    /// On hand is at or below the reorder point.
    pub reorder: bool,
    /// A linked device reporting this consumable below this level raises an order.
    pub supply_threshold_percent: i32,
    /// How many units a replenishment order asks for.
    pub order_quantity: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<StockLevelRow> for StockLevel {
    fn from(r: StockLevelRow) -> Self {
        Self {
            reorder: rules::needs_reorder(r.on_hand, r.reorder_point),
            updated_at: r.updated_at.and_utc(),
            part_number: r.part_number,
            description: r.description,
            on_hand: r.on_hand,
            reorder_point: r.reorder_point,
            supply_threshold_percent: r.supply_threshold_percent,
            order_quantity: r.order_quantity,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StockLocation {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub shipping_instructions: Option<String>,
    pub address: AddressDto,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The stock status per consumable (the single location's view only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<StockLevel>>,
    /// Devices replenished from here (the single location's view only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ids: Option<Vec<String>>,
}

impl From<StockLocationRow> for StockLocation {
    fn from(r: StockLocationRow) -> Self {
        Self {
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            address: AddressDto {
                line1: r.address_line1,
                line2: r.address_line2,
                postal_code: r.postal_code,
                city: r.city,
                country: r.country,
            },
            id: r.id,
            account_id: r.account_id,
            name: r.name,
            shipping_instructions: r.shipping_instructions,
            levels: None,
            device_ids: None,
        }
    }
}

fn detail(c: &mut Conn, row: StockLocationRow) -> Result<StockLocation, ApiError> {
    let levels = repo::levels_of(c, &row.id)?;
    let devices = repo::linked_devices(c, &row.id)?;
    Ok(StockLocation {
        levels: Some(levels.into_iter().map(StockLevel::from).collect()),
        device_ids: Some(devices),
        ..row.into()
    })
}

fn parse_address(a: &AddressDto) -> Result<Address, ApiError> {
    Ok(Address::parse(
        &a.line1,
        a.line2.as_deref(),
        &a.postal_code,
        &a.city,
        &a.country,
    )?)
}

fn parse_instructions(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let text = raw.map(str::trim).filter(|s| !s.is_empty());
    if text.is_some_and(|t| t.chars().count() > 1000) {
        return Err(ApiError::invalid_field(
            "shipping_instructions",
            Text::key("invalid-must-most-1000-characters"),
        ));
    }
    Ok(text.map(str::to_owned))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStockLocation {
    #[schema(
        example = "Stockholm print room",
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    #[schema(example = "Deliver to the loading dock, door 3, weekdays 8-16.")]
    pub shipping_instructions: Option<String>,
    pub address: AddressDto,
}

/// Adds a stock location to the account (administrators, customer service).
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = NewStockLocation,
    security(("bearer" = [])),
    responses(
        (status = 201, body = StockLocation, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has a location of this name (`stock_location_name_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts/{id}/stock-locations")]
async fn create_stock_location(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<NewStockLocation>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::CreateStockLocation, Some(&account_id))?;
    let new = app_stock::NewLocation {
        name: parse_name("name", &body.name, 120)?,
        address: parse_address(&body.address)?,
        shipping_instructions: parse_instructions(body.shipping_instructions.as_deref())?,
    };
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let location = blocking(move || {
        state.db.write(|c| {
            let row =
                app_stock::create_location(c, &actor, &account_id, new, state.config.clock.now())?;
            detail(c, row)
        })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/stock-locations/{}", location.id),
        ))
        .json(location))
}

impl Listed for StockLocation {
    const PAGE: &'static str = "StockLocationPage";
}

pub type StockLocationPage = Page<StockLocation>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockLocationQuery {
    pub account_id: Option<String>,
}

/// The stock locations the caller may see: administrators their accounts', stock managers
/// their assigned ones, staff all. Device managers without the stock role see none (403).
#[utoipa::path(
    tag = "stock",
    params(StockLocationQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StockLocationPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stock-locations")]
async fn list_stock_locations(
    state: State,
    caller: Authenticated,
    q: web::Query<StockLocationQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<StockLocationPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let (limit, after) = page.resolve()?;
    let scope = policy::stock_scope(&who, Action::ReadStock).ok_or_else(ApiError::forbidden)?;
    let filter = LocationFilter {
        scope: scope_filter(scope),
        account_id: q.into_inner().account_id,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_locations(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(Page::of(page, StockLocation::from)))
}

/// One stock location with its stock status and linked devices.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StockLocation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stock-locations/{id}")]
async fn get_stock_location(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<StockLocation>, ApiError> {
    let location = caller
        .read(&state, move |c, who| {
            let row = location_for(c, who, Action::ReadStock, &id)?;
            detail(c, row)
        })
        .await?;
    Ok(web::Json(location))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StockLocationChange {
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// An empty text removes the instructions.
    pub shipping_instructions: Option<String>,
    pub address: Option<AddressDto>,
}

/// Changes a stock location's name, shipping instructions or address (administrators,
/// assigned stock managers, customer service).
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    request_body = StockLocationChange,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StockLocation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has a location of this name (`stock_location_name_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/stock-locations/{id}")]
async fn update_stock_location(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<StockLocationChange>,
) -> Result<web::Json<StockLocation>, ApiError> {
    let body = body.into_inner();
    let name = body
        .name
        .as_deref()
        .map(|n| parse_name("name", n, 120))
        .transpose()?;
    let change = app_stock::LocationChange {
        name,
        address: body.address.as_ref().map(parse_address).transpose()?,
        shipping_instructions: body
            .shipping_instructions
            .as_deref()
            .map(|i| parse_instructions(Some(i)))
            .transpose()?,
    };
    let clock = state.config.clock.clone();
    let location = caller
        .write(&state, move |c, who| {
            let row = app_stock::update_location(c, who, &id, change, clock.now())?;
            detail(c, row)
        })
        .await?;
    Ok(web::Json(location))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StockLevelInput {
    #[schema(
        example = "Black toner, 20,000 pages",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub description: String,
    /// A count of what is on hand; a change is recorded as a stock count.
    #[schema(example = 8, minimum = 0, maximum = 1000000)]
    pub on_hand: i64,
    #[schema(example = 3, minimum = 0, maximum = 1000000)]
    pub reorder_point: i64,
    #[schema(example = 15, minimum = 1, maximum = 99)]
    pub supply_threshold_percent: i64,
    #[schema(example = 4, minimum = 1, maximum = 1000000)]
    pub order_quantity: i64,
}

/// Sets how the location keeps one consumable (administrators, assigned stock managers,
/// customer service).
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path), ("part_number" = PartNumberText, Path)),
    request_body = StockLevelInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StockLocation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/stock-locations/{id}/levels/{part_number}")]
async fn put_level(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<StockLevelInput>,
) -> Result<web::Json<StockLocation>, ApiError> {
    let (id, part_number) = path.into_inner();
    let part_number = rules::parse_part_number(&part_number)?;
    let spec = StockLevelSpec::parse(
        &body.description,
        body.on_hand,
        body.reorder_point,
        body.supply_threshold_percent,
        body.order_quantity,
    )?;
    let clock = state.config.clock.clone();
    let location = caller
        .write(&state, move |c, who| {
            let row = app_stock::put_level(c, who, &id, (part_number, spec), clock.now())?;
            detail(c, row)
        })
        .await?;
    Ok(web::Json(location))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct LinkedDevices {
    /// Replaces the devices replenished from this location; a device linked elsewhere moves
    /// here.
    pub device_ids: Vec<String>,
}

/// Links devices of the account to the location for automated replenishment
/// (administrators, customer service).
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    request_body = LinkedDevices,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StockLocation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A device is not the account's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/stock-locations/{id}/devices")]
async fn link_devices(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<LinkedDevices>,
) -> Result<web::Json<StockLocation>, ApiError> {
    let mut device_ids = body.into_inner().device_ids;
    device_ids.sort();
    device_ids.dedup();
    let clock = state.config.clock.clone();
    let location = caller
        .write(&state, move |c, who| {
            let row = app_stock::link_devices(c, who, &id, device_ids, clock.now())?;
            detail(c, row)
        })
        .await?;
    Ok(web::Json(location))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Consumption {
    #[schema(value_type = PartNumberText, example = "TN-321K")]
    pub part_number: String,
    #[schema(example = 1, minimum = 1, maximum = 1000000)]
    pub quantity: i64,
    /// The device it went into, when known.
    pub device_id: Option<String>,
}

/// Records consumables used (administrators, assigned stock managers, customer service):
/// stock goes down, never below zero.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    request_body = Consumption,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StockLevel),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Less on hand than used (`insufficient_stock`, with `on_hand`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/stock-locations/{id}/consumption")]
async fn record_consumption(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<Consumption>,
) -> Result<web::Json<StockLevel>, ApiError> {
    let body = body.into_inner();
    let part_number = rules::parse_part_number(&body.part_number)?;
    let quantity = rules::parse_quantity(body.quantity)?;
    let clock = state.config.clock.clone();
    let level = caller
        .write(&state, move |c, who| {
            app_stock::consume(
                c,
                who,
                &id,
                (part_number, quantity, body.device_id),
                clock.now(),
            )
        })
        .await?;
    Ok(web::Json(level.into()))
}

/// One change of a consumable's stock.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StockMovement {
    pub id: String,
    pub part_number: String,
    #[schema(value_type = MovementKindName)]
    pub kind: MovementKind,
    /// The change: positive in, negative out.
    pub quantity: i32,
    pub on_hand_after: i32,
    pub order_id: Option<String>,
    pub device_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<StockMovementRow> for StockMovement {
    fn from(r: StockMovementRow) -> Self {
        Self {
            recorded_at: r.recorded_at.and_utc(),
            id: r.id,
            part_number: r.part_number,
            kind: *r.kind,
            quantity: r.quantity,
            on_hand_after: r.on_hand_after,
            order_id: r.order_id,
            device_id: r.device_id,
            recorded_by: r.recorded_by,
        }
    }
}

impl Listed for StockMovement {
    const PAGE: &'static str = "MovementPage";
}

pub type MovementPage = Page<StockMovement>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    #[param(value_type = Option<PartNumberText>)]
    pub part_number: Option<String>,
}

/// The location's stock history: every receipt, consumption and count with the stock after
/// it, oldest first.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path), MovementQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MovementPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stock-locations/{id}/movements")]
async fn list_movements(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<MovementQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<MovementPage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let part_number = q
        .into_inner()
        .part_number
        .as_deref()
        .map(rules::parse_part_number)
        .transpose()?;
    let page = caller
        .read(&state, move |c, who| {
            let row = location_for(c, who, Action::ReadStock, &id)?;
            Ok(repo::list_movements(
                c,
                &row.id,
                part_number.as_deref(),
                after.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(web::Json(Page::of(page, StockMovement::from)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReplenishmentOrder {
    pub id: String,
    pub account_id: String,
    pub stock_location_id: String,
    /// The device whose supply report raised it; null for an order placed by hand.
    pub device_id: Option<String>,
    pub part_number: String,
    pub quantity: i32,
    /// The supply level the device reported when the order was raised; null by hand.
    pub reported_level_percent: Option<i32>,
    #[schema(value_type = OrderStatusName)]
    pub status: OrderStatus,
    pub raised_at: DateTime<Utc>,
    /// Who placed it by hand.
    pub ordered_by: Option<String>,
    #[schema(example = "PostNord")]
    pub carrier: Option<String>,
    #[schema(example = "00370712345678901234")]
    pub tracking_number: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub received_quantity: Option<i32>,
    pub received_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<OrderRow> for ReplenishmentOrder {
    fn from(r: OrderRow) -> Self {
        Self {
            raised_at: r.raised_at.and_utc(),
            received_at: r.received_at.map(|t| t.and_utc()),
            shipped_at: r.shipped_at.map(|t| t.and_utc()),
            cancelled_at: r.cancelled_at.map(|t| t.and_utc()),
            ordered_by: r.ordered_by,
            carrier: r.carrier,
            tracking_number: r.tracking_number,
            id: r.id,
            account_id: r.account_id,
            stock_location_id: r.stock_location_id,
            device_id: r.device_id,
            part_number: r.part_number,
            quantity: r.quantity,
            reported_level_percent: r.reported_level_percent,
            status: *r.status,
            received_quantity: r.received_quantity,
        }
    }
}

impl Listed for ReplenishmentOrder {
    const PAGE: &'static str = "OrderPage";
}

pub type OrderPage = Page<ReplenishmentOrder>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    #[param(value_type = Option<OrderStatusName>)]
    pub status: Option<String>,
    pub stock_location_id: Option<String>,
}

/// Replenishment orders of the locations the caller may see, oldest first.
#[utoipa::path(
    tag = "stock",
    params(OrderQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrderPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/replenishment-orders")]
async fn list_orders(
    state: State,
    caller: Authenticated,
    q: web::Query<OrderQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<OrderPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let (limit, after) = page.resolve()?;
    let scope = policy::stock_scope(&who, Action::ReadStock).ok_or_else(ApiError::forbidden)?;
    let q = q.into_inner();
    let filter = OrderFilter {
        scope: scope_filter(scope),
        status: labels::parse_opt("status", q.status.as_deref())?,
        stock_location_id: q.stock_location_id,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_orders(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(Page::of(page, ReplenishmentOrder::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Receipt {
    /// What arrived; the order's quantity when left out.
    #[schema(example = 4, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
}

/// Records an order's arrival (administrators, assigned stock managers, customer service):
/// the stock goes up and the order closes.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    request_body = Receipt,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReplenishmentOrder),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Received already (`order_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/replenishment-orders/{id}/receipt")]
async fn receive_order(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<Receipt>,
) -> Result<web::Json<ReplenishmentOrder>, ApiError> {
    let who = caller.principal(&state).await?;
    let quantity = body
        .into_inner()
        .quantity
        .map(rules::parse_quantity)
        .transpose()?;
    let state = state.into_inner();
    let order = blocking(move || {
        state
            .db
            .write(|c| app_stock::receive_order(c, &who, &id, quantity, state.config.clock.now()))
    })
    .await?;
    Ok(web::Json(order.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SupplyOrder {
    #[schema(value_type = PartNumberText, example = "TN-321K")]
    pub part_number: String,
    #[schema(example = 4, minimum = 1, maximum = 1000000)]
    pub quantity: i64,
}

/// Orders consumables for a location by hand (its stock managers, administrators, customer
/// service): a part the location stocks, one outstanding order per part and location.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = SupplyOrder,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ReplenishmentOrder, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An order of this part is outstanding at the location (`order_open`, with `order_id`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A part the location does not stock, or a bad quantity", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/stock-locations/{id}/orders")]
async fn order_supplies(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<SupplyOrder>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let body = body.into_inner();
    let part_number = rules::parse_part_number(&body.part_number)?;
    let quantity = rules::parse_quantity(body.quantity)?;
    let state = state.into_inner();
    let order = blocking(move || {
        let now = state.config.clock.now();
        let ordered = (part_number, quantity);
        state
            .db
            .write(|c| app_stock::order_by_hand(c, &who, &id, ordered, now))
    })
    .await?;
    let order = ReplenishmentOrder::from(order);
    Ok(created(
        format!("/api/v1/replenishment-orders/{}", order.id),
        &order,
    ))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct Shipment {
    #[validate(length(min = 1, max = 100))]
    #[schema(
        example = "PostNord",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub carrier: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(
        example = "00370712345678901234",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub tracking_number: String,
}

/// Records that an open order was shipped (customer service); the location's stock managers
/// see the carrier and tracking number. A receipt then closes it.
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    request_body = Shipment,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReplenishmentOrder),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open (`order_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/replenishment-orders/{id}/shipment")]
async fn ship_order(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<Shipment>,
) -> Result<web::Json<ReplenishmentOrder>, ApiError> {
    let who = caller.principal(&state).await?;
    body.validate()?;
    let body = body.into_inner();
    let carrier = parse_name("carrier", &body.carrier, 100)?;
    let tracking = parse_name("tracking_number", &body.tracking_number, 100)?;
    let state = state.into_inner();
    let order = blocking(move || {
        let now = state.config.clock.now();
        let shipment = (carrier.as_str(), tracking.as_str());
        state
            .db
            .write(|c| app_stock::ship_order(c, &who, &id, shipment, now))
    })
    .await?;
    Ok(web::Json(order.into()))
}

/// Cancels an order not yet shipped (the location's stock managers, administrators, customer
/// service).
#[utoipa::path(
    tag = "stock",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReplenishmentOrder),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Shipped, received or cancelled already (`order_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/replenishment-orders/{id}/cancellation")]
async fn cancel_order(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<ReplenishmentOrder>, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    let order = blocking(move || {
        let now = state.config.clock.now();
        state
            .db
            .write(|c| app_stock::cancel_order(c, &who, &id, now))
    })
    .await?;
    Ok(web::Json(order.into()))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct StockLocationAssignment {
    /// Replaces the member's stock locations in this account; empty removes them all.
    pub stock_location_ids: Vec<String>,
}

/// Assigns stock locations of the account to a stock manager (administrators, customer
/// service).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body = StockLocationAssignment,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StockLocationAssignment),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The member's role holds no stock locations (`member_role_holds_no_stock_locations`), or a location is not the account's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/accounts/{id}/members/{user_id}/stock-locations")]
async fn assign_stock_locations(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<StockLocationAssignment>,
) -> Result<web::Json<StockLocationAssignment>, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, user_id) = path.into_inner();
    let ids = body.into_inner().stock_location_ids;
    let state = state.into_inner();
    let assigned = blocking(move || {
        let now = state.config.clock.now();
        state.db.write(|c| {
            assignments::replace(c, &who, &STOCK_LOCATIONS, (&account_id, &user_id), ids, now)
        })
    });
    Ok(web::Json(StockLocationAssignment {
        stock_location_ids: assigned.await?,
    }))
}
