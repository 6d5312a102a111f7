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

use crate::i18n::Language;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
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
                let mut builder = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&mail.subject)
                    .header(ContentType::TEXT_PLAIN);
                if let Some(language) = &mail.language {
                    builder = builder.raw_header(raw_header("Content-Language", language));
                }
                if let Some(url) = &mail.list_unsubscribe {
                    // RFC 8058: a mail client may unsubscribe with one POST, no sign-in.
                    builder = builder
                        .raw_header(raw_header("List-Unsubscribe", &format!("<{url}>")))
                        .raw_header(raw_header(
                            "List-Unsubscribe-Post",
                            "List-Unsubscribe=One-Click",
                        ));
                }
                let message = builder
                    .body(mail.body.clone())
                    .map_err(|e| format!("cannot build the message: {e}"))?;
                smtp.send(&message).map(|_| ()).map_err(|e| e.to_string())
            }
        }
    }
}

fn raw_header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
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
    /// With a configuration, each round first turns the feed's new events into
    /// notifications (`app::notify`); without, the sender only delivers.
    pub notifications: Option<crate::config::Config>,
}

/// Delivers one batch of due mails; returns how many were attempted.
pub fn deliver_due(db: &Db, transport: &Transport, settings: &SenderSettings) -> DbResult<usize> {
    let lease = chrono::Duration::from_std(settings.lease).unwrap_or(chrono::Duration::minutes(1));
    // On SQLite each write takes its turn in the writers' queue with the requests' writes.
    let batch = db.write(|conn| outbox::claim_due(conn, settings.clock.now(), lease, 20))?;
    for mail in &batch {
        let result = transport.send(&settings.from, mail);
        let now = settings.clock.now();
        match result {
            // A token is kept only where the log shows mails whole (development): once a
            // relay took the mail, or the log refused to show it, its body is removed.
            Ok(()) => {
                let purge = !matches!(transport, Transport::Log { bodies: true });
                db.write_statements(|conn| outbox::mark_sent(conn, &mail.id, now, purge))?
            }
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
                db.write_statements(|conn| outbox::mark_failed(conn, &mail.id, &e, now + wait))?;
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
                    let more_events = match &settings.notifications {
                        Some(config) => match crate::app::notify::round(&db, config) {
                            Ok(round) => round == crate::app::notify::Round::More,
                            Err(e) => {
                                log::warn!(target: "fleetdesk::mail", "notifications failed: {e}");
                                false
                            }
                        },
                        None => false,
                    };
                    match deliver_due(&db, &transport, &settings) {
                        // A full batch, or events left: there may be more waiting.
                        Ok(n) if n > 0 || more_events => continue,
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

/// The texts fleetdesk sends, in the reader's language. Each carries what the reader must act
/// on as plain text; the words live in the catalogue (`crate::i18n`).
pub mod texts {
    use crate::i18n::{Args, Language, text};
    use crate::t;
    use fleetdesk_domain::dealers::{LabourAmount, Verdict};
    use fleetdesk_persistence::dealers::{CallRow, ClaimRow};

    /// A mail: its subject, its body (a greeting, the text, a final line break) and the
    /// language both are in.
    #[derive(Debug, Clone)]
    pub struct Mail {
        pub subject: String,
        pub body: String,
        pub language: Language,
    }

    pub(crate) fn mail(lang: Language, greeting: Option<&str>, key: &str, args: &Args<'_>) -> Mail {
        let greeting = match greeting {
            Some(name) => t!(lang, "mail-greeting-named", name = name),
            None => t!(lang, "mail-greeting"),
        };
        let Mail {
            subject,
            body,
            language,
        } = notice(lang, key, args);
        Mail {
            subject,
            body: format!("{greeting}\n\n{body}"),
            language,
        }
    }

    /// A mail without a greeting (to an organisation's address).
    pub(crate) fn notice(lang: Language, key: &str, args: &Args<'_>) -> Mail {
        Mail {
            subject: text(lang, &format!("mail-{key}-subject"), args),
            body: format!("{}\n", text(lang, &format!("mail-{key}-body"), args)),
            language: lang,
        }
    }

    macro_rules! args {
        ($($name:ident = $value:expr),* $(,)?) => {
            [$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),*]
        };
    }

    /// A role as a person reads it.
    pub fn role(lang: Language, role: &str) -> String {
        named(lang, "role-", role)
    }

    /// A name as a person reads it: the catalogue's `{family}{name}`, else the name.
    fn named(lang: Language, family: &str, name: &str) -> String {
        let key = format!("{family}{name}");
        if crate::i18n::has(&key) {
            text(lang, &key, &[])
        } else {
            name.to_owned()
        }
    }

    fn verdict(lang: Language, verdict: &Verdict) -> String {
        text(lang, &format!("verdict-{}", verdict.as_str()), &[])
    }

    pub fn confirm_email(lang: Language, base_url: &str, display_name: &str, token: &str) -> Mail {
        mail(
            lang,
            Some(display_name),
            "confirm_email",
            &args!(base_url = base_url, token = token),
        )
    }

    pub fn already_registered(lang: Language, base_url: &str) -> Mail {
        mail(
            lang,
            None,
            "already_registered",
            &args!(base_url = base_url),
        )
    }

    pub fn invitation(
        lang: Language,
        base_url: &str,
        account_name: &str,
        role: &str,
        token: &str,
    ) -> Mail {
        invitation_to(lang, base_url, account_name, role, token, "invitations")
    }

    pub fn dealer_invitation(
        lang: Language,
        base_url: &str,
        dealer_name: &str,
        role: &str,
        token: &str,
    ) -> Mail {
        invitation_to(
            lang,
            base_url,
            dealer_name,
            role,
            token,
            "dealer-invitations",
        )
    }

    /// An invitation to `organisation`, accepted at `{path}/accept`.
    fn invitation_to(
        lang: Language,
        base_url: &str,
        organisation: &str,
        role_name: &str,
        token: &str,
        path: &str,
    ) -> Mail {
        let role = role(lang, role_name);
        mail(
            lang,
            None,
            "invitation",
            &args!(
                base_url = base_url,
                organisation = organisation,
                role = role,
                token = token,
                path = path
            ),
        )
    }

    /// The registrant's sentence about a join request: the same whether or not an account
    /// has the number, and naming no account, so a stranger learns nothing from it.
    pub fn join_request_passed_on(lang: Language, number: &str) -> String {
        format!(
            "\n{}\n",
            t!(lang, "mail-join_request_passed_on", number = number)
        )
    }

    /// To an account's administrators: someone asks to join.
    pub fn join_request_for_administrators(
        lang: Language,
        base_url: &str,
        account_id: &str,
        account_name: &str,
        display_name: &str,
        email: &str,
    ) -> Mail {
        mail(
            lang,
            None,
            "join_request",
            &args!(
                base_url = base_url,
                account_id = account_id,
                account = account_name,
                name = display_name,
                email = email
            ),
        )
    }

    pub fn join_request_decided(
        lang: Language,
        account_name: &str,
        approved: bool,
        role_name: Option<&str>,
        reason: Option<&str>,
    ) -> Mail {
        if approved {
            let role = role(lang, role_name.unwrap_or("knowledge-user"));
            mail(
                lang,
                None,
                "join_request_decided-approved",
                &args!(account = account_name, role = role),
            )
        } else {
            let mut out = mail(
                lang,
                None,
                "join_request_decided-rejected",
                &args!(account = account_name),
            );
            out.body = with_reason(lang, out.body, reason);
            out
        }
    }

    fn with_reason(lang: Language, body: String, reason: Option<&str>) -> String {
        match reason {
            Some(r) => format!("{body}{}\n", t!(lang, "mail-reason", reason = r)),
            None => body,
        }
    }

    pub fn caller_redirected(lang: Language, call: &CallRow) -> Mail {
        let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
        notice(
            lang,
            "caller_redirected",
            &args!(
                serial = call.serial_number.as_str(),
                caller = call.caller_name.as_str(),
                phone = or_dash(&call.caller_phone),
                email = or_dash(&call.caller_email),
                company = or_dash(&call.caller_company),
                site = or_dash(&call.site_address),
                problem = call.problem.as_str()
            ),
        )
    }

    pub fn labour_decided(
        lang: Language,
        dispatch_id: &str,
        serial_number: &str,
        decision: &Verdict,
        amount: Option<&LabourAmount>,
    ) -> Mail {
        let decision_text = verdict(lang, decision);
        let mut out = notice(
            lang,
            "labour_decided",
            &args!(
                dispatch_id = dispatch_id,
                serial = serial_number,
                decision = decision_text
            ),
        );
        if let Some(a) = amount {
            out.body.push_str(&t!(
                lang,
                "mail-labour_amount",
                amount = a.amount_minor.to_string(),
                currency = a.currency.as_str()
            ));
            out.body.push('\n');
        }
        out.body = with_reason(lang, out.body, decision.reason.as_deref());
        out
    }

    pub fn claim_decided(lang: Language, claim: &ClaimRow, decision: &Verdict) -> Mail {
        let decision_text = verdict(lang, decision);
        let mut out = notice(
            lang,
            "claim_decided",
            &args!(
                decision = decision_text,
                claim_id = claim.id.as_str(),
                part = claim.part_number.as_str(),
                serial = claim.serial_number.as_str()
            ),
        );
        out.body = with_reason(lang, out.body, decision.reason.as_deref());
        out
    }

    pub fn dispatch_created(
        lang: Language,
        base_url: &str,
        dealer: &str,
        serial_number: &str,
        problem: &str,
        caller: &str,
        dispatch_id: &str,
    ) -> Mail {
        notice(
            lang,
            "dispatch_created",
            &args!(
                base_url = base_url,
                dealer = dealer,
                serial = serial_number,
                problem = problem,
                caller = caller,
                dispatch_id = dispatch_id
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

    pub fn reading_reminder(
        lang: Language,
        base_url: &str,
        account: &str,
        devices: &[UnreadDevice],
    ) -> Mail {
        let lines: Vec<String> = devices
            .iter()
            .map(|d| {
                t!(
                    lang,
                    "mail-reading_reminder-line",
                    serial = d.serial_number.as_str(),
                    site = d.site.as_str(),
                    location = d.location.as_str(),
                    closes = d.closes.to_string(),
                    base_url = base_url,
                    device_id = d.device_id.as_str()
                )
            })
            .collect();
        let subject = match devices {
            [one] => t!(
                lang,
                "mail-reading_reminder-subject-one",
                serial = one.serial_number.as_str()
            ),
            _ => t!(
                lang,
                "mail-reading_reminder-subject-many",
                count = devices.len()
            ),
        };
        let body = t!(
            lang,
            "mail-reading_reminder-body",
            account = account,
            lines = lines.join("\n")
        );
        Mail {
            subject,
            body: format!("{}\n\n{body}\n", t!(lang, "mail-greeting")),
            language: lang,
        }
    }

    pub fn email_changed_notice(lang: Language, new_email: &str) -> Mail {
        mail(lang, None, "email_changed", &args!(email = new_email))
    }

    pub fn password_reset(lang: Language, base_url: &str, display_name: &str, token: &str) -> Mail {
        mail(
            lang,
            Some(display_name),
            "password_reset",
            &args!(base_url = base_url, token = token),
        )
    }

    pub fn password_changed(lang: Language) -> Mail {
        mail(lang, None, "password_changed", &[])
    }

    /// A decision as the mails tell it.
    pub fn verdict_of(approved: bool, reason: Option<String>) -> Verdict {
        Verdict { approved, reason }
    }

    /// What every mail about a case names.
    pub struct CaseFacts<'a> {
        pub lang: Language,
        pub base_url: &'a str,
        pub case_id: &'a str,
        pub summary: &'a str,
    }

    pub fn case_status(case: &CaseFacts<'_>, status: &str) -> Mail {
        let lang = case.lang;
        let status = named(lang, "case-status-", status);
        mail(
            lang,
            None,
            "case_status",
            &args!(
                summary = case.summary,
                status = status,
                base_url = case.base_url,
                case_id = case.case_id
            ),
        )
    }

    pub fn case_comment(case: &CaseFacts<'_>, comment: &str) -> Mail {
        mail(
            case.lang,
            None,
            "case_comment",
            &args!(
                summary = case.summary,
                comment = comment,
                base_url = case.base_url,
                case_id = case.case_id
            ),
        )
    }

    pub fn case_overdue(case: &CaseFacts<'_>, account: &str, deadline: &str) -> Mail {
        mail(
            case.lang,
            None,
            "case_overdue",
            &args!(
                summary = case.summary,
                account = account,
                deadline = deadline,
                base_url = case.base_url,
                case_id = case.case_id
            ),
        )
    }

    pub fn role_changed(lang: Language, account: &str, role_name: &str) -> Mail {
        let role = role(lang, role_name);
        mail(
            lang,
            None,
            "role_changed",
            &args!(account = account, role = role),
        )
    }

    pub fn member_removed(lang: Language, account: &str) -> Mail {
        mail(lang, None, "member_removed", &args!(account = account))
    }

    pub fn device_removed(lang: Language, serial: &str, account: &str) -> Mail {
        mail(
            lang,
            None,
            "device_removed",
            &args!(serial = serial, account = account),
        )
    }

    /// What every mail about a replenishment order names.
    pub struct OrderFacts<'a> {
        pub base_url: &'a str,
        pub account: &'a str,
        pub location: &'a str,
        pub location_id: &'a str,
        pub part: &'a str,
    }

    pub fn order_raised(lang: Language, order: &OrderFacts<'_>, quantity: i64) -> Mail {
        mail(
            lang,
            None,
            "order_raised",
            &args!(
                account = order.account,
                location = order.location,
                location_id = order.location_id,
                part = order.part,
                quantity = quantity,
                base_url = order.base_url
            ),
        )
    }

    pub fn order_shipped(
        lang: Language,
        order: &OrderFacts<'_>,
        carrier: &str,
        tracking: &str,
    ) -> Mail {
        mail(
            lang,
            None,
            "order_shipped",
            &args!(
                location = order.location,
                location_id = order.location_id,
                part = order.part,
                carrier = carrier,
                tracking = tracking,
                base_url = order.base_url
            ),
        )
    }

    /// Why a webhook was disabled, as its owner reads it.
    pub enum WebhookDisabled {
        CreatorGone,
        Failing {
            delivery: String,
            hours: u64,
            error: String,
        },
    }

    impl WebhookDisabled {
        pub fn text(&self, lang: Language) -> String {
            match self {
                WebhookDisabled::CreatorGone => t!(lang, "webhook-disabled-creator-gone"),
                WebhookDisabled::Failing {
                    delivery,
                    hours,
                    error,
                } => t!(
                    lang,
                    "webhook-disabled-failing",
                    delivery = delivery.as_str(),
                    hours = *hours,
                    error = error.as_str()
                ),
            }
        }
    }

    pub fn webhook_disabled(
        lang: Language,
        url: &str,
        webhook_id: &str,
        reason: &WebhookDisabled,
    ) -> Mail {
        let reason = reason.text(lang);
        mail(
            lang,
            None,
            "webhook_disabled",
            &args!(url = url, webhook_id = webhook_id, reason = reason),
        )
    }
}

/// The language to write to `email` in: its user's, else the language of `writer` (the person
/// whose action causes the mail, say an inviting administrator), else English.
pub fn language_for(conn: &mut Conn, email: &str, writer: &str) -> DbResult<Language> {
    use fleetdesk_persistence::notifications::recipient;
    use fleetdesk_persistence::notifications::recipient_by_email;
    if let Some(user) = recipient_by_email(conn, email)?.filter(|u| u.language.is_some()) {
        return Ok(user.language());
    }
    Ok(recipient(conn, writer)?.map_or(Language::En, |w| w.language()))
}

/// Enqueues a mail in the caller's transaction.
pub fn enqueue(conn: &mut Conn, to: &str, mail: texts::Mail, at: DateTime<Utc>) -> DbResult<()> {
    put(conn, to, &mail, false, None, at)
}

/// Enqueues a mail that carries a single-use token: its body is removed once delivered.
pub fn enqueue_secret(
    conn: &mut Conn,
    to: &str,
    mail: texts::Mail,
    at: DateTime<Utc>,
) -> DbResult<()> {
    put(conn, to, &mail, true, None, at)
}

/// Enqueues a notification: it carries its one-click unsubscribe address (RFC 8058).
pub fn enqueue_notification(
    conn: &mut Conn,
    to: &str,
    mail: texts::Mail,
    unsubscribe: &str,
    at: DateTime<Utc>,
) -> DbResult<()> {
    put(conn, to, &mail, false, Some(unsubscribe), at)
}

fn put(
    conn: &mut Conn,
    to: &str,
    mail: &texts::Mail,
    sensitive: bool,
    list_unsubscribe: Option<&str>,
    at: DateTime<Utc>,
) -> DbResult<()> {
    if undeliverable(to) {
        return Ok(());
    }
    let new = outbox::NewMail {
        recipient: to,
        subject: &mail.subject,
        body: &mail.body,
        sensitive,
        list_unsubscribe,
        language: mail.language.as_str(),
    };
    outbox::enqueue(conn, &new, at).map(|_| ())
}

/// An address no mail can reach (RFC 2606 reserves `.invalid`): an API client's own user
/// row has one, so what would be mailed to the client's "user" is not queued at all.
fn undeliverable(to: &str) -> bool {
    to.to_ascii_lowercase().ends_with(".invalid")
}
