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
