//! Service cases: what a case is about, the states it moves through and who may move them,
//! and whether the manufacturer answered in time.

use chrono::{DateTime, Utc};

use crate::Invalid;
use crate::Message;
use crate::identity::StaffRole;

/// What a case is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Fault,
    Consumables,
    MeterQuery,
    Move,
    GeneralQuestion,
    /// Invoices and the account's billing: about the account, never a device.
    Billing,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::Fault,
        Category::Consumables,
        Category::MeterQuery,
        Category::Move,
        Category::GeneralQuestion,
        Category::Billing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Fault => "fault",
            Category::Consumables => "consumables",
            Category::MeterQuery => "meter_query",
            Category::Move => "move",
            Category::GeneralQuestion => "general_question",
            Category::Billing => "billing",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                Invalid::new(
                    "category",
                    Message::new("invalid-one-of").with("names", names.join(", ")),
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Acknowledged,
    InProgress,
    AwaitingCustomer,
    Resolved,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Open,
        Status::Acknowledged,
        Status::InProgress,
        Status::AwaitingCustomer,
        Status::Resolved,
        Status::Closed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in_progress",
            Status::AwaitingCustomer => "awaiting_customer",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Status::ALL.iter().copied().find(|st| st.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled)
    }
}

impl Category {
    /// May a case of this category be about the account alone, with no device? Questions
    /// about invoices, the account or meter billing may; a fault, consumables or a move are
    /// always about a device.
    pub fn may_omit_device(self) -> bool {
        matches!(
            self,
            Category::Billing | Category::GeneralQuestion | Category::MeterQuery
        )
    }
}

crate::label!(impl Category as "CaseCategory", "case category");
crate::label!(serde Category);
crate::label!(impl Status as "CaseStatus", "case status");
crate::label!(serde Status);
crate::label!(
    /// What an attachment holds, as its content shows (not as its name or the sender says):
    /// a photo or screenshot, a PDF (a configuration page), or plain text (a log).
    pub enum AttachmentType as "AttachmentType", "attachment type" {
        Png = "image/png",
        Jpeg = "image/jpeg",
        Pdf = "application/pdf",
        Text = "text/plain",
    }
);

impl AttachmentType {
    /// The type of `content` if it is one fleetdesk accepts: PNG, JPEG and PDF by their
    /// signatures, plain text when the whole of it is UTF-8 without control characters other
    /// than tab, line feed, carriage return and form feed.
    pub fn of(content: &[u8]) -> Option<Self> {
        if content.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(AttachmentType::Png)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentType::Jpeg)
        } else if content.starts_with(b"%PDF-") {
            Some(AttachmentType::Pdf)
        } else if is_plain_text(content) {
            Some(AttachmentType::Text)
        } else {
            None
        }
    }

    /// The file name extension a download suggests.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentType::Png => "png",
            AttachmentType::Jpeg => "jpg",
            AttachmentType::Pdf => "pdf",
            AttachmentType::Text => "txt",
        }
    }
}

fn is_plain_text(content: &[u8]) -> bool {
    !content.is_empty()
        && std::str::from_utf8(content).is_ok_and(|text| {
            text.chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        })
}

/// A file name as a download may offer it: the last path segment, without control characters
/// or quotes, at most 200 characters; `attachment.<ext>` when nothing is left.
pub fn attachment_file_name(sent: Option<&str>, kind: AttachmentType) -> String {
    let base = sent
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        format!("attachment.{}", kind.extension())
    } else {
        cleaned.to_owned()
    }
}

/// Who asks to move a case, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// A customer user who may follow the case (an administrator, or the device's manager).
    Customer,
    Staff(StaffRole),
    /// A technician the dispatch planner assigned to this case.
    AssignedTechnician,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("a case cannot move from {from} to {to}", from = .from.as_str(), to = .to.as_str())]
    Illegal { from: Status, to: Status },
    #[error("you may not move a case from {from} to {to}", from = .from.as_str(), to = .to.as_str())]
    NotYours { from: Status, to: Status },
}

impl MoveError {
    /// The refusal as a person reads it.
    pub fn message(&self) -> crate::Message {
        let (key, from, to) = match self {
            MoveError::Illegal { from, to } => ("case-move-illegal", from, to),
            MoveError::NotYours { from, to } => ("case-move-not-yours", from, to),
        };
        crate::Message::new(key)
            .with("from", from.as_str())
            .with("to", to.as_str())
    }
}

