//! Service contracts: the terms (response time and business calendar) as stored and as
//! answered, and the calendar they describe.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use fleetdesk_domain::calendar::{Calendar, Holiday, Interval};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::sites::TimeZone;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::accounts as accounts_repo;
use fleetdesk_persistence::contracts::{self as repo, ContractRow};
use fleetdesk_persistence::events::{self, NewEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{ApiError, Text};

/// One interval of office hours, local time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OfficeInterval {
    #[schema(example = "08:00", pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub start: String,
    #[schema(example = "17:00", pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub end: String,
}

/// Office hours per weekday; a day without intervals is closed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct OfficeHours {
    pub monday: Vec<OfficeInterval>,
    pub tuesday: Vec<OfficeInterval>,
    pub wednesday: Vec<OfficeInterval>,
    pub thursday: Vec<OfficeInterval>,
    pub friday: Vec<OfficeInterval>,
    pub saturday: Vec<OfficeInterval>,
    pub sunday: Vec<OfficeInterval>,
}

impl OfficeHours {
    fn days(&self) -> [(&'static str, &Vec<OfficeInterval>); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

/// A holiday on one date, or on the same day every year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum HolidayDto {
    Date {
        date: NaiveDate,
        name: Option<String>,
    },
    Yearly {
        month: u32,
        day: u32,
        name: Option<String>,
    },
}

/// What staff set: the response time and the calendar.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ContractTerms {
    /// Contracted response time in office minutes.
    #[validate(range(min = 1, max = 525_600))]
    #[schema(example = 480, minimum = 1, maximum = 525600)]
    pub response_minutes: i32,
    #[schema(example = "Europe/Stockholm")]
    pub time_zone: String,
    pub office_hours: OfficeHours,
    #[serde(default)]
    #[validate(length(max = 400))]
    #[schema(max_items = 400)]
    pub holidays: Vec<HolidayDto>,
}

fn time(field: &str, raw: &str) -> Result<NaiveTime, ApiError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M").map_err(|_| {
        ApiError::invalid_field(
            field.to_owned(),
            Text::with("invalid-not-a-time", [("value", raw.to_string())]),
        )
    })
}

impl ContractTerms {
    /// The business calendar these terms describe, validated by the domain.
    pub fn calendar(&self) -> Result<Calendar, ApiError> {
        let tz = TimeZone::parse(&self.time_zone)?.tz();
        let mut week: [Vec<Interval>; 7] = Default::default();
        for (i, (day, intervals)) in self.office_hours.days().into_iter().enumerate() {
            for iv in intervals {
                let field = format!("office_hours.{day}");
                week[i].push(Interval {
                    start: time(&field, &iv.start)?,
                    end: time(&field, &iv.end)?,
                });
            }
        }
        let holidays = self.holidays.iter().map(|h| match h {
            HolidayDto::Date { date, .. } => Holiday::Date(*date),
            HolidayDto::Yearly { month, day, .. } => Holiday::Yearly {
                month: *month,
                day: *day,
            },
        });
        Ok(Calendar::new(tz, week, holidays)?)
    }
}

pub fn terms_of(row: &ContractRow) -> Result<ContractTerms, ApiError> {
    let unreadable = |e: serde_json::Error| ApiError::internal_from(e);
    Ok(ContractTerms {
        response_minutes: row.response_minutes,
        time_zone: row.time_zone.clone(),
        office_hours: serde_json::from_str(&row.office_hours).map_err(unreadable)?,
        holidays: serde_json::from_str(&row.holidays).map_err(unreadable)?,
    })
}

/// Puts new contract terms in force for an account: a new version, which cases opened from
/// now on take.
pub fn put(
    c: &mut Conn,
    actor: &str,
    account_id: &str,
    (terms, calendar): (ContractTerms, Calendar),
    now: DateTime<Utc>,
) -> Result<ContractRow, ApiError> {
    accounts_repo::find_account(c, account_id)?.ok_or_else(ApiError::not_found)?;
    accounts_repo::lock_account(c, account_id)?;
    let version = repo::current(c, account_id)?.map_or(1, |r| r.version + 1);
    let to_json = |v: serde_json::Result<String>| v.map_err(|e| ApiError::internal_from(e));
    let row = ContractRow {
        account_id: account_id.to_owned(),
        version,
        response_minutes: terms.response_minutes,
        time_zone: calendar.time_zone().name().to_owned(),
        office_hours: to_json(serde_json::to_string(&terms.office_hours))?,
        holidays: to_json(serde_json::to_string(&terms.holidays))?,
        created_at: now.naive_utc(),
        created_by: actor.to_owned(),
    };
    repo::insert(c, &row)?;
    events::append(
        c,
        NewEvent {
            kind: EventKind::ServiceContractUpdated,
            account_id: Some(account_id),
            subject_type: "service_contract",
            subject_id: account_id,
            device_id: None,
            dealer_id: None,
            actor_id: Some(actor),
            staff_only: false,
            payload: json!({ "version": version, "response_minutes": row.response_minutes }),
            at: now,
        },
    )?;
    Ok(row)
}
