//! A dealer's dispatch system, end to end, as the README's integration guide describes it:
//! the dealer's administrator creates an API client; the system takes a token, subscribes a
//! webhook, receives `dispatch.created` with section 1, accepts and closes the dispatch out
//! through the API with `Idempotency-Key` (a retry replays), and receives
//! `dispatch.labour_decided`.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{DealerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(a_dealers_system_works_a_dispatch_through_a_client_and_webhooks);

/// Receives webhook deliveries on loopback and keeps (event, body).
async fn receiver() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let got: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let shared = got.clone();
    let server = HttpServer::new(move || {
        let got = shared.clone();
        App::new().default_service(web::to(
            move |req: actix_web::HttpRequest, body: web::Bytes| {
                let got = got.clone();
                async move {
                    let kind = req
                        .headers()
                        .get("fleetdesk-event")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    got.lock()
                        .unwrap()
                        .push((kind, serde_json::from_slice(&body).unwrap()));
                    HttpResponse::NoContent().finish()
                }
            },
        ))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}/fleetdesk"), got)
}

async fn wait_for(got: &Arc<Mutex<Vec<(String, Value)>>>, kind: &str) -> Value {
    for _ in 0..400 {
        if let Some((_, body)) = got.lock().unwrap().iter().find(|(k, _)| k == kind) {
            return body.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} delivered: {:?}", got.lock().unwrap());
}

async fn a_dealers_system_works_a_dispatch_through_a_client_and_webhooks(b: Backend) {
    let start = Utc.with_ymd_and_hms(2026, 6, 15, 14, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let c = clock.clone();
    let s = TestServer::start_configured(b, move |config| config.clock = c).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let call_center = s.staff(StaffRole::CallCenter).await;
    let warranty = s.staff(StaffRole::WarrantyAdmin).await;
    let account = s.create_account(&cs, "C-7300", "S-7300").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "America/New_York").await;
    let model = s.create_model(&cs, "Plotter 44", 2, &["area-m2"]).await;
    s.create_device(&cs, &account, &site, &model, "PF-73").await;
    let dealer = s.create_dealer("Westside Office Systems").await;
    let dealer_admin = s.dealer_user(&dealer, DealerRole::DealerAdmin).await.token;
    let (status, _) = s
        .post(
            "/api/v1/registrations",
            &dealer_admin,
            json!({"model_id": model, "serial_number": "PF-73", "warranty_marketing_program": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // 1. The dealer's administrator creates the system's API client.
    let (status, client) = s
        .post(
            "/api/v1/api-clients",
            &dealer_admin,
            json!({"name": "Westside dispatch system",
                "scopes": ["dispatches:read", "dispatches:write", "events:read", "webhooks:manage"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{client}");
    let client_id = client["client_id"].as_str().unwrap().to_owned();

    // 2. The system takes a token with its credentials, and subscribes.
    let res = s
        .client
        .post(s.url("/api/v1/oauth/token"))
        .basic_auth(&client_id, client["client_secret"].as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let token: Value = res.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let (url, got) = receiver().await;
    let (status, hook) = s
        .post(
            "/api/v1/webhooks",
            &token,
            json!({"url": url, "events": ["dispatch.created", "dispatch.labour_decided"],
                "description": "Dispatch system"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    assert_eq!(hook["dealer_id"], dealer.as_str());
    assert_eq!(hook["created_by"], client_id.as_str());

    // 3. The call center dispatches a call to the dealer of record.
    let (status, call) = s
        .post(
            "/api/v1/calls",
            &call_center,
            json!({"serial_number": "PF-73", "model_id": model, "reason": "service_problem",
                "problem_category": "paper_feed", "problem": "Paper jams at the rear feeder",
                "caller": {"name": "Maria Lopez", "phone": "+1 212 555 0100"},
                "site_address": "350 Fifth Avenue, New York"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{call}");
    let call_id = call["id"].as_str().unwrap();
    let (status, body) = s
        .post(
            &format!("/api/v1/calls/{call_id}/attempts"),
            &call_center,
            json!({"description": "Cleared the rear feeder with the caller", "outcome": "failed"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, dispatch) = s
        .post(
            &format!("/api/v1/calls/{call_id}/dispatches"),
            &call_center,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispatch}");
    let dispatch_id = dispatch["id"].as_str().unwrap().to_owned();

    // 4. dispatch.created arrives with section 1: the job, from the event alone.
    let created = wait_for(&got, "dispatch.created").await;
    assert_eq!(created["subject_id"], dispatch_id.as_str());
    assert_eq!(created["dealer_id"], dealer.as_str());
    let section1 = &created["payload"]["section1"];
    assert_eq!(section1["device"]["serial_number"], "PF-73");
    assert_eq!(section1["site_and_contact"]["caller"], "Maria Lopez");
    assert_eq!(section1, &dispatch["section1"]);

    // 5. The system accepts and closes out, each call with an Idempotency-Key: a retry
    //    replays the first answer and changes nothing.
    let send = |path: String, key: &'static str, body: Value| {
        let (s, token) = (&s, token.clone());
        async move {
            s.client
                .post(s.url(&path))
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let accept = format!("/api/v1/dispatches/{dispatch_id}/accept");
    let first = send(accept.clone(), "accept-73", json!({})).await;
    assert_eq!(first.status(), StatusCode::OK);
    let retry = send(accept, "accept-73", json!({})).await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    clock.set(start + chrono::Duration::hours(2));
    let section2 = json!({"arrived_at": start + chrono::Duration::minutes(60),
        "completed_at": start + chrono::Duration::minutes(90), "labour_minutes": 30,
        "resolution": "Replaced the rear feed roller", "technician": "Ted Field",
        "parts": [{"part_number": "RF-2200", "quantity": 1, "defective": true}]});
    let close_out = format!("/api/v1/dispatches/{dispatch_id}/close-out");
    let closed = send(close_out.clone(), "close-out-73", section2.clone()).await;
    assert_eq!(closed.status(), StatusCode::OK);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["status"], "closed_out");
    let again = send(close_out, "close-out-73", section2).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");

    // 6. The warranty administrator decides the labour; the system hears of it.
    let (status, body) = s
        .post(
            &format!("/api/v1/dispatches/{dispatch_id}/labor-compensation/decision"),
            &warranty,
            json!({"decision": "approved", "amount_minor": 9000, "currency": "USD"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let decided = wait_for(&got, "dispatch.labour_decided").await;
    assert_eq!(decided["subject_id"], dispatch_id.as_str());
    assert_eq!(decided["payload"]["decision"], "approved");
    assert_eq!(decided["payload"]["amount_minor"], 9000);
    // Only the kinds subscribed to, each once.
    let kinds: Vec<String> = got.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(kinds, ["dispatch.created", "dispatch.labour_decided"]);
    // The dispatch's feed shows the client as who accepted and closed it out.
    let (_, feed) = s.get("/api/v1/events?limit=200", &token).await;
    let actors: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "dispatch.accepted" || e["kind"] == "dispatch.closed_out")
        .map(|e| &e["actor_id"])
        .collect();
    assert_eq!(actors, [client_id.as_str(), client_id.as_str()]);
    let (status, _) = s
        .send(Method::GET, "/api/v1/calls", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "calls are the call center's");
}
