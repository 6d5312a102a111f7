//! Attempts that cost an attacker nothing — sign-ins, mails to strangers — are counted per
//! key in the database before they are evaluated, so the limits hold across concurrent
//! requests and server processes (see `fleetdesk_domain::throttle`).

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::throttle::{self, Claim, ThrottlePolicy, ThrottleState};
use fleetdesk_persistence::identity::{self as repo, ThrottleRow};
use fleetdesk_persistence::{Conn, Db};

use crate::error::{ApiError, ErrorCode, Text};

/// One counted key and its policy.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub policy: &'static ThrottlePolicy,
    /// A success forgets the key's failures (the address's owner proved themselves); other
    /// keys only get the attempt back.
    pub forget_on_success: bool,
}

impl Key {
    fn new(name: String, policy: &'static ThrottlePolicy, forget_on_success: bool) -> Self {
        Self {
            name,
            policy,
            forget_on_success,
        }
    }
}

/// The client a request comes from: the peer, or — when the peer is a trusted proxy — the
/// nearest address in `X-Forwarded-For` that is not a trusted proxy itself.
pub fn client_of(req: &HttpRequest, trusted: &[ipnet::IpNet]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".to_owned();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(forwarded.first())
        .unwrap_or(&peer)
        .to_string()
}

/// The keys of a sign-in: the address from this client (strict), the address from anywhere
/// (a higher ceiling), and the client.
pub fn sign_in_keys(email: &str, client: &str) -> Vec<Key> {
    credential_keys("email", &email.trim().to_lowercase(), client)
}

/// The keys of an API client's token request, as for a sign-in: its id from this network
/// client, its id from anywhere, and the network client (shared with sign-ins).
pub fn client_credential_keys(client_id: &str, client: &str) -> Vec<Key> {
    credential_keys("api-client", client_id, client)
}

fn credential_keys(kind: &str, id: &str, client: &str) -> Vec<Key> {
    vec![
        Key::new(
            format!("{kind}-client:{id}|{client}"),
            &ThrottlePolicy::PER_ADDRESS_AND_CLIENT,
            true,
        ),
        Key::new(format!("{kind}:{id}"), &ThrottlePolicy::PER_ADDRESS, true),
        Key::new(
            format!("client:{client}"),
            &ThrottlePolicy::PER_CLIENT,
            false,
        ),
    ]
}

/// The keys of a mail sent on an unauthenticated request.
pub fn mail_keys(email: &str, client: &str) -> Vec<Key> {
    vec![
        Key::new(
            format!("mail:{}", email.trim().to_lowercase()),
            &ThrottlePolicy::MAILS_PER_ADDRESS,
            false,
        ),
        Key::new(
            format!("mail-client:{client}"),
            &ThrottlePolicy::MAILS_PER_CLIENT,
            false,
        ),
    ]
}

fn state_of(row: &ThrottleRow) -> ThrottleState {
    ThrottleState {
        failures: u32::try_from(row.failures).unwrap_or(0),
        window_started: row.window_started.and_utc(),
        blocked_until: row.blocked_until.map(|t| t.and_utc()),
    }
}

fn row_of(key: &str, state: &ThrottleState) -> ThrottleRow {
    ThrottleRow {
        key: key.to_owned(),
        failures: i32::try_from(state.failures).unwrap_or(i32::MAX),
        window_started: state.window_started.naive_utc(),
        blocked_until: state.blocked_until.map(|t| t.naive_utc()),
    }
}

pub fn too_many(code: ErrorCode, detail: Text, wait: chrono::Duration) -> ApiError {
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, detail);
    e.retry_after = Some(u64::try_from(wait.num_seconds() + 1).unwrap_or(1));
    e
}

/// Claims one attempt on every key in one write transaction: all are counted, or — when
/// any key is blocked or this attempt is past its free ones — none is and the longest wait
/// comes back as `Err`.
pub fn claim(
    db: &Db,
    keys: &[Key],
    now: DateTime<Utc>,
) -> Result<Result<(), chrono::Duration>, ApiError> {
    let mut ordered: Vec<&Key> = keys.iter().collect();
    // One lock order for every request: two claims never wait on each other in a circle.
    ordered.sort_by(|a, b| a.name.cmp(&b.name));
    db.write(|c| -> Result<_, ApiError> {
        let mut allowed = Vec::new();
        let mut refused = Vec::new();
        let mut wait = None;
        for key in ordered {
            let current = repo::lock_throttle(c, &key.name, now)?.map(|r| state_of(&r));
            match throttle::claim(key.policy, current.as_ref(), now) {
                Claim::Allowed(next) => allowed.push(row_of(&key.name, &next)),
                Claim::Blocked(w) => wait = wait.max(Some(w)),
                Claim::Refused(next, w) => {
                    refused.push(row_of(&key.name, &next));
                    wait = wait.max(Some(w));
                }
            }
        }
        let save = if wait.is_some() { refused } else { allowed };
        for row in &save {
            repo::save_throttle(c, row)?;
        }
        Ok(wait.map_or(Ok(()), Err))
    })
}

/// A claimed attempt succeeded (the password was right): it does not count, and the
/// address's failures are forgotten — the owner proved themselves.
pub fn succeeded(c: &mut Conn, keys: &[Key], now: DateTime<Utc>) -> Result<(), ApiError> {
    for key in keys {
        if key.forget_on_success {
            repo::clear_throttle(c, &key.name)?;
        } else if let Some(row) = repo::lock_throttle(c, &key.name, now)? {
            let refunded = throttle::refund(&state_of(&row));
            repo::save_throttle(c, &row_of(&key.name, &refunded))?;
        }
    }
    Ok(())
}

/// Each API client's request rate in this server process (`CLIENT_REQUESTS_PER_MINUTE`): a
/// burst of a minute's requests, then an even rate; beyond it `429` with `Retry-After`.
pub struct ClientLimiter {
    rate: throttle::Rate,
    next: std::sync::Mutex<std::collections::HashMap<String, DateTime<Utc>>>,
}

/// Clients remembered before the idle ones are forgotten (an idle client's state is its
/// full burst, the same as none).
const LIMITER_KEYS: usize = 10_000;

impl ClientLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            rate: throttle::Rate { per_minute },
            next: std::sync::Mutex::default(),
        }
    }

    pub fn admit(&self, client_id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
        let mut next = self.next.lock().map_err(|_| ApiError::internal())?;
        if next.len() >= LIMITER_KEYS {
            next.retain(|_, tat| *tat > now);
        }
        match self.rate.admit(next.get(client_id).copied(), now) {
            Ok(tat) => {
                next.insert(client_id.to_owned(), tat);
                Ok(())
            }
            Err(wait) => {
                let secs = u64::try_from(wait.num_seconds()).unwrap_or(0) + 1;
                Err(ApiError {
                    retry_after: Some(secs),
                    ..ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        ErrorCode::RateLimited,
                        Text::with(
                            "detail-client-rate",
                            [
                                ("rate", self.rate.per_minute.to_string()),
                                ("seconds", secs.to_string()),
                            ],
                        ),
                    )
                })
            }
        }
    }
}
