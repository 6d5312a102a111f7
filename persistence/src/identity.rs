//! Users, their memberships in customer accounts, and refresh tokens.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{accounts, memberships, refresh_tokens, users};
use crate::{Conn, DbResult, utc};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub staff_role: Option<String>,
    pub email_confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UserRow {
    pub fn new(
        email: &str,
        password_hash: String,
        display_name: &str,
        staff_role: Option<&str>,
        confirmed: bool,
        at: DateTime<Utc>,
    ) -> Self {
        let at = at.naive_utc();
        Self {
            id: crate::new_id(),
            email: email.to_owned(),
            password_hash,
            display_name: display_name.to_owned(),
            staff_role: staff_role.map(str::to_owned),
            email_confirmed_at: confirmed.then_some(at),
            created_at: at,
            updated_at: at,
        }
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        utc(self.created_at)
    }
}

pub fn insert_user(conn: &mut Conn, user: &UserRow) -> DbResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

pub fn find_user(conn: &mut Conn, id: &str) -> DbResult<Option<UserRow>> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_user_by_email(conn: &mut Conn, email: &str) -> DbResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// A user's membership with the account's name, for `/me`.
#[derive(Debug, Clone, Queryable)]
pub struct MembershipView {
    pub account_id: String,
    pub account_name: String,
    pub role: String,
}

pub fn memberships_of(conn: &mut Conn, user_id: &str) -> DbResult<Vec<MembershipView>> {
    Ok(memberships::table
        .inner_join(accounts::table)
        .filter(memberships::user_id.eq(user_id))
        .order(accounts::name.asc())
        .select((memberships::account_id, accounts::name, memberships::role))
        .load(conn)?)
}

pub fn add_membership(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
    role: &str,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::account_id.eq(account_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role),
            memberships::created_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub user_id: String,
    /// Every token rotated from one sign-in shares a family; reuse revokes the family.
    pub family_id: String,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl RefreshTokenRow {
    pub fn expires_at(&self) -> DateTime<Utc> {
        utc(self.expires_at)
    }
}

pub fn insert_refresh_token(conn: &mut Conn, token: &RefreshTokenRow) -> DbResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh_token(conn: &mut Conn, token_hash: &str) -> DbResult<Option<RefreshTokenRow>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a live token used. Returns false when it was already used or revoked, so of two
/// concurrent refreshes with one token exactly one wins.
pub fn consume_refresh_token(conn: &mut Conn, id: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let updated = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(at.naive_utc()))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn revoke_family(conn: &mut Conn, family_id: &str, at: DateTime<Utc>) -> DbResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(at.naive_utc()))
    .execute(conn)?)
}
