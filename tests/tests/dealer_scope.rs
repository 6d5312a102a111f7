//! The dealer scope matrix: two dealers, both dealer roles in each, every dealer-network
//! endpoint on a dealer's objects. No dealer's user ever reads or changes the other dealer's
//! objects (404); on their own each role gets exactly the actions of the role table (403 for
//! the rest); customers take no dealer-network action at all; lists show the own dealer's
//! objects only.
#![expect(clippy::unwrap_used, reason = "tests")]

use chrono::{DateTime, Duration, TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{CustomerRole, DealerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(every_dealer_role_reaches_exactly_its_own_dealer);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 9, 0, 0).unwrap()
}

struct World {
    s: TestServer,
    clock: Clock,
    cs: String,
    call_center: String,
    model: String,
}

/// One dealer's objects that the calls act on; fresh for every caller, because allowed
/// calls consume them (an accepted dispatch, an ended registration, a removed user).
struct Fixture {
    dealer: String,
    registration: String,
    registration_to_end: String,
    waiting: String,
    accepted: String,
    closed_out: String,
    claim: String,
    user_to_remove: String,
}

fn section2() -> Value {
    json!({"arrived_at": t0() + Duration::hours(1), "completed_at": t0() + Duration::hours(2),
        "labour_minutes": 45, "resolution": "Replaced the fuser", "technician": "Ted Field",
        "parts": [{"part_number": "FU-100", "quantity": 1, "defective": true}]})
}

