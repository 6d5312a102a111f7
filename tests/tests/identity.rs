//! Registration with e-mail confirmation over real SMTP, address corrections, invitations,
//! join requests, memberships and sign-in throttling.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::time::Duration;

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::smtp::SmtpServer;
use fleetdesk_tests::{
    Backend, PASSWORD, StatusCode, TestServer, assert_problem, both_backends, token_in,
};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    register_confirm_and_sign_in_over_real_smtp,
    expired_confirmation_tokens_are_refused,
    resend_and_register_answer_alike_for_every_address,
    customer_service_corrects_an_address_and_forces_reconfirmation,
    invitations_add_new_and_existing_users,
    join_requests_are_approved_or_rejected,
    the_last_administrator_cannot_leave,
    concurrent_demotions_keep_an_administrator,
    repeated_failed_sign_ins_are_slowed_down,
    mail_survives_a_relay_outage,
);

async fn register(
    s: &TestServer,
    email: &str,
    account_number: Option<&str>,
) -> (StatusCode, Value) {
    let mut body = json!({"email": email, "password": PASSWORD, "display_name": "Anna Berg"});
    if let Some(n) = account_number {
        body["customer_account_number"] = json!(n);
    }
    s.send(Method::POST, "/api/v1/auth/register", None, Some(body))
        .await
}

async fn confirm(s: &TestServer, token: &str) -> reqwest::Response {
    s.request(
        Method::POST,
        "/api/v1/auth/confirm-email",
        None,
        Some(json!({"token": token})),
    )
    .await
}

async fn login_response(s: &TestServer, email: &str, password: &str) -> reqwest::Response {
    s.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn register_confirm_and_sign_in_over_real_smtp(b: Backend) {
    let smtp = SmtpServer::start(0).await;
    let s = TestServer::start_configured(b, |c| c.mail.smtp_url = Some(smtp.url())).await;
    let (status, body) = register(&s, "anna@customer.test", None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mail = smtp
        .wait_for("anna@customer.test", Duration::from_secs(10))
        .await;
    assert_eq!(mail.from, "no-reply@fleetdesk.test");
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Confirm your e-mail address for fleetdesk")
    );
    assert!(mail.body().contains("Hello Anna Berg,"));
    let token = token_in(&mail.body()).expect("the mail carries a token");

    let res = login_response(&s, "anna@customer.test", PASSWORD).await;
    assert_problem(res, StatusCode::FORBIDDEN, "email_not_confirmed").await;
    let res = confirm(&s, &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokens = s.login("anna@customer.test", PASSWORD).await;
    let (_, me) = s
        .get("/api/v1/me", tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me["display_name"], "Anna Berg");
    assert_eq!(
        me["memberships"],
        json!([]),
        "registering joins nothing by itself"
    );

    let res = confirm(&s, &token).await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmation_token_used",
    )
    .await;
    let res = confirm(&s, "no-such-token").await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmation_token_invalid",
    )
    .await;

    // Sent exactly once, and recorded as sent.
    assert_eq!(
        smtp.received()
            .iter()
            .filter(|m| m.to == ["anna@customer.test"])
            .count(),
        1
    );
    assert!(s.mails_to("anna@customer.test").await[0].sent_at.is_some());

    // Weak passwords and bad addresses are refused, and create nothing.
    for body in [
        json!({"email": "bob@customer.test", "password": "short", "display_name": "Bob"}),
        json!({"email": "bob@customer.test", "password": "password123", "display_name": "Bob"}),
        json!({"email": "not-an-address", "password": PASSWORD, "display_name": "Bob"}),
        json!({"email": "bob@customer.test", "password": PASSWORD, "display_name": ""}),
    ] {
        s.expect_problem(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(body),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    assert!(s.mails_to("bob@customer.test").await.is_empty());
}

async fn expired_confirmation_tokens_are_refused(b: Backend) {
    let s = TestServer::start_configured(b, |c| c.email_token_ttl = Duration::from_secs(1)).await;
    register(&s, "late@customer.test", None).await;
    let token = s.token_mailed_to("late@customer.test").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let res = confirm(&s, &token).await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmation_token_expired",
    )
    .await;
    let res = login_response(&s, "late@customer.test", PASSWORD).await;
    assert_problem(res, StatusCode::FORBIDDEN, "email_not_confirmed").await;
}

async fn resend_and_register_answer_alike_for_every_address(b: Backend) {
    let s = TestServer::start(b).await;
    register(&s, "pending@customer.test", None).await;
    let first = s.token_mailed_to("pending@customer.test").await;
    let confirmed = s.staff_user(StaffRole::Technician).await;

    let mut answers = Vec::new();
    for email in [
        "pending@customer.test",
        confirmed.email.as_str(),
        "nobody@customer.test",
        "not an address",
    ] {
        let (status, body) = s
            .send(
                Method::POST,
                "/api/v1/auth/resend-confirmation",
                None,
                Some(json!({"email": email})),
            )
            .await;
        answers.push((status, body));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);

    assert_eq!(
        s.mails_to("pending@customer.test").await.len(),
        2,
        "a new mail for the unconfirmed address"
    );
    assert!(
        s.mails_to(&confirmed.email).await.is_empty(),
        "nothing for a confirmed one"
    );
    assert!(s.mails_to("nobody@customer.test").await.is_empty());
    let res = confirm(&s, &first).await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmation_token_used",
    )
    .await;
    let second = s.token_mailed_to("pending@customer.test").await;
    assert_eq!(confirm(&s, &second).await.status(), StatusCode::OK);

    // Registering a taken address answers like a new one; the owner is told by mail.
    let (status_new, body_new) = register(&s, "fresh@customer.test", None).await;
    let (status_taken, body_taken) = register(&s, &confirmed.email, None).await;
    assert_eq!((status_new, &body_new), (status_taken, &body_taken));
    let notices = s.mails_to(&confirmed.email).await;
    assert_eq!(notices.len(), 1);
    assert!(notices[0].subject.contains("tried to register"));
    s.login(&confirmed.email, PASSWORD).await;
}

