//! fleetdesk's storage: one diesel code path over SQLite (embedded default) and PostgreSQL.
//!
//! Repositories take `&mut Conn`, never the pool, so several compose inside one transaction;
//! [`write`] opens that transaction (an immediate one on SQLite) and [`Db`] runs it on a pooled
//! connection. Backend-specific SQL stays in this crate, behind a match on [`Conn`].

pub mod accounts;
pub mod cases;
pub mod clients;
pub mod contracts;
pub mod dealers;
pub mod devices;
pub mod entry_batch;
pub mod events;
pub mod idempotency;
pub mod identity;
pub mod knowledge;
pub mod labels;
pub mod notifications;
pub mod outbox;
pub mod periods;
mod queue;
pub mod schema;
pub mod stock;
pub mod waits;
pub mod webhooks;
mod writer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::result::{ConnectionError, DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// One connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

impl Conn {
    /// Whether the database is across a network (PostgreSQL), so that reading more in one
    /// statement saves a round trip. SQLite runs inside the process: there a statement that
    /// reads the caller along with its own rows only costs its planner more.
    pub fn is_remote(&self) -> bool {
        matches!(self, Conn::Postgresql(_))
    }
}

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Errors of the storage layer. Callers map them to HTTP; `Unavailable` means "retry later".
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    #[error("foreign key violated: {0}")]
    ForeignKeyViolation(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Other(String),
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(kind, info) => {
                let what = info.constraint_name().unwrap_or(info.message()).to_owned();
                match kind {
                    DatabaseErrorKind::UniqueViolation => DbError::UniqueViolation(what),
                    DatabaseErrorKind::ForeignKeyViolation => DbError::ForeignKeyViolation(what),
                    DatabaseErrorKind::ClosedConnection
                    | DatabaseErrorKind::UnableToSendCommand => {
                        DbError::Unavailable(info.message().to_owned())
                    }
                    _ if is_transient(info.message()) => {
                        DbError::Unavailable(info.message().to_owned())
                    }
                    _ => DbError::Other(info.message().to_owned()),
                }
            }
            DieselError::BrokenTransactionManager => DbError::Unavailable(e.to_string()),
            other => DbError::Other(other.to_string()),
        }
    }
}

/// Messages of errors that say "the database is going or coming back", not "the query is
/// wrong": SQLite's lock held past the busy timeout, PostgreSQL shutting down or starting up.
fn is_transient(message: &str) -> bool {
    [
        "database is locked",
        "terminating connection",
        "server closed the connection",
        "the database system is",
        "could not connect to server",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<r2d2::PoolError> for DbError {
    fn from(e: r2d2::PoolError) -> Self {
        DbError::Unavailable(e.to_string())
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn of(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Pool settings from the configuration.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// How long a request waits for a connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
    /// SQLite's busy timeout: how long a writer waits for the write lock.
    pub sqlite_busy_timeout: Duration,
    /// SQLite: when a commit is on disk.
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `synchronous` setting. An acknowledged reading is the billing basis, so the
/// default is `Full`: a commit survives a power cut, as on PostgreSQL. `Normal` (in WAL mode)
/// may lose the last commits on a power cut, never the database; chosen knowingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSynchronous {
    #[default]
    Full,
    Normal,
}

impl SqliteSynchronous {
    /// `FULL` or `NORMAL`, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "FULL" => Some(Self::Full),
            "NORMAL" => Some(Self::Normal),
            _ => None,
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            acquire_timeout: Duration::from_secs(2),
            sqlite_busy_timeout: Duration::from_secs(5),
            sqlite_synchronous: SqliteSynchronous::Full,
        }
    }
}

/// Opens connections for the pool, choosing the backend from the URL so that a bad URL
/// gets the backend's own error message.
#[derive(Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
    sqlite_busy_timeout: Duration,
    sqlite_synchronous: SqliteSynchronous,
}

impl Manager {
    fn new(url: &str, options: &PoolOptions) -> Self {
        let backend = Backend::of(url);
        let url = match backend {
            // A dead host must fail fast, not hang a request.
            Backend::Postgres if !url.contains("connect_timeout") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let secs = options.acquire_timeout.as_secs().max(1);
                format!("{url}{sep}connect_timeout={secs}")
            }
            Backend::Postgres => url.to_owned(),
            Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_owned(),
        };
        Self {
            url,
            backend,
            sqlite_busy_timeout: options.sqlite_busy_timeout,
            sqlite_synchronous: options.sqlite_synchronous,
        }
    }
}

