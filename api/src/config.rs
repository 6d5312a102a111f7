//! Configuration from the environment, with defaults that run a development server at once.

use std::time::Duration;

use fleetdesk_persistence::{PoolOptions, SqliteSynchronous};

/// Used only when `FLEETDESK_ENV=dev`; any other environment refuses to start with it.
const DEV_JWT_SECRET: &str = "fleetdesk-development-secret-do-not-use-in-production";
const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub jwt_secret: String,
    pub dev_mode: bool,
    pub pool: PoolOptions,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub body_limit: usize,
    /// The largest file a case attachment may be (larger: `413`).
    pub attachment_max_bytes: usize,
    /// How many days before a reading period closes its reminders go out.
    pub reading_reminder_days: u32,
    /// How often a server looks for reminders due.
    pub reading_reminder_interval: Duration,
    pub workers: usize,
    pub mail: MailConfig,
    /// Where people reach fleetdesk: the base of links in mails.
    pub public_base_url: String,
    pub email_token_ttl: Duration,
    pub invitation_ttl: Duration,
    /// The time the reading rules see; always the system clock from the environment.
    pub clock: crate::clock::Clock,
    /// The absolute lifetime of a sign-in: refreshing never extends a session past it.
    pub session_max_age: Duration,
    /// Proxies whose `X-Forwarded-For` is believed (none by default).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Origins whose browser front ends may call the API (`https://portal.example.com`); none:
    /// no CORS headers at all.
    pub cors_allowed_origins: Vec<String>,
    /// How long an API client's replaced secret keeps working after a rotation.
    pub client_secret_overlap: Duration,
    /// Requests an API client may make per minute in each server process (a burst of as
    /// many, refilled evenly).
    pub client_requests_per_minute: u32,
    /// `GET /events/stream`: how often it looks for new events, how long it may stay silent
    /// before a keep-alive comment, and how long one stream lasts at most (the client then
    /// reconnects with `Last-Event-ID`; a stream also ends when its token expires).
    pub event_stream: EventStreamConfig,
    pub webhooks: WebhookConfig,
}

/// How webhooks are delivered (see `crate::webhooks`).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// How often each server process looks for events to fan out and deliveries due.
    pub poll: Duration,
    /// How long a receiver may take to answer (a 2xx within it is success).
    pub timeout: Duration,
    /// The first retry's delay; it doubles up to `retry_max`, jittered.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a failing delivery is retried before the webhook is disabled.
    pub retry_window: Duration,
    /// After a rotation, how long the replaced secret still signs.
    pub secret_overlap: Duration,
    /// The nameservers webhook targets' names are looked up at; empty: the system's
    /// (`/etc/resolv.conf`). The hosts file is read either way.
    pub nameservers: Vec<std::net::SocketAddr>,
}

#[derive(Debug, Clone)]
pub struct EventStreamConfig {
    pub poll: Duration,
    pub keep_alive: Duration,
    pub max_age: Duration,
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://…` or `smtps://…`; `None` writes mails to the log.
    pub smtp_url: Option<String>,
    pub from: String,
    pub poll_interval: Duration,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub smtp_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "{0} is not set; set it (at least {MIN_SECRET_LEN} characters), or FLEETDESK_ENV=dev for a development default"
    )]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// What a `multipart/form-data` upload may add to its file: the form's boundaries, part
/// headers and small fields.
const FORM_FRAMING_BYTES: usize = 16 * 1024;

impl Config {
    /// The largest upload body: an attachment of the largest size with its form around it.
    pub fn upload_limit(&self) -> usize {
        self.attachment_max_bytes.saturating_add(FORM_FRAMING_BYTES)
    }

