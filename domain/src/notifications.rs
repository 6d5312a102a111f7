//! Which changes are mailed, as kinds a user may turn off. Mails about security — address
//! confirmation, password reset and change, a changed address — are no kind: they always go.

use crate::events::EventKind;

crate::label!(
    /// A kind of notification mail; every kind is on until its user turns it off.
    pub enum NotificationKind as "NotificationKind", "notification kind" {
        CaseUpdates = "case_updates",
        CaseResponseOverdue = "case_response_overdue",
        JoinRequests = "join_requests",
        MembershipChanges = "membership_changes",
        DeviceRemovals = "device_removals",
        ReplenishmentOrders = "replenishment_orders",
        Dispatches = "dispatches",
        DispatchDecisions = "dispatch_decisions",
        ReadingReminders = "reading_reminders",
    }
);

impl NotificationKind {
    /// The kind an event is mailed as; `None` for events no one is mailed about.
    /// A case comment is mailed only when it is public (`internal` false).
    pub fn of_event(kind: EventKind, internal: bool) -> Option<Self> {
        use EventKind as E;
        Some(match kind {
            E::CaseStatusChanged => Self::CaseUpdates,
            E::CaseCommented if !internal => Self::CaseUpdates,
            E::CaseResponseOverdue => Self::CaseResponseOverdue,
            E::JoinRequestCreated => Self::JoinRequests,
            E::MemberRoleChanged | E::MemberRemoved => Self::MembershipChanges,
            E::DeviceRemoved => Self::DeviceRemovals,
            E::ReplenishmentOrderRaised | E::ReplenishmentOrderShipped => Self::ReplenishmentOrders,
            E::DispatchCreated => Self::Dispatches,
            E::DispatchLabourDecided | E::ClaimDecided => Self::DispatchDecisions,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Label;

    #[test]
    fn every_kind_but_the_reminders_comes_from_an_event() {
        let from_events: Vec<NotificationKind> = EventKind::ALL
            .iter()
            .filter_map(|k| NotificationKind::of_event(*k, false))
            .collect();
        for kind in NotificationKind::MEMBERS {
            let expected = *kind != NotificationKind::ReadingReminders;
            assert_eq!(from_events.contains(kind), expected, "{kind:?}");
        }
    }

    #[test]
    fn internal_comments_are_never_mailed() {
        assert_eq!(
            NotificationKind::of_event(EventKind::CaseCommented, true),
            None
        );
        assert_eq!(
            NotificationKind::of_event(EventKind::CaseCommented, false),
            Some(NotificationKind::CaseUpdates)
        );
        assert_eq!(
            NotificationKind::of_event(EventKind::CaseOpened, false),
            None
        );
    }
}
