//! Operations that set a database up outside HTTP: staff users and the demo data set.

use std::fmt::Write as _;

use fleetdesk_domain::Invalid;
use fleetdesk_domain::identity::{CustomerRole, Email, StaffRole};
use fleetdesk_persistence::accounts::{self, AccountRow, SiteRow};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity::{self, UserRow};
use fleetdesk_persistence::{Conn, Db, DbError};
use serde_json::json;

use crate::auth;

pub const MIN_PASSWORD_LEN: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("a user with the address {0} exists already")]
    Exists(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot hash the password")]
    Hash,
}

fn new_user(
    email: &Email,
    name: &str,
    password: &str,
    staff: Option<StaffRole>,
) -> Result<UserRow, BootstrapError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Invalid::new(
            "password",
            format!("needs at least {MIN_PASSWORD_LEN} characters"),
        )
        .into());
    }
    let hash = auth::hash_password(password).map_err(|_| BootstrapError::Hash)?;
    Ok(UserRow::new(
        email.as_str(),
        hash,
        name,
        staff.map(StaffRole::as_str),
        true,
        fleetdesk_persistence::now(),
    ))
}

fn insert_user(conn: &mut Conn, user: &UserRow) -> Result<(), BootstrapError> {
    identity::insert_user(conn, user).map_err(|e| match e {
        DbError::UniqueViolation(_) => BootstrapError::Exists(user.email.clone()),
        other => other.into(),
    })?;
    events::append(
        conn,
        NewEvent {
            kind: "user.created",
            account_id: None,
            subject_type: "user",
            subject_id: &user.id,
            actor_id: None,
            staff_only: true,
            payload: json!({ "email": user.email, "staff_role": user.staff_role }),
            at: user.created_at(),
        },
    )?;
    Ok(())
}

/// Adds a confirmed staff user; returns the new user's id.
pub fn add_staff(
    db: &Db,
    email: &str,
    name: &str,
    role: StaffRole,
    password: &str,
) -> Result<String, BootstrapError> {
    let email = Email::parse(email)?;
    let user = new_user(&email, name, password, Some(role))?;
    db.write(|c| insert_user(c, &user))?;
    Ok(user.id)
}

/// Adds a confirmed customer user with a role in `account_id`; returns the user's id.
pub fn add_customer_user(
    db: &Db,
    account_id: &str,
    email: &str,
    name: &str,
    role: CustomerRole,
    password: &str,
) -> Result<String, BootstrapError> {
    let email = Email::parse(email)?;
    let user = new_user(&email, name, password, None)?;
    db.write(|c| -> Result<(), BootstrapError> {
        insert_user(c, &user)?;
        identity::add_membership(c, account_id, &user.id, role.as_str(), user.created_at())?;
        Ok(())
    })?;
    Ok(user.id)
}

