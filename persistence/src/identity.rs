//! Users, their memberships in customer accounts, and refresh tokens.

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use fleetdesk_domain::identity::{
    CustomerRole, DealerMembership, DealerRole, Membership, Principal, StaffRole, TokenPurpose,
};
use fleetdesk_domain::knowledge::Language;
use fleetdesk_domain::labels::Label;
use fleetdesk_domain::membership::JoinRequestStatus;

use crate::labels::Stored;
use crate::schema::{
    accounts, email_tokens, invitations, join_requests, login_throttle, memberships,
    password_resets, refresh_tokens, users,
};
use crate::{Conn, DbError, DbResult, utc};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub staff_role: Option<Stored<StaffRole>>,
    pub email_confirmed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub dealer_id: Option<String>,
    pub dealer_role: Option<Stored<DealerRole>>,
    /// The language texts are written to this user in, when they chose (or registered with) one.
    pub language: Option<Stored<Language>>,
}

impl UserRow {
    pub fn new(
        email: &str,
        password_hash: String,
        display_name: &str,
        staff_role: Option<StaffRole>,
        confirmed: bool,
        at: DateTime<Utc>,
    ) -> Self {
        let at = at.naive_utc();
        Self {
            id: crate::new_id(),
            email: email.to_owned(),
            password_hash,
            display_name: display_name.to_owned(),
            staff_role: staff_role.map(Stored),
            email_confirmed_at: confirmed.then_some(at),
            created_at: at,
            updated_at: at,
            dealer_id: None,
            dealer_role: None,
            language: None,
        }
    }

