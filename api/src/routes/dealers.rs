//! The dealer network: dealers, their users and serial registrations. Calls live in
//! `calls`, dispatches in `dispatches`, warranty part claims in `claims`.

use super::Routes;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::dealers::RegistrationStatus;
use fleetdesk_domain::devices::SerialNumber;
use fleetdesk_domain::identity::{Email, Principal};
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::dealers::{
    self as repo, DealerRow, RegistrationFilter, RegistrationRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::dealers::{self as app_dealers_ops, own_dealer, registration_for};
use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, Problem};
use crate::formats::{EmailText, SerialNumberText};
use crate::http::PageParams;
use crate::json::Json;
use crate::labels::{self, RegistrationStatusName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};

use crate::http::created;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(create_dealer)
        .service(get_dealer)
        .service(register_serial)
        .service(list_registrations)
        .service(get_registration)
        .service(deregister);
}

// ---------------------------------------------------------------------------------------
// Dealers

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Dealer {
    pub id: String,
    pub name: String,
    /// Where dispatch notices and redirected callers' details are mailed.
    pub contact_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DealerRow> for Dealer {
    fn from(r: DealerRow) -> Self {
        Self {
            created_at: r.created_at.and_utc(),
            id: r.id,
            name: r.name,
            contact_email: r.contact_email,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewDealer {
    #[validate(length(min = 1, max = 200))]
    #[schema(
        example = "Westside Office Systems",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    #[schema(value_type = EmailText, example = "service@westside.example")]
    pub contact_email: String,
    /// The dealer's first administrator, invited by mail to manage the dealer's users.
    #[schema(value_type = Option<EmailText>, example = "owner@westside.example")]
    pub admin_email: Option<String>,
}

/// Adds a dealer organisation (customer service), optionally inviting its first
/// administrator.
#[utoipa::path(
    tag = "dealers",
    request_body = NewDealer,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Dealer, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dealers")]
async fn create_dealer(
    state: State,
    caller: Authenticated,
    body: Json<NewDealer>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::ManageDealers, None)?;
    body.validate()?;
    let row = DealerRow {
        id: fleetdesk_persistence::new_id(),
        name: parse_name("name", &body.name, 200)?,
        created_at: state.config.clock.now().naive_utc(),
        contact_email: Some(
            Email::parse(&body.contact_email)
                .map_err(|e| ApiError::invalid_field("contact_email", e.reason))?
                .as_str()
                .to_owned(),
        ),
    };
    let admin = body
        .admin_email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("admin_email", e.reason))?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let row = blocking(move || {
        state
            .db
            .write(|c| app_dealers_ops::create(c, &state.config, &actor, row, admin))
    })
    .await?;
    let dealer = Dealer::from(row);
    Ok(created(format!("/api/v1/dealers/{}", dealer.id), &dealer))
}

/// A dealer (staff; a dealer's own users).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dealer),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dealers/{id}")]
async fn get_dealer(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dealer>, ApiError> {
    let who = caller.principal(&state).await?;
    let id = id.into_inner();
    authorize_dealer(&who, Action::ReadDealers, Some(&id))?;
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .read(|c| repo::find_dealer(c, &id))?
            .ok_or_else(ApiError::not_found)
    })
    .await?;
    Ok(web::Json(row.into()))
}

// ---------------------------------------------------------------------------------------
// Registrations

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SerialRegistration {
    pub id: String,
    pub dealer_id: String,
    pub model_id: String,
    pub model_name: String,
    pub serial_number: String,
    /// The portal's device record for this model and serial number, when there is one.
    /// Staff only: a customer's internal device id is not a dealer's to know.
    pub device_id: Option<String>,
    /// True when the serial number belongs to a device registered on the customer portal.
    pub on_portal: bool,
    pub warranty_marketing_program: bool,
    pub warranty_end: Option<NaiveDate>,
    pub end_user_name: Option<String>,
    #[schema(value_type = RegistrationStatusName)]
    pub status: RegistrationStatus,
    pub registered_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl SerialRegistration {
    /// A registration as `who` sees it: only staff see the customer's device id.
    fn seen_by((r, model_name): (RegistrationRow, String), who: &Principal) -> Self {
        let on_portal = r.device_id.is_some();
        Self {
            on_portal,
            device_id: r.device_id.filter(|_| who.staff_role.is_some()),
            registered_at: r.registered_at.and_utc(),
            ended_at: r.ended_at.map(|t| t.and_utc()),
            id: r.id,
            dealer_id: r.dealer_id,
            model_id: r.model_id,
            model_name,
            serial_number: r.serial_number,
            warranty_marketing_program: r.warranty_marketing_program,
            warranty_end: r.warranty_end,
            end_user_name: r.end_user_name,
            status: *r.status,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewRegistration {
    pub model_id: String,
    #[schema(value_type = SerialNumberText, example = "AB12-3456")]
    pub serial_number: String,
    /// The Warranty Marketing Program option: such devices are not dispatched by the call
    /// center.
    #[serde(default)]
    pub warranty_marketing_program: bool,
    /// The device's warranty end, for devices the portal does not know.
    pub warranty_end: Option<NaiveDate>,
    #[validate(length(max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub end_user_name: Option<String>,
}

/// Registers a serial number the caller's dealer will service (dealer users). The dealer
/// becomes the service provider of record; dispatches for the device go to it.
#[utoipa::path(
    tag = "dealers",
    request_body = NewRegistration,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = SerialRegistration, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The serial number has an active registration (`serial_already_registered`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/registrations")]
async fn register_serial(
    state: State,
    caller: Authenticated,
    body: Json<NewRegistration>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    authorize_dealer(&who, Action::RegisterSerials, None)?;
    let dealer_id = own_dealer(&who)?;
    body.validate()?;
    let body = body.into_inner();
    let serial = SerialNumber::parse(&body.serial_number)?;
    let end_user_name = body
        .end_user_name
        .as_deref()
        .map(|n| parse_name("end_user_name", n, 200))
        .transpose()?;
    let new = app_dealers_ops::NewRegistration {
        model_id: body.model_id,
        serial,
        warranty_marketing_program: body.warranty_marketing_program,
        warranty_end: body.warranty_end,
        end_user_name,
    };
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let registration = blocking(move || {
        let now = state.config.clock.now();
        let ctx = state
            .db
            .write(|c| app_dealers_ops::register(c, &actor, &dealer_id, new, now))?;
        Ok(SerialRegistration::seen_by(ctx, &who))
    })
    .await?;
    Ok(created(
        format!("/api/v1/registrations/{}", registration.id),
        &registration,
    ))
}

impl Listed for SerialRegistration {
    const PAGE: &'static str = "RegistrationPage";
}

pub type RegistrationPage = Page<SerialRegistration>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    #[param(value_type = Option<SerialNumberText>)]
    pub serial_number: Option<String>,
    #[param(value_type = Option<RegistrationStatusName>)]
    pub status: Option<String>,
}

/// Registrations: a dealer's own, or (staff) all.
#[utoipa::path(
    tag = "dealers",
    params(RegistrationQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RegistrationPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/registrations")]
async fn list_registrations(
    state: State,
    caller: Authenticated,
    q: web::Query<RegistrationQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<RegistrationPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let (limit, after) = page.resolve()?;
    let dealer_id =
        policy::dealer_scope(&who, Action::ReadRegistrations).ok_or_else(ApiError::forbidden)?;
    let q = q.into_inner();
    let filter = RegistrationFilter {
        dealer_id,
        serial_number: SerialNumber::parse_filter(q.serial_number.as_deref())?,
        status: labels::parse_opt("status", q.status.as_deref())?,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_registrations(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(Page::of(page, |r| {
        SerialRegistration::seen_by(r, &who)
    })))
}

/// One registration.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SerialRegistration),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/registrations/{id}")]
async fn get_registration(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<SerialRegistration>, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    let caller = who.clone();
    let ctx = blocking(move || {
        state
            .db
            .read(|c| registration_for(c, &caller, Action::ReadRegistrations, &id))
    })
    .await?;
    Ok(web::Json(SerialRegistration::seen_by(ctx, &who)))
}

/// Ends a registration (the dealer's users); it stays in the history as ended.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Ended"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Ended already (`registration_ended`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/registrations/{id}")]
async fn deregister(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let state = state.into_inner();
    blocking(move || {
        state
            .db
            .write(|c| app_dealers_ops::deregister(c, &who, &id, state.config.clock.now()))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
