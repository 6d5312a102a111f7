//! Customer accounts and their sites. Customers and staff get different response types, so
//! the staff-only credit data cannot reach a customer by accident.

use actix_web::http::header;
use std::collections::HashMap;

use super::Routes;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use fleetdesk_domain::accounts::{
    self as rules, CreditRating, CustomerAccountNumber, PaymentRecord, SystemAccountNumber,
};
use fleetdesk_domain::identity::Principal;
use fleetdesk_domain::policy::{self, Action, Decision};
use fleetdesk_domain::sites::{Address, TimeZone};
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::accounts::{
    self as repo, AccountChanges, AccountFilter, AccountRow, SiteRow,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::accounts::{self as app_accounts, find_account};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, Problem};
use crate::formats::EmailText;
use crate::http::{PageParams, encode_cursor};
use crate::json::Json;
use crate::page::{Listed, Page};
use crate::state::{State, blocking};
use crate::views::AddressDto;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(list_accounts)
        .service(create_account)
        .service(get_account)
        .service(update_account)
        .service(put_primary_contact)
        .service(put_invoicing_contact)
        .service(list_sites)
        .service(create_site)
        .service(get_site)
        .service(update_site)
        .service(delete_site);
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CreditRatingDto {
    Excellent,
    Good,
    Fair,
    Poor,
    Blocked,
}

impl From<CreditRatingDto> for CreditRating {
    fn from(r: CreditRatingDto) -> Self {
        match r {
            CreditRatingDto::Excellent => Self::Excellent,
            CreditRatingDto::Good => Self::Good,
            CreditRatingDto::Fair => Self::Fair,
            CreditRatingDto::Poor => Self::Poor,
            CreditRatingDto::Blocked => Self::Blocked,
        }
    }
}

impl From<CreditRating> for CreditRatingDto {
    fn from(r: CreditRating) -> Self {
        match r {
            CreditRating::Excellent => Self::Excellent,
            CreditRating::Good => Self::Good,
            CreditRating::Fair => Self::Fair,
            CreditRating::Poor => Self::Poor,
            CreditRating::Blocked => Self::Blocked,
        }
    }
}

/// One invoice of the payment history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct PaymentRecordDto {
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub invoice_number: String,
    pub due_on: NaiveDate,
    pub paid_on: Option<NaiveDate>,
    /// In the currency's minor unit.
    #[schema(minimum = 0)]
    pub amount_minor: i64,
    /// ISO 4217, upper case.
    #[schema(example = "SEK", pattern = r"^[A-Z]{3}$")]
    pub currency: String,
    /// Days paid after the due date; absent while unpaid.
    #[serde(default, skip_deserializing)]
    pub days_late: Option<i64>,
}

impl From<PaymentRecordDto> for PaymentRecord {
    fn from(p: PaymentRecordDto) -> Self {
        Self {
            invoice_number: p.invoice_number,
            due_on: p.due_on,
            paid_on: p.paid_on,
            amount_minor: p.amount_minor,
            currency: p.currency,
        }
    }
}

impl From<PaymentRecord> for PaymentRecordDto {
    fn from(p: PaymentRecord) -> Self {
        Self {
            days_late: p.days_late(),
            invoice_number: p.invoice_number,
            due_on: p.due_on,
            paid_on: p.paid_on,
            amount_minor: p.amount_minor,
            currency: p.currency,
        }
    }
}

/// An account as its own users see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CustomerAccount {
    pub id: String,
    /// The account's main contact, one of its administrators.
    pub primary_contact: Option<PrimaryContact>,
    /// The number on contracts, invoices, quotes and tenders.
    pub customer_account_number: String,
    /// The number customer service identifies the customer by.
    pub system_account_number: String,
    pub name: String,
    /// The day of the month the meter reading period closes; null: the last day.
    #[schema(minimum = 1, maximum = 28)]
    pub reading_closing_day: Option<i32>,
    /// Whom the account's invoices go to.
    pub invoicing_contact: Option<InvoicingContact>,
    pub created_at: DateTime<Utc>,
}

