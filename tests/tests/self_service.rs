//! What users do for themselves: their name and language, a changed password (every other
//! sign-in ends at once), and a forgotten password reset through a real SMTP server — with the
//! same answer for an address that has no user.
#![expect(clippy::unwrap_used, reason = "tests")]

use std::time::Duration;

use chrono::TimeZone;
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::StaffRole;
use fleetdesk_tests::smtp::SmtpServer;
use fleetdesk_tests::{Backend, PASSWORD, StatusCode, TestServer, both_backends, token_in};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    a_changed_password_ends_every_other_sign_in,
    a_forgotten_password_is_reset_by_mail_once,
    users_set_their_own_name_and_language,
);

async fn refresh(s: &TestServer, refresh_token: &str) -> StatusCode {
    s.send(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh_token})),
    )
    .await
    .0
}

async fn sign_in(s: &TestServer, email: &str, password: &str) -> StatusCode {
    s.send(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
    .0
}

async fn a_changed_password_ends_every_other_sign_in(b: Backend) {
    let s = TestServer::start(b).await;
    let user = s.staff_user(StaffRole::CustomerService).await;
    // A second sign-in, elsewhere.
    let other = s.login(&user.email, PASSWORD).await;
    let other_token = other["access_token"].as_str().unwrap().to_owned();
    let new_password = "a much longer passphrase 2026";

    // The current password must be proven; a weak new one is refused; neither changes anything.
    let problem = s
        .expect_problem(
            Method::POST,
            "/api/v1/me/password",
            Some(&user.token),
            Some(json!({"current_password": "not it at all", "new_password": new_password})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "current_password");
    let problem = s
        .expect_problem(
            Method::POST,
            "/api/v1/me/password",
            Some(&user.token),
            Some(json!({"current_password": PASSWORD, "new_password": "1234567890"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "new_password");
    let (status, _) = s.get("/api/v1/me", &other_token).await;
    assert_eq!(status, StatusCode::OK);

    // Tokens carry whole seconds: the change comes a second after the sign-ins.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = s
        .request(
            Method::POST,
            "/api/v1/me/password",
            Some(&user.token),
            Some(json!({"current_password": PASSWORD, "new_password": new_password})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let fresh: Value = res.json().await.unwrap();
    let fresh_token = fresh["access_token"].as_str().unwrap();

    // Every earlier sign-in has ended at once: access and refresh tokens alike.
    for token in [&user.token, &other_token] {
        let (status, body) = s.get("/api/v1/me", token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    assert_eq!(
        refresh(&s, &user.refresh_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh(&s, other["refresh_token"].as_str().unwrap()).await,
        StatusCode::UNAUTHORIZED
    );
    // The answer's sign-in goes on; the old password is gone, the new one works.
    let (status, _) = s.get("/api/v1/me", fresh_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        refresh(&s, fresh["refresh_token"].as_str().unwrap()).await,
        StatusCode::OK
    );
    assert_eq!(
        sign_in(&s, &user.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sign_in(&s, &user.email, new_password).await, StatusCode::OK);
    // The user is told by mail.
    let mails = s.mails_to(&user.email).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("password was changed")),
        "{mails:?}"
    );
}

async fn a_forgotten_password_is_reset_by_mail_once(b: Backend) {
    let smtp = SmtpServer::start(0).await;
    let start = chrono::Utc.with_ymd_and_hms(2026, 6, 15, 9, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let (c, smtp_url) = (clock.clone(), smtp.url());
    let s = TestServer::start_configured(b, move |config| {
        config.mail.smtp_url = Some(smtp_url);
        config.clock = c;
    })
    .await;
    let user = s.staff_user(StaffRole::CallCenter).await;
    let ask = |email: &str| {
        s.send(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({ "email": email })),
        )
    };

    // The same answer for an address with a user and one without.
    let (known_status, known) = ask(&user.email).await;
    let (unknown_status, unknown) = ask("nobody-here@fleetdesk.test").await;
    assert_eq!(known_status, StatusCode::ACCEPTED);
    assert_eq!((unknown_status, &unknown), (known_status, &known));

    // The mail arrives through SMTP; only the user's.
    let mail = smtp.wait_for(&user.email, Duration::from_secs(20)).await;
    let token = token_in(&mail.body()).unwrap();
    assert!(
        mail.header("subject")
            .unwrap()
            .contains("Reset your fleetdesk password")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        smtp.received()
            .iter()
            .all(|m| !m.to.iter().any(|t| t.contains("nobody-here"))),
        "a mail to an address without a user"
    );

    // A weak password is refused and the token still works; then it works once.
    let confirm = |token: &str, password: &str| {
        s.send(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({"token": token, "new_password": password})),
        )
    };
    let (status, _) = confirm(&token, "1234567890").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Tokens carry whole seconds: the reset comes a second after the sign-in.
    clock.set(start + chrono::Duration::seconds(1));
    let new_password = "remembered at last, 2026";
    let (status, body) = confirm(&token, new_password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = confirm(&token, "and once more, 2026!").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "reset_token_invalid");

    // Every sign-in has ended; the new password signs in.
    let (status, _) = s.get("/api/v1/me", &user.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh(&s, &user.refresh_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&s, &user.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sign_in(&s, &user.email, new_password).await, StatusCode::OK);

    // A link older than an hour does not work.
    let (status, _) = ask(&user.email).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let late = loop {
        let mails: Vec<_> = smtp
            .received()
            .into_iter()
            .filter(|m| m.to.contains(&user.email))
            .filter_map(|m| token_in(&m.body()))
            .collect();
        if mails.len() == 2 {
            break mails[1].clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    clock.set(start + chrono::Duration::seconds(1) + chrono::Duration::minutes(61));
    let (status, _) = confirm(&late, "too late to matter, 2026").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn users_set_their_own_name_and_language(b: Backend) {
    let s = TestServer::start(b).await;
    let token = s.staff(StaffRole::Technician).await;
    let (_, me) = s.get("/api/v1/me", &token).await;
    assert_eq!(me["language"], Value::Null);
    let (status, me) = s
        .patch(
            "/api/v1/me",
            &token,
            json!({"display_name": "Tekla Tekniker", "language": "sv"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["display_name"], "Tekla Tekniker");
    assert_eq!(me["language"], "sv");
    let (_, again) = s.get("/api/v1/me", &token).await;
    assert_eq!(again, me);
    let (status, _) = s
        .patch("/api/v1/me", &token, json!({"language": "de"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s
        .patch("/api/v1/me", &token, json!({"display_name": "   "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // An array of the fields is not an object, whatever serde would make of it.
    let (status, _) = s.patch("/api/v1/me", &token, json!([null, "en"])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, unchanged) = s.get("/api/v1/me", &token).await;
    assert_eq!(unchanged, me);
}