/// Creates an account with its sites; returns the account's id.
pub fn add_account(
    db: &Db,
    customer_number: &str,
    system_number: &str,
    name: &str,
    sites: &[(&str, &str, &str, &str, &str)],
) -> Result<String, BootstrapError> {
    use fleetdesk_domain::accounts::{CustomerAccountNumber, SystemAccountNumber};
    use fleetdesk_domain::sites::{Address, TimeZone};
    let now = fleetdesk_persistence::now();
    let account = AccountRow {
        id: fleetdesk_persistence::new_id(),
        customer_account_number: CustomerAccountNumber::parse(customer_number)?
            .as_str()
            .to_owned(),
        system_account_number: SystemAccountNumber::parse(system_number)?
            .as_str()
            .to_owned(),
        name: name.to_owned(),
        credit_rating: Some("good".to_owned()),
        payment_history: "[]".to_owned(),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    let mut site_rows = Vec::new();
    for (site_name, line1, postal, city, tz) in sites {
        let tz = TimeZone::parse(tz)?;
        let country = match tz.name() {
            n if n.starts_with("America/") => "US",
            n if n.starts_with("Europe/Oslo") => "NO",
            _ => "SE",
        };
        let address = Address::parse(line1, None, postal, city, country)?;
        site_rows.push(SiteRow {
            id: fleetdesk_persistence::new_id(),
            account_id: account.id.clone(),
            name: (*site_name).to_owned(),
            address_line1: address.line1,
            address_line2: address.line2,
            postal_code: address.postal_code,
            city: address.city,
            country: address.country,
            time_zone: tz.name().to_owned(),
            created_at: now.naive_utc(),
        });
    }
    db.write(|c| -> Result<(), BootstrapError> {
        accounts::insert_account(c, &account)?;
        for site in &site_rows {
            accounts::insert_site(c, site)?;
        }
        events::append(
            c,
            NewEvent {
                kind: "account.created",
                account_id: Some(&account.id),
                subject_type: "account",
                subject_id: &account.id,
                actor_id: None,
                staff_only: false,
                payload: json!({ "name": account.name, "sites": site_rows.len() }),
                at: now,
            },
        )?;
        Ok(())
    })?;
    Ok(account.id)
}

/// A confirmed user (not a member) with a pending request to join `account_id`.
fn add_join_request(
    db: &Db,
    account_id: &str,
    email: &str,
    name: &str,
) -> Result<(), BootstrapError> {
    let email = Email::parse(email)?;
    let user = new_user(&email, name, DEMO_PASSWORD, None)?;
    db.write(|c| -> Result<(), BootstrapError> {
        insert_user(c, &user)?;
        identity::insert_join_request(
            c,
            &identity::JoinRequestRow {
                id: fleetdesk_persistence::new_id(),
                account_id: account_id.to_owned(),
                user_id: user.id.clone(),
                status: "pending".into(),
                created_at: user.created_at,
                decided_by: None,
                decided_at: None,
                granted_role: None,
                reason: None,
            },
        )?;
        Ok(())
    })
}

pub const DEMO_PASSWORD: &str = "fleetdesk-demo";

/// Loads the demo data set unless it is there already, and describes its sign-ins.
pub fn demo_seed(db: &Db) -> Result<String, BootstrapError> {
    let staff = [
        (
            "cs@fleetdesk.example",
            "Cecilia Service",
            StaffRole::CustomerService,
        ),
        (
            "callcenter@fleetdesk.example",
            "Carl Center",
            StaffRole::CallCenter,
        ),
        (
            "planner@fleetdesk.example",
            "Petra Planner",
            StaffRole::DispatchPlanner,
        ),
        (
            "tech@fleetdesk.example",
            "Tomas Technician",
            StaffRole::Technician,
        ),
        (
            "warranty@fleetdesk.example",
            "Wilma Warranty",
            StaffRole::WarrantyAdmin,
        ),
    ];
    let customers = [
        (
            "admin@nordicprint.example",
            "Astrid Admin",
            CustomerRole::Administrator,
            0,
        ),
        (
            "devices@nordicprint.example",
            "Dan Devices",
            CustomerRole::DeviceManager,
            0,
        ),
        (
            "stock@nordicprint.example",
            "Siri Stock",
            CustomerRole::StockManager,
            0,
        ),
        (
            "reader@nordicprint.example",
            "Klara Knowledge",
            CustomerRole::KnowledgeUser,
            0,
        ),
        (
            "admin@hudsongraphics.example",
            "Hank Admin",
            CustomerRole::Administrator,
            1,
        ),
    ];
    let mut out = String::new();
    let already = db
        .read(|c| identity::find_user_by_email(c, staff[0].0))?
        .is_some();
    if already {
        out.push_str("The demo data set is loaded already.\n");
    } else {
        for (email, name, role) in staff {
            add_staff(db, email, name, role, DEMO_PASSWORD)?;
        }
        let nordic = add_account(
            db,
            "C-10042",
            "7001234",
            "Nordic Print AB",
            &[
                (
                    "Stockholm head office",
                    "Kungsgatan 12",
                    "111 43",
                    "Stockholm",
                    "Europe/Stockholm",
                ),
                (
                    "Göteborg print room",
                    "Avenyn 5",
                    "411 36",
                    "Göteborg",
                    "Europe/Stockholm",
                ),
            ],
        )?;
        let hudson = add_account(
            db,
            "C-20077",
            "7002001",
            "Hudson Graphics Inc.",
            &[(
                "Manhattan studio",
                "350 Fifth Avenue",
                "10118",
                "New York",
                "America/New_York",
            )],
        )?;
        let account_ids = [nordic, hudson];
        for (email, name, role, account) in customers {
            add_customer_user(db, &account_ids[account], email, name, role, DEMO_PASSWORD)?;
        }
        add_join_request(
            db,
            &account_ids[0],
            "newcomer@nordicprint.example",
            "Nils Newcomer",
        )?;
        out.push_str("Loaded the demo data set.\n");
    }
    let _ = writeln!(out, "Every demo user's password is: {DEMO_PASSWORD}");
    out.push_str("Staff:\n");
    for (email, _, role) in staff {
        let _ = writeln!(out, "  {email:<32} {role}");
    }
    out.push_str("Customers (Nordic Print AB, C-10042; Hudson Graphics Inc., C-20077):\n");
    for (email, _, role, _) in customers {
        let _ = writeln!(out, "  {email:<32} {role}");
    }
    out.push_str("  newcomer@nordicprint.example     no role yet: a pending join request to Nordic Print AB\n");
    out.push_str("Mails (confirmations, invitations) go to the log while SMTP_URL is unset.\n");
    Ok(out)
}
