//! Notifications: the feed turned into mail. Every server process runs rounds; a round
//! reports cases whose response deadline passed (an event, once per case), then, holding the
//! notifier's lock, mails the events after its cursor and moves it on — in the transaction that
//! queues the mails, so each event is mailed once whichever process reads it. A recipient
//! gets a kind only while it is on for them, never about their own action, and only about
//! what their scope shows them (the feed's own rule).

use chrono::{DateTime, Utc};
use fleetdesk_domain::events::EventKind;
use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_domain::labels::Label;
use fleetdesk_domain::notifications::NotificationKind;
use fleetdesk_persistence::events::{self, EventRow, FeedFilter, NewEvent};
use fleetdesk_persistence::notifications::{self as repo, Recipient};
use fleetdesk_persistence::{Conn, Db};
use fleetdesk_persistence::{accounts, cases, dealers, devices, identity, stock};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::app::feed;
use crate::config::Config;
use crate::error::ApiError;
use crate::i18n::Language;
use crate::mail::texts::{self, Mail};
use crate::mail::{self as outbox};

/// Events read per round.
const BATCH: i64 = 500;
/// Overdue cases reported per round.
const OVERDUE_BATCH: i64 = 100;

/// What a round found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Every event committed so far is mailed.
    Done,
    /// Events are left to read: go on at once.
    More,
    /// Another server process's notifier is at it.
    Busy,
}

/// One round.
pub fn round(db: &Db, config: &Config) -> Result<Round, ApiError> {
    let now = config.clock.now();
    db.write(|c| report_overdue(c, now))?;
    db.write(|c| mail_events(c, config, now))
}

/// Writes `case.response_overdue` for each case whose deadline passed unanswered.
fn report_overdue(c: &mut Conn, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut reported = 0;
    for case in cases::newly_overdue(c, now, OVERDUE_BATCH)? {
        if !cases::mark_response_overdue(c, &case.id, now)? {
            continue;
        }
        events::append(
            c,
            NewEvent {
                kind: EventKind::CaseResponseOverdue,
                account_id: Some(&case.account_id),
                subject_type: "case",
                subject_id: &case.id,
                device_id: case.device_id.as_deref(),
                dealer_id: None,
                actor_id: None,
                staff_only: false,
                payload: json!({ "response_deadline": case.response_deadline.map(|d| d.and_utc()) }),
                at: now,
            },
        )?;
        reported += 1;
    }
    Ok(reported)
}

fn mail_events(c: &mut Conn, config: &Config, now: DateTime<Utc>) -> Result<Round, ApiError> {
    let Some(cursor) = repo::lock_cursor(c)? else {
        return Ok(Round::Busy);
    };
    let rows = events::list_after(c, cursor, &FeedFilter::All, BATCH)?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        return Ok(Round::Done);
    };
    let mut mails = 0;
    for row in &rows {
        mails += notify(c, config, row, now)?;
    }
    repo::advance_cursor(c, last)?;
    if mails > 0 {
        log::debug!(target: "fleetdesk::mail", "{mails} notification(s) queued");
    }
    Ok(if rows.len() as i64 == BATCH {
        Round::More
    } else {
        Round::Done
    })
}

/// What one event is mailed as, and to whom.
fn notify(
    c: &mut Conn,
    config: &Config,
    row: &EventRow,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let Some(kind) = EventKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == row.kind)
    else {
        return Ok(0);
    };
    // Most events (readings, stock levels …) are mailed to no one: skip them unread.
    if NotificationKind::of_event(kind, false).is_none() {
        return Ok(0);
    }
    let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
    let internal = payload["internal"].as_bool().unwrap_or(false);
    let Some(topic) = NotificationKind::of_event(kind, internal) else {
        return Ok(0);
    };
    let letters = letters(c, config, kind, row, &payload)?;
    let mut queued = 0;
    for Letter {
        to,
        about_them,
        mail,
    } in letters
    {
        let to = match to {
            Addressee::Person(person) => person,
            Addressee::Organisation(address) => {
                outbox::enqueue(c, &address, mail, now)?;
                queued += 1;
                continue;
            }
        };
        if row.actor_id.as_deref() == Some(to.id.as_str()) {
            continue;
        }
        if repo::is_opted_out(c, &to.id, topic.as_str())? {
            continue;
        }
        // A mail about the recipient themselves (their role, their removal) tells them only
        // that; everything else they are told only if the feed would show it to them.
        if !about_them {
            let Some(who) = identity::load_principal(c, &to.id)? else {
                continue;
            };
            if !feed::may_see_row(c, &who, row)? {
                continue;
            }
        }
        send(c, config, &to, topic, mail, now)?;
        queued += 1;
    }
    Ok(queued)
}

