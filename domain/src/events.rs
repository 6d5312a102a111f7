//! What the event feed may show: an event reaches a caller only if the caller may read the
//! thing it is about. Every event kind names its topic, and each topic is decided by the same
//! item check the endpoints use — so the feed never shows what a read would refuse.

use crate::identity::Principal;
use crate::policy::{
    self, Action, CaseRef, Decision, decide, decide_case, decide_dealer, decide_device,
    decide_dispatch, decide_stock,
};

/// The thing an event is about, as far as who may read it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// An account's name and numbers.
    Account,
    /// An account's credit rating and payment history.
    AccountCredit,
    Site,
    ServiceContract,
    /// Who belongs to an account, with which role and assignments.
    Members,
    Invitations,
    JoinRequests,
    Device,
    /// A device's meter readings.
    Readings,
    Case,
    /// A stock location, its levels, movements and replenishment orders.
    StockLocation,
    /// A user's own record (registration, address confirmation and corrections).
    User,
    Dealer,
    /// Who belongs to a dealer.
    DealerUsers,
    DealerInvitations,
    Registration,
    Call,
    Dispatch,
    Claim,
    /// An organisation's API clients (account, dealer or the manufacturer's own).
    ApiClients,
}

/// Writes [`EventKind`] from one list: variant, the kind's name in the feed and the
/// contract, and its topic.
macro_rules! event_kinds {
    ($($variant:ident = $name:literal => $topic:ident,)+) => {
        /// Every kind of event fleetdesk writes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind {
            $($variant,)+
        }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)+];

            /// The kind's name, such as `case.opened`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)+
                }
            }

            /// What the event is about, for the feed's scope rule.
            pub fn topic(self) -> Topic {
                match self {
                    $(EventKind::$variant => Topic::$topic,)+
                }
            }
        }
    };
}

event_kinds! {
    AccountCreated = "account.created" => Account,
    AccountUpdated = "account.updated" => Account,
    AccountReadingPeriodChanged = "account.reading_period_changed" => Account,
    AccountCreditUpdated = "account.credit_updated" => AccountCredit,
    SiteCreated = "site.created" => Site,
    SiteUpdated = "site.updated" => Site,
    SiteDeleted = "site.deleted" => Site,
    ServiceContractUpdated = "service_contract.updated" => ServiceContract,
    MemberJoined = "member.joined" => Members,
    MemberRoleChanged = "member.role_changed" => Members,
    MemberRemoved = "member.removed" => Members,
    MemberDevicesAssigned = "member.devices_assigned" => Members,
    MemberSitesAssigned = "member.sites_assigned" => Members,
    MemberStockLocationsAssigned = "member.stock_locations_assigned" => Members,
    InvitationCreated = "invitation.created" => Invitations,
    InvitationRevoked = "invitation.revoked" => Invitations,
    JoinRequestCreated = "join_request.created" => JoinRequests,
    JoinRequestRejected = "join_request.rejected" => JoinRequests,
    UserCreated = "user.created" => User,
    UserRegistered = "user.registered" => User,
    UserEmailConfirmed = "user.email_confirmed" => User,
    UserEmailCorrected = "user.email_corrected" => User,
    DeviceCreated = "device.created" => Device,
    DeviceLocationChanged = "device.location_changed" => Device,
    DeviceRemovalRequested = "device.removal_requested" => Device,
    DeviceRemoved = "device.removed" => Device,
    MeterReadingAccepted = "meter_reading.accepted" => Readings,
    MeterReadingCorrected = "meter_reading.corrected" => Readings,
    CaseOpened = "case.opened" => Case,
    CaseCommented = "case.commented" => Case,
    CaseAttachmentAdded = "case.attachment_added" => Case,
    CaseStatusChanged = "case.status_changed" => Case,
    CaseTechnicianAssigned = "case.technician_assigned" => Case,
    CaseResponseOverdue = "case.response_overdue" => Case,
    StockLocationCreated = "stock_location.created" => StockLocation,
    StockLocationUpdated = "stock_location.updated" => StockLocation,
    StockLocationDevicesLinked = "stock_location.devices_linked" => StockLocation,
    StockLevelSet = "stock_level.set" => StockLocation,
    StockConsumed = "stock.consumed" => StockLocation,
    ReplenishmentOrderRaised = "replenishment_order.raised" => StockLocation,
    ReplenishmentOrderShipped = "replenishment_order.shipped" => StockLocation,
    ReplenishmentOrderCancelled = "replenishment_order.cancelled" => StockLocation,
    ReplenishmentOrderReceived = "replenishment_order.received" => StockLocation,
    DealerCreated = "dealer.created" => Dealer,
    DealerUserJoined = "dealer.user_joined" => DealerUsers,
    DealerUserRemoved = "dealer.user_removed" => DealerUsers,
    DealerUserRoleChanged = "dealer.user_role_changed" => DealerUsers,
    DealerInvitationCreated = "dealer.invitation_created" => DealerInvitations,
    DealerInvitationRevoked = "dealer.invitation_revoked" => DealerInvitations,
    RegistrationCreated = "registration.created" => Registration,
    RegistrationEnded = "registration.ended" => Registration,
    CallLogged = "call.logged" => Call,
    CallRemedyRecorded = "call.remedy_recorded" => Call,
    CallAttemptRecorded = "call.attempt_recorded" => Call,
    CallRedirected = "call.redirected" => Call,
    CallResolved = "call.resolved" => Call,
    DispatchCreated = "dispatch.created" => Dispatch,
    DispatchAccepted = "dispatch.accepted" => Dispatch,
    DispatchClosedOut = "dispatch.closed_out" => Dispatch,
    DispatchTechnicianAssigned = "dispatch.technician_assigned" => Dispatch,
    DispatchLabourDecided = "dispatch.labour_decided" => Dispatch,
    ClaimSubmitted = "claim.submitted" => Claim,
    ClaimDecided = "claim.decided" => Claim,
    ApiClientCreated = "api_client.created" => ApiClients,
    ApiClientSecretRotated = "api_client.secret_rotated" => ApiClients,
    ApiClientRevoked = "api_client.revoked" => ApiClients,
}

