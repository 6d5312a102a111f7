//! The cross-cutting HTTP mechanisms: problem+json everywhere, idempotency, the event feed,
//! and the operations endpoints.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    every_error_is_problem_json,
    idempotency_key_replays_and_refuses_other_bodies,
    simultaneous_retries_create_once,
    events_follow_changes_and_respect_scope,
    operations_endpoints_answer,
    a_whole_number_written_with_a_point_is_an_integer,
);

/// JSON Schema's `integer` is any number without a fraction: a client that writes `20.0`
/// is understood; `20.5` is not an integer and changes nothing.
async fn a_whole_number_written_with_a_point_is_an_integer(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-9301", "S-9301").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let period = format!("/api/v1/accounts/{account}/reading-period");
    let (status, body) = s
        .send(
            Method::PUT,
            &period,
            Some(&cs),
            Some(json!({"closing_day": 20.0})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["closing_day"], 20);
    s.expect_problem(
        Method::PUT,
        &period,
        Some(&cs),
        Some(json!({"closing_day": 20.5})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let (_, seen) = s.get(&format!("/api/v1/accounts/{account}"), &cs).await;
    assert_eq!(seen["reading_closing_day"], 20);
}

async fn every_error_is_problem_json(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let url = s.url("/api/v1/accounts");

    let res = s
        .client
        .post(&url)
        .bearer_auth(&cs)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;

    let big = json!({"customer_account_number": "C-1", "system_account_number": "S-1", "name": "x".repeat(70 * 1024)});
    let res = s
        .client
        .post(&url)
        .bearer_auth(&cs)
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let res = s
        .client
        .post(&url)
        .bearer_auth(&cs)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    let res = s
        .client
        .post(&url)
        .bearer_auth(&cs)
        .json(&json!({"name": 5}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    s.expect_problem(
        Method::GET,
        "/api/v1/no-such-thing",
        Some(&cs),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    s.expect_problem(
        Method::GET,
        "/nowhere",
        None,
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let res = s
        .request(Method::DELETE, "/api/v1/accounts", Some(&cs), None)
        .await;
    assert_eq!(res.headers()["allow"], "GET, POST");
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let res = s
        .request(Method::PUT, "/api/v1/accounts/some-id", Some(&cs), None)
        .await;
    assert_eq!(res.headers()["allow"], "GET, PATCH");
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

    s.expect_problem(
        Method::GET,
        "/api/v1/accounts?limit=abc",
        Some(&cs),
        None,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;

    let (_, list) = s.get("/api/v1/accounts", &cs).await;
    assert_eq!(
        list["items"],
        json!([]),
        "no refused request created anything"
    );
}

async fn post_with_key(s: &TestServer, token: &str, key: &str, body: &Value) -> reqwest::Response {
    s.client
        .post(s.url("/api/v1/accounts"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn idempotency_key_replays_and_refuses_other_bodies(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let body = json!({"customer_account_number": "C-8001", "system_account_number": "S-8001", "name": "Once AB"});

    let first = post_with_key(&s, &cs, "key-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();

    let retry = post_with_key(&s, &cs, "key-1", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry, first, "the retry gets the first response");

    let other = json!({"customer_account_number": "C-8002", "system_account_number": "S-8002", "name": "Twice AB"});
    let res = post_with_key(&s, &cs, "key-1", &other).await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;

    // Keys belong to their user: another user's identical key is a new request.
    let cs2 = s.staff(StaffRole::CustomerService).await;
    let res = post_with_key(&s, &cs2, "key-1", &other).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // A refused request is remembered too: the retry gets the same refusal.
    let res = post_with_key(&s, &cs, "key-2", &body).await;
    assert_problem(res, StatusCode::CONFLICT, "account_number_taken").await;
    let res = post_with_key(&s, &cs, "key-2", &body).await;
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_problem(res, StatusCode::CONFLICT, "account_number_taken").await;

    let (_, list) = s.get("/api/v1/accounts", &cs).await;
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["customer_account_number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        vec!["C-8001", "C-8002"],
        "nothing was created twice"
    );
}

async fn simultaneous_retries_create_once(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let body = json!({"customer_account_number": "C-8101", "system_account_number": "S-8101", "name": "Race AB"});
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, url, token, body) = (
            s.client.clone(),
            s.url("/api/v1/accounts"),
            cs.clone(),
            body.clone(),
        );
        tasks.spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(token)
                .header("idempotency-key", "race-key")
                .json(&body)
                .send()
                .await;
            res.unwrap().status()
        });
    }
    let statuses = tasks.join_all().await;
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "each attempt is created, replayed, or told the first is still running: {statuses:?}"
    );
    assert!(statuses.contains(&StatusCode::CREATED));
    let (_, list) = s.get("/api/v1/accounts", &cs).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "exactly one account was created"
    );
}

async fn events_follow_changes_and_respect_scope(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let (_, start) = s.get("/api/v1/events", &cs).await;
    let after = start["next_after"].as_i64().unwrap();
    let mine = s.create_account(&cs, "C-9001", "S-9001").await;
    let theirs = s.create_account(&cs, "C-9002", "S-9002").await;
    let (mine, theirs) = (mine["id"].as_str().unwrap(), theirs["id"].as_str().unwrap());
    s.patch(
        &format!("/api/v1/accounts/{mine}"),
        &cs,
        json!({"credit_rating": "poor"}),
    )
    .await;
    s.patch(
        &format!("/api/v1/accounts/{theirs}"),
        &cs,
        json!({"name": "Theirs AB"}),
    )
    .await;

    let (status, feed) = s.get(&format!("/api/v1/events?after={after}"), &cs).await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<(&str, &str)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["account_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("account.created", mine),
            ("account.created", theirs),
            ("account.credit_updated", mine),
            ("account.updated", theirs)
        ]
    );
    let seqs: Vec<i64> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(feed["next_after"], *seqs.last().unwrap());
    let (_, rest) = s
        .get(&format!("/api/v1/events?after={}", seqs[1]), &cs)
        .await;
    assert_eq!(
        rest["items"].as_array().unwrap().len(),
        2,
        "?after= continues where the reader left off"
    );

    // The customer sees its own account's events, minus the staff-only credit change.
    let admin = s.customer(mine, CustomerRole::Administrator).await;
    let (_, feed) = s.get("/api/v1/events", &admin).await;
    let items = feed["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|e| e["account_id"] == mine), "{feed}");
    assert!(
        items.iter().all(|e| e["kind"] != "account.credit_updated"),
        "the credit change is customer service's: {feed}"
    );

    let reader = s.customer(mine, CustomerRole::KnowledgeUser).await;
    s.expect_problem(
        Method::GET,
        "/api/v1/events",
        Some(&reader),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    s.expect_problem(
        Method::GET,
        "/api/v1/events?after=-1",
        Some(&cs),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

async fn metrics_text(s: &TestServer) -> String {
    let res = s.client.get(s.url("/metrics")).send().await.unwrap();
    res.text().await.unwrap()
}

async fn operations_endpoints_answer(b: Backend) {
    let s = TestServer::start(b).await;
    let (status, body) = s.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, body) = s.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );

    let res = s
        .client
        .get(s.url("/healthz"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-42");
    let res = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert!(
        !res.headers()["x-request-id"].is_empty(),
        "a request id is made up when none is sent"
    );

    let res = s.client.get(s.url("/swagger-ui")).send().await.unwrap();
    assert!(res.status().is_redirection());
    let res = s.client.get(s.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("swagger-ui"));

    let cs = s.staff(StaffRole::CustomerService).await;
    s.get("/api/v1/accounts/missing", &cs).await;
    let metrics = metrics_text(&s).await;
    assert!(metrics.contains(r#"fleetdesk_http_requests_total{method="GET",route="/api/v1/accounts/{id}",status="404"} 1"#), "{metrics}");
    assert!(
        metrics.contains(
            r#"fleetdesk_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 3"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("fleetdesk_db_pool_connections{state=\"idle\"}"));
    assert!(metrics.contains("fleetdesk_db_pool_max_connections 8"));

    // Every request above waited for a thread and a connection: the waits are counted, each
    // in the buckets up to the catch-all, and three more requests count three more of each.
    let waits = |text: &str, resource: &str| -> u64 {
        let value = |series: &str| -> u64 {
            let line = text
                .lines()
                .find(|l| l.starts_with(series))
                .unwrap_or_else(|| panic!("no {series} in:\n{text}"));
            line.rsplit(' ').next().unwrap().parse().unwrap()
        };
        let count = value(&format!(
            "fleetdesk_wait_seconds_count{{resource=\"{resource}\"}} "
        ));
        let all = value(&format!(
            "fleetdesk_wait_seconds_bucket{{resource=\"{resource}\",le=\"+Inf\"}} "
        ));
        let lowest = value(&format!(
            "fleetdesk_wait_seconds_bucket{{resource=\"{resource}\",le=\"0.0001\"}} "
        ));
        assert_eq!(count, all, "{text}");
        assert!(lowest <= all, "{text}");
        count
    };
    let before = [waits(&metrics, "thread"), waits(&metrics, "connection")];
    assert!(before.iter().all(|n| *n >= 3), "{metrics}");
    for _ in 0..3 {
        s.get("/api/v1/accounts/missing", &cs).await;
    }
    let metrics = metrics_text(&s).await;
    let after = [waits(&metrics, "thread"), waits(&metrics, "connection")];
    for (b, a) in before.iter().zip(after) {
        assert!(a >= b + 3, "{before:?} then {after:?}:\n{metrics}");
    }
}
