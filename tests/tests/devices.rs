//! Devices and meter readings: scope, the reading rules with their refusal codes, the local
//! day, corrections, usage, and exactly one reading a day under concurrency.
#![expect(clippy::unwrap_used, reason = "tests")]

use chrono::{DateTime, TimeZone, Utc};
use fleetdesk_api::config::Config;
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    devices_are_created_found_and_removed,
    device_managers_reach_only_assigned_devices,
    a_device_manager_responsible_for_a_site_reaches_its_devices,
    each_reading_rule_has_its_refusal,
    the_day_is_the_sites_local_day,
    implausible_rises_need_confirmation_and_are_flagged,
    customer_service_records_phone_readings_and_corrections,
    usage_is_correct_across_a_reset,
    fifty_simultaneous_submissions_accept_exactly_one,
    readings_of_many_devices_at_once_on_a_pool_of_two_are_each_accepted,
    invitations_assign_devices_on_acceptance,
);

/// A server with a movable clock, an account with a Stockholm site, a model and a device.
struct Setup {
    s: TestServer,
    clock: Clock,
    cs: String,
    account: String,
    site: String,
    model: String,
    device: String,
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

async fn setup(b: Backend) -> Setup {
    setup_configured(b, |_| {}).await
}

/// [`setup`] with `adjust` applied to the server's configuration.
async fn setup_configured(b: Backend, adjust: impl FnOnce(&mut Config) + Send + 'static) -> Setup {
    let clock = Clock::fixed(at(2026, 3, 2, 9, 0));
    let c = clock.clone();
    let s = TestServer::start_configured(b, move |config| {
        config.clock = c;
        adjust(config);
    })
    .await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-6001", "S-6001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s
        .create_model(&cs, "Office 60", 60, &["black", "colour"])
        .await;
    let device = s
        .create_device(&cs, &account, &site, &model, "ab 1234")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Setup {
        s,
        clock,
        cs,
        account,
        site,
        model,
        device,
    }
}

async fn submit(s: &TestServer, token: &str, device: &str, values: Value) -> reqwest::Response {
    s.request(
        Method::POST,
        &format!("/api/v1/devices/{device}/meter-readings"),
        Some(token),
        Some(json!({"values": values})),
    )
    .await
}

async fn devices_are_created_found_and_removed(b: Backend) {
    let Setup {
        s,
        cs,
        account,
        site,
        model,
        device,
        ..
    } = setup(b).await;
    let (_, d) = s.get(&format!("/api/v1/devices/{device}"), &cs).await;
    assert_eq!(
        (d["serial_number"].as_str(), d["status"].as_str()),
        (Some("AB1234"), Some("active"))
    );
    assert_eq!(
        d["meters"],
        json!(["black", "colour"]),
        "the model's meters by default"
    );
    assert_eq!(d["time_zone"], "Europe/Stockholm");

    let dup = json!({"model_id": model, "serial_number": "AB1234", "site_id": site, "location": "x", "install_date": "2025-01-01", "warranty_end": "2026-01-01"});
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{account}/devices"),
        Some(&cs),
        Some(dup.clone()),
        StatusCode::CONFLICT,
        "serial_number_taken",
    )
    .await;
    let other_model = s.create_model(&cs, "Plotter 44", 5, &["area"]).await;
    let other = s.create_account(&cs, "C-6002", "S-6002").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_site = s
        .create_site(&cs, &other, "Depot", "America/New_York")
        .await;
    s.create_device(&cs, &other, &other_site, &other_model, "AB1234")
        .await;
    let bad_dates = json!({"model_id": model, "serial_number": "X1", "site_id": site, "location": "x", "install_date": "2025-01-01", "warranty_end": "2024-01-01"});
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{account}/devices"),
        Some(&cs),
        Some(bad_dates),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let foreign_site = json!({"model_id": model, "serial_number": "X2", "site_id": other_site, "location": "x", "install_date": "2025-01-01", "warranty_end": "2026-01-01"});
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{account}/devices"),
        Some(&cs),
        Some(foreign_site),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // Staff find a device by serial number across accounts.
    let tech = s.staff(StaffRole::Technician).await;
    let (_, found) = s.get("/api/v1/devices?serial_number=ab-1234", &tech).await;
    assert_eq!(
        found["items"],
        json!([]),
        "normalised, exact: AB-1234 is not AB1234"
    );
    let (_, found) = s.get("/api/v1/devices?serial_number=ab1234", &tech).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
    let (_, filtered) = s
        .get(
            &format!("/api/v1/devices?serial_number=ab1234&model_id={other_model}"),
            &tech,
        )
        .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);

    // The customer asks; only customer service removes; history stays, readings stop.
    let asker = s.customer_user(&account, CustomerRole::Administrator).await;
    let admin = asker.token.clone();
    assert_eq!(
        submit(&s, &admin, &device, json!({"black": 10, "colour": 5}))
            .await
            .status(),
        StatusCode::CREATED
    );
    s.expect_problem(
        Method::DELETE,
        &format!("/api/v1/devices/{device}"),
        Some(&admin),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (status, asked) = s
        .post(
            &format!("/api/v1/devices/{device}/removal-requests"),
            &admin,
            json!({"reason": "Sold"}),
        )
        .await;
    assert_eq!(
        (status, asked["removal_reason"].as_str()),
        (StatusCode::CREATED, Some("Sold"))
    );
    // Customer service's work list: the removals asked for and not yet done.
    let pending = |token: String| {
        let s = &s;
        async move {
            let (status, page) = s
                .get("/api/v1/devices?removal_requested=true", &token)
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(pending(cs.clone()).await, vec![device.clone()]);
    let (_, others) = s.get("/api/v1/devices?removal_requested=false", &cs).await;
    assert!(
        others["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["id"] != device.as_str()),
        "{others}"
    );
    let res = s
        .request(
            Method::DELETE,
            &format!("/api/v1/devices/{device}"),
            Some(&cs),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, removed) = s.get(&format!("/api/v1/devices/{device}"), &admin).await;
    assert_eq!(removed["status"], "removed");
    // Who asked is told it is done.
    s.notify().await;
    let told: Vec<String> = s
        .mails_to(&asker.email)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(told, ["Device removed: serial AB1234"]);
    let res = submit(&s, &admin, &device, json!({"black": 20, "colour": 5})).await;
    assert_problem(res, StatusCode::CONFLICT, "device_removed").await;
    let (_, history) = s
        .get(&format!("/api/v1/devices/{device}/meter-readings"), &admin)
        .await;
    assert_eq!(
        history["items"].as_array().unwrap().len(),
        1,
        "history is kept"
    );
    let (_, listed) = s.get("/api/v1/devices?status=removed", &admin).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(
        pending(cs.clone()).await.is_empty(),
        "done: off the work list"
    );
}

async fn device_managers_reach_only_assigned_devices(b: Backend) {
    let Setup {
        s,
        cs,
        account,
        site,
        model,
        device,
        ..
    } = setup(b).await;
    let second = s
        .create_device(&cs, &account, &site, &model, "CD5678")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    let (_, me) = s.get("/api/v1/me", &manager).await;
    let manager_id = me["id"].as_str().unwrap().to_owned();

    let (_, list) = s.get("/api/v1/devices", &manager).await;
    assert_eq!(list["items"], json!([]), "nothing assigned yet");
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/devices/{device}"),
        Some(&manager),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let assign = format!("/api/v1/accounts/{account}/members/{manager_id}/devices");
    s.expect_problem(
        Method::PUT,
        &assign,
        Some(&manager),
        Some(json!({"device_ids": [device]})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (status, _) = s
        .send(
            Method::PUT,
            &assign,
            Some(&admin),
            Some(json!({"device_ids": [device]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, list) = s.get("/api/v1/devices", &manager).await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![device.as_str()]);
    assert_eq!(
        submit(&s, &manager, &device, json!({"black": 1, "colour": 1}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let (status, moved) = s
        .send(
            Method::PATCH,
            &format!("/api/v1/devices/{device}/location"),
            Some(&manager),
            Some(json!({"location": "Room 101"})),
        )
        .await;
    assert_eq!(
        (status, moved["location"].as_str()),
        (StatusCode::OK, Some("Room 101"))
    );
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/devices/{second}"), None),
        (
            Method::POST,
            format!("/api/v1/devices/{second}/meter-readings"),
            Some(json!({"values": {"black": 1, "colour": 1}})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/devices/{second}/location"),
            Some(json!({"location": "x"})),
        ),
        (
            Method::GET,
            format!("/api/v1/devices/{second}/meter-readings"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/devices/{second}/usage?from=2026-01-01&to=2026-12-31"),
            None,
        ),
    ] {
        s.expect_problem(
            method,
            &path,
            Some(&manager),
            body,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let (_, all) = s.get("/api/v1/devices", &admin).await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        2,
        "administrators see every device"
    );

    // The event feed follows the same scope: device events of the assigned device only.
    let (_, feed) = s.get("/api/v1/events?limit=200", &manager).await;
    let device_events: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_type"] == "device")
        .collect();
    assert!(!device_events.is_empty());
    assert!(
        device_events
            .iter()
            .all(|e| e["subject_id"] == device.as_str()),
        "{device_events:?}"
    );
    let (_, admin_feed) = s.get("/api/v1/events?limit=200", &admin).await;
    assert!(
        admin_feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["subject_id"] == second.as_str())
    );
    let stock = s.customer(&account, CustomerRole::StockManager).await;
    let (_, stock_feed) = s.get("/api/v1/events?limit=200", &stock).await;
    assert!(
        stock_feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subject_type"] != "device"),
        "{stock_feed}"
    );
    s.expect_problem(
        Method::GET,
        "/api/v1/devices",
        Some(&stock),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (_, stock_me) = s.get("/api/v1/me", &stock).await;
    let res = s
        .request(
            Method::PUT,
            &format!(
                "/api/v1/accounts/{account}/members/{}/devices",
                stock_me["id"].as_str().unwrap()
            ),
            Some(&admin),
            Some(json!({"device_ids": [device]})),
        )
        .await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "member_role_holds_no_devices",
    )
    .await;
    let other = s.create_account(&cs, "C-6003", "S-6003").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/devices/{device}"),
        Some(&s.customer(&other, CustomerRole::Administrator).await),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Removing the member ends the assignment, on the next request, on every path.
    let own = format!("/api/v1/devices/{device}");
    assert_eq!(s.get(&own, &manager).await.0, StatusCode::OK);
    s.send(
        Method::DELETE,
        &format!("/api/v1/accounts/{account}/members/{manager_id}"),
        Some(&admin),
        None,
    )
    .await;
    let res = s
        .request(Method::GET, "/api/v1/devices", Some(&manager), None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["items"], json!([]));
    for (method, path, body) in [
        (Method::GET, own.clone(), None),
        (Method::GET, format!("{own}/meter-readings"), None),
        (
            Method::POST,
            format!("{own}/meter-readings"),
            Some(json!({"values": {"black": 1, "colour": 1}})),
        ),
    ] {
        s.expect_problem(
            method,
            &path,
            Some(&manager),
            body,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}

async fn each_reading_rule_has_its_refusal(b: Backend) {
    let Setup {
        s,
        clock,
        account,
        device,
        ..
    } = setup(b).await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let cases = [
        (
            json!({"black": 1, "colour": 1, "total": 2}),
            "meter_reading_unknown_meter",
            "total",
        ),
        (json!({"black": 1}), "meter_reading_missing_meter", "colour"),
        (
            json!({"black": -1, "colour": 1}),
            "meter_reading_invalid_value",
            "black",
        ),
        (
            json!({"black": 12.5, "colour": 1}),
            "meter_reading_invalid_value",
            "black",
        ),
        (
            json!({"black": "12", "colour": 1}),
            "meter_reading_invalid_value",
            "black",
        ),
    ];
    for (values, code, meter) in cases {
        let problem = assert_problem(
            submit(&s, &admin, &device, values).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
        )
        .await;
        assert_eq!(problem["meter"], meter);
        assert_eq!(
            problem["next_steps"][0]["action"], "fix_values",
            "{problem}"
        );
    }
    let res = submit(&s, &admin, &device, json!({"black": 1000, "colour": 500})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(
        (first["local_day"].as_str(), first["source"].as_str()),
        (Some("2026-03-02"), Some("customer"))
    );

    let problem = assert_problem(
        submit(&s, &admin, &device, json!({"black": 1001, "colour": 501})).await,
        StatusCode::CONFLICT,
        "meter_reading_already_today",
    )
    .await;
    assert_eq!(problem["date"], "2026-03-02");
    let actions: Vec<&str> = problem["next_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["wait", "open_case"], "{problem}");

    clock.set(at(2026, 3, 3, 9, 0));
    let problem = assert_problem(
        submit(&s, &admin, &device, json!({"black": 999, "colour": 600})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "meter_reading_lower_than_previous",
    )
    .await;
    assert_eq!(
        (
            problem["meter"].as_str(),
            problem["previous_value"].as_i64(),
            problem["previous_date"].as_str(),
            problem["submitted_value"].as_i64()
        ),
        (Some("black"), Some(1000), Some("2026-03-02"), Some(999))
    );
    // The refusal says what to do next, and the step it names works as given.
    let step = &problem["next_steps"][1];
    assert_eq!(step["action"], "open_case", "{problem}");
    assert_eq!(
        step["request"]["body"],
        json!({"device_id": device, "category": "meter_query"})
    );
    let mut body = step["request"]["body"].clone();
    body["summary"] = json!("The black counter shows 999");
    body["description"] = json!("The counter went down after a service visit.");
    let (status, case) = s
        .post(step["request"]["path"].as_str().unwrap(), &admin, body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["category"], "meter_query");
    // Equal values are accepted: a device that printed nothing.
    assert_eq!(
        submit(&s, &admin, &device, json!({"black": 1000, "colour": 500}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let (_, history) = s
        .get(&format!("/api/v1/devices/{device}/meter-readings"), &admin)
        .await;
    let days: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["local_day"].as_str().unwrap())
        .collect();
    assert_eq!(
        days,
        vec!["2026-03-03", "2026-03-02"],
        "newest first; refusals changed nothing"
    );
}

async fn the_day_is_the_sites_local_day(b: Backend) {
    let Setup {
        s,
        clock,
        account,
        device,
        cs,
        model,
        ..
    } = setup(b).await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    clock.set(at(2026, 11, 21, 22, 0));
    let res = submit(&s, &admin, &device, json!({"black": 10, "colour": 10})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["local_day"],
        "2026-11-21",
        "23:00 in Stockholm"
    );
    clock.set(at(2026, 11, 21, 23, 30));
    let res = submit(&s, &admin, &device, json!({"black": 20, "colour": 20})).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "23:30 UTC is already the next day in Stockholm"
    );
    assert_eq!(
        res.json::<Value>().await.unwrap()["local_day"],
        "2026-11-22"
    );

    // The same instant is still the 21st in New York.
    let ny_site = s
        .create_site(&cs, &account, "NY office", "America/New_York")
        .await;
    let ny = s
        .create_device(&cs, &account, &ny_site, &model, "NY1")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = submit(&s, &admin, &ny, json!({"black": 1, "colour": 1})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["local_day"],
        "2026-11-21"
    );
}

async fn implausible_rises_need_confirmation_and_are_flagged(b: Backend) {
    let Setup {
        s,
        clock,
        account,
        device,
        cs,
        ..
    } = setup(b).await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    submit(
        &s,
        &admin,
        &device,
        json!({"black": 123_456, "colour": 1000}),
    )
    .await;
    clock.set(at(2026, 3, 3, 9, 0));
    // A day at 60 pages a minute is at most 86 400 pages: one extra digit is a typo.
    let typo = json!({"black": 1_234_560, "colour": 1000});
    let problem = assert_problem(
        submit(&s, &admin, &device, typo.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "meter_reading_implausible",
    )
    .await;
    assert_eq!(
        (
            problem["meter"].as_str(),
            problem["max_plausible_increase"].as_i64()
        ),
        (Some("black"), Some(86_400))
    );
    let confirm = &problem["next_steps"][0];
    assert_eq!(confirm["action"], "confirm", "{problem}");
    assert_eq!(
        confirm["request"]["body"],
        json!({"confirm_implausible": true})
    );
    let res = s
        .request(
            Method::POST,
            &format!("/api/v1/devices/{device}/meter-readings"),
            Some(&admin),
            Some(json!({"values": typo, "confirm_implausible": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.json::<Value>().await.unwrap()["flagged"], true);

    let (status, flagged) = s.get("/api/v1/meter-readings/flagged", &cs).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(flagged["items"].as_array().unwrap().len(), 1);
    assert_eq!(flagged["items"][0]["device_id"], device);
    s.expect_problem(
        Method::GET,
        "/api/v1/meter-readings/flagged",
        Some(&admin),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn customer_service_records_phone_readings_and_corrections(b: Backend) {
    let Setup {
        s,
        clock,
        account,
        device,
        cs,
        ..
    } = setup(b).await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    submit(&s, &admin, &device, json!({"black": 5000, "colour": 2000})).await;
    clock.set(at(2026, 3, 3, 9, 0));
    let res = submit(&s, &cs, &device, json!({"black": 5100, "colour": 2050})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["source"], "phone");

    let corrections = format!("/api/v1/devices/{device}/meter-readings/corrections");
    let body = json!({"kind": "meter-replaced", "reason": "Drum unit and counter board replaced", "values": {"black": 0}, "final_values": {"black": 5150}});
    s.expect_problem(
        Method::POST,
        &corrections,
        Some(&admin),
        Some(body.clone()),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    s.expect_problem(
        Method::POST,
        &corrections,
        Some(&cs),
        Some(json!({"kind": "meter-reset", "reason": "", "values": {"black": 0}})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let res = s
        .request(
            Method::POST,
            &corrections,
            Some(&cs),
            Some(json!({"kind": "meter-reset", "reason": "x", "values": {"toner": 0}})),
        )
        .await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "meter_reading_unknown_meter",
    )
    .await;
    let (status, correction) = s.post(&corrections, &cs, body).await;
    assert_eq!(status, StatusCode::CREATED, "{correction}");
    assert_eq!(
        correction["values"],
        json!({"black": 0, "colour": 2050}),
        "uncorrected meters keep their count"
    );
    assert_eq!(correction["kind"], "correction");

    // The new baseline: a low black value is right now, and nothing was overwritten.
    clock.set(at(2026, 3, 4, 9, 0));
    assert_eq!(
        submit(&s, &admin, &device, json!({"black": 30, "colour": 2060}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let (_, history) = s
        .get(&format!("/api/v1/devices/{device}/meter-readings"), &admin)
        .await;
    let kinds: Vec<(&str, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("reading", "customer"),
            ("correction", "customer-service"),
            ("reading", "phone"),
            ("reading", "customer")
        ]
    );
    let (_, events) = s.get("/api/v1/events", &admin).await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"meter_reading.accepted") && kinds.contains(&"meter_reading.corrected"),
        "{kinds:?}"
    );
}

async fn usage_is_correct_across_a_reset(b: Backend) {
    let Setup {
        s,
        clock,
        account,
        device,
        cs,
        ..
    } = setup(b).await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    for (day, black, colour) in [(1, 100, 10), (2, 150, 20)] {
        clock.set(at(2026, 4, day, 9, 0));
        assert_eq!(
            submit(
                &s,
                &admin,
                &device,
                json!({"black": black, "colour": colour})
            )
            .await
            .status(),
            StatusCode::CREATED
        );
    }
    clock.set(at(2026, 4, 2, 15, 0));
    let reset = json!({"kind": "meter-reset", "reason": "Counter reset by firmware update", "values": {"black": 0}, "final_values": {"black": 180}});
    assert_eq!(
        s.post(
            &format!("/api/v1/devices/{device}/meter-readings/corrections"),
            &cs,
            reset
        )
        .await
        .0,
        StatusCode::CREATED
    );
    clock.set(at(2026, 4, 3, 9, 0));
    assert_eq!(
        submit(&s, &admin, &device, json!({"black": 40, "colour": 25}))
            .await
            .status(),
        StatusCode::CREATED
    );

    let usage =
        |from: &str, to: &str| format!("/api/v1/devices/{device}/usage?from={from}&to={to}");
    let (status, all) = s.get(&usage("2026-04-01", "2026-04-03"), &admin).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(
        all["consumption"],
        json!({"black": 50 + 30 + 40, "colour": 15})
    );
    assert_eq!(
        (all["entries"].as_i64(), all["corrections"].as_i64()),
        (Some(4), Some(1))
    );
    let (_, first_days) = s.get(&usage("2026-04-01", "2026-04-02"), &admin).await;
    let (_, last_day) = s.get(&usage("2026-04-03", "2026-04-03"), &admin).await;
    assert_eq!(
        first_days["consumption"],
        json!({"black": 80, "colour": 10})
    );
    assert_eq!(last_day["consumption"], json!({"black": 40, "colour": 5}));
    s.expect_problem(
        Method::GET,
        &usage("2026-04-03", "2026-04-01"),
        Some(&admin),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

async fn invitations_assign_devices_on_acceptance(b: Backend) {
    let Setup {
        s,
        cs,
        account,
        site,
        model,
        device,
        ..
    } = setup(b).await;
    let other_device = s.create_device(&cs, &account, &site, &model, "EF9").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let invitations = format!("/api/v1/accounts/{account}/invitations");

    let res = s
        .request(
            Method::POST,
            &invitations,
            Some(&admin),
            Some(json!({"email": "k@x.test", "role": "knowledge-user", "device_ids": [device]})),
        )
        .await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "member_role_holds_no_devices",
    )
    .await;
    let foreign = s.create_account(&cs, "C-6009", "S-6009").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign_site = s
        .create_site(&cs, &foreign, "Elsewhere", "Europe/Oslo")
        .await;
    let foreign_device = s
        .create_device(&cs, &foreign, &foreign_site, &model, "ZZ1")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.expect_problem(
        Method::POST,
        &invitations,
        Some(&admin),
        Some(
            json!({"email": "d@x.test", "role": "device-manager", "device_ids": [foreign_device]}),
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let (status, invitation) = s
        .post(
            &invitations,
            &admin,
            json!({"email": "d@x.test", "role": "device-manager", "device_ids": [device]}),
        )
        .await;
    assert_eq!(
        (status, &invitation["device_ids"]),
        (StatusCode::CREATED, &json!([device]))
    );
    let token = s.token_mailed_to("d@x.test").await;
    let (status, _) = s
        .send(Method::POST, "/api/v1/invitations/accept", None, Some(json!({"token": token, "password": fleetdesk_tests::PASSWORD, "display_name": "Dee"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let manager = s.login("d@x.test", fleetdesk_tests::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, list) = s.get("/api/v1/devices", &manager).await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![device.as_str()],
        "exactly the invited device, not {other_device}"
    );
}

async fn fire(server: &TestServer, token: &str, device: &str, n: usize) -> Vec<StatusCode> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, url, token) = (
            server.client.clone(),
            server.url(&format!("/api/v1/devices/{device}/meter-readings")),
            token.to_owned(),
        );
        let value = 1000 + i64::try_from(i).unwrap();
        tasks.spawn(async move {
            let body = json!({"values": {"black": value, "colour": value}});
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    tasks.join_all().await
}

fn assert_exactly_one(statuses: &[StatusCode]) {
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        (created, conflicts),
        (1, statuses.len() - 1),
        "{statuses:?}"
    );
}

async fn fifty_simultaneous_submissions_accept_exactly_one(b: Backend) {
    let Setup {
        s, account, device, ..
    } = setup(b).await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let statuses = fire(&s, &admin, &device, 50).await;
    assert_exactly_one(&statuses);
    let (_, history) = s
        .get(&format!("/api/v1/devices/{device}/meter-readings"), &admin)
        .await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1);
}

/// Readings that wait for their batch hold no connection, and a batch's writer takes one only
/// for its turn: two connections serve two dozen readings at once, none refused for want of one.
async fn readings_of_many_devices_at_once_on_a_pool_of_two_are_each_accepted(b: Backend) {
    let Setup {
        s,
        cs,
        account,
        site,
        model,
        ..
    } = setup_configured(b, |config| config.pool.max_size = 2).await;
    let mut devices = Vec::new();
    for n in 0..24 {
        let device = s
            .create_device(&cs, &account, &site, &model, &format!("POOL-{n}"))
            .await;
        devices.push(device["id"].as_str().unwrap().to_owned());
    }
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let mut tasks = tokio::task::JoinSet::new();
    for device in &devices {
        let (client, token) = (s.client.clone(), admin.clone());
        let url = s.url(&format!("/api/v1/devices/{device}/meter-readings"));
        tasks.spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"values": {"black": 1000, "colour": 500}}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.text().await.unwrap())
        });
    }
    for (status, body) in tasks.join_all().await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    for device in &devices {
        let (_, history) = s
            .get(&format!("/api/v1/devices/{device}/meter-readings"), &admin)
            .await;
        assert_eq!(history["items"].as_array().unwrap().len(), 1, "{device}");
    }
}

/// Two server processes over one PostgreSQL: the database decides, not either process.
mod shared_database {
    mod postgres {
        use super::super::*;
        use fleetdesk_tests::{ServerProcess, with_database};

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn fifty_submissions_through_two_processes_accept_exactly_one() {
            // Both processes read the system clock, as servers on synchronised clocks do.
            let s = TestServer::start(Backend::Postgres).await;
            let cs = s.staff(StaffRole::CustomerService).await;
            let account = s.create_account(&cs, "C-6101", "S-6101").await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
            let model = s
                .create_model(&cs, "Office 60", 60, &["black", "colour"])
                .await;
            let device = s.create_device(&cs, &account, &site, &model, "PR0C").await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let admin = s.customer(&account, CustomerRole::Administrator).await;

            let url = with_database(
                &fleetdesk_tests::pg_admin_url(),
                &s.database_name().unwrap(),
            );
            let other = ServerProcess::start(&url).await;
            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..50 {
                let base = if i % 2 == 0 { s.url("") } else { other.url("") };
                let (client, token, device) = (s.client.clone(), admin.clone(), device.clone());
                tasks.spawn(async move {
                    let body = json!({"values": {"black": 1000 + i, "colour": 1000 + i}});
                    let url = format!("{base}/api/v1/devices/{device}/meter-readings");
                    client
                        .post(url)
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap()
                        .status()
                });
            }
            assert_exactly_one(&tasks.join_all().await);
        }
    }
}

/// A device manager made responsible for a site reaches every device of it — also one added
/// later — and nothing of another site; a stock manager cannot be given a site.
async fn a_device_manager_responsible_for_a_site_reaches_its_devices(b: Backend) {
    let Setup {
        s,
        cs,
        account,
        site,
        model,
        device,
        ..
    } = setup(b).await;
    let other_site = s
        .create_site(&cs, &account, "Annex", "Europe/Stockholm")
        .await;
    let elsewhere = s
        .create_device(&cs, &account, &other_site, &model, "EL1001")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    let stock = s.customer(&account, CustomerRole::StockManager).await;
    let id_of = |token: String| {
        let s = &s;
        async move {
            s.get("/api/v1/me", &token).await.1["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (manager_id, stock_id) = (id_of(manager.clone()).await, id_of(stock.clone()).await);
    let sites = |user: &str| format!("/api/v1/accounts/{account}/members/{user}/sites");
    let listed = |token: String| {
        let s = &s;
        async move {
            let (_, page) = s.get("/api/v1/devices", &token).await;
            let mut ids: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    assert!(
        listed(manager.clone()).await.is_empty(),
        "nothing until assigned"
    );

    let (status, body) = s
        .send(
            Method::PUT,
            &sites(&manager_id),
            Some(&admin),
            Some(json!({"site_ids": [site]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["site_ids"], json!([site]));
    assert_eq!(listed(manager.clone()).await, vec![device.clone()]);
    let (status, _) = s
        .get(&format!("/api/v1/devices/{elsewhere}"), &manager)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another site's device does not exist for them"
    );

    // A device added to the site later is theirs too.
    let later = s
        .create_device(&cs, &account, &site, &model, "LT2002")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut expected = vec![device.clone(), later.clone()];
    expected.sort();
    assert_eq!(listed(manager.clone()).await, expected);
    assert_eq!(
        submit(&s, &manager, &later, json!({"black": 1, "colour": 1}))
            .await
            .status(),
        StatusCode::CREATED
    );

    let res = s
        .request(
            Method::PUT,
            &sites(&stock_id),
            Some(&admin),
            Some(json!({"site_ids": [site]})),
        )
        .await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "member_role_holds_no_devices",
    )
    .await;
    let res = s
        .request(
            Method::PUT,
            &sites(&manager_id),
            Some(&manager),
            Some(json!({"site_ids": []})),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (status, _) = s
        .send(
            Method::PUT,
            &sites(&manager_id),
            Some(&admin),
            Some(json!({"site_ids": []})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(listed(manager).await.is_empty(), "responsibility removed");
}
