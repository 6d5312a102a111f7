//! A user's `caller_version` moves on with every change to what the authorization of their
//! requests reads (their role, dealer, sign-out time, language, memberships, and the devices
//! and stock locations they are responsible for, one by one or by site), and with nothing else:
//! a server keeps a caller read at a version only while the database says it is current. The
//! changes are made in SQL, as any write path or process could make them.
#![expect(clippy::unwrap_used, reason = "tests")]

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_persistence::Conn;
use fleetdesk_tests::{Backend, StatusCode, TestServer, both_backends, execute_sql};
use serde_json::json;

both_backends!(every_change_to_what_authorization_reads_moves_the_callers_version);

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = BigInt)]
    caller_version: i64,
}

fn version(s: &TestServer, user_id: &str) -> i64 {
    let sql = format!("SELECT caller_version FROM users WHERE id = '{user_id}'");
    let mut conn = s.db.conn().unwrap();
    let rows: Vec<Version> = match &mut **conn {
        Conn::Postgresql(pg) => diesel::sql_query(sql).load(pg).unwrap(),
        Conn::Sqlite(lite) => diesel::sql_query(sql).load(lite).unwrap(),
    };
    rows[0].caller_version
}

fn execute(s: &TestServer, sql: &str, user_id: &str) {
    let sql = sql.replace(":user", &format!("'{user_id}'"));
    let mut conn = s.db.conn().unwrap();
    let changed = execute_sql(&mut conn, &sql);
    assert_eq!(changed.unwrap(), 1, "{sql}");
}

