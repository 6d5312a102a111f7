//! The dealer network: serial registration (one active per serial, under a race), the call
//! center's calls and remedies, dispatch eligibility with its reasons, dispatches to the
//! dealer of record through accept and close-out, labour decisions, the call center's own
//! service with its technicians, warranty part claims, and dealers' scope.
#![expect(clippy::unwrap_used, reason = "tests")]

use chrono::{DateTime, Duration, TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{DealerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    two_dealers_racing_for_one_serial_yield_one_registration,
    a_call_is_dispatched_to_the_dealer_of_record_and_closed_out,
    a_warranty_marketing_program_device_is_not_dispatched,
    the_call_centers_own_service_is_planned_and_pays_no_labour,
    warranty_claims_come_from_the_dealers_own_work_within_warranty,
    only_a_service_problem_whose_troubleshooting_failed_is_dispatched,
);

fn reason_codes(v: &Value) -> Vec<String> {
    v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn two_dealers_racing_for_one_serial_yield_one_registration(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let model = s.create_model(&cs, "Plotter 44", 2, &["area-m2"]).await;
    let mut tokens = Vec::new();
    for n in 0..6 {
        let dealer = s.create_dealer(&format!("Dealer {n}")).await;
        tokens.push(
            s.dealer_user(&dealer, DealerRole::DealerTechnician)
                .await
                .token,
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, token) in tokens.iter().enumerate() {
        let (client, url, token) = (
            s.client.clone(),
            s.url("/api/v1/registrations"),
            token.clone(),
        );
        let body = json!({"model_id": model, "serial_number": "pf-7001", "warranty_marketing_program": false});
        tasks.spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (i, res.status(), res.text().await.unwrap())
        });
    }
    let mut answers = tasks.join_all().await;
    // In the order of `tokens`.
    answers.sort_by_key(|(i, _, _)| *i);
    let answers: Vec<(StatusCode, String)> = answers.into_iter().map(|(_, s, b)| (s, b)).collect();
    let won = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(won, 1, "{answers:?}");
    for (status, body) in &answers {
        if *status != StatusCode::CREATED {
            assert_eq!(*status, StatusCode::CONFLICT, "{body}");
            assert!(body.contains("serial_already_registered"), "{body}");
            assert!(!body.contains("Dealer "), "names no other dealer: {body}");
        }
    }
    let (_, all) = s
        .get("/api/v1/registrations?serial_number=PF-7001", &cs)
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);

    // The winner deregisters (kept as ended); then another dealer may register.
    let winner = tokens
        .iter()
        .zip(&answers)
        .find(|(_, (s, _))| *s == StatusCode::CREATED)
        .map(|(t, _)| t.clone())
        .unwrap();
    let (_, mine) = s.get("/api/v1/registrations", &winner).await;
    let id = mine["items"][0]["id"].as_str().unwrap().to_owned();
    let loser = tokens.iter().find(|t| **t != winner).unwrap();
    let (status, _) = s.get(&format!("/api/v1/registrations/{id}"), loser).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another dealer's registration"
    );
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/registrations/{id}"),
            Some(loser),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/registrations/{id}"),
            Some(&winner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, ended) = s.get(&format!("/api/v1/registrations/{id}"), &winner).await;
    assert_eq!(ended["status"], "ended");
    let (status, body) = s
        .post(
            "/api/v1/registrations",
            loser,
            json!({"model_id": model, "serial_number": "PF-7001"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Customers and staff do not register serials.
    let (status, _) = s
        .post(
            "/api/v1/registrations",
            &cs,
            json!({"model_id": model, "serial_number": "X1"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// When the calls come in: Monday 2026-06-15 14:00 UTC.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 14, 0, 0).unwrap()
}

struct Network {
    s: TestServer,
    clock: Clock,
    cs: String,
    call_center: String,
    model: String,
    dealer: String,
    dealer_tech: String,
    device: String,
}

/// A portal device (warranty to 2028), a dealer with a technician, and a catalogue with two
/// remedies for print quality.
async fn network(b: Backend) -> Network {
    let clock = Clock::fixed(start());
    let c = clock.clone();
    let s = TestServer::start_configured(b, move |config| config.clock = c).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let call_center = s.staff(StaffRole::CallCenter).await;
    let account = s.create_account(&cs, "C-9001", "S-9001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "America/New_York").await;
    let model = s.create_model(&cs, "Plotter 44", 2, &["area-m2"]).await;
    let device = s.create_device(&cs, &account, &site, &model, "PF-1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dealer = s.create_dealer("Westside Office Systems").await;
    let dealer_tech = s
        .dealer_user(&dealer, DealerRole::DealerTechnician)
        .await
        .token;
    for title in [
        "Run the print head cleaning",
        "Check the paper type setting",
    ] {
        let (status, body) = s
            .post(
                "/api/v1/remedies",
                &call_center,
                json!({"problem_category": "print_quality", "title": title, "instructions": "Menu > Maintenance"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    Network {
        s,
        clock,
        cs,
        call_center,
        model,
        dealer,
        dealer_tech,
        device,
    }
}

async fn call(n: &Network, serial: &str) -> Value {
    let (status, call) = n
        .s
        .post(
            "/api/v1/calls",
            &n.call_center,
            json!({"serial_number": serial, "model_id": n.model, "reason": "service_problem",
                "problem_category": "print_quality", "problem": "Vertical streaks on every print",
                "caller": {"name": "Maria Lopez", "phone": "+1 212 555 0100", "company": "Lopez Architects"},
                "site_address": "350 Fifth Avenue, New York"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    call
}

async fn a_call_is_dispatched_to_the_dealer_of_record_and_closed_out(b: Backend) {
    let n = network(b).await;
    let s = &n.s;
    let (status, reg) = s
        .post(
            "/api/v1/registrations",
            &n.dealer_tech,
            json!({"model_id": n.model, "serial_number": "pf-1", "warranty_marketing_program": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["on_portal"], true, "linked to the portal's device");
    assert_eq!(
        reg["device_id"],
        Value::Null,
        "whose id is the customer's, not the dealer's"
    );
    let (_, seen) = s
        .get(
            &format!("/api/v1/registrations/{}", reg["id"].as_str().unwrap()),
            &n.cs,
        )
        .await;
    assert_eq!(seen["device_id"], n.device.as_str(), "staff see the device");

    let call = call(&n, "PF-1").await;
    let id = call["id"].as_str().unwrap().to_owned();
    assert_eq!(call["device_id"], n.device.as_str());
    assert_eq!(call["dealer_of_record"], n.dealer.as_str());
    assert_eq!(call["remedies"].as_array().unwrap().len(), 2);

    // Not eligible until every catalogued remedy was tried and failed (or does not apply).
    let eligibility = format!("/api/v1/calls/{id}/dispatch-eligibility");
    let (_, e) = s.get(&eligibility, &n.call_center).await;
    assert_eq!(e["eligible"], false);
    assert_eq!(
        reason_codes(&e),
        vec![
            "remedies_outstanding",
            "no_troubleshooting_recorded",
            "dealer_of_record",
            "in_warranty"
        ]
    );
    let res = s
        .request(
            Method::POST,
            &format!("/api/v1/calls/{id}/dispatches"),
            Some(&n.call_center),
            None,
        )
        .await;
    let problem = assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "dispatch_not_eligible",
    )
    .await;
    assert_eq!(reason_codes(&problem)[0], "remedies_outstanding");
    assert_eq!(
        problem["reasons"][0]["remedies"].as_array().unwrap().len(),
        2
    );

    let remedies: Vec<String> = call["remedies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["remedy_id"].as_str().unwrap().to_owned())
        .collect();
    let path = format!("/api/v1/calls/{id}/remedies");
    let (status, body) = s
        .post(
            &path,
            &n.call_center,
            json!({"remedy_id": remedies[1], "outcome": "not_applicable"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed: {body}"
    );
    for (remedy, outcome, note) in [
        (&remedies[0], "failed", None),
        (&remedies[1], "not_applicable", Some("Plain paper only")),
    ] {
        let (status, body) = s
            .post(
                &path,
                &n.call_center,
                json!({"remedy_id": remedy, "outcome": outcome, "note": note}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, e) = s.get(&eligibility, &n.call_center).await;
    assert_eq!(e["eligible"], true, "{e}");
    assert_eq!(e["reimbursable"], true);
    assert_eq!(
        e["route"],
        json!({"kind": "dealer_of_record", "dealer_id": n.dealer})
    );

    // Dealers cannot dispatch; the call center does.
    let (status, _) = s
        .post(
            &format!("/api/v1/calls/{id}/dispatches"),
            &n.dealer_tech,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, dispatch) = s
        .post(
            &format!("/api/v1/calls/{id}/dispatches"),
            &n.call_center,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispatch}");
    let dispatch_id = dispatch["id"].as_str().unwrap().to_owned();
    assert_eq!(dispatch["route"], "dealer");
    assert_eq!(dispatch["dealer_id"], n.dealer.as_str());
    let section1 = &dispatch["section1"];
    assert_eq!(section1["device"]["serial_number"], "PF-1");
    assert_eq!(section1["site_and_contact"]["caller"], "Maria Lopez");
    assert_eq!(section1["remedies_tried"].as_array().unwrap().len(), 2);
    assert_eq!(section1["warranty"]["in_warranty_on_call_date"], true);
    let (status, _) = s
        .post(
            &format!("/api/v1/calls/{id}/dispatches"),
            &n.call_center,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "one dispatch per call");

    // The dealer sees its dispatch; another dealer does not.
    let (_, list) = s.get("/api/v1/dispatches", &n.dealer_tech).await;
    assert_eq!(list["items"][0]["id"], dispatch_id.as_str());
    let other = s.create_dealer("Eastside Copiers").await;
    let stranger = s.dealer_user(&other, DealerRole::DealerAdmin).await.token;
    for (method, path) in [
        (Method::GET, format!("/api/v1/dispatches/{dispatch_id}")),
        (
            Method::POST,
            format!("/api/v1/dispatches/{dispatch_id}/accept"),
        ),
    ] {
        s.expect_problem(
            method,
            &path,
            Some(&stranger),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let (_, none) = s.get("/api/v1/dispatches", &stranger).await;
    assert_eq!(none["items"], json!([]));

    // Without section 2 the labour is not compensated: shown, and an approval refused.
    let labour = format!("/api/v1/dispatches/{dispatch_id}/labor-compensation");
    let decide = format!("{labour}/decision");
    let warranty_admin = s.staff(StaffRole::WarrantyAdmin).await;
    let (_, l) = s.get(&labour, &n.dealer_tech).await;
    assert_eq!(l["eligible"], false, "{l}");
    assert_eq!(reason_codes(&l), vec!["not_closed_out"]);
    let approve = json!({"decision": "approved", "amount_minor": 12500, "currency": "USD"});
    let res = s
        .request(
            Method::POST,
            &decide,
            Some(&warranty_admin),
            Some(approve.clone()),
        )
        .await;
    let problem =
        assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "labour_not_eligible").await;
    assert_eq!(reason_codes(&problem), vec!["not_closed_out"]);
    s.expect_problem(
        Method::POST,
        &decide,
        Some(&warranty_admin),
        Some(json!({"decision": "rejected", "reason": "No report"})),
        StatusCode::CONFLICT,
        "dispatch_not_closed_out",
    )
    .await;
    let (_, l) = s.get(&labour, &n.cs).await;
    assert_eq!(l["decision"], Value::Null, "a refusal changes nothing");

    // Close-out needs acceptance first, then a valid section 2.
    let close_out = format!("/api/v1/dispatches/{dispatch_id}/close-out");
    n.clock.set(start() + Duration::hours(2));
    let section2 = |labour: i64| {
        json!({"arrived_at": start() + Duration::minutes(60), "completed_at": start() + Duration::minutes(90),
            "labour_minutes": labour, "resolution": "Replaced the print head",
            "technician": "Ted Field", "parts": [{"part_number": "QM7-1234", "quantity": 1, "defective": true}]})
    };
    s.expect_problem(
        Method::POST,
        &close_out,
        Some(&n.dealer_tech),
        Some(section2(30)),
        StatusCode::CONFLICT,
        "dispatch_not_accepted",
    )
    .await;
    let (status, accepted) = s
        .post(
            &format!("/api/v1/dispatches/{dispatch_id}/accept"),
            &n.dealer_tech,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, &accepted["status"]),
        (StatusCode::OK, &json!("accepted"))
    );
    let problem = s
        .expect_problem(
            Method::POST,
            &close_out,
            Some(&n.dealer_tech),
            Some(section2(31)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "labour_minutes");
    let (status, closed) = s.post(&close_out, &n.dealer_tech, section2(30)).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed_out");
    assert_eq!(closed["section2"]["parts"][0]["part_number"], "QM7-1234");

    // Closed out with section 2: eligible, and a warranty administrator approves once.
    let (_, l) = s.get(&labour, &n.dealer_tech).await;
    assert_eq!((&l["eligible"], &l["reasons"]), (&json!(true), &json!([])));
    s.expect_problem(
        Method::GET,
        &labour,
        Some(&stranger),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for token in [&n.cs, &n.call_center, &n.dealer_tech] {
        let (status, _) = s.post(&decide, token, approve.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    for bad in [
        json!({"decision": "approved"}),
        json!({"decision": "approved", "amount_minor": 12500, "currency": "dollars"}),
        json!({"decision": "rejected"}),
        json!({"decision": "rejected", "reason": "x", "amount_minor": 1, "currency": "USD"}),
        json!({"decision": "perhaps", "amount_minor": 1, "currency": "USD"}),
    ] {
        let (status, body) = s.post(&decide, &warranty_admin, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (status, decided) = s.post(&decide, &warranty_admin, approve.clone()).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["decision"]["decision"], "approved");
    assert_eq!(decided["decision"]["amount_minor"], 12500);
    assert_eq!(decided["decision"]["currency"], "USD");
    s.expect_problem(
        Method::POST,
        &decide,
        Some(&warranty_admin),
        Some(json!({"decision": "rejected", "reason": "Second thoughts"})),
        StatusCode::CONFLICT,
        "labour_decided",
    )
    .await;
    let (_, l) = s.get(&labour, &n.dealer_tech).await;
    assert_eq!(l["decision"]["decision"], "approved", "decided once");
    let (_, d) = s
        .get(&format!("/api/v1/dispatches/{dispatch_id}"), &n.dealer_tech)
        .await;
    assert_eq!(d["labour_decision"], "approved");

    // The dealer was mailed; the feed has the dispatch's life.
    let (_, dealer) = s.get(&format!("/api/v1/dealers/{}", n.dealer), &n.cs).await;
    s.notify().await;
    let mails = s.mails_to(dealer["contact_email"].as_str().unwrap()).await;
    assert!(
        mails.iter().any(|m| m.body.contains(&dispatch_id)),
        "{mails:?}"
    );
    let (_, feed) = s.get("/api/v1/events?limit=200", &n.cs).await;
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_id"] == dispatch_id.as_str())
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "dispatch.created",
            "dispatch.accepted",
            "dispatch.closed_out",
            "dispatch.labour_decided"
        ]
    );
    assert!(
        mails.iter().any(|m| m.subject.contains("Labour approved")),
        "{mails:?}"
    );
}

async fn a_warranty_marketing_program_device_is_not_dispatched(b: Backend) {
    let n = network(b).await;
    let s = &n.s;
    let (status, _) = s
        .post(
            "/api/v1/registrations",
            &n.dealer_tech,
            json!({"model_id": n.model, "serial_number": "PF-1", "warranty_marketing_program": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let call = call(&n, "PF-1").await;
    let id = call["id"].as_str().unwrap();
    for remedy in call["remedies"].as_array().unwrap() {
        s.post(
            &format!("/api/v1/calls/{id}/remedies"),
            &n.call_center,
            json!({"remedy_id": remedy["remedy_id"], "outcome": "failed"}),
        )
        .await;
    }
    let res = s
        .request(
            Method::POST,
            &format!("/api/v1/calls/{id}/dispatches"),
            Some(&n.call_center),
            None,
        )
        .await;
    let problem = assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "dispatch_not_eligible",
    )
    .await;
    assert_eq!(
        reason_codes(&problem),
        vec!["warranty_marketing_program", "in_warranty"]
    );
    let (_, still) = s.get(&format!("/api/v1/calls/{id}"), &n.call_center).await;
    assert_eq!(still["status"], "open", "a refusal changes nothing");
    let (_, list) = s.get("/api/v1/dispatches", &n.cs).await;
    assert_eq!(list["items"], json!([]));

    // Redirected instead: the dealer of record gets the caller's details.
    let (status, redirected) = s
        .post(
            &format!("/api/v1/calls/{id}/redirect"),
            &n.call_center,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{redirected}");
    assert_eq!(redirected["status"], "redirected");
    let (_, dealer) = s
        .get(&format!("/api/v1/dealers/{}", n.dealer), &n.dealer_tech)
        .await;
    let mails = s.mails_to(dealer["contact_email"].as_str().unwrap()).await;
    assert!(
        mails.iter().any(|m| m.body.contains("Maria Lopez")),
        "{mails:?}"
    );
}

/// A call for a serial no dealer registered: the call center's own service. A dispatch
/// planner assigns a field technician, who alone (of the technicians) reaches it, accepts it
/// and closes it out; no dealer is paid labour for it.
async fn the_call_centers_own_service_is_planned_and_pays_no_labour(b: Backend) {
    let n = network(b).await;
    let s = &n.s;
    let call = call(&n, "PF-1").await;
    let id = call["id"].as_str().unwrap();
    assert_eq!(call["dealer_of_record"], Value::Null);
    for remedy in call["remedies"].as_array().unwrap() {
        let (status, _) = s
            .post(
                &format!("/api/v1/calls/{id}/remedies"),
                &n.call_center,
                json!({"remedy_id": remedy["remedy_id"], "outcome": "failed"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, dispatch) = s
        .post(
            &format!("/api/v1/calls/{id}/dispatches"),
            &n.call_center,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispatch}");
    assert_eq!(
        (&dispatch["route"], &dispatch["dealer_id"]),
        (&json!("call_center"), &Value::Null)
    );
    let dispatch_id = dispatch["id"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/dispatches/{dispatch_id}{tail}");

    // No dealer reaches it; technicians only once assigned.
    s.expect_problem(
        Method::GET,
        &path(""),
        Some(&n.dealer_tech),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let planner = s.staff(StaffRole::DispatchPlanner).await;
    let technician = s.staff_user(StaffRole::Technician).await;
    let other_technician = s.staff(StaffRole::Technician).await;
    let (_, me) = s.get("/api/v1/me", &technician.token).await;
    let tech_id = me["id"].as_str().unwrap();
    s.expect_problem(
        Method::POST,
        &path("/accept"),
        Some(&technician.token),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, cs_me) = s.get("/api/v1/me", &n.cs).await;
    s.expect_problem(
        Method::PUT,
        &path("/technician"),
        Some(&planner),
        Some(json!({"technician_id": cs_me["id"]})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    for token in [&n.cs, &n.call_center, &technician.token] {
        let res = s
            .request(
                Method::PUT,
                &path("/technician"),
                Some(token),
                Some(json!({"technician_id": tech_id})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let (status, assigned) = s
        .send(
            Method::PUT,
            &path("/technician"),
            Some(&planner),
            Some(json!({"technician_id": tech_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["assigned_technician_id"], tech_id);

    let (_, mine) = s.get("/api/v1/dispatches", &technician.token).await;
    assert_eq!(mine["items"][0]["id"], dispatch_id.as_str());
    let (_, theirs) = s.get("/api/v1/dispatches", &other_technician).await;
    assert_eq!(theirs["items"], json!([]));
    s.expect_problem(
        Method::GET,
        &path(""),
        Some(&other_technician),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, planned) = s
        .get(
            &format!("/api/v1/dispatches?route=call_center&technician_id={tech_id}"),
            &planner,
        )
        .await;
    assert_eq!(planned["items"].as_array().unwrap().len(), 1);

    let (status, _) = s.post(&path("/accept"), &technician.token, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    n.clock.set(start() + Duration::hours(3));
    let (status, closed) = s
        .post(
            &path("/close-out"),
            &technician.token,
            json!({"arrived_at": start() + Duration::hours(1), "completed_at": start() + Duration::hours(2),
                "labour_minutes": 60, "resolution": "Cleaned the encoder strip", "technician": "Sam Field"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");

    // Closed out, in warranty, but nobody to compensate.
    let (_, l) = s.get(&path("/labor-compensation"), &planner).await;
    assert_eq!(reason_codes(&l), vec!["own_service"]);
    let warranty_admin = s.staff(StaffRole::WarrantyAdmin).await;
    s.expect_problem(
        Method::POST,
        &path("/labor-compensation/decision"),
        Some(&warranty_admin),
        Some(json!({"decision": "approved", "amount_minor": 100, "currency": "USD"})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "labour_not_eligible",
    )
    .await;
    s.expect_problem(
        Method::PUT,
        &path("/technician"),
        Some(&planner),
        Some(json!({"technician_id": null})),
        StatusCode::CONFLICT,
        "dispatch_closed_out",
    )
    .await;
}

/// Registers PF-1 with the network's dealer, takes a call through its remedies to a dispatch,
/// and has the dealer accept it and close it out with a defective QM7-1234 replaced.
async fn closed_out_dispatch(n: &Network) -> String {
    let s = &n.s;
    let (status, _) = s
        .post(
            "/api/v1/registrations",
            &n.dealer_tech,
            json!({"model_id": n.model, "serial_number": "PF-1", "warranty_marketing_program": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let call = call(n, "PF-1").await;
    let id = call["id"].as_str().unwrap();
    for remedy in call["remedies"].as_array().unwrap() {
        s.post(
            &format!("/api/v1/calls/{id}/remedies"),
            &n.call_center,
            json!({"remedy_id": remedy["remedy_id"], "outcome": "failed"}),
        )
        .await;
    }
    let (status, dispatch) = s
        .post(
            &format!("/api/v1/calls/{id}/dispatches"),
            &n.call_center,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispatch}");
    let dispatch_id = dispatch["id"].as_str().unwrap().to_owned();
    let (status, _) = s
        .post(
            &format!("/api/v1/dispatches/{dispatch_id}/accept"),
            &n.dealer_tech,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    n.clock.set(start() + Duration::hours(2));
    let (status, closed) = s
        .post(
            &format!("/api/v1/dispatches/{dispatch_id}/close-out"),
            &n.dealer_tech,
            json!({"arrived_at": start() + Duration::minutes(60), "completed_at": start() + Duration::minutes(90),
                "labour_minutes": 30, "resolution": "Replaced the carriage motor", "technician": "Ted Field",
                "parts": [{"part_number": "QM7-1234", "quantity": 1, "defective": true},
                          {"part_number": "QM7-0001", "quantity": 2, "defective": false}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    dispatch_id
}

/// A dealer claims the defective part of its own closed-out dispatch, or a part of a device
/// it registered, within the warranty; a warranty administrator decides once.
async fn warranty_claims_come_from_the_dealers_own_work_within_warranty(b: Backend) {
    let n = network(b).await;
    let s = &n.s;
    let dispatch_id = closed_out_dispatch(&n).await;
    let claim = |part: &str, failure: &str| {
        json!({"dispatch_id": dispatch_id, "part_number": part,
            "defect": "Carriage motor stalls under load", "failure_date": failure})
    };

    // Not another dealer's dispatch, only a part reported defective, within the warranty.
    let other = s.create_dealer("Eastside Copiers").await;
    let stranger = s.dealer_user(&other, DealerRole::DealerAdmin).await.token;
    let (status, body) = s
        .post(
            "/api/v1/warranty-claims",
            &stranger,
            claim("QM7-1234", "2026-06-15"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "dispatch_id");
    for (part, failure, field) in [
        ("QM7-0001", "2026-06-15", "part_number"),
        ("QM7-1234", "2026-06-16", "failure_date"),
    ] {
        let (status, body) = s
            .post(
                "/api/v1/warranty-claims",
                &n.dealer_tech,
                claim(part, failure),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let (status, _) = s
        .post(
            "/api/v1/warranty-claims",
            &n.cs,
            claim("QM7-1234", "2026-06-15"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only dealers claim");
    let (_, none) = s.get("/api/v1/warranty-claims", &n.cs).await;
    assert_eq!(none["items"], json!([]), "refusals change nothing");

    let (status, first) = s
        .post(
            "/api/v1/warranty-claims",
            &n.dealer_tech,
            claim("qm7-1234", "2026-06-15"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["part_number"], "QM7-1234", "as reported in section 2");
    assert_eq!(first["serial_number"], "PF-1");
    s.expect_problem(
        Method::POST,
        "/api/v1/warranty-claims",
        Some(&n.dealer_tech),
        Some(claim("QM7-1234", "2026-06-14")),
        StatusCode::CONFLICT,
        "claim_exists",
    )
    .await;
    let claim_id = first["id"].as_str().unwrap().to_owned();
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/warranty-claims/{claim_id}"),
        Some(&stranger),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (_, theirs) = s.get("/api/v1/warranty-claims", &stranger).await;
    assert_eq!(theirs["items"], json!([]));

    // A warranty administrator decides once; a rejected part may be claimed again.
    let decide = format!("/api/v1/warranty-claims/{claim_id}/decision");
    let warranty_admin = s.staff(StaffRole::WarrantyAdmin).await;
    let (status, _) = s
        .post(&decide, &n.dealer_tech, json!({"decision": "approved"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .post(&decide, &warranty_admin, json!({"decision": "rejected"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed"
    );
    let (status, rejected) = s
        .post(
            &decide,
            &warranty_admin,
            json!({"decision": "rejected", "reason": "Send the part in first"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["status"], "rejected");
    let steps: Vec<&str> = rejected["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, vec!["submitted", "rejected"]);
    s.expect_problem(
        Method::POST,
        &decide,
        Some(&warranty_admin),
        Some(json!({"decision": "approved"})),
        StatusCode::CONFLICT,
        "claim_decided",
    )
    .await;
    let (status, again) = s
        .post(
            "/api/v1/warranty-claims",
            &n.dealer_tech,
            claim("QM7-1234", "2026-06-15"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let (status, approved) = s
        .post(
            &format!(
                "/api/v1/warranty-claims/{}/decision",
                again["id"].as_str().unwrap()
            ),
            &warranty_admin,
            json!({"decision": "approved"}),
        )
        .await;
    assert_eq!(
        (status, &approved["status"]),
        (StatusCode::OK, &json!("approved"))
    );
    let (_, dealer) = s.get(&format!("/api/v1/dealers/{}", n.dealer), &n.cs).await;
    s.notify().await;
    let mails = s.mails_to(dealer["contact_email"].as_str().unwrap()).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.starts_with("Warranty claim rejected")),
        "{mails:?}"
    );

    // From a registration: the warranty the dealer reported (no portal device) decides.
    let (status, reg) = s
        .post(
            "/api/v1/registrations",
            &n.dealer_tech,
            json!({"model_id": n.model, "serial_number": "PF-9", "warranty_marketing_program": false,
                "warranty_end": "2026-03-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let by_registration = |failure: &str| {
        json!({"registration_id": reg["id"], "part_number": "QM7-5555", "defect": "Cracked gear",
            "failure_date": failure})
    };
    let (status, body) = s
        .post(
            "/api/v1/warranty-claims",
            &n.dealer_tech,
            by_registration("2026-04-01"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "failure_date");
    let (status, body) = s
        .post(
            "/api/v1/warranty-claims",
            &stranger,
            by_registration("2026-03-01"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "registration_id");
    let (status, body) = s
        .post(
            "/api/v1/warranty-claims",
            &n.dealer_tech,
            by_registration("2026-03-31"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["registration_id"], reg["id"]);
    let (_, all) = s
        .get("/api/v1/warranty-claims?status=submitted", &warranty_admin)
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);

    let (_, feed) = s.get("/api/v1/events?limit=200", &n.cs).await;
    let claim_events = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_type"] == "warranty_claim")
        .count();
    assert_eq!(claim_events, 2 + 2 + 1, "three submitted, two decided");
}

/// The dealer guide's rule: service is dispatched only for a service problem, and only when
/// telephone troubleshooting failed. A pre-sales question is never dispatched; a problem with
/// no catalogued remedy needs the agent's own attempt recorded as failed first.
async fn only_a_service_problem_whose_troubleshooting_failed_is_dispatched(b: Backend) {
    let n = network(b).await;
    let s = &n.s;
    let dispatch = |id: &str| format!("/api/v1/calls/{id}/dispatches");
    let refused = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();

    // A pre-sales question: refused, whatever is recorded on it.
    let (status, question) = s
        .post(
            "/api/v1/calls",
            &n.call_center,
            json!({"serial_number": "PF-1", "model_id": n.model, "reason": "pre_sales",
                "problem": "Does the 44-inch model print on canvas?", "caller": {"name": "Ola"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{question}");
    let question_id = question["id"].as_str().unwrap();
    let (status, body) = s
        .post(
            &format!("/api/v1/calls/{question_id}/attempts"),
            &n.call_center,
            json!({"description": "Explained the media list", "outcome": "failed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let res = s
        .request(
            Method::POST,
            &dispatch(question_id),
            Some(&n.call_center),
            None,
        )
        .await;
    let problem = assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "dispatch_not_eligible",
    )
    .await;
    assert!(
        reason_codes(&problem).contains(&"not_a_service_call".to_owned()),
        "{problem}"
    );
    let (_, still) = s
        .get(&format!("/api/v1/calls/{question_id}"), &n.call_center)
        .await;
    assert_eq!(
        still["status"], "open",
        "a refused dispatch changes nothing"
    );

    // A service problem in a category with no catalogued remedy.
    let (status, call) = s
        .post(
            "/api/v1/calls",
            &n.call_center,
            json!({"serial_number": "PF-1", "model_id": n.model, "reason": "service_problem",
                "problem_category": "finisher_noise", "problem": "Grinding noise from the finisher",
                "caller": {"name": "Ola"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    let id = call["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call["remedies"],
        json!([]),
        "nothing catalogued for this problem"
    );
    let eligibility = format!("/api/v1/calls/{id}/dispatch-eligibility");
    let (_, e) = s.get(&eligibility, &n.call_center).await;
    assert_eq!(e["eligible"], false, "{e}");
    assert_eq!(
        reason_codes(&e),
        refused(&[
            "no_troubleshooting_recorded",
            "no_dealer_of_record",
            "in_warranty"
        ])
    );
    let res = s
        .request(Method::POST, &dispatch(&id), Some(&n.call_center), None)
        .await;
    let problem = assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "dispatch_not_eligible",
    )
    .await;
    assert_eq!(reason_codes(&problem)[0], "no_troubleshooting_recorded");

    // An empty attempt or an unknown outcome is refused, a dealer may not record one, and an
    // attempt that solved the problem is no failed troubleshooting.
    for (token, body, expected) in [
        (
            &n.call_center,
            json!({"description": "  ", "outcome": "failed"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &n.call_center,
            json!({"description": "Tried", "outcome": "maybe"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &n.dealer_tech,
            json!({"description": "Tried", "outcome": "failed"}),
            StatusCode::FORBIDDEN,
        ),
        (
            &n.call_center,
            json!({"description": "Cleared the paper path", "outcome": "solved"}),
            StatusCode::CREATED,
        ),
    ] {
        let (status, answer) = s
            .post(&format!("/api/v1/calls/{id}/attempts"), token, body)
            .await;
        assert_eq!(status, expected, "{answer}");
    }
    let (_, e) = s.get(&eligibility, &n.call_center).await;
    assert_eq!(
        e["eligible"], false,
        "a solved attempt is no failed troubleshooting: {e}"
    );

    let (status, after) = s
        .post(
            &format!("/api/v1/calls/{id}/attempts"),
            &n.call_center,
            json!({"description": "Had the caller power-cycle the finisher; the noise returned",
                "outcome": "failed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    assert_eq!(after["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(after["attempts"][1]["outcome"], "failed");
    let (_, e) = s.get(&eligibility, &n.call_center).await;
    assert_eq!(e["eligible"], true, "{e}");
    assert_eq!(e["route"], json!({"kind": "call_center_service"}));
    let (status, dispatched) = s.post(&dispatch(&id), &n.call_center, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{dispatched}");
    assert_eq!(dispatched["route"], "call_center");
    let (_, closed) = s.get(&format!("/api/v1/calls/{id}"), &n.call_center).await;
    assert_eq!(closed["status"], "dispatched");
    let res = s
        .request(
            Method::POST,
            &format!("/api/v1/calls/{id}/attempts"),
            Some(&n.call_center),
            Some(json!({"description": "Late", "outcome": "failed"})),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "call_closed").await;
}