struct Letter {
    to: Addressee,
    about_them: bool,
    mail: Mail,
}

enum Addressee {
    Person(Recipient),
    /// An organisation's own address (a dealer's contact, while it has no administrator):
    /// no one's preferences apply, and there is no one to unsubscribe.
    Organisation(String),
}

fn to_each(
    recipients: Vec<Recipient>,
    about_them: bool,
    mut write: impl FnMut(Language) -> Result<Mail, ApiError>,
) -> Result<Vec<Letter>, ApiError> {
    recipients
        .into_iter()
        .map(|to| {
            let mail = write(to.language())?;
            Ok(Letter {
                to: Addressee::Person(to),
                about_them,
                mail,
            })
        })
        .collect()
}

fn letters(
    c: &mut Conn,
    config: &Config,
    kind: EventKind,
    row: &EventRow,
    payload: &Value,
) -> Result<Vec<Letter>, ApiError> {
    let base = config.public_base_url.as_str();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let account_name = |c: &mut Conn| -> Result<String, ApiError> {
        let id = row.account_id.as_deref().unwrap_or_default();
        Ok(accounts::find_account(c, id)?
            .map(|a| a.name)
            .unwrap_or_default())
    };
    use EventKind as E;
    match kind {
        E::CaseStatusChanged | E::CaseCommented | E::CaseResponseOverdue => {
            let Some(ctx) = cases::find_case(c, &row.subject_id)? else {
                return Ok(Vec::new());
            };
            let case = ctx.case;
            let args = |lang| texts::CaseFacts {
                lang,
                base_url: base,
                case_id: &case.id,
                summary: &case.summary,
            };
            match kind {
                E::CaseStatusChanged => {
                    let status = text(&payload["to"]);
                    to_each(case_contact(c, &case)?, false, |lang| {
                        Ok(texts::case_status(&args(lang), &status))
                    })
                }
                E::CaseCommented => {
                    let comment_id = text(&payload["comment_id"]);
                    let Some((comment, _)) = cases::find_comment(c, &case.id, &comment_id)? else {
                        return Ok(Vec::new());
                    };
                    // Only customer service's replies: a customer's own comment is no news to them.
                    let by_staff = identity::find_user(c, &comment.author_id)?
                        .is_some_and(|u| u.staff_role.is_some());
                    if !by_staff {
                        return Ok(Vec::new());
                    }
                    to_each(case_contact(c, &case)?, false, |lang| {
                        Ok(texts::case_comment(&args(lang), &comment.body))
                    })
                }
                _ => {
                    let account = account_name(c)?;
                    let deadline = case
                        .response_deadline
                        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default();
                    let staff = repo::staff_with_role(c, StaffRole::CustomerService)?;
                    to_each(staff, false, |lang| {
                        Ok(texts::case_overdue(&args(lang), &account, &deadline))
                    })
                }
            }
        }
        E::JoinRequestCreated => {
            let account_id = row.account_id.as_deref().unwrap_or_default();
            let account = account_name(c)?;
            let Some(user) = identity::find_user(c, &text(&payload["user_id"]))? else {
                return Ok(Vec::new());
            };
            let admins = repo::members_with_role(c, account_id, &[CustomerRole::Administrator])?;
            to_each(admins, false, |lang| {
                Ok(texts::join_request_for_administrators(
                    lang,
                    base,
                    account_id,
                    &account,
                    &user.display_name,
                    &user.email,
                ))
            })
        }
        E::MemberRoleChanged | E::MemberRemoved => {
            let account = account_name(c)?;
            let member = repo::recipient(c, &text(&payload["user_id"]))?;
            let role = text(&payload["to"]);
            to_each(member.into_iter().collect(), true, |lang| {
                Ok(if kind == E::MemberRemoved {
                    texts::member_removed(lang, &account)
                } else {
                    texts::role_changed(lang, &account, &role)
                })
            })
        }
        E::DeviceRemoved => {
            let account = account_name(c)?;
            let requester = match devices::find_device(c, &row.subject_id)? {
                Some(ctx) => match &ctx.device.removal_requested_by {
                    Some(id) => repo::recipient(c, id)?,
                    None => None,
                },
                None => None,
            };
            let serial = text(&payload["serial_number"]);
            to_each(requester.into_iter().collect(), false, |lang| {
                Ok(texts::device_removed(lang, &serial, &account))
            })
        }
        E::ReplenishmentOrderRaised | E::ReplenishmentOrderShipped => {
            let account = account_name(c)?;
            let Some(location) = stock::find_location(c, &row.subject_id)? else {
                return Ok(Vec::new());
            };
            let managers = repo::stock_managers(c, &location.account_id, &location.id)?;
            let order = texts::OrderFacts {
                base_url: base,
                account: &account,
                location: &location.name,
                location_id: &location.id,
                part: &text(&payload["part_number"]),
            };
            if kind == E::ReplenishmentOrderRaised {
                let quantity = payload["quantity"].as_i64().unwrap_or_default();
                to_each(managers, false, |lang| {
                    Ok(texts::order_raised(lang, &order, quantity))
                })
            } else {
                let (carrier, tracking) =
                    (text(&payload["carrier"]), text(&payload["tracking_number"]));
                to_each(managers, false, |lang| {
                    Ok(texts::order_shipped(lang, &order, &carrier, &tracking))
                })
            }
        }
        E::DispatchCreated | E::DispatchLabourDecided => {
            let Some(dispatch) = dealers::find_dispatch(c, &row.subject_id)? else {
                return Ok(Vec::new());
            };
            let Some(dealer_id) = dispatch.dealer_id.clone() else {
                return Ok(Vec::new());
            };
            let admins = dealer_admins(c, &dealer_id)?;
            if kind == E::DispatchCreated {
                let Some(call) = dealers::find_call(c, &dispatch.call_id)? else {
                    return Ok(Vec::new());
                };
                let dealer = dealers::find_dealer(c, &dealer_id)?
                    .map(|d| d.name)
                    .unwrap_or_default();
                admins.each(|lang| {
                    Ok(texts::dispatch_created(
                        lang,
                        base,
                        &dealer,
                        &dispatch.serial_number,
                        &call.problem,
                        &call.caller_name,
                        &dispatch.id,
                    ))
                })
            } else {
                let verdict = texts::verdict_of(
                    dispatch.labour_decision.as_deref() == Some("approved"),
                    dispatch.labour_reason.clone(),
                );
                let amount = dispatch
                    .labour_amount_minor
                    .zip(dispatch.labour_currency.clone())
                    .map(
                        |(amount_minor, currency)| fleetdesk_domain::dealers::LabourAmount {
                            amount_minor,
                            currency,
                        },
                    );
                admins.each(|lang| {
                    Ok(texts::labour_decided(
                        lang,
                        &dispatch.id,
                        &dispatch.serial_number,
                        &verdict,
                        amount.as_ref(),
                    ))
                })
            }
        }
        E::ClaimDecided => {
            let Some(claim) = dealers::find_claim(c, &row.subject_id)? else {
                return Ok(Vec::new());
            };
            let verdict = texts::verdict_of(
                text(&payload["decision"]) == "approved",
                claim.decision_reason.clone(),
            );
            let admins = dealer_admins(c, &claim.dealer_id)?;
            admins.each(|lang| Ok(texts::claim_decided(lang, &claim, &verdict)))
        }
        _ => Ok(Vec::new()),
    }
}

