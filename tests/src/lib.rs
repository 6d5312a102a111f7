//! The black-box test harness: a real fleetdesk server on port 0 over a fresh database per
//! test, driven over HTTP. Every test runs against SQLite and PostgreSQL ([`both_backends!`]).
//!
//! PostgreSQL comes from `FLEETDESK_TEST_PG_URL` (an admin URL; `make test` starts a private
//! cluster and sets it). Each test gets its own database there, dropped afterwards.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test harness: a failure is a test failure"
)]

use std::path::PathBuf;
use std::time::Duration;

use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use fleetdesk_api::config::{Config, MailConfig};
use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_persistence::{Db, PoolOptions};
use serde_json::{Value, json};

pub use reqwest::StatusCode;

pub const PASSWORD: &str = "correct horse battery";
pub const JWT_SECRET: &str = "test-secret-for-the-black-box-suite-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` once per backend, as
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )+
        }
    };
}

/// Runs a statement of SQL text on whichever backend `conn` is: for tests that set up or probe
/// rows the API does not reach.
pub fn execute_sql(
    conn: &mut fleetdesk_persistence::Conn,
    sql: &str,
) -> diesel::QueryResult<usize> {
    use fleetdesk_persistence::Conn;
    match conn {
        Conn::Postgresql(pg) => diesel::sql_query(sql).execute(pg),
        Conn::Sqlite(lite) => diesel::sql_query(sql).execute(lite),
    }
}

/// The admin URL of the test PostgreSQL; a test that needs it fails without it.
pub fn pg_admin_url() -> String {
    std::env::var("FLEETDESK_TEST_PG_URL").expect(
        "FLEETDESK_TEST_PG_URL is not set: run `make test`, which starts PostgreSQL, \
         or skip these tests with `cargo test -- --skip postgres::`",
    )
}

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// The migrated database every PostgreSQL test database is cloned from
/// (`CREATE DATABASE … TEMPLATE …`), so migrations run once per schema, not once per test.
/// Its name carries a hash of the migrations: a changed migration makes a new template, and
/// older ones are dropped.
fn pg_template(admin_url: &str) -> &'static str {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for migration in files {
            migration.file_name().hash(&mut hasher);
            std::fs::read(migration.join("up.sql"))
                .unwrap_or_default()
                .hash(&mut hasher);
        }
        let name = format!("fleetdesk_template_{:016x}", hasher.finish());
        let mut admin = PgConnection::establish(admin_url).expect("connect to the test PostgreSQL");
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let existing: Vec<Name> = diesel::sql_query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'fleetdesk_template_%'",
        )
        .load(&mut admin)
        .unwrap();
        if existing.iter().any(|d| d.datname == name) {
            return name;
        }
        for stale in existing {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                stale.datname
            ))
            .execute(&mut admin);
        }
        // Migrated under a name of its own, then renamed: a concurrent run never clones a
        // half-migrated template.
        let building = format!("{name}_{}", std::process::id());
        diesel::sql_query(format!("CREATE DATABASE \"{building}\""))
            .execute(&mut admin)
            .unwrap();
        {
            let db = Db::open(
                &with_database(admin_url, &building),
                &PoolOptions::default(),
            )
            .unwrap();
            db.migrate().expect("the migrations apply");
        }
        let renamed = diesel::sql_query(format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
        ))
        .execute(&mut admin);
        if renamed.is_err() {
            // Another run made it first.
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
            ))
            .execute(&mut admin);
        }
        name
    })
}

/// Creates `name` as a copy of `template`, waiting out the moments after the template's
/// last connection closed.
fn clone_database(admin: &mut PgConnection, template: &str, name: &str) {
    let mut attempts = 0;
    loop {
        match diesel::sql_query(format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
        ))
        .execute(admin)
        {
            Ok(_) => return,
            Err(e) if attempts < 50 && e.to_string().contains("being accessed by other users") => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("cannot create the test database {name}: {e}"),
        }
    }
}

/// A database for one test, removed when dropped.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
    External,
}

