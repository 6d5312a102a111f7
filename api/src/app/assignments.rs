//! What a member is responsible for within an account: device managers their devices, stock
//! managers their stock locations. Both are assigned alike: replaced as a whole, only to the
//! roles that hold them, only the account's own.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{CustomerRole, Principal};
use fleetdesk_domain::policy::{self, Action};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity as identity_repo;
use fleetdesk_persistence::{Conn, DbResult};
use serde_json::json;

use crate::auth::authorize;
use crate::error::{ApiError, ErrorCode, Text};

/// Replaces a member's assignments of one kind: (account, user, ids, at).
type SetAssignments = fn(&mut Conn, &str, &str, &[String], DateTime<Utc>) -> DbResult<()>;

/// One kind of assignment.
pub struct Assignable {
    action: Action,
    /// The roles that hold this kind.
    holds: fn(CustomerRole) -> bool,
    count_in_account: fn(&mut Conn, &str, &[String]) -> DbResult<i64>,
    set: SetAssignments,
    /// The request field, e.g. `device_ids`.
    field: &'static str,
    /// What they are, e.g. `devices`, and who holds them, e.g. `device managers`.
    what: &'static str,

    role_code: ErrorCode,
    event: EventKind,
}

pub const DEVICES: Assignable = Assignable {
    action: Action::AssignDevices,
    holds: policy::limited_to_assigned_devices,
    count_in_account: fleetdesk_persistence::devices::count_devices_in_account,
    set: fleetdesk_persistence::devices::set_assignments,
    field: "device_ids",
    what: "devices",
    role_code: ErrorCode::MemberRoleHoldsNoDevices,
    event: EventKind::MemberDevicesAssigned,
};

/// Whole sites: every device of the site, including devices added later.
pub const SITES: Assignable = Assignable {
    action: Action::AssignDevices,
    holds: policy::limited_to_assigned_devices,
    count_in_account: fleetdesk_persistence::accounts::count_sites_in_account,
    set: fleetdesk_persistence::accounts::set_site_assignments,
    field: "site_ids",
    what: "sites",
    role_code: ErrorCode::MemberRoleHoldsNoDevices,
    event: EventKind::MemberSitesAssigned,
};

pub const STOCK_LOCATIONS: Assignable = Assignable {
    action: Action::AssignStockLocations,
    holds: policy::limited_to_assigned_stock,
    count_in_account: fleetdesk_persistence::stock::count_locations_in_account,
    set: fleetdesk_persistence::stock::set_assignments,
    field: "stock_location_ids",
    what: "stock",
    role_code: ErrorCode::MemberRoleHoldsNoStockLocations,
    event: EventKind::MemberStockLocationsAssigned,
};

/// The ids of a request, each once, sorted.
pub fn distinct(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids.dedup();
    ids
}

/// May a member with `role` be assigned `ids` of `account_id`?
pub fn check(
    c: &mut Conn,
    kind: &Assignable,
    account_id: &str,
    role: CustomerRole,
    ids: &[String],
) -> Result<(), ApiError> {
    if !ids.is_empty() && !(kind.holds)(role) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            kind.role_code,
            Text::with(
                "detail-role-not-assigned",
                [("role", role.to_string()), ("what", kind.what.to_owned())],
            ),
        ));
    }
    let found = (kind.count_in_account)(c, account_id, ids)?;
    if usize::try_from(found).unwrap_or(0) != ids.len() {
        return Err(ApiError::invalid_field(
            kind.field,
            Text::with(
                "invalid-assigned-outside-account",
                [("what", kind.what.to_owned())],
            ),
        ));
    }
    Ok(())
}

/// Replaces what member `user_id` of `account_id` is assigned (administrators, customer
/// service); returns the ids assigned.
pub fn replace(
    c: &mut Conn,
    who: &Principal,
    kind: &Assignable,
    (account_id, user_id): (&str, &str),
    ids: Vec<String>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    authorize(who, kind.action, Some(account_id))?;
    let ids = distinct(ids);
    let member =
        identity_repo::find_member(c, account_id, user_id)?.ok_or_else(ApiError::not_found)?;
    let role = *member.role;
    check(c, kind, account_id, role, &ids)?;
    (kind.set)(c, account_id, user_id, &ids, now)?;
    let mut payload = json!({ "user_id": user_id });
    payload[kind.field] = json!(ids);
    events::append(
        c,
        NewEvent {
            kind: kind.event,
            account_id: Some(account_id),
            subject_type: "membership",
            subject_id: user_id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(&who.user_id),
            staff_only: false,
            payload,
            at: now,
        },
    )?;
    Ok(ids)
}
