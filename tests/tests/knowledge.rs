//! The knowledge base: staff write articles; every customer user, knowledge users included,
//! searches the published ones by word (most relevant first), model and tag; drafts stay
//! with staff; and knowledge users can do nothing else.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, StatusCode, TestServer, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    customers_search_published_articles_by_word_model_and_tag,
    a_knowledge_user_can_do_nothing_else,
    articles_have_a_language_and_tags_in_any_alphabet,
    a_search_prefers_the_callers_language,
);

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn write(s: &TestServer, token: &str, body: Value) -> String {
    let (status, article) = s.post("/api/v1/knowledge/articles", token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    article["id"].as_str().unwrap().to_owned()
}

async fn customers_search_published_articles_by_word_model_and_tag(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let call_center = s.staff(StaffRole::CallCenter).await;
    let office = s.create_model(&cs, "Office 40", 40, &["black"]).await;
    let plotter = s.create_model(&cs, "Plotter 44", 2, &["area-m2"]).await;
    write(
        &s,
        &cs,
        json!({"title": "Streaks after a toner change", "status": "published",
        "body": "Shake the new cartridge five times before fitting it.", "model_ids": [office],
        "tags": ["toner", "print-quality"]}),
    )
    .await;
    write(&s, &call_center, json!({"title": "Paper jam in tray 2", "status": "published",
        "body": "Open the toner door, then clear tray 2.", "model_ids": [office], "tags": ["paper-jam"]})).await;
    write(&s, &cs, json!({"title": "Calibrating plotter ink", "status": "published",
        "body": "Run the colour calibration from the panel.", "model_ids": [plotter], "tags": ["ink"]})).await;
    let draft = write(
        &s,
        &cs,
        json!({"title": "Toner recall (not yet announced)", "status": "draft",
        "body": "Batch 42 of toner cartridges leaks.", "tags": ["toner"]}),
    )
    .await;

    let account = s.create_account(&cs, "C-8001", "S-8001").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reader = s.customer(&account, CustomerRole::KnowledgeUser).await;
    let search = |query: &str| format!("/api/v1/knowledge/articles?{query}");

    // By word: every word must be found; the title match ranks first; drafts hidden.
    let (status, page) = s.get(&search("q=toner"), &reader).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        titles(&page),
        vec!["Streaks after a toner change", "Paper jam in tray 2"]
    );
    assert!(page["items"][0]["score"].as_u64() > page["items"][1]["score"].as_u64());
    let (_, page) = s.get(&search("q=toner%20streak"), &reader).await;
    assert_eq!(titles(&page), vec!["Streaks after a toner change"]);
    let (_, page) = s.get(&search("q=recall"), &reader).await;
    assert_eq!(titles(&page), Vec::<String>::new(), "a draft is not found");
    // By model and by tag.
    let (_, page) = s.get(&search(&format!("model={plotter}")), &reader).await;
    assert_eq!(titles(&page), vec!["Calibrating plotter ink"]);
    let (_, page) = s.get(&search("tag=toner"), &reader).await;
    assert_eq!(titles(&page), vec!["Streaks after a toner change"]);
    let (_, page) = s
        .get(
            &search(&format!("q=tray&model={office}&tag=paper-jam")),
            &reader,
        )
        .await;
    assert_eq!(titles(&page), vec!["Paper jam in tray 2"]);
    // Paging.
    let (_, first) = s.get(&search("limit=2"), &reader).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = s
        .get(&search(&format!("limit=2&cursor={cursor}")), &reader)
        .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_cursor"], Value::Null);

    // Drafts are staff-only.
    s.expect_problem(
        Method::GET,
        &format!("/api/v1/knowledge/articles/{draft}"),
        Some(&reader),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let (status, _) = s.get(&search("status=draft"), &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, staff_view) = s.get(&search("tag=toner"), &cs).await;
    assert_eq!(titles(&staff_view).len(), 2);
    let (_, drafts) = s.get(&search("status=draft"), &call_center).await;
    assert_eq!(titles(&drafts), vec!["Toner recall (not yet announced)"]);

    // Publishing makes it visible.
    let (status, published) = s
        .send(
            Method::PUT,
            &format!("/api/v1/knowledge/articles/{draft}"),
            Some(&cs),
            Some(json!({"title": "Toner recall", "status": "published",
                "body": "Batch 42 of toner cartridges leaks.", "tags": ["toner", "recall"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert!(published["published_at"].is_string());
    let (_, page) = s.get(&search("q=recall"), &reader).await;
    assert_eq!(titles(&page), vec!["Toner recall"]);

    // Bad input changes nothing; only writers write.
    for bad in [
        json!({"title": " ", "body": "x", "status": "published"}),
        json!({"title": "T", "body": "x", "status": "live"}),
        json!({"title": "T", "body": "x", "status": "draft", "model_ids": ["no-such-model"]}),
        json!({"title": "T", "body": "x", "status": "draft", "tags": ["two words"]}),
    ] {
        let (status, body) = s.post("/api/v1/knowledge/articles", &cs, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let planner = s.staff(StaffRole::DispatchPlanner).await;
    let (status, _) = s
        .post(
            "/api/v1/knowledge/articles",
            &planner,
            json!({"title": "T", "body": "x", "status": "draft"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, all) = s.get(&search("limit=200"), &cs).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 4);
}

async fn a_knowledge_user_can_do_nothing_else(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-8101", "S-8101").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Office 40", 40, &["black"]).await;
    let device = s.create_device(&cs, &account, &site, &model, "KN-1").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let article = write(
        &s,
        &cs,
        json!({"title": "Toner", "body": "Shake it.", "status": "published"}),
    )
    .await;
    let reader = s.customer(&account, CustomerRole::KnowledgeUser).await;
    let (status, _) = s
        .get(&format!("/api/v1/knowledge/articles/{article}"), &reader)
        .await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (Method::GET, "/api/v1/accounts".to_owned(), None),
        (Method::GET, format!("/api/v1/accounts/{account}"), None),
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/sites"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/members"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/accounts/{account}/service-contract"),
            None,
        ),
        (Method::GET, "/api/v1/devices".to_owned(), None),
        (Method::GET, format!("/api/v1/devices/{device}"), None),
        (
            Method::POST,
            format!("/api/v1/devices/{device}/meter-readings"),
            Some(json!({"values": {"black": 10}})),
        ),
        (Method::GET, "/api/v1/cases".to_owned(), None),
        (
            Method::POST,
            "/api/v1/cases".to_owned(),
            Some(
                json!({"device_id": device, "category": "fault", "summary": "x", "description": "y"}),
            ),
        ),
        (Method::GET, "/api/v1/stock-locations".to_owned(), None),
        (Method::GET, "/api/v1/replenishment-orders".to_owned(), None),
        (Method::GET, "/api/v1/events".to_owned(), None),
        (Method::GET, "/api/v1/dispatches".to_owned(), None),
        (Method::GET, "/api/v1/registrations".to_owned(), None),
        (
            Method::POST,
            "/api/v1/knowledge/articles".to_owned(),
            Some(json!({"title": "T", "body": "x", "status": "draft"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/knowledge/articles/{article}"),
            Some(json!({"title": "T", "body": "x", "status": "draft"})),
        ),
    ] {
        let (status, answer) = s.send(method.clone(), &path, Some(&reader), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
    }
    // A signed-in user with no membership yet is not a customer user.
    let (status, _) = s
        .get(
            "/api/v1/knowledge/articles",
            &s.staff(StaffRole::Technician).await,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "staff read");
}

/// Swedish articles carry Swedish tags (`pappersstopp`, `färg`); a search filters by
/// language; an unknown language or a tag with a space is refused.
async fn articles_have_a_language_and_tags_in_any_alphabet(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let swedish = write(
        &s,
        &cs,
        json!({"title": "Pappersstopp i magasin 2", "status": "published", "language": "sv",
            "body": "Dra ut magasinet och ta bort papperet.", "tags": ["Pappersstopp", "färg", "toner-byte"]}),
    )
    .await;
    write(
        &s,
        &cs,
        json!({"title": "Paper jam in tray 2", "status": "published",
            "body": "Pull the tray out and remove the paper.", "tags": ["paper-jam"]}),
    )
    .await;
    let (_, article) = s
        .get(&format!("/api/v1/knowledge/articles/{swedish}"), &cs)
        .await;
    assert_eq!(article["language"], "sv");
    assert_eq!(
        article["tags"],
        json!(["färg", "pappersstopp", "toner-byte"])
    );

    let account = s.create_account(&cs, "C-8101", "S-8101").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reader = s.customer(&account, CustomerRole::KnowledgeUser).await;
    let (_, page) = s
        .get("/api/v1/knowledge/articles?language=sv", &reader)
        .await;
    assert_eq!(titles(&page), vec!["Pappersstopp i magasin 2"]);
    assert_eq!(page["items"][0]["language"], "sv");
    let (_, page) = s
        .get("/api/v1/knowledge/articles?language=en", &reader)
        .await;
    assert_eq!(
        titles(&page),
        vec!["Paper jam in tray 2"],
        "`en` unless given"
    );
    let (_, page) = s
        .get("/api/v1/knowledge/articles?tag=f%C3%A4rg", &reader)
        .await;
    assert_eq!(titles(&page), vec!["Pappersstopp i magasin 2"]);
    let (_, page) = s
        .get("/api/v1/knowledge/articles?q=pappersstopp", &reader)
        .await;
    assert_eq!(titles(&page), vec!["Pappersstopp i magasin 2"]);

    let (status, _) = s
        .get("/api/v1/knowledge/articles?language=de", &reader)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for bad in [
        json!({"title": "T", "status": "draft", "body": "B", "language": "de"}),
        json!({"title": "T", "status": "draft", "body": "B", "tags": ["två ord"]}),
    ] {
        let (status, body) = s.post("/api/v1/knowledge/articles", &cs, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
}

async fn a_search_prefers_the_callers_language(b: Backend) {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    // The English article matches better (title and body); the Swedish one in its body only.
    write(
        &s,
        &cs,
        json!({"title": "Replacing the toner", "status": "published", "language": "en",
            "body": "Open the front cover and pull the toner out; shake the new toner."}),
    )
    .await;
    write(
        &s,
        &cs,
        json!({"title": "Byta tonerkassett", "status": "published", "language": "sv",
            "body": "Öppna luckan och dra ut kassetten."}),
    )
    .await;
    let account = s.create_account(&cs, "C-8102", "S-8102").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reader = s.customer(&account, CustomerRole::KnowledgeUser).await;
    let search = |accept: Option<&'static str>| {
        let mut req = s
            .client
            .get(s.url("/api/v1/knowledge/articles?q=toner"))
            .bearer_auth(&reader);
        if let Some(accept) = accept {
            req = req.header("accept-language", accept);
        }
        async move {
            let page: Value = req.send().await.unwrap().json().await.unwrap();
            titles(&page)
        }
    };
    let english_first = vec!["Replacing the toner", "Byta tonerkassett"];
    let swedish_first = vec!["Byta tonerkassett", "Replacing the toner"];
    // No language known: the most relevant first.
    assert_eq!(search(None).await, english_first);
    // The request's language…
    assert_eq!(search(Some("sv-SE,sv;q=0.9,en;q=0.5")).await, swedish_first);
    assert_eq!(search(Some("en-GB")).await, english_first);
    // …and the saved one, which wins over the request's.
    let (status, _) = s
        .patch("/api/v1/me", &reader, json!({"language": "sv"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(search(None).await, swedish_first);
    assert_eq!(search(Some("en")).await, swedish_first);
}
