//! The event feed: every change a party must see, in commit order, filtered to the caller.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use super::Routes;
use fleetdesk_domain::events::{self as feed, EventFacts};
use fleetdesk_domain::identity::Principal;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::events::{self, EventRow, FeedFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::error::{ApiError, Problem};
use crate::http::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::labels::EventKindName;
use crate::state::State;

pub fn routes(cfg: &mut impl Routes) {
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
    #[schema(value_type = EventKindName)]
    pub kind: String,
    pub account_id: Option<String>,
    pub subject_type: String,
    pub subject_id: String,
    /// The device the event concerns, if any.
    pub device_id: Option<String>,
    /// The dealer whose object the event concerns, if any.
    pub dealer_id: Option<String>,
    pub actor_id: Option<String>,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `?after=` to continue (it also moves past events the caller may not see);
    /// equal to the request's `after` when nothing is new.
    pub next_after: i64,
}

impl TryFrom<EventRow> for Event {
    type Error = ApiError;
    fn try_from(row: EventRow) -> Result<Self, ApiError> {
        Ok(Self {
            occurred_at: row.occurred_at(),
            payload: serde_json::from_str(&row.payload).map_err(|e| ApiError::internal_from(e))?,
            seq: row.seq,
            id: row.id,
            kind: row.kind,
            account_id: row.account_id,
            subject_type: row.subject_type,
            subject_id: row.subject_id,
            device_id: row.device_id,
            dealer_id: row.dealer_id,
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
    caller: Authenticated,
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
    let (rows, scanned_to) = caller
        .read(&state, move |c, who| {
            if !feed::may_read_feed(who) {
                return Err(ApiError::forbidden());
            }
            let filter = if who.staff_role.is_some() {
                FeedFilter::All
            } else if let Some(dealer) = &who.dealer {
                FeedFilter::Dealer(dealer.dealer_id.clone())
            } else {
                FeedFilter::Accounts(
                    who.memberships
                        .iter()
                        .map(|m| m.account_id.clone())
                        .collect(),
                )
            };
            visible_after(c, who, &filter, after, limit)
        })
        .await?;
    let items: Vec<Event> = rows
        .into_iter()
        .map(Event::try_from)
        .collect::<Result<_, _>>()?;
    Ok(web::Json(EventPage {
        next_after: scanned_to,
        items,
    }))
}

/// The technician assigned now to a case or dispatch, and who opened a case.
type People = (Option<String>, Option<String>);

/// Events are read in batches of this many before the scope rule picks the caller's.
const SCAN_BATCH: i64 = 500;
/// At most this many events are read for one page; the page then ends early, and
/// `next_after` continues past what was read.
const SCAN_LIMIT: usize = 5_000;

/// Up to `limit` events after `after` that `who` may see, and the sequence number to continue
/// after: the last event returned, or — when fewer than `limit` were found — the last one read.
fn visible_after(
    c: &mut Conn,
    who: &Principal,
    filter: &FeedFilter,
    after: i64,
    limit: i64,
) -> Result<(Vec<EventRow>, i64), ApiError> {
    let wanted = usize::try_from(limit).unwrap_or(0);
    let mut visible = Vec::new();
    let mut cursor = after;
    let mut read = 0;
    loop {
        let batch = events::list_after(c, cursor, filter, SCAN_BATCH)?;
        let exhausted = (batch.len() as i64) < SCAN_BATCH;
        let people = current_people(c, &batch)?;
        for row in batch {
            cursor = row.seq;
            read += 1;
            let facts = EventFacts {
                kind: &row.kind,
                subject_id: &row.subject_id,
                account_id: row.account_id.as_deref(),
                dealer_id: row.dealer_id.as_deref(),
                device_id: row.device_id.as_deref(),
                technician_id: people.get(&row.subject_id).and_then(|(t, _)| t.as_deref()),
                case_opener: people.get(&row.subject_id).and_then(|(_, o)| o.as_deref()),
                staff_only: row.staff_only,
            };
            if feed::may_see(who, &facts) {
                visible.push(row);
                if visible.len() == wanted {
                    return Ok((visible, cursor));
                }
            }
        }
        if exhausted || read >= SCAN_LIMIT {
            return Ok((visible, cursor));
        }
    }
}

/// The technicians assigned now to the cases and dispatches `rows` are about (the scope of a
/// technician follows the current assignment, as the item checks do), and who opened each
/// case.
fn current_people(c: &mut Conn, rows: &[EventRow]) -> Result<HashMap<String, People>, ApiError> {
    let ids_of = |subject: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.subject_type == subject)
            .map(|r| r.subject_id.clone())
            .collect()
    };
    let (cases, dispatches) = (ids_of("case"), ids_of("dispatch"));
    let mut people = HashMap::new();
    if !cases.is_empty() {
        let found = fleetdesk_persistence::cases::case_people(c, &cases)?;
        people.extend(
            found
                .into_iter()
                .map(|(id, technician, opener)| (id, (technician, Some(opener)))),
        );
    }
    if !dispatches.is_empty() {
        let found = fleetdesk_persistence::dealers::dispatch_technicians(c, &dispatches)?;
        people.extend(
            found
                .into_iter()
                .map(|(id, technician)| (id, (technician, None))),
        );
    }
    Ok(people)
}
