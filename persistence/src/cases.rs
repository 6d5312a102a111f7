//! Service cases, their status history and comments.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::not;
use diesel::prelude::*;

use fleetdesk_domain::cases::{AttachmentType, Category, Status};

use crate::Page;
use crate::labels::Stored;
use crate::schema::{
    case_attachments, case_comments, case_status_changes, cases, device_models, devices, users,
};
use crate::{Conn, DbResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: String,
    pub account_id: String,
    /// `None` for a case about the account alone.
    pub device_id: Option<String>,
    pub category: Stored<Category>,
    pub summary: String,
    pub description: String,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub status: Stored<Status>,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub contract_version: Option<i32>,
    pub clock_start: Option<NaiveDateTime>,
    pub response_deadline: Option<NaiveDateTime>,
    pub first_response_at: Option<NaiveDateTime>,
    pub first_response_by: Option<String>,
    pub assigned_technician_id: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// A case with the device it is about (its serial number and model name), if any.
#[derive(Debug, Clone)]
pub struct CaseContext {
    pub case: CaseRow,
    pub device: Option<(String, String)>,
}

/// A case's row, its device's serial number and its model's name: read with two left joins,
/// which both backends plan as lookups per case (a left join to a parenthesised inner join
/// made SQLite build the whole devices-by-models join for every query).
type CaseJoinRow = (CaseRow, Option<String>, Option<String>);

impl From<CaseJoinRow> for CaseContext {
    fn from((case, serial, model): CaseJoinRow) -> Self {
        Self {
            case,
            device: serial.zip(model),
        }
    }
}

macro_rules! cases_with_devices {
    () => {
        cases::table
            .left_join(devices::table.on(cases::device_id.eq(devices::id.nullable())))
            .left_join(device_models::table.on(devices::model_id.eq(device_models::id)))
            .select((
                CaseRow::as_select(),
                devices::serial_number.nullable(),
                device_models::name.nullable(),
            ))
    };
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_status_changes)]
pub struct StatusChangeRow {
    pub id: String,
    pub case_id: String,
    pub from_status: Option<Stored<Status>>,
    pub to_status: Stored<Status>,
    pub changed_by: String,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_comments)]
pub struct CommentRow {
    pub id: String,
    pub case_id: String,
    pub author_id: String,
    pub body: String,
    pub internal: bool,
    pub created_at: NaiveDateTime,
}

