//! The demo data set the README promises: it loads once on either backend, its sign-ins
//! work, and its dealer network is ready to try (a call eligible for dispatch to the dealer).
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_api::bootstrap::{DEMO_DEVICE_CREDENTIAL, DEMO_PASSWORD, demo_seed};
use fleetdesk_tests::{Backend, StatusCode, TestServer, both_backends};
use serde_json::{Value, json};

both_backends!(the_demo_data_set_is_ready_to_try);

async fn seed(s: &TestServer) -> String {
    let (db, now) = (s.db.clone(), s.clock.now());
    tokio::task::spawn_blocking(move || demo_seed(&db, now).unwrap())
        .await
        .unwrap()
}

async fn token(s: &TestServer, email: &str) -> String {
    s.login(email, DEMO_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn the_demo_data_set_is_ready_to_try(b: Backend) {
    let s = TestServer::start(b).await;
    let report = seed(&s).await;
    assert!(report.starts_with("Loaded the demo data set."), "{report}");
    assert!(
        seed(&s)
            .await
            .starts_with("The demo data set is loaded already.")
    );

    let call_center = token(&s, "callcenter@fleetdesk.example").await;
    let (_, calls) = s.get("/api/v1/calls?status=open", &call_center).await;
    let calls = calls["items"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call_id = calls[0]["id"].as_str().unwrap();
    let (_, eligibility) = s
        .get(
            &format!("/api/v1/calls/{call_id}/dispatch-eligibility"),
            &call_center,
        )
        .await;
    assert_eq!(eligibility["eligible"], true, "{eligibility}");
    let (status, dispatch) = s
        .post(
            &format!("/api/v1/calls/{call_id}/dispatches"),
            &call_center,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dispatch}");

    let dealer_tech = token(&s, "tech@hvos.example").await;
    let (_, mine) = s.get("/api/v1/dispatches", &dealer_tech).await;
    assert_eq!(mine["items"][0]["id"], dispatch["id"]);
    let (_, registrations) = s.get("/api/v1/registrations", &dealer_tech).await;
    let serials: Vec<&str> = registrations["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["serial_number"].as_str().unwrap())
        .collect();
    assert_eq!(serials, vec!["HG-0001", "XR-5001"]);

    // The stock manager sees the print room and its open order; the demo agent reports.
    let stock = token(&s, "stock@nordicprint.example").await;
    let (_, locations) = s.get("/api/v1/stock-locations", &stock).await;
    assert_eq!(locations["items"][0]["name"], "Stockholm print room");
    let (_, orders) = s
        .get("/api/v1/replenishment-orders?status=open", &stock)
        .await;
    assert_eq!(orders["items"].as_array().unwrap().len(), 1);
    let admin = token(&s, "admin@nordicprint.example").await;
    let (_, devices) = s.get("/api/v1/devices?serial_number=NP-1002", &admin).await;
    let device = devices["items"][0]["id"].as_str().unwrap();
    let (status, answer) = s
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/devices/{device}/supply-levels"),
            Some(DEMO_DEVICE_CREDENTIAL),
            Some(json!({"supplies": [{"part_number": "DR-1001", "level_percent": 4}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["outcome"], "ordered");
    assert!(report.contains(DEMO_DEVICE_CREDENTIAL));

    // The knowledge user finds the published toner article, not the draft.
    let reader = token(&s, "reader@nordicprint.example").await;
    let (_, found) = s.get("/api/v1/knowledge/articles?q=toner", &reader).await;
    let titles: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["Streaks after a toner change"]);

    // Every sign-in the report lists works: 5 staff, 5 customers, the newcomer, 2 dealers.
    let mut signed_in = 0;
    for line in report.lines() {
        let Some(email) = line
            .split_whitespace()
            .find(|w| w.contains('@') && w.ends_with(".example"))
        else {
            continue;
        };
        let (status, body): (StatusCode, Value) = s
            .send(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": DEMO_PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{email}: {body}");
        signed_in += 1;
    }
    assert_eq!(signed_in, 13, "{report}");
}
