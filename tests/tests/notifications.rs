//! Notification mails: built from the feed's events after the change commits, sent once
//! across server processes, in the recipient's language, only about what their scope shows,
//! never about their own action; per-user kinds turned off in settings or by the one-click
//! link (RFC 8058) without signing in.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{CustomerRole, DealerRole, StaffRole};
use fleetdesk_tests::smtp::SmtpServer;
use fleetdesk_tests::{
    Backend, StatusCode, TestDb, TestServer, User, assert_problem, both_backends, test_config,
};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    a_case_moved_by_staff_mails_its_contact_once_in_their_language,
    a_kind_turned_off_is_not_mailed_and_the_link_works_signed_out,
    mails_follow_the_recipients_scope_and_skip_their_own_actions,
    an_unanswered_case_is_reported_to_customer_service_once,
    members_and_dealers_are_told_what_concerns_them,
);

/// A Monday afternoon in Stockholm.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

struct Setup {
    s: TestServer,
    clock: Clock,
    cs: User,
    account: String,
    devices: [String; 2],
    model: String,
    admin: User,
}

/// An account with a contract (480 office minutes to respond), two devices and an
/// administrator; mail goes to `smtp` when given.
async fn setup(b: Backend, smtp: Option<&SmtpServer>) -> Setup {
    let clock = Clock::fixed(start());
    let (c, url) = (clock.clone(), smtp.map(SmtpServer::url));
    let s = TestServer::start_configured(b, move |config| {
        config.clock = c;
        config.mail.smtp_url = url;
    })
    .await;
    let cs = s.staff_user(StaffRole::CustomerService).await;
    let account = s.create_account(&cs.token, "C-7001", "S-7001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let day = json!([{"start": "08:00", "end": "17:00"}]);
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/api/v1/accounts/{account}/service-contract"),
            Some(&cs.token),
            Some(json!({"response_minutes": 480, "time_zone": "Europe/Stockholm",
                "office_hours": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day},
                "holidays": []})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let site = s
        .create_site(&cs.token, &account, "HQ", "Europe/Stockholm")
        .await;
    let model = s.create_model(&cs.token, "Office 60", 60, &["black"]).await;
    let mut devices = Vec::new();
    for serial in ["NT1001", "NT1002"] {
        let d = s
            .create_device(&cs.token, &account, &site, &model, serial)
            .await;
        devices.push(d["id"].as_str().unwrap().to_owned());
    }
    let admin = s.customer_user(&account, CustomerRole::Administrator).await;
    Setup {
        s,
        clock,
        cs,
        account,
        devices: devices.try_into().unwrap(),
        model,
        admin,
    }
}

async fn set_language(s: &TestServer, user: &User, language: &str) {
    let (status, me) = s
        .patch("/api/v1/me", &user.token, json!({"language": language}))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
}

/// Opens a case about `device` whose contact is `contact`; returns its id.
async fn open_case(s: &TestServer, token: &str, device: &str, contact: &str) -> String {
    let (status, case) = s
        .post(
            "/api/v1/cases",
            token,
            json!({"device_id": device, "category": "fault", "summary": "Pappersstopp",
                "description": "Every job from tray 2 jams.",
                "contact": {"name": "Anna Berg", "email": contact}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    case["id"].as_str().unwrap().to_owned()
}

async fn move_case(s: &TestServer, token: &str, case: &str, to: &str) {
    let (status, body) = s
        .post(
            &format!("/api/v1/cases/{case}/transitions"),
            token,
            json!({"to": to}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn comment(s: &TestServer, token: &str, case: &str, body: &str, internal: bool) {
    let (status, answer) = s
        .post(
            &format!("/api/v1/cases/{case}/comments"),
            token,
            json!({"body": body, "internal": internal}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

/// The subjects of the mails to `to`, in order.
async fn subjects(s: &TestServer, to: &str) -> Vec<String> {
    s.notify().await;
    s.mails_to(to)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

async fn settings(s: &TestServer, token: &str) -> Value {
    let (status, body) = s.get("/api/v1/me/notifications", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn enabled(settings: &Value, kind: &str) -> bool {
    settings["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap_or_else(|| panic!("{kind} is not listed: {settings}"))["enabled"]
        .as_bool()
        .unwrap()
}

async fn a_case_moved_by_staff_mails_its_contact_once_in_their_language(b: Backend) {
    let smtp = SmtpServer::start(0).await;
    let t = setup(b, Some(&smtp)).await;
    let s = &t.s;
    // A second server process on the same database runs its own notifier and mail sender.
    let mut config = test_config(&s.database_url);
    config.clock = t.clock.clone();
    config.mail.smtp_url = Some(smtp.url());
    let second = TestServer::start_with(b, TestDb::External, config).await;

    set_language(s, &t.admin, "sv").await;
    // Eight cases moved, through either process, while both notifiers run.
    let mut cases = Vec::new();
    for i in 0..8 {
        let server = if i % 2 == 0 { s } else { &second };
        let case = open_case(server, &t.admin.token, &t.devices[0], &t.admin.email).await;
        move_case(server, &t.cs.token, &case, "acknowledged").await;
        cases.push(case);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let to_contact = |smtp: &SmtpServer| -> Vec<_> {
        smtp.received()
            .into_iter()
            .filter(|m| m.to.contains(&t.admin.email))
            .collect()
    };
    while to_contact(&smtp).len() < 8 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a second mail the time to show up before counting.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let received = to_contact(&smtp);
    assert_eq!(received.len(), 8, "each change mailed once: {received:?}");
    for case in &cases {
        let about: Vec<_> = received
            .iter()
            .filter(|m| m.body().contains(case.as_str()))
            .collect();
        assert_eq!(about.len(), 1, "case {case}: {about:?}");
    }
    let case = cases.pop().unwrap();
    let mail = received
        .into_iter()
        .find(|m| m.body().contains(case.as_str()))
        .unwrap();
    let body = mail.body();
    assert!(
        body.starts_with("Hej,") && body.contains("är nu mottaget"),
        "Swedish: {body}"
    );
    assert!(body.contains(&format!("/api/v1/cases/{case}")), "{body}");
    assert_eq!(mail.header("Content-Language").as_deref(), Some("sv"));
    let link = mail.header("List-Unsubscribe").unwrap();
    assert!(
        link.starts_with('<') && link.contains("/api/v1/notifications/unsubscribe?token="),
        "{link}"
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let kept = s.mails_to(&t.admin.email).await;
    assert_eq!(kept.len(), 8);
    assert_eq!(kept[0].subject, "Ärende \"Pappersstopp\": mottaget");

    // The same change for an English reader.
    set_language(s, &t.admin, "en").await;
    move_case(s, &t.cs.token, &case, "in_progress").await;
    let subjects = subjects(&second, &t.admin.email).await;
    assert_eq!(subjects.len(), 9);
    assert_eq!(subjects[8], "Case \"Pappersstopp\": in progress");
}

async fn a_kind_turned_off_is_not_mailed_and_the_link_works_signed_out(b: Backend) {
    let t = setup(b, None).await;
    let s = &t.s;
    set_language(s, &t.admin, "sv").await;
    let all = settings(s, &t.admin.token).await;
    let kinds: Vec<&str> = all["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 9, "{all}");
    assert!(kinds.iter().all(|k| enabled(&all, k)), "all on at first");
    assert_eq!(all["kinds"][0]["description"], "ändringar i dina ärenden");

    // Turned off in the settings: no mail; on again: mail.
    let (status, changed) = s
        .send(
            Method::PUT,
            "/api/v1/me/notifications",
            Some(&t.admin.token),
            Some(json!({"kinds": [{"kind": "case_updates", "enabled": false}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert!(!enabled(&changed, "case_updates"));
    assert!(enabled(&changed, "join_requests"), "others unchanged");
    let case = open_case(s, &t.admin.token, &t.devices[0], &t.admin.email).await;
    move_case(s, &t.cs.token, &case, "acknowledged").await;
    assert_eq!(subjects(s, &t.admin.email).await.len(), 0, "turned off");
    let (status, _) = s
        .send(
            Method::PUT,
            "/api/v1/me/notifications",
            Some(&t.admin.token),
            Some(json!({"kinds": [{"kind": "case_updates", "enabled": true}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    move_case(s, &t.cs.token, &case, "in_progress").await;
    assert_eq!(subjects(s, &t.admin.email).await.len(), 1, "on again");

    // Bad settings change nothing.
    for body in [
        json!({"kinds": [{"kind": "password_changes", "enabled": false}]}),
        json!({"kinds": [{"kind": "case_updates", "enabled": false}, {"kind": "case_updates", "enabled": true}]}),
        json!({"kinds": [{"kind": "case_updates"}]}),
    ] {
        let res = s
            .client
            .put(s.url("/api/v1/me/notifications"))
            .bearer_auth(&t.admin.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    assert!(enabled(&settings(s, &t.admin.token).await, "case_updates"));

    // The mail's own link, opened signed out: the page asks first and changes nothing …
    let mail = s.mails_to(&t.admin.email).await.pop().unwrap();
    let link = mail.list_unsubscribe.clone().unwrap();
    assert!(mail.body.contains(&link), "the body shows the link too");
    let path = link
        .split_once("/api/v1/")
        .map(|(_, p)| format!("/api/v1/{p}"))
        .unwrap();
    let page = s.client.get(s.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-language"], "sv");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\"") && html.contains("Stoppa utskicken"),
        "{html}"
    );
    assert!(enabled(&settings(s, &t.admin.token).await, "case_updates"));
    // … the one-click POST (as a mail client sends it) turns the kind off.
    let res = s
        .client
        .post(s.url(&path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(
        (&done["kind"], &done["enabled"]),
        (&json!("case_updates"), &json!(false))
    );
    assert_eq!(
        done["message"],
        "Du får inte längre utskick om ändringar i dina ärenden."
    );
    assert!(!enabled(&settings(s, &t.admin.token).await, "case_updates"));
    move_case(s, &t.cs.token, &case, "resolved").await;
    assert_eq!(subjects(s, &t.admin.email).await.len(), 1, "no new mail");

    // A link altered to another kind or user is refused.
    let (query, _) = path.split_once("case_updates.").unwrap();
    let forged = path.replacen("case_updates", "join_requests", 1);
    for bad in [
        forged,
        format!("{query}x"),
        "/api/v1/notifications/unsubscribe?token=".to_owned(),
    ] {
        let res = s.client.post(s.url(&bad)).send().await.unwrap();
        assert_problem(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsubscribe_link_invalid",
        )
        .await;
    }
    assert!(enabled(&settings(s, &t.admin.token).await, "join_requests"));
}

async fn mails_follow_the_recipients_scope_and_skip_their_own_actions(b: Backend) {
    let t = setup(b, None).await;
    let s = &t.s;
    // A device manager responsible for the first device only, named as the contact of a
    // case about the second: the case is outside their scope, so they are not told of it.
    let manager = s
        .customer_user(&t.account, CustomerRole::DeviceManager)
        .await;
    s.assign_devices(&t.admin.token, &t.account, &manager.token, &[&t.devices[0]])
        .await;
    let hidden = open_case(s, &t.admin.token, &t.devices[1], &manager.email).await;
    move_case(s, &t.cs.token, &hidden, "acknowledged").await;
    comment(s, &t.cs.token, &hidden, "We are on our way.", false).await;
    assert_eq!(subjects(s, &manager.email).await, Vec::<String>::new());

    // Their own device's case: a staff reply is mailed with its text; an internal note, and
    // their own comment, are not; nor is a move they made themselves.
    let own = open_case(s, &manager.token, &t.devices[0], &manager.email).await;
    comment(s, &t.cs.token, &own, "Internal: check the fuser.", true).await;
    comment(s, &manager.token, &own, "It still jams.", false).await;
    comment(s, &t.cs.token, &own, "A technician comes tomorrow.", false).await;
    move_case(s, &manager.token, &own, "cancelled").await;
    s.notify().await;
    let mails = s.mails_to(&manager.email).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(
        mails[0].subject,
        "Case \"Pappersstopp\": a reply from customer service"
    );
    assert!(mails[0].body.contains("A technician comes tomorrow."));
    assert!(!mails[0].body.contains("fuser"), "{}", mails[0].body);
}

async fn an_unanswered_case_is_reported_to_customer_service_once(b: Backend) {
    let t = setup(b, None).await;
    let s = &t.s;
    let answered = open_case(s, &t.admin.token, &t.devices[0], &t.admin.email).await;
    let waiting = open_case(s, &t.admin.token, &t.devices[1], &t.admin.email).await;
    move_case(s, &t.cs.token, &answered, "acknowledged").await;
    let other_cs = s.staff_user(StaffRole::CustomerService).await;
    let technician = s.staff_user(StaffRole::Technician).await;
    // Opened Monday 14:00 in Stockholm: 480 office minutes end Tuesday 13:00 (11:00 UTC).
    t.clock.set(start() + chrono::Duration::hours(22));
    assert!(subjects(s, &t.cs.email).await.is_empty(), "not due yet");
    t.clock.set(start() + chrono::Duration::hours(26));
    s.notify().await;
    s.notify().await;
    for staff in [&t.cs, &other_cs] {
        let mails = s.mails_to(&staff.email).await;
        assert_eq!(mails.len(), 1, "once: {mails:?}");
        assert_eq!(
            mails[0].subject,
            "Response overdue: case \"Pappersstopp\" of Account C-7001"
        );
        assert!(mails[0].body.contains(&format!("/api/v1/cases/{waiting}")));
    }
    assert!(subjects(s, &technician.email).await.is_empty());
    let (_, feed) = s.get("/api/v1/events?limit=200", &t.admin.token).await;
    let overdue: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case.response_overdue")
        .collect();
    assert_eq!(
        overdue.len(),
        1,
        "one event, for the waiting case: {overdue:?}"
    );
    assert_eq!(overdue[0]["subject_id"], waiting.as_str());
}

async fn members_and_dealers_are_told_what_concerns_them(b: Backend) {
    let t = setup(b, None).await;
    let s = &t.s;
    // A role change and a removal reach the member.
    let member = s
        .customer_user(&t.account, CustomerRole::KnowledgeUser)
        .await;
    set_language(s, &member, "sv").await;
    let me: Value = s.get("/api/v1/me", &member.token).await.1;
    let user_id = me["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/accounts/{}/members/{user_id}", t.account);
    let (status, body) = s
        .patch(&path, &t.admin.token, json!({"role": "device-manager"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s
        .send(Method::DELETE, &path, Some(&t.admin.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        subjects(s, &member.email).await,
        [
            "Din roll hos Account C-7001 har ändrats",
            "Du hör inte längre till Account C-7001"
        ]
    );
    let mails = s.mails_to(&member.email).await;
    assert!(
        mails[0].body.contains("maskinansvarig"),
        "{}",
        mails[0].body
    );

    // A dealer's administrators hear of a dispatch; its technicians do not.
    let dealer = s.create_dealer("Nordic Print Service").await;
    let admin = s.dealer_user(&dealer, DealerRole::DealerAdmin).await;
    let technician = s.dealer_user(&dealer, DealerRole::DealerTechnician).await;
    let call_center = s.staff(StaffRole::CallCenter).await;
    let (status, reg) = s
        .post(
            "/api/v1/registrations",
            &admin.token,
            json!({"model_id": t.model, "serial_number": "NT1001", "warranty_marketing_program": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let (status, remedy) = s
        .post(
            "/api/v1/remedies",
            &call_center,
            json!({"problem_category": "print_quality", "title": "Clean the print head",
                "instructions": "Menu > Maintenance"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{remedy}");
    let (status, call) = s
        .post(
            "/api/v1/calls",
            &call_center,
            json!({"serial_number": "NT1001", "model_id": t.model, "reason": "service_problem",
                "problem_category": "print_quality", "problem": "Streaks on every page",
                "caller": {"name": "Maria Lopez", "phone": "+46 8 5"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    let call_id = call["id"].as_str().unwrap();
    let (status, tried) = s
        .post(
            &format!("/api/v1/calls/{call_id}/remedies"),
            &call_center,
            json!({"remedy_id": remedy["id"], "outcome": "failed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tried}");
    let (status, dispatch) = s
        .send(
            Method::POST,
            &format!("/api/v1/calls/{call_id}/dispatches"),
            Some(&call_center),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispatch}");
    assert_eq!(
        subjects(s, &admin.email).await,
        ["New service dispatch: serial NT1001"]
    );
    let mail = s.mails_to(&admin.email).await.pop().unwrap();
    assert!(
        mail.body.contains("Streaks on every page") && mail.body.contains("Maria Lopez"),
        "{}",
        mail.body
    );
    assert!(subjects(s, &technician.email).await.is_empty());
}
