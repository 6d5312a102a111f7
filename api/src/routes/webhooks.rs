//! Webhooks: an organisation subscribes a URL to kinds of its feed's events; each delivery is
//! signed, retried, and listed with every attempt.

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::policy::Action;
use fleetdesk_domain::webhooks::DeliveryStatus;
use fleetdesk_persistence::webhooks::{
    self as repo, AttemptRow, DeliveryRow, WebhookChanges, WebhookRow,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::clients::OwnerRequest;
use crate::app::webhooks as app;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem, Text};
use crate::http::{DEFAULT_LIMIT, MAX_LIMIT, NO_STORE};
use crate::json::Json;
use crate::labels::{DeliveryStatusName, EventKindName};
use crate::state::State;
use crate::webhooks::check_target;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(ping_webhook)
        .service(rotate_webhook_secret)
        .service(list_deliveries)
        .service(redeliver);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    #[schema(example = "https://dispatch.westside.example/fleetdesk")]
    pub url: String,
    pub description: String,
    /// The kinds of event delivered.
    #[schema(value_type = Vec<EventKindName>)]
    pub events: Vec<String>,
    /// The account it belongs to, if an account's.
    pub account_id: Option<String>,
    /// The dealer it belongs to, if a dealer's. Neither: the manufacturer's own.
    pub dealer_id: Option<String>,
    /// Disabled ones receive nothing until enabled again.
    pub active: bool,
    /// Why it was disabled, if it was disabled for failing.
    pub disabled_reason: Option<String>,
    /// Who created it: it receives what this user (or API client) may see of its owner's feed.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(r: WebhookRow) -> Webhook {
    Webhook {
        events: r.kinds().map(str::to_owned).collect(),
        id: r.id,
        url: r.url,
        description: r.description,
        account_id: r.account_id,
        dealer_id: r.dealer_id,
        active: r.active,
        disabled_reason: r.disabled_reason,
        created_by: r.created_by,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    }
}

/// A webhook with its signing secret: shown once, in this answer only.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Verify `Fleetdesk-Signature` with it (see the README).
    #[schema(example = "whsec_hB5w0X4Yqk7m9V2cZr1sT8nQe3JdLa6uPo0iGy4fK2E")]
    pub secret: String,
    /// After a rotation: until when the replaced secret signs as well.
    pub previous_secrets_expire_at: Option<DateTime<Utc>>,
}

fn with_secret(row: WebhookRow, secret: String, previous: Option<DateTime<Utc>>) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, NO_STORE))
        .json(WebhookWithSecret {
            webhook: view(row),
            secret,
            previous_secrets_expire_at: previous,
        })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhook {
    /// Where deliveries are POSTed: `https` (outside development), a public address.
    #[schema(
        example = "https://dispatch.westside.example/fleetdesk",
        max_length = 2048
    )]
    pub url: String,
    /// The kinds of event to deliver (at least one).
    #[schema(value_type = Vec<EventKindName>, min_items = 1)]
    pub events: Vec<EventKind>,
    #[schema(example = "Dispatches to our service system", max_length = 500)]
    pub description: Option<String>,
    /// The account it is for (an administrator of that account creates it).
    pub account_id: Option<String>,
    /// The dealer it is for (its administrator, or its API client; their own when omitted).
    pub dealer_id: Option<String>,
}

/// A description is optional: empty, or a name's rules with room for a sentence.
fn parse_description(raw: Option<String>) -> Result<String, ApiError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(String::new()),
        Some(_) => Ok(parse_name(
            "description",
            raw.as_deref().unwrap_or_default(),
            500,
        )?),
    }
}

fn parse_events(kinds: &[EventKind]) -> Result<(), ApiError> {
    if kinds.is_empty() {
        return Err(ApiError::invalid_field(
            "events",
            Text::key("invalid-name-least-one-kind-event"),
        ));
    }
    Ok(())
}

