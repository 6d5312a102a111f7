//! API clients: created by an organisation's administrators (customer service for the
//! manufacturer), authenticated by client credentials, acting as their creator's current role
//! and their scopes allow (`fleetdesk_domain::clients`).

use chrono::{DateTime, Utc};
use fleetdesk_domain::accounts::parse_name;
use fleetdesk_domain::clients::{self as rules, ClientOwner, Scope, decide_owned, narrow};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::{Action, Role};
use fleetdesk_persistence::clients::{self as repo, ApiClientRow, ApiClientSecretRow, OwnerFilter};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity::{self as identity_repo, UserRow};
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::auth;
use crate::error::{ApiError, ErrorCode, Text};

/// The prefix of every client secret, so that a leaked one is recognisable (secret scanning).
pub const SECRET_PREFIX: &str = "fdcs_";

/// The undeliverable address of a client's own user row (RFC 2606 reserves `.invalid`).
pub const CLIENT_ADDRESS_DOMAIN: &str = "api-clients.invalid";

/// The caller an API client's token speaks for now: refused (401) once the client is revoked
/// or its creator holds no role for its owner any more.
pub fn principal(c: &mut Conn, client_id: &str, granted: &[Scope]) -> Result<Principal, ApiError> {
    let client = repo::find_live_client(c, client_id)?
        .ok_or_else(|| ApiError::unauthorized(Text::key("detail-api-client-revoked")))?;
    let held = client.scopes()?;
    let scopes = granted
        .iter()
        .copied()
        .filter(|s| held.contains(s))
        .collect();
    let ended = || ApiError::unauthorized(Text::key("detail-api-client-s-creator-no-longer"));
    let creator = identity_repo::load_principal(c, &client.created_by)?.ok_or_else(ended)?;
    narrow(creator, &client.id, &client.owner(), Some(scopes)).ok_or_else(ended)
}

/// Whose a new client is to be, as the request names it.
#[derive(Debug, Clone, Default)]
pub struct OwnerRequest {
    pub account_id: Option<String>,
    pub dealer_id: Option<String>,
}

/// A client to create: its name, scopes and owner as requested.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub owner: OwnerRequest,
}

/// The owner a creator may give what they create (an API client, a webhook): their own
/// organisation only — an account they administer, their dealer, or (customer service) the
/// manufacturer. An API client creating a webhook gives it its own owner.
pub fn owner_for(
    who: &Principal,
    requested: OwnerRequest,
    action: Action,
) -> Result<ClientOwner, ApiError> {
    let owner = match (requested.account_id, requested.dealer_id) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_field(
                "dealer_id",
                Text::key("invalid-client-belongs-account-dealer-both"),
            ));
        }
        (Some(a), None) => ClientOwner::Account(a),
        (None, Some(d)) => ClientOwner::Dealer(d),
        (None, None) => match &who.dealer {
            Some(d) if who.staff_role.is_none() => ClientOwner::Dealer(d.dealer_id.clone()),
            _ if who.staff_role.is_some() => ClientOwner::Manufacturer,
            // An API client acts for one account.
            _ if who.is_client() && who.memberships.len() == 1 => {
                ClientOwner::Account(who.memberships[0].account_id.clone())
            }
            _ => {
                return Err(ApiError::invalid_field(
                    "account_id",
                    Text::key("invalid-required-account-client-acts"),
                ));
            }
        },
    };
    auth::allowed(decide_owned(who, action, &owner))?;
    if who.staff_role.is_some() && owner != ClientOwner::Manufacturer {
        return Err(ApiError::invalid_field(
            "account_id",
            Text::key("invalid-clients-connected-by-administrators"),
        ));
    }
    Ok(owner)
}

/// Whose objects (API clients, webhooks) a list for `action` shows the caller; 403 when they
/// may list none.
pub fn owner_filter(who: &Principal, action: Action) -> Result<OwnerFilter, ApiError> {
    Ok(
        match rules::owner_scope(who, action).ok_or_else(ApiError::forbidden)? {
            rules::OwnerScope::All => OwnerFilter::All,
            rules::OwnerScope::Accounts(ids) => OwnerFilter::Accounts(ids),
            rules::OwnerScope::Dealer(id) => OwnerFilter::Dealer(id),
        },
    )
}

/// The creator's role at the owner (known to exist once `owner_for` allowed it).
fn role_at(who: &Principal, owner: &ClientOwner) -> Option<Role> {
    match owner {
        ClientOwner::Manufacturer => who.staff_role.map(Role::Staff),
        ClientOwner::Dealer(_) => who.dealer.as_ref().map(|d| Role::Dealer(d.role)),
        ClientOwner::Account(a) => who.role_in(a).map(Role::Customer),
    }
}

