//! Files attached to cases: uploaded as a form, listed, downloaded byte for byte; internal
//! files hidden from customers; too large, the wrong kind, or not a form at all refused and
//! nothing stored.
#![expect(clippy::unwrap_used, reason = "tests")]

use fleetdesk_domain::identity::{CustomerRole, StaffRole};
use fleetdesk_tests::{Backend, FormPart, StatusCode, TestServer, assert_problem, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    attachments_are_uploaded_listed_and_downloaded_within_the_case_scope,
    wrong_or_oversized_files_are_refused_and_nothing_is_stored,
);

struct Setup {
    s: TestServer,
    cs: String,
    admin: String,
    manager: String,
    case: String,
}

/// An account with two devices, its administrator, a device manager of the second device,
/// and a case on the first.
async fn setup(b: Backend) -> Setup {
    let s = TestServer::start(b).await;
    let cs = s.staff(StaffRole::CustomerService).await;
    let account = s.create_account(&cs, "C-8101", "S-8101").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let site = s.create_site(&cs, &account, "HQ", "Europe/Stockholm").await;
    let model = s.create_model(&cs, "Office 60", 60, &["black"]).await;
    let first = s
        .create_device(&cs, &account, &site, &model, "AT1001")
        .await;
    let second = s
        .create_device(&cs, &account, &site, &model, "AT1002")
        .await;
    let admin = s.customer(&account, CustomerRole::Administrator).await;
    let manager = s.customer(&account, CustomerRole::DeviceManager).await;
    let second = second["id"].as_str().unwrap();
    s.assign_devices(&admin, &account, &manager, &[second])
        .await;
    let (status, case) = s
        .post(
            "/api/v1/cases",
            &admin,
            json!({"device_id": first["id"], "category": "fault", "summary": "E-041 on the panel",
                "description": "The panel shows E-041 after every job."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    Setup {
        s,
        cs,
        admin,
        manager,
        case: case["id"].as_str().unwrap().to_owned(),
    }
}

/// A PNG signature followed by `len` bytes of every value, so that any change shows.
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len).map(|i| (i % 251) as u8));
    bytes
}

