//! Operations: liveness, readiness and Prometheus metrics.

use super::Routes;
use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::state::{State, blocking};

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(healthz).service(readyz).service(metrics);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
async fn readyz(state: State) -> Result<HttpResponse, ApiError> {
    let state = state.into_inner();
    blocking(move || Ok(state.db.ping()?)).await?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

/// Prometheus text: requests by route and status, a latency histogram, the pool's state.
///
/// `fleetdesk_wait_seconds` tells how long database work waited for a thread of the blocking
/// pool (`resource="thread"`) and for a pooled connection (`resource="connection"`): waits
/// that grow mean the process runs short of one or the other.
#[utoipa::path(tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
#[get("/metrics")]
async fn metrics(state: State) -> HttpResponse {
    let waits = [
        ("thread", crate::metrics::THREAD_WAITS.snapshot()),
        ("connection", state.db.pool_waits()),
    ];
    let text = state
        .metrics
        .render(state.db.pool_state(), state.db.max_size(), &waits);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
