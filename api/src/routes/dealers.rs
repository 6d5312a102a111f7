//! The dealer network: dealers, serial registrations, the call center's calls and remedy
//! catalogue, dispatch eligibility, and dispatches through accept and close-out.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::dealers::{
    self as rules, CloseOut, DispatchFacts, Eligibility, PartUsed, Registration, RemedyOutcome,
    Route,
};
use fleetdesk_domain::devices::SerialNumber;
use fleetdesk_domain::identity::{Email, Principal};
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::dealers::{
    self as repo, CallRemedyRow, CallRow, DealerRow, DispatchFilter, DispatchRow,
    RegistrationFilter, RegistrationRow, RemedyRow,
};
use fleetdesk_persistence::devices as devices_repo;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::{Conn, DbError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, Problem};
use crate::http::{PageParams, encode_cursor};
use crate::mail;
use crate::state::{State, blocking};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_dealer)
        .service(get_dealer)
        .service(register_serial)
        .service(list_registrations)
        .service(get_registration)
        .service(deregister)
        .service(create_remedy)
        .service(list_remedies)
        .service(log_call)
        .service(get_call)
        .service(record_remedy)
        .service(redirect_call)
        .service(resolve_call)
        .service(get_eligibility)
        .service(create_dispatch)
        .service(list_dispatches)
        .service(get_dispatch)
        .service(accept_dispatch)
        .service(close_out);
}

#[expect(
    clippy::too_many_arguments,
    reason = "one event, described field by field"
)]
fn network_event(
    c: &mut Conn,
    kind: &str,
    subject_type: &str,
    subject_id: &str,
    device_id: Option<&str>,
    actor: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    // Dealer-network events are for staff and partner integrations, not customers' feeds.
    events::append(
        c,
        NewEvent {
            kind,
            account_id: None,
            subject_type,
            subject_id,
            device_id,
            actor_id: Some(actor),
            staff_only: true,
            payload,
            at,
        },
    )?;
    Ok(())
}

fn created<T: Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
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
    #[schema(example = "Westside Office Systems", min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(example = "service@westside.example")]
    pub contact_email: String,
}