/// A dealer's administrators; while it has none, its contact address.
fn dealer_admins(c: &mut Conn, dealer_id: &str) -> Result<DealerAddressees, ApiError> {
    let admins = repo::dealer_admins(c, dealer_id)?;
    if !admins.is_empty() {
        return Ok(DealerAddressees::Admins(admins));
    }
    let contact = dealers::find_dealer(c, dealer_id)?.and_then(|d| d.contact_email);
    Ok(DealerAddressees::Contact(contact))
}

enum DealerAddressees {
    Admins(Vec<Recipient>),
    Contact(Option<String>),
}

impl DealerAddressees {
    fn each(
        self,
        mut write: impl FnMut(Language) -> Result<Mail, ApiError>,
    ) -> Result<Vec<Letter>, ApiError> {
        match self {
            DealerAddressees::Admins(admins) => to_each(admins, false, write),
            // An organisation's address has no language of its own: English.
            DealerAddressees::Contact(contact) => contact
                .into_iter()
                .map(|address| {
                    Ok(Letter {
                        to: Addressee::Organisation(address),
                        about_them: false,
                        mail: write(Language::En)?,
                    })
                })
                .collect(),
        }
    }
}

/// A case's contact: the user with the contact's address, else the user who opened it.
fn case_contact(c: &mut Conn, case: &cases::CaseRow) -> Result<Vec<Recipient>, ApiError> {
    let by_address = match &case.contact_email {
        Some(email) => repo::recipient_by_email(c, email)?,
        None => None,
    };
    let contact = match by_address {
        Some(r) => Some(r),
        None => repo::recipient(c, &case.opened_by)?,
    };
    Ok(contact.into_iter().collect())
}

