//! fleetdesk tried as an attacker would: each test reproduces one attack over HTTP and
//! asserts what must hold instead. Every test here was seen failing on the code before its fix.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::time::Duration;

use chrono::Utc;
use diesel::RunQueryDsl;
use fleetdesk_domain::identity::{CustomerRole, DealerRole, StaffRole};
use fleetdesk_tests::smtp::SmtpServer;
use fleetdesk_tests::{
    Backend, PASSWORD, ServerProcess, StatusCode, TestServer, assert_problem, both_backends,
    token_in,
};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    registering_first_does_not_take_over_an_invited_address,
    a_second_registration_replaces_the_first_registrants_password,
    a_confirmed_user_accepts_only_with_proof,
    registering_first_does_not_take_over_a_dealer_invitation,
    invitations_are_revoked_and_removed_members_invitations_end,
    the_feed_shows_only_what_the_item_checks_allow,
    credit_data_reaches_customer_service_only,
    simultaneous_wrong_passwords_are_counted_before_checking,
    wrong_passwords_through_two_server_processes,
    a_stranger_cannot_lock_a_user_out_of_their_own_client,
    unauthenticated_mail_is_limited_per_address,
    a_join_request_tells_the_administrators_not_the_stranger,
    secrets_are_not_kept_or_cached,
    delivered_mails_lose_their_tokens,
    sessions_end_at_their_maximum_age,
    a_dealer_cannot_register_a_serial_of_another_model,
);

const ATTACKER_PASSWORD: &str = "attackers own secret 1";
const VICTIM_PASSWORD: &str = "my very own secret 22";

async fn register(s: &TestServer, email: &str, password: &str) -> StatusCode {
    let (status, body) = s
        .send(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": email, "password": password, "display_name": "Someone"})),
        )
        .await;
    assert!(
        status == StatusCode::CREATED || status == StatusCode::TOO_MANY_REQUESTS,
        "{status} {body}"
    );
    status
}

async fn login_status(s: &TestServer, email: &str, password: &str) -> StatusCode {
    s.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
    .status()
}

async fn confirm(s: &TestServer, token: &str) -> StatusCode {
    s.request(
        Method::POST,
        "/api/v1/auth/confirm-email",
        None,
        Some(json!({"token": token})),
    )
    .await
    .status()
}

/// An account with an administrator; returns (customer service, account id, admin token).
async fn new_account(s: &TestServer, number: &str) -> (String, String, String) {
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s
        .create_account(&cs, &format!("C-{number}"), &format!("S-{number}"))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    (cs, account, admin)
}

