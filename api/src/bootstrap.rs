//! Operations that set a database up outside HTTP: staff users and the demo data set.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use fleetdesk_domain::Invalid;
use fleetdesk_domain::dealers::{CallReason, CallStatus, RegistrationStatus, RemedyOutcome};
use fleetdesk_domain::devices::DeviceStatus;
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{CustomerRole, DealerRole, Email, Password, StaffRole};
use fleetdesk_domain::knowledge::{ArticleStatus, Language};
use fleetdesk_domain::membership::JoinRequestStatus;
use fleetdesk_domain::readings::{ReadingKind, ReadingSource};
use fleetdesk_persistence::accounts::{self, AccountRow, SiteRow};
use fleetdesk_persistence::events::{self, NewEvent};
use fleetdesk_persistence::identity::{self, UserRow};
use fleetdesk_persistence::labels::Stored;
use fleetdesk_persistence::{Conn, Db, DbError};
use serde_json::json;

use crate::auth;

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
    #[error(transparent)]
    Rule(#[from] crate::error::ApiError),
    #[error(transparent)]
    Case(#[from] crate::app::cases::CaseError),
}

impl fleetdesk_persistence::Unreachable for BootstrapError {
    fn unreachable(&self) -> bool {
        match self {
            BootstrapError::Db(db) => db.unreachable(),
            BootstrapError::Rule(e) => e.unreachable(),
            _ => false,
        }
    }
}

fn new_user(
    email: &Email,
    name: &str,
    password: &str,
    staff: Option<StaffRole>,
    now: DateTime<Utc>,
) -> Result<UserRow, BootstrapError> {
    // The same rules as registration: length, not a common password, not the address.
    let password = Password::parse(password, email)?;
    let hash = auth::hash_password(password.expose()).map_err(|_| BootstrapError::Hash)?;
    Ok(UserRow::new(email.as_str(), hash, name, staff, true, now))
}

fn insert_user(conn: &mut Conn, user: &UserRow) -> Result<(), BootstrapError> {
    identity::insert_user(conn, user).map_err(|e| match e {
        DbError::UniqueViolation(_) => BootstrapError::Exists(user.email.clone()),
        other => other.into(),
    })?;
    events::append(
        conn,
        NewEvent {
            kind: EventKind::UserCreated,
            account_id: None,
            subject_type: "user",
            subject_id: &user.id,
            device_id: None,
            dealer_id: None,
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
    now: DateTime<Utc>,
) -> Result<String, BootstrapError> {
    let email = Email::parse(email)?;
    let user = new_user(&email, name, password, Some(role), now)?;
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
    now: DateTime<Utc>,
) -> Result<String, BootstrapError> {
    let email = Email::parse(email)?;
    let user = new_user(&email, name, password, None, now)?;
    db.write(|c| -> Result<(), BootstrapError> {
        insert_user(c, &user)?;
        identity::add_membership(c, account_id, &user.id, role, user.created_at())?;
        Ok(())
    })?;
    Ok(user.id)
}

/// Adds a dealer organisation; returns its id.
pub fn add_dealer(
    db: &Db,
    name: &str,
    contact_email: &str,
    now: DateTime<Utc>,
) -> Result<String, BootstrapError> {
    use fleetdesk_persistence::dealers::{self, DealerRow};
    let row = DealerRow {
        id: fleetdesk_persistence::new_id(),
        name: name.to_owned(),
        created_at: now.naive_utc(),
        contact_email: Some(Email::parse(contact_email)?.as_str().to_owned()),
    };
    db.write(|c| dealers::insert_dealer(c, &row))?;
    Ok(row.id)
}

/// Adds a confirmed user of dealer `dealer_id` with `role`; returns the user's id.
pub fn add_dealer_user(
    db: &Db,
    dealer_id: &str,
    email: &str,
    name: &str,
    role: DealerRole,
    password: &str,
    now: DateTime<Utc>,
) -> Result<String, BootstrapError> {
    let email = Email::parse(email)?;
    let user = new_user(&email, name, password, None, now)?;
    db.write(|c| -> Result<(), BootstrapError> {
        insert_user(c, &user)?;
        fleetdesk_persistence::dealers::set_dealer_role(
            c,
            &user.id,
            dealer_id,
            role,
            user.created_at(),
        )?;
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
    now: DateTime<Utc>,
) -> Result<String, BootstrapError> {
    use fleetdesk_domain::accounts::{CustomerAccountNumber, SystemAccountNumber};
    use fleetdesk_domain::sites::{Address, TimeZone};
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
        primary_contact_id: None,
        reading_closing_day: None,
        invoicing_contact_name: None,
        invoicing_contact_email: None,
        invoicing_contact_phone: None,
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
                kind: EventKind::AccountCreated,
                account_id: Some(&account.id),
                subject_type: "account",
                subject_id: &account.id,
                device_id: None,
                dealer_id: None,
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
    now: DateTime<Utc>,
) -> Result<(), BootstrapError> {
    let email = Email::parse(email)?;
    let user = new_user(&email, name, DEMO_PASSWORD, None, now)?;
    db.write(|c| -> Result<(), BootstrapError> {
        insert_user(c, &user)?;
        identity::insert_join_request(
            c,
            &identity::JoinRequestRow {
                id: fleetdesk_persistence::new_id(),
                account_id: account_id.to_owned(),
                user_id: user.id.clone(),
                status: Stored(JoinRequestStatus::Pending),
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

/// Two models, four devices and 30 days of readings ending yesterday, so that history, usage
/// and today's submission can be tried at once.
fn add_demo_devices(
    db: &Db,
    nordic: &str,
    hudson: &str,
    nordic_admin: &str,
    nordic_devices: &str,
    now: DateTime<Utc>,
) -> Result<(), BootstrapError> {
    use chrono::{Days, NaiveDate};
    use fleetdesk_domain::readings::local_day;
    use fleetdesk_domain::sites::TimeZone;
    use fleetdesk_persistence::devices::{self, DeviceRow, ModelRow, ReadingRow};

    let model = |name: &str, large_format: bool, rated: i32, meters: &[&str]| ModelRow {
        id: fleetdesk_persistence::new_id(),
        name: name.to_owned(),
        large_format,
        rated_units_per_minute: rated,
        meters: json!(meters).to_string(),
        created_at: now.naive_utc(),
    };
    let office = model("Office 60", false, 60, &["black", "colour"]);
    let plotter = model("Plotter 44", true, 2, &["area-m2"]);
    db.write(|c| -> Result<(), BootstrapError> {
        devices::insert_model(c, &office)?;
        devices::insert_model(c, &plotter)?;
        let sites_of = |c: &mut Conn, account: &str| -> Result<Vec<SiteRow>, BootstrapError> {
            Ok(accounts::list_sites(c, account, None, 10)?.items)
        };
        let (nordic_sites, hudson_sites) = (sites_of(c, nordic)?, sites_of(c, hudson)?);
        let site = |sites: &[SiteRow], name: &str| sites.iter().find(|s| s.name == name).cloned();
        let plan = [
            (
                nordic,
                site(&nordic_sites, "Stockholm head office"),
                &office,
                "NP-1001",
                "Floor 3, copy room",
            ),
            (
                nordic,
                site(&nordic_sites, "Stockholm head office"),
                &office,
                "NP-1002",
                "Floor 5, open office",
            ),
            (
                nordic,
                site(&nordic_sites, "Göteborg print room"),
                &plotter,
                "NP-2001",
                "Print room",
            ),
            (
                hudson,
                site(&hudson_sites, "Manhattan studio"),
                &office,
                "HG-0001",
                "Reception",
            ),
        ];
        let install = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default();
        for (i, (account, site, model, serial, location)) in plan.into_iter().enumerate() {
            let site = site.ok_or(BootstrapError::Db(DbError::NotFound))?;
            let device = DeviceRow {
                id: fleetdesk_persistence::new_id(),
                account_id: account.to_owned(),
                site_id: site.id.clone(),
                model_id: model.id.clone(),
                serial_number: serial.to_owned(),
                location: location.to_owned(),
                install_date: install,
                warranty_end: install + Days::new(3 * 365),
                meters: model.meters.clone(),
                status: Stored(DeviceStatus::Active),
                removal_requested_at: None,
                removal_requested_by: None,
                removal_reason: None,
                removed_at: None,
                removed_by: None,
                created_at: now.naive_utc(),
                updated_at: now.naive_utc(),
            };
            devices::insert_device(c, &device)?;
            if serial == "NP-1001" {
                devices::set_assignments(
                    c,
                    account,
                    nordic_devices,
                    std::slice::from_ref(&device.id),
                    now,
                )?;
            }
            let tz = TimeZone::parse(&site.time_zone)?.tz();
            let meters: Vec<String> = serde_json::from_str(&model.meters).unwrap_or_default();
            let mut counts: Vec<i64> = meters.iter().map(|_| 10_000 * (i as i64 + 1)).collect();
            for days_ago in (1..=30u64).rev() {
                let at = now - chrono::Duration::days(days_ago as i64);
                for (k, count) in counts.iter_mut().enumerate() {
                    // A working day's pages (or square metres), varied but repeatable.
                    let base = if model.large_format {
                        8
                    } else {
                        600 / (k as i64 + 1)
                    };
                    *count += base + (days_ago as i64 * 37 + k as i64 * 11) % (base / 2 + 1);
                }
                let values: std::collections::BTreeMap<&String, i64> =
                    meters.iter().zip(counts.iter().copied()).collect();
                devices::insert_reading(
                    c,
                    &ReadingRow {
                        id: fleetdesk_persistence::new_id(),
                        device_id: device.id.clone(),
                        kind: Stored(ReadingKind::Reading),
                        local_day: local_day(at, tz),
                        meter_values: json!(values).to_string(),
                        source: Stored(ReadingSource::Customer),
                        correction_kind: None,
                        final_values: None,
                        reason: None,
                        flagged: false,
                        recorded_by: nordic_admin.to_owned(),
                        recorded_at: at.naive_utc(),
                    },
                )?;
            }
        }
        Ok(())
    })
}

/// Service contracts: eight office hours with a lunch break and Swedish holidays for Nordic
/// Print, four hours nine to five for Hudson Graphics.
fn add_demo_contracts(
    db: &Db,
    nordic: &str,
    hudson: &str,
    customer_service: &str,
    now: DateTime<Utc>,
) -> Result<(), BootstrapError> {
    use fleetdesk_persistence::contracts::{self, ContractRow};
    let week = |day: serde_json::Value| json!({"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day, "saturday": [], "sunday": []});
    let nordic_hours =
        week(json!([{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]));
    let nordic_holidays = json!([
        {"month": 1, "day": 1, "name": "New Year's Day"},
        {"month": 1, "day": 6, "name": "Epiphany"},
        {"month": 5, "day": 1, "name": "May Day"},
        {"month": 6, "day": 6, "name": "National Day"},
        {"date": "2026-12-24", "name": "Christmas Eve"},
        {"month": 12, "day": 25, "name": "Christmas Day"},
        {"month": 12, "day": 26, "name": "Boxing Day"}
    ]);
    let hudson_hours = week(json!([{"start": "09:00", "end": "17:00"}]));
    let hudson_holidays = json!([{"month": 7, "day": 4, "name": "Independence Day"}, {"date": "2026-11-26", "name": "Thanksgiving"}]);
    let now = now.naive_utc();
    db.write(|c| -> Result<(), BootstrapError> {
        for (account, minutes, zone, hours, holidays) in [
            (
                nordic,
                480,
                "Europe/Stockholm",
                &nordic_hours,
                &nordic_holidays,
            ),
            (
                hudson,
                240,
                "America/New_York",
                &hudson_hours,
                &hudson_holidays,
            ),
        ] {
            contracts::insert(
                c,
                &ContractRow {
                    account_id: account.to_owned(),
                    version: 1,
                    response_minutes: minutes,
                    time_zone: zone.to_owned(),
                    office_hours: hours.to_string(),
                    holidays: holidays.to_string(),
                    created_at: now,
                    created_by: customer_service.to_owned(),
                },
            )?;
        }
        Ok(())
    })
}

/// The demo device with serial number `serial`.
fn demo_device(
    c: &mut Conn,
    serial: &str,
) -> Result<fleetdesk_persistence::devices::DeviceRow, BootstrapError> {
    let filter = fleetdesk_persistence::devices::DeviceFilter {
        serial_number: Some(serial.to_owned()),
        ..Default::default()
    };
    fleetdesk_persistence::devices::list_devices(c, &filter, None, 1)?
        .items
        .into_iter()
        .next()
        .map(|d| d.device)
        .ok_or(BootstrapError::Db(DbError::NotFound))
}

/// Open cases: a fault on NP-1001 reported by its device manager this morning, a toner
/// question on the plotter that customer service acknowledged and a planner gave to the
/// technician, and a Hudson meter query unanswered for three days.
fn add_demo_cases(
    db: &Db,
    nordic_device_manager: &str,
    nordic_admin: &str,
    hudson_admin: &str,
    customer_service: &str,
    technician: &str,
    now: DateTime<Utc>,
) -> Result<(), BootstrapError> {
    use crate::app::cases::{Contact, NewCase, Subject, move_in, open_in};
    use fleetdesk_domain::cases::{Category, Mover, Status};
    use fleetdesk_persistence::cases as cases_repo;

    let hours_ago = |h: i64| now - chrono::Duration::hours(h);
    db.write(|c| -> Result<(), BootstrapError> {
        let contact = |name: &str, email: &str| Contact {
            name: name.to_owned(),
            email: Some(email.to_owned()),
            phone: None,
        };
        let fault_device = demo_device(c, "NP-1001")?;
        let plotter_device = demo_device(c, "NP-2001")?;
        let hudson_device = demo_device(c, "HG-0001")?;
        open_in(
            c,
            (&fault_device).into(),
            nordic_device_manager,
            NewCase {
                category: Category::Fault,
                summary: "Paper jam in tray 2".into(),
                description: "Every job from tray 2 jams; the panel shows E-041.".into(),
                contact: contact("Dan Devices", "devices@nordicprint.example"),
            },
            hours_ago(2),
        )?;
        let plotter = open_in(
            c,
            (&plotter_device).into(),
            nordic_admin,
            NewCase {
                category: Category::Consumables,
                summary: "Cyan ink runs out within a week".into(),
                description: "A new cyan cartridge lasted five days at normal volume.".into(),
                contact: contact("Astrid Admin", "admin@nordicprint.example"),
            },
            hours_ago(30),
        )?;
        let acknowledged_at = hours_ago(28);
        move_in(
            c,
            &plotter,
            Status::Acknowledged,
            Mover::Staff(StaffRole::CustomerService),
            customer_service,
            acknowledged_at,
        )?;
        cases_repo::assign_technician(c, &plotter.id, Some(technician), acknowledged_at)?;
        open_in(
            c,
            (&hudson_device).into(),
            hudson_admin,
            NewCase {
                category: Category::MeterQuery,
                summary: "Colour count looks too high on the last invoice".into(),
                description: "The invoice shows 12,000 colour pages for a quiet month.".into(),
                contact: contact("Hank Admin", "admin@hudsongraphics.example"),
            },
            hours_ago(72),
        )?;
        open_in(
            c,
            Subject {
                account_id: &hudson_device.account_id,
                device_id: None,
            },
            hudson_admin,
            NewCase {
                category: Category::Billing,
                summary: "Invoice reference missing on the November invoice".into(),
                description: "Our purchase order number is not on the invoice; please reissue it."
                    .into(),
                contact: contact("Hank Admin", "admin@hudsongraphics.example"),
            },
            hours_ago(5),
        )?;
        Ok(())
    })
}

/// The dealer network: Hudson Valley Office Systems with an administrator and a technician,
/// registrations of HG-0001 (in the portal) and XR-5001 (an end user without a portal
/// account, under the Warranty Marketing Program), remedies for print quality, and a call on
/// HG-0001 whose remedies all failed, ready to dispatch to the dealer.
fn add_demo_dealer_network(
    db: &Db,
    call_center: &str,
    now: DateTime<Utc>,
) -> Result<(), BootstrapError> {
    use fleetdesk_persistence::dealers::{
        self, CallRemedyRow, CallRow, RegistrationRow, RemedyRow,
    };

    let dealer = add_dealer(
        db,
        "Hudson Valley Office Systems",
        "service@hvos.example",
        now,
    )?;
    let mut user_ids = Vec::new();
    for (email, name, role) in DEMO_DEALER_USERS {
        user_ids.push(add_dealer_user(
            db,
            &dealer,
            email,
            name,
            role,
            DEMO_PASSWORD,
            now,
        )?);
    }
    let at = |hours_ago: i64| (now - chrono::Duration::hours(hours_ago)).naive_utc();
    db.write(|c| -> Result<(), BootstrapError> {
        let hudson = demo_device(c, "HG-0001")?;
        let office_model = demo_device(c, "NP-1001")?.model_id;
        let registration =
            |serial: &str, model: &str, device: Option<&str>, wmp: bool| RegistrationRow {
                id: fleetdesk_persistence::new_id(),
                dealer_id: dealer.clone(),
                model_id: model.to_owned(),
                serial_number: serial.to_owned(),
                device_id: device.map(str::to_owned),
                warranty_marketing_program: wmp,
                warranty_end: None,
                end_user_name: None,
                status: Stored(RegistrationStatus::Active),
                registered_by: user_ids[0].clone(),
                registered_at: at(24 * 20),
                ended_by: None,
                ended_at: None,
            };
        dealers::insert_registration(
            c,
            &registration("HG-0001", &hudson.model_id, Some(&hudson.id), false),
        )?;
        dealers::insert_registration(
            c,
            &RegistrationRow {
                warranty_end: chrono::NaiveDate::from_ymd_opt(2027, 6, 30),
                end_user_name: Some("Riverside Dental".into()),
                ..registration("XR-5001", &office_model, None, true)
            },
        )?;
        let mut remedies = Vec::new();
        for (title, instructions) in [
            (
                "Run the print head cleaning",
                "Menu > Maintenance > Head cleaning; print the nozzle check afterwards.",
            ),
            (
                "Check the paper type setting",
                "The driver's paper type must match the loaded media.",
            ),
        ] {
            let remedy = RemedyRow {
                id: fleetdesk_persistence::new_id(),
                problem_category: "print_quality".into(),
                model_id: None,
                title: title.into(),
                instructions: instructions.into(),
                active: true,
                created_by: call_center.to_owned(),
                created_at: at(24 * 30),
            };
            dealers::insert_remedy(c, &remedy)?;
            remedies.push(remedy.id);
        }
        let call = CallRow {
            id: fleetdesk_persistence::new_id(),
            serial_number: "HG-0001".into(),
            model_id: Some(hudson.model_id.clone()),
            device_id: Some(hudson.id.clone()),
            caller_name: "Hank Admin".into(),
            caller_phone: Some("+1 212 555 0100".into()),
            caller_email: Some("admin@hudsongraphics.example".into()),
            caller_company: Some("Hudson Graphics Inc.".into()),
            site_address: Some("350 Fifth Avenue, New York".into()),
            reason: Stored(CallReason::ServiceProblem),
            problem_category: Some("print_quality".into()),
            problem: "Vertical streaks on every print".into(),
            status: Stored(CallStatus::Open),
            redirected_to: None,
            resolution: None,
            logged_by: call_center.to_owned(),
            called_at: at(1),
            updated_at: at(1),
        };
        dealers::insert_call(c, &call)?;
        for remedy in remedies {
            dealers::insert_call_remedy(
                c,
                &CallRemedyRow {
                    id: fleetdesk_persistence::new_id(),
                    call_id: call.id.clone(),
                    remedy_id: remedy,
                    outcome: Stored(RemedyOutcome::Failed),
                    note: None,
                    recorded_by: call_center.to_owned(),
                    recorded_at: at(1),
                },
            )?;
        }
        Ok(())
    })?;
    Ok(())
}

const DEMO_DEALER_USERS: [(&str, &str, DealerRole); 2] = [
    ("admin@hvos.example", "Vera Valley", DealerRole::DealerAdmin),
    (
        "tech@hvos.example",
        "Theo Valley",
        DealerRole::DealerTechnician,
    ),
];

/// A handful of knowledge articles: four published (two for the office model, one for the
/// plotter, one for every model) and a draft only staff see.
fn add_demo_articles(db: &Db, author: &str, now: DateTime<Utc>) -> Result<(), BootstrapError> {
    use fleetdesk_persistence::knowledge::{self, Article, ArticleRow};
    let now = now.naive_utc();
    db.write(|c| -> Result<(), BootstrapError> {
        let office = demo_device(c, "NP-1001")?.model_id;
        let plotter = demo_device(c, "NP-2001")?.model_id;
        let articles = [
            (
                "Streaks after a toner change",
                "Shake the new toner cartridge five times before fitting it, then print a \
                 cleaning page from **Menu > Maintenance**.",
                Some(&office),
                &["toner", "print-quality"][..],
                ArticleStatus::Published,
            ),
            (
                "Clearing a paper jam in tray 2",
                "1. Pull tray 2 out fully.\n2. Remove any torn paper.\n3. Check the rollers \
                 for dust before closing the tray.",
                Some(&office),
                &["paper-jam"][..],
                ArticleStatus::Published,
            ),
            (
                "Calibrating plotter ink",
                "Run the colour calibration from the panel after every ink change and once a \
                 week under heavy use.",
                Some(&plotter),
                &["ink", "print-quality"][..],
                ArticleStatus::Published,
            ),
            (
                "Reading your meters",
                "The meter counts are under **Menu > Counters**. Submit them once a month; a \
                 reading is never lower than the last.",
                None,
                &["meters"][..],
                ArticleStatus::Published,
            ),
            (
                "Toner batch recall (draft)",
                "Draft: the announcement of a toner batch recall, not yet published.",
                Some(&office),
                &["toner"][..],
                ArticleStatus::Draft,
            ),
        ];
        let swedish = [(
            "Pappersstopp i magasin 2",
            "1. Dra ut magasin 2 helt.\n2. Ta bort allt trasigt papper.\n3. Torka av \
             matarrullarna innan du skjuter in magasinet.",
            Some(&office),
            &["pappersstopp"][..],
            ArticleStatus::Published,
        )];
        let languages = articles
            .into_iter()
            .map(|a| (a, Language::En))
            .chain(swedish.into_iter().map(|a| (a, Language::Sv)));
        for ((title, body, model, tags, status), language) in languages {
            knowledge::insert_article(
                c,
                &Article {
                    row: ArticleRow {
                        id: fleetdesk_persistence::new_id(),
                        title: title.into(),
                        body: body.into(),
                        status: Stored(status),
                        created_by: author.to_owned(),
                        created_at: now,
                        updated_by: author.to_owned(),
                        updated_at: now,
                        published_at: (status == ArticleStatus::Published).then_some(now),
                        language: Stored(language),
                    },
                    model_ids: model.into_iter().cloned().collect(),
                    tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                },
            )?;
        }
        Ok(())
    })
}

/// The demo monitoring agent's device credential, printed with the sign-ins.
pub const DEMO_DEVICE_CREDENTIAL: &str = "fdd_demo-nordic-print-monitoring-agent";

/// Nordic Print's stock: the Stockholm print room keeps black toner and a drum, replenishes
/// NP-1001 and NP-1002, is assigned to the stock manager, and has one open order raised by
/// NP-1001's low toner; a monitoring agent credential reports for the account's devices.
fn add_demo_stock(
    db: &Db,
    account_id: &str,
    admin: &str,
    stock_manager: &str,
    now: DateTime<Utc>,
) -> Result<(), BootstrapError> {
    use fleetdesk_persistence::stock::{
        self, DeviceCredentialRow, OrderRow, StockLevelRow, StockLocationRow,
    };
    let at = now.naive_utc();
    db.write(|c| -> Result<(), BootstrapError> {
        let location = StockLocationRow {
            id: fleetdesk_persistence::new_id(),
            account_id: account_id.to_owned(),
            name: "Stockholm print room".into(),
            shipping_instructions: Some("Reception on the ground floor, weekdays 08-16.".into()),
            address_line1: "Kungsgatan 12".into(),
            address_line2: None,
            postal_code: "111 43".into(),
            city: "Stockholm".into(),
            country: "SE".into(),
            created_by: admin.to_owned(),
            created_at: at,
            updated_at: at,
        };
        stock::insert_location(c, &location)?;
        for (part, description, on_hand, reorder, threshold, quantity) in [
            ("TN-1001K", "Black toner, 20,000 pages", 3, 2, 15, 4),
            ("DR-1001", "Drum unit", 1, 1, 10, 1),
        ] {
            stock::put_level(
                c,
                &StockLevelRow {
                    stock_location_id: location.id.clone(),
                    part_number: part.into(),
                    description: description.into(),
                    on_hand,
                    reorder_point: reorder,
                    supply_threshold_percent: threshold,
                    order_quantity: quantity,
                    updated_at: at,
                },
            )?;
        }
        let devices = [demo_device(c, "NP-1001")?.id, demo_device(c, "NP-1002")?.id];
        stock::set_linked_devices(c, &location.id, &devices, now)?;
        stock::set_assignments(
            c,
            account_id,
            stock_manager,
            std::slice::from_ref(&location.id),
            now,
        )?;
        stock::raise_order_once(
            c,
            &OrderRow::raised(
                account_id,
                &location.id,
                Some(&devices[0]),
                "TN-1001K",
                4,
                Some(8),
                None,
                at.and_utc(),
            ),
        )?;
        stock::insert_credential(
            c,
            &DeviceCredentialRow {
                id: fleetdesk_persistence::new_id(),
                account_id: account_id.to_owned(),
                device_id: None,
                name: "Demo monitoring agent".into(),
                token_hash: auth::token_hash(DEMO_DEVICE_CREDENTIAL),
                created_by: admin.to_owned(),
                created_at: at,
                revoked_at: None,
                last_used_at: None,
            },
        )?;
        Ok(())
    })
}

pub const DEMO_PASSWORD: &str = "fleetdesk-demo";

/// Loads the demo data set unless it is there already, and describes its sign-ins.
pub fn demo_seed(db: &Db, now: DateTime<Utc>) -> Result<String, BootstrapError> {
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
        let mut staff_ids = Vec::new();
        for (email, name, role) in staff {
            staff_ids.push(add_staff(db, email, name, role, DEMO_PASSWORD, now)?);
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
            now,
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
            now,
        )?;
        let account_ids = [nordic, hudson];
        let mut user_ids = Vec::new();
        for (email, name, role, account) in customers {
            user_ids.push(add_customer_user(
                db,
                &account_ids[account],
                email,
                name,
                role,
                DEMO_PASSWORD,
                now,
            )?);
        }
        // user_ids follow `customers`: [0] Nordic's administrator, [1] its device manager.
        add_demo_devices(
            db,
            &account_ids[0],
            &account_ids[1],
            &user_ids[0],
            &user_ids[1],
            now,
        )?;
        // staff_ids follow `staff`: [0] is customer service.
        add_demo_contracts(db, &account_ids[0], &account_ids[1], &staff_ids[0], now)?;
        // user_ids [2] is Nordic's stock manager.
        add_demo_stock(db, &account_ids[0], &user_ids[0], &user_ids[2], now)?;
        add_demo_articles(db, &staff_ids[0], now)?;
        // user_ids [4] is Hudson's administrator; staff_ids [3] the technician.
        add_demo_cases(
            db,
            &user_ids[1],
            &user_ids[0],
            &user_ids[4],
            &staff_ids[0],
            &staff_ids[3],
            now,
        )?;
        // staff_ids [1] is the call center.
        add_demo_dealer_network(db, &staff_ids[1], now)?;
        add_join_request(
            db,
            &account_ids[0],
            "newcomer@nordicprint.example",
            "Nils Newcomer",
            now,
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
    out.push_str(
        "Devices: NP-1001 and NP-1002 (Stockholm), NP-2001 (a large-format plotter, Göteborg),\n",
    );
    out.push_str("  HG-0001 (New York), each with 30 days of readings; NP-1001 is assigned to devices@nordicprint.example.\n");
    out.push_str(
        "Cases: a fault on NP-1001 (open), a plotter ink question (acknowledged, with the\n",
    );
    out.push_str("  technician), a Hudson meter query unanswered for three days.\n");
    out.push_str(
        "Stock: Nordic's Stockholm print room (assigned to stock@nordicprint.example) replenishes\n",
    );
    out.push_str(
        "  NP-1001 and NP-1002; an order for TN-1001K is open. Report supply levels with\n",
    );
    let _ = writeln!(
        out,
        "  Authorization: Bearer {DEMO_DEVICE_CREDENTIAL} (the account's monitoring agent)."
    );
    out.push_str(
        "Knowledge: four published articles (toner, paper jams, plotter ink, meters) and a draft.\n",
    );
    out.push_str("Dealer Hudson Valley Office Systems:\n");
    for (email, _, role) in DEMO_DEALER_USERS {
        let _ = writeln!(out, "  {email:<32} {role}");
    }
    out.push_str(
        "  It registered HG-0001 and XR-5001 (Warranty Marketing Program, no portal account);\n",
    );
    out.push_str(
        "  a call on HG-0001 with every remedy failed is ready to dispatch (callcenter@...).\n",
    );
    out.push_str("Mails (confirmations, invitations) go to the log while SMTP_URL is unset.\n");
    Ok(out)
}