/// Queues a notification of `kind` to `to`, with the line that says why they get it and the
/// link that turns the kind off.
pub fn send(
    c: &mut Conn,
    config: &Config,
    to: &Recipient,
    kind: NotificationKind,
    mail: Mail,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let link = unsubscribe_url(config, &to.id, kind);
    let mail = with_footer(mail, config, kind, &link);
    outbox::enqueue_notification(c, &to.email, mail, &link, now)?;
    Ok(())
}

fn with_footer(mut mail: Mail, config: &Config, topic: NotificationKind, link: &str) -> Mail {
    let why = crate::t!(mail.language, &format!("notification-{}", topic.as_str()));
    let footer = crate::t!(
        mail.language,
        "mail-unsubscribe",
        why = why,
        link = link,
        base_url = config.public_base_url.as_str()
    );
    mail.body = format!("{}\n-- \n{footer}\n", mail.body.trim_end());
    mail
}

/// The address that turns `kind` off for a user with one request, signed out (RFC 8058).
pub fn unsubscribe_url(config: &Config, user_id: &str, kind: NotificationKind) -> String {
    format!(
        "{}/api/v1/notifications/unsubscribe?token={}",
        config.public_base_url,
        unsubscribe_token(&config.jwt_secret, user_id, kind)
    )
}

type HmacSha256 = hmac::Hmac<Sha256>;

fn unsubscribe_mac(secret: &str) -> Option<HmacSha256> {
    // A key of its own, derived from the server's secret: an unsubscribe token is no token
    // for anything else.
    let key = Sha256::new()
        .chain_update(b"fleetdesk unsubscribe\0")
        .chain_update(secret.as_bytes())
        .finalize();
    <HmacSha256 as KeyInit>::new_from_slice(&key).ok()
}

/// `user_id.kind.signature`: it names what it turns off and proves the server wrote it.
pub fn unsubscribe_token(secret: &str, user_id: &str, kind: NotificationKind) -> String {
    let claim = format!("{user_id}.{}", kind.as_str());
    let signature = unsubscribe_mac(secret)
        .map(|mut mac| {
            mac.update(claim.as_bytes());
            hex(&mac.finalize().into_bytes())
        })
        .unwrap_or_default();
    format!("{claim}.{signature}")
}

/// The user and kind a token turns off, when the server wrote it.
pub fn read_unsubscribe_token(secret: &str, token: &str) -> Option<(String, NotificationKind)> {
    let (claim, signature) = token.rsplit_once('.')?;
    let (user_id, kind) = claim.rsplit_once('.')?;
    let kind = NotificationKind::from_name(kind)?;
    let signature = unhex(signature)?;
    let mut mac = unsubscribe_mac(secret)?;
    mac.update(claim.as_bytes());
    mac.verify_slice(&signature).ok()?;
    Some((user_id.to_owned(), kind))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsubscribe_token_names_its_user_and_kind_and_cannot_be_altered() {
        let token = unsubscribe_token("secret", "user-1", NotificationKind::CaseUpdates);
        assert_eq!(
            read_unsubscribe_token("secret", &token),
            Some(("user-1".to_owned(), NotificationKind::CaseUpdates))
        );
        assert_eq!(read_unsubscribe_token("another secret", &token), None);
        let other_kind = token.replace("case_updates", "dispatches");
        assert_eq!(read_unsubscribe_token("secret", &other_kind), None);
        let other_user = token.replace("user-1", "user-2");
        assert_eq!(read_unsubscribe_token("secret", &other_user), None);
        for garbage in ["", ".", "a.b.c", "user-1.case_updates.zz", "user-1.nope.00"] {
            assert_eq!(read_unsubscribe_token("secret", garbage), None, "{garbage}");
        }
    }
}