async fn json_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn file_names(s: &TestServer, token: &str, case: &str) -> Vec<String> {
    let (status, list) = s
        .get(&format!("/api/v1/cases/{case}/attachments"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap().to_owned())
        .collect()
}

async fn attachments_are_uploaded_listed_and_downloaded_within_the_case_scope(b: Backend) {
    let Setup {
        s,
        cs,
        admin,
        manager,
        case,
    } = setup(b).await;
    let path = format!("/api/v1/cases/{case}/attachments");
    let screen = png(300_000);

    let res = s
        .upload(
            &path,
            &admin,
            &[FormPart::file("felkod skärm.png", "image/png", &screen)],
            &[],
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (status, uploaded) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(uploaded["file_name"], "felkod skärm.png");
    assert_eq!(uploaded["content_type"], "image/png");
    assert_eq!(uploaded["size_bytes"], screen.len());
    assert_eq!(uploaded["internal"], false);
    assert_eq!(
        location,
        format!(
            "/api/v1/cases/{case}/attachments/{}",
            uploaded["id"].as_str().unwrap()
        )
    );

    // A PDF sent with a generic type is known by its content; a log by staff is internal.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    let (status, config_page) = json_of(
        s.upload(
            &path,
            &admin,
            &[FormPart::file(
                "config.pdf",
                "application/octet-stream",
                pdf,
            )],
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{config_page}");
    assert_eq!(config_page["content_type"], "application/pdf");
    let log = "2026-12-01 08:14 E-041 fuser temperature low\n".repeat(50);
    let (status, internal) = json_of(
        s.upload(
            &path,
            &cs,
            &[
                FormPart::field("internal", "true"),
                FormPart::file("service.log", "text/plain", log.as_bytes()),
            ],
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{internal}");
    assert_eq!(internal["internal"], true);
    assert_eq!(internal["content_type"], "text/plain");

    // Customers cannot attach internal files.
    let res = s
        .upload(
            &path,
            &admin,
            &[
                FormPart::field("internal", "true"),
                FormPart::file("x.png", "image/png", &screen),
            ],
            &[],
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    assert_eq!(
        file_names(&s, &admin, &case).await,
        ["felkod skärm.png", "config.pdf"],
        "the internal file is not listed for the customer"
    );
    assert_eq!(
        file_names(&s, &cs, &case).await,
        ["felkod skärm.png", "config.pdf", "service.log"]
    );

    // Downloaded byte for byte, with its type and name.
    let res = s.request(Method::GET, &location, Some(&admin), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''felkod%20sk%C3%A4rm.png"),
        "{disposition}"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), screen.as_slice());
    let res = s
        .request(
            Method::GET,
            &format!("{path}/{}", internal["id"].as_str().unwrap()),
            Some(&cs),
            None,
        )
        .await;
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(res.bytes().await.unwrap().as_ref(), log.as_bytes());

    // The internal file does not exist for the customer; the case does not exist for a device
    // manager of another device.
    s.expect_problem(
        Method::GET,
        &format!("{path}/{}", internal["id"].as_str().unwrap()),
        Some(&admin),
        None,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for target in [path.clone(), location.clone()] {
        s.expect_problem(
            Method::GET,
            &target,
            Some(&manager),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let res = s
        .upload(
            &path,
            &manager,
            &[FormPart::file("x.png", "image/png", &screen)],
            &[],
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;

    // The feed tells the customer of their files, not of the internal one.
    let (_, feed) = s.get("/api/v1/events?limit=200", &admin).await;
    let added: Vec<&Value> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "case.attachment_added")
        .map(|e| &e["payload"]["file_name"])
        .collect();
    assert_eq!(added, [&json!("felkod skärm.png"), &json!("config.pdf")]);

    // A retried upload with the same Idempotency-Key is answered once.
    let again = [FormPart::file("again.png", "image/png", &screen)];
    let key = [("idempotency-key", "upload-1")];
    let (status, first) = json_of(s.upload(&path, &admin, &again, &key).await).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let res = s.upload(&path, &admin, &again, &key).await;
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let (_, second) = json_of(res).await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(file_names(&s, &admin, &case).await.len(), 3);

    // A closed case takes no more files.
    for (token, to) in [(&cs, "in_progress"), (&cs, "resolved"), (&admin, "closed")] {
        let (status, body) = s
            .post(
                &format!("/api/v1/cases/{case}/transitions"),
                token,
                json!({"to": to}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let res = s
        .upload(
            &path,
            &admin,
            &[FormPart::file("late.png", "image/png", &screen)],
            &[],
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "case_ended").await;
}

async fn wrong_or_oversized_files_are_refused_and_nothing_is_stored(b: Backend) {
    let Setup { s, admin, case, .. } = setup(b).await;
    let path = format!("/api/v1/cases/{case}/attachments");

    // 11 MiB: over the 10 MiB default.
    let huge = png(11 * 1024 * 1024);
    let res = s
        .upload(
            &path,
            &admin,
            &[FormPart::file("scan.png", "image/png", &huge)],
            &[],
        )
        .await;
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    // An executable renamed to look like a photo; a PDF claiming to be a PNG; binary noise.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\x00\x00";
    let pdf = b"%PDF-1.4\n%%EOF\n";
    for (name, declared, bytes) in [
        ("photo.png", "image/png", &exe[..]),
        ("photo.png", "application/octet-stream", &exe[..]),
        ("photo.png", "image/png", &pdf[..]),
        ("noise.txt", "text/plain", &[0u8, 159, 146, 150][..]),
    ] {
        let res = s
            .upload(&path, &admin, &[FormPart::file(name, declared, bytes)], &[])
            .await;
        let problem = assert_problem(
            res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("PNG, JPEG, PDF or plain text")
                || problem["detail"]
                    .as_str()
                    .unwrap()
                    .contains("its content is"),
            "{problem}"
        );
    }

    // Not a form at all, a form without a file, an unknown field, an empty file.
    s.expect_problem(
        Method::POST,
        &path,
        Some(&admin),
        Some(json!({"file": "aGVsbG8="})),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    for (parts, field) in [
        (vec![FormPart::field("internal", "false")], "file"),
        (
            vec![
                FormPart::field("comment", "hello"),
                FormPart::file("a.png", "image/png", &huge[..64]),
            ],
            "comment",
        ),
        (vec![FormPart::file("empty.txt", "text/plain", b"")], "file"),
        (
            vec![
                FormPart::field("internal", "maybe"),
                FormPart::file("a.png", "image/png", &huge[..64]),
            ],
            "internal",
        ),
    ] {
        let res = s.upload(&path, &admin, &parts, &[]).await;
        let problem =
            assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }

    assert_eq!(file_names(&s, &admin, &case).await, Vec::<String>::new());
    let (_, feed) = s.get("/api/v1/events?limit=200", &admin).await;
    assert!(
        !feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "case.attachment_added"),
        "no refused file left an event"
    );
}