/// A pooled connection, with what the pool needs to know of it: when it was last handed out
/// (a connection in use within the last [`CHECK_AFTER_IDLE`] needs no round trip to prove it
/// alive), and whether a request that could not reach the database found it dead (then the
/// pool drops it).
pub struct PoolConn {
    conn: Conn,
    handed_out: Instant,
    broken: bool,
}

/// How long a connection may sit idle before the pool pings it on check-out.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(1);

impl PoolConn {
    /// After a request failed because the database could not be reached: a connection that
    /// no longer answers is dropped by the pool instead of failing the next request too.
    /// Refusals (a conflict, a rule) cost no round trip.
    fn check_after<T, E: Unreachable>(&mut self, result: &Result<T, E>) {
        self.check_if(result.as_ref().is_err_and(Unreachable::unreachable));
    }

    /// [`PoolConn::check_after`] a failure that `unreachable` says whether to suspect.
    fn check_if(&mut self, unreachable: bool) {
        if unreachable && self.conn.ping().is_err() {
            self.broken = true;
        }
    }
}

/// An error that can say whether the database could not be reached (a closed connection, a
/// server going away), as opposed to a refusal.
pub trait Unreachable {
    fn unreachable(&self) -> bool;
}

impl Unreachable for DbError {
    fn unreachable(&self) -> bool {
        matches!(self, DbError::Unavailable(_))
    }
}

impl std::ops::Deref for PoolConn {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

/// Each SQLite connection's page cache, in KiB.
const SQLITE_CACHE_KIB: u32 = 512;

impl ManageConnection for Manager {
    type Connection = PoolConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<PoolConn, r2d2::Error> {
        let conn = match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(Conn::Postgresql)
                .map_err(r2d2::Error::ConnectionError)?,
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                // A modest page cache per connection (SQLite's default is 2 MiB each): the
                // operating system caches the file for every connection at once.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -{SQLITE_CACHE_KIB};",
                    self.sqlite_busy_timeout.as_millis(),
                    self.sqlite_synchronous.pragma(),
                ))
                .map_err(|e| {
                    r2d2::Error::ConnectionError(ConnectionError::CouldntSetupConfiguration(e))
                })?;
                Conn::Sqlite(conn)
            }
        };
        Ok(PoolConn {
            conn,
            handed_out: Instant::now(),
            broken: false,
        })
    }

    /// Called on every check-out: a connection used within the last second is trusted (a
    /// request that failed on it has checked it already); an idle one is pinged, so that one
    /// the database closed meanwhile is replaced before a request meets it.
    fn is_valid(&self, conn: &mut PoolConn) -> Result<(), r2d2::Error> {
        let idle = conn.handed_out.elapsed();
        conn.handed_out = Instant::now();
        if idle < CHECK_AFTER_IDLE {
            return Ok(());
        }
        conn.conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut PoolConn) -> bool {
        std::thread::panicking() || conn.broken || conn.conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The database handle the application holds: a pool and the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    /// SQLite has one writer at a time: this process's writers queue here, in order, and
    /// commit in groups (see `writer`), instead of polling for the database's write lock
    /// (which the busy timeout still covers for other processes).
    sqlite_writer: Arc<writer::GroupWriter>,
    /// On PostgreSQL, meter entries of concurrent requests are added together (see
    /// `entry_batch`).
    entries: Arc<entry_batch::EntryBatch>,
    /// How long check-outs waited for a connection.
    pool_waits: Arc<waits::Waits>,
}

/// The connection of [`Db::write_entries`]' work.
pub struct Statements<'a>(Held<'a>);

#[expect(
    clippy::large_enum_variant,
    reason = "one lives on the stack of a request's work at a time"
)]
enum Held<'a> {
    /// PostgreSQL: checked out of the pool when a statement needs it, and given back while an
    /// entry waits for its batch.
    Pooled {
        db: &'a Db,
        conn: Option<PooledConn>,
    },
    /// A connection held throughout: SQLite's writer transaction, or a caller's transaction.
    Transaction(&'a mut Conn),
}

