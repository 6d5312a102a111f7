//! API clients and their hashed secrets (see `fleetdesk_domain::clients`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use fleetdesk_domain::clients::{ClientOwner, Scope};

use crate::schema::{api_client_secrets, api_clients};
use crate::{Conn, DbError, DbResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
pub struct ApiClientRow {
    pub id: String,
    pub name: String,
    pub account_id: Option<String>,
    pub dealer_id: Option<String>,
    pub scopes: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
}

impl ApiClientRow {
    pub fn owner(&self) -> ClientOwner {
        match (&self.account_id, &self.dealer_id) {
            (Some(account), _) => ClientOwner::Account(account.clone()),
            (None, Some(dealer)) => ClientOwner::Dealer(dealer.clone()),
            (None, None) => ClientOwner::Manufacturer,
        }
    }

    /// The stored scopes; an unknown name fails the read, as for every stored label.
    pub fn scopes(&self) -> DbResult<Vec<Scope>> {
        self.scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|name| {
                Scope::parse(name).ok_or_else(|| {
                    DbError::Other(format!("unknown scope {name:?} in the database"))
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_client_secrets)]
pub struct ApiClientSecretRow {
    pub id: String,
    pub client_id: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert_client(conn: &mut Conn, row: &ApiClientRow) -> DbResult<()> {
    diesel::insert_into(api_clients::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_secret(conn: &mut Conn, row: &ApiClientSecretRow) -> DbResult<()> {
    diesel::insert_into(api_client_secrets::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_client(conn: &mut Conn, id: &str) -> DbResult<Option<ApiClientRow>> {
    Ok(api_clients::table
        .find(id)
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()?)
}

/// The client, if it is not revoked.
pub fn find_live_client(conn: &mut Conn, id: &str) -> DbResult<Option<ApiClientRow>> {
    Ok(api_clients::table
        .find(id)
        .filter(api_clients::revoked_at.is_null())
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()?)
}

/// The live client `id` whose secret hashes to `secret_hash` and has not expired at `now`.
pub fn authenticate(
    conn: &mut Conn,
    id: &str,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> DbResult<Option<ApiClientRow>> {
    let now = now.naive_utc();
    Ok(api_clients::table
        .inner_join(api_client_secrets::table)
        .filter(api_clients::id.eq(id))
        .filter(api_clients::revoked_at.is_null())
        .filter(api_client_secrets::secret_hash.eq(secret_hash))
        .filter(
            api_client_secrets::expires_at
                .is_null()
                .or(api_client_secrets::expires_at.gt(now)),
        )
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()?)
}

/// Which clients a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerFilter {
    All,
    Accounts(Vec<String>),
    Dealer(String),
}

/// The clients `filter` admits, revoked ones included, oldest first.
pub fn list_clients(conn: &mut Conn, filter: &OwnerFilter) -> DbResult<Vec<ApiClientRow>> {
    let mut query = api_clients::table
        .select(ApiClientRow::as_select())
        .order(api_clients::id.asc())
        .into_boxed();
    match filter {
        OwnerFilter::All => {}
        OwnerFilter::Accounts(ids) => query = query.filter(api_clients::account_id.eq_any(ids)),
        OwnerFilter::Dealer(id) => query = query.filter(api_clients::dealer_id.eq(id)),
    }
    Ok(query.load(conn)?)
}

/// Makes every secret of the client that would outlive `until` expire then (a rotation's
/// overlap); the secret written next is then the only one without an expiry.
pub fn expire_secrets(conn: &mut Conn, client_id: &str, until: DateTime<Utc>) -> DbResult<usize> {
    let until = until.naive_utc();
    Ok(diesel::update(
        api_client_secrets::table
            .filter(api_client_secrets::client_id.eq(client_id))
            .filter(
                api_client_secrets::expires_at
                    .is_null()
                    .or(api_client_secrets::expires_at.gt(until)),
            ),
    )
    .set(api_client_secrets::expires_at.eq(until))
    .execute(conn)?)
}

/// Revokes a live client; `false` when it was revoked already.
pub fn revoke(conn: &mut Conn, id: &str, by: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let changed = diesel::update(
        api_clients::table
            .find(id)
            .filter(api_clients::revoked_at.is_null()),
    )
    .set((
        api_clients::revoked_at.eq(at.naive_utc()),
        api_clients::revoked_by.eq(by),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
