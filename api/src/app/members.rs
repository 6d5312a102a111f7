//! Members and staff: the rules their operations share.

use fleetdesk_domain::identity::StaffRole;
use fleetdesk_domain::membership::MembershipError;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::identity as identity_repo;
use fleetdesk_persistence::labels::Stored;

use crate::error::{ApiError, ErrorCode};

/// An account keeps at least one administrator.
pub fn last_administrator(e: MembershipError) -> ApiError {
    ApiError::conflict(ErrorCode::LastAdministrator, e.to_string())
}

/// 422 unless `user_id` is a field technician.
pub fn require_field_technician(c: &mut Conn, user_id: &str) -> Result<(), ApiError> {
    let is_technician = identity_repo::find_user(c, user_id)?
        .is_some_and(|u| u.staff_role == Some(Stored(StaffRole::Technician)));
    if !is_technician {
        return Err(ApiError::invalid_field(
            "technician_id",
            "is not a field technician",
        ));
    }
    Ok(())
}