impl<'a> Statements<'a> {
    /// Statements on `conn`, held throughout (inside a transaction: entries are added in it).
    pub fn held(conn: &'a mut Conn) -> Self {
        Self(Held::Transaction(conn))
    }

    /// The connection for the next statement.
    pub fn conn(&mut self) -> DbResult<&mut Conn> {
        match &mut self.0 {
            Held::Pooled { db, conn } => {
                let pooled = match conn.take() {
                    Some(pooled) => pooled,
                    None => db.conn()?,
                };
                Ok(&mut **conn.insert(pooled))
            }
            Held::Transaction(conn) => Ok(conn),
        }
    }

    /// [`devices::add_entry`]: on PostgreSQL in the next batch of entries, without a connection
    /// while it waits for it ([`entry_batch::EntryBatch::add`]); on SQLite in the writer's
    /// transaction or the one held.
    pub fn add_entry(
        &mut self,
        version: i64,
        row: &devices::ReadingRow,
        event: events::NewEvent<'_>,
    ) -> DbResult<bool> {
        match &mut self.0 {
            Held::Pooled { db, conn } => {
                *conn = None;
                db.entries.add(db, version, row, event)
            }
            Held::Transaction(conn) => devices::add_entry(conn, version, row, event),
        }
    }
}

/// Records each check-out's wait (and a timed-out one's) in the pool's [`waits::Waits`].
#[derive(Debug)]
struct CheckoutWaits(Arc<waits::Waits>);

impl r2d2::HandleEvent for CheckoutWaits {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.0.record(event.duration());
    }

    fn handle_timeout(&self, event: r2d2::event::TimeoutEvent) {
        self.0.record(event.timeout());
    }
}