/// Whom an account's invoices go to (kept by its administrators).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvoicingContact {
    #[schema(
        example = "Accounts payable, Nordic Print AB",
        min_length = 1,
        max_length = 100
    )]
    pub name: String,
    #[schema(value_type = EmailText, example = "invoices@nordicprint.example")]
    pub email: String,
    #[schema(
        example = "+46 8 123 456 78",
        max_length = 40,
        pattern = r"^[0-9 +\-()./]*[0-9][0-9 +\-()./]*$"
    )]
    pub phone: Option<String>,
}

fn invoicing_contact(row: &AccountRow) -> Option<InvoicingContact> {
    Some(InvoicingContact {
        name: row.invoicing_contact_name.clone()?,
        email: row.invoicing_contact_email.clone()?,
        phone: row.invoicing_contact_phone.clone(),
    })
}

/// Who the account's main contact is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrimaryContact {
    pub user_id: String,
    pub display_name: String,
    pub email: String,
}

/// The main contacts of `rows`, by account id.
fn contacts_of(
    c: &mut Conn,
    rows: &[AccountRow],
) -> Result<HashMap<String, PrimaryContact>, ApiError> {
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.primary_contact_id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let people: HashMap<String, (String, String)> = repo::contacts(c, &ids)?
        .into_iter()
        .map(|(id, name, email)| (id, (name, email)))
        .collect();
    Ok(rows
        .iter()
        .filter_map(|r| {
            let id = r.primary_contact_id.as_ref()?;
            let (display_name, email) = people.get(id)?.clone();
            Some((
                r.id.clone(),
                PrimaryContact {
                    user_id: id.clone(),
                    display_name,
                    email,
                },
            ))
        })
        .collect())
}

/// An account as the manufacturer's staff see it, with credit data.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffAccount {
    pub id: String,
    /// The account's main contact, one of its administrators.
    pub primary_contact: Option<PrimaryContact>,
    pub customer_account_number: String,
    pub system_account_number: String,
    pub name: String,
    pub credit_rating: Option<CreditRatingDto>,
    pub payment_history: Vec<PaymentRecordDto>,
    /// The day of the month the meter reading period closes; null: the last day.
    #[schema(minimum = 1, maximum = 28)]
    pub reading_closing_day: Option<i32>,
    /// Whom the account's invoices go to.
    pub invoicing_contact: Option<InvoicingContact>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The staff view, with credit data, for customer service; the customer view (numbers and
/// name) for everyone else. `view` tells which one it is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum AccountView {
    Staff(StaffAccount),
    Customer(CustomerAccount),
}

fn stored_history(row: &AccountRow) -> Result<Vec<PaymentRecord>, ApiError> {
    serde_json::from_str(&row.payment_history).map_err(|e| {
        ApiError::internal_from(format!(
            "account {} has an unreadable payment history: {e}",
            row.id
        ))
    })
}

fn staff_view(
    row: AccountRow,
    primary_contact: Option<PrimaryContact>,
) -> Result<StaffAccount, ApiError> {
    let payment_history = stored_history(&row)?.into_iter().map(Into::into).collect();
    let credit_rating = row
        .credit_rating
        .as_deref()
        .map(CreditRating::parse)
        .transpose()
        .map_err(|e| ApiError::internal_from(e))?
        .map(Into::into);
    Ok(StaffAccount {
        primary_contact,
        invoicing_contact: invoicing_contact(&row),
        reading_closing_day: row.reading_closing_day,
        created_at: row.created_at(),
        updated_at: row.updated_at(),
        id: row.id,
        customer_account_number: row.customer_account_number,
        system_account_number: row.system_account_number,
        name: row.name,
        credit_rating,
        payment_history,
    })
}

