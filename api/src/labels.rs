//! The contract's schemas for the domain's closed sets of names ([`Label`]): each is a string
//! enum listing every name, taken from the enum itself, so the contract and the server agree.
//! A DTO field holds the domain enum and names its schema with `#[schema(value_type = …)]`.

use std::borrow::Cow;

use fleetdesk_domain::labels::Label;
use utoipa::openapi::schema::{Schema, Type};
use utoipa::openapi::{ObjectBuilder, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::error::{ApiError, Text};

/// A label's schema: every member's name.
pub fn schema_of<L: Label>(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(L::MEMBERS.iter().map(|m| m.name())))
        .into()
}

/// Reads a name from a request field: 422 naming every allowed name otherwise.
pub fn parse<L: Label>(field: &'static str, raw: &str) -> Result<L, ApiError> {
    L::from_name(raw.trim()).ok_or_else(|| {
        ApiError::invalid_field(
            field,
            Text::with(
                "invalid-one-of",
                [(
                    "names",
                    L::MEMBERS
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                )],
            ),
        )
    })
}

/// [`parse`] for an optional field.
pub fn parse_opt<L: Label>(field: &'static str, raw: Option<&str>) -> Result<Option<L>, ApiError> {
    raw.map(|raw| parse(field, raw)).transpose()
}

macro_rules! label_schemas {
    ($($(#[$meta:meta])* $schema:ident => $label:ty, $description:literal;)+) => {$(
        $(#[$meta])*
        pub struct $schema;

        impl PartialSchema for $schema {
            fn schema() -> RefOr<Schema> {
                schema_of::<$label>($description)
            }
        }

        impl ToSchema for $schema {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(<$label as Label>::SCHEMA)
            }
        }
    )+};
}

use fleetdesk_domain::{
    cases, clients, dealers, devices, events, identity, knowledge, membership, notifications,
    readings, stock, webhooks,
};

label_schemas! {
    EventKindName => events::EventKind, "What happened: every kind of event fleetdesk writes.";
    StaffRoleName => identity::StaffRole, "A role of the manufacturer's staff.";
    CustomerRoleName => identity::CustomerRole, "A customer role as the API names it.";
    DealerRoleName => identity::DealerRole, "A dealer role as the API names it.";
    CaseCategoryName => cases::Category, "What a case is about.";
    CaseStatusName => cases::Status, "Where a case stands.";
    AttachmentTypeName => cases::AttachmentType, "What an attachment holds, as its content shows.";
    ReadingKindName => readings::ReadingKind, "What an entry of a device's meter history is.";
    ReadingSourceName => readings::ReadingSource, "Who gave a reading.";
    CorrectionKindName => readings::CorrectionKind, "Why the meter history was corrected.";
    DeviceStatusName => devices::DeviceStatus, "Whether a device is in service; a removed device keeps its history.";
    JoinRequestStatusName => membership::JoinRequestStatus, "Where a request to join an account stands.";
    InvitationStatusName => membership::InvitationStatus, "Where an invitation stands.";
    RegistrationStatusName => dealers::RegistrationStatus, "Whether a dealer's registration of a serial number is in force.";
    CallReasonName => dealers::CallReason, "Why the end user called.";
    CallStatusName => dealers::CallStatus, "Where a call stands.";
    AttemptOutcomeName => dealers::AttemptOutcome, "How the agent's own troubleshooting attempt went.";
    RemedyOutcomeName => dealers::RemedyOutcome, "How a user-performed remedy turned out (`not_applicable` needs a note).";
    DispatchRouteName => dealers::DispatchRoute, "Who a dispatch went to: a dealer, or the call center's own service.";
    DispatchStatusName => dealers::DispatchStatus, "Where a dispatch stands.";
    ClaimStatusName => dealers::ClaimStatus, "Where a warranty part claim stands.";
    OrderStatusName => stock::OrderStatus, "Where a replenishment order stands.";
    MovementKindName => stock::MovementKind, "What moved stock.";
    DeliveryStatusName => webhooks::DeliveryStatus, "Where a webhook delivery stands: pending (to be attempted), delivered, or failed (given up after the retry window).";
    ScopeName => clients::Scope, "What an API client may do: an area and a verb.";
    LanguageName => knowledge::Language, "A language the portal is written in.";
    NotificationKindName => notifications::NotificationKind, "A kind of notification mail a user may turn off.";
    ArticleStatusName => knowledge::ArticleStatus, "Whether an article is visible to customers.";
}
