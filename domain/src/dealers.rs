//! The dealer network's rules: when the call center may dispatch service and to whom, what a
//! close-out must say, when labour is compensated, and when a warranty part claim stands.
//!
//! Each rule returns its decision with every reason that applies, so that clients can show
//! why, not only whether.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::Invalid;
use crate::Message;

/// The device's registration with a dealer, as far as dispatch cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub dealer_id: String,
    /// The Warranty Marketing Program option: such devices are not dispatched by the call
    /// center.
    pub warranty_marketing_program: bool,
}

/// What the dispatch decision looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchFacts {
    /// The day of the end user's call; `None` when there was no call.
    pub call_date: Option<NaiveDate>,
    /// The active registration of the serial number, if any.
    pub registration: Option<Registration>,
    /// The call is about a service problem (not a product, pre-sales or post-sales question).
    pub service_problem: bool,
    /// Catalogued user-performed remedies for the problem not yet tried and failed (nor
    /// marked not applicable).
    pub outstanding_remedies: Vec<String>,
    /// At least one troubleshooting attempt is recorded as failed: a catalogued remedy, or
    /// (for a problem with none catalogued) the agent's own attempt.
    pub failed_attempt: bool,
    /// The device's warranty end, when known.
    pub warranty_end: Option<NaiveDate>,
}

/// How a user-performed remedy tried on a call turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemedyOutcome {
    Solved,
    Failed,
    /// Does not apply to this device or situation (a note says why).
    NotApplicable,
}

impl RemedyOutcome {
    pub const ALL: &'static [RemedyOutcome] = &[
        RemedyOutcome::Solved,
        RemedyOutcome::Failed,
        RemedyOutcome::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RemedyOutcome::Solved => "solved",
            RemedyOutcome::Failed => "failed",
            RemedyOutcome::NotApplicable => "not_applicable",
        }
    }

    /// Parses an outcome; not applicable needs a note saying why.
    pub fn parse(raw: &str, note: Option<&str>) -> Result<Self, Invalid> {
        let outcome = match raw {
            "solved" => RemedyOutcome::Solved,
            "failed" => RemedyOutcome::Failed,
            "not_applicable" => RemedyOutcome::NotApplicable,
            _ => {
                return Err(Invalid::new(
                    "outcome",
                    Message::new("invalid-must-solved-failed-applicable"),
                ));
            }
        };
        if outcome == RemedyOutcome::NotApplicable && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(Invalid::new(
                "note",
                Message::new("invalid-say-why-remedy-does-apply"),
            ));
        }
        Ok(outcome)
    }

    /// Is phone troubleshooting done with this remedy: tried and failed, or not applicable?
    /// A remedy that solved the problem leaves nothing to dispatch.
    pub fn exhausted(self) -> bool {
        matches!(self, RemedyOutcome::Failed | RemedyOutcome::NotApplicable)
    }
}

/// Who carries out a dispatched service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Route {
    /// The dealer of record for the serial number.
    DealerOfRecord { dealer_id: String },
    /// No dealer of record: the call center dispatches its own service (dispatch planners).
    CallCenterService,
}

/// One reason behind a dispatch decision. Blocking reasons make a call ineligible; the others
/// say where the service goes and whether it is reimbursable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// Blocking: dispatches come only from an end user's call to the call center.
    NoCall,
    /// Blocking: only a call about a service problem is dispatched; questions are answered.
    NotAServiceCall,
    /// Blocking: phone troubleshooting is not finished.
    RemediesOutstanding {
        remedies: Vec<String>,
    },
    /// Blocking: no troubleshooting attempt is recorded as failed; service is dispatched only
    /// when telephone troubleshooting fails.
    NoTroubleshootingRecorded,
    /// Blocking: the registration selected the Warranty Marketing Program option.
    WarrantyMarketingProgram {
        dealer_id: String,
    },
    DealerOfRecord {
        dealer_id: String,
    },
    NoDealerOfRecord,
    /// Reimbursable: the call date is within the device's warranty.
    InWarranty {
        warranty_end: NaiveDate,
    },
    OutOfWarranty {
        warranty_end: NaiveDate,
    },
    /// Not reimbursable: no warranty end is known for the device.
    WarrantyUnknown,
}

