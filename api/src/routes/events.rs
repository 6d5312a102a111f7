//! The event feed: every change a party must see, in commit order, filtered to the caller.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::policy::{self, AccountScope, Action, DeviceScope};
use fleetdesk_persistence::events::{self, EventRow, FeedScope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::http::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::{State, blocking};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Return events after this sequence number (0 or absent: from the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Events per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Position in the feed; strictly increasing in commit order.
    pub seq: i64,
    pub id: String,
    /// What happened, such as `account.created`.
    pub kind: String,
    pub account_id: Option<String>,
    pub subject_type: String,
    pub subject_id: String,
    /// The device the event concerns, if any.
    pub device_id: Option<String>,
    pub actor_id: Option<String>,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `?after=` to continue; equal to the request's `after` when nothing is new.
    pub next_after: i64,
}

impl TryFrom<EventRow> for Event {
    type Error = ApiError;
    fn try_from(row: EventRow) -> Result<Self, ApiError> {
        Ok(Self {
            occurred_at: row.occurred_at(),
            payload: serde_json::from_str(&row.payload).map_err(|_| ApiError::internal())?,
            seq: row.seq,
            id: row.id,
            kind: row.kind,
            account_id: row.account_id,
            subject_type: row.subject_type,
            subject_id: row.subject_id,
            device_id: row.device_id,
            actor_id: row.actor_id,
        })
    }
}

/// The caller's events after `after`, oldest first.
#[utoipa::path(
    tag = "integration",
    params(EventQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = EventPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
async fn list_events(
    state: State,
    user: Authenticated,
    q: web::Query<EventQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid_field("after", "must not be negative"));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            format!("must be 1 to {MAX_LIMIT}"),
        ));
    }
    let scope =
        match policy::account_scope(&user.0, Action::ReadEvents).ok_or_else(ApiError::forbidden)? {
            AccountScope::All => None,
            AccountScope::Only(accounts) => {
                // Device events follow the device scope: a device manager's assigned devices only.
                let (device_accounts, devices) =
                    match policy::device_scope(&user.0, Action::ReadDevices) {
                        Some(DeviceScope::Only { accounts, devices }) => (accounts, devices),
                        Some(DeviceScope::All) | None => (Vec::new(), Vec::new()),
                    };
                Some(FeedScope {
                    accounts,
                    device_accounts,
                    devices,
                })
            }
        };
    let state = state.into_inner();
    let rows = blocking(move || {
        Ok(state
            .db
            .read(|c| events::list_after(c, after, scope.as_ref(), limit))?)
    })
    .await?;
    let items: Vec<Event> = rows
        .into_iter()
        .map(Event::try_from)
        .collect::<Result<_, _>>()?;
    Ok(web::Json(EventPage {
        next_after: items.last().map_or(after, |e| e.seq),
        items,
    }))
}