async fn ok(w: &World, method: Method, path: &str, token: &str, body: Value) -> Value {
    let (status, answer) = w.s.send(method, path, Some(token), Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

async fn dispatch(w: &World, admin: &str, serial: &str) -> String {
    ok(
        w,
        Method::POST,
        "/api/v1/registrations",
        admin,
        json!({"model_id": w.model, "serial_number": serial, "warranty_marketing_program": false,
            "warranty_end": "2030-01-01"}),
    )
    .await;
    // No remedies are catalogued for "other": one failed attempt of the agent's makes the
    // call eligible.
    let call = ok(
        w,
        Method::POST,
        "/api/v1/calls",
        &w.call_center,
        json!({"serial_number": serial, "model_id": w.model, "reason": "service_problem",
            "problem_category": "other", "problem": "Grinding noise", "caller": {"name": "Caller"}}),
    )
    .await;
    let call_id = call["id"].as_str().unwrap();
    ok(
        w,
        Method::POST,
        &format!("/api/v1/calls/{call_id}/attempts"),
        &w.call_center,
        json!({"description": "Power-cycled the printer; the noise came back", "outcome": "failed"}),
    )
    .await;
    let path = format!("/api/v1/calls/{call_id}/dispatches");
    let d = ok(w, Method::POST, &path, &w.call_center, json!({})).await;
    d["id"].as_str().unwrap().to_owned()
}

async fn fixture(w: &World, dealer: &str, n: usize) -> Fixture {
    let s = &w.s;
    w.clock.set(t0());
    let admin = s.dealer_user(dealer, DealerRole::DealerAdmin).await.token;
    let leaving = s
        .dealer_user(dealer, DealerRole::DealerTechnician)
        .await
        .token;
    let (_, me) = s.get("/api/v1/me", &leaving).await;
    let mut registrations = Vec::new();
    for k in 0..2 {
        let r = ok(
            w,
            Method::POST,
            "/api/v1/registrations",
            &admin,
            json!({"model_id": w.model, "serial_number": format!("R{n}-{k}"), "warranty_marketing_program": false}),
        )
        .await;
        registrations.push(r["id"].as_str().unwrap().to_owned());
    }
    let waiting = dispatch(w, &admin, &format!("D{n}-W")).await;
    let accepted = dispatch(w, &admin, &format!("D{n}-A")).await;
    let closed_out = dispatch(w, &admin, &format!("D{n}-C")).await;
    for id in [&accepted, &closed_out] {
        ok(
            w,
            Method::POST,
            &format!("/api/v1/dispatches/{id}/accept"),
            &admin,
            json!({}),
        )
        .await;
    }
    w.clock.set(t0() + Duration::hours(3));
    let close_out = format!("/api/v1/dispatches/{closed_out}/close-out");
    ok(w, Method::POST, &close_out, &admin, section2()).await;
    let claim = ok(
        w,
        Method::POST,
        "/api/v1/warranty-claims",
        &admin,
        json!({"dispatch_id": closed_out, "part_number": "FU-100", "defect": "Cracked roller",
            "failure_date": "2026-06-14"}),
    )
    .await;
    Fixture {
        dealer: dealer.to_owned(),
        registration: registrations[0].clone(),
        registration_to_end: registrations[1].clone(),
        waiting,
        accepted,
        closed_out,
        claim: claim["id"].as_str().unwrap().to_owned(),
        user_to_remove: me["id"].as_str().unwrap().to_owned(),
    }
}

/// What a call does, in the words of the role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Reading the dealer's objects: every dealer role.
    Read,
    /// Registering serials and working dispatches: every dealer role.
    Work,
    /// Inviting and removing the dealer's users: dealer administrators.
    ManageUsers,
    /// Warranty administrators' and dispatch planners' actions.
    StaffOnly,
}

fn calls(f: &Fixture, n: usize) -> Vec<(Kind, Method, String, Option<Value>)> {
    let d = &f.dealer;
    let x = &f.closed_out;
    let c = &f.claim;
    let approve = json!({"decision": "approved", "amount_minor": 100, "currency": "USD"});
    vec![
        (
            Kind::Read,
            Method::GET,
            format!("/api/v1/dealers/{d}"),
            None,
        ),
        (
            Kind::Read,
            Method::GET,
            format!("/api/v1/dealers/{d}/users"),
            None,
        ),
        (
            Kind::Read,
            Method::GET,
            format!("/api/v1/registrations/{}", f.registration),
            None,
        ),
        (
            Kind::Read,
            Method::GET,
            format!("/api/v1/dispatches/{x}"),
            None,
        ),
        (
            Kind::Read,
            Method::GET,
            format!("/api/v1/dispatches/{x}/labor-compensation"),
            None,
        ),
        (
            Kind::Read,
            Method::GET,
            format!("/api/v1/warranty-claims/{c}"),
            None,
        ),
        (
            Kind::Work,
            Method::POST,
            format!("/api/v1/dispatches/{}/accept", f.waiting),
            None,
        ),
        (
            Kind::Work,
            Method::POST,
            format!("/api/v1/dispatches/{}/close-out", f.accepted),
            Some(section2()),
        ),
        (
            Kind::Work,
            Method::DELETE,
            format!("/api/v1/registrations/{}", f.registration_to_end),
            None,
        ),
        (
            Kind::ManageUsers,
            Method::GET,
            format!("/api/v1/dealers/{d}/invitations"),
            None,
        ),
        (
            Kind::ManageUsers,
            Method::POST,
            format!("/api/v1/dealers/{d}/invitations"),
            Some(json!({"email": format!("new{n}@dealer.test"), "role": "dealer-technician"})),
        ),
        (
            Kind::ManageUsers,
            Method::PUT,
            format!("/api/v1/dealers/{d}/users/{}", f.user_to_remove),
            Some(json!({"role": "dealer-technician"})),
        ),
        (
            Kind::ManageUsers,
            Method::DELETE,
            format!("/api/v1/dealers/{d}/users/{}", f.user_to_remove),
            None,
        ),
        (
            Kind::StaffOnly,
            Method::POST,
            format!("/api/v1/dispatches/{x}/labor-compensation/decision"),
            Some(approve),
        ),
        (
            Kind::StaffOnly,
            Method::POST,
            format!("/api/v1/warranty-claims/{c}/decision"),
            Some(json!({"decision": "approved"})),
        ),
        (
            Kind::StaffOnly,
            Method::PUT,
            format!("/api/v1/dispatches/{x}/technician"),
            Some(json!({"technician_id": null})),
        ),
    ]
}

/// The role table of the domain, for the calls above, written out independently of the code.
fn allowed(role: DealerRole, kind: Kind) -> bool {
    match kind {
        Kind::Read | Kind::Work => true,
        Kind::ManageUsers => role == DealerRole::DealerAdmin,
        Kind::StaffOnly => false,
    }
}

const LISTS: [&str; 3] = [
    "/api/v1/registrations?limit=200",
    "/api/v1/dispatches?limit=200",
    "/api/v1/warranty-claims?limit=200",
];

async fn every_dealer_role_reaches_exactly_its_own_dealer(b: Backend) {
    let clock = Clock::fixed(t0());
    let c = clock.clone();
    let s = TestServer::start_configured(b, move |config| config.clock = c).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let call_center = s.staff(StaffRole::CallCenter).await;
    let model = s.create_model(&cs, "Scope 40", 40, &["black"]).await;
    let w = World {
        s,
        clock,
        cs,
        call_center,
        model,
    };
    let s = &w.s;
    let mut n = 0;
    let mut checked = 0;
    let dealers = [
        s.create_dealer("Dealer A").await,
        s.create_dealer("Dealer B").await,
    ];
    for (i, own) in dealers.iter().enumerate() {
        for role in DealerRole::ALL {
            let token = s.dealer_user(own, *role).await.token;
            // The caller's own dealer's objects, then the other dealer's.
            for (mine, target) in [(true, own), (false, &dealers[1 - i])] {
                n += 1;
                let f = fixture(&w, target, n).await;
                for (kind, method, path, body) in calls(&f, n) {
                    let (status, answer) = s.send(method.clone(), &path, Some(&token), body).await;
                    let what =
                        format!("{role} (own: {mine}): {method} {path} -> {status} {answer}");
                    match (mine, allowed(*role, kind)) {
                        (true, true) => assert!(status.is_success(), "{what}"),
                        (true, false) => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                        (false, _) => assert_eq!(status, StatusCode::NOT_FOUND, "{what}"),
                    }
                    checked += 1;
                }
            }
            for path in LISTS {
                let (status, list) = s.get(path, &token).await;
                assert_eq!(status, StatusCode::OK, "{role} {path}");
                let items = list["items"].as_array().unwrap();
                assert!(!items.is_empty(), "{role} {path}");
                for item in items {
                    assert_eq!(
                        &item["dealer_id"], own,
                        "{role} {path} shows another dealer's: {item}"
                    );
                }
            }
        }
    }
    assert_eq!(
        checked,
        2 * DealerRole::ALL.len() * 2 * 16,
        "both dealers, every role, own and other, every call"
    );

    // Customers take no dealer-network action, not even reading.
    let account = s.create_account(&w.cs, "C-6101", "S-6101").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let customer = s.customer(&account, CustomerRole::Administrator).await;
    n += 1;
    let f = fixture(&w, &dealers[0], n).await;
    for (_, method, path, body) in calls(&f, n) {
        let (status, _) = s.send(method.clone(), &path, Some(&customer), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "customer: {method} {path}");
    }
    for path in LISTS {
        let (status, _) = s.get(path, &customer).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "customer: {path}");
    }
}
