//! Service contracts, versioned: every edit adds a version, none is changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::service_contracts;
use crate::{Conn, DbResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_contracts)]
pub struct ContractRow {
    pub account_id: String,
    pub version: i32,
    pub response_minutes: i32,
    pub time_zone: String,
    /// JSON, see the migration.
    pub office_hours: String,
    /// JSON, see the migration.
    pub holidays: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

/// The account's current contract: its newest version.
pub fn current(conn: &mut Conn, account_id: &str) -> DbResult<Option<ContractRow>> {
    Ok(service_contracts::table
        .filter(service_contracts::account_id.eq(account_id))
        .order(service_contracts::version.desc())
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_version(
    conn: &mut Conn,
    account_id: &str,
    version: i32,
) -> DbResult<Option<ContractRow>> {
    Ok(service_contracts::table
        .find((account_id, version))
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?)
}

/// Adds a version; call it with the account locked. The primary key refuses a version twice.
pub fn insert(conn: &mut Conn, row: &ContractRow) -> DbResult<()> {
    diesel::insert_into(service_contracts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
