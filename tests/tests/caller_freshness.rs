//! Who the caller is (their user, memberships, roles, assignments) is asked of the database
//! with every request, in the same statement as the request's first query where it can be; a
//! process keeps a caller it has read only while the database says they are unchanged
//! (`caller_version`): a change takes effect on the caller's very next request, whichever
//! server process serves it.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, PASSWORD, ServerProcess, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(a_change_to_the_caller_takes_effect_on_their_next_request_in_every_process);

/// One request to a server process; its status and body.
async fn call(
    s: &TestServer,
    process: &ServerProcess,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = s
        .client
        .request(method, process.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn a_change_to_the_caller_takes_effect_on_their_next_request_in_every_process(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-1601", "S-1601").await;
    let account_id = account["id"].as_str().unwrap();
    let site = s
        .create_site(&cs, account_id, "Head office", "Europe/Stockholm")
        .await;
    let model = s.create_model(&cs, "Press 16", 60, &["black"]).await;
    let mut devices = Vec::new();
    for serial in ["P16-1", "P16-2", "P16-3"] {
        let device = s
            .create_device(&cs, account_id, &site, &model, serial)
            .await;
        devices.push(device["id"].as_str().unwrap().to_owned());
    }
    let admin = s.customer(account_id, CustomerRole::Administrator).await;
    let manager = s
        .customer_user(account_id, CustomerRole::DeviceManager)
        .await;
    let (_, me) = s.get("/api/v1/me", &manager.token).await;
    let manager_id = me["id"].as_str().unwrap().to_owned();
    s.assign_devices(
        &admin,
        account_id,
        &manager.token,
        &[&devices[0], &devices[1], &devices[2]],
    )
    .await;

    // Two more server processes on the same database; each serves the manager a request
    // first, so that whatever a process might keep, it has.
    let first = ServerProcess::start(&s.database_url).await;
    let second = ServerProcess::start(&s.database_url).await;
    let device = |i: usize| format!("/api/v1/devices/{}", devices[i]);
    let reading = |i: usize| format!("/api/v1/devices/{}/meter-readings", devices[i]);
    let values = json!({"values": {"black": 1200}});
    for (p, process) in [&first, &second].into_iter().enumerate() {
        for i in 0..3 {
            let (status, body) =
                call(&s, process, Method::GET, &device(i), &manager.token, None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = call(
            &s,
            process,
            Method::POST,
            &reading(p),
            &manager.token,
            Some(values.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    // The administrator takes the first device away (through the first process): the second
    // process refuses it on the next request, and still serves the others.
    let (status, body) = call(
        &s,
        &first,
        Method::PUT,
        &format!("/api/v1/accounts/{account_id}/members/{manager_id}/devices"),
        &admin,
        Some(json!({"device_ids": [devices[1], devices[2]]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(&s, &second, Method::GET, &device(0), &manager.token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = call(
        &s,
        &second,
        Method::POST,
        &reading(0),
        &manager.token,
        Some(values.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = call(&s, &second, Method::GET, &device(1), &manager.token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A new role (through the second process): a knowledge user submits no readings, in the
    // first process either.
    let (status, body) = call(
        &s,
        &second,
        Method::PATCH,
        &format!("/api/v1/accounts/{account_id}/members/{manager_id}"),
        &admin,
        Some(json!({"role": "knowledge-user"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        &s,
        &first,
        Method::POST,
        &reading(2),
        &manager.token,
        Some(values.clone()),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a knowledge user's reading: {body}"
    );

    // Removed from the account (through the first process): nothing of it in the second.
    let (status, body) = call(
        &s,
        &first,
        Method::DELETE,
        &format!("/api/v1/accounts/{account_id}/members/{manager_id}"),
        &admin,
        None,
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    for i in 0..3 {
        let (status, body) = call(&s, &second, Method::GET, &device(i), &manager.token, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }

    // A manager of a whole site (assigned through the first process) sees a device added to
    // the site since the second process last served them, and loses the site's devices at once
    // when the assignment ends.
    let site_manager = s
        .customer_user(account_id, CustomerRole::DeviceManager)
        .await;
    let (_, me) = s.get("/api/v1/me", &site_manager.token).await;
    let site_manager_id = me["id"].as_str().unwrap().to_owned();
    let sites = format!("/api/v1/accounts/{account_id}/members/{site_manager_id}/sites");
    let (status, body) = call(
        &s,
        &first,
        Method::PUT,
        &sites,
        &admin,
        Some(json!({"site_ids": [site]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        &s,
        &second,
        Method::GET,
        &device(0),
        &site_manager.token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let added = s
        .create_device(&cs, account_id, &site, &model, "P16-4")
        .await;
    let added = format!("/api/v1/devices/{}", added["id"].as_str().unwrap());
    let (status, body) = call(&s, &second, Method::GET, &added, &site_manager.token, None).await;
    assert_eq!(status, StatusCode::OK, "a device added to the site: {body}");
    let (status, body) = call(
        &s,
        &first,
        Method::PUT,
        &sites,
        &admin,
        Some(json!({"site_ids": []})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for path in [&added, &device(0)] {
        let (status, body) = call(&s, &second, Method::GET, path, &site_manager.token, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }

    // A changed password signs out every token at once: the old one is refused by both.
    let other = s
        .customer_user(account_id, CustomerRole::DeviceManager)
        .await;
    s.assign_devices(&admin, account_id, &other.token, &[&devices[2]])
        .await;
    let (status, body) = call(&s, &second, Method::GET, &device(2), &other.token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Tokens carry whole seconds: a token issued in the same second as the change would stand.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = call(
        &s,
        &first,
        Method::POST,
        "/api/v1/me/password",
        &other.token,
        Some(json!({"current_password": PASSWORD, "new_password": "a much longer passphrase 16"})),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    for process in [&first, &second] {
        let (status, body) = call(&s, process, Method::GET, &device(2), &other.token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, body) = call(
            &s,
            process,
            Method::POST,
            &reading(2),
            &other.token,
            Some(values.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
}
