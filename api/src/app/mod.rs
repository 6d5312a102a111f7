//! Business operations, callable without HTTP: each takes the caller's transaction, who acts,
//! the time and a parsed command, and answers an outcome or the area's refusal. Handlers
//! parse, call and map; the CLI, the demo seed and tests may call operations directly.
//!
//! Every write of every area lives here (see ARCHITECTURE.md); reads stay in the handlers.

pub mod accounts;
pub mod assignments;
pub mod calls;
pub mod cases;
pub mod claims;
pub mod clients;
pub mod contracts;
pub mod dealers;
pub mod devices;
pub mod dispatches;
pub mod feed;
pub mod invitations;
pub mod knowledge;
pub mod members;
pub mod notify;
pub mod periods;
pub mod readings;
pub mod registration;
pub mod self_service;
pub mod sessions;
pub mod stock;
pub mod webhooks;
