//! The black-box suite: each module talks HTTP to a real server on SQLite and PostgreSQL.
//! One binary for them all, so a build links the server once.

mod accounts;
mod api_clients;
mod attachments;
mod attacks;
mod auth;
mod caller_freshness;
mod caller_versions;
mod cases;
mod contract;
mod contracts;
mod cors;
mod dealer_integration;
mod dealer_scope;
mod dealer_users;
mod dealers;
mod demo;
mod devices;
mod event_stream;
mod feed_order;
mod feed_scope;
mod http;
mod identity;
mod knowledge;
mod language;
mod notifications;
mod outage;
mod periods;
mod reading_batches;
mod reading_races;
mod schema;
mod scope;
mod self_service;
mod stock;
mod webhooks;