impl TestDb {
    pub fn create(backend: Backend) -> (Self, String) {
        let id = uuid::Uuid::now_v7().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("fleetdesk-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("{id}.db"));
                let url = path.to_string_lossy().into_owned();
                (TestDb::Sqlite(path), url)
            }
            Backend::Postgres => {
                let admin_url = pg_admin_url();
                let name = format!("fleetdesk_test_{id}");
                let template = pg_template(&admin_url);
                let mut admin =
                    PgConnection::establish(&admin_url).expect("connect to the test PostgreSQL");
                clone_database(&mut admin, template, &name);
                let url = with_database(&admin_url, &name);
                (TestDb::Postgres { admin_url, name }, url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .execute(&mut admin);
                }
            }
            TestDb::External => {}
        }
    }
}

/// The configuration a test server runs with.
pub fn test_config(database_url: &str) -> Config {
    Config {
        database_url: database_url.to_owned(),
        bind: "127.0.0.1:0".to_owned(),
        jwt_secret: JWT_SECRET.to_owned(),
        // Mails without a relay are logged whole and kept in the outbox, where tests read
        // their tokens (outside development their tokens are removed).
        dev_mode: true,
        pool: PoolOptions {
            max_size: 8,
            acquire_timeout: Duration::from_millis(1500),
            sqlite_busy_timeout: Duration::from_secs(5),
            // Tests need no durability against power cuts.
            sqlite_synchronous: fleetdesk_persistence::SqliteSynchronous::Normal,
        },
        // Tests move fixed clocks by days; a token should not expire under them.
        access_token_ttl: Duration::from_secs(400 * 24 * 3600),
        refresh_token_ttl: Duration::from_secs(3600),
        body_limit: 64 * 1024,
        attachment_max_bytes: 10 * 1024 * 1024,
        reading_reminder_days: 3,
        reading_reminder_interval: Duration::from_secs(3600),
        workers: 2,
        mail: MailConfig {
            smtp_url: None,
            from: "fleetdesk <no-reply@fleetdesk.test>".to_owned(),
            poll_interval: Duration::from_millis(50),
            retry_base: Duration::from_millis(200),
            retry_max: Duration::from_secs(1),
            smtp_timeout: Duration::from_secs(5),
        },
        public_base_url: "http://fleetdesk.test".to_owned(),
        email_token_ttl: Duration::from_secs(24 * 3600),
        invitation_ttl: Duration::from_secs(7 * 24 * 3600),
        clock: fleetdesk_api::state::Clock::system(),
        session_max_age: Duration::from_secs(90 * 24 * 3600),
        trusted_proxies: Vec::new(),
        cors_allowed_origins: Vec::new(),
        client_secret_overlap: Duration::from_secs(24 * 3600),
        client_requests_per_minute: 100_000,
        webhooks: fleetdesk_api::config::WebhookConfig {
            poll: Duration::from_millis(50),
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_millis(400),
            retry_window: Duration::from_secs(24 * 3600),
            secret_overlap: Duration::from_secs(24 * 3600),
            nameservers: Vec::new(),
        },
        event_stream: fleetdesk_api::config::EventStreamConfig {
            poll: Duration::from_millis(50),
            keep_alive: Duration::from_secs(15),
            max_age: Duration::from_secs(3600),
        },
    }
}

/// A signed-in test user.
pub struct User {
    pub email: String,
    pub token: String,
    pub refresh_token: String,
}