/// Staff who work cases: customer service, the call center, dispatch planners.
fn case_staff(mover: Mover) -> bool {
    matches!(
        mover,
        Mover::Staff(
            StaffRole::CustomerService | StaffRole::CallCenter | StaffRole::DispatchPlanner
        )
    )
}

/// Decides a move: illegal moves are refused whoever asks; legal ones only for those whose
/// part it is. The manufacturer acknowledges, works and resolves; the customer answers a
/// question, confirms or reopens a resolution, and may withdraw an unresolved case.
pub fn check_move(from: Status, to: Status, mover: Mover) -> Result<(), MoveError> {
    use Status::*;
    let works = case_staff(mover) || mover == Mover::AssignedTechnician;
    let customer = mover == Mover::Customer;
    let customer_service = mover == Mover::Staff(StaffRole::CustomerService);
    let allowed = match (from, to) {
        (Open, Acknowledged)
        | (Open | Acknowledged, InProgress)
        | (InProgress, AwaitingCustomer)
        | (Acknowledged | InProgress, Resolved) => works,
        // The customer's answer puts the case back in the manufacturer's hands.
        (AwaitingCustomer, InProgress) => works || customer,
        (Resolved, Closed | InProgress)
        | (Open | Acknowledged | InProgress | AwaitingCustomer, Cancelled) => {
            customer || customer_service
        }
        _ => return Err(MoveError::Illegal { from, to }),
    };
    if allowed {
        Ok(())
    } else {
        Err(MoveError::NotYours { from, to })
    }
}

/// Does this move answer the customer for the response clock? The first move by the
/// manufacturer out of `Open` does.
pub fn is_first_response(from: Status, mover: Mover) -> bool {
    from == Status::Open && mover != Mover::Customer
}

/// Does this comment answer the customer? A public comment by the manufacturer does; an
/// internal note, which the customer never sees, does not.
pub fn comment_responds(mover: Mover, internal: bool) -> bool {
    mover != Mover::Customer && !internal
}

/// A case's response clock as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub deadline: DateTime<Utc>,
    pub first_response: Option<DateTime<Utc>>,
    /// When the case was closed or cancelled.
    pub ended: Option<DateTime<Utc>>,
}

impl Response {
    /// Answered by the deadline (`None` while unanswered).
    pub fn deadline_met(&self) -> Option<bool> {
        self.first_response.map(|at| at <= self.deadline)
    }

    /// Has the deadline been missed as of `now`: answered late, or still unanswered after it
    /// (a case that ended unanswered is judged at its end).
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        let judged_at = self.first_response.or(self.ended).unwrap_or(now);
        judged_at > self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn movers() -> Vec<Mover> {
        let mut all: Vec<Mover> = StaffRole::ALL.iter().map(|r| Mover::Staff(*r)).collect();
        all.push(Mover::Customer);
        all.push(Mover::AssignedTechnician);
        all
    }

