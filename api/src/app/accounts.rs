//! Customer accounts and their sites.

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::CustomerRole;
use fleetdesk_persistence::accounts::{self as repo, AccountChanges, AccountRow, SiteRow};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity as identity_repo;
use fleetdesk_persistence::{Conn, DbError};
use serde_json::json;

use crate::error::{ApiError, ErrorCode, Text};

/// An account by id; 404 when there is none.
pub fn find_account(c: &mut Conn, id: &str) -> Result<AccountRow, ApiError> {
    repo::find_account(c, id)?.ok_or_else(ApiError::not_found)
}

/// Maps a unique violation on account numbers to a clear conflict.
fn number_taken(e: DbError) -> ApiError {
    match e {
        DbError::UniqueViolation(what) => {
            let field = if what.contains("system") {
                "system_account_number"
            } else {
                "customer_account_number"
            };
            ApiError::conflict(
                ErrorCode::AccountNumberTaken,
                Text::with(
                    "detail-account-number-taken",
                    [("field", field.to_string())],
                ),
            )
        }
        other => other.into(),
    }
}

/// Creates a customer account (customer service); both account numbers are unique.
pub fn create(
    c: &mut Conn,
    actor: &str,
    row: AccountRow,
    now: DateTime<Utc>,
) -> Result<AccountRow, ApiError> {
    repo::insert_account(c, &row).map_err(number_taken)?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::AccountCreated,
            account_id: Some(&row.id),
            subject_type: "account",
            subject_id: &row.id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload: json!({
                "customer_account_number": row.customer_account_number,
                "system_account_number": row.system_account_number,
                "name": row.name,
            }),
            at: now,
        },
    )?;
    Ok(row)
}

/// Changes an account's name or credit data; credit changes are an event of their own, for
/// those who may read credit data.
pub fn update(
    c: &mut Conn,
    actor: &str,
    id: &str,
    changes: AccountChanges,
    now: DateTime<Utc>,
) -> Result<AccountRow, ApiError> {
    find_account(c, id)?;
    let row = repo::update_account(c, id, &changes)?;
    // Credit changes are an event of their own, for those who may read credit data.
    let mut append = |kind: EventKind, payload: serde_json::Value| {
        events::append(
            c,
            NewEvent {
                kind,
                account_id: Some(id),
                subject_type: "account",
                subject_id: id,
                device_id: None,
                dealer_id: None,
                actor_id: Some(actor),
                staff_only: kind != EventKind::AccountUpdated,
                payload,
                at: now,
            },
        )
    };
    if let Some(name) = &changes.name {
        append(
            EventKind::AccountUpdated,
            json!({ "fields": ["name"], "name": name }),
        )?;
    }
    let credit_fields: Vec<&str> = [
        changes.credit_rating.is_some().then_some("credit_rating"),
        changes
            .payment_history
            .is_some()
            .then_some("payment_history"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !credit_fields.is_empty() {
        append(
            EventKind::AccountCreditUpdated,
            json!({ "fields": credit_fields }),
        )?;
    }
    Ok(row)
}

/// Adds a site to an account; its name is unique within the account.
pub fn create_site(
    c: &mut Conn,
    actor: &str,
    row: SiteRow,
    now: DateTime<Utc>,
) -> Result<SiteRow, ApiError> {
    find_account(c, &row.account_id)?;
    repo::insert_site(c, &row).map_err(site_name_taken)?;
    site_event(
        c,
        EventKind::SiteCreated,
        actor,
        &row,
        json!({ "name": row.name, "time_zone": row.time_zone }),
        now,
    )?;
    Ok(row)
}

/// Sets whom the account's invoices go to; an `account.updated` event names the field.
pub fn set_invoicing_contact(
    c: &mut Conn,
    actor: &str,
    id: &str,
    contact: (&str, &str, Option<&str>),
    now: DateTime<Utc>,
) -> Result<AccountRow, ApiError> {
    find_account(c, id)?;
    repo::set_invoicing_contact(c, id, contact, now)?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::AccountUpdated,
            account_id: Some(id),
            subject_type: "account",
            subject_id: id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload: json!({ "fields": ["invoicing_contact"] }),
            at: now,
        },
    )?;
    find_account(c, id)
}

/// Changes a site's name, address or time zone (its name stays unique in the account).
/// Readings already taken keep the day they were taken on.
pub fn update_site(
    c: &mut Conn,
    actor: &str,
    row: SiteRow,
    fields: &[&str],
    now: DateTime<Utc>,
) -> Result<SiteRow, ApiError> {
    repo::update_site(c, &row).map_err(site_name_taken)?;
    site_event(
        c,
        EventKind::SiteUpdated,
        actor,
        &row,
        json!({ "fields": fields, "name": row.name, "time_zone": row.time_zone }),
        now,
    )?;
    Ok(row)
}

/// Deletes a site that has never had a device (409 `site_has_devices` otherwise).
pub fn delete_site(
    c: &mut Conn,
    actor: &str,
    account_id: &str,
    site_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let row = repo::find_site(c, account_id, site_id)?.ok_or_else(ApiError::not_found)?;
    if !repo::delete_site(c, &row.id)? {
        return Err(ApiError::conflict(
            ErrorCode::SiteHasDevices,
            Text::key("detail-devices-stand-stood-site-stays-move"),
        ));
    }
    site_event(
        c,
        EventKind::SiteDeleted,
        actor,
        &row,
        json!({ "name": row.name }),
        now,
    )?;
    Ok(())
}

/// A site's name is unique within its account.
fn site_name_taken(e: DbError) -> ApiError {
    match e {
        DbError::UniqueViolation(_) => ApiError::conflict(
            ErrorCode::SiteNameTaken,
            Text::key("detail-account-already-site-name"),
        ),
        other => other.into(),
    }
}

fn site_event(
    c: &mut Conn,
    kind: EventKind,
    actor: &str,
    row: &SiteRow,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    events::append(
        c,
        NewEvent {
            kind,
            account_id: Some(&row.account_id),
            subject_type: "site",
            subject_id: &row.id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload,
            at: now,
        },
    )
}

/// Names one of the account's administrators its main contact (administrators, customer
/// service).
pub fn set_primary_contact(
    c: &mut Conn,
    actor: &str,
    account_id: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<AccountRow, ApiError> {
    find_account(c, account_id)?;
    repo::lock_account(c, account_id)?;
    let administrator = identity_repo::find_member(c, account_id, user_id)?
        .is_some_and(|m| *m.role == CustomerRole::Administrator);
    if !administrator {
        return Err(ApiError::invalid_field(
            "user_id",
            Text::key("invalid-must-administrator-account"),
        ));
    }
    repo::set_primary_contact(c, account_id, Some(user_id), now)?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::AccountUpdated,
            account_id: Some(account_id),
            subject_type: "account",
            subject_id: account_id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload: json!({ "fields": ["primary_contact"], "primary_contact_id": user_id }),
            at: now,
        },
    )?;
    find_account(c, account_id)
}