    /// The language to write to this user in: theirs, else English.
    pub fn language(&self) -> Language {
        self.language.map_or(Language::En, |l| *l)
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
    pub role: Stored<CustomerRole>,
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
    role: CustomerRole,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::account_id.eq(account_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(Stored(role)),
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

/// When the sign-in a refresh token belongs to began: its family's first token.
pub fn session_started(conn: &mut Conn, family_id: &str) -> DbResult<Option<DateTime<Utc>>> {
    let first: Option<NaiveDateTime> = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family_id))
        .select(diesel::dsl::min(refresh_tokens::issued_at))
        .first(conn)?;
    Ok(first.map(utc))
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

/// Sets a user's address and makes it unconfirmed again.
pub fn set_email(conn: &mut Conn, user_id: &str, email: &str, at: DateTime<Utc>) -> DbResult<()> {
    let n = diesel::update(users::table.find(user_id))
        .set((
            users::email.eq(email),
            users::email_confirmed_at.eq(None::<NaiveDateTime>),
            users::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

/// Marks the address confirmed if it is still `email` (a later correction wins).
pub fn confirm_email(
    conn: &mut Conn,
    user_id: &str,
    email: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let n = diesel::update(users::table.find(user_id).filter(users::email.eq(email)))
        .set((
            users::email_confirmed_at.eq(Some(at.naive_utc())),
            users::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_all_refresh_tokens(
    conn: &mut Conn,
    user_id: &str,
    at: DateTime<Utc>,
) -> DbResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(at.naive_utc()))
    .execute(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = email_tokens)]
pub struct EmailTokenRow {
    pub id: String,
    pub user_id: String,
    pub purpose: Stored<TokenPurpose>,
    /// The address the token confirms: a token mailed before a correction confirms nothing.
    pub email: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    /// The password of the registration this token was mailed for: confirming applies it.
    pub password_hash: Option<String>,
}

impl EmailTokenRow {
    pub fn expires_at(&self) -> DateTime<Utc> {
        utc(self.expires_at)
    }
}

pub fn insert_email_token(conn: &mut Conn, row: &EmailTokenRow) -> DbResult<()> {
    diesel::insert_into(email_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_email_token(conn: &mut Conn, token_hash: &str) -> DbResult<Option<EmailTokenRow>> {
    Ok(email_tokens::table
        .filter(email_tokens::token_hash.eq(token_hash))
        .select(EmailTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Uses a token once: false when it was used already (or concurrently).
pub fn use_email_token(conn: &mut Conn, id: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let n = diesel::update(
        email_tokens::table
            .find(id)
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(Some(at.naive_utc())))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends every unused token of a user.
pub fn expire_email_tokens(conn: &mut Conn, user_id: &str, at: DateTime<Utc>) -> DbResult<usize> {
    Ok(diesel::update(
        email_tokens::table
            .filter(email_tokens::user_id.eq(user_id))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(Some(at.naive_utc())))
    .execute(conn)?)
}

/// Ends the unused tokens of a user that carry `password_hash` (`None`: those carrying no
/// password), so only the newest mail of one registration works.
pub fn expire_email_tokens_carrying(
    conn: &mut Conn,
    user_id: &str,
    password_hash: Option<&str>,
    at: DateTime<Utc>,
) -> DbResult<usize> {
    let tokens = email_tokens::table
        .filter(email_tokens::user_id.eq(user_id))
        .filter(email_tokens::used_at.is_null());
    let query = diesel::update(tokens).set(email_tokens::used_at.eq(Some(at.naive_utc())));
    Ok(match password_hash {
        Some(hash) => query
            .filter(email_tokens::password_hash.eq(hash))
            .execute(conn)?,
        None => query
            .filter(email_tokens::password_hash.is_null())
            .execute(conn)?,
    })
}

/// The newest unused, unexpired confirmation token of a user.
pub fn newest_open_email_token(
    conn: &mut Conn,
    user_id: &str,
    now: DateTime<Utc>,
) -> DbResult<Option<EmailTokenRow>> {
    Ok(email_tokens::table
        .filter(email_tokens::user_id.eq(user_id))
        .filter(email_tokens::used_at.is_null())
        .filter(email_tokens::expires_at.gt(now.naive_utc()))
        .order((email_tokens::created_at.desc(), email_tokens::id.desc()))
        .select(EmailTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Sets the password of a user whose address is still unconfirmed and `email`, and confirms
/// it: whoever proves the address owns the password. False when the user was confirmed or
/// changed address meanwhile.
pub fn claim_unconfirmed(
    conn: &mut Conn,
    user_id: &str,
    email: &str,
    password_hash: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let n = diesel::update(
        users::table
            .find(user_id)
            .filter(users::email.eq(email))
            .filter(users::email_confirmed_at.is_null()),
    )
    .set((
        users::password_hash.eq(password_hash),
        users::email_confirmed_at.eq(Some(at.naive_utc())),
        users::updated_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn set_password(
    conn: &mut Conn,
    user_id: &str,
    password_hash: &str,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The columns of a [`MemberView`].
const MEMBER_COLUMNS: (
    users::id,
    users::email,
    users::display_name,
    users::email_confirmed_at,
    memberships::role,
    memberships::created_at,
) = (
    users::id,
    users::email,
    users::display_name,
    users::email_confirmed_at,
    memberships::role,
    memberships::created_at,
);

/// A member of an account, for the members list.
#[derive(Debug, Clone, Queryable)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub email_confirmed_at: Option<NaiveDateTime>,
    pub role: Stored<CustomerRole>,
    pub joined_at: NaiveDateTime,
}

pub fn members_of(
    conn: &mut Conn,
    account_id: &str,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Vec<MemberView>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::account_id.eq(account_id))
        .select(MEMBER_COLUMNS)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_owned()));
    }
    Ok(query.order(users::id.asc()).limit(limit + 1).load(conn)?)
}

pub fn find_member(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
) -> DbResult<Option<MemberView>> {
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::account_id.eq(account_id))
        .filter(memberships::user_id.eq(user_id))
        .select(MEMBER_COLUMNS)
        .first(conn)
        .optional()?)
}

pub fn count_members_with_role(
    conn: &mut Conn,
    account_id: &str,
    role: CustomerRole,
) -> DbResult<i64> {
    Ok(memberships::table
        .filter(memberships::account_id.eq(account_id))
        .filter(memberships::role.eq(Stored(role)))
        .count()
        .get_result(conn)?)
}

pub fn set_member_role(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
    role: CustomerRole,
) -> DbResult<()> {
    diesel::update(memberships::table.find((account_id, user_id)))
        .set(memberships::role.eq(Stored(role)))
        .execute(conn)?;
    Ok(())
}

pub fn remove_member(conn: &mut Conn, account_id: &str, user_id: &str) -> DbResult<()> {
    diesel::delete(memberships::table.find((account_id, user_id))).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations)]
pub struct InvitationRow {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub role: Stored<CustomerRole>,
    pub token_hash: String,
    pub invited_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
    /// JSON array of device ids assigned on acceptance.
    pub device_ids: Option<String>,
    /// JSON array of stock location ids assigned on acceptance.
    pub stock_location_ids: Option<String>,
}

impl InvitationRow {
    pub fn expires_at(&self) -> DateTime<Utc> {
        utc(self.expires_at)
    }
    pub fn created_at(&self) -> DateTime<Utc> {
        utc(self.created_at)
    }
}

pub fn insert_invitation(conn: &mut Conn, row: &InvitationRow) -> DbResult<()> {
    diesel::insert_into(invitations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_invitation_by_token(
    conn: &mut Conn,
    token_hash: &str,
) -> DbResult<Option<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_invitation(
    conn: &mut Conn,
    account_id: &str,
    id: &str,
) -> DbResult<Option<InvitationRow>> {
    Ok(invitations::table
        .filter(invitations::account_id.eq(account_id))
        .filter(invitations::id.eq(id))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_invitations(
    conn: &mut Conn,
    account_id: &str,
    after: Option<&str>,
    limit: i64,
) -> DbResult<crate::Page<InvitationRow>> {
    let mut query = invitations::table
        .filter(invitations::account_id.eq(account_id))
        .select(InvitationRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(invitations::id.gt(after.to_owned()));
    }
    let rows = query
        .order(invitations::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(crate::Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// Revokes an open invitation; false when it was accepted or revoked already.
pub fn revoke_invitation(conn: &mut Conn, id: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let n = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(Some(at.naive_utc())))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every open invitation `user_id` sent for the account (they are leaving it).
pub fn revoke_invitations_by(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> DbResult<usize> {
    Ok(diesel::update(
        invitations::table
            .filter(invitations::account_id.eq(account_id))
            .filter(invitations::invited_by.eq(user_id))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(Some(at.naive_utc())))
    .execute(conn)?)
}

/// Accepts an open invitation once: false when it was accepted or revoked meanwhile.
pub fn accept_invitation(
    conn: &mut Conn,
    id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let n = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set((
        invitations::accepted_at.eq(Some(at.naive_utc())),
        invitations::accepted_by.eq(Some(user_id)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = join_requests)]
pub struct JoinRequestRow {
    pub id: String,
    pub account_id: String,
    pub user_id: String,
    pub status: Stored<JoinRequestStatus>,
    pub created_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub granted_role: Option<Stored<CustomerRole>>,
    pub reason: Option<String>,
}

pub fn insert_join_request(conn: &mut Conn, row: &JoinRequestRow) -> DbResult<()> {
    diesel::insert_into(join_requests::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A join request with the requesting user's address and name.
#[derive(Debug, Clone, Queryable)]
pub struct JoinRequestView {
    pub request: JoinRequestRow,
    pub email: String,
    pub display_name: String,
    pub email_confirmed_at: Option<NaiveDateTime>,
}

pub fn list_join_requests(
    conn: &mut Conn,
    account_id: &str,
    status: Option<JoinRequestStatus>,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Vec<JoinRequestView>> {
    let mut query = join_requests::table
        .inner_join(users::table)
        .filter(join_requests::account_id.eq(account_id))
        .select((
            JoinRequestRow::as_select(),
            users::email,
            users::display_name,
            users::email_confirmed_at,
        ))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(join_requests::status.eq(Stored(status)));
    }
    if let Some(after) = after {
        query = query.filter(join_requests::id.gt(after.to_owned()));
    }
    Ok(query
        .order(join_requests::id.asc())
        .limit(limit + 1)
        .load(conn)?)
}

pub fn find_join_request(
    conn: &mut Conn,
    account_id: &str,
    id: &str,
) -> DbResult<Option<JoinRequestView>> {
    Ok(join_requests::table
        .inner_join(users::table)
        .filter(join_requests::account_id.eq(account_id))
        .filter(join_requests::id.eq(id))
        .select((
            JoinRequestRow::as_select(),
            users::email,
            users::display_name,
            users::email_confirmed_at,
        ))
        .first(conn)
        .optional()?)
}

/// Decides a pending request once: false when it was decided meanwhile.
pub fn decide_join_request(
    conn: &mut Conn,
    id: &str,
    status: JoinRequestStatus,
    by: &str,
    granted_role: Option<CustomerRole>,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let n = diesel::update(
        join_requests::table
            .find(id)
            .filter(join_requests::status.eq(Stored(JoinRequestStatus::Pending))),
    )
    .set((
        join_requests::status.eq(Stored(status)),
        join_requests::decided_by.eq(Some(by)),
        join_requests::decided_at.eq(Some(at.naive_utc())),
        join_requests::granted_role.eq(granted_role.map(Stored)),
        join_requests::reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Failed sign-ins of one key (an address or a client).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = login_throttle)]
#[diesel(treat_none_as_null = true)]
pub struct ThrottleRow {
    pub key: String,
    pub failures: i32,
    pub window_started: NaiveDateTime,
    pub blocked_until: Option<NaiveDateTime>,
}

/// A key's state, locked until the end of the caller's write transaction so that concurrent
/// attempts on one key are counted one after another (on SQLite the write transaction itself
/// serialises them). A key seen for the first time gets a row with no failures.
pub fn lock_throttle(
    conn: &mut Conn,
    key: &str,
    now: DateTime<Utc>,
) -> DbResult<Option<ThrottleRow>> {
    if let Conn::Postgresql(pg) = conn {
        diesel::sql_query(
            "INSERT INTO login_throttle (key, failures, window_started) VALUES ($1, 0, $2) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind::<diesel::sql_types::Text, _>(key)
        .bind::<diesel::sql_types::Timestamp, _>(now.naive_utc())
        .execute(pg)?;
        return Ok(login_throttle::table
            .find(key)
            .select(ThrottleRow::as_select())
            .for_update()
            .first(pg)
            .optional()?);
    }
    find_throttle(conn, key)
}

pub fn find_throttle(conn: &mut Conn, key: &str) -> DbResult<Option<ThrottleRow>> {
    Ok(login_throttle::table
        .find(key)
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a key's state; call it inside a write transaction.
pub fn save_throttle(conn: &mut Conn, row: &ThrottleRow) -> DbResult<()> {
    let updated = diesel::update(login_throttle::table.find(&row.key))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(login_throttle::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear_throttle(conn: &mut Conn, key: &str) -> DbResult<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Everything the authorization of a request needs about its caller, as one JSON text: the
/// user, their memberships, and the devices (one by one and by site) and stock locations they
/// are responsible for, one array per row. An expression, so that a request's first query can
/// read its caller in the same round trip (see [`CallerSince`]); alone it is
/// [`load_caller_since`]. Written out rather than built with the query builder, which cannot
/// say UNION ALL. [`read_caller`] reads the text.
///
/// A reader that already holds the caller at a version (see migration 000029: every change
/// to these rows moves the user's `caller_version` on) asks for the version alone: `ROWS` is
/// then false, the expression NULL, and the statement carries none of the rows' plan
/// (PostgreSQL starts every part of a plan for each execution, even a part it never runs).
/// The two are two types, so that a statement carrying either has a static query id: diesel
/// finds its prepared statement without writing its SQL out again for every execution.
#[derive(Debug, Clone, Copy)]
pub struct CallerJson<'a, const ROWS: bool> {
    user_id: &'a str,
}

/// The user's `caller_version`, NULL when there is no such user.
#[derive(Debug, Clone, Copy)]
pub struct CallerVersion<'a> {
    user_id: &'a str,
}

/// The caller as two expressions a query can select beside its own columns: their
/// `caller_version`, and their rows ([`CallerJson`]) unless the reader already holds them at a
/// version — then it reads the version alone and compares (see [`read_caller`]). Both are
/// read in the statement's one snapshot. Their values are [`CallerRows`].
pub type CallerSince<'a, const ROWS: bool> = (CallerVersion<'a>, CallerJson<'a, ROWS>);

/// [`CallerSince`] with the rows, for a reader that holds no version.
pub fn caller_rows(user_id: &str) -> CallerSince<'_, true> {
    (CallerVersion { user_id }, CallerJson { user_id })
}

/// [`CallerSince`] without the rows, for a reader that holds the caller at a version.
pub fn caller_version_only(user_id: &str) -> CallerSince<'_, false> {
    (CallerVersion { user_id }, CallerJson { user_id })
}

/// Evaluates `$body` with `$caller` the caller `$user_id` as a query selects them when the
/// reader holds them at version `$known` (an `Option<i64>`): [`caller_version_only`] when it
/// does, [`caller_rows`] when not. `$body` is written once and compiled for each.
macro_rules! caller_since {
    ($user_id:expr, $known:expr, |$caller:ident| $body:expr) => {
        match $known {
            Some(_) => {
                let $caller = $crate::identity::caller_version_only($user_id);
                $body
            }
            None => {
                let $caller = $crate::identity::caller_rows($user_id);
                $body
            }
        }
    };
}
pub(crate) use caller_since;

/// What a statement read of its caller with [`CallerSince`]: the version, and the rows if
/// the reader held no version.
pub type CallerRows = (Option<i64>, Option<String>);

/// How a backend says the JSON of [`CallerJson`].
pub trait CallerJsonSql: diesel::backend::Backend {
    /// Aggregates the rows `r` (columns k, a…f) into one JSON array of arrays.
    const AGGREGATE: &'static str;
    /// `signed_out_before` in whole seconds since the epoch, as text.
    const SIGNED_OUT_SECONDS: &'static str;
}

impl CallerJsonSql for diesel::pg::Pg {
    const AGGREGATE: &'static str =
        "(SELECT json_agg(json_build_array(k, a, b, c, d, e, f))::text FROM (";
    const SIGNED_OUT_SECONDS: &'static str =
        "floor(extract(epoch FROM signed_out_before))::bigint::text";
}

impl CallerJsonSql for diesel::sqlite::Sqlite {
    const AGGREGATE: &'static str =
        "(SELECT json_group_array(json_array(k, a, b, c, d, e, f)) FROM (";
    const SIGNED_OUT_SECONDS: &'static str = "CAST(strftime('%s', signed_out_before) AS TEXT)";
}

/// The parts of a hand-written scalar expression diesel needs to select it anywhere.
macro_rules! scalar_expression {
    ($name:ident $(<const $c:ident: bool>)?, $sql_type:ty) => {
        impl<$(const $c: bool)?> diesel::expression::Expression for $name<'_ $(, $c)?> {
            type SqlType = $sql_type;
        }

        impl<QS $(, const $c: bool)?> diesel::expression::SelectableExpression<QS>
            for $name<'_ $(, $c)?>
        {
        }

        impl<QS $(, const $c: bool)?> diesel::expression::AppearsOnTable<QS>
            for $name<'_ $(, $c)?>
        {
        }

        impl<G $(, const $c: bool)?> diesel::expression::ValidGrouping<G> for $name<'_ $(, $c)?> {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }
    };
}

scalar_expression!(
    CallerJson<const ROWS: bool>,
    diesel::sql_types::Nullable<diesel::sql_types::Text>
);

impl<const ROWS: bool> diesel::query_builder::QueryId for CallerJson<'_, ROWS> {
    type QueryId = CallerJson<'static, ROWS>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

scalar_expression!(
    CallerVersion,
    diesel::sql_types::Nullable<diesel::sql_types::BigInt>
);

impl diesel::query_builder::QueryId for CallerVersion<'_> {
    type QueryId = CallerVersion<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for CallerVersion<'_>
where
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("(SELECT caller_version FROM users WHERE id = ");
        out.push_bind_param::<diesel::sql_types::Text, str>(self.user_id)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<DB: CallerJsonSql, const ROWS: bool> diesel::query_builder::QueryFragment<DB>
    for CallerJson<'_, ROWS>
where
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        use diesel::sql_types::Text;
        if !ROWS {
            out.push_sql("CAST(NULL AS TEXT)");
            return Ok(());
        }
        out.push_sql(DB::AGGREGATE);
        out.push_sql(
            "SELECT 'user' AS k, id AS a, staff_role AS b, dealer_id AS c, dealer_role AS d, ",
        );
        out.push_sql(DB::SIGNED_OUT_SECONDS);
        out.push_sql(" AS e, language AS f FROM users WHERE id = ");
        let rest = [
            " UNION ALL SELECT 'member', account_id, role, NULL, NULL, NULL, NULL \
               FROM memberships WHERE user_id = ",
            " UNION ALL SELECT 'device', account_id, device_id, NULL, NULL, NULL, NULL \
               FROM device_assignments WHERE user_id = ",
            " UNION ALL SELECT 'device', d.account_id, d.id, NULL, NULL, NULL, NULL \
               FROM site_assignments s JOIN devices d ON d.site_id = s.site_id WHERE s.user_id = ",
            " UNION ALL SELECT 'stock', account_id, stock_location_id, NULL, NULL, NULL, NULL \
               FROM stock_assignments WHERE user_id = ",
        ];
        out.push_bind_param::<Text, str>(self.user_id)?;
        for part in rest {
            out.push_sql(part);
            out.push_bind_param::<Text, str>(self.user_id)?;
        }
        out.push_sql(") r)");
        Ok(())
    }
}

/// Everything the authorization of a request needs about its caller, read in one round trip:
/// see [`CallerJson`]. `None` when the user no longer exists.
pub fn load_principal(conn: &mut Conn, user_id: &str) -> DbResult<Option<Principal>> {
    Ok(load_caller(conn, user_id)?.map(|caller| Arc::unwrap_or_clone(caller.principal)))
}

/// A caller as a request reads them.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Arc<Principal>,
    /// Access tokens issued before this instant are refused (a changed or reset password
    /// signs out everywhere).
    pub signed_out_before: Option<DateTime<Utc>>,
    /// The language they chose, if any.
    pub language: Option<Language>,
}

/// [`load_principal`], with what the request itself needs of the user.
pub fn load_caller(conn: &mut Conn, user_id: &str) -> DbResult<Option<Caller>> {
    Ok(
        match read_caller(load_caller_since(conn, user_id, None)?, None)? {
            CallerRead::Read(_, caller) => Some(caller),
            CallerRead::Gone | CallerRead::Unchanged | CallerRead::Moved => None,
        },
    )
}

/// The caller's [`CallerRows`] on their own (see [`CallerSince`]).
pub fn load_caller_since(
    conn: &mut Conn,
    user_id: &str,
    known: Option<i64>,
) -> DbResult<CallerRows> {
    Ok(caller_since!(user_id, known, |caller| match conn {
        Conn::Postgresql(pg) => diesel::select(caller).get_result(pg)?,
        Conn::Sqlite(lite) => diesel::select(caller).get_result(lite)?,
    }))
}

/// A caller as [`read_caller`] found them.
#[derive(Debug)]
pub enum CallerRead {
    /// No such user (any more).
    Gone,
    /// Still at the version known to the reader.
    Unchanged,
    /// At another version than the one known, and not read: read them with
    /// [`load_caller_since`]`(_, _, None)`.
    Moved,
    /// Read at this version.
    Read(i64, Caller),
}

/// Reads the [`CallerRows`] a statement selected with [`CallerSince`].
pub fn read_caller(rows: CallerRows, known: Option<i64>) -> DbResult<CallerRead> {
    Ok(match (rows, known) {
        ((None, _), _) => CallerRead::Gone,
        ((Some(version), _), Some(known)) if version == known => CallerRead::Unchanged,
        ((Some(_), _), Some(_)) => CallerRead::Moved,
        ((Some(version), json), None) => match parse_caller(json.as_deref())? {
            Some(caller) => CallerRead::Read(version, caller),
            None => CallerRead::Gone,
        },
    })
}

/// The caller [`CallerJson`] read: `None` when the user no longer exists.
fn parse_caller(json: Option<&str>) -> DbResult<Option<Caller>> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    fn label<L: Label>(name: Option<String>) -> DbResult<L> {
        let name = name.unwrap_or_default();
        L::from_name(&name)
            .ok_or_else(|| DbError::Other(format!("unknown {} {name:?} in the database", L::WHAT)))
    }
    let rows: Vec<Row> = match json {
        None => Vec::new(),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| DbError::Other(format!("the caller's rows are unreadable: {e}")))?,
    };
    let mut principal: Option<Principal> = None;
    let mut signed_out_before = None;
    let mut language = None;
    let (mut memberships, mut devices, mut stock) = (Vec::new(), Vec::new(), Vec::new());
    for (kind, a, b, c, d, e, f) in rows {
        match kind.as_str() {
            "user" => {
                signed_out_before = match e {
                    None => None,
                    Some(seconds) => Some(
                        seconds
                            .parse::<i64>()
                            .ok()
                            .and_then(|s| DateTime::from_timestamp(s, 0))
                            .ok_or_else(|| {
                                DbError::Other(format!("unreadable sign-out time {seconds:?}"))
                            })?,
                    ),
                };
                language = f.as_deref().and_then(Language::from_name);
                principal = Some(Principal {
                    user_id: a,
                    staff_role: b.map(|r| label(Some(r))).transpose()?,
                    dealer: match (c, d) {
                        (Some(dealer_id), role @ Some(_)) => Some(DealerMembership {
                            dealer_id,
                            role: label(role)?,
                        }),
                        _ => None,
                    },
                    memberships: Vec::new(),
                    assigned_devices: Vec::new(),
                    assigned_stock_locations: Vec::new(),
                    scopes: None,
                })
            }
            "member" => memberships.push(Membership {
                account_id: a,
                role: label(b)?,
            }),
            "device" => devices.push((a, b.unwrap_or_default())),
            _ => stock.push((a, b.unwrap_or_default())),
        }
    }
    Ok(principal.map(|mut p| {
        memberships.sort_by(|x, y| x.account_id.cmp(&y.account_id));
        devices.sort();
        devices.dedup();
        stock.sort();
        p.memberships = memberships;
        p.assigned_devices = devices;
        p.assigned_stock_locations = stock;
        Caller {
            principal: Arc::new(p),
            signed_out_before,
            language,
        }
    }))
}

/// A user's display name and language, each when given.
pub fn set_profile(
    conn: &mut Conn,
    user_id: &str,
    display_name: Option<&str>,
    language: Option<Language>,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            display_name.map(|n| users::display_name.eq(n.to_owned())),
            language.map(|l| users::language.eq(Some(Stored(l)))),
            users::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user's saved language, if any.
pub fn language_of(conn: &mut Conn, user_id: &str) -> DbResult<Option<Language>> {
    Ok(users::table
        .find(user_id)
        .select(users::language)
        .first::<Option<Stored<Language>>>(conn)
        .optional()?
        .flatten()
        .map(|l| *l))
}

/// Ends every sign-in of the user: refresh tokens revoked, access tokens issued before `at`
/// (whole seconds, as tokens count them) refused.
pub fn sign_out_everywhere(conn: &mut Conn, user_id: &str, at: DateTime<Utc>) -> DbResult<()> {
    revoke_all_refresh_tokens(conn, user_id, at)?;
    let second = DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at);
    diesel::update(users::table.find(user_id))
        .set(users::signed_out_before.eq(Some(second.naive_utc())))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = password_resets)]
pub struct PasswordResetRow {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// A new reset token for the user; the ones they had stop working.
pub fn insert_password_reset(conn: &mut Conn, row: &PasswordResetRow) -> DbResult<()> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(&row.user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::expires_at.eq(row.created_at))
    .execute(conn)?;
    diesel::insert_into(password_resets::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Uses the reset token with this hash, if it is unused and unexpired at `now`: its user.
/// A token works once, however many requests race for it.
pub fn use_password_reset(
    conn: &mut Conn,
    token_hash: &str,
    now: DateTime<Utc>,
) -> DbResult<Option<String>> {
    let now = now.naive_utc();
    let Some(row) = password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .select(PasswordResetRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    if row.used_at.is_some() || row.expires_at <= now {
        return Ok(None);
    }
    let used = diesel::update(
        password_resets::table
            .find(&row.id)
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    Ok((used == 1).then_some(row.user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: &str = r#"[["user","u1","technician",null,null,"1764669600","sv"],
        ["member","a1","device-manager",null,null,null,null],
        ["device","a1","d2",null,null,null,null],["device","a1","d1",null,null,null,null],
        ["device","a1","d1",null,null,null,null],["stock","a1","s1",null,null,null,null]]"#;

    /// diesel finds a prepared statement by its query id: the two forms must never share one,
    /// or a statement prepared for one would run for the other.
    #[test]
    fn the_two_forms_of_the_caller_have_static_query_ids_of_their_own() {
        use diesel::query_builder::QueryId;
        let rows = <CallerSince<'_, true> as QueryId>::query_id();
        let version_only = <CallerSince<'_, false> as QueryId>::query_id();
        assert!(rows.is_some() && version_only.is_some());
        assert_ne!(rows, version_only);
    }

    #[test]
    fn a_caller_is_read_whole_only_without_a_version_known() {
        let read = |rows: CallerRows, known| read_caller(rows, known).unwrap();
        let rows = || Some(ROWS.to_owned());
        assert!(matches!(read((None, None), None), CallerRead::Gone));
        assert!(matches!(read((None, None), Some(3)), CallerRead::Gone));
        assert!(matches!(
            read((Some(3), None), Some(3)),
            CallerRead::Unchanged
        ));
        assert!(matches!(read((Some(4), None), Some(3)), CallerRead::Moved));
        // A restored database's version may be lower than the one known: read again too.
        assert!(matches!(read((Some(2), None), Some(3)), CallerRead::Moved));
        let CallerRead::Read(5, caller) = read((Some(5), rows()), None) else {
            panic!("not read at version 5");
        };
        let who = &caller.principal;
        assert_eq!(who.user_id, "u1");
        assert_eq!(who.staff_role, Some(StaffRole::Technician));
        assert_eq!(who.memberships.len(), 1);
        let devices = [
            ("a1".to_owned(), "d1".to_owned()),
            ("a1".into(), "d2".into()),
        ];
        assert_eq!(who.assigned_devices, devices, "sorted, once each");
        assert_eq!(who.assigned_stock_locations.len(), 1);
        assert_eq!(caller.language, Some(Language::Sv));
        assert_eq!(
            caller.signed_out_before,
            DateTime::from_timestamp(1_764_669_600, 0)
        );
        // A user row missing from the rows is no caller.
        let members_only = r#"[["member","a1","device-manager",null,null,null,null]]"#;
        assert!(matches!(
            read((Some(1), Some(members_only.to_owned())), None),
            CallerRead::Gone
        ));
    }
}