/// Adds a dealer organisation (customer service).
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
    who: Authenticated,
    body: web::Json<NewDealer>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::ManageDealers, None)?;
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
    let state = state.into_inner();
    let actor = who.0.user_id;
    let row = blocking(move || {
        state.db.write(|c| -> Result<DealerRow, ApiError> {
            repo::insert_dealer(c, &row)?;
            network_event(
                c,
                "dealer.created",
                "dealer",
                &row.id,
                None,
                &actor,
                json!({ "name": row.name }),
                row.created_at.and_utc(),
            )?;
            Ok(row)
        })
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
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dealer>, ApiError> {
    let id = id.into_inner();
    authorize_dealer(&who.0, Action::ReadDealers, Some(&id))?;
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
    pub device_id: Option<String>,
    pub warranty_marketing_program: bool,
    pub warranty_end: Option<NaiveDate>,
    pub end_user_name: Option<String>,
    /// active or ended.
    pub status: String,
    pub registered_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl From<(RegistrationRow, String)> for SerialRegistration {
    fn from((r, model_name): (RegistrationRow, String)) -> Self {
        Self {
            registered_at: r.registered_at.and_utc(),
            ended_at: r.ended_at.map(|t| t.and_utc()),
            id: r.id,
            dealer_id: r.dealer_id,
            model_id: r.model_id,
            model_name,
            serial_number: r.serial_number,
            device_id: r.device_id,
            warranty_marketing_program: r.warranty_marketing_program,
            warranty_end: r.warranty_end,
            end_user_name: r.end_user_name,
            status: r.status,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewRegistration {
    pub model_id: String,
    #[schema(example = "AB12-3456")]
    pub serial_number: String,
    /// The Warranty Marketing Program option: such devices are not dispatched by the call
    /// center.
    #[serde(default)]
    pub warranty_marketing_program: bool,
    /// The device's warranty end, for devices the portal does not know.
    pub warranty_end: Option<NaiveDate>,
    #[validate(length(max = 200))]
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
    who: Authenticated,
    body: web::Json<NewRegistration>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::RegisterSerials, None)?;
    let dealer_id = who
        .0
        .dealer
        .as_ref()
        .map(|d| d.dealer_id.clone())
        .ok_or_else(ApiError::forbidden)?;
    body.validate()?;
    let body = body.into_inner();
    let serial = SerialNumber::parse(&body.serial_number)?;
    let end_user_name = body
        .end_user_name
        .as_deref()
        .map(|n| parse_name("end_user_name", n, 200))
        .transpose()?;
    let state = state.into_inner();
    let actor = who.0.user_id;
    let registration = blocking(move || {
        state.db.write(|c| -> Result<SerialRegistration, ApiError> {
            devices_repo::find_model(c, &body.model_id)?
                .ok_or_else(|| ApiError::invalid_field("model_id", "no such model"))?;
            let device = devices_repo::find_device_by_serial(c, &body.model_id, serial.as_str())?;
            let now = state.config.clock.now();
            let row = RegistrationRow {
                id: fleetdesk_persistence::new_id(),
                dealer_id: dealer_id.clone(),
                model_id: body.model_id.clone(),
                serial_number: serial.as_str().to_owned(),
                device_id: device.map(|d| d.id),
                warranty_marketing_program: body.warranty_marketing_program,
                warranty_end: body.warranty_end,
                end_user_name: end_user_name.clone(),
                status: "active".into(),
                registered_by: actor.clone(),
                registered_at: now.naive_utc(),
                ended_by: None,
                ended_at: None,
            };
            repo::insert_registration(c, &row).map_err(|e| match e {
                // Another dealer's registration is not revealed: only that one exists.
                DbError::UniqueViolation(_) => ApiError::conflict(
                    "serial_already_registered",
                    "this serial number has an active registration",
                ),
                other => other.into(),
            })?;
            network_event(
                c,
                "registration.created",
                "registration",
                &row.id,
                row.device_id.as_deref(),
                &actor,
                json!({ "dealer_id": row.dealer_id, "serial_number": row.serial_number,
                        "warranty_marketing_program": row.warranty_marketing_program }),
                now,
            )?;
            let ctx = repo::find_registration(c, &row.id)?.ok_or_else(ApiError::internal)?;
            Ok(ctx.into())
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/registrations/{}", registration.id),
        &registration,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationPage {
    pub items: Vec<SerialRegistration>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    pub serial_number: Option<String>,
    /// active or ended.
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
    who: Authenticated,
    q: web::Query<RegistrationQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<RegistrationPage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let dealer_id =
        policy::dealer_scope(&who.0, Action::ReadRegistrations).ok_or_else(ApiError::forbidden)?;
    let q = q.into_inner();
    let filter = RegistrationFilter {
        dealer_id,
        serial_number: q
            .serial_number
            .as_deref()
            .map(SerialNumber::parse)
            .transpose()?
            .map(|s| s.as_str().to_owned()),
        status: q.status,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_registrations(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(RegistrationPage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}

fn registration_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<(RegistrationRow, String), ApiError> {
    let ctx = repo::find_registration(c, id)?.ok_or_else(ApiError::not_found)?;
    authorize_dealer(who, action, Some(&ctx.0.dealer_id))?;
    Ok(ctx)
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
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<SerialRegistration>, ApiError> {
    let state = state.into_inner();
    let ctx = blocking(move || {
        state
            .db
            .read(|c| registration_for(c, &who.0, Action::ReadRegistrations, &id))
    })
    .await?;
    Ok(web::Json(ctx.into()))
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
    who: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state.into_inner();
    blocking(move || {
        state.db.write(|c| -> Result<(), ApiError> {
            let (row, _) = registration_for(c, &who.0, Action::RegisterSerials, &id)?;
            let now = state.config.clock.now();
            if !repo::end_registration(c, &row.id, &who.0.user_id, now)? {
                return Err(ApiError::conflict(
                    "registration_ended",
                    "the registration has ended already",
                ));
            }
            network_event(
                c,
                "registration.ended",
                "registration",
                &row.id,
                row.device_id.as_deref(),
                &who.0.user_id,
                json!({ "dealer_id": row.dealer_id, "serial_number": row.serial_number }),
                now,
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------
// The remedy catalogue

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Remedy {
    pub id: String,
    pub problem_category: String,
    /// The model it is specific to; null for every model of the category.
    pub model_id: Option<String>,
    pub title: String,
    pub instructions: String,
    pub active: bool,
}

impl From<RemedyRow> for Remedy {
    fn from(r: RemedyRow) -> Self {
        Self {
            id: r.id,
            problem_category: r.problem_category,
            model_id: r.model_id,
            title: r.title,
            instructions: r.instructions,
            active: r.active,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewRemedy {
    #[validate(length(min = 1, max = 60))]
    #[schema(example = "print_quality")]
    pub problem_category: String,
    pub model_id: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "Run the print head cleaning")]
    pub title: String,
    #[validate(length(min = 1, max = 10000))]
    pub instructions: String,
}

fn parse_category(raw: &str) -> Result<String, ApiError> {
    let c = raw.trim().to_lowercase();
    let ok = !c.is_empty()
        && c.len() <= 60
        && c.chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
    if ok {
        Ok(c)
    } else {
        Err(ApiError::invalid_field(
            "problem_category",
            "must be 1 to 60 of a-z, 0-9 and _",
        ))
    }
}

/// Adds a user-performed remedy to the catalogue (call center, customer service).
#[utoipa::path(
    tag = "dealers",
    request_body = NewRemedy,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Remedy, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/remedies")]
async fn create_remedy(
    state: State,
    who: Authenticated,
    body: web::Json<NewRemedy>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::ManageRemedies, None)?;
    body.validate()?;
    let body = body.into_inner();
    let row = RemedyRow {
        id: fleetdesk_persistence::new_id(),
        problem_category: parse_category(&body.problem_category)?,
        model_id: body.model_id,
        title: parse_name("title", &body.title, 200)?,
        instructions: body.instructions.trim().to_owned(),
        active: true,
        created_by: who.0.user_id.clone(),
        created_at: fleetdesk_persistence::now().naive_utc(),
    };
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<RemedyRow, ApiError> {
            if let Some(model) = &row.model_id {
                devices_repo::find_model(c, model)?
                    .ok_or_else(|| ApiError::invalid_field("model_id", "no such model"))?;
            }
            repo::insert_remedy(c, &row)?;
            Ok(row)
        })
    })
    .await?;
    let remedy = Remedy::from(row);
    Ok(created(
        format!(
            "/api/v1/remedies?problem_category={}",
            remedy.problem_category
        ),
        &remedy,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemedyPage {
    pub items: Vec<Remedy>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemedyQuery {
    pub problem_category: Option<String>,
}

/// The remedy catalogue (staff).
#[utoipa::path(
    tag = "dealers",
    params(RemedyQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RemedyPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/remedies")]
async fn list_remedies(
    state: State,
    who: Authenticated,
    q: web::Query<RemedyQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<RemedyPage>, ApiError> {
    authorize_dealer(&who.0, Action::ReadCalls, None)?;
    let (limit, after) = page.resolve()?;
    let category = q
        .problem_category
        .as_deref()
        .map(parse_category)
        .transpose()?;
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_remedies(c, category.as_deref(), after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(RemedyPage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page.items.into_iter().map(Into::into).collect(),
    }))
}

// ---------------------------------------------------------------------------------------
// Calls

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Caller {
    #[schema(example = "Maria Lopez")]
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RemedyTried {
    pub remedy_id: String,
    pub title: String,
    /// solved, failed or not_applicable.
    pub outcome: String,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A catalogued remedy for the call's problem, and where the call stands with it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RemedyDue {
    pub remedy_id: String,
    pub title: String,
    pub instructions: String,
    /// The latest outcome recorded; null while not tried.
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Call {
    pub id: String,
    pub serial_number: String,
    pub model_id: Option<String>,
    pub device_id: Option<String>,
    pub caller: Caller,
    pub site_address: Option<String>,
    /// product_question, pre_sales, post_sales or service_problem.
    pub reason: String,
    pub problem_category: Option<String>,
    pub problem: String,
    /// open, redirected, resolved or dispatched.
    pub status: String,
    /// The dealer of record the call was redirected to.
    pub redirected_to: Option<String>,
    pub resolution: Option<String>,
    /// The dealer of record for the serial number now, if any.
    pub dealer_of_record: Option<String>,
    /// The catalogued remedies for the problem, with their outcomes on this call.
    pub remedies: Vec<RemedyDue>,
    /// Every remedy outcome recorded, oldest first.
    pub remedies_tried: Vec<RemedyTried>,
    pub called_at: DateTime<Utc>,
}

/// What the call-center rules need of a call: the call, its catalogued remedies with the
/// latest outcome of each, every outcome recorded, and the serial's active registration.
struct CallFacts {
    call: CallRow,
    due: Vec<(RemedyRow, Option<CallRemedyRow>)>,
    tried: Vec<(CallRemedyRow, String)>,
    registration: Option<RegistrationRow>,
}

impl CallFacts {
    fn load(c: &mut Conn, id: &str) -> Result<Self, ApiError> {
        let call = repo::find_call(c, id)?.ok_or_else(ApiError::not_found)?;
        let tried = repo::call_remedies_of(c, &call.id)?;
        let catalogue = match &call.problem_category {
            Some(category) => repo::remedies_for(c, category, call.model_id.as_deref())?,
            None => Vec::new(),
        };
        let due = catalogue
            .into_iter()
            .map(|remedy| {
                let latest = tried
                    .iter()
                    .rev()
                    .find(|(t, _)| t.remedy_id == remedy.id)
                    .map(|(t, _)| t.clone());
                (remedy, latest)
            })
            .collect();
        let registration = repo::active_registration(c, &call.serial_number)?;
        Ok(Self {
            call,
            due,
            tried,
            registration,
        })
    }

    /// The catalogued remedies not yet tried and failed (nor marked not applicable).
    fn outstanding(&self) -> Vec<String> {
        self.due
            .iter()
            .filter(|(_, latest)| {
                !latest
                    .as_ref()
                    .is_some_and(|t| RemedyOutcome::exhausted(&t.outcome))
            })
            .map(|(r, _)| r.title.clone())
            .collect()
    }

    fn warranty_end(&self, c: &mut Conn) -> Result<Option<NaiveDate>, ApiError> {
        if let Some(device) = &self.call.device_id
            && let Some(ctx) = devices_repo::find_device(c, device)?
        {
            return Ok(Some(ctx.device.warranty_end));
        }
        Ok(self.registration.as_ref().and_then(|r| r.warranty_end))
    }

    fn eligibility(&self, c: &mut Conn) -> Result<Eligibility, ApiError> {
        Ok(rules::dispatch_eligibility(&DispatchFacts {
            call_date: Some(self.call.called_at.date()),
            registration: self.registration.as_ref().map(|r| Registration {
                dealer_id: r.dealer_id.clone(),
                warranty_marketing_program: r.warranty_marketing_program,
            }),
            outstanding_remedies: self.outstanding(),
            warranty_end: self.warranty_end(c)?,
        }))
    }

    fn view(self) -> Call {
        let c = self.call;
        Call {
            caller: Caller {
                name: c.caller_name,
                phone: c.caller_phone,
                email: c.caller_email,
                company: c.caller_company,
            },
            dealer_of_record: self.registration.map(|r| r.dealer_id),
            remedies: self
                .due
                .into_iter()
                .map(|(r, latest)| RemedyDue {
                    remedy_id: r.id,
                    title: r.title,
                    instructions: r.instructions,
                    outcome: latest.map(|t| t.outcome),
                })
                .collect(),
            remedies_tried: self
                .tried
                .into_iter()
                .map(|(t, title)| RemedyTried {
                    recorded_at: t.recorded_at.and_utc(),
                    remedy_id: t.remedy_id,
                    title,
                    outcome: t.outcome,
                    note: t.note,
                })
                .collect(),
            called_at: c.called_at.and_utc(),
            id: c.id,
            serial_number: c.serial_number,
            model_id: c.model_id,
            device_id: c.device_id,
            site_address: c.site_address,
            reason: c.reason,
            problem_category: c.problem_category,
            problem: c.problem,
            status: c.status,
            redirected_to: c.redirected_to,
            resolution: c.resolution,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewCall {
    #[schema(example = "AB12-3456")]
    pub serial_number: String,
    /// The model, when the caller knows it; taken from the portal's device or the
    /// registration otherwise.
    pub model_id: Option<String>,
    pub caller: Caller,
    #[validate(length(max = 500))]
    pub site_address: Option<String>,
    /// product_question, pre_sales, post_sales or service_problem.
    #[schema(example = "service_problem")]
    pub reason: String,
    /// For service problems: the catalogue's problem category.
    #[schema(example = "print_quality")]
    pub problem_category: Option<String>,
    #[validate(length(min = 1, max = 10000))]
    #[schema(example = "Vertical streaks on every print")]
    pub problem: String,
}

const CALL_REASONS: [&str; 4] = [
    "product_question",
    "pre_sales",
    "post_sales",
    "service_problem",
];

/// Logs an end user's call (call center).
#[utoipa::path(
    tag = "dealers",
    request_body = NewCall,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Call, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls")]
async fn log_call(
    state: State,
    who: Authenticated,
    body: web::Json<NewCall>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::WorkCalls, None)?;
    body.validate()?;
    let body = body.into_inner();
    let serial = SerialNumber::parse(&body.serial_number)?;
    let reason = body.reason.trim().to_owned();
    if !CALL_REASONS.contains(&reason.as_str()) {
        return Err(ApiError::invalid_field(
            "reason",
            format!("must be one of {}", CALL_REASONS.join(", ")),
        ));
    }
    let category = body
        .problem_category
        .as_deref()
        .map(parse_category)
        .transpose()?;
    if reason == "service_problem" && category.is_none() {
        return Err(ApiError::invalid_field(
            "problem_category",
            "is required for a service problem",
        ));
    }
    let caller_email = body
        .caller
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("caller.email", e.reason))?;
    let caller_name = parse_name("caller.name", &body.caller.name, 100)?;
    let optional = |field: &'static str, v: &Option<String>, max: usize| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| parse_name(field, s, max))
            .transpose()
    };
    let caller_phone = optional("caller.phone", &body.caller.phone, 40)?;
    let caller_company = optional("caller.company", &body.caller.company, 200)?;
    let site_address = optional("site_address", &body.site_address, 500)?;
    let state = state.into_inner();
    let actor = who.0.user_id;
    let call = blocking(move || {
        state.db.write(|c| -> Result<Call, ApiError> {
            if let Some(model) = &body.model_id {
                devices_repo::find_model(c, model)?
                    .ok_or_else(|| ApiError::invalid_field("model_id", "no such model"))?;
            }
            let registration = repo::active_registration(c, serial.as_str())?;
            let model_id = body
                .model_id
                .clone()
                .or_else(|| registration.as_ref().map(|r| r.model_id.clone()));
            let device = match &model_id {
                Some(model) => devices_repo::find_device_by_serial(c, model, serial.as_str())?,
                None => None,
            };
            let now = state.config.clock.now();
            let row = CallRow {
                id: fleetdesk_persistence::new_id(),
                serial_number: serial.as_str().to_owned(),
                model_id,
                device_id: device.map(|d| d.id),
                caller_name,
                caller_phone,
                caller_email: caller_email.map(|e| e.as_str().to_owned()),
                caller_company,
                site_address,
                reason,
                problem_category: category,
                problem: body.problem.trim().to_owned(),
                status: "open".into(),
                redirected_to: None,
                resolution: None,
                logged_by: actor.clone(),
                called_at: now.naive_utc(),
                updated_at: now.naive_utc(),
            };
            repo::insert_call(c, &row)?;
            network_event(
                c,
                "call.logged",
                "call",
                &row.id,
                row.device_id.as_deref(),
                &actor,
                json!({ "serial_number": row.serial_number, "reason": row.reason }),
                now,
            )?;
            Ok(CallFacts::load(c, &row.id)?.view())
        })
    })
    .await?;
    Ok(created(format!("/api/v1/calls/{}", call.id), &call))
}

/// A call with the remedies due and tried, and the dealer of record (staff).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Call),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calls/{id}")]
async fn get_call(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Call>, ApiError> {
    authorize_dealer(&who.0, Action::ReadCalls, None)?;
    let state = state.into_inner();
    let call = blocking(move || state.db.read(|c| Ok(CallFacts::load(c, &id)?.view()))).await?;
    Ok(web::Json(call))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct NewRemedyOutcome {
    pub remedy_id: String,
    /// solved, failed or not_applicable (with a note saying why).
    #[schema(example = "failed")]
    pub outcome: String,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Records a user-performed remedy tried on the call and its outcome (call center).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = NewRemedyOutcome,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Call, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is no longer open (`call_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a remedy for this call's problem, or not applicable without a note", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/remedies")]
async fn record_remedy(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<NewRemedyOutcome>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::WorkCalls, None)?;
    body.validate()?;
    let body = body.into_inner();
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let outcome = RemedyOutcome::parse(body.outcome.trim(), note.as_deref())?;
    let state = state.into_inner();
    let actor = who.0.user_id;
    let call = blocking(move || {
        state.db.write(|c| -> Result<Call, ApiError> {
            let facts = CallFacts::load(c, &id)?;
            open_call(&facts.call)?;
            if !facts.due.iter().any(|(r, _)| r.id == body.remedy_id) {
                return Err(ApiError::invalid_field(
                    "remedy_id",
                    "is not a catalogued remedy for this call's problem",
                ));
            }
            let now = state.config.clock.now();
            repo::insert_call_remedy(
                c,
                &CallRemedyRow {
                    id: fleetdesk_persistence::new_id(),
                    call_id: facts.call.id.clone(),
                    remedy_id: body.remedy_id.clone(),
                    outcome: outcome.as_str().to_owned(),
                    note,
                    recorded_by: actor.clone(),
                    recorded_at: now.naive_utc(),
                },
            )?;
            network_event(
                c,
                "call.remedy_recorded",
                "call",
                &facts.call.id,
                facts.call.device_id.as_deref(),
                &actor,
                json!({ "remedy_id": body.remedy_id, "outcome": outcome.as_str() }),
                now,
            )?;
            Ok(CallFacts::load(c, &facts.call.id)?.view())
        })
    })
    .await?;
    Ok(created(format!("/api/v1/calls/{}", call.id), &call))
}

fn open_call(call: &CallRow) -> Result<(), ApiError> {
    if call.status == "open" {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "call_closed",
            format!("the call is {} already", call.status),
        ))
    }
}

/// Redirects the caller to the dealer of record (call center): the dealer is mailed the
/// caller's details.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Call),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No dealer of record (`no_dealer_of_record`), or the call is closed (`call_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/redirect")]
async fn redirect_call(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Call>, ApiError> {
    authorize_dealer(&who.0, Action::WorkCalls, None)?;
    let state = state.into_inner();
    let actor = who.0.user_id;
    let call = blocking(move || {
        state.db.write(|c| -> Result<Call, ApiError> {
            let facts = CallFacts::load(c, &id)?;
            open_call(&facts.call)?;
            let registration = facts.registration.as_ref().ok_or_else(|| {
                ApiError::conflict(
                    "no_dealer_of_record",
                    "the serial number has no dealer of record",
                )
            })?;
            let dealer = repo::find_dealer(c, &registration.dealer_id)?
                .ok_or_else(ApiError::internal)?;
            let now = state.config.clock.now();
            if !repo::close_call(c, &facts.call.id, "redirected", Some(&dealer.id), None, now)? {
                return Err(ApiError::conflict("call_closed", "the call changed meanwhile"));
            }
            if let Some(to) = &dealer.contact_email {
                let call = &facts.call;
                let body = format!(
                    "A caller about serial number {} was redirected to you as its service provider of record.\n\n\
                     Caller: {}\nPhone: {}\nE-mail: {}\nCompany: {}\nSite: {}\n\nProblem: {}\n",
                    call.serial_number,
                    call.caller_name,
                    call.caller_phone.as_deref().unwrap_or("-"),
                    call.caller_email.as_deref().unwrap_or("-"),
                    call.caller_company.as_deref().unwrap_or("-"),
                    call.site_address.as_deref().unwrap_or("-"),
                    call.problem,
                );
                mail::enqueue(
                    c,
                    to,
                    (format!("Caller redirected: serial {}", call.serial_number), body),
                )?;
            }
            network_event(
                c,
                "call.redirected",
                "call",
                &facts.call.id,
                facts.call.device_id.as_deref(),
                &actor,
                json!({ "dealer_id": dealer.id }),
                now,
            )?;
            Ok(CallFacts::load(c, &facts.call.id)?.view())
        })
    })
    .await?;
    Ok(web::Json(call))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct Resolution {
    #[validate(length(min = 1, max = 5000))]
    #[schema(example = "Answered: the duplex unit is an option for this model.")]
    pub resolution: String,
}

/// Closes a call the call center resolved itself: a question answered, an enquiry handled,
/// or a problem solved by phone.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = Resolution,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Call),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is closed (`call_closed`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/resolve")]
async fn resolve_call(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<Resolution>,
) -> Result<web::Json<Call>, ApiError> {
    authorize_dealer(&who.0, Action::WorkCalls, None)?;
    body.validate()?;
    let resolution = body.into_inner().resolution.trim().to_owned();
    let state = state.into_inner();
    let actor = who.0.user_id;
    let call = blocking(move || {
        state.db.write(|c| -> Result<Call, ApiError> {
            let call = repo::find_call(c, &id)?.ok_or_else(ApiError::not_found)?;
            open_call(&call)?;
            let now = state.config.clock.now();
            if !repo::close_call(c, &call.id, "resolved", None, Some(&resolution), now)? {
                return Err(ApiError::conflict(
                    "call_closed",
                    "the call changed meanwhile",
                ));
            }
            network_event(
                c,
                "call.resolved",
                "call",
                &call.id,
                call.device_id.as_deref(),
                &actor,
                json!({}),
                now,
            )?;
            Ok(CallFacts::load(c, &call.id)?.view())
        })
    })
    .await?;
    Ok(web::Json(call))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EligibilityView {
    pub eligible: bool,
    /// Where an eligible dispatch goes: `{"kind": "dealer_of_record", "dealer_id": …}` or
    /// `{"kind": "call_center_service"}`.
    #[schema(value_type = Option<Object>)]
    pub route: Option<serde_json::Value>,
    /// Whether the service is reimbursable under the warranty on the call date.
    pub reimbursable: bool,
    /// Every reason that applies, each with a `code` (no_call, remedies_outstanding,
    /// warranty_marketing_program, dealer_of_record, no_dealer_of_record, in_warranty,
    /// out_of_warranty, warranty_unknown) and its facts.
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<serde_json::Value>,
}

fn eligibility_view(e: &Eligibility) -> Result<EligibilityView, ApiError> {
    let unwritable = |_| ApiError::internal();
    Ok(EligibilityView {
        eligible: e.eligible,
        route: e
            .route
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(unwritable)?,
        reimbursable: e.reimbursable,
        reasons: e
            .reasons
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()
            .map_err(unwritable)?,
    })
}

/// Whether the call center may dispatch service for this call, to whom, and why (staff).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = EligibilityView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calls/{id}/dispatch-eligibility")]
async fn get_eligibility(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<EligibilityView>, ApiError> {
    authorize_dealer(&who.0, Action::ReadCalls, None)?;
    let state = state.into_inner();
    let view = blocking(move || {
        state.db.read(|c| -> Result<EligibilityView, ApiError> {
            let facts = CallFacts::load(c, &id)?;
            eligibility_view(&facts.eligibility(c)?)
        })
    })
    .await?;
    Ok(web::Json(view))
}

// ---------------------------------------------------------------------------------------
// Dispatches

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartUsedView {
    #[schema(example = "QM7-1234")]
    pub part_number: String,
    #[schema(example = 1, minimum = 1, maximum = 1000)]
    pub quantity: i32,
    /// The part replaced was defective (a warranty part claim may follow).
    #[serde(default)]
    pub defective: bool,
}

/// Section 2 of the service dispatch form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Section2 {
    pub arrived_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    /// Minutes of labour, at most the time between arrival and completion.
    #[schema(example = 90)]
    pub labour_minutes: i64,
    #[serde(default)]
    pub parts: Vec<PartUsedView>,
    #[schema(example = "Replaced the carriage motor; test prints clean.")]
    pub resolution: String,
    /// The technician who did the work.
    #[schema(example = "Ted Field")]
    pub technician: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Dispatch {
    pub id: String,
    pub call_id: String,
    /// dealer (to the dealer of record) or call_center (the call center's own service).
    pub route: String,
    pub dealer_id: Option<String>,
    /// Section 1, fixed from the call: call, device, site and contact, problem, remedies
    /// tried, warranty status.
    #[schema(value_type = Object)]
    pub section1: serde_json::Value,
    /// dispatched, accepted or closed_out.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub section2: Option<Section2>,
    pub closed_out_at: Option<DateTime<Utc>>,
}

fn dispatch_view(d: DispatchRow) -> Result<Dispatch, ApiError> {
    let unreadable = |_| ApiError::internal();
    Ok(Dispatch {
        section1: serde_json::from_str(&d.section1).map_err(unreadable)?,
        section2: d
            .section2
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(unreadable)?,
        created_at: d.created_at.and_utc(),
        accepted_at: d.accepted_at.map(|t| t.and_utc()),
        closed_out_at: d.closed_out_at.map(|t| t.and_utc()),
        id: d.id,
        call_id: d.call_id,
        route: d.route,
        dealer_id: d.dealer_id,
        status: d.status,
    })
}

/// Dispatches service for a call (call center) when the call is eligible: to the dealer of
/// record, or as the call center's own service. Section 1 is built from the call.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Dispatch, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The call is closed or dispatched already (`call_closed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not eligible (`dispatch_not_eligible`), with every reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/calls/{id}/dispatches")]
async fn create_dispatch(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    authorize_dealer(&who.0, Action::CreateDispatch, None)?;
    let state = state.into_inner();
    let actor = who.0.user_id;
    let dispatch = blocking(move || {
        state.db.write(|c| -> Result<Dispatch, ApiError> {
            let facts = CallFacts::load(c, &id)?;
            let eligibility = facts.eligibility(c)?;
            if !eligibility.eligible {
                let view = eligibility_view(&eligibility)?;
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "dispatch_not_eligible",
                    "the call is not eligible for a dispatch",
                )
                .with_facts(json!({ "reasons": view.reasons })));
            }
            open_call(&facts.call)?;
            let warranty_end = facts.warranty_end(c)?;
            let call = &facts.call;
            let (route, dealer_id) = match &eligibility.route {
                Some(Route::DealerOfRecord { dealer_id }) => ("dealer", Some(dealer_id.clone())),
                _ => ("call_center", None),
            };
            let in_warranty = warranty_end.map(|end| rules::in_warranty(end, call.called_at.date()));
            let section1 = json!({
                "call": { "id": call.id, "called_at": call.called_at.and_utc(), "reason": call.reason },
                "device": { "serial_number": call.serial_number, "model_id": call.model_id, "device_id": call.device_id },
                "site_and_contact": {
                    "caller": call.caller_name, "phone": call.caller_phone, "email": call.caller_email,
                    "company": call.caller_company, "site_address": call.site_address,
                },
                "problem": { "category": call.problem_category, "description": call.problem },
                "remedies_tried": facts.tried.iter().map(|(t, title)| json!({
                    "remedy_id": t.remedy_id, "title": title, "outcome": t.outcome, "note": t.note,
                })).collect::<Vec<_>>(),
                "warranty": { "warranty_end": warranty_end, "in_warranty_on_call_date": in_warranty,
                              "reimbursable": eligibility.reimbursable },
            });
            let now = state.config.clock.now();
            let row = DispatchRow {
                id: fleetdesk_persistence::new_id(),
                call_id: call.id.clone(),
                route: route.to_owned(),
                dealer_id: dealer_id.clone(),
                registration_id: facts.registration.as_ref().map(|r| r.id.clone()),
                section1: section1.to_string(),
                serial_number: call.serial_number.clone(),
                warranty_end,
                in_warranty,
                // Eligibility refuses Warranty Marketing Program devices.
                warranty_marketing_program: false,
                status: "dispatched".into(),
                assigned_technician_id: None,
                created_by: actor.clone(),
                created_at: now.naive_utc(),
                accepted_by: None,
                accepted_at: None,
                section2: None,
                closed_out_by: None,
                closed_out_at: None,
                labour_decision: None,
                labour_amount_minor: None,
                labour_currency: None,
                labour_reason: None,
                labour_decided_by: None,
                labour_decided_at: None,
            };
            if !repo::close_call(c, &call.id, "dispatched", None, None, now)? {
                return Err(ApiError::conflict("call_closed", "the call changed meanwhile"));
            }
            repo::insert_dispatch(c, &row).map_err(|e| match e {
                DbError::UniqueViolation(_) => {
                    ApiError::conflict("call_closed", "the call has a dispatch already")
                }
                other => other.into(),
            })?;
            if let Some(dealer_id) = &dealer_id
                && let Some(to) = repo::find_dealer(c, dealer_id)?.and_then(|d| d.contact_email)
            {
                mail::enqueue(
                    c,
                    &to,
                    (
                        format!("New service dispatch: serial {}", call.serial_number),
                        format!(
                            "The call center dispatched service to you for serial number {}.\n\
                             Problem: {}\nCaller: {}\n\nAccept it at /api/v1/dispatches/{}.\n",
                            call.serial_number, call.problem, call.caller_name, row.id
                        ),
                    ),
                )?;
            }
            network_event(
                c,
                "dispatch.created",
                "dispatch",
                &row.id,
                call.device_id.as_deref(),
                &actor,
                json!({ "route": route, "dealer_id": dealer_id, "reimbursable": eligibility.reimbursable }),
                now,
            )?;
            dispatch_view(row)
        })
    })
    .await?;
    Ok(created(
        format!("/api/v1/dispatches/{}", dispatch.id),
        &dispatch,
    ))
}

fn dispatch_for(
    c: &mut Conn,
    who: &Principal,
    action: Action,
    id: &str,
) -> Result<DispatchRow, ApiError> {
    let row = repo::find_dispatch(c, id)?.ok_or_else(ApiError::not_found)?;
    // The call center's own service belongs to no dealer: no dealer user reaches it.
    let owner = row.dealer_id.as_deref().unwrap_or("");
    authorize_dealer(who, action, Some(owner))?;
    Ok(row)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchPage {
    pub items: Vec<Dispatch>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DispatchQuery {
    /// dispatched, accepted or closed_out.
    pub status: Option<String>,
    /// dealer or call_center.
    pub route: Option<String>,
}

/// Dispatches: a dealer's own, or (staff) all.
#[utoipa::path(
    tag = "dealers",
    params(DispatchQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DispatchPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispatches")]
async fn list_dispatches(
    state: State,
    who: Authenticated,
    q: web::Query<DispatchQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<DispatchPage>, ApiError> {
    let (limit, after) = page.resolve()?;
    let dealer_id =
        policy::dealer_scope(&who.0, Action::ReadDispatches).ok_or_else(ApiError::forbidden)?;
    let q = q.into_inner();
    let filter = DispatchFilter {
        dealer_id,
        status: q.status,
        route: q.route,
    };
    let state = state.into_inner();
    let page = blocking(move || {
        Ok(state
            .db
            .read(|c| repo::list_dispatches(c, &filter, after.as_deref(), limit))?)
    })
    .await?;
    Ok(web::Json(DispatchPage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page
            .items
            .into_iter()
            .map(dispatch_view)
            .collect::<Result<_, _>>()?,
    }))
}

/// One dispatch; another dealer's is not found.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dispatch),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dispatches/{id}")]
async fn get_dispatch(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let state = state.into_inner();
    let row = blocking(move || {
        state
            .db
            .read(|c| dispatch_for(c, &who.0, Action::ReadDispatches, &id))
    })
    .await?;
    Ok(web::Json(dispatch_view(row)?))
}

/// Accepts a dispatch (the dispatched dealer's users).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dispatch),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for acceptance (`dispatch_not_waiting`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispatches/{id}/accept")]
async fn accept_dispatch(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<DispatchRow, ApiError> {
            let row = dispatch_for(c, &who.0, Action::WorkDispatches, &id)?;
            let now = state.config.clock.now();
            if !repo::accept_dispatch(c, &row.id, &who.0.user_id, now)? {
                return Err(ApiError::conflict(
                    "dispatch_not_waiting",
                    format!("the dispatch is {}", row.status),
                ));
            }
            network_event(
                c,
                "dispatch.accepted",
                "dispatch",
                &row.id,
                None,
                &who.0.user_id,
                json!({ "dealer_id": row.dealer_id }),
                now,
            )?;
            repo::find_dispatch(c, &row.id)?.ok_or_else(ApiError::internal)
        })
    })
    .await?;
    Ok(web::Json(dispatch_view(row)?))
}

fn not_accepted(status: &str) -> ApiError {
    ApiError::conflict(
        "dispatch_not_accepted",
        format!("the dispatch is {status}; only an accepted one is closed out"),
    )
}

/// Closes a dispatch out with section 2 of the dispatch form (the dispatched dealer's users):
/// arrival, completion, labour time, parts used, resolution, technician.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    request_body = Section2,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Dispatch),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not accepted, or closed out already (`dispatch_not_accepted`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dispatches/{id}/close-out")]
async fn close_out(
    state: State,
    who: Authenticated,
    id: web::Path<String>,
    body: web::Json<Section2>,
) -> Result<web::Json<Dispatch>, ApiError> {
    let section2 = body.into_inner();
    let form = CloseOut {
        arrived_at: section2.arrived_at,
        completed_at: section2.completed_at,
        labour_minutes: section2.labour_minutes,
        parts: section2
            .parts
            .iter()
            .map(|p| PartUsed {
                part_number: p.part_number.trim().to_owned(),
                quantity: p.quantity,
                defective: p.defective,
            })
            .collect(),
        resolution: section2.resolution.trim().to_owned(),
        technician: section2.technician.trim().to_owned(),
    };
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.write(|c| -> Result<DispatchRow, ApiError> {
            let row = dispatch_for(c, &who.0, Action::WorkDispatches, &id)?;
            if row.status != "accepted" {
                return Err(not_accepted(&row.status));
            }
            let now = state.config.clock.now();
            rules::check_close_out(&form, row.created_at.and_utc(), now)?;
            let stored = serde_json::to_string(&Section2 {
                parts: form
                    .parts
                    .iter()
                    .map(|p| PartUsedView {
                        part_number: p.part_number.clone(),
                        quantity: p.quantity,
                        defective: p.defective,
                    })
                    .collect(),
                resolution: form.resolution.clone(),
                technician: form.technician.clone(),
                ..section2
            })
            .map_err(|_| ApiError::internal())?;
            if !repo::close_out_dispatch(c, &row.id, &stored, &who.0.user_id, now)? {
                return Err(not_accepted("closed out"));
            }
            network_event(
                c,
                "dispatch.closed_out",
                "dispatch",
                &row.id,
                None,
                &who.0.user_id,
                json!({ "dealer_id": row.dealer_id, "labour_minutes": form.labour_minutes }),
                now,
            )?;
            repo::find_dispatch(c, &row.id)?.ok_or_else(ApiError::internal)
        })
    })
    .await?;
    Ok(web::Json(dispatch_view(row)?))
}
