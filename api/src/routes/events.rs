//! The event feed: every change a party must see, in commit order, filtered to the caller.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::Routes;
use fleetdesk_domain::events as feed;
use fleetdesk_domain::identity::Principal;
use fleetdesk_persistence::events::EventRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::feed::page_after;
use crate::auth::Authenticated;
use crate::error::{ApiError, Problem, Text};
use crate::http::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::State;
use crate::views::Event;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(list_events).service(stream_events);
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
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `?after=` to continue (it also moves past events the caller may not see);
    /// equal to the request's `after` when nothing is new.
    pub next_after: i64,
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
        return Err(ApiError::invalid_field(
            "after",
            Text::key("invalid-must-negative"),
        ));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            Text::with("invalid-limit", [("max", MAX_LIMIT.to_string())]),
        ));
    }
    let (rows, scanned_to) = caller
        .read(&state, move |c, who| page_after(c, who, after, limit))
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Start after this sequence number when no `Last-Event-ID` is sent (0 or absent: from
    /// the start of the feed).
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// The caller's feed as Server-Sent Events, for front ends that follow changes live: each
/// event is `id: <seq>`, `event: <kind>`, `data: <the event as GET /events shows it>`. It
/// starts after `Last-Event-ID` (a reconnecting `EventSource` sends it) or `?after=`, sends a
/// keep-alive comment when quiet, and ends when the token expires or after
/// `EVENT_STREAM_MAX_SECS` — reconnect with `Last-Event-ID` and nothing is missed. Who the
/// caller is, is read again for every look, so a removed member's stream ends.
#[utoipa::path(
    tag = "integration",
    params(StreamQuery, ("Last-Event-ID" = Option<String>, Header, description = "The `id` of the last event received")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "An endless `text/event-stream`", body = String, content_type = "text/event-stream"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`Last-Event-ID` or `after` is not a sequence number", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events/stream")]
async fn stream_events(
    state: State,
    caller: Authenticated,
    req: HttpRequest,
    q: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = match req.headers().get("last-event-id") {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::invalid_field("Last-Event-ID", Text::key("invalid-must-event-s-id-seq"))
            })?,
        None => match q.after {
            Some(n) if n < 0 => {
                return Err(ApiError::invalid_field(
                    "after",
                    Text::key("invalid-must-negative"),
                ));
            }
            Some(n) => n,
            None => 0,
        },
    };
    let state = state.get_ref().clone();
    // Refused before the stream starts: 403 is an answer, not an empty stream.
    let who = caller
        .clone()
        .read(&state, |_, who| {
            if feed::may_read_feed(who) {
                Ok(who.clone())
            } else {
                Err(ApiError::forbidden())
            }
        })
        .await?;
    let settings = state.config.event_stream.clone();
    let token_left = caller
        .expires_at()
        .and_then(|exp| (exp - state.config.clock.now()).to_std().ok())
        .unwrap_or_default();
    let now = tokio::time::Instant::now();
    let tail = Tail {
        state,
        caller,
        who,
        cursor: after,
        started: false,
        quiet_since: now,
        ends: now + token_left.min(settings.max_age),
        settings,
    };
    let stream = futures_util::stream::unfold(tail, |mut tail| async move {
        let chunk = tail.next().await?;
        Some((Ok::<_, actix_web::Error>(chunk), tail))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
}

/// One stream's place in the feed.
struct Tail {
    state: std::sync::Arc<crate::state::AppState>,
    caller: Authenticated,
    /// Who the caller was when the stream started: once that changes (a role, a membership,
    /// an assignment) the stream ends, and a reconnect is answered for who they are now.
    who: Principal,
    cursor: i64,
    started: bool,
    quiet_since: tokio::time::Instant,
    ends: tokio::time::Instant,
    settings: crate::config::EventStreamConfig,
}

/// Events sent in one piece at most.
const STREAM_BATCH: i64 = 100;

impl Tail {
    /// The next piece of the stream; `None` ends it.
    async fn next(&mut self) -> Option<web::Bytes> {
        if !self.started {
            self.started = true;
            // How long a browser's EventSource waits before it reconnects.
            return Some(web::Bytes::from_static(b"retry: 2000\n\n"));
        }
        loop {
            if tokio::time::Instant::now() >= self.ends {
                return None;
            }
            let (cursor, started_as) = (self.cursor, self.who.clone());
            let page = self
                .caller
                .clone()
                .read(&self.state, move |c, who| {
                    if *who != started_as {
                        return Ok(None);
                    }
                    page_after(c, who, cursor, STREAM_BATCH).map(Some)
                })
                .await;
            let (rows, scanned_to) = match page {
                Ok(Some(page)) => page,
                // Another caller now, or none (removed, revoked): the stream ends, and a
                // reconnect is answered for who they are now.
                Ok(None) => return None,
                Err(e) if e.status.is_client_error() => return None,
                Err(e) => {
                    log::warn!("the event stream could not read the feed: {e}");
                    tokio::time::sleep(self.settings.poll).await;
                    continue;
                }
            };
            self.cursor = scanned_to;
            if !rows.is_empty() {
                self.quiet_since = tokio::time::Instant::now();
                return Some(sse_events(rows));
            }
            if self.quiet_since.elapsed() >= self.settings.keep_alive {
                self.quiet_since = tokio::time::Instant::now();
                return Some(web::Bytes::from_static(b": keep-alive\n\n"));
            }
            tokio::time::sleep(self.settings.poll).await;
        }
    }
}

/// Events as Server-Sent Events; an event that cannot be shown is left out (and logged).
fn sse_events(rows: Vec<EventRow>) -> web::Bytes {
    let mut out = String::new();
    for row in rows {
        let (seq, kind) = (row.seq, row.kind.clone());
        match Event::try_from(row)
            .and_then(|e| serde_json::to_string(&e).map_err(|e| ApiError::internal_from(e)))
        {
            Ok(data) => out.push_str(&format!("id: {seq}\nevent: {kind}\ndata: {data}\n\n")),
            Err(e) => log::error!("event {seq} left out of a stream: {e}"),
        }
    }
    web::Bytes::from(out)
}