fn customer_view(row: AccountRow, primary_contact: Option<PrimaryContact>) -> CustomerAccount {
    CustomerAccount {
        primary_contact,
        invoicing_contact: invoicing_contact(&row),
        reading_closing_day: row.reading_closing_day,
        created_at: row.created_at(),
        id: row.id,
        customer_account_number: row.customer_account_number,
        system_account_number: row.system_account_number,
        name: row.name,
    }
}

fn view_for(
    who: &Principal,
    row: AccountRow,
    contact: Option<PrimaryContact>,
) -> Result<AccountView, ApiError> {
    let credit = policy::decide(who, Action::ReadCreditData, Some(&row.id)) == Decision::Allow;
    Ok(if credit {
        AccountView::Staff(staff_view(row, contact)?)
    } else {
        AccountView::Customer(customer_view(row, contact))
    })
}

/// An account read in `c`, as `who` sees it.
fn read_view(c: &mut Conn, who: &Principal, row: AccountRow) -> Result<AccountView, ApiError> {
    let contact = contacts_of(c, std::slice::from_ref(&row))?.remove(&row.id);
    view_for(who, row, contact)
}

impl Listed for AccountView {
    const PAGE: &'static str = "AccountPage";
}

pub type AccountPage = Page<AccountView>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// Matches either the customer or the system account number.
    pub number: Option<String>,
}

/// Lists the accounts the caller may see: their own for customers, all for staff.
#[utoipa::path(
    tag = "accounts",
    params(AccountQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = AccountPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts")]
async fn list_accounts(
    state: State,
    caller: Authenticated,
    filter: web::Query<AccountQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<AccountPage>, ApiError> {
    let user = caller.principal(&state).await?;
    let (limit, after) = page.resolve()?;
    let who = user;
    let scope = policy::account_scope(&who, Action::ReadAccount).ok_or_else(ApiError::forbidden)?;
    let filter = AccountFilter {
        only_ids: match scope {
            policy::AccountScope::All => None,
            policy::AccountScope::Only(ids) => Some(ids),
        },
        number: filter.number.as_deref().map(rules::normalise_number_query),
    };
    let state = state.into_inner();
    let (page, mut contacts) = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            let page = repo::list_accounts(c, &filter, after.as_deref(), limit)?;
            let contacts = contacts_of(c, &page.items)?;
            Ok((page, contacts))
        })
    })
    .await?;
    Ok(web::Json(AccountPage {
        next_cursor: page.next_after.as_deref().map(encode_cursor),
        items: page
            .items
            .into_iter()
            .map(|row| {
                let contact = contacts.remove(&row.id);
                view_for(&who, row, contact)
            })
            .collect::<Result<_, _>>()?,
    }))
}

fn deserialize_some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateAccount {
    #[schema(
        example = "C-10042",
        min_length = 4,
        max_length = 20,
        pattern = "^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$"
    )]
    pub customer_account_number: String,
    #[schema(
        example = "7001234",
        min_length = 4,
        max_length = 20,
        pattern = "^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$"
    )]
    pub system_account_number: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(
        example = "Nordic Print AB",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    pub credit_rating: Option<CreditRatingDto>,
    #[serde(default)]
    #[validate(length(max = 500))]
    #[schema(max_items = 500)]
    pub payment_history: Vec<PaymentRecordDto>,
}

fn history_json(history: Vec<PaymentRecordDto>) -> Result<String, ApiError> {
    let records: Vec<PaymentRecord> = history.into_iter().map(Into::into).collect();
    for (i, r) in records.iter().enumerate() {
        r.validate()
            .map_err(|e| ApiError::invalid_field(format!("payment_history[{i}]"), e.reason))?;
    }
    serde_json::to_string(&records).map_err(|e| ApiError::internal_from(e))
}

/// Creates a customer account (customer service).
#[utoipa::path(
    tag = "accounts",
    request_body = CreateAccount,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body return the first response")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = StaffAccount, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An account number is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts")]