async fn customer_service_corrects_an_address_and_forces_reconfirmation(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    register(&s, "typo@custmer.test", None).await;
    let old_token = s.token_mailed_to("typo@custmer.test").await;
    let tokens_user = {
        let (_, list) = s.get("/api/v1/events", &cs).await;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "user.registered")
            .unwrap()["subject_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // Only customer service corrects addresses; a user cannot change their own.
    let user = s.staff_user(StaffRole::Technician).await;
    let (_, me) = s.get("/api/v1/me", &user.token).await;
    let own = format!("/api/v1/users/{}/email", me["id"].as_str().unwrap());
    s.expect_problem(
        Method::PATCH,
        &own,
        Some(&user.token),
        Some(json!({"email": "me@elsewhere.test"})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let path = format!("/api/v1/users/{tokens_user}/email");
    let (status, corrected) = s
        .patch(&path, &cs, json!({"email": "anna@customer.test"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{corrected}");
    assert_eq!(corrected["email"], "anna@customer.test");
    assert_eq!(corrected["email_confirmed"], false);
    let res = confirm(&s, &old_token).await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "confirmation_token_used",
    )
    .await;
    let res = login_response(&s, "anna@customer.test", PASSWORD).await;
    assert_problem(res, StatusCode::FORBIDDEN, "email_not_confirmed").await;
    let new_token = s.token_mailed_to("anna@customer.test").await;
    assert_eq!(confirm(&s, &new_token).await.status(), StatusCode::OK);
    s.login("anna@customer.test", PASSWORD).await;

    // A confirmed user who gets a corrected address must confirm again.
    let (_, again) = s
        .patch(&own, &cs, json!({"email": "tech-new@fleetdesk.test"}))
        .await;
    assert_eq!(again["email_confirmed"], false);
    let res = login_response(&s, "tech-new@fleetdesk.test", PASSWORD).await;
    assert_problem(res, StatusCode::FORBIDDEN, "email_not_confirmed").await;
    assert!(
        s.mails_to(&user.email)
            .await
            .iter()
            .any(|m| m.subject.contains("was changed")),
        "the old address is told"
    );
    s.expect_problem(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": user.refresh_token})),
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;

    s.expect_problem(
        Method::PATCH,
        &path,
        Some(&cs),
        Some(json!({"email": "tech-new@fleetdesk.test"})),
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
    s.expect_problem(
        Method::PATCH,
        "/api/v1/users/nobody/email",
        Some(&cs),
        Some(json!({"email": "x@y.test"})),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Customer service resends on request; a confirmed address needs none.
    let (status, _) = s
        .post(
            &format!(
                "/api/v1/users/{}/resend-confirmation",
                me["id"].as_str().unwrap()
            ),
            &cs,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/users/{tokens_user}/resend-confirmation"),
        Some(&cs),
        None,
        StatusCode::CONFLICT,
        "email_already_confirmed",
    )
    .await;
}

async fn invitations_add_new_and_existing_users(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let a = s.create_account(&cs, "C-1101", "S-1101").await;
    let other = s.create_account(&cs, "C-1102", "S-1102").await;
    let (a, other) = (a["id"].as_str().unwrap(), other["id"].as_str().unwrap());
    let admin = s.customer(a, CustomerRole::Administrator).await;

    let res = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{a}/invitations"),
            Some(&admin),
            Some(json!({"email": "New.Person@customer.test", "role": "device-manager"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let invitation: Value = res.json().await.unwrap();
    assert_eq!(
        (invitation["email"].as_str(), invitation["status"].as_str()),
        (Some("new.person@customer.test"), Some("pending"))
    );
    let token = s.token_mailed_to("new.person@customer.test").await;

    let problem = s
        .expect_problem(
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({"token": token})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "password");
    let (status, joined) = s
        .send(
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({"token": token, "password": PASSWORD, "display_name": "New Person"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(
        (joined["role"].as_str(), joined["new_user"].as_bool()),
        (Some("device-manager"), Some(true))
    );
    let tokens = s.login("new.person@customer.test", PASSWORD).await;
    let (_, me) = s
        .get("/api/v1/me", tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me["memberships"][0]["account_id"], a);
    let (_, fetched) = s.get(&location, &admin).await;
    assert_eq!(fetched["status"], "accepted");
    s.expect_problem(
        Method::POST,
        "/api/v1/invitations/accept",
        None,
        Some(json!({"token": token})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invitation_used",
    )
    .await;

    // An existing user joins a second account signed in, without a new password.
    let other_admin = s.customer(other, CustomerRole::Administrator).await;
    let (status, _) = s
        .post(
            &format!("/api/v1/accounts/{other}/invitations"),
            &other_admin,
            json!({"email": "new.person@customer.test", "role": "knowledge-user"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = s.token_mailed_to("new.person@customer.test").await;
    let (status, joined) = s
        .send(
            Method::POST,
            "/api/v1/invitations/accept",
            tokens["access_token"].as_str(),
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(
        (status, joined["new_user"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    let (_, me) = s
        .get("/api/v1/me", tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(
        me["memberships"].as_array().unwrap().len(),
        2,
        "one user, two accounts, one role in each"
    );

    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{a}/invitations"),
        Some(&admin),
        Some(json!({"email": "new.person@customer.test", "role": "administrator"})),
        StatusCode::CONFLICT,
        "already_member",
    )
    .await;
    let manager = tokens["access_token"].as_str().unwrap();
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{a}/invitations"),
        Some(manager),
        Some(json!({"email": "x@customer.test", "role": "administrator"})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{other}/invitations"),
        Some(&admin),
        Some(json!({"email": "x@customer.test", "role": "administrator"})),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (status, _) = s
        .post(
            &format!("/api/v1/accounts/{a}/invitations"),
            &cs,
            json!({"email": "by.cs@customer.test", "role": "stock-manager"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "customer service invites on a customer's behalf"
    );
}

async fn join_requests_are_approved_or_rejected(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-1201", "S-1201").await;
    let a = account["id"].as_str().unwrap();
    let admin = s.customer(a, CustomerRole::Administrator).await;

    register(&s, "joiner@customer.test", Some("c-1201")).await;
    register(&s, "second@customer.test", Some("C-1201")).await;
    register(&s, "lost@customer.test", Some("C-9999")).await;
    // The registrant's mail is the same whether or not the number exists, and names no
    // account; the account's administrators are told.
    let joiner = &s.mails_to("joiner@customer.test").await[0].body;
    assert!(joiner.contains("You asked to join the customer account with the number C-1201"));
    assert!(!joiner.contains("Account C-1201"), "{joiner}");
    assert!(
        s.mails_to("lost@customer.test").await[0]
            .body
            .contains("You asked to join the customer account with the number C-9999")
    );

    let (status, list) = s
        .get(
            &format!("/api/v1/accounts/{a}/join-requests?status=pending"),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let (first, second) = (
        items[0]["id"].as_str().unwrap(),
        items[1]["id"].as_str().unwrap(),
    );
    assert_eq!(items[0]["email"], "joiner@customer.test");

    let (status, approved) = s
        .post(
            &format!("/api/v1/accounts/{a}/join-requests/{first}/approve"),
            &admin,
            json!({"role": "device-manager"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["granted_role"].as_str()
        ),
        (Some("approved"), Some("device-manager"))
    );
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/accounts/{a}/join-requests/{first}/reject"),
        Some(&admin),
        Some(json!({})),
        StatusCode::CONFLICT,
        "join_request_decided",
    )
    .await;
    let (status, rejected) = s
        .post(
            &format!("/api/v1/accounts/{a}/join-requests/{second}/reject"),
            &cs,
            json!({"reason": "Not one of ours"}),
        )
        .await;
    assert_eq!(
        (status, rejected["status"].as_str()),
        (StatusCode::OK, Some("rejected"))
    );
    assert!(
        s.mails_to("second@customer.test")
            .await
            .last()
            .unwrap()
            .body
            .contains("Not one of ours")
    );

    let token = s.token_mailed_to("joiner@customer.test").await;
    assert_eq!(confirm(&s, &token).await.status(), StatusCode::OK);
    let tokens = s.login("joiner@customer.test", PASSWORD).await;
    let joiner = tokens["access_token"].as_str().unwrap();
    let (_, me) = s.get("/api/v1/me", joiner).await;
    assert_eq!(
        me["memberships"],
        json!([{"account_id": a, "account_name": "Account C-1201", "role": "device-manager"}])
    );

    // Only administrators and customer service see or decide requests.
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/accounts/{a}/join-requests"),
        Some(joiner),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (_, members) = s
        .get(&format!("/api/v1/accounts/{a}/members"), &admin)
        .await;
    assert_eq!(members["items"].as_array().unwrap().len(), 2);
}

async fn the_last_administrator_cannot_leave(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-1301", "S-1301").await;
    let a = account["id"].as_str().unwrap();
    let admin = s.customer(a, CustomerRole::Administrator).await;
    let (_, me) = s.get("/api/v1/me", &admin).await;
    let admin_id = me["id"].as_str().unwrap().to_owned();
    let member = |id: &str| format!("/api/v1/accounts/{a}/members/{id}");

    s.expect_problem(
        Method::PATCH,
        &member(&admin_id),
        Some(&admin),
        Some(json!({"role": "device-manager"})),
        StatusCode::CONFLICT,
        "last_administrator",
    )
    .await;
    s.expect_problem(
        Method::DELETE,
        &member(&admin_id),
        Some(&cs),
        None,
        StatusCode::CONFLICT,
        "last_administrator",
    )
    .await;

    let second = s.customer(a, CustomerRole::DeviceManager).await;
    let (_, me2) = s.get("/api/v1/me", &second).await;
    let second_id = me2["id"].as_str().unwrap().to_owned();
    s.expect_problem(
        Method::PATCH,
        &member(&admin_id),
        Some(&second),
        Some(json!({"role": "knowledge-user"})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (status, promoted) = s
        .patch(
            &member(&second_id),
            &admin,
            json!({"role": "administrator"}),
        )
        .await;
    assert_eq!(
        (status, promoted["role"].as_str()),
        (StatusCode::OK, Some("administrator"))
    );
    let (status, _) = s
        .patch(&member(&admin_id), &admin, json!({"role": "stock-manager"}))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "with a second administrator the first may step down"
    );
    s.expect_problem(
        Method::DELETE,
        &member(&second_id),
        Some(&second),
        None,
        StatusCode::CONFLICT,
        "last_administrator",
    )
    .await;
    let res = s
        .request(Method::DELETE, &member(&admin_id), Some(&second), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, members) = s
        .get(&format!("/api/v1/accounts/{a}/members"), &second)
        .await;
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
}

async fn concurrent_demotions_keep_an_administrator(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-1401", "S-1401").await;
    let a = account["id"].as_str().unwrap().to_owned();
    let mut admins = Vec::new();
    for _ in 0..2 {
        let token = s.customer(&a, CustomerRole::Administrator).await;
        let (_, me) = s.get("/api/v1/me", &token).await;
        admins.push((token, me["id"].as_str().unwrap().to_owned()));
    }
    for round in 0..5 {
        // Each administrator demotes the other at the same moment.
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (token, _)) in admins.iter().enumerate() {
            let target = &admins[1 - i].1;
            let (client, url, token) = (
                s.client.clone(),
                s.url(&format!("/api/v1/accounts/{a}/members/{target}")),
                token.clone(),
            );
            tasks.spawn(async move {
                client
                    .patch(url)
                    .bearer_auth(token)
                    .json(&json!({"role": "device-manager"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
        }
        let statuses = tasks.join_all().await;
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert!(ok <= 1, "round {round}: {statuses:?}");
        let (_, members) = s.get(&format!("/api/v1/accounts/{a}/members"), &cs).await;
        let count = members["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "administrator")
            .count();
        assert!(count >= 1, "round {round}: no administrator left");
        // Restore both for the next round.
        for (_, id) in &admins {
            s.patch(
                &format!("/api/v1/accounts/{a}/members/{id}"),
                &cs,
                json!({"role": "administrator"}),
            )
            .await;
        }
    }
}

async fn repeated_failed_sign_ins_are_slowed_down(b: Backend) {
    let s = TestServer::start(b).await;
    let user = s.staff_user(StaffRole::CallCenter).await;
    for _ in 0..5 {
        let res = login_response(&s, &user.email, "wrong password").await;
        assert_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    // Blocked now: even the right password waits, and the answer says for how long.
    let res = login_response(&s, &user.email, PASSWORD).await;
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=31).contains(&wait),
        "the first block is short: {wait}s"
    );
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    // Other users from the same client are not locked out by one address's failures.
    let other = s.staff_user(StaffRole::Technician).await;
    assert_eq!(
        login_response(&s, &other.email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn mail_survives_a_relay_outage(b: Backend) {
    let mut smtp = SmtpServer::start(0).await;
    let url = smtp.url();
    smtp.stop();
    let s = TestServer::start_configured(b, |c| c.mail.smtp_url = Some(url)).await;
    let (status, _) = register(&s, "patient@customer.test", None).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "registration does not wait for the relay"
    );

    // The sender tries, fails, and keeps the mail.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mails = s.mails_to("patient@customer.test").await;
        if mails[0].attempts >= 2 {
            assert!(
                mails[0].sent_at.is_none() && mails[0].last_error.is_some(),
                "{mails:?}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sender never tried: {mails:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    smtp.restart().await;
    let mail = smtp
        .wait_for("patient@customer.test", Duration::from_secs(10))
        .await;
    let token = token_in(&mail.body()).unwrap();
    assert_eq!(confirm(&s, &token).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 1, "delivered once");
}

/// Several server processes share one PostgreSQL: their senders claim mails under a lease
/// and skip each other's rows, so every mail goes out exactly once.
mod shared_database {
    mod postgres {
        use std::time::Duration;

        use fleetdesk_tests::smtp::SmtpServer;
        use fleetdesk_tests::{
            Backend, PASSWORD, StatusCode, TestDb, TestServer, test_config, with_database,
        };
        use reqwest::Method;
        use serde_json::json;

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn two_servers_send_each_mail_once() {
            let smtp = SmtpServer::start(0).await;
            let first = TestServer::start_configured(Backend::Postgres, |c| {
                c.mail.smtp_url = Some(smtp.url())
            })
            .await;
            let url = with_database(
                &fleetdesk_tests::pg_admin_url(),
                &first.database_name().unwrap(),
            );
            let mut config = test_config(&url);
            config.mail.smtp_url = Some(smtp.url());
            let second = TestServer::start_with(Backend::Postgres, TestDb::External, config).await;

            let mut tasks = tokio::task::JoinSet::new();
            for i in 0..30 {
                let server = if i % 2 == 0 { &first } else { &second };
                let (client, url) = (server.client.clone(), server.url("/api/v1/auth/register"));
                tasks.spawn(async move {
                    let body = json!({"email": format!("user{i}@shared.test"), "password": PASSWORD, "display_name": "User"});
                    client.post(url).json(&body).send().await.map(|r| r.status()).ok()
                });
            }
            assert!(
                tasks
                    .join_all()
                    .await
                    .iter()
                    .all(|s| *s == Some(StatusCode::CREATED))
            );
            for i in 0..30 {
                smtp.wait_for(&format!("user{i}@shared.test"), Duration::from_secs(20))
                    .await;
            }
            // Give a double delivery the time to show up before counting.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let received = smtp.received();
            assert_eq!(received.len(), 30, "each of the 30 mails exactly once");
            let (status, _) = second.send(Method::GET, "/readyz", None, None).await;
            assert_eq!(status, StatusCode::OK);
        }
    }
}
