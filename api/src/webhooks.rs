//! Delivering webhooks. Every server process runs a deliverer: it fans the feed out into
//! deliveries (`app::webhooks::fan_out`, one webhook's row locked at a time) and attempts
//! the deliveries due — each webhook's in order, a delivery held by a lease so that no two
//! processes attempt it at once. A delivery is a `POST` of the event's JSON, signed
//! (`Fleetdesk-Signature`); a 2xx within the timeout is success, anything else is retried
//! with backoff and jitter for the retry window, and then the webhook is disabled.
//!
//! Targets are checked when a webhook is created or changed and again at every connection:
//! outside development only `https`, and only public addresses — the resolver refuses names
//! that resolve to loopback, private, link-local or metadata addresses, so a name that
//! changes its answer after the check (DNS rebinding) is refused too. Redirects are not
//! followed, proxies from the environment are not used, at most 64 KiB of an answer is read.
//! Names are looked up by [`crate::names`], apart from everything else the server does.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fleetdesk_domain::webhooks::{DeliveryStatus, RetryPolicy, is_public};
use fleetdesk_persistence::Db;
use fleetdesk_persistence::webhooks::{self as repo, AttemptRow, DeliveryRow};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::app::webhooks as app;
use crate::config::Config;
use crate::error::{ApiError, Text};
use crate::mail::texts::WebhookDisabled;
use crate::names::{LookupError, Names};

/// The most of a receiver's answer that is read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// Deliveries attempted in one round at most (at once).
const ROUND: i64 = 16;

/// Makes rustls use *ring* for every TLS client of this process (webhook deliveries; the
/// mail relay's client has its own configuration). Idempotent.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// `Fleetdesk-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1`
/// for each secret that signs now (two during a rotation's overlap).
pub fn signature(secrets: &[String], t: i64, body: &str) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        // HMAC takes a key of any length.
        let Ok(mut mac) = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else {
            continue;
        };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        header.push_str(",v1=");
        header.push_str(&hex);
    }
    header
}

fn unresolved(host: &str) -> ApiError {
    refused(Text::with(
        "invalid-host-unresolved",
        [("host", host.to_owned())],
    ))
}

/// Why a target URL is refused.
fn refused(reason: impl Into<crate::error::Text>) -> ApiError {
    ApiError::invalid_field("url", reason)
}

/// Checks a webhook's URL when it is created or changed: an absolute `https` URL (`http`
/// too in development) whose host resolves, and — outside development — only to public
/// addresses.
pub async fn check_target(names: &Names, raw: &str, dev: bool) -> Result<reqwest::Url, ApiError> {
    if raw.len() > 2048 {
        return Err(refused(Text::key("invalid-url-too-long")));
    }
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| refused(Text::with("invalid-not-a-url", [("cause", e.to_string())])))?;
    match url.scheme() {
        "https" => {}
        "http" if dev => {}
        "http" => return Err(refused(Text::key("invalid-must-https"))),
        other => {
            return Err(refused(Text::with(
                "invalid-must-https-not",
                [("scheme", other.to_owned())],
            )));
        }
    }
    let Some(host) = url.host_str() else {
        return Err(refused(Text::key("invalid-no-host")));
    };
    if url.fragment().is_some() {
        return Err(refused(Text::key("invalid-no-fragment")));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => names.lookup(host).await.map_err(|e| match e {
            LookupError::Unresolved(_) => unresolved(host),
            LookupError::NoAnswerInTime => refused(Text::with(
                "invalid-host-unresolved-in-time",
                [
                    ("host", host.to_owned()),
                    ("seconds", crate::names::DEADLINE.as_secs().to_string()),
                ],
            )),
        })?,
    };
    if !dev && let Some(ip) = addrs.iter().find(|ip| !is_public(**ip)) {
        return Err(refused(Text::with(
            "invalid-host-not-public",
            [("address", ip.to_string())],
        )));
    }
    Ok(url)
}