async fn create_account(
    state: State,
    caller: Authenticated,
    body: Json<CreateAccount>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.principal(&state).await?;
    authorize(&user, Action::CreateAccount, None)?;
    body.validate()?;
    let body = body.into_inner();
    let now = state.config.clock.now();
    let row = AccountRow {
        id: fleetdesk_persistence::new_id(),
        customer_account_number: CustomerAccountNumber::parse(&body.customer_account_number)?
            .as_str()
            .to_owned(),
        system_account_number: SystemAccountNumber::parse(&body.system_account_number)?
            .as_str()
            .to_owned(),
        name: rules::parse_name("name", &body.name, 200)?,
        credit_rating: body
            .credit_rating
            .map(|r| CreditRating::from(r).as_str().to_owned()),
        payment_history: history_json(body.payment_history)?,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        primary_contact_id: None,
        reading_closing_day: None,
        invoicing_contact_name: None,
        invoicing_contact_email: None,
        invoicing_contact_phone: None,
    };
    let state = state.into_inner();
    let actor = user.user_id.clone();
    let row = blocking(move || {
        state
            .db
            .write(|c| app_accounts::create(c, &actor, row, now))
    })
    .await?;
    let view = staff_view(row, None)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/accounts/{}", view.id)))
        .json(view))
}

/// One account: the staff view for staff, the customer view for its own users.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AccountView),
        (status = 404, description = "No such account, or not the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}")]
async fn get_account(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<AccountView>, ApiError> {
    let user = caller.principal(&state).await?;
    let id = id.into_inner();
    authorize(&user, Action::ReadAccount, Some(&id))?;
    let state = state.into_inner();
    let who = user;
    let view = blocking(move || {
        state.db.read(|c| {
            let row = find_account(c, &id)?;
            read_view(c, &who, row)
        })
    })
    .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateAccount {
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// `null` clears the rating; absent leaves it.
    #[serde(default, deserialize_with = "deserialize_some")]
    #[schema(value_type = Option<CreditRatingDto>)]
    pub credit_rating: Option<Option<CreditRatingDto>>,
    /// Replaces the whole history.
    #[validate(length(max = 500))]
    #[schema(max_items = 500)]
    pub payment_history: Option<Vec<PaymentRecordDto>>,
}

/// Changes an account's name or credit data (customer service).
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path)),
    request_body = UpdateAccount,
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffAccount),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/accounts/{id}")]
async fn update_account(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<UpdateAccount>,
) -> Result<web::Json<StaffAccount>, ApiError> {
    let user = caller.principal(&state).await?;
    let id = id.into_inner();
    authorize(&user, Action::UpdateAccount, Some(&id))?;
    body.validate()?;
    let body = body.into_inner();
    let now = state.config.clock.now();
    let changes = AccountChanges {
        name: body
            .name
            .as_deref()
            .map(|n| rules::parse_name("name", n, 200))
            .transpose()?,
        credit_rating: body
            .credit_rating
            .map(|r| r.map(|r| CreditRating::from(r).as_str().to_owned())),
        payment_history: body.payment_history.map(history_json).transpose()?,
        updated_at: Some(now.naive_utc()),
    };
    let state = state.into_inner();
    let actor = user.user_id.clone();
    let view = blocking(move || {
        state.db.write(|c| {
            let row = app_accounts::update(c, &actor, &id, changes, now)?;
            let contact = contacts_of(c, std::slice::from_ref(&row))?.remove(&row.id);
            staff_view(row, contact)
        })
    })
    .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PrimaryContactChoice {
    /// One of the account's administrators.
    pub user_id: String,
}

/// Names the account's main contact, one of its administrators (the account's administrators,
/// customer service). Demoting or removing that administrator clears it.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path)),
    request_body = PrimaryContactChoice,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as the caller sees it", body = AccountView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an administrator of this account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/accounts/{id}/primary-contact")]
