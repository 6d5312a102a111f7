//! What every handler shares: the database, the token keys, the metrics, the route table.

use std::sync::Arc;

use fleetdesk_persistence::Db;

use crate::auth::Tokens;
use crate::config::Config;
use crate::http::{Metrics, RouteTable};

pub struct AppState {
    pub db: Db,
    pub tokens: Tokens,
    pub config: Config,
    pub metrics: Metrics,
    pub routes: RouteTable,
}

pub type State = actix_web::web::Data<Arc<AppState>>;

/// Runs blocking diesel work on actix's blocking pool, taking the connection inside it.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::error::ApiError> + Send + 'static,
) -> Result<T, crate::error::ApiError> {
    actix_web::web::block(f).await?
}
