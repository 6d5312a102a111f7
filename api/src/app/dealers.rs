//! The dealer network: what its operations share.

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::{Conn, DbError};

/// Appends a dealer-network event in the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one event, described field by field"
)]
pub fn event(
    c: &mut Conn,
    kind: EventKind,
    subject_type: &str,
    subject_id: &str,
    device_id: Option<&str>,
    actor: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    // Dealer-network events carry no account: the feed shows them to staff and to the
    // dealer whose object they concern.
    let dealer_id = fleetdesk_persistence::dealers::dealer_of(c, subject_type, subject_id)?;
    events::append(
        c,
        NewEvent {
            kind,
            account_id: None,
            subject_type,
            subject_id,
            device_id,
            dealer_id: dealer_id.as_deref(),
            actor_id: Some(actor),
            staff_only: false,
            payload,
            at,
        },
    )
}
