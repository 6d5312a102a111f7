//! HTTP routes, one module per business area.

pub mod accounts;
pub mod attachments;
pub mod calls;
pub mod cases;
pub mod claims;
pub mod clients;
pub mod contracts;
pub mod dealer_users;
pub mod dealers;
pub mod devices;
pub mod dispatches;
pub mod events;
pub mod identity;
pub mod knowledge;
pub mod members;
pub mod notifications;
pub mod ops;
pub mod periods;
pub mod readings;
pub mod registration;
pub mod stock;
pub mod telemetry;
pub mod webhooks;

use actix_web::dev::HttpServiceFactory;
use utoipa_actix_web::OpenApiFactory;

/// Where the routes are registered: the contract's collector (`utoipa_actix_web`), which also
/// writes each route into the OpenAPI document, or a running app's configuration, which only
/// serves them. The contract is collected once per process; each HTTP worker only serves.
pub trait Routes {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static;
}

impl Routes for utoipa_actix_web::service_config::ServiceConfig<'_> {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        utoipa_actix_web::service_config::ServiceConfig::service(self, factory)
    }
}

impl Routes for actix_web::web::ServiceConfig {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + 'static,
    {
        actix_web::web::ServiceConfig::service(self, factory)
    }
}

/// Registers every route of `/api/v1`.
pub fn api_v1(cfg: &mut impl Routes) {
    // A request is matched against the routes in this order, one pattern after another: the
    // busiest (devices and their readings, cases) first.
    devices::routes(cfg);
    readings::routes(cfg);
    cases::routes(cfg);
    identity::routes(cfg);
    registration::routes(cfg);
    accounts::routes(cfg);
    contracts::routes(cfg);
    members::routes(cfg);
    notifications::routes(cfg);
    periods::routes(cfg);
    attachments::routes(cfg);
    dealers::routes(cfg);
    dealer_users::routes(cfg);
    calls::routes(cfg);
    dispatches::routes(cfg);
    claims::routes(cfg);
    stock::routes(cfg);
    telemetry::routes(cfg);
    knowledge::routes(cfg);
    events::routes(cfg);
    clients::routes(cfg);
    webhooks::routes(cfg);
}