/// Resolves names to public addresses only: a connection can reach nothing else, whatever
/// a name answers at delivery time.
struct PublicOnly(Names);

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let names = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let public: Vec<SocketAddr> = names
                .lookup(&host)
                .await?
                .into_iter()
                .filter(|ip| is_public(*ip))
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client deliveries go out with.
fn client(config: &Config, names: Names) -> Result<reqwest::Client, reqwest::Error> {
    let timeout = config.webhooks.timeout;
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .no_proxy()
        .user_agent(concat!("fleetdesk-webhooks/", env!("CARGO_PKG_VERSION")));
    if !config.dev_mode {
        builder = builder.https_only(true).dns_resolver(PublicOnly(names));
    }
    builder.build()
}

/// The background deliverer; it stops when dropped.
pub struct Deliverer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Deliverer {
    pub fn spawn(db: Db, config: Config, names: Names) -> std::io::Result<Self> {
        install_tls_provider();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = client(&config, names).map_err(std::io::Error::other)?;
        let thread = std::thread::Builder::new()
            .name("fleetdesk-webhooks".into())
            .spawn(move || {
                runtime.block_on(async {
                    while !flag.load(Ordering::Relaxed) {
                        match round(&db, &config, &client).await {
                            // A full round: there may be more waiting.
                            Ok(n) if n >= ROUND as usize => continue,
                            Ok(_) => {}
                            Err(e) => {
                                log::warn!(target: "fleetdesk::webhooks", "a delivery round failed: {e}")
                            }
                        }
                        tokio::time::sleep(config.webhooks.poll).await;
                    }
                })
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Deliverer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread ends after its current round; nobody needs to wait for it.
        drop(self.thread.take());
    }
}

/// One round: fan the feed out, then attempt what is due (at once, up to [`ROUND`]).
/// Returns how many deliveries were attempted.
async fn round(db: &Db, config: &Config, client: &reqwest::Client) -> Result<usize, ApiError> {
    let now = config.clock.now();
    // Only the webhooks the feed has moved past are looked at (and locked).
    let webhooks = db.read(|c| {
        let latest = fleetdesk_persistence::events::latest_seq(c)?;
        Ok::<_, ApiError>(repo::behind(c, latest)?)
    })?;
    for id in webhooks {
        // One webhook's trouble does not hold the others back.
        if let Err(e) = db.write(|c| app::fan_out(c, &id, now)) {
            log::warn!(target: "fleetdesk::webhooks", "webhook {id}: fan-out failed: {e}");
        }
    }
    let lease = chrono::Duration::from_std(config.webhooks.timeout + Duration::from_secs(30))
        .map_err(ApiError::internal_from)?;
    let due = db.read(|c| Ok::<_, ApiError>(repo::due(c, now, ROUND)?))?;
    let mut held = Vec::new();
    for delivery in due {
        if db.write(|c| Ok::<_, ApiError>(repo::lease(c, &delivery.id, now, now + lease)?))? {
            held.push(delivery);
        }
    }
    let attempted = held.len();
    futures_util::future::join_all(
        held.into_iter()
            .map(|delivery| attempt(db, config, client, delivery)),
    )
    .await;
    Ok(attempted)
}

/// What one attempt came to.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
}

/// Attempts one held delivery and records the attempt and what follows from it.
async fn attempt(db: &Db, config: &Config, client: &reqwest::Client, delivery: DeliveryRow) {
    let now = config.clock.now();
    let found = db.read(|c| {
        let webhook = repo::find_webhook(c, &delivery.webhook_id)?;
        let secrets = repo::signing_secrets(c, &delivery.webhook_id, now)?;
        Ok::<_, ApiError>(webhook.map(|w| (w, secrets)))
    });
    let (webhook, secrets) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return,
        Err(e) => {
            log::warn!(target: "fleetdesk::webhooks", "delivery {} not attempted: {e}", delivery.id);
            return;
        }
    };
    let started = Instant::now();
    let outcome = send(config, client, &webhook.url, &delivery, &secrets, now).await;
    let latency = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let finished = config.clock.now();
    let recorded =
        db.write(|c| record(c, config, &webhook, &delivery, &outcome, latency, finished));
    if let Err(e) = recorded {
        log::warn!(target: "fleetdesk::webhooks", "delivery {}: the attempt was not recorded: {e}", delivery.id);
    }
}

