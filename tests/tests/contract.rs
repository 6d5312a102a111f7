//! The committed contract is what the code serves.

use fleetdesk_tests::{Backend, StatusCode, TestServer};
use serde_json::Value;

/// `openapi.yaml` must be regenerated (`make openapi`) whenever a handler or DTO changes.
#[test]
fn committed_openapi_yaml_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let committed =
        std::fs::read_to_string(path).expect("openapi.yaml is committed at the workspace root");
    let generated = fleetdesk_api::openapi_yaml().unwrap();
    assert!(
        committed == generated,
        "openapi.yaml differs from the contract the code generates: run `make openapi` and commit it"
    );
}

/// YAML 1.1 readers — PyYAML and the client generators built on it, which read `17:00` as a
/// number and `on` as a boolean — read the committed file as the JSON the server serves.
#[test]
fn a_yaml_1_1_reader_reads_the_committed_file_as_the_served_json() {
    let Ok(python) = std::env::var("FLEETDESK_TEST_PYTHON") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI runs `make test`, which makes the contract's Python environment"
        );
        eprintln!("FLEETDESK_TEST_PYTHON is not set (scripts/test sets it); skipped");
        return;
    };
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let json =
        std::env::temp_dir().join(format!("fleetdesk-openapi-{}.json", uuid::Uuid::now_v7()));
    std::fs::write(&json, fleetdesk_api::openapi_json().unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../contract/same_document.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(path)
        .arg(&json)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&json);
    assert!(
        out.status.success(),
        "a YAML 1.1 reader reads openapi.yaml differently from the served JSON:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_document_is_the_generated_one() {
    let s = TestServer::start(Backend::Sqlite).await;
    let res = s
        .client
        .get(s.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let served: Value = res.json().await.unwrap();
    let generated = serde_json::to_value(fleetdesk_api::openapi()).unwrap();
    assert_eq!(served, generated);
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(
        served["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // Every path of the public contract that exists so far is in the document.
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/accounts",
        "/api/v1/accounts/{id}",
        "/api/v1/accounts/{id}/sites",
        "/api/v1/events",
    ] {
        assert!(
            served["paths"].get(path).is_some(),
            "{path} is missing from the document"
        );
    }
}
