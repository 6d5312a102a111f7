//! API clients: the OAuth 2.0 client-credentials grant and its errors, scopes and the
//! creator's current role as the client's limits, revocation, secret rotation and the
//! per-client rate.
#![expect(clippy::unwrap_used, reason = "tests")]

use chrono::{Duration, TimeZone, Utc};
use fleetdesk_api::state::Clock;
use fleetdesk_domain::identity::{CustomerRole, DealerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    the_client_credentials_grant_answers_tokens_and_oauth_errors,
    a_client_may_what_its_scopes_and_its_creators_current_role_allow,
    a_revoked_client_is_refused_at_once_and_a_rotated_secret_overlaps,
    who_creates_clients_for_whom,
    a_client_is_held_to_its_rate,
);

const TOKEN: &str = "/api/v1/oauth/token";

fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Posts a token request: `fields` as the form, `basic` as HTTP Basic credentials.
async fn token_request(
    s: &TestServer,
    fields: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> reqwest::Response {
    let mut req = s
        .client
        .post(s.url(TOKEN))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(fields));
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    req.send().await.unwrap()
}

/// Asserts an RFC 6749 §5.2 error: `status`, JSON (not problem+json) with `error`.
async fn oauth_error(res: reqwest::Response, status: StatusCode, error: &str) -> Value {
    assert_eq!(res.status(), status);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/json");
    assert_eq!(res.headers()["cache-control"], "no-store");
    if status == StatusCode::UNAUTHORIZED {
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
    }
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].as_str().unwrap().len() > 5);
    body
}