async fn put_primary_contact(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<PrimaryContactChoice>,
) -> Result<web::Json<AccountView>, ApiError> {
    let user = caller.principal(&state).await?;
    let id = id.into_inner();
    authorize(&user, Action::ManageMembers, Some(&id))?;
    let contact = body.into_inner().user_id;
    let state = state.into_inner();
    let who = user;
    let view = blocking(move || {
        let now = state.config.clock.now();
        state.db.write(|c| {
            let row = app_accounts::set_primary_contact(c, &who.user_id, &id, &contact, now)?;
            read_view(c, &who, row)
        })
    })
    .await?;
    Ok(web::Json(view))
}

/// Sets whom the account's invoices go to (the account's administrators, customer service).
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path)),
    request_body = InvoicingContact,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as the caller sees it", body = AccountView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/accounts/{id}/invoicing-contact")]
async fn put_invoicing_contact(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<InvoicingContact>,
) -> Result<web::Json<AccountView>, ApiError> {
    let body = body.into_inner();
    let name = rules::parse_name("name", &body.name, 100)?;
    let email = fleetdesk_domain::identity::Email::parse(&body.email)?;
    let phone = body
        .phone
        .as_deref()
        .map(|p| rules::parse_phone("phone", p))
        .transpose()?;
    let (id, now) = (id.into_inner(), state.config.clock.now());
    let view = caller
        .write(&state, move |c, who| {
            authorize(who, Action::EditAccountDetails, Some(&id))?;
            let row = app_accounts::set_invoicing_contact(
                c,
                &who.user_id,
                &id,
                (&name, email.as_str(), phone.as_deref()),
                now,
            )?;
            read_view(c, who, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateSite {
    #[validate(length(min = 1, max = 120))]
    #[schema(
        example = "Head office",
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    pub address: AddressDto,
    /// An IANA time zone name.
    #[schema(example = "Europe/Stockholm")]
    pub time_zone: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Site {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub address: AddressDto,
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
}

impl From<SiteRow> for Site {
    fn from(row: SiteRow) -> Self {
        Self {
            created_at: row.created_at(),
            id: row.id,
            account_id: row.account_id,
            name: row.name,
            address: AddressDto {
                line1: row.address_line1,
                line2: row.address_line2,
                postal_code: row.postal_code,
                city: row.city,
                country: row.country,
            },
            time_zone: row.time_zone,
        }
    }
}

impl Listed for Site {
    const PAGE: &'static str = "SitePage";
}

pub type SitePage = Page<Site>;

/// The sites of an account.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SitePage),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/sites")]
async fn list_sites(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<SitePage>, ApiError> {
    let user = caller.principal(&state).await?;
    let id = id.into_inner();
    authorize(&user, Action::ReadSites, Some(&id))?;
    let (limit, after) = page.resolve()?;
    let state = state.into_inner();
    let page = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            find_account(c, &id)?;
            Ok(repo::list_sites(c, &id, after.as_deref(), limit)?)
        })
    })
    .await?;
    Ok(web::Json(Page::of(page, Site::from)))
}

/// One site of an account.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path), ("site_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Site),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/sites/{site_id}")]
async fn get_site(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Site>, ApiError> {
    let user = caller.principal(&state).await?;
    let (account_id, site_id) = path.into_inner();
    authorize(&user, Action::ReadSites, Some(&account_id))?;
    let state = state.into_inner();
    let row = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            repo::find_site(c, &account_id, &site_id)?.ok_or_else(ApiError::not_found)
        })
    })
    .await?;
    Ok(web::Json(Site::from(row)))
}

