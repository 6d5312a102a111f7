//! The event feed as a caller sees it: the events of the feed (in commit order) that the
//! scope rule (`fleetdesk_domain::events::may_see`) lets them see. The feed endpoint, its
//! stream and webhooks all read it here.

use std::collections::HashMap;

use fleetdesk_domain::events::{self as feed, EventFacts};
use fleetdesk_domain::identity::Principal;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::events::{self, EventRow, FeedFilter};

use crate::error::ApiError;

/// The caller's feed after `after`: up to `limit` events they may see, and where to continue.
pub fn page_after(
    c: &mut Conn,
    who: &Principal,
    after: i64,
    limit: i64,
) -> Result<(Vec<EventRow>, i64), ApiError> {
    if !feed::may_read_feed(who) {
        return Err(ApiError::forbidden());
    }
    let filter = if who.staff_role.is_some() {
        FeedFilter::All
    } else if let Some(dealer) = &who.dealer {
        FeedFilter::Dealer(dealer.dealer_id.clone())
    } else {
        FeedFilter::Accounts(
            who.memberships
                .iter()
                .map(|m| m.account_id.clone())
                .collect(),
        )
    };
    visible_after(c, who, &filter, after, limit)
}

/// Whether `who` may see one event of the feed (the notifier asks this of every recipient).
pub fn may_see_row(c: &mut Conn, who: &Principal, row: &EventRow) -> Result<bool, ApiError> {
    let people = current_people(c, std::slice::from_ref(row))?;
    Ok(feed::may_see(who, &facts(row, &people)))
}

fn facts<'a>(row: &'a EventRow, people: &'a HashMap<String, People>) -> EventFacts<'a> {
    EventFacts {
        kind: &row.kind,
        subject_id: &row.subject_id,
        account_id: row.account_id.as_deref(),
        dealer_id: row.dealer_id.as_deref(),
        device_id: row.device_id.as_deref(),
        technician_id: people.get(&row.subject_id).and_then(|(t, _)| t.as_deref()),
        case_opener: people.get(&row.subject_id).and_then(|(_, o)| o.as_deref()),
        staff_only: row.staff_only,
    }
}

/// The technician assigned now to a case or dispatch, and who opened a case.
type People = (Option<String>, Option<String>);

/// Events are read in batches of this many before the scope rule picks the caller's.
const SCAN_BATCH: i64 = 500;
/// At most this many events are read for one page; the page then ends early, and
/// `next_after` continues past what was read.
const SCAN_LIMIT: usize = 5_000;

/// Up to `limit` events after `after` that `who` may see, and the sequence number to continue
/// after: the last event returned, or — when fewer than `limit` were found — the last one read.
fn visible_after(
    c: &mut Conn,
    who: &Principal,
    filter: &FeedFilter,
    after: i64,
    limit: i64,
) -> Result<(Vec<EventRow>, i64), ApiError> {
    let wanted = usize::try_from(limit).unwrap_or(0);
    let mut visible = Vec::new();
    let mut cursor = after;
    let mut read = 0;
    loop {
        let batch = events::list_after(c, cursor, filter, SCAN_BATCH)?;
        let exhausted = (batch.len() as i64) < SCAN_BATCH;
        let people = current_people(c, &batch)?;
        for row in batch {
            cursor = row.seq;
            read += 1;
            if feed::may_see(who, &facts(&row, &people)) {
                visible.push(row);
                if visible.len() == wanted {
                    return Ok((visible, cursor));
                }
            }
        }
        if exhausted || read >= SCAN_LIMIT {
            return Ok((visible, cursor));
        }
    }
}

/// The technicians assigned now to the cases and dispatches `rows` are about (the scope of a
/// technician follows the current assignment, as the item checks do), and who opened each
/// case.
fn current_people(c: &mut Conn, rows: &[EventRow]) -> Result<HashMap<String, People>, ApiError> {
    let ids_of = |subject: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.subject_type == subject)
            .map(|r| r.subject_id.clone())
            .collect()
    };
    let (cases, dispatches) = (ids_of("case"), ids_of("dispatch"));
    let mut people = HashMap::new();
    if !cases.is_empty() {
        let found = fleetdesk_persistence::cases::case_people(c, &cases)?;
        people.extend(
            found
                .into_iter()
                .map(|(id, technician, opener)| (id, (technician, Some(opener)))),
        );
    }
    if !dispatches.is_empty() {
        let found = fleetdesk_persistence::dealers::dispatch_technicians(c, &dispatches)?;
        people.extend(
            found
                .into_iter()
                .map(|(id, technician)| (id, (technician, None))),
        );
    }
    Ok(people)
}
