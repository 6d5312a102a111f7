//! Device models and devices: who sees which device, where it stands, and its removal.

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::devices::DeviceStatus;
use fleetdesk_domain::devices::{SerialNumber, check_dates, parse_meters};
use fleetdesk_domain::policy::{self, Action, DeviceScope};
use fleetdesk_persistence::DbError;
use fleetdesk_persistence::devices::{self as repo, DeviceContext, DeviceFilter, ModelRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub use crate::app::devices::active;
use crate::app::devices::{self as app_devices, device_for, meters_of};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::formats::{MeterNameText, SerialNumberText};
use crate::http::{PageParams, encode_cursor};
use crate::json::Json;
use crate::labels::{self, DeviceStatusName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

use crate::app::assignments::{self, DEVICES, SITES};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(list_models)
        .service(create_model)
        .service(list_devices)
        .service(create_device)
        .service(get_device)
        .service(update_location)
        .service(remove_device)
        .service(request_removal)
        .service(assign_devices)
        .service(assign_sites);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviceModel {
    pub id: String,
    pub name: String,
    pub large_format: bool,
    /// The most a meter can advance per minute of printing: readings rising faster are refused
    /// as implausible unless confirmed.
    pub rated_units_per_minute: i32,
    pub meters: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<ModelRow> for DeviceModel {
    type Error = ApiError;
    fn try_from(row: ModelRow) -> Result<Self, ApiError> {
        Ok(Self {
            meters: meters_of(&row.meters)?,
            created_at: row.created_at.and_utc(),
            id: row.id,
            name: row.name,
            large_format: row.large_format,
            rated_units_per_minute: row.rated_units_per_minute,
        })
    }
}

impl Listed for DeviceModel {
    const PAGE: &'static str = "DeviceModelPage";
}

pub type DeviceModelPage = Page<DeviceModel>;

/// The device models (every signed-in user).
#[utoipa::path(tag = "devices", params(PageParams), security(("bearer" = [])), responses((status = 200, body = DeviceModelPage)))]
#[get("/device-models")]
async fn list_models(
    state: State,
    caller: Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<DeviceModelPage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let page = caller
        .read(&state, move |c, _| {
            Ok(repo::list_models(c, after.as_deref(), limit)?)
        })
        .await?;
    Ok(web::Json(DeviceModelPage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page
            .items
            .into_iter()
            .map(DeviceModel::try_from)
            .collect::<Result<_, _>>()?,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateModel {
    #[validate(length(min = 1, max = 100))]
    #[schema(
        example = "imagePROGRAF iPF6400SE",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    #[serde(default)]
    pub large_format: bool,
    #[validate(range(min = 1, max = 100000))]
    #[schema(example = 60, minimum = 1, maximum = 100000)]
    pub rated_units_per_minute: i32,
    #[schema(
        value_type = Vec<MeterNameText>,
        min_items = 1,
        max_items = 16,
        example = json!(["black", "colour"])
    )]
    pub meters: Vec<String>,
}

/// Adds a device model (customer service).
#[utoipa::path(
    tag = "devices",
    request_body = CreateModel,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = DeviceModel, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A model of this name exists (`model_name_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/device-models")]
async fn create_model(
    state: State,
    caller: Authenticated,
    body: Json<CreateModel>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize(&who, Action::ManageDeviceModels, None)?;
    body.validate()?;
    let body = body.into_inner();
    let row = ModelRow {
        id: fleetdesk_persistence::new_id(),
        name: parse_name("name", &body.name, 100)?,
        large_format: body.large_format,
        rated_units_per_minute: body.rated_units_per_minute,
        meters: serde_json::to_string(&parse_meters(&body.meters)?)
            .map_err(|e| ApiError::internal_from(e))?,
        created_at: state.config.clock.now().naive_utc(),
    };
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<ModelRow, ApiError> {
            repo::insert_model(c, &row).map_err(|e| match e {
                DbError::UniqueViolation(_) => ApiError::conflict(
                    ErrorCode::ModelNameTaken,
                    Text::key("detail-model-name-exists"),
                ),
                other => other.into(),
            })?;
            Ok(row)
        })
    })
    .await?;
    let model = DeviceModel::try_from(row)?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/device-models/{}", model.id),
        ))
        .json(model))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Device {
    pub id: String,
    pub account_id: String,
    pub site_id: String,
    pub model_id: String,
    pub model_name: String,
    pub serial_number: String,
    /// Where inside the site: floor, room.
    pub location: String,
    pub install_date: NaiveDate,
    pub warranty_end: NaiveDate,
    pub meters: Vec<String>,
    #[schema(value_type = DeviceStatusName)]
    pub status: DeviceStatus,
    pub removal_requested_at: Option<DateTime<Utc>>,
    pub removal_reason: Option<String>,
    pub removed_at: Option<DateTime<Utc>>,
    /// The site's IANA time zone: the day of a reading is taken there.
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<DeviceContext> for Device {
    type Error = ApiError;
    fn try_from(ctx: DeviceContext) -> Result<Self, ApiError> {
        let d = ctx.device;
        Ok(Self {
            meters: meters_of(&d.meters)?,
            created_at: d.created_at(),
            removal_requested_at: d.removal_requested_at.map(|t| t.and_utc()),
            removed_at: d.removed_at.map(|t| t.and_utc()),
            id: d.id,
            account_id: d.account_id,
            site_id: d.site_id,
            model_id: d.model_id,
            model_name: ctx.model_name,
            serial_number: d.serial_number,
            location: d.location,
            install_date: d.install_date,
            warranty_end: d.warranty_end,
            status: *d.status,
            removal_reason: d.removal_reason,
            time_zone: ctx.time_zone,
        })
    }
}

impl Listed for Device {
    const PAGE: &'static str = "DevicePage";
}

pub type DevicePage = Page<Device>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceQuery {
    pub account_id: Option<String>,
    pub site_id: Option<String>,
    pub model_id: Option<String>,
    /// Exact serial number (normalised); staff find a device across all accounts with it.
    #[param(value_type = Option<SerialNumberText>)]
    pub serial_number: Option<String>,
    #[param(value_type = Option<DeviceStatusName>)]
    pub status: Option<String>,
    /// `true`: the devices whose removal was asked for and is not done yet (customer service's
    /// work list); `false`: the others.
    pub removal_requested: Option<bool>,
}

/// The devices the caller may see, filtered: all for staff, the account's for
/// administrators, the assigned ones for device managers.
#[utoipa::path(
    tag = "devices",
    params(DeviceQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DevicePage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/devices")]
async fn list_devices(
    state: State,
    caller: Authenticated,
    q: web::Query<DeviceQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DevicePage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let q = q.into_inner();
    let status = labels::parse_opt("status", q.status.as_deref())?;
    let serial_number = SerialNumber::parse_filter(q.serial_number.as_deref())?;
    let page = caller
        .read(&state, move |c, who| {
            let scope =
                policy::device_scope(who, Action::ReadDevices).ok_or_else(ApiError::forbidden)?;
            let filter = DeviceFilter {
                scope: match scope {
                    DeviceScope::All => None,
                    DeviceScope::Only { accounts, devices } => Some((accounts, devices)),
                },
                serial_number,
                account_id: q.account_id,
                site_id: q.site_id,
                model_id: q.model_id,
                status,
                removal_requested: q.removal_requested,
            };
            Ok(repo::list_devices(c, &filter, after.as_deref(), limit)?)
        })
        .await?;
    Ok(web::Json(DevicePage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page
            .items
            .into_iter()
            .map(Device::try_from)
            .collect::<Result<_, _>>()?,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateDevice {
    pub model_id: String,
    #[schema(value_type = SerialNumberText, example = "AB12-3456")]
    pub serial_number: String,
    pub site_id: String,
    #[validate(length(max = 200))]
    #[schema(example = "Floor 3, copy room", max_length = 200)]
    pub location: String,
    pub install_date: NaiveDate,
    pub warranty_end: NaiveDate,
    /// The meters it reports; the model's when absent.
    #[schema(
        value_type = Option<Vec<MeterNameText>>,
        min_items = 1,
        max_items = 16,
    )]
    pub meters: Option<Vec<String>>,
}

/// Adds a device to an account (customer service).
#[utoipa::path(
    tag = "devices",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = CreateDevice,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Device, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This model has a device with this serial number (`serial_number_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or a model or site that does not exist in the account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts/{id}/devices")]
async fn create_device(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<CreateDevice>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::CreateDevice, Some(&account_id))?;
    body.validate()?;
    let body = body.into_inner();
    let serial = SerialNumber::parse(&body.serial_number)?;
    check_dates(body.install_date, body.warranty_end)?;
    let location = body.location.trim().to_owned();
    let explicit_meters = body.meters.as_deref().map(parse_meters).transpose()?;
    let new = app_devices::NewDevice {
        model_id: body.model_id,
        site_id: body.site_id,
        serial,
        location,
        install_date: body.install_date,
        warranty_end: body.warranty_end,
        meters: explicit_meters,
    };
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let ctx = blocking(move || {
        let now = state.config.clock.now();
        state
            .db
            .write(|c| app_devices::create(c, &actor, &account_id, new, now))
    })
    .await?;
    let device = Device::try_from(ctx)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/devices/{}", device.id)))
        .json(device))
}

/// One device.
#[utoipa::path(
    tag = "devices",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Device), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/devices/{id}")]
async fn get_device(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Device>, ApiError> {
    let (_, ctx) = caller
        .read_joined(&state, move |c, caller| {
            device_for(c, caller, Action::ReadDevices, &id)
        })
        .await?;
    Ok(web::Json(Device::try_from(ctx)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LocationChange {
    #[validate(length(max = 200))]
    #[schema(example = "Floor 4, room 412", max_length = 200)]
    pub location: String,
}

/// Updates where inside its site a device stands (administrators, assigned device managers,
/// customer service).
#[utoipa::path(
    tag = "devices",
    params(("id" = String, Path)),
    request_body = LocationChange,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Device),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The device was removed (`device_removed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/devices/{id}/location")]
async fn update_location(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<LocationChange>,
) -> Result<web::Json<Device>, ApiError> {
    body.validate()?;
    let location = body.into_inner().location.trim().to_owned();
    let clock = state.config.clock.clone();
    let ctx = caller
        .write_joined(&state, move |c, caller| {
            app_devices::update_location(c, caller, &id, &location, clock.now())
        })
        .await?;
    Ok(web::Json(Device::try_from(ctx)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RemovalRequest {
    #[validate(length(min = 1, max = 500))]
    #[schema(
        example = "Returned to the leasing company",
        min_length = 1,
        max_length = 500
    )]
    pub reason: String,
}

/// Asks customer service to remove a device the customer no longer has (administrators,
/// assigned device managers).
#[utoipa::path(
    tag = "devices",
    params(("id" = String, Path)),
    request_body = RemovalRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The request is recorded on the device", body = Device, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Removed already (`device_removed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/devices/{id}/removal-requests")]
async fn request_removal(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<RemovalRequest>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    let reason = body.into_inner().reason.trim().to_owned();
    let clock = state.config.clock.clone();
    let ctx = caller
        .write_joined(&state, move |c, caller| {
            app_devices::request_removal(c, caller, &id, &reason, clock.now())
        })
        .await?;
    let device = Device::try_from(ctx)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/devices/{}", device.id)))
        .json(device))
}

/// Removes a device the customer no longer has (customer service). Its history stays and
/// can be read; it takes no more readings.
#[utoipa::path(
    tag = "devices",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Removed already (`device_removed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/devices/{id}")]
async fn remove_device(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let clock = state.config.clock.clone();
    caller
        .write_joined(&state, move |c, caller| {
            app_devices::remove(c, caller, &id, clock.now())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct DeviceAssignment {
    /// Replaces the member's devices in this account; empty removes them all.
    pub device_ids: Vec<String>,
}

/// Assigns devices of the account to a device manager (administrators, customer service).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body = DeviceAssignment,
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeviceAssignment),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The member's role holds no devices (`member_role_holds_no_devices`), or a device is not the account's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/accounts/{id}/members/{user_id}/devices")]
async fn assign_devices(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<DeviceAssignment>,
) -> Result<web::Json<DeviceAssignment>, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, user_id) = path.into_inner();
    let device_ids = body.into_inner().device_ids;
    let state = state.into_inner();
    let assigned = blocking(move || {
        let now = state.config.clock.now();
        state.db.write(|c| {
            assignments::replace(c, &who, &DEVICES, (&account_id, &user_id), device_ids, now)
        })
    });
    Ok(web::Json(DeviceAssignment {
        device_ids: assigned.await?,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SiteAssignment {
    /// Replaces the sites the member is responsible for in this account; empty removes them.
    pub site_ids: Vec<String>,
}

/// Makes a device manager responsible for whole sites of the account (administrators,
/// customer service): every device of those sites, including devices added later, is theirs
/// as if assigned one by one.
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body = SiteAssignment,
    security(("bearer" = [])),
    responses(
        (status = 200, body = SiteAssignment),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The member's role holds no devices (`member_role_holds_no_devices`), or a site is not the account's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/accounts/{id}/members/{user_id}/sites")]
async fn assign_sites(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<SiteAssignment>,
) -> Result<web::Json<SiteAssignment>, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, user_id) = path.into_inner();
    let site_ids = body.into_inner().site_ids;
    let state = state.into_inner();
    let assigned = blocking(move || {
        let now = state.config.clock.now();
        state.db.write(|c| {
            let member = (account_id.as_str(), user_id.as_str());
            assignments::replace(c, &who, &SITES, member, site_ids, now)
        })
    });
    Ok(web::Json(SiteAssignment {
        site_ids: assigned.await?,
    }))
}
