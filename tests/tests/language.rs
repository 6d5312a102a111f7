//! Every text a person reads comes in Swedish and English: the signed-in user's saved
//! language, else the request's `Accept-Language`, else English; answers say which in
//! `Content-Language`. Codes and field names stay as they are.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    problems_are_written_in_the_readers_language,
    a_saved_language_wins_over_the_header,
);

const SWEDISH: &str = "sv-SE,sv;q=0.9,en;q=0.8";

/// Sends a request with `Accept-Language` (when given); returns the status, the answer's
/// `Content-Language` and its body.
async fn ask(
    s: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    language: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let mut req = s.client.request(method, s.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(language) = language {
        req = req.header("accept-language", language);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let language = res
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    (
        status,
        language,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn problems_are_written_in_the_readers_language(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;

    // Signed out: no token.
    let (status, lang, p) = ask(&s, Method::GET, "/api/v1/me", None, Some(SWEDISH), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(lang.as_deref(), Some("sv"));
    assert_eq!(p["code"], "unauthorized", "codes stay as they are");
    assert_eq!(p["title"], "En giltig bearer-token krävs");
    assert_eq!(p["detail"], "en bearer-token krävs");

    // The same without the header, and with a language the portal is not written in.
    for header in [None, Some("de-DE,fr;q=0.5")] {
        let (_, lang, p) = ask(&s, Method::GET, "/api/v1/me", None, header, None).await;
        assert_eq!(lang.as_deref(), Some("en"));
        assert_eq!(p["title"], "A valid bearer token is required");
        assert_eq!(p["detail"], "a bearer token is required");
    }

    // A record that does not exist, and a route that does not.
    let (status, lang, p) = ask(
        &s,
        Method::GET,
        "/api/v1/devices/nope",
        Some(&cs),
        Some("sv"),
        None,
    )
    .await;
    assert_eq!(
        (status, lang.as_deref()),
        (StatusCode::NOT_FOUND, Some("sv"))
    );
    assert_eq!(
        (p["title"].as_str(), p["detail"].as_str()),
        (Some("Finns inte"), Some("det finns ingen sådan resurs"))
    );
    let (status, _, p) = ask(
        &s,
        Method::GET,
        "/api/v1/no-such-thing",
        None,
        Some("sv"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(p["detail"], "ingen adress /api/v1/no-such-thing");

    // Field messages: the validator's and the domain's rules.
    let (status, lang, p) = ask(
        &s,
        Method::POST,
        "/api/v1/auth/register",
        None,
        Some(SWEDISH),
        Some(json!({"email": "no-at-sign", "password": "short", "display_name": "Anna"})),
    )
    .await;
    assert_eq!(
        (status, lang.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("sv"))
    );
    assert_eq!(p["code"], "validation_failed");
    assert_eq!(p["title"], "Begäran har ogiltiga fält");
    assert_eq!(p["detail"], "begäran har ogiltiga fält");
    assert_eq!(
        p["errors"][0]["field"], "email",
        "field names stay as they are"
    );
    assert_eq!(p["errors"][0]["message"], "behöver ett @");
    let (_, _, p) = ask(
        &s,
        Method::POST,
        "/api/v1/auth/register",
        None,
        Some(SWEDISH),
        Some(json!({"email": "anna@example.test", "password": "x", "display_name": ""})),
    )
    .await;
    let messages: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages.contains(&"ska vara 1 till 100 tecken lång"), "{p}");

    // A refusal with facts: a reading lower than the last one.
    let account = s.create_account(&cs, "C-6001", "S-6001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Office 60", 60, &["black"]).await;
    let device = s
        .create_device(&cs, &account, &site, &model, "LG1001")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/devices/{device}/meter-readings");
    let (status, _, _) = ask(
        &s,
        Method::POST,
        &path,
        Some(&cs),
        None,
        Some(json!({"values": {"black": 1000}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, lang, p) = ask(
        &s,
        Method::POST,
        &path,
        Some(&cs),
        Some("sv"),
        Some(json!({"values": {"black": 900}})),
    )
    .await;
    assert_eq!(
        (status, lang.as_deref()),
        (StatusCode::CONFLICT, Some("sv")),
        "{p}"
    );
    assert_eq!(
        p["title"],
        "Maskinen har redan en mätarställning för den dagen"
    );
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("en mätarställning för maskinen har redan godkänts i dag"),
        "{p}"
    );
    assert!(p["date"].is_string(), "the facts stay: {p}");
    assert_eq!(p["next_steps"][0]["action"], "wait");
    assert_eq!(
        p["next_steps"][0]["description"],
        "En mätarställning per dag tas emot (arbetsplatsens dag): rapportera nästa i morgon."
    );

    // An answer with a sentence (not a problem) follows the same rule.
    let (status, lang, body) = ask(
        &s,
        Method::POST,
        "/api/v1/auth/password-reset",
        None,
        Some("sv"),
        Some(json!({"email": "nobody@example.test"})),
    )
    .await;
    assert_eq!(
        (status, lang.as_deref()),
        (StatusCode::ACCEPTED, Some("sv"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Om adressen har en användare"),
        "{body}"
    );
}

async fn a_saved_language_wins_over_the_header(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-6002", "S-6002").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reader = s.customer(&account, CustomerRole::KnowledgeUser).await;
    let (status, _) = s
        .patch("/api/v1/me", &reader, json!({"language": "sv"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    // A knowledge user may not list devices: 403 in the saved language, whatever the header.
    for header in [None, Some("en"), Some("en-GB,en;q=0.9")] {
        let (status, lang, p) = ask(
            &s,
            Method::GET,
            "/api/v1/devices",
            Some(&reader),
            header,
            None,
        )
        .await;
        assert_eq!(
            (status, lang.as_deref()),
            (StatusCode::FORBIDDEN, Some("sv")),
            "{header:?}"
        );
        assert_eq!(p["title"], "Din roll får inte göra detta");
    }
    let (status, _) = s
        .patch("/api/v1/me", &reader, json!({"language": "en"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, lang, p) = ask(
        &s,
        Method::GET,
        "/api/v1/devices",
        Some(&reader),
        Some(SWEDISH),
        None,
    )
    .await;
    assert_eq!(lang.as_deref(), Some("en"));
    assert_eq!(p["title"], "Your role may not do this");
}