async fn invite(s: &TestServer, token: &str, account: &str, email: &str, role: &str) -> Value {
    let (status, body) = s
        .post(
            &format!("/api/v1/accounts/{account}/invitations"),
            token,
            json!({"email": email, "role": role}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// The newest mail to `email` that carries a token, and that token.
async fn newest_token(s: &TestServer, email: &str) -> String {
    s.token_mailed_to(email).await
}

async fn accept(
    s: &TestServer,
    path: &str,
    bearer: Option<&str>,
    body: Value,
) -> reqwest::Response {
    s.request(Method::POST, path, bearer, Some(body)).await
}

async fn registering_first_does_not_take_over_an_invited_address(b: Backend) {
    let s = TestServer::start(b).await;
    let (_, account, admin) = new_account(&s, "9001").await;
    let victim = "victim@corp.test";

    // The attacker registers the victim's address first, with a password of their own.
    register(&s, victim, ATTACKER_PASSWORD).await;
    let attackers_link = newest_token(&s, victim).await;
    invite(&s, &admin, &account, victim, "administrator").await;
    let invitation = newest_token(&s, victim).await;

    // The victim accepts with their own password: that password is the one that works.
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        None,
        json!({"token": invitation, "password": VICTIM_PASSWORD, "display_name": "Victim"}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(
        login_status(&s, victim, VICTIM_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&s, victim, ATTACKER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    // The confirmation mail of the attacker's registration is worthless now.
    assert_eq!(
        confirm(&s, &attackers_link).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        login_status(&s, victim, ATTACKER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );

    // Invited before anyone registered: the same.
    let late = "late@corp.test";
    invite(&s, &admin, &account, late, "device-manager").await;
    let invitation = newest_token(&s, late).await;
    register(&s, late, ATTACKER_PASSWORD).await;
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        None,
        json!({"token": invitation, "password": VICTIM_PASSWORD, "display_name": "Late"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        login_status(&s, late, VICTIM_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&s, late, ATTACKER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_second_registration_replaces_the_first_registrants_password(b: Backend) {
    let s = TestServer::start(b).await;
    let victim = "owner@corp.test";
    register(&s, victim, ATTACKER_PASSWORD).await;
    let attackers_link = newest_token(&s, victim).await;
    register(&s, victim, VICTIM_PASSWORD).await;
    let victims_link = newest_token(&s, victim).await;
    assert_ne!(attackers_link, victims_link);

    // The owner opens the mail of their own registration: their password is the one set.
    assert_eq!(confirm(&s, &victims_link).await, StatusCode::OK);
    assert_eq!(
        login_status(&s, victim, VICTIM_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&s, victim, ATTACKER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        confirm(&s, &attackers_link).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The owner registers first; a stranger registers after and asks for the mail again:
    // the owner's own link still works, with the owner's password.
    let owner = "first@corp.test";
    register(&s, owner, VICTIM_PASSWORD).await;
    let owners_link = newest_token(&s, owner).await;
    register(&s, owner, ATTACKER_PASSWORD).await;
    let (status, _) = s
        .send(
            Method::POST,
            "/api/v1/auth/resend-confirmation",
            None,
            Some(json!({"email": owner})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(confirm(&s, &owners_link).await, StatusCode::OK);
    assert_eq!(
        login_status(&s, owner, VICTIM_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&s, owner, ATTACKER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_confirmed_user_accepts_only_with_proof(b: Backend) {
    let s = TestServer::start(b).await;
    let (_, account, admin) = new_account(&s, "9002").await;
    let (cs, other, other_admin) = new_account(&s, "9003").await;
    let user = s.staff_user(StaffRole::Technician).await;
    drop(user);
    // A confirmed customer user.
    let email = "confirmed@corp.test";
    register(&s, email, VICTIM_PASSWORD).await;
    assert_eq!(
        confirm(&s, &newest_token(&s, email).await).await,
        StatusCode::OK
    );

    invite(&s, &admin, &account, email, "administrator").await;
    let invitation = newest_token(&s, email).await;
    // The token alone does not join a confirmed user, and never replaces their password.
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        None,
        json!({"token": invitation, "password": ATTACKER_PASSWORD, "display_name": "X"}),
    )
    .await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "identity_proof_required").await;
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        None,
        json!({"token": invitation, "current_password": ATTACKER_PASSWORD}),
    )
    .await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(
        login_status(&s, email, ATTACKER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    // Another signed-in user cannot take it either.
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        Some(&cs),
        json!({"token": invitation}),
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "invitation_for_another_user").await;
    // The current password proves the user.
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        None,
        json!({"token": invitation, "current_password": VICTIM_PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    // So does being signed in as them.
    invite(&s, &other_admin, &other, email, "knowledge-user").await;
    let invitation = newest_token(&s, email).await;
    let tokens = s.login(email, VICTIM_PASSWORD).await;
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        tokens["access_token"].as_str(),
        json!({"token": invitation}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, me) = s
        .get("/api/v1/me", tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me["memberships"].as_array().unwrap().len(), 2);
}

async fn registering_first_does_not_take_over_a_dealer_invitation(b: Backend) {
    let s = TestServer::start(b).await;
    let dealer = s.create_dealer("Northside Copiers").await;
    let owner = s.dealer_user(&dealer, DealerRole::DealerAdmin).await;
    let victim = "tech@northside.test";
    register(&s, victim, ATTACKER_PASSWORD).await;
    let (status, body) = s
        .post(
            &format!("/api/v1/dealers/{dealer}/invitations"),
            &owner.token,
            json!({"email": victim, "role": "dealer-admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let invitation = newest_token(&s, victim).await;
    let res = accept(
        &s,
        "/api/v1/dealer-invitations/accept",
        None,
        json!({"token": invitation, "password": VICTIM_PASSWORD, "display_name": "Tech"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        login_status(&s, victim, VICTIM_PASSWORD).await,
        StatusCode::OK
    );
    assert_eq!(
        login_status(&s, victim, ATTACKER_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );

    // A confirmed user accepts a dealer invitation only with proof.
    let other = s.create_dealer("Southside Copiers").await;
    let other_owner = s.dealer_user(&other, DealerRole::DealerAdmin).await;
    let email = "free@agent.test";
    register(&s, email, VICTIM_PASSWORD).await;
    assert_eq!(
        confirm(&s, &newest_token(&s, email).await).await,
        StatusCode::OK
    );
    s.post(
        &format!("/api/v1/dealers/{other}/invitations"),
        &other_owner.token,
        json!({"email": email, "role": "dealer-technician"}),
    )
    .await;
    let invitation = newest_token(&s, email).await;
    let res = accept(
        &s,
        "/api/v1/dealer-invitations/accept",
        None,
        json!({"token": invitation, "password": ATTACKER_PASSWORD, "display_name": "X"}),
    )
    .await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "identity_proof_required").await;
    let res = accept(
        &s,
        "/api/v1/dealer-invitations/accept",
        None,
        json!({"token": invitation, "current_password": VICTIM_PASSWORD}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn invitations_are_revoked_and_removed_members_invitations_end(b: Backend) {
    let s = TestServer::start(b).await;
    let (cs, account, admin) = new_account(&s, "9004").await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    let (_, other, _) = new_account(&s, "9005").await;

    // An administrator revokes an invitation; its token is dead.
    let sent = invite(&s, &admin, &account, "someone@corp.test", "device-manager").await;
    let token = newest_token(&s, "someone@corp.test").await;
    let path = format!(
        "/api/v1/accounts/{account}/invitations/{}",
        sent["id"].as_str().unwrap()
    );
    s.expect_problem(
        Method::DELETE,
        &path,
        Some(&manager),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let wrong_account = path.replace(&account, &other);
    s.expect_problem(
        Method::DELETE,
        &wrong_account,
        Some(&admin),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let res = s.request(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, view) = s.get(&path, &admin).await;
    assert_eq!(view["status"], "revoked");
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        None,
        json!({"token": token, "password": PASSWORD, "display_name": "Someone"}),
    )
    .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invitation_invalid").await;

    // An administrator about to be removed invites a second address of theirs; removing
    // them ends that invitation.
    let leaving_email = format!("leaving-{}@corp.test", uuid::Uuid::now_v7().simple());
    invite(&s, &admin, &account, &leaving_email, "administrator").await;
    let leaving_token = newest_token(&s, &leaving_email).await;
    let (status, _) = s
        .send(
            Method::POST,
            "/api/v1/invitations/accept",
            None,
            Some(json!({"token": leaving_token, "password": PASSWORD, "display_name": "Leaving"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let leaving = s.login(&leaving_email, PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, me) = s.get("/api/v1/me", &leaving).await;
    let leaving_id = me["id"].as_str().unwrap().to_owned();
    invite(
        &s,
        &leaving,
        &account,
        "backdoor@elsewhere.test",
        "administrator",
    )
    .await;
    let backdoor = newest_token(&s, "backdoor@elsewhere.test").await;
    let res = s
        .request(
            Method::DELETE,
            &format!("/api/v1/accounts/{account}/members/{leaving_id}"),
            Some(&cs),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = accept(
        &s,
        "/api/v1/invitations/accept",
        None,
        json!({"token": backdoor, "password": PASSWORD, "display_name": "Back Door"}),
    )
    .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invitation_invalid").await;

    // Dealers too.
    let dealer = s.create_dealer("Eastside Copiers").await;
    let owner = s.dealer_user(&dealer, DealerRole::DealerAdmin).await;
    let second = s.dealer_user(&dealer, DealerRole::DealerAdmin).await;
    let (_, sent) = s
        .post(
            &format!("/api/v1/dealers/{dealer}/invitations"),
            &owner.token,
            json!({"email": "d1@eastside.test", "role": "dealer-technician"}),
        )
        .await;
    let token = newest_token(&s, "d1@eastside.test").await;
    let res = s
        .request(
            Method::DELETE,
            &format!(
                "/api/v1/dealers/{dealer}/invitations/{}",
                sent["id"].as_str().unwrap()
            ),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = accept(
        &s,
        "/api/v1/dealer-invitations/accept",
        None,
        json!({"token": token, "password": PASSWORD, "display_name": "D One"}),
    )
    .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invitation_invalid").await;
    s.post(
        &format!("/api/v1/dealers/{dealer}/invitations"),
        &second.token,
        json!({"email": "d2@eastside.test", "role": "dealer-admin"}),
    )
    .await;
    let token = newest_token(&s, "d2@eastside.test").await;
    let (_, me) = s.get("/api/v1/me", &second.token).await;
    let res = s
        .request(
            Method::DELETE,
            &format!(
                "/api/v1/dealers/{dealer}/users/{}",
                me["id"].as_str().unwrap()
            ),
            Some(&owner.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = accept(
        &s,
        "/api/v1/dealer-invitations/accept",
        None,
        json!({"token": token, "password": PASSWORD, "display_name": "D Two"}),
    )
    .await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invitation_invalid").await;
}

/// Every event of the caller's feed, as (kind, subject id).
async fn feed(s: &TestServer, token: &str) -> Vec<(String, String)> {
    let (status, page) = s.get("/api/v1/events?limit=200", token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["subject_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn kinds(feed: &[(String, String)]) -> Vec<&str> {
    feed.iter().map(|(k, _)| k.as_str()).collect()
}

async fn user_id(s: &TestServer, token: &str) -> String {
    let (_, me) = s.get("/api/v1/me", token).await;
    me["id"].as_str().unwrap().to_owned()
}

async fn the_feed_shows_only_what_the_item_checks_allow(b: Backend) {
    let s = TestServer::start(b).await;
    let (cs, account, admin) = new_account(&s, "9006").await;
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Office 30", 30, &["black"]).await;
    let device = s.create_device(&cs, &account, &site, &model, "FS-1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let day = json!([{"start": "08:00", "end": "17:00"}]);
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/api/v1/accounts/{account}/service-contract"),
            Some(&cs),
            Some(json!({"response_minutes": 480, "time_zone": "Europe/Stockholm",
                "office_hours": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day},
                "holidays": []})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut locations = Vec::new();
    for name in ["Print room", "Basement"] {
        let (status, body) = s
            .post(
                &format!("/api/v1/accounts/{account}/stock-locations"),
                &admin,
                json!({"name": name, "address": {"line1": "Kungsgatan 12", "postal_code": "111 43", "city": "Stockholm", "country": "SE"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        locations.push(body["id"].as_str().unwrap().to_owned());
    }
    let stock_manager = s.customer(&account, CustomerRole::StockManager).await;
    let stock_manager_id = user_id(&s, &stock_manager).await;
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/api/v1/accounts/{account}/members/{stock_manager_id}/stock-locations"),
            Some(&admin),
            Some(json!({"stock_location_ids": [locations[0]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let device_manager = s.customer(&account, CustomerRole::DeviceManager).await;
    invite(&s, &admin, &account, "newcomer@corp.test", "knowledge-user").await;
    register(&s, "stranger@corp.test", ATTACKER_PASSWORD).await;
    let mut cases = Vec::new();
    for summary in ["Jams", "Streaks"] {
        let (status, body) = s
            .post(
                "/api/v1/cases",
                &admin,
                json!({"device_id": device, "category": "fault", "summary": summary,
                    "description": "Paper jams in tray 2.", "contact": {"name": "Anna", "phone": "+46 8 1"}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        cases.push(body["id"].as_str().unwrap().to_owned());
    }
    let planner = s.staff(StaffRole::DispatchPlanner).await;
    let technician = s.staff(StaffRole::Technician).await;
    let technician_id = user_id(&s, &technician).await;
    let (status, body) = s
        .send(
            Method::PUT,
            &format!("/api/v1/cases/{}/technician", cases[0]),
            Some(&planner),
            Some(json!({"technician_id": technician_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A stock manager sees the location assigned to them, not the other one.
    let seen = feed(&s, &stock_manager).await;
    assert!(
        seen.contains(&("stock_location.created".into(), locations[0].clone())),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|(_, subject)| *subject == locations[1]),
        "another location leaks: {seen:?}"
    );
    let (status, _) = s
        .get(
            &format!("/api/v1/stock-locations/{}", locations[1]),
            &stock_manager,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A device manager sees no stock, invitations or members.
    let seen = feed(&s, &device_manager).await;
    for hidden in [
        "stock_location.created",
        "invitation.created",
        "member.joined",
    ] {
        assert!(!kinds(&seen).contains(&hidden), "{hidden} leaks: {seen:?}");
    }

    // A technician sees the case assigned to them only, and no users or invitations.
    let seen = feed(&s, &technician).await;
    assert!(
        seen.contains(&("case.opened".into(), cases[0].clone())),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|(_, subject)| *subject == cases[1]),
        "an unassigned case leaks: {seen:?}"
    );
    for hidden in ["user.registered", "invitation.created"] {
        assert!(!kinds(&seen).contains(&hidden), "{hidden} leaks: {seen:?}");
    }
    // Customer service sees all of it.
    let seen = feed(&s, &cs).await;
    for shown in [
        "user.registered",
        "invitation.created",
        "case.opened",
        "stock_location.created",
    ] {
        assert!(kinds(&seen).contains(&shown), "{shown} missing: {seen:?}");
    }
}

async fn credit_data_reaches_customer_service_only(b: Backend) {
    let s = TestServer::start(b).await;
    let (cs, account, _) = new_account(&s, "9007").await;
    let path = format!("/api/v1/accounts/{account}");
    let (status, body) = s.patch(&path, &cs, json!({"credit_rating": "poor"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, seen) = s.get(&path, &cs).await;
    assert_eq!(seen["credit_rating"], "poor");
    assert!(seen["payment_history"].is_array());
    for role in [
        StaffRole::Technician,
        StaffRole::DispatchPlanner,
        StaffRole::CallCenter,
        StaffRole::WarrantyAdmin,
    ] {
        let token = s.staff(role).await;
        let (status, seen) = s.get(&path, &token).await;
        assert_eq!(status, StatusCode::OK, "{seen}");
        assert_eq!(seen["name"], "Account C-9007", "{role:?} sees the account");
        assert!(
            seen.get("credit_rating").is_none() && seen.get("payment_history").is_none(),
            "{role:?} sees credit data: {seen}"
        );
        let (_, list) = s.get("/api/v1/accounts", &token).await;
        let text = list.to_string();
        assert!(
            !text.contains("credit_rating") && !text.contains("payment_history"),
            "{role:?}: {text}"
        );
        let events = feed(&s, &token).await;
        assert!(
            !kinds(&events).iter().any(|k| k.contains("credit")),
            "{role:?} sees a credit event: {events:?}"
        );
    }
    assert!(kinds(&feed(&s, &cs).await).contains(&"account.credit_updated"));
}

/// Sends `n` sign-ins with a wrong password for `email` at once to `urls` (round robin).
async fn wrong_passwords_at_once(urls: &[String], email: &str, n: usize) -> (usize, usize) {
    fleetdesk_api::webhooks::install_tls_provider();
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, url) = (client.clone(), urls[i % urls.len()].clone());
        let body = json!({"email": email, "password": format!("wrong password {i}")});
        tasks.spawn(async move { client.post(url).json(&body).send().await.unwrap().status() });
    }
    let statuses = tasks.join_all().await;
    let unauthorized = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(unauthorized + throttled, n, "{statuses:?}");
    (unauthorized, throttled)
}

async fn simultaneous_wrong_passwords_are_counted_before_checking(b: Backend) {
    let s = TestServer::start(b).await;
    let user = s.staff_user(StaffRole::CallCenter).await;
    let (unauthorized, throttled) =
        wrong_passwords_at_once(&[s.url("/api/v1/auth/login")], &user.email, 30).await;
    eprintln!("one process: {unauthorized} × 401, {throttled} × 429");
    assert!(unauthorized <= 5, "{unauthorized} passwords were tried");
    assert_eq!(throttled, 30 - unauthorized);
}

async fn wrong_passwords_through_two_server_processes(b: Backend) {
    let s = TestServer::start(b).await;
    let user = s.staff_user(StaffRole::CallCenter).await;
    let url = s.database_url.clone();
    let first = ServerProcess::start(&url).await;
    let second = ServerProcess::start(&url).await;
    let urls = [
        first.url("/api/v1/auth/login"),
        second.url("/api/v1/auth/login"),
    ];
    let (unauthorized, throttled) = wrong_passwords_at_once(&urls, &user.email, 30).await;
    eprintln!("two processes ({b:?}): {unauthorized} × 401, {throttled} × 429");
    assert!(unauthorized <= 5, "{unauthorized} passwords were tried");
    assert_eq!(throttled, 30 - unauthorized);
}

async fn login_from(s: &TestServer, client: &str, email: &str, password: &str) -> StatusCode {
    s.client
        .post(s.url("/api/v1/auth/login"))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_stranger_cannot_lock_a_user_out_of_their_own_client(b: Backend) {
    // Behind a trusted proxy, the client is the address the proxy saw.
    let s = TestServer::start_configured(b, |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let user = s.staff_user(StaffRole::CallCenter).await;
    let mut refused = 0;
    for i in 0..12 {
        let status = login_from(&s, "203.0.113.66", &user.email, &format!("guess {i}")).await;
        refused += usize::from(status == StatusCode::TOO_MANY_REQUESTS);
    }
    assert!(refused >= 6, "the stranger is slowed down: {refused}");
    assert_eq!(
        login_from(&s, "198.51.100.7", &user.email, PASSWORD).await,
        StatusCode::OK,
        "the user's own client still signs in"
    );

    // Without a trusted proxy, X-Forwarded-For is the client's word and is not believed.
    let s = TestServer::start(b).await;
    let user = s.staff_user(StaffRole::CallCenter).await;
    for i in 0..5 {
        login_from(&s, &format!("192.0.2.{i}"), &user.email, "wrong").await;
    }
    assert_eq!(
        login_from(&s, "192.0.2.200", &user.email, "wrong").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a forged X-Forwarded-For does not reset the count"
    );
}

async fn unauthenticated_mail_is_limited_per_address(b: Backend) {
    let s = TestServer::start(b).await;
    let target = "flooded@corp.test";
    let mut throttled = 0;
    for _ in 0..6 {
        throttled += usize::from(
            register(&s, target, ATTACKER_PASSWORD).await == StatusCode::TOO_MANY_REQUESTS,
        );
    }
    for _ in 0..6 {
        let res = s
            .request(
                Method::POST,
                "/api/v1/auth/resend-confirmation",
                None,
                Some(json!({"email": target})),
            )
            .await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            throttled += 1;
        } else {
            assert_eq!(res.status(), StatusCode::ACCEPTED);
        }
    }
    let mails = s.mails_to(target).await.len();
    assert!(mails <= 3, "{mails} mails to one address within the hour");
    assert!(throttled >= 9, "{throttled} requests refused");
}

async fn a_join_request_tells_the_administrators_not_the_stranger(b: Backend) {
    let s = TestServer::start(b).await;
    let (cs, account, _) = new_account(&s, "9008").await;
    let admin_email = format!("admin-{}@corp.test", uuid::Uuid::now_v7().simple());
    let account_id = account.clone();
    let (db, now) = (s.db.clone(), s.clock.now());
    let e = admin_email.clone();
    tokio::task::spawn_blocking(move || {
        fleetdesk_api::bootstrap::add_customer_user(
            &db,
            &account_id,
            &e,
            "Admin",
            CustomerRole::Administrator,
            PASSWORD,
            now,
        )
    })
    .await
    .unwrap()
    .unwrap();
    drop(cs);
    let (status, _) = s
        .send(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(
                json!({"email": "curious@stranger.test", "password": ATTACKER_PASSWORD,
                "display_name": "Curious", "customer_account_number": "C-9008"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mails = s.mails_to("curious@stranger.test").await;
    assert_eq!(mails.len(), 1);
    assert!(
        !mails[0].body.contains("Account C-9008"),
        "the stranger learns the account's name: {}",
        mails[0].body
    );
    s.notify().await;
    let told = s.mails_to(&admin_email).await;
    assert!(
        told.iter()
            .any(|m| m.body.contains("curious@stranger.test")),
        "the administrators are told: {told:?}"
    );
}

async fn secrets_are_not_kept_or_cached(b: Backend) {
    let s = TestServer::start(b).await;
    let (cs, account, admin) = new_account(&s, "9009").await;
    let user = s.staff_user(StaffRole::Technician).await;
    let res = s
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": user.email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let refresh: Value = res.json().await.unwrap();
    let res = s
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh["refresh_token"]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");

    // Every response, errors included, says nosniff and no-referrer.
    for (method, path, token) in [
        (Method::GET, "/api/v1/me", Some(cs.as_str())),
        (Method::GET, "/api/v1/no-such-thing", None),
        (Method::GET, "/healthz", None),
        (Method::DELETE, "/api/v1/me", Some(cs.as_str())),
    ] {
        let res = s.request(method, path, token, None).await;
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(res.headers()["referrer-policy"], "no-referrer", "{path}");
    }

    // A new device credential is shown once: not cached, and not kept for replays.
    let res = s
        .client
        .post(s.url(&format!("/api/v1/accounts/{account}/device-credentials")))
        .bearer_auth(&admin)
        .header("idempotency-key", "credential-1")
        .json(&json!({"name": "Monitoring agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let issued: Value = res.json().await.unwrap();
    let secret = issued["token"].as_str().unwrap().to_owned();
    let db = s.db.clone();
    let kept = tokio::task::spawn_blocking(move || {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = db.conn().unwrap();
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM idempotency_keys WHERE body LIKE '%{secret}%'"
        ))
        .get_result::<Count>(&mut **conn)
        .unwrap()
        .n
    })
    .await
    .unwrap();
    assert_eq!(kept, 0, "the idempotency layer stored a secret");
}

async fn delivered_mails_lose_their_tokens(b: Backend) {
    let smtp = SmtpServer::start(0).await;
    let s = TestServer::start_configured(b, |c| c.mail.smtp_url = Some(smtp.url())).await;
    register(&s, "mailed@corp.test", ATTACKER_PASSWORD).await;
    let mail = smtp
        .wait_for("mailed@corp.test", Duration::from_secs(10))
        .await;
    let token = token_in(&mail.body()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = s.mails_to("mailed@corp.test").await;
        assert_eq!(rows.len(), 1);
        if rows[0].sent_at.is_some() {
            assert!(
                !rows[0].body.contains(&token),
                "a delivered token is kept at rest"
            );
            assert!(!rows[0].subject.is_empty(), "the metadata stays");
            break;
        }
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(confirm(&s, &token).await, StatusCode::OK);

    // Outside development without a relay, nothing is sent and no token is kept either.
    let s = TestServer::start_configured(b, |c| c.dev_mode = false).await;
    register(&s, "unsent@corp.test", ATTACKER_PASSWORD).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let rows = s.mails_to("unsent@corp.test").await;
        if rows[0].sent_at.is_some() {
            assert!(!rows[0].body.contains("token="), "{}", rows[0].body);
            break;
        }
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sessions_end_at_their_maximum_age(b: Backend) {
    let s = TestServer::start_configured(b, |config| {
        config.refresh_token_ttl = Duration::from_secs(3);
        config.session_max_age = Duration::from_secs(4);
    })
    .await;
    let user = s.staff_user(StaffRole::Technician).await;
    let started = Utc::now();
    let mut refresh = user.refresh_token.clone();
    // Refreshing keeps each token fresh, but never past the sign-in's maximum age.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let (status, body) = s
            .send(
                Method::POST,
                "/api/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": refresh})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let expires: chrono::DateTime<Utc> = body["refresh_expires_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            expires <= started + chrono::Duration::seconds(4),
            "{expires} is past the session's end"
        );
        refresh = body["refresh_token"].as_str().unwrap().to_owned();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.expect_problem(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
}

async fn a_dealer_cannot_register_a_serial_of_another_model(b: Backend) {
    let s = TestServer::start(b).await;
    let (cs, account, _) = new_account(&s, "9010").await;
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let office = s.create_model(&cs, "Office 50", 50, &["black"]).await;
    let plotter = s.create_model(&cs, "Plotter 36", 2, &["area-m2"]).await;
    let device = s.create_device(&cs, &account, &site, &office, "MX-1").await;
    let dealer = s.create_dealer("Westend Copiers").await;
    let tech = s.dealer_user(&dealer, DealerRole::DealerTechnician).await;
    let res = s
        .request(
            Method::POST,
            "/api/v1/registrations",
            Some(&tech.token),
            Some(json!({"model_id": plotter, "serial_number": "MX-1", "warranty_marketing_program": false})),
        )
        .await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "serial_model_mismatch",
    )
    .await;
    let (status, registration) = s
        .post(
            "/api/v1/registrations",
            &tech.token,
            json!({"model_id": office, "serial_number": "MX-1", "warranty_marketing_program": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{registration}");
    let text = registration.to_string();
    assert!(
        !text.contains(device["id"].as_str().unwrap()),
        "the customer's device id reaches the dealer: {text}"
    );
    assert_eq!(registration["on_portal"], true);
    let (_, listed) = s.get("/api/v1/registrations", &tech.token).await;
    assert!(!listed.to_string().contains(device["id"].as_str().unwrap()));
}