    /// Reads the configuration from environment variables (see the README's table).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let dev_mode = get("FLEETDESK_ENV").is_some_and(|v| v == "dev" || v == "development");
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid {
                    name,
                    reason: format!("'{v}' is not a whole number"),
                }),
            }
        };
        let jwt_secret = match get("JWT_SECRET") {
            Some(s) if s == DEV_JWT_SECRET && !dev_mode => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    reason: "the development default may not be used outside FLEETDESK_ENV=dev"
                        .into(),
                });
            }
            Some(s) if s.len() < MIN_SECRET_LEN => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    reason: format!("needs at least {MIN_SECRET_LEN} characters"),
                });
            }
            Some(s) => s,
            None if dev_mode => DEV_JWT_SECRET.to_owned(),
            None => return Err(ConfigError::Missing("JWT_SECRET")),
        };
        let positive = |name: &'static str, v: u64| {
            if v == 0 {
                Err(ConfigError::Invalid {
                    name,
                    reason: "must be above 0".into(),
                })
            } else {
                Ok(v)
            }
        };
        let default_workers = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
        let bind = get("BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let millis = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            Ok(Duration::from_millis(positive(
                name,
                number(name, default)?,
            )?))
        };
        Ok(Self {
            mail: MailConfig {
                smtp_url: get("SMTP_URL").filter(|u| !u.trim().is_empty()),
                from: get("MAIL_FROM")
                    .unwrap_or_else(|| "fleetdesk <no-reply@fleetdesk.example>".to_owned()),
                poll_interval: millis("MAIL_POLL_INTERVAL_MS", 1000)?,
                retry_base: millis("MAIL_RETRY_BASE_MS", 5000)?,
                retry_max: millis("MAIL_RETRY_MAX_MS", 3_600_000)?,
                smtp_timeout: millis("SMTP_TIMEOUT_MS", 10_000)?,
            },
            public_base_url: get("PUBLIC_BASE_URL")
                .unwrap_or_else(|| format!("http://{bind}"))
                .trim_end_matches('/')
                .to_owned(),
            email_token_ttl: Duration::from_secs(
                3600 * positive(
                    "EMAIL_TOKEN_TTL_HOURS",
                    number("EMAIL_TOKEN_TTL_HOURS", 24)?,
                )?,
            ),
            invitation_ttl: Duration::from_secs(
                3600 * positive("INVITATION_TTL_HOURS", number("INVITATION_TTL_HOURS", 168)?)?,
            ),
            clock: crate::clock::Clock::system(),
            database_url: get("DATABASE_URL").unwrap_or_else(|| "data/fleetdesk.db".to_owned()),
            bind,
            jwt_secret,
            dev_mode,
            pool: PoolOptions {
                max_size: u32::try_from(positive("DB_POOL_SIZE", number("DB_POOL_SIZE", 10)?)?)
                    .unwrap_or(u32::MAX),
                acquire_timeout: Duration::from_millis(positive(
                    "DB_ACQUIRE_TIMEOUT_MS",
                    number("DB_ACQUIRE_TIMEOUT_MS", 2000)?,
                )?),
                sqlite_busy_timeout: Duration::from_millis(number("DB_BUSY_TIMEOUT_MS", 5000)?),
                sqlite_synchronous: match get("SQLITE_SYNCHRONOUS") {
                    None => SqliteSynchronous::default(),
                    Some(v) => SqliteSynchronous::parse(&v).ok_or(ConfigError::Invalid {
                        name: "SQLITE_SYNCHRONOUS",
                        reason: "must be FULL or NORMAL".into(),
                    })?,
                },
            },
            access_token_ttl: Duration::from_secs(positive(
                "ACCESS_TOKEN_TTL_SECS",
                number("ACCESS_TOKEN_TTL_SECS", 900)?,
            )?),
            refresh_token_ttl: Duration::from_secs(positive(
                "REFRESH_TOKEN_TTL_SECS",
                number("REFRESH_TOKEN_TTL_SECS", 30 * 24 * 3600)?,
            )?),
            body_limit: usize::try_from(positive(
                "BODY_LIMIT_BYTES",
                number("BODY_LIMIT_BYTES", 256 * 1024)?,
            )?)
            .unwrap_or(usize::MAX),
            attachment_max_bytes: usize::try_from(positive(
                "ATTACHMENT_MAX_BYTES",
                number("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)?,
            )?)
            .unwrap_or(usize::MAX),
            reading_reminder_days: u32::try_from(number("READING_REMINDER_DAYS", 3)?).map_err(
                |_| ConfigError::Invalid {
                    name: "READING_REMINDER_DAYS",
                    reason: "must be a number of days".into(),
                },
            )?,
            reading_reminder_interval: Duration::from_secs(positive(
                "READING_REMINDER_INTERVAL_SECS",
                number("READING_REMINDER_INTERVAL_SECS", 3600)?,
            )?),
            workers: usize::try_from(positive("WORKERS", number("WORKERS", default_workers)?)?)
                .unwrap_or(2),
            session_max_age: Duration::from_secs(positive(
                "SESSION_MAX_AGE_SECS",
                number("SESSION_MAX_AGE_SECS", 90 * 24 * 3600)?,
            )?),
            trusted_proxies: trusted_proxies(get("TRUSTED_PROXIES").as_deref())?,
            cors_allowed_origins: cors_origins(get("CORS_ALLOWED_ORIGINS").as_deref())?,
            client_secret_overlap: Duration::from_secs(number(
                "CLIENT_SECRET_OVERLAP_SECS",
                24 * 3600,
            )?),
            client_requests_per_minute: u32::try_from(positive(
                "CLIENT_REQUESTS_PER_MINUTE",
                number("CLIENT_REQUESTS_PER_MINUTE", 600)?,
            )?)
            .unwrap_or(u32::MAX),
            webhooks: WebhookConfig {
                poll: millis("WEBHOOK_POLL_MS", 1000)?,
                timeout: millis("WEBHOOK_TIMEOUT_MS", 10_000)?,
                retry_base: millis("WEBHOOK_RETRY_BASE_MS", 10_000)?,
                retry_max: millis("WEBHOOK_RETRY_MAX_MS", 3_600_000)?,
                retry_window: Duration::from_secs(positive(
                    "WEBHOOK_RETRY_WINDOW_SECS",
                    number("WEBHOOK_RETRY_WINDOW_SECS", 24 * 3600)?,
                )?),
                secret_overlap: Duration::from_secs(number(
                    "WEBHOOK_SECRET_OVERLAP_SECS",
                    24 * 3600,
                )?),
                nameservers: nameservers(get("WEBHOOK_NAMESERVERS").as_deref())?,
            },
            event_stream: EventStreamConfig {
                poll: millis("EVENT_STREAM_POLL_MS", 1000)?,
                keep_alive: Duration::from_secs(positive(
                    "EVENT_STREAM_KEEPALIVE_SECS",
                    number("EVENT_STREAM_KEEPALIVE_SECS", 15)?,
                )?),
                max_age: Duration::from_secs(positive(
                    "EVENT_STREAM_MAX_SECS",
                    number("EVENT_STREAM_MAX_SECS", 3600)?,
                )?),
            },
        })
    }
}

