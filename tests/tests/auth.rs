//! Sign-in, token rotation and every way a bearer token can be bad.
#![expect(clippy::unwrap_used, reason = "tests")]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fleetdesk_domain::identity::StaffRole;
use fleetdesk_tests::{Backend, JWT_SECRET, PASSWORD, StatusCode, TestServer, both_backends};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::json;

both_backends!(
    login_succeeds_and_me_shows_the_user,
    login_failures_look_alike,
    refresh_rotates_and_reuse_revokes_the_sign_in,
    logout_revokes_the_refresh_token,
    simultaneous_refreshes_with_one_token_succeed_once,
    bad_tokens_are_refused,
);

async fn login_succeeds_and_me_shows_the_user(b: Backend) {
    let s = TestServer::start(b).await;
    let token = s.staff(StaffRole::CustomerService).await;
    let (status, me) = s.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["staff_role"], "customer-service");
    assert_eq!(me["memberships"], json!([]));
    assert!(me["email"].as_str().unwrap().ends_with("@fleetdesk.test"));
    assert!(me.get("password_hash").is_none());
}

async fn login_failures_look_alike(b: Backend) {
    let s = TestServer::start(b).await;
    let user = s.staff_user(StaffRole::CallCenter).await;
    let email = user.email.as_str();
    let mut bodies = Vec::new();
    for (email, password) in [
        (email, "wrong password"),
        ("nobody@fleetdesk.test", PASSWORD),
        ("not an address", PASSWORD),
    ] {
        let body = s
            .expect_problem(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
            )
            .await;
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "wrong password and unknown address answer alike"
    );
    // Missing fields are a validation error, not a sign-in failure.
    s.expect_problem(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

async fn refresh_rotates_and_reuse_revokes_the_sign_in(b: Backend) {
    let s = TestServer::start(b).await;
    let first = s.staff_user(StaffRole::Technician).await.refresh_token;

    let (status, rotated) = s
        .send(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": first})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second, "refresh hands out a new refresh token");
    let (status, _) = s
        .get("/api/v1/me", rotated["access_token"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);

    // The first token again: refused, and the whole sign-in is revoked with it.
    assert_refresh_refused(&s, &first).await;
    assert_refresh_refused(&s, &second).await;

    assert_refresh_refused(&s, "made-up").await;
}

async fn simultaneous_refreshes_with_one_token_succeed_once(b: Backend) {
    let s = TestServer::start(b).await;
    let refresh = s.staff_user(StaffRole::Technician).await.refresh_token;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (client, url, refresh) = (
            s.client.clone(),
            s.url("/api/v1/auth/refresh"),
            refresh.clone(),
        );
        tasks.spawn(async move {
            let res = client
                .post(url)
                .json(&json!({"refresh_token": refresh}))
                .send()
                .await
                .unwrap();
            res.status()
        });
    }
    let statuses = tasks.join_all().await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(
        ok, 1,
        "one refresh token buys exactly one new pair: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
}

async fn logout_revokes_the_refresh_token(b: Backend) {
    let s = TestServer::start(b).await;
    let user = s.staff_user(StaffRole::WarrantyAdmin).await;
    let (access, refresh) = (user.token.as_str(), user.refresh_token.as_str());

    s.expect_problem(
        Method::POST,
        "/api/v1/auth/logout",
        None,
        Some(json!({"refresh_token": refresh})),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    let (status, _) = s
        .post(
            "/api/v1/auth/logout",
            access,
            json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_refresh_refused(&s, refresh).await;
}

async fn assert_refresh_refused(s: &TestServer, refresh_token: &str) {
    s.expect_problem(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh_token})),
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
}

fn sign(claims: serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn bad_tokens_are_refused(b: Backend) {
    let s = TestServer::start(b).await;
    let good = s.staff(StaffRole::CustomerService).await;
    let (_, me) = s.get("/api/v1/me", &good).await;
    let sub = me["id"].as_str().unwrap();
    let now = chrono::Utc::now().timestamp();
    let claims = |iss: &str, aud: &str, exp: i64| json!({"iss": iss, "aud": aud, "sub": sub, "iat": now, "exp": exp});

    // The forged claims are fine except for the defect named: a valid token proves the shape.
    let valid = sign(claims("fleetdesk", "fleetdesk-api", now + 300), JWT_SECRET);
    assert_eq!(s.get("/api/v1/me", &valid).await.0, StatusCode::OK);

    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let body_none =
        URL_SAFE_NO_PAD.encode(claims("fleetdesk", "fleetdesk-api", now + 300).to_string());
    let cases = [
        (
            "bad signature",
            sign(
                claims("fleetdesk", "fleetdesk-api", now + 300),
                "another-secret-another-secret-another",
            ),
        ),
        (
            "wrong issuer",
            sign(
                claims("someone-else", "fleetdesk-api", now + 300),
                JWT_SECRET,
            ),
        ),
        (
            "wrong audience",
            sign(claims("fleetdesk", "another-api", now + 300), JWT_SECRET),
        ),
        (
            "expired",
            sign(claims("fleetdesk", "fleetdesk-api", now - 600), JWT_SECRET),
        ),
        ("alg none", format!("{header_none}.{body_none}.")),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        let body = s
            .expect_problem(
                Method::GET,
                "/api/v1/me",
                Some(&token),
                None,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            )
            .await;
        assert!(body["detail"].is_string(), "{case}: {body}");
    }
    s.expect_problem(
        Method::GET,
        "/api/v1/me",
        None,
        None,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}
