//! Customer accounts and their sites.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{accounts, site_assignments, sites, users};
use crate::{Conn, DbResult, Page, utc};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: String,
    pub customer_account_number: String,
    pub system_account_number: String,
    pub name: String,
    pub credit_rating: Option<String>,
    /// JSON array of payment records.
    pub payment_history: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// One of the account's administrators, its main contact.
    pub primary_contact_id: Option<String>,
    /// The day of the month its reading period closes; `None`: the month's last day.
    pub reading_closing_day: Option<i32>,
    /// Whom its invoices go to.
    pub invoicing_contact_name: Option<String>,
    pub invoicing_contact_email: Option<String>,
    pub invoicing_contact_phone: Option<String>,
}

impl AccountRow {
    pub fn created_at(&self) -> DateTime<Utc> {
        utc(self.created_at)
    }
    pub fn updated_at(&self) -> DateTime<Utc> {
        utc(self.updated_at)
    }
}

pub fn insert_account(conn: &mut Conn, row: &AccountRow) -> DbResult<()> {
    diesel::insert_into(accounts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find_account(conn: &mut Conn, id: &str) -> DbResult<Option<AccountRow>> {
    Ok(accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_customer_number(conn: &mut Conn, number: &str) -> DbResult<Option<AccountRow>> {
    Ok(accounts::table
        .filter(accounts::customer_account_number.eq(number))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?)
}

/// Serialises changes to one account's members or contract until commit (PostgreSQL; SQLite's
/// write transactions are serial already), so two concurrent changes cannot both pass a check
/// of the state they replace (the last administrator, the next contract version).
pub fn lock_account(conn: &mut Conn, account_id: &str) -> DbResult<()> {
    if let Conn::Postgresql(pg) = conn {
        accounts::table
            .find(account_id)
            .select(accounts::id)
            .for_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// What a list of accounts is filtered by.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// `None`: every account; `Some(ids)`: only these (the caller's scope).
    pub only_ids: Option<Vec<String>>,
    /// Matches either account number exactly (already normalised).
    pub number: Option<String>,
}

pub fn list_accounts(
    conn: &mut Conn,
    filter: &AccountFilter,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<AccountRow>> {
    let mut query = accounts::table.select(AccountRow::as_select()).into_boxed();
    if let Some(ids) = &filter.only_ids {
        query = query.filter(accounts::id.eq_any(ids.clone()));
    }
    if let Some(n) = &filter.number {
        query = query.filter(
            accounts::customer_account_number
                .eq(n.clone())
                .or(accounts::system_account_number.eq(n.clone())),
        );
    }
    if let Some(after) = after {
        query = query.filter(accounts::id.gt(after.to_owned()));
    }
    let rows = query
        .order(accounts::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |a| a.id.clone()))
}

/// The fields staff may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct AccountChanges {
    pub name: Option<String>,
    pub credit_rating: Option<Option<String>>,
    pub payment_history: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_account(conn: &mut Conn, id: &str, changes: &AccountChanges) -> DbResult<AccountRow> {
    diesel::update(accounts::table.find(id))
        .set(changes)
        .execute(conn)?;
    find_account(conn, id)?.ok_or(crate::DbError::NotFound)
}

/// Names `user_id` (or nobody) the account's main contact.
pub fn set_primary_contact(
    conn: &mut Conn,
    account_id: &str,
    user_id: Option<&str>,
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(accounts::table.find(account_id))
        .set((
            accounts::primary_contact_id.eq(user_id),
            accounts::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The main contact of `account_id` stops being `user_id` (who left or is no longer an
/// administrator); `true` when they were.
pub fn drop_primary_contact(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> DbResult<bool> {
    let n = diesel::update(
        accounts::table
            .find(account_id)
            .filter(accounts::primary_contact_id.eq(user_id)),
    )
    .set((
        accounts::primary_contact_id.eq(None::<String>),
        accounts::updated_at.eq(at.naive_utc()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// How many of `site_ids` are sites of `account_id`.
pub fn count_sites_in_account(
    conn: &mut Conn,
    account_id: &str,
    site_ids: &[String],
) -> DbResult<i64> {
    Ok(sites::table
        .filter(sites::account_id.eq(account_id))
        .filter(sites::id.eq_any(site_ids))
        .count()
        .get_result(conn)?)
}

/// Replaces the sites a member of `account_id` is responsible for.
pub fn set_site_assignments(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
    site_ids: &[String],
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::delete(
        site_assignments::table
            .filter(site_assignments::account_id.eq(account_id))
            .filter(site_assignments::user_id.eq(user_id)),
    )
    .execute(conn)?;
    for site_id in site_ids {
        diesel::insert_into(site_assignments::table)
            .values((
                site_assignments::account_id.eq(account_id),
                site_assignments::user_id.eq(user_id),
                site_assignments::site_id.eq(site_id),
                site_assignments::created_at.eq(at.naive_utc()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The sites a member of `account_id` is responsible for, sorted.
pub fn site_assignments_of(
    conn: &mut Conn,
    account_id: &str,
    user_id: &str,
) -> DbResult<Vec<String>> {
    Ok(site_assignments::table
        .filter(site_assignments::account_id.eq(account_id))
        .filter(site_assignments::user_id.eq(user_id))
        .order(site_assignments::site_id.asc())
        .select(site_assignments::site_id)
        .load(conn)?)
}

/// The display name and address of each of `user_ids`.
pub fn contacts(conn: &mut Conn, user_ids: &[String]) -> DbResult<Vec<(String, String, String)>> {
    Ok(users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::display_name, users::email))
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sites)]
pub struct SiteRow {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub time_zone: String,
    pub created_at: NaiveDateTime,
}

impl SiteRow {
    pub fn created_at(&self) -> DateTime<Utc> {
        utc(self.created_at)
    }
}

pub fn insert_site(conn: &mut Conn, row: &SiteRow) -> DbResult<()> {
    diesel::insert_into(sites::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Sets whom the account's invoices go to.
pub fn set_invoicing_contact(
    conn: &mut Conn,
    id: &str,
    (name, email, phone): (&str, &str, Option<&str>),
    at: DateTime<Utc>,
) -> DbResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::invoicing_contact_name.eq(Some(name)),
            accounts::invoicing_contact_email.eq(Some(email)),
            accounts::invoicing_contact_phone.eq(phone),
            accounts::updated_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Writes a site's name, address and time zone (the row as changed).
pub fn update_site(conn: &mut Conn, row: &SiteRow) -> DbResult<()> {
    diesel::update(sites::table.find(&row.id))
        .set((
            sites::name.eq(&row.name),
            sites::address_line1.eq(&row.address_line1),
            sites::address_line2.eq(&row.address_line2),
            sites::postal_code.eq(&row.postal_code),
            sites::city.eq(&row.city),
            sites::country.eq(&row.country),
            sites::time_zone.eq(&row.time_zone),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a site and the members' assignments to it; `false` when devices stand (or stood:
/// a removed device keeps its history) there.
pub fn delete_site(conn: &mut Conn, id: &str) -> DbResult<bool> {
    let devices: i64 = crate::schema::devices::table
        .filter(crate::schema::devices::site_id.eq(id))
        .count()
        .get_result(conn)?;
    if devices > 0 {
        return Ok(false);
    }
    diesel::delete(
        crate::schema::site_assignments::table
            .filter(crate::schema::site_assignments::site_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(sites::table.find(id)).execute(conn)?;
    Ok(true)
}

pub fn find_site(conn: &mut Conn, account_id: &str, id: &str) -> DbResult<Option<SiteRow>> {
    Ok(sites::table
        .filter(sites::account_id.eq(account_id))
        .filter(sites::id.eq(id))
        .select(SiteRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_sites(
    conn: &mut Conn,
    account_id: &str,
    after: Option<&str>,
    limit: i64,
) -> DbResult<Page<SiteRow>> {
    let mut query = sites::table
        .filter(sites::account_id.eq(account_id))
        .select(SiteRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(sites::id.gt(after.to_owned()));
    }
    let rows = query.order(sites::id.asc()).limit(limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, limit, |s| s.id.clone()))
}
