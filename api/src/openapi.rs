//! The OpenAPI 3.1 contract, generated from the handlers themselves.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContactBuilder, InfoBuilder, LicenseBuilder, OpenApi, ServerBuilder, Tag};

/// Fills the document's metadata and the bearer scheme behind Swagger UI's Authorize button.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title("fleetdesk API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The service network of a manufacturer of office and large-format printers: customer \
             accounts, devices and meter readings, service cases with a contracted response clock, \
             consumable stock, knowledge articles, and the dealer network.\n\n\
             Sign in with `POST /api/v1/auth/login`, then use Authorize with the access token. \
             Errors are RFC 9457 problem details with a stable `code`.",
        ))
        .license(Some(
            LicenseBuilder::new()
                .name("Apache-2.0")
                .identifier(Some("Apache-2.0"))
                .build(),
        ))
        .contact(Some(ContactBuilder::new().name(Some("fleetdesk")).build()))
        .build();
    doc.servers = Some(vec![
        ServerBuilder::new()
            .url("/")
            .description(Some("This server"))
            .build(),
    ]);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("The access token of POST /api/v1/auth/login"))
                .build(),
        ),
    );
    let tag = |name: &str, text: &str| {
        let mut t = Tag::new(name);
        t.description = Some(text.to_owned());
        t
    };
    doc.tags = Some(vec![
        tag("identity", "Sign-in and the caller's identity"),
        tag("accounts", "Customer accounts and sites"),
        tag("integration", "The event feed"),
        tag("operations", "Health, readiness and metrics"),
    ]);
    doc
}
