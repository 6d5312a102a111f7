//! The migrations of both backends produce exactly what `schema.rs` declares, and the same
//! schema as each other.
#![expect(clippy::unwrap_used, reason = "tests")]

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use fleetdesk_persistence::schema::*;
use fleetdesk_persistence::{Conn, Db, PoolOptions};
use fleetdesk_tests::{Backend, TestDb, both_backends, execute_sql};

both_backends!(
    migrated_schema_matches_schema_rs,
    enumerated_columns_refuse_other_values
);

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct ColumnInfo {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The column names `schema.rs` declares for a table, in order, read from the SQL diesel
/// generates for `SELECT all_columns`.
fn declared<Q: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>>(
    query: Q,
) -> Vec<String> {
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    let list = sql
        .split_once("SELECT ")
        .unwrap()
        .1
        .split_once(" FROM")
        .unwrap()
        .0;
    list.split(", ")
        .map(|c| {
            c.rsplit('.')
                .next()
                .unwrap()
                .trim_matches('`')
                .trim_matches('"')
                .to_owned()
        })
        .collect()
}

macro_rules! declared_tables {
    ($($table:ident),+ $(,)?) => {
        vec![$((stringify!($table), declared($table::table.select($table::all_columns)))),+]
    };
}

/// Every table of `schema.rs`; a migrated table missing here fails the test below.
fn declared_tables() -> Vec<(&'static str, Vec<String>)> {
    declared_tables!(
        users,
        refresh_tokens,
        accounts,
        sites,
        memberships,
        events,
        idempotency_keys,
        dealers,
        email_tokens,
        outbox,
        invitations,
        join_requests,
        login_throttle,
        device_models,
        devices,
        device_assignments,
        meter_readings,
        reading_reminders,
        service_contracts,
        cases,
        case_status_changes,
        case_comments,
        case_attachments,
        registrations,
        remedies,
        calls,
        call_remedies,
        call_attempts,
        site_assignments,
        dispatches,
        warranty_claims,
        dealer_invitations,
        stock_locations,
        stock_levels,
        stock_location_devices,
        stock_assignments,
        device_credentials,
        replenishment_orders,
        stock_movements,
        knowledge_articles,
        knowledge_article_models,
        knowledge_article_tags,
        api_clients,
        api_client_secrets,
        webhooks,
        webhook_secrets,
        webhook_deliveries,
        webhook_attempts,
        password_resets,
        notification_opt_outs,
        notifier_cursor,
    )
}

fn tables(conn: &mut Conn) -> Vec<String> {
    let mut names: Vec<TableName> = match conn {
        Conn::Postgresql(pg) => diesel::sql_query(
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .load(pg)
        .unwrap(),
        Conn::Sqlite(lite) => diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table'").load(lite).unwrap(),
    };
    names.sort();
    names
        .into_iter()
        .map(|t| t.name)
        .filter(|n| n != "__diesel_schema_migrations" && n != "sqlite_sequence")
        .collect()
}

fn columns(conn: &mut Conn, table: &str) -> Vec<ColumnInfo> {
    match conn {
        Conn::Postgresql(pg) => diesel::sql_query(
            "SELECT column_name::text AS name, is_nullable = 'YES' AS nullable FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(pg)
        .unwrap(),
        // SQLite marks a TEXT PRIMARY KEY nullable; a key column is never null here.
        Conn::Sqlite(lite) => diesel::sql_query(
            "SELECT name, (\"notnull\" = 0 AND pk = 0) AS nullable FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind::<Text, _>(table)
        .load(lite)
        .unwrap(),
    }
}

fn migrated(b: Backend) -> (TestDb, Db) {
    let (guard, url) = TestDb::create(b);
    let db = Db::open(&url, &PoolOptions::default()).unwrap();
    db.migrate().unwrap();
    (guard, db)
}

async fn migrated_schema_matches_schema_rs(b: Backend) {
    let (_guard, db) = migrated(b);
    let mut conn = db.conn().unwrap();
    let declared = declared_tables();
    let mut declared_names: Vec<String> = declared.iter().map(|(t, _)| (*t).to_owned()).collect();
    declared_names.sort();
    assert_eq!(
        tables(&mut conn),
        declared_names,
        "the migrated tables differ from schema.rs"
    );
    for (table, declared_columns) in declared {
        let names: Vec<String> = columns(&mut conn, table)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names, declared_columns,
            "{table}: the migrated columns differ from schema.rs"
        );
    }
}

/// The enumerated columns a meter reading writes (PostgreSQL: domains, SQLite: CHECK
/// constraints) refuse a value outside their set, and take one inside it as far as the
/// check (the rows' references do not exist, so the insert fails later, on its keys).
async fn enumerated_columns_refuse_other_values(b: Backend) {
    use diesel::result::DatabaseErrorKind::{CheckViolation, ForeignKeyViolation};
    use diesel::result::Error;
    let (_guard, db) = migrated(b);
    let mut conn = db.conn().unwrap();
    let reading = |kind: &str, source: &str, correction: &str| {
        format!(
            "INSERT INTO meter_readings (id, device_id, kind, local_day, meter_values, source, \
             correction_kind, flagged, recorded_by, recorded_at) VALUES ('r', 'no-device', \
             '{kind}', '2026-12-01', '[1]', '{source}', {correction}, FALSE, 'no-user', \
             '2026-12-01 08:00:00')"
        )
    };
    let device = |status: &str| {
        format!(
            "INSERT INTO devices (id, account_id, site_id, model_id, serial_number, location, \
             install_date, warranty_end, meters, status, created_at, updated_at) VALUES ('d', \
             'no-account', 'no-site', 'no-model', 'S1', '', '2026-01-01', '2027-01-01', '[]', \
             '{status}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    };
    let cases = [
        (reading("estimate", "customer", "NULL"), CheckViolation),
        (reading("reading", "email", "NULL"), CheckViolation),
        (
            reading("correction", "customer-service", "'meter-lost'"),
            CheckViolation,
        ),
        (device("retired"), CheckViolation),
        // Inside the sets: only the made-up references are refused.
        (reading("reading", "phone", "NULL"), ForeignKeyViolation),
        (
            reading("correction", "customer-service", "'wrong-entry'"),
            ForeignKeyViolation,
        ),
        (device("removed"), ForeignKeyViolation),
    ];
    for (sql, expected) in cases {
        match execute_sql(&mut conn, &sql) {
            Err(Error::DatabaseError(kind, _)) if kind == expected => {}
            other => panic!("{sql}: {other:?}, expected {expected:?}"),
        }
    }
}

/// Needs PostgreSQL (named `…postgres::…` so a run without it skips it).
mod cross_backend {
    mod postgres {
        use super::super::*;

        /// Column by column, nullability included, both backends' migrations agree.
        #[test]
        fn both_backends_migrate_to_the_same_schema() {
            let (_pg_guard, pg) = migrated(Backend::Postgres);
            let (_lite_guard, lite) = migrated(Backend::Sqlite);
            let (mut pg, mut lite) = (pg.conn().unwrap(), lite.conn().unwrap());
            assert_eq!(tables(&mut pg), tables(&mut lite));
            for table in tables(&mut pg) {
                assert_eq!(
                    columns(&mut pg, &table),
                    columns(&mut lite, &table),
                    "{table}"
                );
            }
        }
    }
}
