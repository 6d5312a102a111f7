//! A dealer's users: customer service creates a dealer with its first administrator, who
//! invites technicians; users are listed and removed, and the last administrator stays.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{DealerRole, StaffRole};
use fleetdesk_tests::{Backend, PASSWORD, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(a_dealer_administrator_invites_and_removes_the_dealers_users);

async fn accept(s: &TestServer, email: &str) -> (StatusCode, Value) {
    let token = s.token_mailed_to(email).await;
    s.send(
        Method::POST,
        "/api/v1/dealer-invitations/accept",
        None,
        Some(json!({"token": token, "password": PASSWORD, "display_name": "Dealer User"})),
    )
    .await
}

async fn a_dealer_administrator_invites_and_removes_the_dealers_users(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let (status, dealer) = s
        .post(
            "/api/v1/dealers",
            &cs,
            json!({"name": "Westside Office Systems", "contact_email": "service@westside.example",
                "admin_email": "owner@westside.example"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dealer}");
    let dealer_id = dealer["id"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/dealers/{dealer_id}{tail}");

    // The first administrator accepts the mailed invitation as a new user.
    let (status, joined) = accept(&s, "owner@westside.example").await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(
        (&joined["role"], &joined["new_user"]),
        (&json!("dealer-admin"), &json!(true))
    );
    let (status, again) = accept(&s, "owner@westside.example").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert_eq!(again["code"], "invitation_used");
    let owner = s.login("owner@westside.example", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, me) = s.get("/api/v1/me", &owner).await;
    assert_eq!(me["dealer_id"], dealer_id.as_str());
    let owner_id = me["id"].as_str().unwrap().to_owned();

    // The administrator invites a technician, who may not invite anyone.
    let (status, invitation) = s
        .post(
            &path("/invitations"),
            &owner,
            json!({"email": "tina.tech@westside.example", "role": "dealer-technician"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    assert_eq!(invitation["status"], "pending");
    let (status, _) = accept(&s, "tina.tech@westside.example").await;
    assert_eq!(status, StatusCode::OK);
    let tina = s.login("tina.tech@westside.example", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = s
        .post(
            &path("/invitations"),
            &tina,
            json!({"email": "x@westside.example", "role": "dealer-admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, users) = s.get(&path("/users"), &tina).await;
    assert_eq!(status, StatusCode::OK);
    let roles: Vec<(&str, &str)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["email"].as_str().unwrap(), u["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("owner@westside.example", "dealer-admin"),
            ("tina.tech@westside.example", "dealer-technician")
        ]
    );
    let (_, invitations) = s.get(&path("/invitations"), &owner).await;
    assert!(
        invitations
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "accepted")
    );

    // Bad input and strangers change nothing.
    for bad in [
        json!({"email": "not an address", "role": "dealer-technician"}),
        json!({"email": "a@westside.example", "role": "administrator"}),
    ] {
        let (status, body) = s.post(&path("/invitations"), &owner, bad).await;
        assert!(status.is_client_error(), "{status} {body}");
    }
    let other = s.create_dealer("Eastside Copiers").await;
    let stranger = s.dealer_user(&other, DealerRole::DealerAdmin).await.token;
    for (method, tail) in [
        (Method::GET, "/users".to_owned()),
        (Method::GET, "/invitations".to_owned()),
        (Method::DELETE, format!("/users/{owner_id}")),
    ] {
        s.expect_problem(
            method,
            &path(&tail),
            Some(&stranger),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }

    // Staff and customers' users cannot also become a dealer's users.
    let staff = s.staff_user(StaffRole::CallCenter).await;
    let (status, _) = s
        .post(
            &path("/invitations"),
            &owner,
            json!({"email": staff.email, "role": "dealer-technician"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = s.token_mailed_to(&staff.email).await;
    let (status, refused) = s
        .send(
            Method::POST,
            "/api/v1/dealer-invitations/accept",
            None,
            Some(json!({"token": token, "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["code"], "not_eligible");

    // Roles change; the last administrator is never demoted.
    let tina_id = users[1]["user_id"].as_str().unwrap().to_owned();
    let role_of = |id: &str| path(&format!("/users/{id}"));
    let (status, _) = s
        .send(
            Method::PUT,
            &role_of(&owner_id),
            Some(&tina),
            Some(json!({"role": "dealer-technician"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.expect_problem(
        Method::PUT,
        &role_of(&owner_id),
        Some(&owner),
        Some(json!({"role": "dealer-technician"})),
        StatusCode::CONFLICT,
        "last_administrator",
    )
    .await;
    let (status, promoted) = s
        .send(
            Method::PUT,
            &role_of(&tina_id),
            Some(&owner),
            Some(json!({"role": "dealer-admin"})),
        )
        .await;
    assert_eq!(
        (status, &promoted["role"]),
        (StatusCode::OK, &json!("dealer-admin"))
    );
    let (status, _) = s
        .send(
            Method::PUT,
            &role_of(&tina_id),
            Some(&owner),
            Some(json!({"role": "dealer-technician"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "another administrator remains");

    // The last administrator stays; a removed technician loses access at once.
    s.expect_problem(
        Method::DELETE,
        &path(&format!("/users/{owner_id}")),
        Some(&owner),
        None,
        StatusCode::CONFLICT,
        "last_administrator",
    )
    .await;
    let (status, _) = s.get("/api/v1/registrations", &tina).await;
    assert_eq!(status, StatusCode::OK);
    let res = s
        .request(
            Method::DELETE,
            &path(&format!("/users/{tina_id}")),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, _) = s.get("/api/v1/registrations", &tina).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, users) = s.get(&path("/users"), &cs).await;
    assert_eq!(users.as_array().unwrap().len(), 1);
}