impl Reason {
    /// The stable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NoCall => "no_call",
            Reason::NotAServiceCall => "not_a_service_call",
            Reason::RemediesOutstanding { .. } => "remedies_outstanding",
            Reason::NoTroubleshootingRecorded => "no_troubleshooting_recorded",
            Reason::WarrantyMarketingProgram { .. } => "warranty_marketing_program",
            Reason::DealerOfRecord { .. } => "dealer_of_record",
            Reason::NoDealerOfRecord => "no_dealer_of_record",
            Reason::InWarranty { .. } => "in_warranty",
            Reason::OutOfWarranty { .. } => "out_of_warranty",
            Reason::WarrantyUnknown => "warranty_unknown",
        }
    }

    pub fn blocks(&self) -> bool {
        matches!(
            self,
            Reason::NoCall
                | Reason::NotAServiceCall
                | Reason::RemediesOutstanding { .. }
                | Reason::NoTroubleshootingRecorded
                | Reason::WarrantyMarketingProgram { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub eligible: bool,
    /// Where an eligible dispatch goes; `None` when not eligible.
    pub route: Option<Route>,
    /// Whether the service is reimbursable under warranty (the warranty on the call date).
    pub reimbursable: bool,
    pub reasons: Vec<Reason>,
}

/// Is `on` within a warranty ending `warranty_end` (inclusive)?
pub fn in_warranty(warranty_end: NaiveDate, on: NaiveDate) -> bool {
    on <= warranty_end
}

/// May the call center dispatch service for this call, and to whom?
pub fn dispatch_eligibility(facts: &DispatchFacts) -> Eligibility {
    let mut reasons = Vec::new();
    if facts.call_date.is_none() {
        reasons.push(Reason::NoCall);
    }
    if !facts.service_problem {
        reasons.push(Reason::NotAServiceCall);
    }
    if !facts.outstanding_remedies.is_empty() {
        reasons.push(Reason::RemediesOutstanding {
            remedies: facts.outstanding_remedies.clone(),
        });
    }
    if !facts.failed_attempt {
        reasons.push(Reason::NoTroubleshootingRecorded);
    }
    let route = match &facts.registration {
        Some(r) if r.warranty_marketing_program => {
            reasons.push(Reason::WarrantyMarketingProgram {
                dealer_id: r.dealer_id.clone(),
            });
            None
        }
        Some(r) => {
            reasons.push(Reason::DealerOfRecord {
                dealer_id: r.dealer_id.clone(),
            });
            Some(Route::DealerOfRecord {
                dealer_id: r.dealer_id.clone(),
            })
        }
        None => {
            reasons.push(Reason::NoDealerOfRecord);
            Some(Route::CallCenterService)
        }
    };
    let reimbursable = match (facts.warranty_end, facts.call_date) {
        (Some(end), Some(day)) if in_warranty(end, day) => {
            reasons.push(Reason::InWarranty { warranty_end: end });
            true
        }
        (Some(end), Some(_)) => {
            reasons.push(Reason::OutOfWarranty { warranty_end: end });
            false
        }
        // Without a call there is no call date to judge the warranty on.
        (Some(_), None) => false,
        (None, _) => {
            reasons.push(Reason::WarrantyUnknown);
            false
        }
    };
    let eligible = !reasons.iter().any(Reason::blocks);
    Eligibility {
        eligible,
        route: route.filter(|_| eligible),
        reimbursable: eligible && reimbursable,
        reasons,
    }
}

/// A part used on a dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartUsed {
    pub part_number: String,
    pub quantity: i32,
    pub defective: bool,
}

/// Section 2 of the service dispatch form, as the dealer reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseOut {
    pub arrived_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub labour_minutes: i64,
    pub parts: Vec<PartUsed>,
    pub resolution: String,
    pub technician: String,
}

