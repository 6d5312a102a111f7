//! Rules of memberships in customer accounts and dealer organisations.

use crate::identity::{CustomerRole, DealerRole};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MembershipError {
    #[error("an organisation keeps at least one administrator: appoint another one first")]
    LastAdministrator,
}

impl MembershipError {
    /// The refusal as a person reads it.
    pub fn message(&self) -> crate::Message {
        match self {
            MembershipError::LastAdministrator => {
                crate::Message::new("membership-last-administrator")
            }
        }
    }
}

/// A role in an organisation that one of its roles administers.
pub trait OrganisationRole: Copy + PartialEq {
    fn administers(self) -> bool;
}

impl OrganisationRole for CustomerRole {
    fn administers(self) -> bool {
        self == CustomerRole::Administrator
    }
}

impl OrganisationRole for DealerRole {
    fn administers(self) -> bool {
        self == DealerRole::DealerAdmin
    }
}

/// May a member whose role is `current` get role `next` (`None`: be removed), when the
/// organisation has `administrators` administrators in all (this member included)?
pub fn check_change<R: OrganisationRole>(
    current: R,
    next: Option<R>,
    administrators: usize,
) -> Result<(), MembershipError> {
    let loses_admin = current.administers() && !next.is_some_and(R::administers);
    if loses_admin && administrators <= 1 {
        return Err(MembershipError::LastAdministrator);
    }
    Ok(())
}

crate::label!(
    /// Where a request to join an account stands.
    pub enum JoinRequestStatus as "JoinRequestStatus", "join request status" {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
);

crate::label!(
    /// Where an invitation stands; derived from when it was accepted, revoked or expires.
    pub enum InvitationStatus as "InvitationStatus", "invitation status" {
        Pending = "pending",
        Accepted = "accepted",
        Expired = "expired",
        Revoked = "revoked",
    }
);

impl InvitationStatus {
    /// An accepted invitation stays accepted; a revoked one revoked; an open one expires.
    pub fn of(accepted: bool, revoked: bool, expired: bool) -> Self {
        if accepted {
            InvitationStatus::Accepted
        } else if revoked {
            InvitationStatus::Revoked
        } else if expired {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CustomerRole::*;
    use proptest::prelude::*;

    #[test]
    fn the_last_administrator_stays() {
        assert_eq!(
            check_change(Administrator, None, 1),
            Err(MembershipError::LastAdministrator)
        );
        assert_eq!(
            check_change(Administrator, Some(DeviceManager), 1),
            Err(MembershipError::LastAdministrator)
        );
        assert_eq!(check_change(Administrator, Some(Administrator), 1), Ok(()));
        assert_eq!(check_change(Administrator, None, 2), Ok(()));
        assert_eq!(check_change(DeviceManager, None, 1), Ok(()));
        // Dealers alike.
        assert_eq!(
            check_change(
                DealerRole::DealerAdmin,
                Some(DealerRole::DealerTechnician),
                1
            ),
            Err(MembershipError::LastAdministrator)
        );
        assert_eq!(check_change(DealerRole::DealerAdmin, None, 2), Ok(()));
        assert_eq!(check_change(DealerRole::DealerTechnician, None, 1), Ok(()));
    }

    proptest! {
        /// Whatever the sequence of changes, an account that starts with an administrator
        /// always keeps one when each change passes the rule.
        #[test]
        fn no_sequence_of_allowed_changes_leaves_no_administrator(
            start in proptest::collection::vec(proptest::sample::select(CustomerRole::ALL), 1..6),
            changes in proptest::collection::vec((0..6usize, proptest::option::of(proptest::sample::select(CustomerRole::ALL))), 0..20),
        ) {
            let mut members: Vec<Option<CustomerRole>> = start.into_iter().map(Some).collect();
            members[0] = Some(Administrator);
            for (who, next) in changes {
                let Some(Some(current)) = members.get(who).copied() else { continue };
                let admins = members.iter().filter(|m| **m == Some(Administrator)).count();
                if check_change(current, next, admins).is_ok() {
                    members[who] = next;
                }
                prop_assert!(members.contains(&Some(Administrator)));
            }
        }
    }
}