/// Subscribes a URL to kinds of the owner's events (an account's or a dealer's
/// administrators, customer service for the manufacturer, or an API client with
/// `webhooks:manage`). It receives exactly what its creator may see of the owner's feed,
/// from now on. The signing secret is in this answer only.
#[utoipa::path(
    tag = "integration",
    request_body = NewWebhook,
    security(("bearer" = [])),
    responses(
        (status = 201, body = WebhookWithSecret),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; a URL that is not https (outside development), whose host cannot be resolved (a lookup is given up after 5 s), or that resolves to a loopback, private, link-local or metadata address", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
async fn create_webhook(
    state: State,
    caller: Authenticated,
    body: Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    parse_events(&body.events)?;
    let description = parse_description(body.description)?;
    let owner = OwnerRequest {
        account_id: body.account_id,
        dealer_id: body.dealer_id,
    };
    // Only who may subscribe has the server ask a nameserver anything.
    app::subscriber(&*caller.principal(&state).await?, owner.clone())?;
    let url = check_target(&state.names, &body.url, state.config.dev_mode).await?;
    let new = app::NewWebhook {
        url: url.to_string(),
        kinds: body.events,
        description,
        owner,
    };
    let now = state.config.clock.now();
    let (row, secret) = caller
        .write(&state, move |c, who| app::create(c, who, new, now))
        .await?;
    Ok(with_secret(row, secret, None))
}

/// The webhooks the caller manages, oldest first.
#[utoipa::path(
    tag = "integration",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Webhook>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks")]
async fn list_webhooks(
    state: State,
    caller: Authenticated,
) -> Result<web::Json<Vec<Webhook>>, ApiError> {
    let rows = caller
        .read(&state, |c, who| {
            let filter = crate::app::clients::owner_filter(who, Action::ManageWebhooks)?;
            Ok(repo::list_webhooks(c, &filter)?)
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(view).collect()))
}

#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Webhook),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}")]
async fn get_webhook(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Webhook>, ApiError> {
    let id = id.into_inner();
    let row = caller
        .read(&state, move |c, who| app::find_managed(c, who, &id))
        .await?;
    Ok(web::Json(view(row)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookPatch {
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<EventKindName>>, min_items = 1)]
    pub events: Option<Vec<EventKind>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `false` pauses deliveries; `true` resumes them (a webhook disabled for failing starts
    /// again with its oldest undelivered event).
    pub active: Option<bool>,
}

/// Changes a webhook's URL, kinds, description, or whether it is active.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path)),
    request_body = WebhookPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Webhook),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
async fn update_webhook(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<WebhookPatch>,
) -> Result<web::Json<Webhook>, ApiError> {
    let body = body.into_inner();
    let url = match &body.url {
        Some(raw) => {
            // Only who manages webhooks has the server ask a nameserver anything.
            app::may_manage_some(&*caller.principal(&state).await?)?;
            let url = check_target(&state.names, raw, state.config.dev_mode).await?;
            Some(url.to_string())
        }
        None => None,
    };
    let event_kinds = match &body.events {
        Some(kinds) => {
            parse_events(kinds)?;
            Some(app::kind_list(kinds))
        }
        None => None,
    };
    let description = match body.description {
        Some(text) => Some(parse_description(Some(text))?),
        None => None,
    };
    let changes = WebhookChanges {
        url,
        description,
        event_kinds,
        active: body.active,
        ..WebhookChanges::default()
    };
    let (id, now) = (id.into_inner(), state.config.clock.now());
    let row = caller
        .write(&state, move |c, who| app::update(c, who, &id, changes, now))
        .await?;
    Ok(web::Json(view(row)))
}

/// Deletes a webhook with its deliveries.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhooks/{id}")]
async fn delete_webhook(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    caller
        .write(&state, move |c, who| app::delete(c, who, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A delivery and every attempt of it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// Sent as `Fleetdesk-Delivery`; the same on every attempt and redelivery.
    pub id: String,
    /// The event's kind, or `ping`.
    pub kind: String,
    /// The event's `seq` (none for a ping).
    pub event_seq: Option<i64>,
    #[schema(value_type = DeliveryStatusName)]
    pub status: DeliveryStatus,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it is attempted next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempts: Vec<DeliveryAttempt>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status code, if it answered.
    pub response_status: Option<i32>,
    pub latency_ms: i64,
    /// What went wrong, if it did (a status other than 2xx, a timeout, a refused address).
    pub error: Option<String>,
}

fn delivery_view(d: DeliveryRow, attempts: &[AttemptRow]) -> Delivery {
    Delivery {
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == d.id)
            .map(|a| DeliveryAttempt {
                attempted_at: a.attempted_at.and_utc(),
                response_status: a.response_status,
                latency_ms: a.latency_ms,
                error: a.error.clone(),
            })
            .collect(),
        next_attempt_at: (*d.status == DeliveryStatus::Pending)
            .then(|| d.next_attempt_at.and_utc()),
        status: *d.status,
        created_at: d.created_at.and_utc(),
        delivered_at: d.delivered_at.map(|t| t.and_utc()),
        id: d.id,
        kind: d.kind,
        event_seq: d.event_seq,
    }
}

/// Queues a `ping` delivery (attempted at once, outside the order of events, once).
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Delivery),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/ping")]
async fn ping_webhook(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), state.config.clock.now());
    let delivery = caller
        .write(&state, move |c, who| app::ping(c, who, &id, now))
        .await?;
    Ok(HttpResponse::Accepted().json(delivery_view(delivery, &[])))
}

/// A new signing secret; the replaced one signs as well for `WEBHOOK_SECRET_OVERLAP_SECS`
/// (24 hours by default), so deliveries carry both signatures meanwhile.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = [])),
    responses(
        (status = 201, body = WebhookWithSecret),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/secret")]
async fn rotate_webhook_secret(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), state.config.clock.now());
    let overlap = state.config.webhooks.secret_overlap;
    let (row, secret, until) = caller
        .write(&state, move |c, who| {
            app::rotate_secret(c, who, &id, overlap, now)
        })
        .await?;
    Ok(with_secret(row, secret, Some(until)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Deliveries older than this one (its id), for the next page.
    pub before: Option<String>,
    /// Deliveries per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The webhook's deliveries, newest first, each with every attempt: when, the answer's
/// status, how long it took, what went wrong.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path), DeliveryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<Delivery>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
async fn list_deliveries(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<DeliveryQuery>,
) -> Result<web::Json<Vec<Delivery>>, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            Text::with("invalid-limit", [("max", MAX_LIMIT.to_string())]),
        ));
    }
    let (id, before) = (id.into_inner(), q.into_inner().before);
    let deliveries = caller
        .read(&state, move |c, who| {
            let row = app::find_managed(c, who, &id)?;
            let deliveries = repo::deliveries_of(c, &row.id, before.as_deref(), limit)?;
            let ids: Vec<String> = deliveries.iter().map(|d| d.id.clone()).collect();
            let attempts = repo::attempts_of(c, &ids)?;
            Ok(deliveries
                .into_iter()
                .map(|d| delivery_view(d, &attempts))
                .collect())
        })
        .await?;
    Ok(web::Json(deliveries))
}

/// Delivers a delivery again, with the same `Fleetdesk-Delivery` (a receiver that has it
/// already can tell), as soon as it is first in its webhook's order.
#[utoipa::path(
    tag = "integration",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Delivery),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
async fn redeliver(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let ((id, delivery_id), now) = (path.into_inner(), state.config.clock.now());
    let delivery = caller
        .write(&state, move |c, who| {
            app::redeliver(c, who, &id, &delivery_id, now)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(delivery_view(delivery, &[])))
}