impl EventKind {
    /// The kind with this name; `None` for a name fleetdesk does not write.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

crate::label!(impl EventKind as "EventKind", "event kind");
crate::label!(serde EventKind);

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The topic of an event kind's name; `None` for a kind fleetdesk does not write (shown to
/// nobody).
pub fn topic_of(kind: &str) -> Option<Topic> {
    EventKind::parse(kind).map(EventKind::topic)
}

/// What the scope rule needs to know of one event.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts<'a> {
    pub kind: &'a str,
    pub subject_id: &'a str,
    pub account_id: Option<&'a str>,
    pub dealer_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
    /// The technician assigned *now* to the case or dispatch the event is about.
    pub technician_id: Option<&'a str>,
    /// Who opened the case the event is about (a case about an account alone is seen by a
    /// device manager only if they opened it).
    pub case_opener: Option<&'a str>,
    /// Staff-internal (an internal note): never shown to customers or dealers.
    pub staff_only: bool,
}

/// May `who` see this event in their feed? Exactly when they may read its subject.
pub fn may_see(who: &Principal, e: &EventFacts<'_>) -> bool {
    let Some(topic) = topic_of(e.kind) else {
        return false;
    };
    if e.staff_only && !policy::sees_staff_only(who) {
        return false;
    }
    let allowed = |d: Decision| d == Decision::Allow;
    let account = |action: Action| {
        e.account_id
            .is_some_and(|a| allowed(decide(who, action, Some(a))))
    };
    // A dealer-network object of no dealer belongs to no dealer's users.
    let dealer =
        |action: Action| allowed(decide_dealer(who, action, Some(e.dealer_id.unwrap_or(""))));
    let device = |action: Action| match (e.account_id, e.device_id) {
        (Some(a), Some(d)) => allowed(decide_device(who, action, a, d)),
        _ => false,
    };
    match topic {
        Topic::Account => account(Action::ReadAccount),
        Topic::AccountCredit => account(Action::ReadCreditData),
        Topic::Site => account(Action::ReadSites),
        Topic::ServiceContract => account(Action::ReadServiceContract),
        Topic::Members => account(Action::ListMembers),
        Topic::Invitations => account(Action::InviteMembers),
        Topic::JoinRequests => account(Action::ListJoinRequests),
        Topic::Device => device(Action::ReadDevices),
        Topic::Readings => device(Action::ReadReadings),
        Topic::Case => match (e.account_id, e.case_opener) {
            (Some(account_id), Some(opened_by)) => allowed(decide_case(
                who,
                Action::ReadCases,
                CaseRef {
                    account_id,
                    device_id: e.device_id,
                    opened_by,
                    technician_id: e.technician_id,
                },
            )),
            _ => false,
        },
        Topic::StockLocation => e
            .account_id
            .is_some_and(|a| allowed(decide_stock(who, Action::ReadStock, a, e.subject_id))),
        // A user's record is customer service's: they correct addresses and resend mails.
        Topic::User => allowed(decide(who, Action::CorrectUserEmail, None)),
        Topic::Dealer | Topic::DealerUsers => dealer(Action::ReadDealers),
        Topic::DealerInvitations => dealer(Action::ManageDealerUsers),
        Topic::Registration => dealer(Action::ReadRegistrations),
        Topic::Call => dealer(Action::ReadCalls),
        Topic::Claim => dealer(Action::ReadClaims),
        Topic::Dispatch => allowed(decide_dispatch(
            who,
            Action::ReadDispatches,
            e.dealer_id,
            e.technician_id,
        )),
        // Whoever may manage the owner's clients: its administrators, or customer service.
        Topic::ApiClients => allowed(crate::clients::decide_owned(
            who,
            Action::ManageApiClients,
            &crate::clients::ClientOwner::of(e.account_id, e.dealer_id),
        )),
    }
}