impl Db {
    /// Builds the pool without connecting: the server starts even while the database is down
    /// and recovers by itself when it returns.
    pub fn open(url: &str, options: &PoolOptions) -> DbResult<Self> {
        if Backend::of(url) == Backend::Sqlite {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            if let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbError::Other(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        let pool_waits = Arc::new(waits::Waits::new());
        let pool = r2d2::Pool::builder()
            .event_handler(Box::new(CheckoutWaits(pool_waits.clone())))
            .max_size(options.max_size)
            .min_idle(Some(0))
            .connection_timeout(options.acquire_timeout)
            .test_on_check_out(true)
            .build_unchecked(Manager::new(url, options));
        Ok(Self {
            pool,
            backend: Backend::of(url),
            sqlite_writer: Arc::default(),
            entries: Arc::default(),
            pool_waits,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&self) -> DbResult<PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` inside one write transaction on a pooled connection.
    pub fn write<T, E: From<DbError> + Unreachable>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.backend == Backend::Sqlite {
            return self.sqlite_writer.write(&self.pool, f);
        }
        let mut conn = self.conn()?;
        let result = write(&mut conn, f);
        conn.check_after(&result);
        result
    }

    /// Runs `f`, whose writes each stand alone in one statement (such as
    /// [`devices::add_entry`]'s compare-and-set), with no transaction around them on
    /// PostgreSQL — each statement commits as it runs, which saves the round trips of `BEGIN`
    /// and `COMMIT` — and in the writers' queue on SQLite, whose writes must take their turn.
    pub fn write_statements<T, E: From<DbError> + Unreachable>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        match self.backend {
            Backend::Sqlite => self.write(f),
            Backend::Postgres => self.read(f),
        }
    }

    /// [`Db::write_statements`] for work that adds meter entries: `f` gets a connection when it
    /// asks for one, and [`Statements::add_entry`] adds an entry in the next batch on
    /// PostgreSQL (see [`entry_batch`]), giving the connection back while it waits.
    pub fn write_entries<T, E: From<DbError> + Unreachable>(
        &self,
        f: impl FnOnce(&mut Statements<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        match self.backend {
            Backend::Sqlite => self.write(|c| f(&mut Statements::held(c))),
            Backend::Postgres => {
                let mut statements = Statements(Held::Pooled {
                    db: self,
                    conn: None,
                });
                let result = f(&mut statements);
                if let Statements(Held::Pooled {
                    conn: Some(conn), ..
                }) = &mut statements
                {
                    conn.check_after(&result);
                }
                result
            }
        }
    }

    /// Runs `f` on a pooled connection, outside an explicit transaction.
    pub fn read<T, E: From<DbError> + Unreachable>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn()?;
        let result = f(&mut conn);
        conn.check_after(&result);
        result
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> DbResult<usize> {
        let mut conn = self.conn()?;
        let migrations = match self.backend {
            Backend::Postgres => PG_MIGRATIONS,
            Backend::Sqlite => SQLITE_MIGRATIONS,
        };
        let applied = conn
            .run_pending_migrations(migrations)
            .map_err(|e| DbError::Other(format!("migration failed: {e}")))?;
        Ok(applied.len())
    }

    /// `(connections, idle)` for the metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// How long check-outs have waited for a connection (the ping of one idle for a second
    /// included).
    pub fn pool_waits(&self) -> waits::WaitsSnapshot {
        self.pool_waits.snapshot()
    }

    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// A cheap round trip, for readiness.
    pub fn ping(&self) -> DbResult<()> {
        Ok(self.conn()?.ping()?)
    }
}

/// Runs `f` in one transaction on `conn`. On SQLite the transaction takes the write lock at
/// once (`BEGIN IMMEDIATE`): a deferred one that read first could fail to upgrade under load.
pub fn write<T, E: From<DbError>>(
    conn: &mut Conn,
    f: impl FnOnce(&mut Conn) -> Result<T, E>,
) -> Result<T, E> {
    let begun = match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        Conn::Postgresql(_) => <Conn as Connection>::TransactionManager::begin_transaction(conn),
    };
    begun.map_err(DbError::from)?;
    match f(conn) {
        Ok(value) => {
            <Conn as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(DbError::from)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error is the one worth reporting; a failed rollback leaves the
            // connection marked broken and r2d2 discards it.
            if let Err(rollback) =
                <Conn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                log::warn!("rollback failed: {rollback}");
            }
            Err(e)
        }
    }
}

/// A page of a keyset-paginated list: `next_after` is the id to continue after, if any.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says "there is more".
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_after = if more { rows.last().map(id) } else { None };
        Self {
            items: rows,
            next_after,
        }
    }
}

/// A new opaque id: a UUIDv7, time-ordered so keyset pagination by id follows creation.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub(crate) fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[cfg(test)]
mod tests {

    use diesel::RunQueryDsl;
    use diesel::sql_types::Integer;

    use super::*;

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Integer)]
        synchronous: i32,
    }

    fn synchronous_of(choice: SqliteSynchronous) -> i32 {
        let dir = std::env::temp_dir().join(format!("fleetdesk-sync-{}", new_id()));
        let url = dir.join("db.sqlite");
        let options = PoolOptions {
            sqlite_synchronous: choice,
            ..PoolOptions::default()
        };
        let db = Db::open(&url.to_string_lossy(), &options).unwrap();
        let setting = db
            .read(|c| -> DbResult<Setting> {
                match c {
                    Conn::Sqlite(lite) => {
                        Ok(diesel::sql_query("PRAGMA synchronous").get_result(lite)?)
                    }
                    Conn::Postgresql(_) => Err(DbError::Other("SQLite expected".into())),
                }
            })
            .unwrap();
        drop(db);
        std::fs::remove_dir_all(dir).unwrap();
        setting.synchronous
    }

    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds the bundled SQLite with the query planner stability
    /// guarantee: without it every statement with a bound `LIMIT` is prepared again on each
    /// run (SQLite 3.53 plans with the limit's value), a quarter of a reading's CPU.
    #[test]
    fn sqlite_plans_a_statement_once_whatever_its_bindings() {
        use diesel::Connection;
        let mut lite = diesel::SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options")
            .load(&mut lite)
            .unwrap();
        let options: Vec<&str> = options.iter().map(|o| o.compile_options.as_str()).collect();
        assert!(options.contains(&"ENABLE_QPSG"), "{options:?}");
    }

    #[test]
    fn sqlite_commits_are_durable_by_default() {
        // SQLite's numbers: NORMAL is 1, FULL is 2.
        assert_eq!(synchronous_of(PoolOptions::default().sqlite_synchronous), 2);
        assert_eq!(synchronous_of(SqliteSynchronous::Normal), 1);
    }
}
