//! Contract shapes that more than one area answers with.

use chrono::{DateTime, Utc};
use fleetdesk_domain::dealers::Eligibility;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use fleetdesk_persistence::events::EventRow;

use crate::error::ApiError;
use crate::labels::EventKindName;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EligibilityView {
    pub eligible: bool,
    /// Where an eligible dispatch goes: `{"kind": "dealer_of_record", "dealer_id": …}` or
    /// `{"kind": "call_center_service"}`.
    #[schema(value_type = Option<Object>)]
    pub route: Option<serde_json::Value>,
    /// Whether the service is reimbursable under the warranty on the call date.
    pub reimbursable: bool,
    /// Every reason that applies, each with a `code` (blocking: no_call, not_a_service_call,
    /// remedies_outstanding, no_troubleshooting_recorded, warranty_marketing_program; and
    /// dealer_of_record, no_dealer_of_record, in_warranty, out_of_warranty, warranty_unknown)
    /// and its facts.
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<serde_json::Value>,
}

pub fn eligibility_view(e: &Eligibility) -> Result<EligibilityView, ApiError> {
    let unwritable = |e: serde_json::Error| ApiError::internal_from(e);
    Ok(EligibilityView {
        eligible: e.eligible,
        route: e
            .route
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(unwritable)?,
        reimbursable: e.reimbursable,
        reasons: e
            .reasons
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()
            .map_err(unwritable)?,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct AddressDto {
    #[schema(
        example = "Kungsgatan 12",
        min_length = 1,
        max_length = 120,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub line1: String,
    #[schema(max_length = 120, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub line2: Option<String>,
    #[schema(
        example = "111 43",
        min_length = 1,
        max_length = 16,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub postal_code: String,
    #[schema(
        example = "Stockholm",
        min_length = 1,
        max_length = 80,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub city: String,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "SE", pattern = r"^\s*[A-Za-z]{2}\s*$")]
    pub country: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartUsedView {
    #[schema(example = "QM7-1234")]
    pub part_number: String,
    #[schema(example = 1, minimum = 1, maximum = 1000)]
    pub quantity: i32,
    /// The part replaced was defective (a warranty part claim may follow).
    #[serde(default)]
    pub defective: bool,
}

/// Section 2 of the service dispatch form.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Section2 {
    pub arrived_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    /// Minutes of labour, at most the time between arrival and completion.
    #[schema(example = 90)]
    pub labour_minutes: i64,
    #[serde(default)]
    pub parts: Vec<PartUsedView>,
    #[schema(example = "Replaced the carriage motor; test prints clean.")]
    pub resolution: String,
    /// The technician who did the work.
    #[schema(example = "Ted Field")]
    pub technician: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct AcceptInvitation {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    /// Required when the address has no fleetdesk user yet.
    #[schema(min_length = 10, max_length = 128)]
    pub password: Option<String>,
    /// Required when the address has no fleetdesk user yet.
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub display_name: Option<String>,
    /// When the address has a confirmed user: that user's password, unless the request is
    /// signed in as that user.
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: Option<String>,
}

/// One event of the feed, as `GET /events` lists it and webhooks deliver it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Position in the feed; strictly increasing in commit order.
    pub seq: i64,
    pub id: String,
    /// What happened, such as `account.created`.
    #[schema(value_type = EventKindName)]
    pub kind: String,
    pub account_id: Option<String>,
    pub subject_type: String,
    pub subject_id: String,
    /// The device the event concerns, if any.
    pub device_id: Option<String>,
    /// The dealer whose object the event concerns, if any.
    pub dealer_id: Option<String>,
    pub actor_id: Option<String>,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

impl TryFrom<EventRow> for Event {
    type Error = ApiError;
    fn try_from(row: EventRow) -> Result<Self, ApiError> {
        Ok(Self {
            occurred_at: row.occurred_at(),
            payload: serde_json::from_str(&row.payload).map_err(|e| ApiError::internal_from(e))?,
            seq: row.seq,
            id: row.id,
            kind: row.kind,
            account_id: row.account_id,
            subject_type: row.subject_type,
            subject_id: row.subject_id,
            device_id: row.device_id,
            dealer_id: row.dealer_id,
            actor_id: row.actor_id,
        })
    }
}