async fn create_client(s: &TestServer, token: &str, body: Value) -> Value {
    let res = s
        .request(Method::POST, "/api/v1/api-clients", Some(token), Some(body))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let client: Value = res.json().await.unwrap();
    assert!(
        client["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("fdcs_")
    );
    client
}

/// A client's access token for all its scopes (or `scope`).
async fn client_token(s: &TestServer, client: &Value, scope: Option<&str>) -> String {
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );
    let mut fields = vec![
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    if let Some(scope) = scope {
        fields.push(("scope", scope));
    }
    let res = token_request(s, &fields, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

struct Account {
    s: TestServer,
    cs: String,
    account: String,
    device: String,
    admin: String,
}

async fn account(b: Backend, clock: Option<Clock>) -> Account {
    let s = match clock {
        Some(clock) => TestServer::start_configured(b, move |c| c.clock = clock).await,
        None => TestServer::start(b).await,
    };
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-4100", "S-4100").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Matrix 40", 40, &["black"]).await;
    let device = s.create_device(&cs, &account, &site, &model, "MX-41").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    Account {
        s,
        cs,
        account,
        device,
        admin,
    }
}

async fn the_client_credentials_grant_answers_tokens_and_oauth_errors(b: Backend) {
    let Account {
        s, admin, account, ..
    } = account(b, None).await;
    let client = create_client(
        &s,
        &admin,
        json!({"name": "Print room monitor", "account_id": account,
            "scopes": ["devices:read", "readings:write", "events:read"]}),
    )
    .await;
    let id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    assert_eq!(client["id"], id);
    assert_eq!(client["account_id"], account);
    assert_eq!(client["previous_secrets_expire_at"], Value::Null);

    // Form fields and HTTP Basic both authenticate; the answer is RFC 6749 §5.1.
    let grant = [("grant_type", "client_credentials")];
    let with_form = [
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    for res in [
        token_request(&s, &with_form, None).await,
        token_request(&s, &grant, Some((id, secret))).await,
    ] {
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(res.headers()["pragma"], "no-cache");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["scope"], "devices:read readings:write events:read");
        assert!(body["expires_in"].as_i64().unwrap() > 0);
        let (status, _) = s
            .get("/api/v1/events", body["access_token"].as_str().unwrap())
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    // The scheme's name is case-insensitive.
    use base64::Engine;
    let lower = s
        .client
        .post(s.url(TOKEN))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "authorization",
            format!(
                "basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
            ),
        )
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), StatusCode::OK);
    // A narrower token on request.
    let res = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "events:read"),
        ],
        Some((id, secret)),
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "events:read");

    // The errors, each as RFC 6749 §5.2 JSON.
    let wrong = token_request(&s, &grant, Some((id, "fdcs_wrong"))).await;
    oauth_error(wrong, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let unknown = token_request(&s, &grant, Some(("no-such-client", secret))).await;
    oauth_error(unknown, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let long = "k".repeat(5_000);
    let oversized = token_request(&s, &grant, Some((&long, secret))).await;
    oauth_error(oversized, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let anonymous = token_request(&s, &grant, None).await;
    oauth_error(anonymous, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let no_grant = token_request(&s, &[("client_id", id)], None).await;
    oauth_error(no_grant, StatusCode::BAD_REQUEST, "invalid_request").await;
    let password = token_request(&s, &[("grant_type", "password")], Some((id, secret))).await;
    oauth_error(password, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
    let beyond = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "events:read cases:read"),
        ],
        Some((id, secret)),
    )
    .await;
    let body = oauth_error(beyond, StatusCode::BAD_REQUEST, "invalid_scope").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("cases:read")
    );
    let twice = token_request(&s, &with_form, Some((id, secret))).await;
    oauth_error(twice, StatusCode::BAD_REQUEST, "invalid_request").await;
    let repeated = token_request(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials"),
        ],
        Some((id, secret)),
    )
    .await;
    oauth_error(repeated, StatusCode::BAD_REQUEST, "invalid_request").await;
    let as_json = s
        .client
        .post(s.url(TOKEN))
        .json(
            &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .send()
        .await
        .unwrap();
    oauth_error(as_json, StatusCode::BAD_REQUEST, "invalid_request").await;

    // The list and the item show the client, never a secret.
    let (status, list) = s.get("/api/v1/api-clients", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id);
    assert!(list[0].get("client_secret").is_none());
    let (status, one) = s.get(&format!("/api/v1/api-clients/{id}"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        one["scopes"],
        json!(["devices:read", "readings:write", "events:read"])
    );
    // The client's own user row cannot sign in as a person.
    let (status, _) = s
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": format!("{id}@api-clients.invalid"), "password": secret})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_client_may_what_its_scopes_and_its_creators_current_role_allow(b: Backend) {
    let Account {
        s,
        cs,
        account,
        device,
        admin,
    } = account(b, None).await;
    // A second administrator made the client; the first one later demotes and removes them.
    let creator = s.customer(&account, CustomerRole::Administrator).await;
    let (_, me) = s.get("/api/v1/me", &creator).await;
    let creator_id = me["id"].as_str().unwrap().to_owned();
    let client = create_client(
        &s,
        &creator,
        json!({"name": "Meter collector", "account_id": account,
            "scopes": ["devices:read", "readings:read", "readings:write", "events:read"]}),
    )
    .await;
    let client_id = client["id"].as_str().unwrap().to_owned();
    let token = client_token(&s, &client, None).await;

    // The client is what it acts as: its creator's role at its owner.
    let (status, me) = s.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], client_id);
    assert_eq!(me["display_name"], "Meter collector");
    assert_eq!(me["memberships"][0]["account_id"], account);
    assert_eq!(me["memberships"][0]["role"], "administrator");

    // Within scope and role: read the device, submit a reading — recorded as the client's.
    let (status, _) = s.get(&format!("/api/v1/devices/{device}"), &token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, reading) = s
        .post(
            &format!("/api/v1/devices/{device}/meter-readings"),
            &token,
            json!({"values": {"black": 1200}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reading}");
    assert_eq!(reading["recorded_by"], client_id);
    let (_, feed) = s.get("/api/v1/events", &token).await;
    let accepted: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "meter_reading.accepted")
        .collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["actor_id"], client_id);
    // The feed shows only what the scopes reach: the account's and site's events stay out.
    assert!(
        feed["items"].as_array().unwrap().iter().all(|e| {
            let kind = e["kind"].as_str().unwrap();
            kind.starts_with("device.") || kind.starts_with("meter_reading.")
        }),
        "{feed}"
    );

    // Outside its scopes the creator's role does not help: 403.
    for (method, path, body) in [
        (Method::GET, "/api/v1/cases".to_owned(), None),
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/members"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/devices/{device}/location"),
            Some(json!({"location": "Floor 2"})),
        ),
        (
            Method::POST,
            "/api/v1/api-clients".to_owned(),
            Some(json!({"name": "x", "account_id": account, "scopes": ["devices:read"]})),
        ),
        (Method::GET, "/api/v1/api-clients".to_owned(), None),
    ] {
        s.expect_problem(
            method,
            &path,
            Some(&token),
            body,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    // Another account's device does not exist for it.
    let other = s.create_account(&cs, "C-4199", "S-4199").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_site = s.create_site(&cs, &other, "NY", "America/New_York").await;
    let model = s.create_model(&cs, "Matrix 50", 50, &["black"]).await;
    let foreign = s
        .create_device(&cs, &other, &other_site, &model, "MX-99")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = s.get(&format!("/api/v1/devices/{foreign}"), &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The creator demoted to a device manager with no devices: the client narrows with them,
    // on its very next request, with the same token.
    let (status, body) = s
        .patch(
            &format!("/api/v1/accounts/{account}/members/{creator_id}"),
            &admin,
            json!({"role": "device-manager"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s.get(&format!("/api/v1/devices/{device}"), &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.assign_devices(&admin, &account, &creator, &[&device])
        .await;
    let (status, _) = s.get(&format!("/api/v1/devices/{device}"), &token).await;
    assert_eq!(status, StatusCode::OK);

    // The creator removed from the account: the client ends — its token and its grant.
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/accounts/{account}/members/{creator_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/devices/{device}"),
        Some(&token),
        None,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let res = token_request(
        &s,
        &[("grant_type", "client_credentials")],
        Some((
            client["client_id"].as_str().unwrap(),
            client["client_secret"].as_str().unwrap(),
        )),
    )
    .await;
    oauth_error(res, StatusCode::BAD_REQUEST, "unauthorized_client").await;
}

async fn a_revoked_client_is_refused_at_once_and_a_rotated_secret_overlaps(b: Backend) {
    let start = Utc.with_ymd_and_hms(2026, 6, 15, 9, 0, 0).unwrap();
    let clock = Clock::fixed(start);
    let Account {
        s,
        account,
        device,
        admin,
        cs,
        ..
    } = account(b, Some(clock.clone())).await;
    let client = create_client(
        &s,
        &admin,
        json!({"name": "Monitor", "account_id": account, "scopes": ["devices:read"]}),
    )
    .await;
    let id = client["id"].as_str().unwrap().to_owned();
    let old_secret = client["client_secret"].as_str().unwrap().to_owned();

    // Rotation: a new secret; the old one works until the overlap ends (24 h here).
    let (status, rotated) = s
        .post(
            &format!("/api/v1/api-clients/{id}/secrets"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rotated}");
    let new_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    assert_eq!(
        rotated["previous_secrets_expire_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        start + Duration::hours(24)
    );
    let grant = [("grant_type", "client_credentials")];
    for secret in [&old_secret, &new_secret] {
        let res = token_request(&s, &grant, Some((&id, secret))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    clock.set(start + Duration::hours(24) + Duration::seconds(1));
    let res = token_request(&s, &grant, Some((&id, &old_secret))).await;
    oauth_error(res, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let res = token_request(&s, &grant, Some((&id, &new_secret))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, _) = s.get(&format!("/api/v1/devices/{device}"), &token).await;
    assert_eq!(status, StatusCode::OK);

    // Another account's administrator and a knowledge user do not reach it.
    let other = s.create_account(&cs, "C-4200", "S-4200").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = s.customer(&other, CustomerRole::Administrator).await;
    let (status, _) = s.get(&format!("/api/v1/api-clients/{id}"), &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, list) = s.get("/api/v1/api-clients", &stranger).await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/api-clients/{id}"),
            Some(&stranger),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reader = s.customer(&account, CustomerRole::KnowledgeUser).await;
    let (status, _) = s.get("/api/v1/api-clients", &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Revoked: the token it holds stops on the next request, and no new one is issued.
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/api-clients/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let res = s
        .request(
            Method::GET,
            &format!("/api/v1/devices/{device}"),
            Some(&token),
            None,
        )
        .await;
    let problem = assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert!(problem["detail"].as_str().unwrap().contains("revoked"));
    let res = token_request(&s, &grant, Some((&id, &new_secret))).await;
    oauth_error(res, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let (_, one) = s.get(&format!("/api/v1/api-clients/{id}"), &admin).await;
    assert!(one["revoked_at"].is_string());
    s.expect_problem(
        Method::POST,
        &format!("/api/v1/api-clients/{id}/secrets"),
        Some(&admin),
        Some(json!({})),
        StatusCode::CONFLICT,
        "api_client_revoked",
    )
    .await;
    // Revoking again changes nothing.
    let (status, _) = s
        .send(
            Method::DELETE,
            &format!("/api/v1/api-clients/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, feed) = s.get("/api/v1/events", &admin).await;
    let kinds: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| k.starts_with("api_client."))
        .collect();
    assert_eq!(
        kinds,
        [
            "api_client.created",
            "api_client.secret_rotated",
            "api_client.revoked"
        ]
    );
}

async fn who_creates_clients_for_whom(b: Backend) {
    let Account {
        s,
        cs,
        account,
        admin,
        ..
    } = account(b, None).await;
    let dealer = s.create_dealer("Westside Office Service").await;
    let dealer_admin = s.dealer_user(&dealer, DealerRole::DealerAdmin).await.token;
    let dealer_tech = s
        .dealer_user(&dealer, DealerRole::DealerTechnician)
        .await
        .token;

    // A dealer's administrator: their own dealer, named or not; scopes their role can use.
    let client = create_client(
        &s,
        &dealer_admin,
        json!({"name": "Dispatch system", "scopes": ["dispatches:read", "dispatches:write", "events:read"]}),
    )
    .await;
    assert_eq!(client["dealer_id"], dealer);
    assert_eq!(client["account_id"], Value::Null);
    let problem = s
        .expect_problem(
            Method::POST,
            "/api/v1/api-clients",
            Some(&dealer_admin),
            Some(json!({"name": "x", "scopes": ["stock:read"]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "scopes");
    s.expect_problem(
        Method::POST,
        "/api/v1/api-clients",
        Some(&dealer_admin),
        Some(json!({"name": "x", "scopes": ["no:such"]})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    s.expect_problem(
        Method::POST,
        "/api/v1/api-clients",
        Some(&dealer_admin),
        Some(json!({"name": "x", "scopes": []})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Another organisation is not theirs to give.
    s.expect_problem(
        Method::POST,
        "/api/v1/api-clients",
        Some(&dealer_admin),
        Some(json!({"name": "x", "account_id": account, "scopes": ["dispatches:read"]})),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    s.expect_problem(
        Method::POST,
        "/api/v1/api-clients",
        Some(&dealer_tech),
        Some(json!({"name": "x", "scopes": ["dispatches:read"]})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A customer administrator names the account.
    s.expect_problem(
        Method::POST,
        "/api/v1/api-clients",
        Some(&admin),
        Some(json!({"name": "x", "scopes": ["devices:read"]})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Customer service: the manufacturer's own systems, not an account's.
    let own = create_client(
        &s,
        &cs,
        json!({"name": "ERP", "scopes": ["readings:read", "accounts:read"]}),
    )
    .await;
    assert_eq!(own["account_id"], Value::Null);
    assert_eq!(own["dealer_id"], Value::Null);
    s.expect_problem(
        Method::POST,
        "/api/v1/api-clients",
        Some(&cs),
        Some(json!({"name": "x", "account_id": account, "scopes": ["devices:read"]})),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Each administrator lists their own organisation's; customer service every one.
    let (_, dealers) = s.get("/api/v1/api-clients", &dealer_admin).await;
    assert_eq!(dealers.as_array().unwrap().len(), 1);
    let (_, all) = s.get("/api/v1/api-clients", &cs).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (status, _) = s
        .get(
            &format!("/api/v1/api-clients/{}", own["id"].as_str().unwrap()),
            &dealer_admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The dealer's client works the dealer's dispatches list, nothing of the staff's.
    let token = client_token(&s, &client, None).await;
    let (status, _) = s.get("/api/v1/dispatches", &token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.get("/api/v1/calls", &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_client_is_held_to_its_rate(b: Backend) {
    let s = TestServer::start_configured(b, |c| c.client_requests_per_minute = 5).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let first = create_client(&s, &cs, json!({"name": "ERP", "scopes": ["accounts:read"]})).await;
    let second = create_client(&s, &cs, json!({"name": "BI", "scopes": ["accounts:read"]})).await;
    let (one, two) = (
        client_token(&s, &first, None).await,
        client_token(&s, &second, None).await,
    );
    for _ in 0..5 {
        let (status, _) = s.get("/api/v1/accounts", &one).await;
        assert_eq!(status, StatusCode::OK);
    }
    let res = s
        .request(Method::GET, "/api/v1/accounts", Some(&one), None)
        .await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=13).contains(&retry), "{retry}");
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another client, and people, are not held by it.
    let (status, _) = s.get("/api/v1/accounts", &two).await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..10 {
        let (status, _) = s.get("/api/v1/accounts", &cs).await;
        assert_eq!(status, StatusCode::OK);
    }
}
