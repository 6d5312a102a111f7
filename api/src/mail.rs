//! Mail: what fleetdesk writes to people, and the sender that delivers the outbox.
//!
//! Handlers only enqueue (in their own transaction). A background thread claims due mails
//! under a lease, sends them over SMTP (or to the log when no `SMTP_URL` is set) and retries
//! failures with backoff, so a relay outage delays mail but loses none.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use fleetdesk_domain::mail::retry_delay;
use fleetdesk_persistence::outbox::{self, OutboxRow};
use fleetdesk_persistence::{Conn, Db, DbResult};
use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::{SmtpTransport, Transport as _};

/// Where mails go.
pub enum Transport {
    Smtp(Box<SmtpTransport>),
    /// No relay: the mail is written to the log instead. Its body, which may carry a token,
    /// is logged (and kept in the outbox) only in development.
    Log {
        bodies: bool,
    },
}

impl Transport {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS), `smtps://host:port`
    /// (implicit TLS), with optional `user:password@`.
    pub fn from_url(url: Option<&str>, timeout: Duration, dev_mode: bool) -> Result<Self, String> {
        match url {
            None => Ok(Transport::Log { bodies: dev_mode }),
            Some(url) => SmtpTransport::from_url(url)
                .map(|b| Transport::Smtp(Box::new(b.timeout(Some(timeout)).build())))
                .map_err(|e| format!("SMTP_URL is invalid: {e}")),
        }
    }

    fn send(&self, from: &Mailbox, mail: &OutboxRow) -> Result<(), String> {
        match self {
            Transport::Log { bodies: true } => {
                log::info!(target: "fleetdesk::mail", "mail to {} — {}\n{}", mail.recipient, mail.subject, mail.body);
                Ok(())
            }
            Transport::Log { bodies: false } => {
                log::info!(target: "fleetdesk::mail", "mail {} to {} — {} (not sent: no SMTP_URL)", mail.id, mail.recipient, mail.subject);
                Ok(())
            }
            Transport::Smtp(smtp) => {
                let to: Mailbox = mail
                    .recipient
                    .parse()
                    .map_err(|e| format!("bad recipient: {e}"))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&mail.subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(mail.body.clone())
                    .map_err(|e| format!("cannot build the message: {e}"))?;
                smtp.send(&message).map(|_| ()).map_err(|e| e.to_string())
            }
        }
    }
}

/// How the sender behaves.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub from: Mailbox,
    pub poll_interval: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a claimed mail is reserved for one sender.
    pub lease: Duration,
    pub clock: crate::clock::Clock,
}

/// Delivers one batch of due mails; returns how many were attempted.
pub fn deliver_due(db: &Db, transport: &Transport, settings: &SenderSettings) -> DbResult<usize> {
    let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::minutes(1));
    let batch = {
        let mut conn = db.conn()?;
        outbox::claim_due(&mut conn, settings.clock.now(), lease, 20)?
    };
    for mail in &batch {
        let result = transport.send(&settings.from, mail);
        let mut conn = db.conn()?;
        let now = settings.clock.now();
        match result {
            // A token is kept only where the log shows mails whole (development): once a
            // relay took the mail, or the log refused to show it, its body is removed.
            Ok(()) => outbox::mark_sent(
                &mut conn,
                &mail.id,
                now,
                !matches!(transport, Transport::Log { bodies: true }),
            )?,
            Err(e) => {
                let to_chrono = |d: Duration| {
                    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(1))
                };
                let attempts = u32::try_from(mail.attempts).unwrap_or(u32::MAX);
                let wait = retry_delay(
                    attempts,
                    to_chrono(settings.retry_base),
                    to_chrono(settings.retry_max),
                );
                log::warn!(target: "fleetdesk::mail", "mail {} to {} failed (attempt {}): {e}; retrying in {}s",
                    mail.id, mail.recipient, mail.attempts, wait.num_seconds());
                outbox::mark_failed(&mut conn, &mail.id, &e, now + wait)?;
            }
        }
    }
    Ok(batch.len())
}

/// The background sender; it stops when dropped.
pub struct Sender {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Sender {
    pub fn spawn(db: Db, transport: Transport, settings: SenderSettings) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("fleetdesk-mail".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match deliver_due(&db, &transport, &settings) {
                        // A full batch: there may be more waiting.
                        Ok(n) if n > 0 => continue,
                        Ok(_) => {}
                        Err(e) => {
                            log::warn!(target: "fleetdesk::mail", "cannot read the outbox: {e}")
                        }
                    }
                    std::thread::sleep(settings.poll_interval);
                }
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread ends after its current round; nobody needs to wait for it.
        drop(self.thread.take());
    }
}

/// The texts fleetdesk sends. Each carries what the reader must act on as plain text.
pub mod texts {
    use fleetdesk_domain::dealers::{LabourAmount, Verdict};
    use fleetdesk_persistence::dealers::{CallRow, ClaimRow};