/// `CORS_ALLOWED_ORIGINS`: origins (`scheme://host[:port]`, no path), separated by commas.
fn cors_origins(value: Option<&str>) -> Result<Vec<String>, ConfigError> {
    comma_separated(value, |v| {
        let invalid = |reason: &str| ConfigError::Invalid {
            name: "CORS_ALLOWED_ORIGINS",
            reason: format!("'{v}' {reason}"),
        };
        let rest = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"))
            .ok_or_else(|| invalid("is not an origin: it starts with http:// or https://"))?;
        if rest.is_empty() || rest.contains(['/', '?', '#', '*', ' ']) {
            return Err(invalid(
                "is not an origin: scheme, host and port only, no path and no wildcard",
            ));
        }
        Ok(v.to_ascii_lowercase())
    })
}

/// `TRUSTED_PROXIES`: addresses or networks (`10.0.0.0/8`), separated by commas.
fn trusted_proxies(value: Option<&str>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    comma_separated(value, |v| {
        v.parse::<ipnet::IpNet>()
            .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map_err(|_| ConfigError::Invalid {
                name: "TRUSTED_PROXIES",
                reason: format!("'{v}' is not an IP address or network"),
            })
    })
}

/// `WEBHOOK_NAMESERVERS`: addresses (port 53) or socket addresses (`[::1]:5353`),
/// separated by commas.
fn nameservers(value: Option<&str>) -> Result<Vec<std::net::SocketAddr>, ConfigError> {
    comma_separated(value, |v| {
        v.parse::<std::net::SocketAddr>()
            .or_else(|_| {
                v.parse::<std::net::IpAddr>()
                    .map(|ip| std::net::SocketAddr::new(ip, 53))
            })
            .map_err(|_| ConfigError::Invalid {
                name: "WEBHOOK_NAMESERVERS",
                reason: format!("'{v}' is not an IP address, with or without a port"),
            })
    })
}

