//! Service contracts: versioned business calendars, edited by staff, read by customers.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(contracts_are_versioned_and_validated);

fn terms(minutes: i64) -> Value {
    let day = json!([{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]);
    json!({
        "response_minutes": minutes,
        "time_zone": "Europe/Stockholm",
        "office_hours": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day},
        "holidays": [{"date": "2026-12-24", "name": "Christmas Eve"}, {"month": 12, "day": 25, "name": "Christmas Day"}]
    })
}

async fn contracts_are_versioned_and_validated(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-7001", "S-7001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/accounts/{account}/service-contract");
    let admin = s.customer(&account, CustomerRole::Administrator).await;

    s.expect_problem(
        Method::GET,
        &path,
        Some(&admin),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let (status, v1) = s
        .send(Method::PUT, &path, Some(&cs), Some(terms(480)))
        .await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(
        (v1["version"].as_i64(), v1["response_minutes"].as_i64()),
        (Some(1), Some(480))
    );
    assert_eq!(v1["office_hours"]["monday"][1]["start"], "13:00");
    assert_eq!(v1["office_hours"]["saturday"], json!([]));
    assert_eq!(v1["holidays"][1]["name"], "Christmas Day");

    let (status, read) = s.get(&path, &admin).await;
    assert_eq!(
        (status, read["version"].as_i64()),
        (StatusCode::OK, Some(1))
    );
    let (_, v2) = s
        .send(Method::PUT, &path, Some(&cs), Some(terms(240)))
        .await;
    assert_eq!(v2["version"], 2);
    let (_, current) = s.get(&path, &admin).await;
    assert_eq!(
        (
            current["version"].as_i64(),
            current["response_minutes"].as_i64()
        ),
        (Some(2), Some(240))
    );
    let (_, old) = s.get(&format!("{path}?version=1"), &admin).await;
    assert_eq!(
        old["response_minutes"], 480,
        "earlier versions stay as they were"
    );

    let mut overlapping = terms(60);
    overlapping["office_hours"]["monday"] =
        json!([{"start": "08:00", "end": "12:30"}, {"start": "12:00", "end": "17:00"}]);
    let mut bad_zone = terms(60);
    bad_zone["time_zone"] = json!("Europe/Atlantis");
    let mut bad_time = terms(60);
    bad_time["office_hours"]["friday"] = json!([{"start": "8 am", "end": "17:00"}]);
    let mut closed = terms(60);
    closed["office_hours"] = json!({});
    let mut no_such_day = terms(60);
    no_such_day["holidays"] = json!([{"month": 2, "day": 30}]);
    let mut zero = terms(0);
    zero["response_minutes"] = json!(0);
    for (case, body) in [
        ("overlap", overlapping),
        ("zone", bad_zone),
        ("time", bad_time),
        ("closed", closed),
        ("day", no_such_day),
        ("zero", zero),
    ] {
        let res = s.request(Method::PUT, &path, Some(&cs), Some(body)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
        assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    let (_, unchanged) = s.get(&path, &admin).await;
    assert_eq!(unchanged["version"], 2, "refused edits change nothing");

    let tech = s.staff(StaffRole::Technician).await;
    s.expect_problem(
        Method::PUT,
        &path,
        Some(&tech),
        Some(terms(60)),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        s.get(&path, &tech).await.0,
        StatusCode::OK,
        "every staff role reads it"
    );
    s.expect_problem(
        Method::PUT,
        &path,
        Some(&admin),
        Some(terms(60)),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let reader = s.customer(&account, CustomerRole::KnowledgeUser).await;
    s.expect_problem(
        Method::GET,
        &path,
        Some(&reader),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let other = s.create_account(&cs, "C-7002", "S-7002").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = s.customer(&other, CustomerRole::Administrator).await;
    s.expect_problem(
        Method::GET,
        &path,
        Some(&foreign),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