/// Adds a site to an account (customer service).
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = CreateSite,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Site, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account has a site of this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts/{id}/sites")]
async fn create_site(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<CreateSite>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&user, Action::EditAccountDetails, Some(&account_id))?;
    body.validate()?;
    let body = body.into_inner();
    let address = Address::parse(
        &body.address.line1,
        body.address.line2.as_deref(),
        &body.address.postal_code,
        &body.address.city,
        &body.address.country,
    )?;
    let time_zone = TimeZone::parse(&body.time_zone)?;
    let now = state.config.clock.now();
    let row = SiteRow {
        id: fleetdesk_persistence::new_id(),
        account_id,
        name: rules::parse_name("name", &body.name, 120)?,
        address_line1: address.line1,
        address_line2: address.line2,
        postal_code: address.postal_code,
        city: address.city,
        country: address.country,
        time_zone: time_zone.name().to_owned(),
        created_at: now.naive_utc(),
    };
    let state = state.into_inner();
    let actor = user.user_id.clone();
    let row = blocking(move || {
        state
            .db
            .write(|c| app_accounts::create_site(c, &actor, row, now))
    })
    .await?;
    let site = Site::from(row);
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/accounts/{}/sites/{}", site.account_id, site.id),
        ))
        .json(site))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct SitePatch {
    #[validate(length(min = 1, max = 120))]
    #[schema(
        example = "Head office",
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// The whole address, when it changes.
    pub address: Option<AddressDto>,
    /// An IANA time zone name. Readings already taken keep the day they were taken on.
    #[schema(example = "Europe/Stockholm")]
    pub time_zone: Option<String>,
}

/// Changes a site's name, address or time zone (the account's administrators, customer
/// service).
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path), ("site_id" = String, Path)),
    request_body = SitePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Site),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another site of the account has that name (`site_name_taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/accounts/{id}/sites/{site_id}")]
async fn update_site(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<SitePatch>,
) -> Result<web::Json<Site>, ApiError> {
    body.validate()?;
    let body = body.into_inner();
    let name = body
        .name
        .as_deref()
        .map(|n| rules::parse_name("name", n, 120))
        .transpose()?;
    let address = body
        .address
        .as_ref()
        .map(|a| {
            Address::parse(
                &a.line1,
                a.line2.as_deref(),
                &a.postal_code,
                &a.city,
                &a.country,
            )
        })
        .transpose()?;
    let time_zone = body.time_zone.as_deref().map(TimeZone::parse).transpose()?;
    let (account_id, site_id) = path.into_inner();
    let now = state.config.clock.now();
    let row = caller
        .write(&state, move |c, who| {
            authorize(who, Action::EditAccountDetails, Some(&account_id))?;
            let mut row = fleetdesk_persistence::accounts::find_site(c, &account_id, &site_id)?
                .ok_or_else(ApiError::not_found)?;
            let mut fields = Vec::new();
            if let Some(name) = name {
                row.name = name;
                fields.push("name");
            }
            if let Some(a) = address {
                row.address_line1 = a.line1;
                row.address_line2 = a.line2;
                row.postal_code = a.postal_code;
                row.city = a.city;
                row.country = a.country;
                fields.push("address");
            }
            if let Some(zone) = time_zone {
                row.time_zone = zone.name().to_owned();
                fields.push("time_zone");
            }
            if fields.is_empty() {
                return Ok(row);
            }
            app_accounts::update_site(c, &who.user_id, row, &fields, now)
        })
        .await?;
    Ok(web::Json(Site::from(row)))
}

/// Deletes a site where no device stands or stood (the account's administrators, customer
/// service); members' assignments to it go with it.
#[utoipa::path(
    tag = "accounts",
    params(("id" = String, Path), ("site_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Devices stand or stood there (`site_has_devices`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/accounts/{id}/sites/{site_id}")]
async fn delete_site(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (account_id, site_id) = path.into_inner();
    let now = state.config.clock.now();
    caller
        .write(&state, move |c, who| {
            authorize(who, Action::EditAccountDetails, Some(&account_id))?;
            app_accounts::delete_site(c, &who.user_id, &account_id, &site_id, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
