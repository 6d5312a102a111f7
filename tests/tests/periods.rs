//! Reading periods: the closing day customer service sets, which devices were read in a
//! period, the billing export across a meter reset, and reminders mailed once per device
//! and period with two server processes sending them.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{
    Backend, ServerProcess, StatusCode, TestServer, assert_problem, both_backends,
};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    reading_status_and_the_export_follow_the_period_across_a_reset,
    a_reminder_is_mailed_once_per_device_with_two_processes_sending,
);

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

async fn id_of(v: Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn submit(s: &TestServer, token: &str, device: &str, values: Value, confirm: bool) {
    let (status, body) = s
        .post(
            &format!("/api/v1/devices/{device}/meter-readings"),
            token,
            json!({"values": values, "confirm_implausible": confirm}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn reading_status_and_the_export_follow_the_period_across_a_reset(b: Backend) {
    let clock = Clock::fixed(at(2026, 2, 15, 9));
    let c = clock.clone();
    let s = TestServer::start_configured(b, move |config| config.clock = c).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = id_of(s.create_account(&cs, "C-8201", "S-8201").await).await;
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s
        .create_model(&cs, "Office 60", 60, &["black", "colour"])
        .await;
    let mut devices = Vec::new();
    for serial in ["RP1001", "RP1002", "RP1003"] {
        devices.push(id_of(s.create_device(&cs, &account, &site, &model, serial).await).await);
    }
    let [a, b_, c_] = [&devices[0], &devices[1], &devices[2]];
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    s.assign_devices(&admin, &account, &manager, &[a]).await;

    // The period closes on the 20th: 2026-03 runs from 21 February to 20 March.
    let period = format!("/api/v1/accounts/{account}/reading-period");
    let (status, body) = s
        .send(
            Method::PUT,
            &period,
            Some(&cs),
            Some(json!({"closing_day": 20})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["closing_day"], 20);
    for bad in [json!({"closing_day": 29}), json!({"closing_day": 0})] {
        s.expect_problem(
            Method::PUT,
            &period,
            Some(&cs),
            Some(bad),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    s.expect_problem(
        Method::PUT,
        &period,
        Some(&admin),
        Some(json!({"closing_day": 5})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (_, seen) = s.get(&format!("/api/v1/accounts/{account}"), &admin).await;
    assert_eq!(
        seen["reading_closing_day"], 20,
        "the refused change changed nothing"
    );

    // Before the period: A and B read on 15 February.
    submit(&s, &admin, a, json!({"black": 1000, "colour": 100}), false).await;
    submit(&s, &admin, b_, json!({"black": 2000, "colour": 200}), false).await;
    // In it: A on 1 March, its black meter reset on 5 March (it had reached 1800), read again
    // on 15 March; B's implausible rise accepted on its word (flagged) on 12 March.
    clock.set(at(2026, 3, 1, 9));
    submit(&s, &admin, a, json!({"black": 1500, "colour": 150}), false).await;
    clock.set(at(2026, 3, 5, 9));
    let (status, body) = s
        .post(
            &format!("/api/v1/devices/{a}/meter-readings/corrections"),
            &cs,
            json!({"kind": "meter-reset", "reason": "Counter reset by a firmware update",
                "values": {"black": 0}, "final_values": {"black": 1800}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    clock.set(at(2026, 3, 12, 9));
    submit(
        &s,
        &admin,
        b_,
        json!({"black": 9_000_000, "colour": 300}),
        true,
    )
    .await;
    clock.set(at(2026, 3, 15, 9));
    submit(&s, &admin, a, json!({"black": 300, "colour": 200}), false).await;

    // Reading status: the administrator and staff see every device, the device manager theirs.
    let status_of = |token: String, query: &'static str| {
        let s = &s;
        let account = account.clone();
        async move {
            let (status, body) = s
                .get(
                    &format!("/api/v1/accounts/{account}/reading-status{query}"),
                    &token,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };
    let march = status_of(admin.clone(), "?period=2026-03").await;
    assert_eq!(
        (march["opens"].as_str(), march["closes"].as_str()),
        (Some("2026-02-21"), Some("2026-03-20"))
    );
    assert_eq!(
        (march["read"].as_u64(), march["unread"].as_u64()),
        (Some(2), Some(1))
    );
    let by_serial = |body: &Value| -> Vec<(String, Value)> {
        body["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["serial_number"].as_str().unwrap().to_owned(),
                    d["reading"]["local_day"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        by_serial(&march),
        [
            ("RP1001".to_owned(), json!("2026-03-15")),
            ("RP1002".to_owned(), json!("2026-03-12")),
            ("RP1003".to_owned(), Value::Null),
        ]
    );
    assert_eq!(march["devices"][1]["reading"]["flagged"], true);
    assert_eq!(
        by_serial(&status_of(manager.clone(), "?period=2026-03").await),
        [("RP1001".to_owned(), json!("2026-03-15"))]
    );
    assert_eq!(
        status_of(cs.clone(), "?period=2026-03").await["devices"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let february = status_of(admin.clone(), "?period=2026-02").await;
    assert_eq!(
        (february["read"].as_u64(), february["unread"].as_u64()),
        (Some(2), Some(1))
    );
    // Without a period: the one running now (15 March is in 2026-03).
    assert_eq!(status_of(admin.clone(), "").await["period"], "2026-03");
    for bad in ["?period=2026-3", "?period=2026-13", "?period=march"] {
        s.expect_problem(
            Method::GET,
            &format!("/api/v1/accounts/{account}/reading-status{bad}"),
            Some(&admin),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    let stock = s.customer(&account, CustomerRole::StockManager).await;
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/accounts/{account}/reading-status"),
        Some(&stock),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // The export (staff): usage across the reset, not closing minus opening.
    let export = format!("/api/v1/accounts/{account}/usage-export?period=2026-03");
    s.expect_problem(
        Method::GET,
        &export,
        Some(&admin),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (status, body) = s.get(&export, &cs).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["rows"].as_array().unwrap();
    let row = |serial: &str, meter: &str| {
        rows.iter()
            .find(|r| r["serial_number"] == serial && r["meter"] == meter)
            .unwrap()
            .clone()
    };
    let a_black = row("RP1001", "black");
    assert_eq!(
        (
            a_black["opening"].clone(),
            a_black["closing"].clone(),
            a_black["usage"].clone()
        ),
        (json!(1000), json!(300), json!(500 + 300 + 300)),
        "{a_black}"
    );
    assert_eq!(
        (a_black["readings"].clone(), a_black["corrections"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(row("RP1001", "colour")["usage"], 100);
    assert_eq!(row("RP1002", "black")["flagged_readings"], 1);
    assert_eq!(row("RP1001", "black")["flagged_readings"], 0);
    let c_black = row("RP1003", "black");
    assert_eq!(
        (
            c_black["opening"].clone(),
            c_black["closing"].clone(),
            c_black["usage"].clone()
        ),
        (Value::Null, Value::Null, json!(0))
    );
    assert_eq!(rows.len(), 6, "three devices, two meters each");
    let _ = c_;

    // The same as CSV.
    let res = s
        .client
        .get(s.url(&export))
        .bearer_auth(&cs)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "device_id,serial_number,site_name,meter,opening,closing,usage,readings,corrections,flagged_readings"
    );
    assert_eq!(lines.len(), 7);
    assert!(
        lines.contains(&format!("{a},RP1001,HQ,black,1000,300,1100,2,1,0").as_str()),
        "{csv}"
    );
    assert!(
        lines.contains(&format!("{c_},RP1003,HQ,black,,,0,0,0,0").as_str()),
        "{csv}"
    );
    let res = s
        .client
        .get(s.url(&export))
        .bearer_auth(&cs)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::NOT_ACCEPTABLE, "not_acceptable").await;
}

async fn a_reminder_is_mailed_once_per_device_with_two_processes_sending(b: Backend) {
    // Both processes and this one read the system clock; this one sends no reminder before
    // the data is in place (its first round found no account, the next is an hour away).
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = id_of(s.create_account(&cs, "C-8301", "S-8301").await).await;
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Office 60", 60, &["black"]).await;
    let mut devices = Vec::new();
    for serial in ["RM1001", "RM1002", "RM1003"] {
        devices.push(id_of(s.create_device(&cs, &account, &site, &model, serial).await).await);
    }
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    s.assign_devices(&admin, &account, &manager, &[&devices[0]])
        .await;
    // RM1003 is read in the period running now: it is not reminded.
    submit(&s, &admin, &devices[2], json!({"black": 100}), false).await;
    let email = |token: String| {
        let s = &s;
        async move {
            s.get("/api/v1/me", &token).await.1["email"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (admin_email, manager_email) = (email(admin.clone()).await, email(manager.clone()).await);

    // Every period is due with 31 days' notice; both processes look every second.
    let env = [
        ("READING_REMINDER_DAYS", "31"),
        ("READING_REMINDER_INTERVAL_SECS", "1"),
    ];
    let first = ServerProcess::start_with_env(&s.database_url, &env).await;
    let second = ServerProcess::start_with_env(&s.database_url, &env).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while s.mails_to(&manager_email).await.is_empty() || s.mails_to(&admin_email).await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "no reminder was sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Several more rounds of both processes.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    drop((first, second));

    let to_manager = s.mails_to(&manager_email).await;
    assert_eq!(to_manager.len(), 1, "{to_manager:?}");
    assert!(
        to_manager[0].subject.contains("RM1001"),
        "{}",
        to_manager[0].subject
    );
    assert!(
        to_manager[0]
            .body
            .contains(&format!("/api/v1/devices/{}/meter-readings", devices[0]))
    );
    // The device no one manages is its administrators' to read.
    let to_admin = s.mails_to(&admin_email).await;
    assert_eq!(to_admin.len(), 1, "{to_admin:?}");
    assert!(to_admin[0].body.contains("RM1002"), "{}", to_admin[0].body);
    assert!(!to_admin[0].body.contains("RM1001"));
    for mail in to_manager.iter().chain(&to_admin) {
        assert!(
            !mail.body.contains("RM1003"),
            "a device read in the period is not reminded"
        );
    }
}