    pub fn confirm_email(base_url: &str, display_name: &str, token: &str) -> (String, String) {
        (
            "Confirm your e-mail address for fleetdesk".to_owned(),
            format!(
                "Hello {display_name},\n\n\
                 please confirm this e-mail address to sign in to fleetdesk. The link works once,\n\
                 for 24 hours:\n\n  {base_url}/confirm-email?token={token}\n\n\
                 Or send the token to POST {base_url}/api/v1/auth/confirm-email:\n\n  {token}\n\n\
                 If you did not register, ignore this mail.\n"
            ),
        )
    }

    pub fn already_registered(base_url: &str) -> (String, String) {
        (
            "Someone tried to register with your address".to_owned(),
            format!(
                "Hello,\n\nsomeone tried to register a new fleetdesk user with this e-mail address, which\n\
                 already has one. If it was you, sign in at {base_url} instead. If it was not, you\n\
                 need do nothing.\n"
            ),
        )
    }

    pub fn invitation(
        base_url: &str,
        account_name: &str,
        role: &str,
        token: &str,
    ) -> (String, String) {
        invitation_to(base_url, account_name, role, token, "invitations")
    }

    pub fn dealer_invitation(
        base_url: &str,
        dealer_name: &str,
        role: &str,
        token: &str,
    ) -> (String, String) {
        invitation_to(base_url, dealer_name, role, token, "dealer-invitations")
    }

    /// An invitation to `organisation`, accepted at `{path}/accept`.
    fn invitation_to(
        base_url: &str,
        organisation: &str,
        role: &str,
        token: &str,
        path: &str,
    ) -> (String, String) {
        (
            format!("You are invited to {organisation} on fleetdesk"),
            format!(
                "Hello,\n\nyou are invited to join {organisation} on fleetdesk as {role}. The invitation\n\
                 works once, for 7 days:\n\n  {base_url}/{path}/accept?token={token}\n\n\
                 Or send the token (with a password and your name, if you are new to fleetdesk)\n\
                 to POST {base_url}/api/v1/{path}/accept:\n\n  {token}\n"
            ),
        )
    }

    /// The registrant's sentence about a join request: the same whether or not an account
    /// has the number, and naming no account, so a stranger learns nothing from it.
    pub fn join_request_passed_on(number: &str) -> String {
        format!(
            "\nYou asked to join the customer account with the number {number}. If the number\n\
             is right, an administrator of the account or customer service will approve or\n\
             reject the request, and you will get a mail either way. If you hear nothing, ask\n\
             your organisation's administrator for an invitation.\n"
        )
    }

    /// To an account's administrators: someone asks to join.
    pub fn join_request_for_administrators(
        base_url: &str,
        account_id: &str,
        account_name: &str,
        display_name: &str,
        email: &str,
    ) -> (String, String) {
        (
            format!("Someone asks to join {account_name} on fleetdesk"),
            format!(
                "Hello,\n\n{display_name} <{email}> registered with fleetdesk and asks to join\n\
                 {account_name}. Approve or reject the request among the account's join requests:\n\n\
                 \x20 {base_url}/api/v1/accounts/{account_id}/join-requests\n\n\
                 If you do not know this person, reject it.\n"
            ),
        )
    }

    pub fn join_request_decided(
        account_name: &str,
        approved: bool,
        role: Option<&str>,
        reason: Option<&str>,
    ) -> (String, String) {
        if approved {
            (
                format!("You have joined {account_name} on fleetdesk"),
                format!(
                    "Hello,\n\nyour request to join {account_name} was approved; your role is {}.\n",
                    role.unwrap_or("member")
                ),
            )
        } else {
            (
                format!("Your request to join {account_name} was not approved"),
                format!(
                    "Hello,\n\nyour request to join {account_name} was not approved.{}\n",
                    reason.map(|r| format!("\nReason: {r}")).unwrap_or_default()
                ),
            )
        }
    }

    pub fn caller_redirected(call: &CallRow) -> (String, String) {
        let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        (
            format!("Caller redirected: serial {}", call.serial_number),
            format!(
                "A caller about serial number {} was redirected to you as its service provider of record.\n\n\
                 Caller: {}\nPhone: {}\nE-mail: {}\nCompany: {}\nSite: {}\n\nProblem: {}\n",
                call.serial_number,
                call.caller_name,
                or_dash(&call.caller_phone),
                or_dash(&call.caller_email),
                or_dash(&call.caller_company),
                or_dash(&call.site_address),
                call.problem,
            ),
        )
    }

    pub fn labour_decided(
        dispatch_id: &str,
        serial_number: &str,
        verdict: &Verdict,
        amount: Option<&LabourAmount>,
    ) -> (String, String) {
        let decision = verdict.as_str();
        let amount = amount
            .map(|a| format!("Amount: {} {} (minor units)\n", a.amount_minor, a.currency))
            .unwrap_or_default();
        let reason = verdict
            .reason
            .as_deref()
            .map(|r| format!("Reason: {r}\n"))
            .unwrap_or_default();
        (
            format!("Labour {decision}: serial {serial_number}"),
            format!(
                "The labour of dispatch {dispatch_id} (serial number {serial_number}) was {decision}.\n{amount}{reason}"
            ),
        )
    }

