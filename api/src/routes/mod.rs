//! HTTP routes, one module per business area.

pub mod accounts;
pub mod attachments;
pub mod calls;
pub mod cases;
pub mod claims;
pub mod contracts;
pub mod dealer_users;
pub mod dealers;
pub mod devices;
pub mod dispatches;
pub mod events;
pub mod identity;
pub mod knowledge;
pub mod members;
pub mod ops;
pub mod periods;
pub mod readings;
pub mod registration;
pub mod stock;
pub mod telemetry;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every route of `/api/v1`; each lands in the OpenAPI document.
pub fn api_v1(cfg: &mut ServiceConfig) {
    identity::routes(cfg);
    registration::routes(cfg);
    accounts::routes(cfg);
    contracts::routes(cfg);
    members::routes(cfg);
    devices::routes(cfg);
    readings::routes(cfg);
    cases::routes(cfg);
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
}