/// Whether the caller may read a feed at all (403 otherwise).
pub fn may_read_feed(who: &Principal) -> bool {
    policy::account_scope(who, Action::ReadEvents).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{CustomerRole, DealerMembership, DealerRole, Membership, StaffRole};

    fn staff(role: StaffRole) -> Principal {
        Principal {
            user_id: "me".into(),
            staff_role: Some(role),
            dealer: None,
            memberships: vec![],
            assigned_devices: vec![],
            assigned_stock_locations: vec![],
            scopes: None,
        }
    }

    fn customer(role: CustomerRole) -> Principal {
        Principal {
            user_id: "me".into(),
            staff_role: None,
            dealer: None,
            memberships: vec![Membership {
                account_id: "a1".into(),
                role,
            }],
            assigned_devices: vec![("a1".into(), "d1".into())],
            assigned_stock_locations: vec![("a1".into(), "l1".into())],
            scopes: None,
        }
    }

    fn dealer(role: DealerRole) -> Principal {
        Principal {
            user_id: "me".into(),
            staff_role: None,
            dealer: Some(DealerMembership {
                dealer_id: "x1".into(),
                role,
            }),
            memberships: vec![],
            assigned_devices: vec![],
            assigned_stock_locations: vec![],
            scopes: None,
        }
    }

    fn facts(kind: &'static str) -> EventFacts<'static> {
        EventFacts {
            kind,
            subject_id: "l1",
            account_id: Some("a1"),
            dealer_id: Some("x1"),
            device_id: Some("d1"),
            technician_id: Some("me"),
            case_opener: Some("someone"),
            staff_only: false,
        }
    }

    #[test]
    fn every_kind_is_listed_once() {
        let mut kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        kinds.sort_unstable();
        let before = kinds.len();
        kinds.dedup();
        assert_eq!(kinds.len(), before);
        assert_eq!(topic_of("no.such_kind"), None);
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        assert!(!may_see(
            &staff(StaffRole::CustomerService),
            &facts("no.such_kind")
        ));
    }

    /// The leaks, as rules: each line would have been `true` before.
    #[test]
    fn the_feed_keeps_to_need_to_know() {
        let stock_manager = customer(CustomerRole::StockManager);
        let other_location = EventFacts {
            subject_id: "l2",
            ..facts("stock_location.created")
        };
        assert!(may_see(&stock_manager, &facts("stock_location.created")));
        assert!(!may_see(&stock_manager, &other_location));
        let device_manager = customer(CustomerRole::DeviceManager);
        for kind in [
            "stock_location.created",
            "invitation.created",
            "member.joined",
        ] {
            assert!(!may_see(&device_manager, &facts(kind)), "{kind}");
        }
        assert!(may_see(&device_manager, &facts("case.opened")));
        let technician = staff(StaffRole::Technician);
        let unassigned = EventFacts {
            technician_id: Some("someone else"),
            ..facts("case.opened")
        };
        assert!(may_see(&technician, &facts("case.opened")));
        assert!(!may_see(&technician, &unassigned));
        for kind in [
            "user.registered",
            "invitation.created",
            "account.credit_updated",
        ] {
            assert!(!may_see(&technician, &facts(kind)), "{kind}");
        }
        let cs = staff(StaffRole::CustomerService);
        assert!(may_see(&cs, &facts("account.credit_updated")));
        assert!(may_see(&cs, &unassigned));
    }

    #[test]
    fn dealers_see_their_own_dealers_objects_only() {
        let admin = dealer(DealerRole::DealerAdmin);
        let tech = dealer(DealerRole::DealerTechnician);
        let other = EventFacts {
            dealer_id: Some("x2"),
            ..facts("dispatch.created")
        };
        let own_service = EventFacts {
            dealer_id: None,
            ..facts("dispatch.created")
        };
        assert!(may_see(&admin, &facts("dispatch.created")));
        assert!(!may_see(&admin, &other));
        assert!(!may_see(&admin, &own_service));
        assert!(may_see(&admin, &facts("dealer.invitation_created")));
        assert!(!may_see(&tech, &facts("dealer.invitation_created")));
        for kind in [
            "call.logged",
            "case.opened",
            "account.created",
            "user.registered",
        ] {
            assert!(!may_see(&admin, &facts(kind)), "{kind}");
        }
        let internal = EventFacts {
            staff_only: true,
            ..facts("dispatch.created")
        };
        assert!(!may_see(&admin, &internal));
    }
}
