//! The feed-scope matrix: one scenario writes (nearly) every kind of event, then for every
//! event and every role — staff, customers, dealers — the feed shows the event exactly when
//! the item endpoint of its subject lets that role read it.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::events::{EventKind, Topic, topic_of};
use fleetdesk_domain::identity::{CustomerRole, DealerRole, StaffRole};
use fleetdesk_tests::{Backend, FormPart, PASSWORD, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(the_feed_shows_an_event_exactly_when_its_subject_can_be_read);

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 14, 0, 0).unwrap()
}

/// Sends a setup request that must succeed; returns its body.
async fn ok(s: &TestServer, method: Method, path: &str, token: &str, body: Value) -> Value {
    let (status, answer) = s.send(method, path, Some(token), Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn user_id(s: &TestServer, token: &str) -> String {
    let (_, me) = s.get("/api/v1/me", token).await;
    id(&me)
}

/// Every event of a caller's feed (empty when the feed is refused).
async fn feed_ids(s: &TestServer, token: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut after = 0;
    loop {
        let (status, page) = s
            .get(&format!("/api/v1/events?after={after}&limit=200"), token)
            .await;
        if status == StatusCode::FORBIDDEN {
            return seen;
        }
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        seen.extend(items.iter().map(id));
        let next = page["next_after"].as_i64().unwrap();
        if items.is_empty() && next == after {
            return seen;
        }
        after = next;
    }
}

/// May `token` read the subject of `event`? Asked of the subject's own endpoint.
async fn may_read(s: &TestServer, token: &str, event: &Value) -> Option<bool> {
    let kind = event["kind"].as_str().unwrap();
    let text = |key: &str| event[key].as_str().unwrap_or_default().to_owned();
    let (account, subject, device, dealer) = (
        text("account_id"),
        text("subject_id"),
        text("device_id"),
        text("dealer_id"),
    );
    let path = match topic_of(kind)? {
        Topic::Account | Topic::AccountCredit => format!("/api/v1/accounts/{account}"),
        Topic::Site => format!("/api/v1/accounts/{account}/sites/{subject}"),
        Topic::ServiceContract => format!("/api/v1/accounts/{account}/service-contract"),
        Topic::Members => format!("/api/v1/accounts/{account}/members"),
        Topic::Invitations => format!("/api/v1/accounts/{account}/invitations"),
        Topic::JoinRequests => format!("/api/v1/accounts/{account}/join-requests"),
        Topic::Device => format!("/api/v1/devices/{device}"),
        Topic::Readings => format!("/api/v1/devices/{device}/meter-readings"),
        // A comment is read on its own (an internal note only by staff).
        Topic::Case if kind == "case.commented" => format!(
            "/api/v1/cases/{subject}/comments/{}",
            event["payload"]["comment_id"].as_str().unwrap()
        ),
        // So is an attachment (an internal one only by staff).
        Topic::Case if kind == "case.attachment_added" => format!(
            "/api/v1/cases/{subject}/attachments/{}",
            event["payload"]["attachment_id"].as_str().unwrap()
        ),
        Topic::Case => format!("/api/v1/cases/{subject}"),
        Topic::StockLocation => format!("/api/v1/stock-locations/{subject}"),
        Topic::Dealer | Topic::DealerUsers => format!("/api/v1/dealers/{dealer}"),
        Topic::DealerInvitations => format!("/api/v1/dealers/{dealer}/invitations"),
        Topic::Registration => format!("/api/v1/registrations/{subject}"),
        Topic::Call => format!("/api/v1/calls/{subject}"),
        Topic::Dispatch => format!("/api/v1/dispatches/{subject}"),
        Topic::Claim => format!("/api/v1/warranty-claims/{subject}"),
        Topic::ApiClients => format!("/api/v1/api-clients/{subject}"),
        // No read endpoint for a user: acting on one with a body that cannot pass (and so
        // changes nothing) answers 403 to whoever may not, 422 to whoever may.
        Topic::User => {
            let (status, _) = s
                .send(
                    Method::PATCH,
                    &format!("/api/v1/users/{subject}/email"),
                    Some(token),
                    Some(json!({"email": "not an address"})),
                )
                .await;
            return Some(status == StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let (status, body) = s.get(&path, token).await;
    if topic_of(kind) == Some(Topic::AccountCredit) {
        return Some(status == StatusCode::OK && body.get("credit_rating").is_some());
    }
    Some(status == StatusCode::OK)
}

async fn the_feed_shows_an_event_exactly_when_its_subject_can_be_read(b: Backend) {
    let clock = Clock::fixed(start());
    let c = clock.clone();
    let s = TestServer::start_configured(b, move |config| config.clock = c).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let call_center = s.staff(StaffRole::CallCenter).await;
    let planner = s.staff(StaffRole::DispatchPlanner).await;
    let technician = s.staff(StaffRole::Technician).await;
    let other_technician = s.staff(StaffRole::Technician).await;
    let warranty = s.staff(StaffRole::WarrantyAdmin).await;
    let technician_id = user_id(&s, &technician).await;

    // Two accounts; the first with every customer role.
    let a = id(&s.create_account(&cs, "C-7701", "S-7701").await);
    let b_account = id(&s.create_account(&cs, "C-7702", "S-7702").await);
    ok(
        &s,
        Method::PATCH,
        &format!("/api/v1/accounts/{a}"),
        &cs,
        json!({"name": "Nordic Matrix AB"}),
    )
    .await;
    ok(
        &s,
        Method::PATCH,
        &format!("/api/v1/accounts/{a}"),
        &cs,
        json!({"credit_rating": "fair"}),
    )
    .await;
    let day = json!([{"start": "08:00", "end": "17:00"}]);
    ok(&s, Method::PUT, &format!("/api/v1/accounts/{a}/service-contract"), &cs,
        json!({"response_minutes": 480, "time_zone": "Europe/Stockholm",
            "office_hours": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day},
            "holidays": []})).await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/accounts/{a}/reading-period"),
        &cs,
        json!({"closing_day": 20}),
    )
    .await;
    let site = s.create_site(&cs, &a, "HQ", "Europe/Stockholm").await;
    let b_site = s
        .create_site(&cs, &b_account, "NY", "America/New_York")
        .await;
    let model = s.create_model(&cs, "Matrix 40", 40, &["black"]).await;
    let d1 = id(&s.create_device(&cs, &a, &site, &model, "MX-1").await);
    let d2 = id(&s.create_device(&cs, &a, &site, &model, "MX-2").await);
    let d3 = id(&s.create_device(&cs, &a, &site, &model, "MX-3").await);
    let b_device = id(&s
        .create_device(&cs, &b_account, &b_site, &model, "MX-9")
        .await);
    let admin = s.customer(&a, CustomerRole::Administrator).await;
    let device_manager = s.customer(&a, CustomerRole::DeviceManager).await;
    let stock_manager = s.customer(&a, CustomerRole::StockManager).await;
    let both_manager = s.customer(&a, CustomerRole::DeviceAndStockManager).await;
    let reader = s.customer(&a, CustomerRole::KnowledgeUser).await;
    let b_admin = s.customer(&b_account, CustomerRole::Administrator).await;
    let (dm_id, sm_id, both_id) = (
        user_id(&s, &device_manager).await,
        user_id(&s, &stock_manager).await,
        user_id(&s, &both_manager).await,
    );
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/accounts/{a}/members/{dm_id}/devices"),
        &admin,
        json!({"device_ids": [d1]}),
    )
    .await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/accounts/{a}/members/{both_id}/devices"),
        &admin,
        json!({"device_ids": [d2]}),
    )
    .await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/accounts/{a}/members/{both_id}/sites"),
        &admin,
        json!({"site_ids": []}),
    )
    .await;

    // Devices and readings.
    ok(
        &s,
        Method::PATCH,
        &format!("/api/v1/devices/{d1}/location"),
        &admin,
        json!({"location": "Room 101"}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/devices/{d1}/meter-readings"),
        &admin,
        json!({"values": {"black": 100}}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/devices/{d2}/meter-readings"),
        &admin,
        json!({"values": {"black": 50}}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/devices/{d1}/meter-readings/corrections"),
        &cs,
        json!({"kind": "meter-reset", "reason": "Counter board replaced", "values": {"black": 0}}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/devices/{b_device}/meter-readings"),
        &b_admin,
        json!({"values": {"black": 10}}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/devices/{d3}/removal-requests"),
        &admin,
        json!({"reason": "Sold"}),
    )
    .await;
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/devices/{d3}"),
            Some(&cs),
            None,
        )
        .await;
    assert!(status.is_success(), "{status}");

    // Cases: one assigned to the technician, one not, one on another account.
    let case = |device: &str| {
        json!({"device_id": device, "category": "fault", "summary": "Jams",
        "description": "Paper jams in tray 2.", "contact": {"name": "Anna", "phone": "+46 8 1"}})
    };
    let c1 = id(&ok(&s, Method::POST, "/api/v1/cases", &admin, case(&d1)).await);
    let c2 = id(&ok(&s, Method::POST, "/api/v1/cases", &admin, case(&d2)).await);
    ok(&s, Method::POST, "/api/v1/cases", &b_admin, case(&b_device)).await;
    // Cases about the account alone: the administrator's, and the device manager's own.
    let question = json!({"account_id": a, "category": "billing", "summary": "Invoice",
        "description": "The invoice lacks our reference."});
    ok(&s, Method::POST, "/api/v1/cases", &admin, question.clone()).await;
    ok(&s, Method::POST, "/api/v1/cases", &device_manager, question).await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/cases/{c1}/technician"),
        &planner,
        json!({"technician_id": technician_id}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/cases/{c1}/transitions"),
        &cs,
        json!({"to": "acknowledged"}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/cases/{c2}/comments"),
        &cs,
        json!({"body": "Looking into it."}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/cases/{c2}/comments"),
        &cs,
        json!({"body": "Customer is difficult.", "internal": true}),
    )
    .await;
    for (token, internal) in [(&admin, "false"), (&cs, "true")] {
        let res = s
            .upload(
                &format!("/api/v1/cases/{c2}/attachments"),
                token,
                &[
                    FormPart::field("internal", internal),
                    FormPart::file("error.txt", "text/plain", b"E-041"),
                ],
                &[],
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    // Stock: two locations, one assigned to the stock manager; an order raised and received.
    let location = |name: &str| json!({"name": name, "address": {"line1": "Kungsgatan 12", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}});
    let l1 = id(&ok(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{a}/stock-locations"),
        &admin,
        location("Print room"),
    )
    .await);
    let l2 = id(&ok(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{a}/stock-locations"),
        &admin,
        location("Basement"),
    )
    .await);
    ok(
        &s,
        Method::PATCH,
        &format!("/api/v1/stock-locations/{l2}"),
        &admin,
        json!({"name": "Cellar"}),
    )
    .await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/accounts/{a}/members/{sm_id}/stock-locations"),
        &admin,
        json!({"stock_location_ids": [l1]}),
    )
    .await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/accounts/{a}/members/{both_id}/stock-locations"),
        &admin,
        json!({"stock_location_ids": [l2]}),
    )
    .await;
    ok(&s, Method::PUT, &format!("/api/v1/stock-locations/{l1}/levels/tn-1"), &admin,
        json!({"description": "Black toner", "on_hand": 5, "reorder_point": 2, "supply_threshold_percent": 15, "order_quantity": 4})).await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/stock-locations/{l1}/devices"),
        &admin,
        json!({"device_ids": [d1]}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/stock-locations/{l1}/consumption"),
        &admin,
        json!({"part_number": "TN-1", "quantity": 1}),
    )
    .await;
    let credential = ok(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{a}/device-credentials"),
        &admin,
        json!({"name": "Agent"}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/devices/{d1}/supply-levels"),
        credential["token"].as_str().unwrap(),
        json!({"supplies": [{"part_number": "TN-1", "level_percent": 5}]}),
    )
    .await;
    let (_, orders) = s.get("/api/v1/replenishment-orders", &admin).await;
    let order = id(&orders["items"][0]);
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/replenishment-orders/{order}/shipment"),
        &cs,
        json!({"carrier": "PostNord", "tracking_number": "00370712345678901234"}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/replenishment-orders/{order}/receipt"),
        &admin,
        json!({}),
    )
    .await;
    let by_hand = ok(
        &s,
        Method::POST,
        &format!("/api/v1/stock-locations/{l1}/orders"),
        &admin,
        json!({"part_number": "TN-1", "quantity": 2}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/replenishment-orders/{}/cancellation", id(&by_hand)),
        &admin,
        json!({}),
    )
    .await;

    // Members: invitations (one revoked), a join request rejected, a role changed, one removed.
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{a}/invitations"),
        &admin,
        json!({"email": "joiner@matrix.test", "role": "device-manager"}),
    )
    .await;
    let revoked = ok(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{a}/invitations"),
        &admin,
        json!({"email": "gone@matrix.test", "role": "knowledge-user"}),
    )
    .await;
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/accounts/{a}/invitations/{}", id(&revoked)),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let token = s.token_mailed_to("joiner@matrix.test").await;
    let (status, _) = s
        .send(
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({"token": token, "password": PASSWORD, "display_name": "Joiner"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let joiner = s.login("joiner@matrix.test", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let joiner_id = user_id(&s, &joiner).await;
    ok(
        &s,
        Method::PATCH,
        &format!("/api/v1/accounts/{a}/members/{joiner_id}"),
        &admin,
        json!({"role": "knowledge-user"}),
    )
    .await;
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/accounts/{a}/members/{joiner_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s.send(Method::POST, "/api/v1/auth/register", None,
        Some(json!({"email": "asker@matrix.test", "password": PASSWORD, "display_name": "Asker", "customer_account_number": "C-7701"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let confirm = s.token_mailed_to("asker@matrix.test").await;
    ok(
        &s,
        Method::POST,
        "/api/v1/auth/confirm-email",
        &cs,
        json!({"token": confirm}),
    )
    .await;
    let (_, requests) = s
        .get(
            &format!("/api/v1/accounts/{a}/join-requests?status=pending"),
            &admin,
        )
        .await;
    let request = id(&requests["items"][0]);
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{a}/join-requests/{request}/reject"),
        &admin,
        json!({"reason": "Unknown"}),
    )
    .await;
    let asker = s.login("asker@matrix.test", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let asker_id = user_id(&s, &asker).await;
    ok(
        &s,
        Method::PATCH,
        &format!("/api/v1/users/{asker_id}/email"),
        &cs,
        json!({"email": "asker2@matrix.test"}),
    )
    .await;

    // The dealer network: two dealers, one with users and invitations.
    let x = id(&ok(
        &s,
        Method::POST,
        "/api/v1/dealers",
        &cs,
        json!({"name": "Matrix Copiers", "contact_email": "service@matrix.test"}),
    )
    .await);
    let y = s.create_dealer("Other Copiers").await;
    let x_admin = s.dealer_user(&x, DealerRole::DealerAdmin).await.token;
    let x_tech = s.dealer_user(&x, DealerRole::DealerTechnician).await.token;
    let y_admin = s.dealer_user(&y, DealerRole::DealerAdmin).await.token;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/dealers/{x}/invitations"),
        &x_admin,
        json!({"email": "new@matrix-copiers.test", "role": "dealer-technician"}),
    )
    .await;
    let dropped = ok(
        &s,
        Method::POST,
        &format!("/api/v1/dealers/{x}/invitations"),
        &x_admin,
        json!({"email": "drop@matrix-copiers.test", "role": "dealer-technician"}),
    )
    .await;
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/dealers/{x}/invitations/{}", id(&dropped)),
            Some(&x_admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let token = s.token_mailed_to("new@matrix-copiers.test").await;
    let (status, _) = s
        .send(
            Method::POST,
            "/api/v1/dealer-invitations/accept",
            None,
            Some(json!({"token": token, "password": PASSWORD, "display_name": "New"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let newcomer = s.login("new@matrix-copiers.test", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let newcomer_id = user_id(&s, &newcomer).await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/dealers/{x}/users/{newcomer_id}"),
        &x_admin,
        json!({"role": "dealer-admin"}),
    )
    .await;
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/dealers/{x}/users/{newcomer_id}"),
            Some(&x_admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let registration = ok(
        &s,
        Method::POST,
        "/api/v1/registrations",
        &x_tech,
        json!({"model_id": model, "serial_number": "MX-1", "warranty_marketing_program": false}),
    )
    .await;
    let ended = ok(
        &s,
        Method::POST,
        "/api/v1/registrations",
        &y_admin,
        json!({"model_id": model, "serial_number": "MX-77", "warranty_marketing_program": false}),
    )
    .await;
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/registrations/{}", id(&ended)),
            Some(&y_admin),
            None,
        )
        .await;
    assert!(status.is_success());
    drop(registration);
    for category in ["print_quality"] {
        ok(&s, Method::POST, "/api/v1/remedies", &call_center,
            json!({"problem_category": category, "title": "Clean the print head", "instructions": "Menu > Maintenance"})).await;
    }
    let new_call = |serial: &str| {
        json!({"serial_number": serial, "model_id": model, "reason": "service_problem",
        "problem_category": "print_quality", "problem": "Streaks", "caller": {"name": "Maria", "phone": "+46 8 2"},
        "site_address": "Kungsgatan 12, Stockholm"})
    };
    let mut dispatches = Vec::new();
    // MX-1 goes to its dealer of record; MX-2 (registered by no one) to the call center's
    // own service.
    for serial in ["MX-1", "MX-2"] {
        let call = ok(
            &s,
            Method::POST,
            "/api/v1/calls",
            &call_center,
            new_call(serial),
        )
        .await;
        let call_id = id(&call);
        for remedy in call["remedies"].as_array().unwrap() {
            ok(
                &s,
                Method::POST,
                &format!("/api/v1/calls/{call_id}/remedies"),
                &call_center,
                json!({"remedy_id": remedy["remedy_id"], "outcome": "failed"}),
            )
            .await;
        }
        ok(
            &s,
            Method::POST,
            &format!("/api/v1/calls/{call_id}/attempts"),
            &call_center,
            json!({"description": "Reseated the toner", "outcome": "failed"}),
        )
        .await;
        dispatches.push(id(&ok(
            &s,
            Method::POST,
            &format!("/api/v1/calls/{call_id}/dispatches"),
            &call_center,
            json!({}),
        )
        .await));
    }
    // A Warranty Marketing Program serial: its calls are redirected to the dealer.
    ok(
        &s,
        Method::POST,
        "/api/v1/registrations",
        &x_tech,
        json!({"model_id": model, "serial_number": "MX-88", "warranty_marketing_program": true}),
    )
    .await;
    let wmp = ok(
        &s,
        Method::POST,
        "/api/v1/calls",
        &call_center,
        new_call("MX-88"),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/calls/{}/redirect", id(&wmp)),
        &call_center,
        json!({}),
    )
    .await;
    let resolved = ok(
        &s,
        Method::POST,
        "/api/v1/calls",
        &call_center,
        new_call("MX-2"),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/calls/{}/resolve", id(&resolved)),
        &call_center,
        json!({"resolution": "Fixed by phone"}),
    )
    .await;
    ok(
        &s,
        Method::PUT,
        &format!("/api/v1/dispatches/{}/technician", dispatches[1]),
        &planner,
        json!({"technician_id": technician_id}),
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/dispatches/{}/accept", dispatches[0]),
        &x_tech,
        json!({}),
    )
    .await;
    clock.set(start() + Duration::hours(2));
    ok(&s, Method::POST, &format!("/api/v1/dispatches/{}/close-out", dispatches[0]), &x_tech,
        json!({"arrived_at": start() + Duration::minutes(60), "completed_at": start() + Duration::minutes(90),
            "labour_minutes": 30, "resolution": "Replaced the print head", "technician": "Ted",
            "parts": [{"part_number": "QM7-1234", "quantity": 1, "defective": true}]})).await;
    ok(
        &s,
        Method::POST,
        &format!(
            "/api/v1/dispatches/{}/labor-compensation/decision",
            dispatches[0]
        ),
        &warranty,
        json!({"decision": "approved", "amount_minor": 12500, "currency": "SEK"}),
    )
    .await;
    let claim = ok(&s, Method::POST, "/api/v1/warranty-claims", &x_tech,
        json!({"dispatch_id": dispatches[0], "part_number": "QM7-1234", "defect": "Head clogged", "failure_date": "2026-06-15"})).await;
    ok(
        &s,
        Method::POST,
        &format!("/api/v1/warranty-claims/{}/decision", id(&claim)),
        &warranty,
        json!({"decision": "approved"}),
    )
    .await;

    // A site renamed; another, never used, deleted.
    ok(
        &s,
        Method::PATCH,
        &format!("/api/v1/accounts/{a}/sites/{site}"),
        &admin,
        json!({"name": "Head office"}),
    )
    .await;
    let spare = s.create_site(&admin, &a, "Spare", "Europe/Stockholm").await;
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/accounts/{a}/sites/{spare}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // API clients of an account, a dealer and the manufacturer: created, rotated, revoked.
    let mut api_clients = Vec::new();
    for (token, body) in [
        (
            &admin,
            json!({"name": "Monitor", "account_id": a, "scopes": ["devices:read"]}),
        ),
        (
            &x_admin,
            json!({"name": "Dispatch", "scopes": ["dispatches:read"]}),
        ),
        (&cs, json!({"name": "ERP", "scopes": ["accounts:read"]})),
    ] {
        let client = ok(&s, Method::POST, "/api/v1/api-clients", token, body).await;
        let rotate = format!("/api/v1/api-clients/{}/secrets", id(&client));
        ok(&s, Method::POST, &rotate, token, json!({})).await;
        api_clients.push(id(&client));
    }
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/api-clients/{}", api_clients[0]),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Days later the cases still unanswered are past their response deadline.
    clock.set(start() + Duration::days(3));
    s.notify().await;

    // The matrix.
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let (_, page) = s
            .get(&format!("/api/v1/events?after={after}&limit=200"), &cs)
            .await;
        let items = page["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        after = page["next_after"].as_i64().unwrap();
        all.extend(items);
    }
    let roles: Vec<(&str, &str)> = vec![
        ("customer-service", &cs),
        ("call-center", &call_center),
        ("dispatch-planner", &planner),
        ("technician (assigned)", &technician),
        ("technician (not assigned)", &other_technician),
        ("warranty-admin", &warranty),
        ("administrator", &admin),
        ("device-manager", &device_manager),
        ("stock-manager", &stock_manager),
        ("device-and-stock-manager", &both_manager),
        ("knowledge-user", &reader),
        ("another account's administrator", &b_admin),
        ("a user with no role", &asker),
        ("dealer-admin", &x_admin),
        ("dealer-technician", &x_tech),
        ("another dealer's admin", &y_admin),
    ];
    // A subject gone for good (a removed device) has no item check to compare with.
    let mut comparable = Vec::new();
    let mut skipped = BTreeSet::new();
    for event in &all {
        if may_read(&s, &cs, event).await == Some(true) {
            comparable.push(event);
        } else {
            skipped.insert(event["kind"].as_str().unwrap().to_owned());
        }
    }
    let mut checked = 0;
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for (role, token) in &roles {
        let feed = feed_ids(&s, token).await;
        for event in &comparable {
            let kind = event["kind"].as_str().unwrap();
            let readable = may_read(&s, token, event).await.unwrap();
            let in_feed = feed.contains(&id(event));
            checked += 1;
            *shown.entry(role).or_default() += usize::from(in_feed);
            if readable != in_feed {
                mismatches.push(format!(
                    "{role}: {kind} ({}) feed={in_feed} item={readable}",
                    event["subject_id"]
                ));
            }
        }
    }
    let kinds: BTreeSet<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    let missing: Vec<&str> = EventKind::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !kinds.contains(k))
        .collect();
    eprintln!(
        "feed scope ({b:?}): {} events of {} kinds × {} roles = {checked} pairs checked; skipped (subject gone): {skipped:?}; kinds not written here: {missing:?}; shown per role: {shown:?}",
        all.len(),
        kinds.len(),
        roles.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        missing.is_empty(),
        "every kind is written and checked; missing: {missing:?}"
    );
    // Each role saw something it may, and the restricted ones not everything.
    assert_eq!(shown["customer-service"], checked / roles.len());
    assert!(shown["technician (assigned)"] > shown["technician (not assigned)"]);
    assert!(shown["stock-manager"] < shown["administrator"]);
    assert_eq!(shown["knowledge-user"], 0);
}