/// Checks a close-out against the dispatch it closes: arrival after dispatch, completion
/// after arrival and not in the future, labour time within the time on site.
pub fn check_close_out(
    c: &CloseOut,
    dispatched_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Invalid> {
    if c.arrived_at < dispatched_at {
        return Err(Invalid::new(
            "arrived_at",
            Message::new("invalid-must-before-dispatch-created"),
        ));
    }
    if c.completed_at <= c.arrived_at {
        return Err(Invalid::new(
            "completed_at",
            Message::new("invalid-must-after-arrived"),
        ));
    }
    if c.completed_at > now {
        return Err(Invalid::new(
            "completed_at",
            Message::new("invalid-must-future"),
        ));
    }
    let on_site = (c.completed_at - c.arrived_at).num_minutes();
    if c.labour_minutes < 1 || c.labour_minutes > on_site {
        return Err(Invalid::new(
            "labour_minutes",
            Message::new("invalid-labour-minutes").with("max", on_site),
        ));
    }
    for p in &c.parts {
        if p.part_number.trim().is_empty() || p.part_number.chars().count() > 40 {
            return Err(Invalid::new(
                "parts.part_number",
                Message::new("invalid-must-1-40-characters"),
            ));
        }
        if !(1..=1000).contains(&p.quantity) {
            return Err(Invalid::new(
                "parts.quantity",
                Message::new("invalid-must-1-1000"),
            ));
        }
    }
    if c.resolution.trim().is_empty() {
        return Err(Invalid::new(
            "resolution",
            Message::new("invalid-must-empty"),
        ));
    }
    if c.technician.trim().is_empty() {
        return Err(Invalid::new(
            "technician",
            Message::new("invalid-must-empty"),
        ));
    }
    Ok(())
}

/// What labour compensation looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabourFacts {
    pub dispatched_by_call_center: bool,
    /// Dispatched to a dealer; the call center's own service pays no dealer.
    pub to_dealer: bool,
    pub closed_out: bool,
    /// The device's warranty on the call date; `None` when unknown.
    pub in_warranty_on_call_date: Option<bool>,
    pub warranty_marketing_program: bool,
}

/// Why labour is not compensated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabourReason {
    NotDispatchedByCallCenter,
    OwnService,
    NotClosedOut,
    OutOfWarranty,
    WarrantyUnknown,
    WarrantyMarketingProgram,
}

impl LabourReason {
    /// The stable code clients match on.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotDispatchedByCallCenter => "not_dispatched_by_call_center",
            Self::OwnService => "own_service",
            Self::NotClosedOut => "not_closed_out",
            Self::OutOfWarranty => "out_of_warranty",
            Self::WarrantyUnknown => "warranty_unknown",
            Self::WarrantyMarketingProgram => "warranty_marketing_program",
        }
    }

    /// What the reason says to a person.
    pub fn message(self) -> crate::Message {
        crate::Message::new(match self {
            Self::NotDispatchedByCallCenter => "labour-not-dispatched-by-call-center",
            Self::OwnService => "labour-own-service",
            Self::NotClosedOut => "labour-not-closed-out",
            Self::OutOfWarranty => "labour-out-of-warranty",
            Self::WarrantyUnknown => "labour-warranty-unknown",
            Self::WarrantyMarketingProgram => "labour-warranty-marketing-program",
        })
    }
}

/// Labour is compensated only for service the call center dispatched to a dealer, closed
/// out with section 2, on a device in warranty on the call date, outside the Warranty
/// Marketing Program. Every reason against is returned; none means eligible.
pub fn labour_compensation(f: LabourFacts) -> Vec<LabourReason> {
    let mut against = Vec::new();
    if !f.dispatched_by_call_center {
        against.push(LabourReason::NotDispatchedByCallCenter);
    }
    if !f.to_dealer {
        against.push(LabourReason::OwnService);
    }
    if !f.closed_out {
        against.push(LabourReason::NotClosedOut);
    }
    match f.in_warranty_on_call_date {
        Some(true) => {}
        Some(false) => against.push(LabourReason::OutOfWarranty),
        None => against.push(LabourReason::WarrantyUnknown),
    }
    if f.warranty_marketing_program {
        against.push(LabourReason::WarrantyMarketingProgram);
    }
    against
}

/// A warranty administrator's decision on labour or on a part claim: approved, or rejected
/// with a reason. An approval may carry a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub approved: bool,
    pub reason: Option<String>,
}

impl Verdict {
    pub fn parse(decision: &str, reason: Option<&str>) -> Result<Self, Invalid> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > 2000) {
            return Err(Invalid::new(
                "reason",
                Message::new("invalid-must-most-2000-characters"),
            ));
        }
        let approved = match decision.trim() {
            "approved" => true,
            "rejected" => false,
            _ => {
                return Err(Invalid::new(
                    "decision",
                    Message::new("invalid-must-approved-rejected"),
                ));
            }
        };
        if !approved && reason.is_none() {
            return Err(Invalid::new(
                "reason",
                Message::new("invalid-rejection-needs-reason"),
            ));
        }
        Ok(Self {
            approved,
            reason: reason.map(str::to_owned),
        })
    }

    pub fn as_str(&self) -> &'static str {
        if self.approved {
            "approved"
        } else {
            "rejected"
        }
    }
}