/// The items of a list separated by commas, each read by `item`; blanks are skipped.
fn comma_separated<T>(
    value: Option<&str>,
    item: impl Fn(&str) -> Result<T, ConfigError>,
) -> Result<Vec<T>, ConfigError> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(item)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn refuses_to_start_without_a_secret_outside_dev() {
        assert!(matches!(
            config(&[]),
            Err(ConfigError::Missing("JWT_SECRET"))
        ));
        assert!(config(&[("JWT_SECRET", DEV_JWT_SECRET)]).is_err());
        assert!(config(&[("JWT_SECRET", "short")]).is_err());
        let dev = config(&[("FLEETDESK_ENV", "dev")]).unwrap();
        assert_eq!(dev.jwt_secret, DEV_JWT_SECRET);
        assert_eq!(dev.bind, "127.0.0.1:8080");
        assert_eq!(dev.database_url, "data/fleetdesk.db");
        assert!(
            dev.trusted_proxies.is_empty(),
            "no proxy is believed by default"
        );
        assert_eq!(dev.session_max_age, Duration::from_secs(90 * 24 * 3600));
    }

    #[test]
    fn cors_origins_are_origins_only() {
        let base = ("FLEETDESK_ENV", "dev");
        assert_eq!(
            config(&[base]).unwrap().cors_allowed_origins,
            Vec::<String>::new()
        );
        assert_eq!(
            config(&[
                base,
                (
                    "CORS_ALLOWED_ORIGINS",
                    "https://portal.example.com, http://127.0.0.1:5173"
                )
            ])
            .unwrap()
            .cors_allowed_origins,
            ["https://portal.example.com", "http://127.0.0.1:5173"]
        );
        for bad in [
            "*",
            "portal.example.com",
            "https://portal.example.com/app",
            "https://*.example.com",
        ] {
            assert!(
                config(&[base, ("CORS_ALLOWED_ORIGINS", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let dev = ("FLEETDESK_ENV", "dev");
        let c = config(&[dev, ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")]).unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(c.trusted_proxies[1].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(config(&[dev, ("TRUSTED_PROXIES", "proxy.example")]).is_err());
    }

    #[test]
    fn webhook_nameservers_are_addresses_with_port_53_unless_given() {
        let dev = ("FLEETDESK_ENV", "dev");
        assert!(config(&[dev]).unwrap().webhooks.nameservers.is_empty());
        let c = config(&[dev, ("WEBHOOK_NAMESERVERS", "10.0.0.2, [::1]:5353")]).unwrap();
        assert_eq!(
            c.webhooks.nameservers,
            [
                "10.0.0.2:53".parse::<std::net::SocketAddr>().unwrap(),
                "[::1]:5353".parse().unwrap()
            ]
        );
        for bad in ["ns.example", "10.0.0.2:dns", "10.0.0.0/8"] {
            assert!(
                config(&[dev, ("WEBHOOK_NAMESERVERS", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn sqlite_is_durable_unless_told_otherwise() {
        let dev = ("FLEETDESK_ENV", "dev");
        let synchronous = |env: &[(&str, &str)]| config(env).map(|c| c.pool.sqlite_synchronous);
        assert_eq!(synchronous(&[dev]).unwrap(), SqliteSynchronous::Full);
        assert_eq!(
            synchronous(&[dev, ("SQLITE_SYNCHRONOUS", "normal")]).unwrap(),
            SqliteSynchronous::Normal
        );
        assert!(synchronous(&[dev, ("SQLITE_SYNCHRONOUS", "OFF")]).is_err());
    }

    #[test]
    fn numbers_are_checked() {
        let base = [("FLEETDESK_ENV", "dev")];
        assert!(config(&[base[0], ("DB_POOL_SIZE", "many")]).is_err());
        assert!(config(&[base[0], ("DB_POOL_SIZE", "0")]).is_err());
        assert_eq!(
            config(&[base[0], ("DB_POOL_SIZE", "4")])
                .unwrap()
                .pool
                .max_size,
            4
        );
    }
}