pub fn insert_case(conn: &mut Conn, row: &CaseRow) -> DbResult<()> {
    diesel::insert_into(cases::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_case(conn: &mut Conn, id: &str) -> DbResult<Option<CaseContext>> {
    Ok(cases_with_devices!()
        .filter(cases::id.eq(id))
        .first::<CaseJoinRow>(conn)
        .optional()?
        .map(CaseContext::from))
}

pub fn insert_status_change(conn: &mut Conn, row: &StatusChangeRow) -> DbResult<()> {
    diesel::insert_into(case_status_changes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Moves the case from `from` to `to` if it is still in `from`: `false` when another change
/// came first. `ended` marks a move into a final status.
pub fn move_status(
    conn: &mut Conn,
    id: &str,
    from: Status,
    to: Status,
    ended: bool,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let at = at.naive_utc();
    let moved = diesel::update(
        cases::table
            .filter(cases::id.eq(id))
            .filter(cases::status.eq(Stored(from))),
    )
    .set((
        cases::status.eq(Stored(to)),
        cases::ended_at.eq(ended.then_some(at)),
        cases::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(moved == 1)
}

/// Records the manufacturer's first response, once: later responses change nothing.
pub fn record_first_response(
    conn: &mut Conn,
    id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(
        cases::table
            .filter(cases::id.eq(id))
            .filter(cases::first_response_at.is_null()),
    )
    .set((
        cases::first_response_at.eq(at.naive_utc()),
        cases::first_response_by.eq(by),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn assign_technician(
    conn: &mut Conn,
    id: &str,
    technician_id: Option<&str>,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(cases::table.find(id))
        .set((
            cases::assigned_technician_id.eq(technician_id),
            cases::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_comment(conn: &mut Conn, row: &CommentRow) -> DbResult<()> {
    diesel::insert_into(case_comments::table)
        .values(row)
        .execute(conn)?;
    diesel::update(cases::table.find(&row.case_id))
        .set(cases::updated_at.eq(row.created_at))
        .execute(conn)?;
    Ok(())
}

/// The case's status changes, oldest first, with each changer's display name.
pub fn history(conn: &mut Conn, case_id: &str) -> DbResult<Vec<(StatusChangeRow, String)>> {
    Ok(case_status_changes::table
        .inner_join(users::table)
        .filter(case_status_changes::case_id.eq(case_id))
        .order(case_status_changes::id.asc())
        .select((StatusChangeRow::as_select(), users::display_name))
        .load(conn)?)
}

/// The case's comments, oldest first, with each author's display name; internal notes only
/// when `include_internal`.
pub fn comments(
    conn: &mut Conn,
    case_id: &str,
    include_internal: bool,
) -> DbResult<Vec<(CommentRow, String)>> {
    let mut query = case_comments::table
        .inner_join(users::table)
        .filter(case_comments::case_id.eq(case_id))
        .select((CommentRow::as_select(), users::display_name))
        .into_boxed();
    if !include_internal {
        query = query.filter(case_comments::internal.eq(false));
    }
    Ok(query.order(case_comments::id.asc()).load(conn)?)
}

/// One comment of a case, with its author's display name.
pub fn find_comment(
    conn: &mut Conn,
    case_id: &str,
    comment_id: &str,
) -> DbResult<Option<(CommentRow, String)>> {
    Ok(case_comments::table
        .inner_join(users::table)
        .filter(case_comments::case_id.eq(case_id))
        .filter(case_comments::id.eq(comment_id))
        .select((CommentRow::as_select(), users::display_name))
        .first(conn)
        .optional()?)
}

/// A file attached to a case, without its content.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub case_id: String,
    pub file_name: String,
    pub content_type: Stored<AttachmentType>,
    pub size_bytes: i64,
    pub internal: bool,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_attachment(conn: &mut Conn, row: &AttachmentRow, content: &[u8]) -> DbResult<()> {
    diesel::insert_into(case_attachments::table)
        .values((
            case_attachments::id.eq(&row.id),
            case_attachments::case_id.eq(&row.case_id),
            case_attachments::file_name.eq(&row.file_name),
            case_attachments::content_type.eq(row.content_type),
            case_attachments::size_bytes.eq(row.size_bytes),
            case_attachments::internal.eq(row.internal),
            case_attachments::uploaded_by.eq(&row.uploaded_by),
            case_attachments::uploaded_at.eq(row.uploaded_at),
            case_attachments::content.eq(content),
        ))
        .execute(conn)?;
    diesel::update(cases::table.find(&row.case_id))
        .set(cases::updated_at.eq(row.uploaded_at))
        .execute(conn)?;
    Ok(())
}

/// The case's attachments, oldest first, with each uploader's display name; internal ones only
/// when `include_internal`.
pub fn attachments(
    conn: &mut Conn,
    case_id: &str,
    include_internal: bool,
) -> DbResult<Vec<(AttachmentRow, String)>> {
    let mut query = case_attachments::table
        .inner_join(users::table)
        .filter(case_attachments::case_id.eq(case_id))
        .select((AttachmentRow::as_select(), users::display_name))
        .into_boxed();
    if !include_internal {
        query = query.filter(case_attachments::internal.eq(false));
    }
    Ok(query.order(case_attachments::id.asc()).load(conn)?)
}

/// One attachment of a case with its content.
pub fn attachment_content(
    conn: &mut Conn,
    case_id: &str,
    id: &str,
) -> DbResult<Option<(AttachmentRow, Vec<u8>)>> {
    Ok(case_attachments::table
        .filter(case_attachments::case_id.eq(case_id))
        .filter(case_attachments::id.eq(id))
        .select((AttachmentRow::as_select(), case_attachments::content))
        .first(conn)
        .optional()?)
}

/// Which cases a caller may list.
#[derive(Debug, Clone)]
pub enum CaseReach {
    All,
    /// Every case of `accounts`, the cases of the single `devices`, and the cases about the
    /// account alone that `opener` opened in `opened_in`.
    Devices {
        accounts: Vec<String>,
        devices: Vec<String>,
        opener: String,
        opened_in: Vec<String>,
    },
    /// The cases assigned to this technician.
    AssignedTo(String),
}

#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub reach: CaseReach,
    pub account_id: Option<String>,
    pub device_id: Option<String>,
    /// Any of these statuses (every status when `None`; none when empty).
    pub statuses: Option<Vec<Status>>,
    pub category: Option<Category>,
    pub technician_id: Option<String>,
    /// Deadline missed (`true`) or not (`false`) as of `now`; cases without a response clock
    /// match neither.
    pub breached: Option<bool>,
    /// Only cases due before this instant.
    pub due_before: Option<NaiveDateTime>,
    pub now: NaiveDateTime,
}

/// The list order, and where the previous page ended.
#[derive(Debug, Clone)]
pub enum CaseOrder {
    /// Opening order (ids are time-ordered).
    Opened { after: Option<String> },
    /// Earliest deadline first, cases without a response clock last.
    Deadline {
        after: Option<(Option<NaiveDateTime>, String)>,
    },
}

/// The position of `case` in deadline order, for [`CaseOrder::Deadline`]'s `after`.
pub fn deadline_key(case: &CaseRow) -> String {
    match case.response_deadline {
        Some(d) => format!("{}~{}", d.and_utc().timestamp_micros(), case.id),
        None => format!("~{}", case.id),
    }
}

/// Reads a [`deadline_key`] back; `None` when it is not one.
pub fn parse_deadline_key(key: &str) -> Option<(Option<NaiveDateTime>, String)> {
    let (deadline, id) = key.split_once('~')?;
    if id.is_empty() {
        return None;
    }
    let deadline = match deadline {
        "" => None,
        micros => Some(DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc()),
    };
    Some((deadline, id.to_owned()))
}

pub fn list_cases(
    conn: &mut Conn,
    filter: &CaseFilter,
    order: &CaseOrder,
    limit: i64,
) -> DbResult<Page<CaseContext>> {
    let mut query = cases_with_devices!().into_boxed();
    match &filter.reach {
        CaseReach::All => {}
        // Everything of the caller's accounts and nothing else (administrators, customer
        // service): one condition, which the index on (account, deadline) serves in order.
        CaseReach::Devices {
            accounts,
            devices,
            opened_in,
            ..
        } if devices.is_empty() && opened_in.is_empty() => {
            query = match accounts.as_slice() {
                [account] => query.filter(cases::account_id.eq(account.clone())),
                _ => query.filter(cases::account_id.eq_any(accounts.clone())),
            };
        }
        CaseReach::Devices {
            accounts,
            devices,
            opener,
            opened_in,
        } => {
            query = query.filter(
                cases::account_id
                    .eq_any(accounts.clone())
                    .or(cases::device_id.eq_any(devices.clone()))
                    .or(cases::device_id
                        .is_null()
                        .and(cases::opened_by.eq(opener.clone()))
                        .and(cases::account_id.eq_any(opened_in.clone()))),
            );
        }
        CaseReach::AssignedTo(user) => {
            query = query.filter(cases::assigned_technician_id.eq(user.clone()));
        }
    }
    if let Some(v) = &filter.account_id {
        query = query.filter(cases::account_id.eq(v.clone()));
    }
    if let Some(v) = &filter.device_id {
        query = query.filter(cases::device_id.eq(v.clone()));
    }
    if let Some(statuses) = &filter.statuses {
        query = query.filter(cases::status.eq_any(statuses.iter().copied().map(Stored)));
    }
    if let Some(v) = &filter.category {
        query = query.filter(cases::category.eq(Stored(*v)));
    }
    if let Some(v) = &filter.technician_id {
        query = query.filter(cases::assigned_technician_id.eq(v.clone()));
    }
    if let Some(before) = filter.due_before {
        query = query.filter(cases::response_deadline.lt(before));
    }
    if let Some(breached) = filter.breached {
        // Mirrors `fleetdesk_domain::cases::Response::breached`: judged at the first
        // response, else at the case's end, else now.
        let deadline = cases::response_deadline;
        let responded = cases::first_response_at;
        let ended = cases::ended_at;
        let missed = responded
            .is_not_null()
            .and(responded.gt(deadline))
            .or(responded
                .is_null()
                .and(ended.is_not_null())
                .and(ended.gt(deadline)))
            .or(responded
                .is_null()
                .and(ended.is_null())
                .and(deadline.lt(filter.now)));
        query = query.filter(deadline.is_not_null());
        query = if breached {
            query.filter(missed)
        } else {
            query.filter(not(missed))
        };
    }
    let rows = match order {
        CaseOrder::Opened { after } => {
            if let Some(after) = after {
                query = query.filter(cases::id.gt(after.clone()));
            }
            query
                .order(cases::id.asc())
                .limit(limit + 1)
                .load::<CaseJoinRow>(conn)?
        }
        CaseOrder::Deadline { after } => {
            let deadline = cases::response_deadline;
            match after {
                Some((Some(d), id)) => {
                    query = query.filter(
                        deadline
                            .gt(*d)
                            .or(deadline.eq(*d).and(cases::id.gt(id.clone())))
                            .or(deadline.is_null()),
                    );
                }
                Some((None, id)) => {
                    query = query.filter(deadline.is_null().and(cases::id.gt(id.clone())));
                }
                None => {}
            }
            query
                .order((deadline.is_null().asc(), deadline.asc(), cases::id.asc()))
                .limit(limit + 1)
                .load::<CaseJoinRow>(conn)?
        }
    };
    Ok(Page::from_rows(
        rows.into_iter().map(CaseContext::from).collect(),
        limit,
        |c: &CaseContext| match order {
            CaseOrder::Opened { .. } => c.case.id.clone(),
            CaseOrder::Deadline { .. } => deadline_key(&c.case),
        },
    ))
}

/// The technician assigned now to each of `ids`' cases, and who opened it.
pub fn case_people(
    conn: &mut Conn,
    ids: &[String],
) -> DbResult<Vec<(String, Option<String>, String)>> {
    Ok(cases::table
        .filter(cases::id.eq_any(ids))
        .select((cases::id, cases::assigned_technician_id, cases::opened_by))
        .load(conn)?)
}

/// Cases whose response deadline passed before `now` with no first response, not reported
/// yet and not ended: up to `limit`, the longest overdue first.
pub fn newly_overdue(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> DbResult<Vec<CaseRow>> {
    Ok(cases::table
        .filter(cases::response_deadline.lt(now.naive_utc()))
        .filter(cases::first_response_at.is_null())
        .filter(cases::response_overdue_at.is_null())
        .filter(cases::ended_at.is_null())
        .order(cases::response_deadline.asc())
        .limit(limit)
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// Marks a case's passed deadline reported; false when it was reported already (by another
/// process) or answered meanwhile.
pub fn mark_response_overdue(conn: &mut Conn, id: &str, at: DateTime<Utc>) -> DbResult<bool> {
    let changed = diesel::update(
        cases::table
            .find(id)
            .filter(cases::response_overdue_at.is_null())
            .filter(cases::first_response_at.is_null()),
    )
    .set(cases::response_overdue_at.eq(Some(at.naive_utc())))
    .execute(conn)?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_keys_read_back() {
        let at = DateTime::from_timestamp_micros(1_795_000_000_123_456)
            .unwrap()
            .naive_utc();
        let mut row = CaseRow {
            id: "0190-x".into(),
            account_id: String::new(),
            device_id: None,
            category: Stored(Category::Fault),
            summary: String::new(),
            description: String::new(),
            contact_name: String::new(),
            contact_email: None,
            contact_phone: None,
            status: Stored(Status::Open),
            opened_by: String::new(),
            opened_at: at,
            contract_version: None,
            clock_start: None,
            response_deadline: Some(at),
            first_response_at: None,
            first_response_by: None,
            assigned_technician_id: None,
            ended_at: None,
            updated_at: at,
        };
        assert_eq!(
            parse_deadline_key(&deadline_key(&row)),
            Some((Some(at), "0190-x".into()))
        );
        row.response_deadline = None;
        assert_eq!(
            parse_deadline_key(&deadline_key(&row)),
            Some((None, "0190-x".into()))
        );
        assert_eq!(parse_deadline_key("0190-x"), None);
        assert_eq!(parse_deadline_key("x~"), None);
        assert_eq!(parse_deadline_key("nope~id"), None);
    }
}