/// The labour amount of an approval, in the currency's minor unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabourAmount {
    pub amount_minor: i64,
    pub currency: String,
}

/// The most one dispatch's labour may be compensated with, in minor units.
pub const MAX_LABOUR_MINOR: i64 = 100_000_000;

/// An approval names its amount; a rejection names none.
pub fn parse_labour_amount(
    verdict: &Verdict,
    amount_minor: Option<i64>,
    currency: Option<&str>,
) -> Result<Option<LabourAmount>, Invalid> {
    if !verdict.approved {
        if amount_minor.is_some() || currency.is_some() {
            return Err(Invalid::new(
                "amount_minor",
                Message::new("invalid-rejection-carries-no-amount"),
            ));
        }
        return Ok(None);
    }
    let amount_minor = match amount_minor {
        Some(a) if (1..=MAX_LABOUR_MINOR).contains(&a) => a,
        Some(_) => {
            return Err(Invalid::new(
                "amount_minor",
                Message::new("invalid-range-between")
                    .with("min", 1)
                    .with("max", MAX_LABOUR_MINOR),
            ));
        }
        None => {
            return Err(Invalid::new(
                "amount_minor",
                Message::new("invalid-approval-needs-amount"),
            ));
        }
    };
    let currency = crate::accounts::parse_currency(
        "currency",
        currency.ok_or_else(|| {
            Invalid::new("currency", Message::new("invalid-approval-needs-currency"))
        })?,
    )?;
    Ok(Some(LabourAmount {
        amount_minor,
        currency,
    }))
}

/// The part a claim from a closed-out dispatch names, spelled as section 2 reported it: it
/// must be one of the `(part number, defective)` parts reported there, and defective. Part
/// numbers compare without regard to case.
pub fn claimed_part<'a>(
    reported: impl IntoIterator<Item = (&'a str, bool)>,
    part_number: &str,
) -> Result<&'a str, Invalid> {
    reported
        .into_iter()
        .find(|(p, defective)| *defective && p.eq_ignore_ascii_case(part_number))
        .map(|(p, _)| p)
        .ok_or_else(|| {
            Invalid::new(
                "part_number",
                Message::new("invalid-reported-defective-dispatch-s-close-out"),
            )
        })
}

/// A warranty part claim stands when the part failed within the warranty and not in the
/// future.
pub fn check_claim_failure_date(
    failure_date: NaiveDate,
    warranty_end: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), Invalid> {
    if failure_date > today {
        return Err(Invalid::new(
            "failure_date",
            Message::new("invalid-must-future"),
        ));
    }
    match warranty_end {
        Some(end) if in_warranty(end, failure_date) => Ok(()),
        Some(end) => Err(Invalid::new(
            "failure_date",
            Message::new("invalid-after-warranty").with("end", end),
        )),
        None => Err(Invalid::new(
            "failure_date",
            Message::new("invalid-no-warranty-known-device"),
        )),
    }
}

crate::label!(
    /// Whether a dealer's registration of a serial number is in force.
    pub enum RegistrationStatus as "RegistrationStatus", "registration status" {
        Active = "active",
        Ended = "ended",
    }
);

crate::label!(
    /// Why an end user called the call center.
    pub enum CallReason as "CallReason", "call reason" {
        ProductQuestion = "product_question",
        PreSales = "pre_sales",
        PostSales = "post_sales",
        ServiceProblem = "service_problem",
    }
);

crate::label!(
    /// Where a call stands: open while the call center troubleshoots, then redirected to the
    /// dealer of record, resolved on the phone, or dispatched.
    pub enum CallStatus as "CallStatus", "call status" {
        Open = "open",
        Redirected = "redirected",
        Resolved = "resolved",
        Dispatched = "dispatched",
    }
);

crate::label!(
    /// Who a dispatch went to: a dealer, or the call center's own service.
    pub enum DispatchRoute as "DispatchRoute", "dispatch route" {
        Dealer = "dealer",
        CallCenter = "call_center",
    }
);

crate::label!(
    /// Where a dispatch stands.
    pub enum DispatchStatus as "DispatchStatus", "dispatch status" {
        Dispatched = "dispatched",
        Accepted = "accepted",
        ClosedOut = "closed_out",
    }
);

