//! The dealer network: dealers and their users, serial registrations, the remedy catalogue,
//! calls with the remedies tried, dispatches, and warranty part claims.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use fleetdesk_domain::dealers::{
    AttemptOutcome, CallReason, CallStatus, ClaimStatus, DispatchRoute, DispatchStatus,
    RegistrationStatus, RemedyOutcome,
};
use fleetdesk_domain::identity::DealerRole;

use crate::Page;
use crate::labels::Stored;
use crate::schema::{
    call_attempts, call_remedies, calls, dealer_invitations, dealers, device_models, dispatches,
    registrations, remedies, users, warranty_claims,
};
use crate::{Conn, DbResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dealers)]
pub struct DealerRow {
    pub id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub contact_email: Option<String>,
}

pub fn insert_dealer(conn: &mut Conn, row: &DealerRow) -> DbResult<()> {
    diesel::insert_into(dealers::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_dealer(conn: &mut Conn, id: &str) -> DbResult<Option<DealerRow>> {
    Ok(dealers::table
        .find(id)
        .select(DealerRow::as_select())
        .first(conn)
        .optional()?)
}

/// Sets a user's dealer and role there.
pub fn set_dealer_role(
    conn: &mut Conn,
    user_id: &str,
    dealer_id: &str,
    role: DealerRole,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::dealer_id.eq(dealer_id),
            users::dealer_role.eq(Stored(role)),
            users::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: String,
    pub dealer_id: String,
    pub model_id: String,
    pub serial_number: String,
    pub device_id: Option<String>,
    pub warranty_marketing_program: bool,
    pub warranty_end: Option<NaiveDate>,
    pub end_user_name: Option<String>,
    pub status: Stored<RegistrationStatus>,
    pub registered_by: String,
    pub registered_at: NaiveDateTime,
    pub ended_by: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
}

/// A registration with its model's name.
pub type RegistrationContext = (RegistrationRow, String);

/// Inserts a registration; the partial unique index refuses a second active one per serial.
pub fn insert_registration(conn: &mut Conn, row: &RegistrationRow) -> DbResult<()> {
    diesel::insert_into(registrations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_registration(conn: &mut Conn, id: &str) -> DbResult<Option<RegistrationContext>> {
    Ok(registrations::table
        .inner_join(device_models::table)
        .filter(registrations::id.eq(id))
        .select((RegistrationRow::as_select(), device_models::name))
        .first(conn)
        .optional()?)
}

/// The active registration of a serial number, if any.
pub fn active_registration(conn: &mut Conn, serial: &str) -> DbResult<Option<RegistrationRow>> {
    Ok(registrations::table
        .filter(registrations::serial_number.eq(serial))
        .filter(registrations::status.eq(Stored(RegistrationStatus::Active)))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct RegistrationFilter {
    /// Only this dealer's (a dealer user's scope).
    pub dealer_id: Option<String>,
    pub serial_number: Option<String>,
    pub status: Option<RegistrationStatus>,
}

pub fn list_registrations(
    conn: &mut Conn,
    filter: &RegistrationFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<RegistrationContext>> {
    let mut query = registrations::table
        .inner_join(device_models::table)
        .select((RegistrationRow::as_select(), device_models::name))
        .into_boxed();
    if let Some(v) = &filter.dealer_id {
        query = query.filter(registrations::dealer_id.eq(v.clone()));
    }
    if let Some(v) = &filter.serial_number {
        query = query.filter(registrations::serial_number.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(registrations::status.eq(Stored(*v)));
    }
    if let Some(after) = after {
        query = query.filter(registrations::id.gt(after.to_owned()));
    }
    let rows = query
        .order(registrations::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |(r, _)| r.id.clone()))
}

/// Ends an active registration; `false` when it was not active.
pub fn end_registration(conn: &mut Conn, id: &str, by: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let ended = diesel::update(
        registrations::table
            .filter(registrations::id.eq(id))
            .filter(registrations::status.eq(Stored(RegistrationStatus::Active))),
    )
    .set((
        registrations::status.eq(Stored(RegistrationStatus::Ended)),
        registrations::ended_by.eq(by),
        registrations::ended_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(ended == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = remedies)]
pub struct RemedyRow {
    pub id: String,
    pub problem_category: String,
    pub model_id: Option<String>,
    pub title: String,
    pub instructions: String,
    pub active: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_remedy(conn: &mut Conn, row: &RemedyRow) -> DbResult<()> {
    diesel::insert_into(remedies::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn list_remedies(
    conn: &mut Conn,
    problem_category: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<RemedyRow>> {
    let mut query = remedies::table.select(RemedyRow::as_select()).into_boxed();
    if let Some(v) = problem_category {
        query = query.filter(remedies::problem_category.eq(v.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(remedies::id.gt(after.to_owned()));
    }
    let rows = query
        .order(remedies::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// The active remedies a caller must try for `category` on `model`: the model's own when the
/// catalogue has any for it, otherwise the category's general ones.
pub fn remedies_for(
    conn: &mut Conn,
    category: &str,
    model_id: Option<&str>,
) -> DbResult<Vec<RemedyRow>> {
    let base = || {
        remedies::table
            .filter(remedies::problem_category.eq(category.to_owned()))
            .filter(remedies::active.eq(true))
            .select(RemedyRow::as_select())
            .order(remedies::id.asc())
    };
    if let Some(model) = model_id {
        let specific: Vec<RemedyRow> = base()
            .filter(remedies::model_id.eq(model.to_owned()))
            .load(conn)?;
        if !specific.is_empty() {
            return Ok(specific);
        }
    }
    Ok(base().filter(remedies::model_id.is_null()).load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calls)]
pub struct CallRow {
    pub id: String,
    pub serial_number: String,
    pub model_id: Option<String>,
    pub device_id: Option<String>,
    pub caller_name: String,
    pub caller_phone: Option<String>,
    pub caller_email: Option<String>,
    pub caller_company: Option<String>,
    pub site_address: Option<String>,
    pub reason: Stored<CallReason>,
    pub problem_category: Option<String>,
    pub problem: String,
    pub status: Stored<CallStatus>,
    pub redirected_to: Option<String>,
    pub resolution: Option<String>,
    pub logged_by: String,
    pub called_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_call(conn: &mut Conn, row: &CallRow) -> DbResult<()> {
    diesel::insert_into(calls::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_call(conn: &mut Conn, id: &str) -> DbResult<Option<CallRow>> {
    Ok(calls::table
        .find(id)
        .select(CallRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub status: Option<CallStatus>,
    pub serial_number: Option<String>,
}

pub fn list_calls(
    conn: &mut Conn,
    filter: &CallFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<CallRow>> {
    let mut query = calls::table.select(CallRow::as_select()).into_boxed();
    if let Some(v) = &filter.status {
        query = query.filter(calls::status.eq(Stored(*v)));
    }
    if let Some(v) = &filter.serial_number {
        query = query.filter(calls::serial_number.eq(v.clone()));
    }
    if let Some(after) = after {
        query = query.filter(calls::id.gt(after.to_owned()));
    }
    let rows = query.order(calls::id.asc()).limit(limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// Moves an open call to `status`; `false` when it is no longer open.
pub fn close_call(
    conn: &mut Conn,
    id: &str,
    status: CallStatus,
    redirected_to: Option<&str>,
    resolution: Option<&str>,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        calls::table
            .filter(calls::id.eq(id))
            .filter(calls::status.eq(Stored(CallStatus::Open))),
    )
    .set((
        calls::status.eq(Stored(status)),
        calls::redirected_to.eq(redirected_to),
        calls::resolution.eq(resolution),
        calls::updated_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = call_remedies)]
pub struct CallRemedyRow {
    pub id: String,
    pub call_id: String,
    pub remedy_id: String,
    pub outcome: Stored<RemedyOutcome>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_call_remedy(conn: &mut Conn, row: &CallRemedyRow) -> DbResult<()> {
    diesel::insert_into(call_remedies::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The remedies tried on a call, oldest first, with each remedy's title.
pub fn call_remedies_of(conn: &mut Conn, call_id: &str) -> DbResult<Vec<(CallRemedyRow, String)>> {
    Ok(call_remedies::table
        .inner_join(remedies::table)
        .filter(call_remedies::call_id.eq(call_id))
        .order(call_remedies::id.asc())
        .select((CallRemedyRow::as_select(), remedies::title))
        .load(conn)?)
}

/// Something the agent tried on the phone beyond the catalogue, and how it went.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = call_attempts)]
pub struct CallAttemptRow {
    pub id: String,
    pub call_id: String,
    pub description: String,
    pub outcome: Stored<AttemptOutcome>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn insert_call_attempt(conn: &mut Conn, row: &CallAttemptRow) -> DbResult<()> {
    diesel::insert_into(call_attempts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The free attempts recorded on a call, oldest first.
pub fn call_attempts_of(conn: &mut Conn, call_id: &str) -> DbResult<Vec<CallAttemptRow>> {
    Ok(call_attempts::table
        .filter(call_attempts::call_id.eq(call_id))
        .order(call_attempts::id.asc())
        .select(CallAttemptRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dispatches)]
pub struct DispatchRow {
    pub id: String,
    pub call_id: String,
    pub route: Stored<DispatchRoute>,
    pub dealer_id: Option<String>,
    pub registration_id: Option<String>,
    pub section1: String,
    pub serial_number: String,
    pub warranty_end: Option<NaiveDate>,
    pub in_warranty: Option<bool>,
    pub warranty_marketing_program: bool,
    pub status: Stored<DispatchStatus>,
    pub assigned_technician_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub accepted_by: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub section2: Option<String>,
    pub closed_out_by: Option<String>,
    pub closed_out_at: Option<NaiveDateTime>,
    pub labour_decision: Option<String>,
    pub labour_amount_minor: Option<i64>,
    pub labour_currency: Option<String>,
    pub labour_reason: Option<String>,
    pub labour_decided_by: Option<String>,
    pub labour_decided_at: Option<NaiveDateTime>,
}

/// Inserts a dispatch; the unique call id refuses a second dispatch from one call.
pub fn insert_dispatch(conn: &mut Conn, row: &DispatchRow) -> DbResult<()> {
    diesel::insert_into(dispatches::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_dispatch(conn: &mut Conn, id: &str) -> DbResult<Option<DispatchRow>> {
    Ok(dispatches::table
        .find(id)
        .select(DispatchRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct DispatchFilter {
    /// Only this dealer's (a dealer user's scope).
    pub dealer_id: Option<String>,
    /// Only those assigned to this technician.
    pub technician_id: Option<String>,
    pub status: Option<DispatchStatus>,
    pub route: Option<DispatchRoute>,
}

pub fn list_dispatches(
    conn: &mut Conn,
    filter: &DispatchFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<DispatchRow>> {
    let mut query = dispatches::table
        .select(DispatchRow::as_select())
        .into_boxed();
    if let Some(v) = &filter.dealer_id {
        query = query.filter(dispatches::dealer_id.eq(v.clone()));
    }
    if let Some(v) = &filter.technician_id {
        query = query.filter(dispatches::assigned_technician_id.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(dispatches::status.eq(Stored(*v)));
    }
    if let Some(v) = &filter.route {
        query = query.filter(dispatches::route.eq(Stored(*v)));
    }
    if let Some(after) = after {
        query = query.filter(dispatches::id.gt(after.to_owned()));
    }
    let rows = query
        .order(dispatches::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |d| d.id.clone()))
}

/// Accepts a dispatch still waiting; `false` when it was not.
pub fn accept_dispatch(conn: &mut Conn, id: &str, by: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let changed = diesel::update(
        dispatches::table
            .filter(dispatches::id.eq(id))
            .filter(dispatches::status.eq(Stored(DispatchStatus::Dispatched))),
    )
    .set((
        dispatches::status.eq(Stored(DispatchStatus::Accepted)),
        dispatches::accepted_by.eq(by),
        dispatches::accepted_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Closes out an accepted dispatch with section 2; `false` when it was not accepted.
pub fn close_out_dispatch(
    conn: &mut Conn,
    id: &str,
    section2: &str,
    by: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        dispatches::table
            .filter(dispatches::id.eq(id))
            .filter(dispatches::status.eq(Stored(DispatchStatus::Accepted))),
    )
    .set((
        dispatches::status.eq(Stored(DispatchStatus::ClosedOut)),
        dispatches::section2.eq(section2),
        dispatches::closed_out_by.eq(by),
        dispatches::closed_out_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A warranty administrator's labour decision on a dispatch.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = dispatches, treat_none_as_null = true)]
pub struct LabourDecisionRow {
    pub labour_decision: Option<String>,
    pub labour_amount_minor: Option<i64>,
    pub labour_currency: Option<String>,
    pub labour_reason: Option<String>,
    pub labour_decided_by: Option<String>,
    pub labour_decided_at: Option<NaiveDateTime>,
}

/// Records the labour decision of a closed-out dispatch once; `false` when it was decided
/// already (or is not closed out).
pub fn decide_labour(conn: &mut Conn, id: &str, decision: &LabourDecisionRow) -> DbResult<bool> {
    let changed = diesel::update(
        dispatches::table
            .filter(dispatches::id.eq(id))
            .filter(dispatches::status.eq(Stored(DispatchStatus::ClosedOut)))
            .filter(dispatches::labour_decision.is_null()),
    )
    .set(decision)
    .execute(conn)?;
    Ok(changed == 1)
}

/// Assigns (or, with `None`, unassigns) a field technician to the call center's own-service
/// dispatch until it is closed out; `false` when it is a dealer's or closed out.
pub fn assign_dispatch_technician(
    conn: &mut Conn,
    id: &str,
    technician_id: Option<&str>,
) -> DbResult<bool> {
    let changed = diesel::update(
        dispatches::table
            .filter(dispatches::id.eq(id))
            .filter(dispatches::route.eq(Stored(DispatchRoute::CallCenter)))
            .filter(dispatches::status.ne(Stored(DispatchStatus::ClosedOut))),
    )
    .set(dispatches::assigned_technician_id.eq(technician_id))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Locks one dealer until commit (PostgreSQL; SQLite's write transactions are serial
/// already), so two concurrent changes of its users cannot both pass the last-administrator
/// check.
pub fn lock_dealer(conn: &mut Conn, dealer_id: &str) -> DbResult<()> {
    if let Conn::Postgresql(pg) = conn {
        dealers::table
            .find(dealer_id)
            .select(dealers::id)
            .for_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// One of a dealer's users.
#[derive(Debug, Clone, Queryable)]
pub struct DealerUserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub dealer_role: Stored<DealerRole>,
}

pub fn dealer_users(conn: &mut Conn, dealer_id: &str) -> DbResult<Vec<DealerUserRow>> {
    Ok(users::table
        .filter(users::dealer_id.eq(dealer_id))
        .filter(users::dealer_role.is_not_null())
        .order(users::email.asc())
        .select((
            users::id,
            users::email,
            users::display_name,
            users::dealer_role.assume_not_null(),
        ))
        .load(conn)?)
}

pub fn count_dealer_users_with_role(
    conn: &mut Conn,
    dealer_id: &str,
    role: DealerRole,
) -> DbResult<i64> {
    Ok(users::table
        .filter(users::dealer_id.eq(dealer_id))
        .filter(users::dealer_role.eq(Stored(role)))
        .count()
        .get_result(conn)?)
}

/// Makes a user one of a dealer's users, unless they are staff or another dealer's already;
/// `false` then.
/// The dealer a dealer-network object belongs to (`subject_type` as in the event feed):
/// the dealer itself, or a registration's, dispatch's or claim's dealer; `None` for a call or
/// the call center's own service.
pub fn dealer_of(
    conn: &mut Conn,
    subject_type: &str,
    subject_id: &str,
) -> DbResult<Option<String>> {
    Ok(match subject_type {
        "dealer" => Some(subject_id.to_owned()),
        "registration" => registrations::table
            .find(subject_id)
            .select(registrations::dealer_id)
            .first::<String>(conn)
            .optional()?,
        "dispatch" => dispatches::table
            .find(subject_id)
            .select(dispatches::dealer_id)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten(),
        "warranty_claim" => warranty_claims::table
            .find(subject_id)
            .select(warranty_claims::dealer_id)
            .first::<String>(conn)
            .optional()?,
        _ => None,
    })
}

/// The technicians assigned now to each of `ids`' own-service dispatches.
pub fn dispatch_technicians(
    conn: &mut Conn,
    ids: &[String],
) -> DbResult<Vec<(String, Option<String>)>> {
    Ok(dispatches::table
        .filter(dispatches::id.eq_any(ids))
        .select((dispatches::id, dispatches::assigned_technician_id))
        .load(conn)?)
}

pub fn join_dealer(
    conn: &mut Conn,
    user_id: &str,
    dealer_id: &str,
    role: DealerRole,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        users::table
            .find(user_id)
            .filter(users::dealer_id.is_null())
            .filter(users::staff_role.is_null()),
    )
    .set((
        users::dealer_id.eq(dealer_id),
        users::dealer_role.eq(Stored(role)),
        users::updated_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Changes the role of one of a dealer's users; `false` when they are not one of its users.
pub fn change_dealer_role(
    conn: &mut Conn,
    dealer_id: &str,
    user_id: &str,
    role: DealerRole,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        users::table
            .find(user_id)
            .filter(users::dealer_id.eq(dealer_id)),
    )
    .set((
        users::dealer_role.eq(Stored(role)),
        users::updated_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Ends a user's place at a dealer; `false` when they were not one of its users.
pub fn remove_dealer_user(
    conn: &mut Conn,
    dealer_id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        users::table
            .find(user_id)
            .filter(users::dealer_id.eq(dealer_id)),
    )
    .set((
        users::dealer_id.eq(None::<String>),
        users::dealer_role.eq(None::<Stored<DealerRole>>),
        users::updated_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dealer_invitations)]
pub struct DealerInvitationRow {
    pub id: String,
    pub dealer_id: String,
    pub email: String,
    pub role: Stored<DealerRole>,
    pub token_hash: String,
    pub invited_by: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_dealer_invitation(conn: &mut Conn, row: &DealerInvitationRow) -> DbResult<()> {
    diesel::insert_into(dealer_invitations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_dealer_invitation_by_token(
    conn: &mut Conn,
    token_hash: &str,
) -> DbResult<Option<DealerInvitationRow>> {
    Ok(dealer_invitations::table
        .filter(dealer_invitations::token_hash.eq(token_hash))
        .select(DealerInvitationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_dealer_invitations(
    conn: &mut Conn,
    dealer_id: &str,
) -> DbResult<Vec<DealerInvitationRow>> {
    Ok(dealer_invitations::table
        .filter(dealer_invitations::dealer_id.eq(dealer_id))
        .order(dealer_invitations::id.asc())
        .select(DealerInvitationRow::as_select())
        .load(conn)?)
}

pub fn find_dealer_invitation(
    conn: &mut Conn,
    dealer_id: &str,
    id: &str,
) -> DbResult<Option<DealerInvitationRow>> {
    Ok(dealer_invitations::table
        .filter(dealer_invitations::dealer_id.eq(dealer_id))
        .filter(dealer_invitations::id.eq(id))
        .select(DealerInvitationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes an open dealer invitation; `false` when it was accepted or revoked already.
pub fn revoke_dealer_invitation(conn: &mut Conn, id: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let changed = diesel::update(
        dealer_invitations::table
            .find(id)
            .filter(dealer_invitations::accepted_at.is_null())
            .filter(dealer_invitations::revoked_at.is_null()),
    )
    .set(dealer_invitations::revoked_at.eq(at.naive_utc()))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Revokes every open invitation `user_id` sent for the dealer (they are leaving it).
pub fn revoke_dealer_invitations_by(
    conn: &mut Conn,
    dealer_id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> DbResult<usize> {
    Ok(diesel::update(
        dealer_invitations::table
            .filter(dealer_invitations::dealer_id.eq(dealer_id))
            .filter(dealer_invitations::invited_by.eq(user_id))
            .filter(dealer_invitations::accepted_at.is_null())
            .filter(dealer_invitations::revoked_at.is_null()),
    )
    .set(dealer_invitations::revoked_at.eq(at.naive_utc()))
    .execute(conn)?)
}

/// Accepts an open dealer invitation once; `false` when it was accepted meanwhile.
pub fn accept_dealer_invitation(
    conn: &mut Conn,
    id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        dealer_invitations::table
            .find(id)
            .filter(dealer_invitations::accepted_at.is_null())
            .filter(dealer_invitations::revoked_at.is_null()),
    )
    .set((
        dealer_invitations::accepted_at.eq(at.naive_utc()),
        dealer_invitations::accepted_by.eq(user_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = warranty_claims)]
pub struct ClaimRow {
    pub id: String,
    pub dealer_id: String,
    pub dispatch_id: Option<String>,
    pub registration_id: Option<String>,
    pub serial_number: String,
    pub part_number: String,
    pub defect: String,
    pub failure_date: NaiveDate,
    pub status: Stored<ClaimStatus>,
    pub decision_reason: Option<String>,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

/// Inserts a claim; the partial unique index refuses a second live claim for one part of a
/// dispatch.
pub fn insert_claim(conn: &mut Conn, row: &ClaimRow) -> DbResult<()> {
    diesel::insert_into(warranty_claims::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_claim(conn: &mut Conn, id: &str) -> DbResult<Option<ClaimRow>> {
    Ok(warranty_claims::table
        .find(id)
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    /// Only this dealer's (a dealer user's scope).
    pub dealer_id: Option<String>,
    pub status: Option<ClaimStatus>,
    pub dispatch_id: Option<String>,
    pub serial_number: Option<String>,
}

pub fn list_claims(
    conn: &mut Conn,
    filter: &ClaimFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<ClaimRow>> {
    let mut query = warranty_claims::table
        .select(ClaimRow::as_select())
        .into_boxed();
    if let Some(v) = &filter.dealer_id {
        query = query.filter(warranty_claims::dealer_id.eq(v.clone()));
    }
    if let Some(v) = &filter.status {
        query = query.filter(warranty_claims::status.eq(Stored(*v)));
    }
    if let Some(v) = &filter.dispatch_id {
        query = query.filter(warranty_claims::dispatch_id.eq(v.clone()));
    }
    if let Some(v) = &filter.serial_number {
        query = query.filter(warranty_claims::serial_number.eq(v.clone()));
    }
    if let Some(after) = after {
        query = query.filter(warranty_claims::id.gt(after.to_owned()));
    }
    let rows = query
        .order(warranty_claims::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| r.id.clone()))
}

/// Decides a submitted claim once; `false` when it was decided already.
pub fn decide_claim(
    conn: &mut Conn,
    id: &str,
    status: ClaimStatus,
    reason: Option<&str>,
    by: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let changed = diesel::update(
        warranty_claims::table
            .find(id)
            .filter(warranty_claims::status.eq(Stored(ClaimStatus::Submitted))),
    )
    .set((
        warranty_claims::status.eq(Stored(status)),
        warranty_claims::decision_reason.eq(reason),
        warranty_claims::decided_by.eq(by),
        warranty_claims::decided_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
