//! Service cases: opening, moving and commenting per role, internal notes, technicians,
//! device managers' scope, the response clock with its explanation, breach and deadline order.
#![expect(clippy::unwrap_used, reason = "tests")]

use chrono::{DateTime, TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    cases_are_opened_moved_and_commented_per_role,
    internal_notes_are_hidden_from_customers,
    the_sla_explains_an_after_hours_case,
    device_managers_see_only_their_devices_cases,
    lists_filter_by_breach_and_sort_by_deadline,
    simultaneous_moves_apply_once,
    account_questions_need_no_device,
);

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Stockholm office hours with a lunch break; 480 office minutes to respond.
fn contract(minutes: i64, holidays: Value) -> Value {
    let day = json!([{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]);
    json!({
        "response_minutes": minutes,
        "time_zone": "Europe/Stockholm",
        "office_hours": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day},
        "holidays": holidays
    })
}

/// A server with a movable clock; an account with a Stockholm site, a contract, two devices,
/// an administrator and a device manager assigned to the first device.
struct Setup {
    s: TestServer,
    clock: Clock,
    cs: String,
    account: String,
    devices: [String; 2],
    admin: String,
    manager: String,
}

async fn setup(b: Backend, now: DateTime<Utc>) -> Setup {
    let clock = Clock::fixed(now);
    let c = clock.clone();
    let s = TestServer::start_configured(b, move |config| config.clock = c).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-8001", "S-8001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/api/v1/accounts/{account}/service-contract"),
            Some(&cs),
            Some(contract(
                480,
                json!([{"date": "2026-03-09", "name": "Test Day"}]),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Office 60", 60, &["black"]).await;
    let mut devices = Vec::new();
    for serial in ["CA1001", "CA1002"] {
        let d = s.create_device(&cs, &account, &site, &model, serial).await;
        devices.push(d["id"].as_str().unwrap().to_owned());
    }
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    s.assign_devices(&admin, &account, &manager, &[&devices[0]])
        .await;
    Setup {
        s,
        clock,
        cs,
        account,
        devices: devices.try_into().unwrap(),
        admin,
        manager,
    }
}

fn new_case(device: &str, summary: &str) -> Value {
    json!({"device_id": device, "category": "fault", "summary": summary,
        "description": "Every job from tray 2 jams.",
        "contact": {"name": "Anna Berg", "phone": "+46 8 123 456 78"}})
}

/// Opens a case and returns its id.
async fn open(s: &TestServer, token: &str, device: &str, summary: &str) -> String {
    let (status, case) = s
        .post("/api/v1/cases", token, new_case(device, summary))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_str().unwrap().to_owned()
}

async fn transition(s: &TestServer, token: &str, case: &str, to: &str) -> (StatusCode, Value) {
    s.post(
        &format!("/api/v1/cases/{case}/transitions"),
        token,
        json!({"to": to}),
    )
    .await
}

async fn summaries(s: &TestServer, token: &str, query: &str) -> Vec<String> {
    let (status, list) = s.get(&format!("/api/v1/cases{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["summary"].as_str().unwrap().to_owned())
        .collect()
}

async fn cases_are_opened_moved_and_commented_per_role(b: Backend) {
    // Monday 2026-03-02 10:00 in Stockholm: inside office hours.
    let opened = at(2026, 3, 2, 9, 0);
    let Setup {
        s,
        clock,
        cs,
        account,
        devices,
        admin,
        manager,
    } = setup(b, opened).await;

    // Who may open: administrators, the device's manager, customer service, the call center.
    let res = s
        .request(
            Method::POST,
            "/api/v1/cases",
            Some(&admin),
            Some(new_case(&devices[1], "Jams")),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/cases/{id}"));
    assert_eq!(case["status"], "open");
    assert_eq!(case["account_id"], account.as_str());
    assert_eq!(case["device"]["serial_number"], "CA1002");
    assert_eq!(case["contact"]["name"], "Anna Berg");
    assert_eq!(case["contract_version"], 1);
    assert_eq!(case["clock_start"], rfc3339(opened), "inside office hours");
    // 10:00–12:00 and 13:00–17:00 on Monday (360 minutes), then 08:00–10:00 on Tuesday.
    assert_eq!(case["response_deadline"], "2026-03-03T09:00:00Z");
    assert_eq!(case["status_history"][0]["to"], "open");
    assert_eq!(case["first_response_at"], Value::Null);
    assert_eq!(case["breached"], false);

    open(&s, &manager, &devices[0], "Manager's").await;
    let call_center = s.staff(StaffRole::CallCenter).await;
    let on_behalf = open(&s, &call_center, &devices[0], "By phone").await;
    let (_, by_phone) = s.get(&format!("/api/v1/cases/{on_behalf}"), &admin).await;
    assert_eq!(by_phone["summary"], "By phone", "the customer sees it");

    let refused = [
        (
            s.customer(&account, CustomerRole::StockManager).await,
            StatusCode::FORBIDDEN,
        ),
        (
            s.customer(&account, CustomerRole::KnowledgeUser).await,
            StatusCode::FORBIDDEN,
        ),
        (
            s.staff(StaffRole::WarrantyAdmin).await,
            StatusCode::FORBIDDEN,
        ),
        (s.staff(StaffRole::Technician).await, StatusCode::FORBIDDEN),
        (
            s.staff(StaffRole::DispatchPlanner).await,
            StatusCode::FORBIDDEN,
        ),
        // A device manager opens cases for their assigned devices only.
        (manager.clone(), StatusCode::NOT_FOUND),
    ];
    for (token, status) in refused {
        let (got, body) = s
            .post("/api/v1/cases", &token, new_case(&devices[1], "No"))
            .await;
        assert_eq!(got, status, "{body}");
    }
    let other = s.create_account(&cs, "C-8002", "S-8002").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = s.customer(&other, CustomerRole::Administrator).await;
    let (status, _) = s
        .post("/api/v1/cases", &stranger, new_case(&devices[0], "No"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.get(&format!("/api/v1/cases/{id}"), &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad input is refused and changes nothing.
    for (body, field) in [
        (
            json!({"device_id": devices[0], "category": "broken", "summary": "x", "description": "y"}),
            "category",
        ),
        (
            json!({"device_id": devices[0], "category": "fault", "summary": "  ", "description": "y"}),
            "summary",
        ),
        (
            json!({"device_id": devices[0], "category": "fault", "summary": "x", "description": "y",
                "contact": {"name": "A", "email": "not-an-address"}}),
            "contact.email",
        ),
    ] {
        let res = s
            .request(Method::POST, "/api/v1/cases", Some(&admin), Some(body))
            .await;
        let problem =
            assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(summaries(&s, &admin, "").await.len(), 3);

    // The state machine: illegal moves are 409, moves that are not the caller's 403.
    let problem = s
        .expect_problem(
            Method::POST,
            &format!("/api/v1/cases/{id}/transitions"),
            Some(&admin),
            Some(json!({"to": "acknowledged"})),
            StatusCode::FORBIDDEN,
            "transition_not_allowed",
        )
        .await;
    assert_eq!(
        (&problem["from"], &problem["to"]),
        (&json!("open"), &json!("acknowledged"))
    );
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/cases/{id}/transitions"),
        Some(&cs),
        Some(json!({"to": "closed"})),
        StatusCode::CONFLICT,
        "illegal_transition",
    )
    .await;
    let (status, body) = transition(&s, &cs, &id, "sideways").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Customer service acknowledges 30 minutes later: the first response, in time.
    clock.set(at(2026, 3, 2, 9, 30));
    let (status, case) = transition(&s, &cs, &id, "acknowledged").await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["status"], "acknowledged");
    assert_eq!(case["first_response_at"], "2026-03-02T09:30:00Z");
    assert_eq!(case["deadline_met"], true);

    // A dispatch planner assigns a technician, who then sees and works the case.
    let planner = s.staff(StaffRole::DispatchPlanner).await;
    let technician = s.staff_user(StaffRole::Technician).await;
    let (_, tech_me) = s.get("/api/v1/me", &technician.token).await;
    let tech_id = tech_me["id"].as_str().unwrap().to_owned();
    let (status, _) = s
        .get(&format!("/api/v1/cases/{id}"), &technician.token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not assigned yet");
    assert!(summaries(&s, &technician.token, "").await.is_empty());
    let (status, _) = transition(&s, &technician.token, &id, "in_progress").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let assign = format!("/api/v1/cases/{id}/technician");
    for token in [&cs, &admin, &technician.token] {
        let (status, _) = s
            .send(
                Method::PUT,
                &assign,
                Some(token),
                Some(json!({"technician_id": tech_id})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Only a field technician can be assigned.
    let (_, cs_me) = s.get("/api/v1/me", &cs).await;
    for not_a_technician in [json!("no-such-user"), cs_me["id"].clone()] {
        let res = s
            .request(
                Method::PUT,
                &assign,
                Some(&planner),
                Some(json!({"technician_id": not_a_technician})),
            )
            .await;
        let problem =
            assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "technician_id");
    }
    let (status, case) = s
        .send(
            Method::PUT,
            &assign,
            Some(&planner),
            Some(json!({"technician_id": tech_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["assigned_technician_id"], tech_id.as_str());
    assert_eq!(
        summaries(&s, &technician.token, "").await,
        vec!["Jams".to_owned()]
    );

    clock.set(at(2026, 3, 2, 10, 0));
    for (token, to) in [
        (&technician.token, "in_progress"),
        (&technician.token, "awaiting_customer"),
        // The customer answers: the case goes back to the manufacturer.
        (&admin, "in_progress"),
        (&technician.token, "resolved"),
    ] {
        let (status, body) = transition(&s, token, &id, to).await;
        assert_eq!(status, StatusCode::OK, "{to}: {body}");
    }
    let (status, _) = s
        .post(
            &format!("/api/v1/cases/{id}/comments"),
            &technician.token,
            json!({"body": "Replaced the pickup roller."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Only the customer side confirms a resolution.
    let (status, _) = transition(&s, &technician.token, &id, "closed").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    clock.set(at(2026, 3, 2, 11, 0));
    let (status, case) = transition(&s, &admin, &id, "closed").await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["ended_at"], "2026-03-02T11:00:00Z");
    let moves: Vec<(Value, Value)> = case["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone()))
        .collect();
    let expected: Vec<(Value, Value)> = [
        (None, "open"),
        (Some("open"), "acknowledged"),
        (Some("acknowledged"), "in_progress"),
        (Some("in_progress"), "awaiting_customer"),
        (Some("awaiting_customer"), "in_progress"),
        (Some("in_progress"), "resolved"),
        (Some("resolved"), "closed"),
    ]
    .iter()
    .map(|(f, t)| (json!(f), json!(t)))
    .collect();
    assert_eq!(moves, expected);
    assert_eq!(case["comments"][0]["body"], "Replaced the pickup roller.");
    assert_eq!(case["first_response_at"], "2026-03-02T09:30:00Z", "kept");

    // A closed case takes no more comments or moves.
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/cases/{id}/comments"),
        Some(&admin),
        Some(json!({"body": "One more thing"})),
        StatusCode::CONFLICT,
        "case_ended",
    )
    .await;
    let (status, _) = transition(&s, &admin, &id, "in_progress").await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The customer withdraws their own case; staff see the account's full case history.
    let (status, _) = transition(&s, &manager, &on_behalf, "cancelled").await;
    assert_eq!(status, StatusCode::OK);
    let (status, history) = s
        .get(&format!("/api/v1/accounts/{account}/case-history"), &cs)
        .await;
    assert_eq!(status, StatusCode::OK);
    let statuses: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["closed", "open", "cancelled"]);
    for token in [&admin, &technician.token] {
        let (status, _) = s
            .get(&format!("/api/v1/accounts/{account}/case-history"), token)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        summaries(&s, &cs, "?active=true").await,
        vec!["Manager's".to_owned()]
    );
    assert_eq!(
        summaries(&s, &cs, "?status=closed,cancelled").await,
        vec!["Jams".to_owned(), "By phone".to_owned()]
    );

    // Every change is in the feed.
    let (_, feed) = s.get("/api/v1/events?limit=200", &admin).await;
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_id"] == id.as_str())
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "case.opened",
            "case.status_changed",
            "case.technician_assigned",
            "case.status_changed",
            "case.status_changed",
            "case.status_changed",
            "case.status_changed",
            "case.commented",
            "case.status_changed",
        ]
    );
}

async fn internal_notes_are_hidden_from_customers(b: Backend) {
    let Setup {
        s,
        clock,
        cs,
        devices,
        admin,
        manager,
        ..
    } = setup(b, at(2026, 3, 2, 9, 0)).await;
    let id = open(&s, &manager, &devices[0], "Streaks").await;
    let comments = format!("/api/v1/cases/{id}/comments");

    // Customers cannot write internal notes.
    s.expect_problem(
        Method::POST,
        &comments,
        Some(&manager),
        Some(json!({"body": "psst", "internal": true})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    clock.set(at(2026, 3, 2, 9, 10));
    let (status, note) = s
        .post(
            &comments,
            &cs,
            json!({"body": "Customer has refused the last two visits.", "internal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    let note_id = note["id"].as_str().unwrap().to_owned();
    let (_, case) = s.get(&format!("/api/v1/cases/{id}"), &cs).await;
    assert_eq!(
        case["first_response_at"],
        Value::Null,
        "a note the customer cannot see is no response"
    );

    clock.set(at(2026, 3, 2, 9, 20));
    let (status, public) = s
        .post(
            &comments,
            &cs,
            json!({"body": "A technician will call you today."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = s
        .post(&comments, &manager, json!({"body": "Thanks!"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    for customer in [&admin, &manager] {
        let (_, case) = s.get(&format!("/api/v1/cases/{id}"), customer).await;
        let bodies: Vec<&str> = case["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, vec!["A technician will call you today.", "Thanks!"]);
        assert!(!case.to_string().contains("refused"), "{case}");
        assert_eq!(
            case["first_response_at"], "2026-03-02T09:20:00Z",
            "the public comment answered"
        );
        let (status, _) = s.get(&format!("{comments}/{note_id}"), customer).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = s
            .get(
                &format!("{comments}/{}", public["id"].as_str().unwrap()),
                customer,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, feed) = s.get("/api/v1/events?limit=200", customer).await;
        assert!(
            !feed.to_string().contains(&note_id),
            "the note's event is staff-only"
        );
    }
    let (_, staff_view) = s.get(&format!("/api/v1/cases/{id}"), &cs).await;
    assert_eq!(staff_view["comments"].as_array().unwrap().len(), 3);
    assert_eq!(staff_view["comments"][0]["internal"], true);
    let (status, read) = s.get(&format!("{comments}/{note_id}"), &cs).await;
    assert_eq!((status, &read["internal"]), (StatusCode::OK, &json!(true)));
}

async fn the_sla_explains_an_after_hours_case(b: Backend) {
    // Friday 2026-03-06 18:00 in Stockholm: after hours; Monday the 9th is "Test Day".
    let opened = at(2026, 3, 6, 17, 0);
    let Setup {
        s,
        clock,
        cs,
        account,
        devices,
        admin,
        ..
    } = setup(b, opened).await;
    let id = open(&s, &admin, &devices[0], "After hours").await;
    let (status, sla) = s.get(&format!("/api/v1/cases/{id}/sla"), &admin).await;
    assert_eq!(status, StatusCode::OK, "{sla}");
    let clock_json = &sla["clock"];
    assert_eq!(clock_json["contract_version"], 1);
    assert_eq!(clock_json["response_minutes"], 480);
    assert_eq!(clock_json["time_zone"], "Europe/Stockholm");
    assert_eq!(clock_json["start_reason"], "next_opening");
    // Tuesday 08:00 local (the Monday holiday skipped) until 17:00, lunch not counted.
    assert_eq!(clock_json["clock_start"], "2026-03-10T07:00:00Z");
    assert_eq!(clock_json["deadline"], "2026-03-10T16:00:00Z");
    assert_eq!(
        clock_json["counted"],
        json!([
            {"from": "2026-03-10T07:00:00Z", "to": "2026-03-10T11:00:00Z", "minutes": 240},
            {"from": "2026-03-10T12:00:00Z", "to": "2026-03-10T16:00:00Z", "minutes": 240},
        ])
    );
    assert_eq!(
        clock_json["skipped_holidays"],
        json!([{"date": "2026-03-09", "name": "Test Day", "kind": "date"}])
    );
    assert_eq!(sla["opened_at"], rfc3339(opened));
    assert_eq!(sla["breached"], false);
    let words = sla["explanation"].as_str().unwrap();
    assert!(words.contains("outside office hours"), "{words}");
    assert!(words.contains("Tuesday 2026-03-10 08:00 CET"), "{words}");
    assert!(words.contains("2026-03-09 (Test Day)"), "{words}");
    let (_, case) = s.get(&format!("/api/v1/cases/{id}"), &admin).await;
    assert_eq!(
        case["response_deadline"], clock_json["deadline"],
        "the stored deadline is the explained one"
    );

    // Editing the contract never rewrites an opened case; new cases take the new version.
    let (status, _) = s
        .send(
            Method::PUT,
            &format!("/api/v1/accounts/{account}/service-contract"),
            Some(&cs),
            Some(contract(60, json!([]))),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, again) = s.get(&format!("/api/v1/cases/{id}/sla"), &admin).await;
    assert_eq!(again["clock"], sla["clock"]);
    let later = open(&s, &admin, &devices[1], "Under version 2").await;
    let (_, newer) = s.get(&format!("/api/v1/cases/{later}/sla"), &admin).await;
    assert_eq!(newer["clock"]["contract_version"], 2);
    assert_eq!(newer["clock"]["deadline"], "2026-03-09T08:00:00Z");
    assert_eq!(newer["clock"]["skipped_holidays"], json!([]));

    // Past the deadline without a response: breached; a late response keeps it breached.
    clock.set(at(2026, 3, 10, 16, 1));
    let (_, sla) = s.get(&format!("/api/v1/cases/{id}/sla"), &admin).await;
    assert_eq!(sla["breached"], true);
    let (_, case) = transition(&s, &cs, &id, "acknowledged").await;
    assert_eq!(case["deadline_met"], false);
    assert_eq!(case["breached"], true);

    // An account without a contract: cases open, without a response clock.
    let bare = s.create_account(&cs, "C-8003", "S-8003").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &bare, "Depot", "Europe/Oslo").await;
    let model = s.create_model(&cs, "Office 20", 20, &["black"]).await;
    let device = s.create_device(&cs, &bare, &site, &model, "NC1").await;
    let id = open(&s, &cs, device["id"].as_str().unwrap(), "No contract").await;
    let (_, sla) = s.get(&format!("/api/v1/cases/{id}/sla"), &cs).await;
    assert_eq!(sla["clock"], Value::Null);
    assert_eq!(sla["breached"], false);
    assert!(
        sla["explanation"]
            .as_str()
            .unwrap()
            .contains("no service contract")
    );
}

async fn device_managers_see_only_their_devices_cases(b: Backend) {
    let Setup {
        s,
        devices,
        admin,
        manager,
        ..
    } = setup(b, at(2026, 3, 2, 9, 0)).await;
    let mine = open(&s, &admin, &devices[0], "On the assigned device").await;
    let theirs = open(&s, &admin, &devices[1], "On the other device").await;

    assert_eq!(
        summaries(&s, &manager, "").await,
        vec!["On the assigned device".to_owned()]
    );
    assert_eq!(
        summaries(&s, &manager, &format!("?device_id={}", devices[1])).await,
        Vec::<String>::new()
    );
    assert_eq!(summaries(&s, &admin, "").await.len(), 2);
    let (status, _) = s.get(&format!("/api/v1/cases/{mine}"), &manager).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        format!("/api/v1/cases/{theirs}"),
        format!("/api/v1/cases/{theirs}/sla"),
    ] {
        s.expect_problem(
            Method::GET,
            &path,
            Some(&manager),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    for (path, body) in [
        (
            format!("/api/v1/cases/{theirs}/comments"),
            json!({"body": "hello"}),
        ),
        (
            format!("/api/v1/cases/{theirs}/transitions"),
            json!({"to": "cancelled"}),
        ),
    ] {
        s.expect_problem(
            Method::POST,
            &path,
            Some(&manager),
            Some(body),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let (_, case) = s.get(&format!("/api/v1/cases/{theirs}"), &admin).await;
    assert_eq!(case["status"], "open", "the refused move changed nothing");
    assert_eq!(case["comments"], json!([]));

    // The feed follows the same scope.
    let (_, feed) = s.get("/api/v1/events?limit=200", &manager).await;
    let case_events: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_type"] == "case")
        .map(|e| e["subject_id"].as_str().unwrap())
        .collect();
    assert_eq!(case_events, vec![mine.as_str()]);
}

async fn lists_filter_by_breach_and_sort_by_deadline(b: Backend) {
    // Opened an hour apart on Monday: later openings get later deadlines.
    let Setup {
        s,
        clock,
        cs,
        devices,
        admin,
        ..
    } = setup(b, at(2026, 3, 2, 9, 0)).await;
    let mut ids = Vec::new();
    for (hour, summary) in [(14, "C"), (9, "A"), (11, "B")] {
        clock.set(at(2026, 3, 2, hour, 0));
        ids.push(open(&s, &admin, &devices[0], summary).await);
    }
    assert_eq!(summaries(&s, &cs, "").await, vec!["C", "A", "B"]);
    assert_eq!(
        summaries(&s, &cs, "?sort=deadline").await,
        vec!["A", "B", "C"]
    );
    // Paging through the deadline order with a cursor.
    let (_, first) = s.get("/api/v1/cases?sort=deadline&limit=2", &cs).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (status, rest) = s
        .get(
            &format!("/api/v1/cases?sort=deadline&limit=2&cursor={cursor}"),
            &cs,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    assert_eq!(rest["items"][0]["summary"], "C");
    assert_eq!(rest["next_cursor"], Value::Null);
    s.expect_problem(
        Method::GET,
        "/api/v1/cases?sort=urgency",
        Some(&cs),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // "A" is due Tuesday 09:00 UTC. At 09:30 it is breached; "B" answered in time is not.
    let (_, a) = s.get(&format!("/api/v1/cases/{}", ids[1]), &cs).await;
    assert_eq!(a["response_deadline"], "2026-03-03T09:00:00Z");
    clock.set(at(2026, 3, 3, 9, 0));
    let (status, _) = transition(&s, &cs, &ids[2], "acknowledged").await;
    assert_eq!(status, StatusCode::OK);
    clock.set(at(2026, 3, 3, 9, 30));
    assert_eq!(summaries(&s, &cs, "?breached=true").await, vec!["A"]);
    assert_eq!(summaries(&s, &cs, "?breached=false").await, vec!["C", "B"]);
    assert_eq!(
        summaries(&s, &cs, "?due_before=2026-03-03T12:00:00Z&sort=deadline").await,
        vec!["A", "B"]
    );
    let (_, list) = s.get("/api/v1/cases?breached=true", &admin).await;
    assert_eq!(list["items"][0]["breached"], true);
    assert_eq!(list["items"][0]["deadline_met"], Value::Null);
}

async fn simultaneous_moves_apply_once(b: Backend) {
    let Setup {
        s,
        cs,
        devices,
        admin,
        ..
    } = setup(b, at(2026, 3, 2, 9, 0)).await;
    let id = open(&s, &admin, &devices[0], "Raced").await;
    let path = format!("/api/v1/cases/{id}/transitions");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (client, url, token) = (s.client.clone(), s.url(&path), cs.clone());
        tasks.spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({"to": "acknowledged"}))
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = tasks.join_all().await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let (_, case) = s.get(&format!("/api/v1/cases/{id}"), &admin).await;
    assert_eq!(case["status_history"].as_array().unwrap().len(), 2);
}

/// A billing question is about the account: it takes the account's contract clock, its
/// administrators and staff see it, a device manager only the ones they opened, and a stock
/// manager none; a fault still needs its device.
async fn account_questions_need_no_device(b: Backend) {
    let Setup {
        s,
        cs,
        account,
        devices,
        admin,
        manager,
        ..
    } = setup(b, at(2026, 3, 2, 9, 0)).await;
    let question = |category: &str, summary: &str| {
        json!({"account_id": account, "category": category, "summary": summary,
            "description": "The November invoice lacks our purchase order number."})
    };
    let (status, billing) = s
        .post(
            "/api/v1/cases",
            &admin,
            question("billing", "Invoice reference missing"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{billing}");
    assert_eq!(billing["device"], Value::Null);
    assert_eq!(billing["account_id"], account.as_str());
    assert_eq!(
        billing["contract_version"], 1,
        "the account's contract clock"
    );
    assert_eq!(
        billing["response_deadline"], "2026-03-03T09:00:00Z",
        "480 office minutes from Monday 10:00 Stockholm, lunch excluded: Tuesday 10:00"
    );
    let billing_id = billing["id"].as_str().unwrap().to_owned();
    let (status, own) = s
        .post(
            "/api/v1/cases",
            &manager,
            question("general_question", "Who signs the contract?"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let own_id = own["id"].as_str().unwrap().to_owned();

    // A fault is always about a device; naming both, or neither, is refused. Nothing opened.
    for body in [
        question("fault", "Jams"),
        json!({"account_id": account, "device_id": devices[0], "category": "billing",
            "summary": "Both", "description": "x"}),
        json!({"category": "billing", "summary": "Neither", "description": "x"}),
    ] {
        s.expect_problem(
            Method::POST,
            "/api/v1/cases",
            Some(&admin),
            Some(body),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    // Another account's, or no account at all, does not exist for the caller.
    for (token, other) in [
        (&admin, "0190-no-such-account"),
        (&cs, "0190-no-such-account"),
    ] {
        let mut body = question("billing", "Elsewhere");
        body["account_id"] = json!(other);
        s.expect_problem(
            Method::POST,
            "/api/v1/cases",
            Some(token),
            Some(body),
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }

    let mut all = summaries(&s, &admin, "").await;
    all.sort();
    assert_eq!(
        all,
        ["Invoice reference missing", "Who signs the contract?"]
    );
    assert_eq!(
        summaries(&s, &cs, "?category=billing").await,
        ["Invoice reference missing"]
    );
    assert_eq!(
        summaries(&s, &manager, "").await,
        ["Who signs the contract?"],
        "a device manager sees the account questions they opened, no other"
    );
    let (status, _) = s.get(&format!("/api/v1/cases/{own_id}"), &manager).await;
    assert_eq!(status, StatusCode::OK);
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/cases/{billing_id}"),
        Some(&manager),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, feed) = s.get("/api/v1/events?limit=200", &manager).await;
    let seen: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_type"] == "case")
        .map(|e| e["subject_id"].as_str().unwrap())
        .collect();
    assert_eq!(seen, [own_id.as_str()], "the feed follows the same scope");

    // A stock manager follows no cases at all.
    let stock = s.customer(&account, CustomerRole::StockManager).await;
    s.expect_problem(
        Method::GET,
        "/api/v1/cases",
        Some(&stock),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // The account's administrator works it like any case.
    let (status, _) = transition(&s, &cs, &billing_id, "acknowledged").await;
    assert_eq!(status, StatusCode::OK);
    let (status, case) = s.get(&format!("/api/v1/cases/{billing_id}"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(case["status"], "acknowledged");
    assert_eq!(case["deadline_met"], true);
}