/// A running server over its own database.
pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub backend: Backend,
    /// The database URL, for other server processes to share.
    pub database_url: String,
    /// The server's clock: what it takes for "now".
    pub clock: fleetdesk_api::state::Clock,
    /// The server's configuration.
    pub config: Config,
    handle: actix_web::dev::ServerHandle,
    _mail_sender: fleetdesk_api::mail::Sender,
    _reminders: fleetdesk_api::reminders::Reminders,
    _webhooks: fleetdesk_api::webhooks::Deliverer,
    // Dropped after the server is told to stop.
    _database: TestDb,
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        let (database, url) = TestDb::create(backend);
        Self::start_with(backend, database, test_config(&url)).await
    }

    /// A server over a fresh database with `adjust` applied to the test configuration.
    pub async fn start_configured(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        let (database, url) = TestDb::create(backend);
        let mut config = test_config(&url);
        adjust(&mut config);
        Self::start_with(backend, database, config).await
    }

    pub async fn start_with(backend: Backend, database: TestDb, config: Config) -> Self {
        // RUST_LOG=fleetdesk=debug shows the server's log under `cargo test -- --nocapture`.
        let _ = env_logger::builder().is_test(true).try_init();
        let (database_url, clock) = (config.database_url.clone(), config.clock.clone());
        let built = fleetdesk_api::build(config.clone()).expect("the server starts");
        let handle = built.server.handle();
        tokio::spawn(built.server);
        Self {
            base: format!("http://{}", built.addr),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db: built.db,
            backend,
            database_url,
            clock,
            config,
            handle,
            _mail_sender: built.mail_sender,
            _reminders: built.reminders,
            _webhooks: built.webhooks,
            _database: database,
        }
    }

    /// The PostgreSQL database this server owns, for a second server to share.
    pub fn database_name(&self) -> Option<String> {
        match &self._database {
            TestDb::Postgres { name, .. } => Some(name.clone()),
            _ => None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new confirmed staff user of `role`, signed in.
    pub async fn staff_user(&self, role: StaffRole) -> User {
        let email = format!(
            "{}-{}@fleetdesk.test",
            role.as_str(),
            uuid::Uuid::now_v7().simple()
        );
        let now = self.clock.now();
        self.add_user(email, move |db, email| {
            fleetdesk_api::bootstrap::add_staff(db, email, "Staff", role, PASSWORD, now)
        })
        .await
    }

    /// A new confirmed staff user of `role`; returns an access token.
    pub async fn staff(&self, role: StaffRole) -> String {
        self.staff_user(role).await.token
    }

    /// Gives the member signed in as `member` exactly `device_ids` of `account_id`, as its
    /// administrator `admin`.
    pub async fn assign_devices(
        &self,
        admin: &str,
        account_id: &str,
        member: &str,
        device_ids: &[&str],
    ) {
        let (_, me) = self.get("/api/v1/me", member).await;
        let (status, body) = self
            .send(
                reqwest::Method::PUT,
                &format!(
                    "/api/v1/accounts/{account_id}/members/{}/devices",
                    me["id"].as_str().unwrap()
                ),
                Some(admin),
                Some(json!({ "device_ids": device_ids })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// A new confirmed customer user with `role` in `account_id`; returns an access token.
    pub async fn customer(&self, account_id: &str, role: CustomerRole) -> String {
        self.customer_user(account_id, role).await.token
    }

    /// A new user of a customer account with `role`, signed in.
    pub async fn customer_user(&self, account_id: &str, role: CustomerRole) -> User {
        let email = format!(
            "{}-{}@customer.test",
            role.as_str(),
            uuid::Uuid::now_v7().simple()
        );
        let (account_id, now) = (account_id.to_owned(), self.clock.now());
        self.add_user(email, move |db, email| {
            fleetdesk_api::bootstrap::add_customer_user(
                db,
                &account_id,
                email,
                "Customer",
                role,
                PASSWORD,
                now,
            )
        })
        .await
    }

    /// A new dealer organisation; returns its id.
    pub async fn create_dealer(&self, name: &str) -> String {
        let (db, name, now) = (self.db.clone(), name.to_owned(), self.clock.now());
        tokio::task::spawn_blocking(move || {
            let email = format!("dispatch-{}@dealer.test", uuid::Uuid::now_v7().simple());
            fleetdesk_api::bootstrap::add_dealer(&db, &name, &email, now)
        })
        .await
        .unwrap()
        .unwrap()
    }

    /// A new confirmed user of `dealer_id` with `role`, signed in.
    pub async fn dealer_user(
        &self,
        dealer_id: &str,
        role: fleetdesk_domain::identity::DealerRole,
    ) -> User {
        let email = format!(
            "{}-{}@dealer.test",
            role.as_str(),
            uuid::Uuid::now_v7().simple()
        );
        let (dealer_id, now) = (dealer_id.to_owned(), self.clock.now());
        self.add_user(email, move |db, email| {
            fleetdesk_api::bootstrap::add_dealer_user(
                db, &dealer_id, email, "Dealer", role, PASSWORD, now,
            )
        })
        .await
    }

    async fn add_user(
        &self,
        email: String,
        add: impl FnOnce(&Db, &str) -> Result<String, fleetdesk_api::bootstrap::BootstrapError>
        + Send
        + 'static,
    ) -> User {
        let (db, e) = (self.db.clone(), email.clone());
        tokio::task::spawn_blocking(move || add(&db, &e))
            .await
            .unwrap()
            .unwrap();
        let tokens = self.login(&email, PASSWORD).await;
        User {
            email,
            token: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Every mail enqueued for `recipient`, oldest first, sent or not.
    pub async fn mails_to(&self, recipient: &str) -> Vec<fleetdesk_persistence::outbox::OutboxRow> {
        let (db, to) = (self.db.clone(), recipient.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut conn = db.conn().unwrap();
            fleetdesk_persistence::outbox::mails_to(&mut conn, &to).unwrap()
        })
        .await
        .unwrap()
    }

    /// Turns the feed's events into notification mails now, as the server's background round
    /// does: every event committed before the call is mailed when it returns.
    pub async fn notify(&self) {
        let (db, config) = (self.db.clone(), self.config.clone());
        tokio::task::spawn_blocking(move || {
            use fleetdesk_api::app::notify::{Round, round};
            // Another notifier (the server's own) may hold the turn: wait until it is ours.
            while round(&db, &config)? != Round::Done {
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok::<_, fleetdesk_api::error::ApiError>(())
        })
        .await
        .unwrap()
        .unwrap();
    }

    /// The token of the newest mail to `recipient` that carries one.
    pub async fn token_mailed_to(&self, recipient: &str) -> String {
        let mails = self.mails_to(recipient).await;
        mails
            .iter()
            .rev()
            .find_map(|m| token_in(&m.body))
            .unwrap_or_else(|| panic!("no mail with a token to {recipient}: {mails:?}"))
    }

    /// Signs in; panics unless it succeeds. Returns the token response.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let (status, body) = self
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {email}: {body}");
        body
    }

    /// Sends a request and returns the status and the JSON body (Null when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let res = self.request(method, path, token, body).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    /// Sends a request and asserts that the answer is problem+json with `status` and `code`;
    /// returns the problem.
    pub async fn expect_problem(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        status: StatusCode,
        code: &str,
    ) -> Value {
        assert_problem(self.request(method, path, token, body).await, status, code).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// Posts a `multipart/form-data` form built from `parts`; `extra` headers go along.
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        parts: &[FormPart<'_>],
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let (content_type, body) = multipart_body(parts);
        let mut req = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body);
        for (name, value) in extra {
            req = req.header(*name, *value);
        }
        req.send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// Creates a device model as customer service; returns its id.
    pub async fn create_model(
        &self,
        cs_token: &str,
        name: &str,
        rated_per_minute: i64,
        meters: &[&str],
    ) -> String {
        let (status, body) = self
            .post(
                "/api/v1/device-models",
                cs_token,
                json!({"name": name, "rated_units_per_minute": rated_per_minute, "meters": meters}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a site in `time_zone` for an account; returns its id.
    pub async fn create_site(
        &self,
        cs_token: &str,
        account_id: &str,
        name: &str,
        time_zone: &str,
    ) -> String {
        let body = json!({"name": name, "time_zone": time_zone,
            "address": {"line1": "Kungsgatan 12", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}});
        let (status, site) = self
            .post(
                &format!("/api/v1/accounts/{account_id}/sites"),
                cs_token,
                body,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{site}");
        site["id"].as_str().unwrap().to_owned()
    }

    /// Creates a device as customer service; returns its JSON.
    pub async fn create_device(
        &self,
        cs_token: &str,
        account_id: &str,
        site_id: &str,
        model_id: &str,
        serial: &str,
    ) -> Value {
        let body = json!({"model_id": model_id, "serial_number": serial, "site_id": site_id, "location": "Floor 2",
            "install_date": "2025-01-15", "warranty_end": "2028-01-14"});
        let (status, device) = self
            .post(
                &format!("/api/v1/accounts/{account_id}/devices"),
                cs_token,
                body,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{device}");
        device
    }

    /// Creates an account as customer service; returns its JSON.
    pub async fn create_account(
        &self,
        cs_token: &str,
        customer_number: &str,
        system_number: &str,
    ) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/accounts",
                cs_token,
                json!({
                    "customer_account_number": customer_number,
                    "system_account_number": system_number,
                    "name": format!("Account {customer_number}"),
                    "credit_rating": "good",
                    "payment_history": [{
                        "invoice_number": "INV-1", "due_on": "2026-10-01", "paid_on": "2026-10-03",
                        "amount_minor": 125000, "currency": "SEK"
                    }]
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Sends the stop command at once; the workers wind down on their own threads.
        drop(self.handle.stop(false));
    }
}

/// The real `fleetdesk` binary serving in a process of its own, killed when dropped.
pub struct ServerProcess {
    pub base: String,
    child: std::process::Child,
}

impl ServerProcess {
    /// Starts `fleetdesk serve` over `database_url` (with the test suite's JWT secret, so
    /// tokens of in-process servers work here too) and waits until it answers.
    pub async fn start(database_url: &str) -> Self {
        Self::start_with_env(database_url, &[]).await
    }

    /// [`ServerProcess::start`] with more environment variables.
    pub async fn start_with_env(database_url: &str, env: &[(&str, &str)]) -> Self {
        fleetdesk_api::webhooks::install_tls_provider();
        // Integration tests run from target/<profile>/deps; the binary is one level up.
        let exe = std::env::current_exe().unwrap();
        let binary = exe
            .parent()
            .and_then(|deps| deps.parent())
            .unwrap()
            .join("fleetdesk");
        assert!(
            binary.exists(),
            "{} is not built: run the tests with `cargo test --workspace`",
            binary.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(binary)
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", JWT_SECRET)
            .env("WORKERS", "2")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = Self {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(res) = reqwest::get(server.url("/readyz")).await
                && res.status() == StatusCode::OK
            {
                return server;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the fleetdesk process did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The token in a mail's text (`…?token=XYZ`).
pub fn token_in(body: &str) -> Option<String> {
    let start = body.find("token=")? + "token=".len();
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (!token.is_empty()).then_some(token)
}

/// Asserts that a response is problem+json with `status` and `code`.
pub async fn assert_problem(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(
        content_type, "application/problem+json",
        "problem content type"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["title"].is_string() && body["type"].is_string(),
        "{body}"
    );
    body
}

pub mod smtp;

/// One part of a `multipart/form-data` form.
pub struct FormPart<'a> {
    pub name: &'a str,
    pub file_name: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub bytes: &'a [u8],
}

impl<'a> FormPart<'a> {
    /// A file part.
    pub fn file(file_name: &'a str, content_type: &'a str, bytes: &'a [u8]) -> Self {
        Self {
            name: "file",
            file_name: Some(file_name),
            content_type: Some(content_type),
            bytes,
        }
    }

    /// A plain field.
    pub fn field(name: &'a str, value: &'a str) -> Self {
        Self {
            name,
            file_name: None,
            content_type: None,
            bytes: value.as_bytes(),
        }
    }
}

/// The `Content-Type` and body of a `multipart/form-data` form, written out as a browser
/// writes it.
pub fn multipart_body(parts: &[FormPart<'_>]) -> (String, Vec<u8>) {
    let boundary = "----fleetdesk-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(file_name) = part.file_name {
            disposition.push_str(&format!("; filename=\"{file_name}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "x"),
            "postgres://u@h:5/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5/postgres?sslmode=disable", "x"),
            "postgres://u@h:5/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
    }
}
