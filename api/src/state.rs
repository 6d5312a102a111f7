//! What every handler shares: the database, the token keys, the metrics, the route table.

use std::sync::Arc;

use fleetdesk_persistence::Db;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::route_table::RouteTable;
use crate::tokens::Tokens;

pub struct AppState {
    pub db: Db,
    pub tokens: Tokens,
    pub config: Config,
    pub metrics: Metrics,
    pub routes: RouteTable,
    pub client_limiter: crate::throttle::ClientLimiter,
    pub callers: Arc<crate::callers::CallerCache>,
    /// Looks up webhook targets' names.
    pub names: crate::names::Names,
}

pub type State = actix_web::web::Data<Arc<AppState>>;

/// Runs blocking diesel work on actix's blocking pool, taking the connection inside it. What
/// it logs carries the request's id; how long it waited for a thread goes to
/// [`crate::metrics::THREAD_WAITS`].
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::error::ApiError> + Send + 'static,
) -> Result<T, crate::error::ApiError> {
    let request_id = crate::logging::request_id();
    let queued = std::time::Instant::now();
    actix_web::web::block(move || {
        crate::metrics::THREAD_WAITS.record(queued.elapsed());
        crate::logging::with_request_id(request_id, f)
    })
    .await?
}

pub use crate::clock::Clock;