async fn send(
    config: &Config,
    client: &reqwest::Client,
    url: &str,
    delivery: &DeliveryRow,
    secrets: &[String],
    now: DateTime<Utc>,
) -> Outcome {
    let failed = |error: String| Outcome {
        status: None,
        error: Some(error),
    };
    // An address written as such is not resolved: judge it here.
    if !config.dev_mode {
        let literal = reqwest::Url::parse(url).ok().and_then(|u| {
            u.host_str().and_then(|h| {
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .ok()
            })
        });
        if let Some(ip) = literal.filter(|ip| !is_public(*ip)) {
            return failed(format!("refused: {ip} is not a public address"));
        }
    }
    let t = now.timestamp();
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("fleetdesk-event", &delivery.kind)
        .header("fleetdesk-delivery", &delivery.id)
        .header(
            "fleetdesk-signature",
            signature(secrets, t, &delivery.payload),
        )
        .body(delivery.payload.clone())
        .send()
        .await;
    let mut response = match response {
        Ok(r) => r,
        Err(e) => return failed(describe(&e)),
    };
    let status = response.status();
    // The answer's body is read (so the connection can be reused) up to a bound, and dropped.
    let mut read = 0;
    while read < MAX_ANSWER_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) => break,
            Err(e) => {
                return Outcome {
                    status: Some(status.as_u16()),
                    error: Some(describe(&e)),
                };
            }
        }
    }
    Outcome {
        status: Some(status.as_u16()),
        error: (!status.is_success()).then(|| match status.is_redirection() {
            true => format!("answered {status}: redirects are not followed"),
            false => format!("answered {status}"),
        }),
    }
}

/// A transport error in a few words, with its cause.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut text = what.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Records an attempt: delivered, or when to try again, or — past the retry window —
/// failed, with the webhook disabled and its creator mailed. A ping is attempted once.
fn record(
    c: &mut fleetdesk_persistence::Conn,
    config: &Config,
    webhook: &fleetdesk_persistence::webhooks::WebhookRow,
    delivery: &DeliveryRow,
    outcome: &Outcome,
    latency_ms: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    repo::insert_attempt(
        c,
        &AttemptRow {
            id: fleetdesk_persistence::new_id(),
            delivery_id: delivery.id.clone(),
            attempted_at: now.naive_utc(),
            response_status: outcome.status.map(i32::from),
            latency_ms,
            error: outcome.error.clone(),
        },
    )?;
    if outcome.error.is_none() {
        repo::finish_attempt(c, &delivery.id, DeliveryStatus::Delivered, None, now)?;
        return Ok(());
    }
    let policy = RetryPolicy {
        base: to_chrono(config.webhooks.retry_base),
        max: to_chrono(config.webhooks.retry_max),
        window: to_chrono(config.webhooks.retry_window),
    };
    let attempts = u32::try_from(delivery.attempts)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    let next = if delivery.kind == "ping" {
        None
    } else {
        policy.next_attempt(attempts, delivery.created_at.and_utc(), now, jitter())
    };
    match next {
        Some(at) => repo::finish_attempt(c, &delivery.id, DeliveryStatus::Pending, Some(at), now)?,
        None => {
            repo::finish_attempt(c, &delivery.id, DeliveryStatus::Failed, None, now)?;
            if delivery.kind != "ping" && webhook.active {
                let hours = config.webhooks.retry_window.as_secs_f64() / 3600.0;
                app::disable(
                    c,
                    webhook,
                    &WebhookDisabled::Failing {
                        delivery: delivery.id.clone(),
                        hours: hours.round() as u64,
                        error: outcome
                            .error
                            .clone()
                            .unwrap_or_else(|| "no answer".to_owned()),
                    },
                    now,
                )?;
            }
        }
    }
    Ok(())
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(1))
}

/// A number in `[0, 1)` for jitter.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_time_and_body_per_secret() {
        // Computed apart from this code:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        let header = signature(&["whsec_test".to_owned()], 1_700_000_000, r#"{"a":1}"#);
        let (t, v1) = header.split_once(",v1=").unwrap();
        assert_eq!(t, "t=1700000000");
        assert_eq!(
            v1,
            "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
        let two = signature(
            &["whsec_new".to_owned(), "whsec_test".to_owned()],
            1_700_000_000,
            r#"{"a":1}"#,
        );
        assert!(two.ends_with(&format!(",v1={v1}")));
        assert_eq!(two.matches(",v1=").count(), 2);
    }
}
