//! fleetdesk's HTTP API: the actix-web application, its auth, its OpenAPI contract, and the
//! operations around it (migrations, staff accounts, demo data).

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod callers;
pub mod clock;
pub mod config;
pub mod error;
pub mod formats;
pub mod http;
pub mod i18n;
pub mod json;
pub mod labels;
pub mod logging;
pub mod mail;
pub mod metrics;
pub mod names;
pub mod openapi;
pub mod page;
pub mod reminders;
pub mod route_table;
pub mod routes;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod views;
pub mod webhooks;
pub mod yaml;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use fleetdesk_persistence::Db;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::route_table::RouteTable;
use crate::state::AppState;
use crate::tokens::Tokens;

pub const OPENAPI_JSON_PATH: &str = "/api-docs/openapi.json";

/// How many rows of signed-in callers a process keeps read (see [`callers`]): a row (a user,
/// a membership, an assigned device) is a few dozen bytes, so about 10 MiB at most.
const CALLERS_KEPT: usize = 200_000;

/// The routes as the contract describes them.
fn contract_routes(cfg: &mut ServiceConfig) {
    routes::ops::routes(cfg);
    cfg.service(utoipa_actix_web::scope("/api/v1").configure(|c| routes::api_v1(c)));
}

/// The same routes as a worker serves them, without collecting the contract again.
fn app_routes(cfg: &mut web::ServiceConfig) {
    routes::ops::routes(cfg);
    cfg.service(web::scope("/api/v1").configure(routes::api_v1));
}

/// The contract as the code defines it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .configure(contract_routes)
        .split_for_parts();
    openapi::finish(doc)
}

/// The contract as YAML, as committed in `openapi.yaml` (safe for YAML 1.1 readers too).
pub fn openapi_yaml() -> Result<String, String> {
    let value = serde_json::to_value(openapi()).map_err(|e| e.to_string())?;
    Ok(yaml::to_yaml(&value))
}

/// The contract as JSON, as served at `/api-docs/openapi.json`.
pub fn openapi_json() -> Result<String, String> {
    openapi().to_pretty_json().map_err(|e| e.to_string())
}

/// The route table of the routes a worker serves, collected from their paths alone.
pub fn route_table() -> RouteTable {
    let mut collector = route_table::Collector::default();
    routes::ops::routes(&mut collector);
    collector.scope("/api/v1", routes::api_v1);
    collector.finish()
}

/// The contract as served at [`OPENAPI_JSON_PATH`], collected when first asked for: collecting
/// it takes tens of megabytes at its peak, which a server that is never asked keeps free.
async fn contract_json() -> Result<actix_web::HttpResponse, error::ApiError> {
    static JSON: std::sync::OnceLock<web::Bytes> = std::sync::OnceLock::new();
    let body = match JSON.get() {
        Some(json) => json.clone(),
        None => {
            let json = web::block(|| serde_json::to_vec(&openapi()))
                .await?
                .map_err(|e| {
                    error::ApiError::internal_from(format!("cannot serialise the contract: {e}"))
                })?;
            JSON.get_or_init(|| json.into()).clone()
        }
    };
    Ok(actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] fleetdesk_persistence::DbError),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
    #[error("mail: {0}")]
    Mail(String),
    #[error("background task: {0}")]
    Background(String),
}

/// A server, bound and migrated, not yet running: await `server` (or spawn it) to serve.
pub struct Built {
    pub server: Server,
    pub addr: SocketAddr,
    pub db: Db,
    /// Delivers the outbox while it lives.
    pub mail_sender: mail::Sender,
    /// Sends the reading reminders due while it lives.
    pub reminders: reminders::Reminders,
    /// Delivers webhooks while it lives.
    pub webhooks: webhooks::Deliverer,
}

/// Opens the database, applies migrations, binds `config.bind` and builds the server.
pub fn build(config: Config) -> Result<Built, StartError> {
    let db = Db::open(&config.database_url, &config.pool)?;
    let applied = db.migrate()?;
    if applied > 0 {
        log::info!("applied {applied} migration(s)");
    }
    let transport = mail::Transport::from_url(
        config.mail.smtp_url.as_deref(),
        config.mail.smtp_timeout,
        config.dev_mode,
    )
    .map_err(StartError::Mail)?;
    if matches!(transport, mail::Transport::Log { .. }) && !config.dev_mode {
        log::warn!(
            "SMTP_URL is not set: mails are not sent; the log shows their recipients and subjects only"
        );
    }
    let sender_settings = mail::SenderSettings {
        from: config
            .mail
            .from
            .parse()
            .map_err(|e| StartError::Mail(format!("MAIL_FROM is invalid: {e}")))?,
        poll_interval: config.mail.poll_interval,
        retry_base: config.mail.retry_base,
        retry_max: config.mail.retry_max,
        lease: std::time::Duration::from_secs(60),
        clock: config.clock.clone(),
        notifications: Some(config.clone()),
    };
    let mail_sender = mail::Sender::spawn(db.clone(), transport, sender_settings)
        .map_err(|e| StartError::Mail(e.to_string()))?;
    let reminders = reminders::Reminders::spawn(db.clone(), config.clone())
        .map_err(|e| StartError::Background(e.to_string()))?;
    let names = names::Names::new(&config.webhooks.nameservers)
        .map_err(|e| StartError::Background(e.to_string()))?;
    let webhooks = webhooks::Deliverer::spawn(db.clone(), config.clone(), names.clone())
        .map_err(|e| StartError::Background(e.to_string()))?;
    let state = web::Data::new(Arc::new(AppState {
        db: db.clone(),
        tokens: Tokens::new(
            &config.jwt_secret,
            config.access_token_ttl,
            config.refresh_token_ttl,
        ),
        metrics: Metrics::default(),
        routes: route_table(),
        client_limiter: throttle::ClientLimiter::new(config.client_requests_per_minute),
        callers: Arc::new(callers::CallerCache::new(CALLERS_KEPT)),
        names,
        config: config.clone(),
    }));
    let bind_error = |source| StartError::Bind {
        bind: config.bind.clone(),
        source,
    };
    let listener = TcpListener::bind(&config.bind).map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let body_limit = config.body_limit;
    let cors_origins = config.cors_allowed_origins.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(http::query_config())
            .app_data(http::path_config())
            .app_data(http::payload_config(body_limit))
            .configure(app_routes)
            .service(web::redirect("/swagger-ui", "/swagger-ui/"))
            .route(OPENAPI_JSON_PATH, web::get().to(contract_json))
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    .config(utoipa_swagger_ui::Config::new([OPENAPI_JSON_PATH])),
            )
            .default_service(web::to(http::fallback))
            .wrap(from_fn(http::idempotency))
            .wrap(from_fn(http::problem_json))
            .wrap(from_fn(http::observe))
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                http::cors(&cors_origins),
            ))
    })
    .workers(config.workers)
    // Blocking work is database work: a worker needs about its share of the pool's
    // connections in threads, not the 512 a runtime allows (each idle thread keeps memory).
    .worker_max_blocking_threads(
        usize::try_from(config.pool.max_size)
            .unwrap_or(usize::MAX)
            .div_ceil(config.workers.max(1))
            + 2,
    )
    .shutdown_timeout(5)
    .listen(listener)
    .map_err(bind_error)?
    .run();
    Ok(Built {
        server,
        addr,
        db,
        mail_sender,
        reminders,
        webhooks,
    })
}