/// Creates a client with its first secret, in the caller's transaction; returns the client
/// and the secret (shown once, stored hashed).
pub fn create(
    c: &mut Conn,
    who: &Principal,
    new: NewClient,
    now: DateTime<Utc>,
) -> Result<(ApiClientRow, String), ApiError> {
    let owner = owner_for(who, new.owner, Action::ManageApiClients)?;
    let name = parse_name("name", &new.name, 120)?;
    if new.scopes.is_empty() {
        return Err(ApiError::invalid_field(
            "scopes",
            Text::key("invalid-name-least-one-scope"),
        ));
    }
    let useful = role_at(who, &owner)
        .map(rules::useful_scopes)
        .unwrap_or_default();
    let useless: Vec<&str> = new
        .scopes
        .iter()
        .filter(|s| !useful.contains(s))
        .map(|s| s.as_str())
        .collect();
    if !useless.is_empty() {
        return Err(ApiError::invalid_field(
            "scopes",
            Text::with(
                "invalid-scopes-grant-nothing",
                [("scopes", useless.join(", "))],
            ),
        ));
    }
    let mut scopes = Vec::new();
    for s in new.scopes {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    // The client's own user row: what it does is recorded under this id. No password
    // verifies against "!", and the address can receive nothing.
    let mut user = UserRow::new("", "!".to_owned(), &name, None, false, now);
    user.email = format!("{}@{CLIENT_ADDRESS_DOMAIN}", user.id);
    identity_repo::insert_user(c, &user)?;
    let (account_id, dealer_id) = match &owner {
        ClientOwner::Account(a) => (Some(a.clone()), None),
        ClientOwner::Dealer(d) => (None, Some(d.clone())),
        ClientOwner::Manufacturer => (None, None),
    };
    let row = ApiClientRow {
        id: user.id,
        name,
        account_id,
        dealer_id,
        scopes: rules::scope_list(&scopes),
        created_by: who.user_id.clone(),
        created_at: now.naive_utc(),
        revoked_at: None,
        revoked_by: None,
    };
    repo::insert_client(c, &row)?;
    let secret = new_secret(c, &row.id, now)?;
    event(
        c,
        EventKind::ApiClientCreated,
        &row,
        &who.user_id,
        json!({ "name": row.name, "scopes": scopes }),
        now,
    )?;
    Ok((row, secret))
}

/// A client the caller may manage; another organisation's does not exist for them.
pub fn find_managed(c: &mut Conn, who: &Principal, id: &str) -> Result<ApiClientRow, ApiError> {
    let row = repo::find_client(c, id)?.ok_or_else(ApiError::not_found)?;
    auth::allowed(decide_owned(who, Action::ManageApiClients, &row.owner()))?;
    Ok(row)
}

/// A new secret for the client; the ones it had keep working for `overlap`. Returns the
/// secret and when the previous ones stop.
pub fn rotate_secret(
    c: &mut Conn,
    who: &Principal,
    id: &str,
    overlap: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<(ApiClientRow, String, DateTime<Utc>), ApiError> {
    let row = find_managed(c, who, id)?;
    if row.revoked_at.is_some() {
        return Err(ApiError::conflict(
            ErrorCode::ApiClientRevoked,
            Text::key("detail-api-client-revoked-create-new-one"),
        ));
    }
    let until = now + chrono::Duration::from_std(overlap).map_err(ApiError::internal_from)?;
    repo::expire_secrets(c, &row.id, until)?;
    let secret = new_secret(c, &row.id, now)?;
    event(
        c,
        EventKind::ApiClientSecretRotated,
        &row,
        &who.user_id,
        json!({ "previous_secrets_expire_at": until }),
        now,
    )?;
    Ok((row, secret, until))
}

/// Revokes the client: its tokens stop at once (every request reads whether it is live).
/// Revoking a revoked client changes nothing.
pub fn revoke(c: &mut Conn, who: &Principal, id: &str, now: DateTime<Utc>) -> Result<(), ApiError> {
    let row = find_managed(c, who, id)?;
    if repo::revoke(c, &row.id, &who.user_id, now)? {
        event(
            c,
            EventKind::ApiClientRevoked,
            &row,
            &who.user_id,
            json!({ "name": row.name }),
            now,
        )?;
    }
    Ok(())
}

fn new_secret(c: &mut Conn, client_id: &str, now: DateTime<Utc>) -> Result<String, ApiError> {
    let (token, _) = auth::new_secret_token()?;
    let secret = format!("{SECRET_PREFIX}{token}");
    repo::insert_secret(
        c,
        &ApiClientSecretRow {
            id: fleetdesk_persistence::new_id(),
            client_id: client_id.to_owned(),
            secret_hash: auth::token_hash(&secret),
            created_at: now.naive_utc(),
            expires_at: None,
        },
    )?;
    Ok(secret)
}

fn event(
    c: &mut Conn,
    kind: EventKind,
    client: &ApiClientRow,
    actor: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    events::append(
        c,
        NewEvent {
            kind,
            account_id: client.account_id.as_deref(),
            subject_type: "api_client",
            subject_id: &client.id,
            device_id: None,
            dealer_id: client.dealer_id.as_deref(),
            actor_id: Some(actor),
            staff_only: false,
            payload,
            at,
        },
    )
}