crate::label!(
    /// Where a warranty part claim stands.
    pub enum ClaimStatus as "ClaimStatus", "claim status" {
        Submitted = "submitted",
        Approved = "approved",
        Rejected = "rejected",
    }
);

crate::label!(
    /// How the agent's own troubleshooting attempt went.
    pub enum AttemptOutcome as "AttemptOutcome", "attempt outcome" {
        Solved = "solved",
        Failed = "failed",
    }
);

crate::label!(impl RemedyOutcome as "RemedyOutcome", "remedy outcome");
crate::label!(serde RemedyOutcome);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, d).unwrap()
    }

    /// Every combination of registered or not, Warranty Marketing Program or not, remedies
    /// complete or not, in warranty on the call date or not, call or not, service problem or a
    /// question, a failed attempt recorded or not: its decision, route, reimbursability and
    /// reason codes. (Without a registration there is no option to select, so the WMP column
    /// changes nothing in those rows.)
    #[test]
    fn the_dispatch_decision_table() {
        #[derive(Debug, PartialEq)]
        enum To {
            Nowhere,
            Dealer,
            CallCenter,
        }
        use To::{CallCenter, Dealer, Nowhere};
        /// registered, wmp, remedies done, in warranty, call, service problem, failed attempt
        /// => eligible, route, reimbursable, reason codes.
        type Row = (
            bool,
            bool,
            bool,
            bool,
            bool,
            bool,
            bool,
            bool,
            To,
            bool,
            &'static [&'static str],
        );
        const Y: bool = true;
        const N: bool = false;
        #[rustfmt::skip]
        let table: [Row; 128] = [
            // registered, wmp, remedies done, in warranty, call, service problem, failed attempt => eligible, route, reimbursable, reasons
            (Y, Y, Y, Y, Y, Y, Y, N, Nowhere, N, &["warranty_marketing_program", "in_warranty"]),
            (Y, Y, Y, Y, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "warranty_marketing_program", "in_warranty"]),
            (Y, Y, Y, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "warranty_marketing_program", "in_warranty"]),
            (Y, Y, Y, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "warranty_marketing_program", "in_warranty"]),
            (Y, Y, Y, Y, N, Y, Y, N, Nowhere, N, &["no_call", "warranty_marketing_program"]),
            (Y, Y, Y, Y, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, Y, Y, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "warranty_marketing_program"]),
            (Y, Y, Y, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, Y, Y, N, Y, Y, Y, N, Nowhere, N, &["warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, Y, N, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, Y, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, Y, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, Y, N, N, Y, Y, N, Nowhere, N, &["no_call", "warranty_marketing_program"]),
            (Y, Y, Y, N, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, Y, Y, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "warranty_marketing_program"]),
            (Y, Y, Y, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, Y, N, Y, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "warranty_marketing_program", "in_warranty"]),
            (Y, Y, N, Y, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program", "in_warranty"]),
            (Y, Y, N, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "warranty_marketing_program", "in_warranty"]),
            (Y, Y, N, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program", "in_warranty"]),
            (Y, Y, N, Y, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "warranty_marketing_program"]),
            (Y, Y, N, Y, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, Y, N, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "warranty_marketing_program"]),
            (Y, Y, N, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, Y, N, N, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, N, N, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, N, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, N, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program", "out_of_warranty"]),
            (Y, Y, N, N, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "warranty_marketing_program"]),
            (Y, Y, N, N, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, Y, N, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "warranty_marketing_program"]),
            (Y, Y, N, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "warranty_marketing_program"]),
            (Y, N, Y, Y, Y, Y, Y, Y, Dealer, Y, &["dealer_of_record", "in_warranty"]),
            (Y, N, Y, Y, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "dealer_of_record", "in_warranty"]),
            (Y, N, Y, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "dealer_of_record", "in_warranty"]),
            (Y, N, Y, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "dealer_of_record", "in_warranty"]),
            (Y, N, Y, Y, N, Y, Y, N, Nowhere, N, &["no_call", "dealer_of_record"]),
            (Y, N, Y, Y, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "dealer_of_record"]),
            (Y, N, Y, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "dealer_of_record"]),
            (Y, N, Y, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "dealer_of_record"]),
            (Y, N, Y, N, Y, Y, Y, Y, Dealer, N, &["dealer_of_record", "out_of_warranty"]),
            (Y, N, Y, N, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "dealer_of_record", "out_of_warranty"]),
            (Y, N, Y, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "dealer_of_record", "out_of_warranty"]),
            (Y, N, Y, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "dealer_of_record", "out_of_warranty"]),
            (Y, N, Y, N, N, Y, Y, N, Nowhere, N, &["no_call", "dealer_of_record"]),
            (Y, N, Y, N, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "dealer_of_record"]),
            (Y, N, Y, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "dealer_of_record"]),
            (Y, N, Y, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "dealer_of_record"]),
            (Y, N, N, Y, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "dealer_of_record", "in_warranty"]),
            (Y, N, N, Y, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record", "in_warranty"]),
            (Y, N, N, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "dealer_of_record", "in_warranty"]),
            (Y, N, N, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record", "in_warranty"]),
            (Y, N, N, Y, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "dealer_of_record"]),
            (Y, N, N, Y, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record"]),
            (Y, N, N, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "dealer_of_record"]),
            (Y, N, N, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record"]),
            (Y, N, N, N, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "dealer_of_record", "out_of_warranty"]),
            (Y, N, N, N, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record", "out_of_warranty"]),
            (Y, N, N, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "dealer_of_record", "out_of_warranty"]),
            (Y, N, N, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record", "out_of_warranty"]),
            (Y, N, N, N, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "dealer_of_record"]),
            (Y, N, N, N, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record"]),
            (Y, N, N, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "dealer_of_record"]),
            (Y, N, N, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "dealer_of_record"]),
            (N, Y, Y, Y, Y, Y, Y, Y, CallCenter, Y, &["no_dealer_of_record", "in_warranty"]),
            (N, Y, Y, Y, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, Y, Y, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "no_dealer_of_record", "in_warranty"]),
            (N, Y, Y, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, Y, Y, Y, N, Y, Y, N, Nowhere, N, &["no_call", "no_dealer_of_record"]),
            (N, Y, Y, Y, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, Y, Y, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "no_dealer_of_record"]),
            (N, Y, Y, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, Y, Y, N, Y, Y, Y, Y, CallCenter, N, &["no_dealer_of_record", "out_of_warranty"]),
            (N, Y, Y, N, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, Y, Y, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "no_dealer_of_record", "out_of_warranty"]),
            (N, Y, Y, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, Y, Y, N, N, Y, Y, N, Nowhere, N, &["no_call", "no_dealer_of_record"]),
            (N, Y, Y, N, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, Y, Y, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "no_dealer_of_record"]),
            (N, Y, Y, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, Y, N, Y, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "no_dealer_of_record", "in_warranty"]),
            (N, Y, N, Y, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, Y, N, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_dealer_of_record", "in_warranty"]),
            (N, Y, N, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, Y, N, Y, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, Y, N, Y, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, Y, N, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, Y, N, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, Y, N, N, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "no_dealer_of_record", "out_of_warranty"]),
            (N, Y, N, N, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, Y, N, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_dealer_of_record", "out_of_warranty"]),
            (N, Y, N, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, Y, N, N, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, Y, N, N, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, Y, N, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, Y, N, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, Y, Y, Y, Y, Y, Y, CallCenter, Y, &["no_dealer_of_record", "in_warranty"]),
            (N, N, Y, Y, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, N, Y, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "no_dealer_of_record", "in_warranty"]),
            (N, N, Y, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, N, Y, Y, N, Y, Y, N, Nowhere, N, &["no_call", "no_dealer_of_record"]),
            (N, N, Y, Y, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, Y, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "no_dealer_of_record"]),
            (N, N, Y, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, Y, N, Y, Y, Y, Y, CallCenter, N, &["no_dealer_of_record", "out_of_warranty"]),
            (N, N, Y, N, Y, Y, N, N, Nowhere, N, &["no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, N, Y, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "no_dealer_of_record", "out_of_warranty"]),
            (N, N, Y, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, N, Y, N, N, Y, Y, N, Nowhere, N, &["no_call", "no_dealer_of_record"]),
            (N, N, Y, N, N, Y, N, N, Nowhere, N, &["no_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, Y, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "no_dealer_of_record"]),
            (N, N, Y, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, N, Y, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "no_dealer_of_record", "in_warranty"]),
            (N, N, N, Y, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, N, N, Y, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_dealer_of_record", "in_warranty"]),
            (N, N, N, Y, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "in_warranty"]),
            (N, N, N, Y, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, N, N, Y, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, N, Y, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, N, N, Y, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, N, N, Y, Y, Y, N, Nowhere, N, &["remedies_outstanding", "no_dealer_of_record", "out_of_warranty"]),
            (N, N, N, N, Y, Y, N, N, Nowhere, N, &["remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, N, N, N, Y, N, Y, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_dealer_of_record", "out_of_warranty"]),
            (N, N, N, N, Y, N, N, N, Nowhere, N, &["not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record", "out_of_warranty"]),
            (N, N, N, N, N, Y, Y, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, N, N, N, N, Y, N, N, Nowhere, N, &["no_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
            (N, N, N, N, N, N, Y, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_dealer_of_record"]),
            (N, N, N, N, N, N, N, N, Nowhere, N, &["no_call", "not_a_service_call", "remedies_outstanding", "no_troubleshooting_recorded", "no_dealer_of_record"]),
        ];
        for (
            registered,
            wmp,
            remedies_done,
            warranty,
            call,
            service_problem,
            failed_attempt,
            eligible,
            route,
            reimbursable,
            reasons,
        ) in table
        {
            let facts = DispatchFacts {
                call_date: call.then(|| day(15)),
                registration: registered.then(|| Registration {
                    dealer_id: "dealer-1".into(),
                    warranty_marketing_program: wmp,
                }),
                service_problem,
                outstanding_remedies: if remedies_done {
                    vec![]
                } else {
                    vec!["Clean the print head".into()]
                },
                failed_attempt,
                warranty_end: Some(if warranty { day(30) } else { day(1) }),
            };
            let got = dispatch_eligibility(&facts);
            let row = format!(
                "registered {registered}, wmp {wmp}, remedies done {remedies_done}, in warranty {warranty}, call {call}, service problem {service_problem}, failed attempt {failed_attempt}"
            );
            assert_eq!(got.eligible, eligible, "{row}");
            let got_route = match got.route {
                None => Nowhere,
                Some(Route::DealerOfRecord { dealer_id }) => {
                    assert_eq!(dealer_id, "dealer-1");
                    Dealer
                }
                Some(Route::CallCenterService) => CallCenter,
            };
            assert_eq!(got_route, route, "{row}");
            assert_eq!(got.reimbursable, reimbursable, "{row}");
            let codes: Vec<&str> = got.reasons.iter().map(Reason::code).collect();
            assert_eq!(codes, reasons, "{row}");
        }
    }

    #[test]
    fn remedy_outcomes_parse_and_not_applicable_needs_a_reason() {
        assert_eq!(
            RemedyOutcome::parse("failed", None),
            Ok(RemedyOutcome::Failed)
        );
        assert_eq!(
            RemedyOutcome::parse("not_applicable", Some(" "))
                .unwrap_err()
                .field,
            "note"
        );
        assert_eq!(
            RemedyOutcome::parse("not_applicable", Some("Plain paper only")),
            Ok(RemedyOutcome::NotApplicable)
        );
        assert_eq!(
            RemedyOutcome::parse("maybe", None).unwrap_err().field,
            "outcome"
        );
        assert!(RemedyOutcome::Failed.exhausted() && RemedyOutcome::NotApplicable.exhausted());
        assert!(!RemedyOutcome::Solved.exhausted());
    }

    #[test]
    fn an_unknown_warranty_is_not_reimbursable() {
        let got = dispatch_eligibility(&DispatchFacts {
            call_date: Some(day(15)),
            registration: None,
            service_problem: true,
            outstanding_remedies: vec![],
            failed_attempt: true,
            warranty_end: None,
        });
        assert!(got.eligible && !got.reimbursable);
        assert_eq!(got.reasons.last(), Some(&Reason::WarrantyUnknown));
        assert!(in_warranty(day(15), day(15)), "the last day is covered");
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 15, h, m, 0).unwrap()
    }

    fn close_out() -> CloseOut {
        CloseOut {
            arrived_at: at(10, 0),
            completed_at: at(11, 30),
            labour_minutes: 90,
            parts: vec![PartUsed {
                part_number: "QM7-1234".into(),
                quantity: 1,
                defective: true,
            }],
            resolution: "Replaced the carriage motor".into(),
            technician: "Ted".into(),
        }
    }

    #[test]
    fn close_outs_are_checked() {
        let (dispatched, now) = (at(9, 0), at(12, 0));
        assert_eq!(check_close_out(&close_out(), dispatched, now), Ok(()));
        let field = |c: CloseOut| check_close_out(&c, dispatched, now).unwrap_err().field;
        let mut c = close_out();
        c.completed_at = at(9, 59);
        assert_eq!(field(c), "completed_at");
        let mut c = close_out();
        c.labour_minutes = 91;
        assert_eq!(field(c), "labour_minutes");
        let mut c = close_out();
        c.labour_minutes = 0;
        assert_eq!(field(c), "labour_minutes");
        let mut c = close_out();
        c.arrived_at = at(8, 0);
        assert_eq!(field(c), "arrived_at");
        let mut c = close_out();
        c.completed_at = at(12, 1);
        assert_eq!(field(c), "completed_at");
        let mut c = close_out();
        c.parts[0].part_number = " ".into();
        assert_eq!(field(c), "parts.part_number");
        let mut c = close_out();
        c.resolution = String::new();
        assert_eq!(field(c), "resolution");
    }

    #[test]
    fn labour_needs_every_condition() {
        use LabourReason::*;
        let ok = LabourFacts {
            dispatched_by_call_center: true,
            to_dealer: true,
            closed_out: true,
            in_warranty_on_call_date: Some(true),
            warranty_marketing_program: false,
        };
        assert_eq!(labour_compensation(ok), vec![]);
        let none = LabourFacts {
            dispatched_by_call_center: false,
            to_dealer: false,
            closed_out: false,
            in_warranty_on_call_date: Some(false),
            warranty_marketing_program: true,
        };
        assert_eq!(
            labour_compensation(none),
            vec![
                NotDispatchedByCallCenter,
                OwnService,
                NotClosedOut,
                OutOfWarranty,
                WarrantyMarketingProgram
            ]
        );
        let unknown = LabourFacts {
            in_warranty_on_call_date: None,
            ..ok
        };
        assert_eq!(labour_compensation(unknown), vec![WarrantyUnknown]);
        let own = LabourFacts {
            to_dealer: false,
            ..ok
        };
        assert_eq!(labour_compensation(own), vec![OwnService]);
    }

    #[test]
    fn verdicts_and_labour_amounts_are_checked() {
        let approve = Verdict::parse("approved", None).unwrap();
        assert_eq!(approve.as_str(), "approved");
        let reject = Verdict::parse(" rejected ", Some(" Out of warranty ")).unwrap();
        assert_eq!(reject.reason.as_deref(), Some("Out of warranty"));
        assert_eq!(
            Verdict::parse("rejected", Some("  ")).unwrap_err().field,
            "reason"
        );
        assert_eq!(Verdict::parse("maybe", None).unwrap_err().field, "decision");

        let amount = parse_labour_amount(&approve, Some(12_500), Some("USD")).unwrap();
        assert_eq!(
            amount,
            Some(LabourAmount {
                amount_minor: 12_500,
                currency: "USD".into()
            })
        );
        for (minor, currency, field) in [
            (None, Some("USD"), "amount_minor"),
            (Some(0), Some("USD"), "amount_minor"),
            (Some(MAX_LABOUR_MINOR + 1), Some("USD"), "amount_minor"),
            (Some(100), None, "currency"),
            (Some(100), Some("usd"), "currency"),
        ] {
            assert_eq!(
                parse_labour_amount(&approve, minor, currency)
                    .unwrap_err()
                    .field,
                field
            );
        }
        assert_eq!(parse_labour_amount(&reject, None, None), Ok(None));
        assert!(parse_labour_amount(&reject, Some(100), Some("USD")).is_err());
    }

    #[test]
    fn a_claimed_part_was_reported_defective() {
        let reported = [("QM7-1234", true), ("QM7-0001", false)];
        assert_eq!(claimed_part(reported, "qm7-1234"), Ok("QM7-1234"));
        assert_eq!(
            claimed_part(reported, "QM7-0001").unwrap_err().field,
            "part_number"
        );
        assert!(claimed_part(reported, "QM7-9999").is_err());
    }

    #[test]
    fn claims_need_a_failure_within_warranty() {
        let today = day(20);
        assert_eq!(
            check_claim_failure_date(day(10), Some(day(10)), today),
            Ok(())
        );
        assert!(check_claim_failure_date(day(11), Some(day(10)), today).is_err());
        assert!(check_claim_failure_date(day(21), Some(day(30)), today).is_err());
        assert!(check_claim_failure_date(day(10), None, today).is_err());
    }
}