    pub fn claim_decided(claim: &ClaimRow, verdict: &Verdict) -> (String, String) {
        let decision = verdict.as_str();
        let reason = verdict
            .reason
            .as_deref()
            .map(|r| format!("Reason: {r}\n"))
            .unwrap_or_default();
        (
            format!(
                "Warranty claim {decision}: part {} of serial {}",
                claim.part_number, claim.serial_number
            ),
            format!(
                "Your warranty claim {} for part {} (serial number {}) was {decision}.\n{reason}",
                claim.id, claim.part_number, claim.serial_number
            ),
        )
    }

    pub fn dispatch_created(
        serial_number: &str,
        problem: &str,
        caller: &str,
        dispatch_id: &str,
    ) -> (String, String) {
        (
            format!("New service dispatch: serial {serial_number}"),
            format!(
                "The call center dispatched service to you for serial number {serial_number}.\n\
                 Problem: {problem}\nCaller: {caller}\n\nAccept it at /api/v1/dispatches/{dispatch_id}.\n"
            ),
        )
    }

    /// A device the reminder names.
    pub struct UnreadDevice {
        pub device_id: String,
        pub serial_number: String,
        pub site: String,
        pub location: String,
        pub closes: chrono::NaiveDate,
    }

    pub fn reading_reminder(account: &str, devices: &[UnreadDevice]) -> (String, String) {
        let lines: Vec<String> = devices
            .iter()
            .map(|d| {
                format!(
                    "- serial {} ({}, {}): period closes {}; submit at /api/v1/devices/{}/meter-readings",
                    d.serial_number, d.site, d.location, d.closes, d.device_id
                )
            })
            .collect();
        let subject = match devices {
            [one] => format!("Meter reading due: serial {}", one.serial_number),
            _ => format!("Meter readings due: {} devices", devices.len()),
        };
        (
            subject,
            format!(
                "Hello,\n\nthe reading period of {account} closes soon, and these devices have no meter\n\
                 reading in it yet:\n\n{}\n\nReadings submitted after the period closes count in the next one.\n",
                lines.join("\n")
            ),
        )
    }

    pub fn email_changed_notice(new_email: &str) -> (String, String) {
        (
            "Your fleetdesk e-mail address was changed".to_owned(),
            format!(
                "Hello,\n\ncustomer service changed the e-mail address of your fleetdesk user to\n\
                 {new_email}. Mail now goes there. If you did not ask for this, call customer service.\n"
            ),
        )
    }

    pub fn password_reset(base_url: &str, display_name: &str, token: &str) -> (String, String) {
        (
            "Reset your fleetdesk password".to_owned(),
            format!(
                "Hello {display_name},\n\n\
                 someone asked to reset the password of your fleetdesk user. The link works once,\n\
                 for one hour:\n\n  {base_url}/reset-password?token={token}\n\n\
                 Or send the token with your new password to\n\
                 POST {base_url}/api/v1/auth/password-reset/confirm:\n\n  {token}\n\n\
                 Setting a new password signs you out everywhere. If you did not ask for this,\n\
                 ignore this mail: your password stays as it is.\n"
            ),
        )
    }

    pub fn password_changed() -> (String, String) {
        (
            "Your fleetdesk password was changed".to_owned(),
            "Hello,\n\nthe password of your fleetdesk user was changed, and every sign-in with the\n\
             old one has ended. If you did not do this, reset your password at once and call\n\
             customer service.\n"
                .to_owned(),
        )
    }

    pub fn webhook_disabled(url: &str, webhook_id: &str, reason: &str) -> (String, String) {
        (
            "A fleetdesk webhook was disabled".to_owned(),
            format!(
                "Hello,\n\nthe webhook {webhook_id} that delivers events to\n{url}\nwas disabled: {reason}.\n\n\
                 No further events are delivered to it until it is enabled again\n\
                 (PATCH /api/v1/webhooks/{webhook_id} with \"active\": true); the events it missed are\n\
                 delivered then, in order. Its deliveries and their answers are listed under\n\
                 GET /api/v1/webhooks/{webhook_id}/deliveries.\n"
            ),
        )
    }
}

/// Enqueues a mail in the caller's transaction.
pub fn enqueue(
    conn: &mut Conn,
    to: &str,
    (subject, body): (String, String),
    at: DateTime<Utc>,
) -> DbResult<()> {
    if undeliverable(to) {
        return Ok(());
    }
    outbox::enqueue(conn, to, &subject, &body, false, at).map(|_| ())
}

/// An address no mail can reach (RFC 2606 reserves `.invalid`): an API client's own user
/// row has one, so what would be mailed to the client's "user" is not queued at all.
fn undeliverable(to: &str) -> bool {
    to.to_ascii_lowercase().ends_with(".invalid")
}

/// Enqueues a mail that carries a single-use token: its body is removed once delivered.
pub fn enqueue_secret(
    conn: &mut Conn,
    to: &str,
    (subject, body): (String, String),
    at: DateTime<Utc>,
) -> DbResult<()> {
    if undeliverable(to) {
        return Ok(());
    }
    outbox::enqueue(conn, to, &subject, &body, true, at).map(|_| ())
}