    /// The state machine written out: every legal move and who may make it.
    #[test]
    fn the_moves_are_exactly_these() {
        let staff = |r| Mover::Staff(r);
        let workers = [
            staff(StaffRole::CustomerService),
            staff(StaffRole::CallCenter),
            staff(StaffRole::DispatchPlanner),
            Mover::AssignedTechnician,
        ];
        let customer_side = [Mover::Customer, staff(StaffRole::CustomerService)];
        let table: Vec<(Status, Status, Vec<Mover>)> = vec![
            (Open, Acknowledged, workers.to_vec()),
            (Open, InProgress, workers.to_vec()),
            (Acknowledged, InProgress, workers.to_vec()),
            (InProgress, AwaitingCustomer, workers.to_vec()),
            (
                AwaitingCustomer,
                InProgress,
                [workers.as_slice(), &[Mover::Customer]].concat(),
            ),
            (Acknowledged, Resolved, workers.to_vec()),
            (InProgress, Resolved, workers.to_vec()),
            (Resolved, Closed, customer_side.to_vec()),
            (Resolved, InProgress, customer_side.to_vec()),
            (Open, Cancelled, customer_side.to_vec()),
            (Acknowledged, Cancelled, customer_side.to_vec()),
            (InProgress, Cancelled, customer_side.to_vec()),
            (AwaitingCustomer, Cancelled, customer_side.to_vec()),
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                let row = table.iter().find(|(f, t, _)| *f == from && *t == to);
                for mover in movers() {
                    let result = check_move(from, to, mover);
                    match row {
                        None => assert_eq!(
                            result,
                            Err(MoveError::Illegal { from, to }),
                            "{from:?}→{to:?} {mover:?}"
                        ),
                        Some((_, _, who)) if who.contains(&mover) => {
                            assert_eq!(result, Ok(()), "{from:?}→{to:?} {mover:?}")
                        }
                        Some(_) => assert_eq!(
                            result,
                            Err(MoveError::NotYours { from, to }),
                            "{from:?}→{to:?} {mover:?}"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn final_states_are_final_and_every_other_can_end() {
        for &from in Status::ALL {
            let exits: Vec<Status> = Status::ALL
                .iter()
                .copied()
                .filter(|&to| movers().iter().any(|&m| check_move(from, to, m).is_ok()))
                .collect();
            assert_eq!(exits.is_empty(), from.is_final(), "{from:?}");
        }
        for &s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn only_account_questions_may_omit_the_device() {
        let without: Vec<&str> = Category::ALL
            .iter()
            .filter(|c| c.may_omit_device())
            .map(|c| c.as_str())
            .collect();
        assert_eq!(without, ["meter_query", "general_question", "billing"]);
    }

    #[test]
    fn attachments_are_known_by_their_content() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(AttachmentType::of(png), Some(AttachmentType::Png));
        assert_eq!(
            AttachmentType::of(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(AttachmentType::Jpeg)
        );
        assert_eq!(
            AttachmentType::of(b"%PDF-1.7\n%\xE2\xE3"),
            Some(AttachmentType::Pdf)
        );
        assert_eq!(
            AttachmentType::of("E-041 tray 2 jam\r\nfärg: cyan\t12%\n".as_bytes()),
            Some(AttachmentType::Text)
        );
        // An executable, whatever it is called; binary noise; nothing at all.
        for refused in [
            &b"MZ\x90\0\x03\0\0\0\x04\0"[..],
            b"\x7fELF\x02\x01\x01\0",
            b"log line\0with a NUL",
            b"\xff\xfe\xfd",
            b"",
        ] {
            assert_eq!(AttachmentType::of(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn file_names_keep_only_their_last_segment_and_printable_characters() {
        let t = AttachmentType::Png;
        assert_eq!(attachment_file_name(Some("screen.png"), t), "screen.png");
        assert_eq!(
            attachment_file_name(Some("C:\\Users\\anna\\fel kod.png"), t),
            "fel kod.png"
        );
        assert_eq!(attachment_file_name(Some("../../etc/passwd"), t), "passwd");
        assert_eq!(attachment_file_name(Some("a\"b;\r\nc.png"), t), "abc.png");
        assert_eq!(attachment_file_name(Some(".."), t), "attachment.png");
        assert_eq!(
            attachment_file_name(None, AttachmentType::Text),
            "attachment.txt"
        );
        assert_eq!(attachment_file_name(Some(&"x".repeat(300)), t).len(), 200);
    }

    #[test]
    fn categories_parse_by_name() {
        for &c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Ok(c));
        }
        assert!(Category::parse("Fault").is_err());
    }

    #[test]
    fn breach_is_judged_at_the_response_or_the_end_or_now() {
        let t = |h: u32| {
            chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 23, h, 0, 0)
                .single()
                .unwrap()
        };
        let r = |first_response, ended| Response {
            deadline: t(12),
            first_response,
            ended,
        };
        assert_eq!(r(None, None).deadline_met(), None);
        assert!(!r(None, None).breached(t(11)));
        assert!(
            !r(None, None).breached(t(12)),
            "the deadline itself is in time"
        );
        assert!(r(None, None).breached(t(13)));
        assert_eq!(r(Some(t(12)), None).deadline_met(), Some(true));
        assert!(!r(Some(t(12)), None).breached(t(20)));
        assert_eq!(r(Some(t(13)), None).deadline_met(), Some(false));
        assert!(r(Some(t(13)), None).breached(t(13)));
        assert!(!r(None, Some(t(10))).breached(t(20)), "withdrawn in time");
        assert!(r(None, Some(t(14))).breached(t(20)));
    }

    #[test]
    fn staff_public_comments_answer_the_customer() {
        assert!(comment_responds(Mover::AssignedTechnician, false));
        assert!(!comment_responds(
            Mover::Staff(StaffRole::CustomerService),
            true
        ));
        assert!(!comment_responds(Mover::Customer, false));
    }

    #[test]
    fn the_first_staff_move_out_of_open_is_the_response() {
        assert!(is_first_response(Open, Mover::Staff(StaffRole::CallCenter)));
        assert!(!is_first_response(Open, Mover::Customer));
        assert!(!is_first_response(Acknowledged, Mover::AssignedTechnician));
    }
}