async fn every_change_to_what_authorization_reads_moves_the_callers_version(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-1701", "S-1701").await;
    let account_id = account["id"].as_str().unwrap();
    let north = s
        .create_site(&cs, account_id, "North", "Europe/Stockholm")
        .await;
    let south = s
        .create_site(&cs, account_id, "South", "Europe/Stockholm")
        .await;
    let model = s.create_model(&cs, "Press 17", 60, &["black"]).await;
    let device = s
        .create_device(&cs, account_id, &north, &model, "P17-1")
        .await;
    let device_id = device["id"].as_str().unwrap().to_owned();
    let dealer_id = s.create_dealer("Service AB").await;
    let (status, body) = s
        .post(
            &format!("/api/v1/accounts/{account_id}/stock-locations"),
            &s.customer(account_id, CustomerRole::Administrator).await,
            json!({"name": "Store", "shipping_instructions": "Door 3",
                "address": {"line1": "Kungsgatan 12", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let store = body["id"].as_str().unwrap().to_owned();
    let user = s
        .customer_user(account_id, CustomerRole::DeviceManager)
        .await;
    let (_, me) = s.get("/api/v1/me", &user.token).await;
    let user_id = me["id"].as_str().unwrap().to_owned();

    let at = "'2026-11-30 10:00:00'";
    let changes: Vec<(&str, String, bool)> = vec![
        (
            "display name",
            "UPDATE users SET display_name = 'Someone else' WHERE id = :user".into(),
            false,
        ),
        (
            "email",
            "UPDATE users SET email = 'else@example.com' WHERE id = :user".into(),
            false,
        ),
        (
            "language",
            "UPDATE users SET language = 'sv' WHERE id = :user".into(),
            true,
        ),
        (
            "the same language",
            "UPDATE users SET language = 'sv' WHERE id = :user".into(),
            false,
        ),
        (
            "staff role",
            "UPDATE users SET staff_role = 'technician' WHERE id = :user".into(),
            true,
        ),
        (
            "no staff role",
            "UPDATE users SET staff_role = NULL WHERE id = :user".into(),
            true,
        ),
        (
            "dealer",
            format!(
                "UPDATE users SET dealer_id = '{dealer_id}', dealer_role = 'dealer-technician' WHERE id = :user"
            ),
            true,
        ),
        (
            "dealer role",
            "UPDATE users SET dealer_role = 'dealer-admin' WHERE id = :user".into(),
            true,
        ),
        (
            "no dealer",
            "UPDATE users SET dealer_id = NULL, dealer_role = NULL WHERE id = :user".into(),
            true,
        ),
        (
            "signed out",
            format!("UPDATE users SET signed_out_before = {at} WHERE id = :user"),
            true,
        ),
        (
            "membership role",
            "UPDATE memberships SET role = 'administrator' WHERE user_id = :user".into(),
            true,
        ),
        (
            "device assigned",
            format!(
                "INSERT INTO device_assignments (account_id, user_id, device_id, created_at) VALUES ('{account_id}', :user, '{device_id}', {at})"
            ),
            true,
        ),
        (
            "device unassigned",
            "DELETE FROM device_assignments WHERE user_id = :user".into(),
            true,
        ),
        (
            "stock location assigned",
            format!(
                "INSERT INTO stock_assignments (account_id, user_id, stock_location_id, created_at) VALUES ('{account_id}', :user, '{store}', {at})"
            ),
            true,
        ),
        (
            "stock location unassigned",
            "DELETE FROM stock_assignments WHERE user_id = :user".into(),
            true,
        ),
        (
            "site assigned",
            format!(
                "INSERT INTO site_assignments (account_id, user_id, site_id, created_at) VALUES ('{account_id}', :user, '{north}', {at})"
            ),
            true,
        ),
        (
            "a device of the site elsewhere in it",
            format!("UPDATE devices SET location = 'Floor 2' WHERE id = '{device_id}'"),
            false,
        ),
        (
            "a device of the site read",
            format!(
                "UPDATE devices SET entries_version = entries_version + 1 WHERE id = '{device_id}'"
            ),
            false,
        ),
        (
            "a device of the site moved away",
            format!("UPDATE devices SET site_id = '{south}' WHERE id = '{device_id}'"),
            true,
        ),
        (
            "a device moved into the site",
            format!("UPDATE devices SET site_id = '{north}' WHERE id = '{device_id}'"),
            true,
        ),
        (
            "site unassigned",
            "DELETE FROM site_assignments WHERE user_id = :user".into(),
            true,
        ),
        (
            "a device moved between sites not theirs",
            format!("UPDATE devices SET site_id = '{south}' WHERE id = '{device_id}'"),
            false,
        ),
        (
            "membership removed",
            "DELETE FROM memberships WHERE user_id = :user".into(),
            true,
        ),
        (
            "membership added",
            format!(
                "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES ('{account_id}', :user, 'knowledge-user', {at})"
            ),
            true,
        ),
    ];
    for (what, sql, moves) in changes {
        let before = version(&s, &user_id);
        execute(&s, &sql, &user_id);
        let after = version(&s, &user_id);
        if moves {
            assert!(after > before, "{what}: {before} -> {after}");
        } else {
            assert_eq!(after, before, "{what}");
        }
    }

    // A device added to or removed from a site moves the version of the site's users.
    execute(
        &s,
        &format!(
            "INSERT INTO site_assignments (account_id, user_id, site_id, created_at) VALUES ('{account_id}', :user, '{north}', {at})"
        ),
        &user_id,
    );
    let before = version(&s, &user_id);
    let added = s
        .create_device(&cs, account_id, &north, &model, "P17-2")
        .await;
    let added = added["id"].as_str().unwrap();
    let after_added = version(&s, &user_id);
    assert!(after_added > before, "a device added to the site");
    s.create_device(&cs, account_id, &south, &model, "P17-3")
        .await;
    assert_eq!(
        version(&s, &user_id),
        after_added,
        "a device added to another site"
    );
    execute(
        &s,
        &format!("DELETE FROM devices WHERE id = '{added}'"),
        &user_id,
    );
    assert!(
        version(&s, &user_id) > after_added,
        "a device removed from the site"
    );
}
