//! The migrations of both backends produce exactly the tables and columns `schema.rs` declares.
#![expect(clippy::unwrap_used, reason = "tests")]

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use fleetdesk_persistence::schema::*;
use fleetdesk_persistence::{Conn, Db, PoolOptions};
use fleetdesk_tests::{Backend, TestDb, both_backends};

both_backends!(migrated_schema_matches_schema_rs);

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct ColumnInfo {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
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

fn actual(conn: &mut Conn, table: &str) -> Vec<ColumnInfo> {
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

async fn migrated_schema_matches_schema_rs(b: Backend) {
    let (_guard, url) = TestDb::create(b);
    let db = Db::open(&url, &PoolOptions::default()).unwrap();
    db.migrate().unwrap();
    let mut conn = db.conn().unwrap();
    let tables: Vec<(&str, Vec<String>, &[&str])> = vec![
        (
            "users",
            declared(users::table.select(users::all_columns)),
            &["staff_role", "email_confirmed_at"],
        ),
        (
            "refresh_tokens",
            declared(refresh_tokens::table.select(refresh_tokens::all_columns)),
            &["used_at", "revoked_at"],
        ),
        (
            "accounts",
            declared(accounts::table.select(accounts::all_columns)),
            &["credit_rating"],
        ),
        (
            "sites",
            declared(sites::table.select(sites::all_columns)),
            &["address_line2"],
        ),
        (
            "memberships",
            declared(memberships::table.select(memberships::all_columns)),
            &[],
        ),
        (
            "events",
            declared(events::table.select(events::all_columns)),
            &["account_id", "actor_id"],
        ),
        (
            "idempotency_keys",
            declared(idempotency_keys::table.select(idempotency_keys::all_columns)),
            &["status", "content_type", "location", "body"],
        ),
    ];
    for (table, columns, nullable) in tables {
        let found = actual(&mut conn, table);
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names, columns,
            "{table}: the migrated columns differ from schema.rs"
        );
        for column in &found {
            let expected = nullable.contains(&column.name.as_str());
            assert_eq!(
                column.nullable, expected,
                "{table}.{}: nullability differs from schema.rs",
                column.name
            );
        }
    }
}
