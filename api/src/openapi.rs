//! The OpenAPI 3.1 contract, generated from the handlers themselves.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContactBuilder, ContentBuilder, InfoBuilder, LicenseBuilder, OpenApi, Ref, RefOr, Response,
    ResponseBuilder, ServerBuilder, Tag,
};

use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};

use crate::error::PROBLEM_JSON;

/// The description of a response the handler's annotation left undescribed.
fn standard_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        "400" => "Malformed request",
        "401" => "No access token, or a bad or expired one",
        "403" => "The caller's role may never do this",
        "404" => "Not found, or outside the caller's scope",
        "409" => "Conflicts with the current state",
        "413" => "The request body is too large",
        "415" => "The body is not of a type this operation takes",
        "422" => "Well-formed, but breaks a validation or business rule",
        "503" => "The database is unreachable; retry after `Retry-After` seconds",
        _ => "See the problem `code`",
    }
}

fn problem_response(status: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(standard_description(status))
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// Gives every response a description, and adds the problems any operation of its kind can
/// answer, so that no handler has to list them: 401 where a token is required; 400 where a
/// query, header or body can be malformed; 413 and 415 where there is a body; 422 where a
/// query or body is checked; 409 and 422 for an `Idempotency-Key` in progress or reused; 503
/// where the database is used.
fn complete_operation(path: &str, op: &mut Operation) {
    let parameters: Vec<&Parameter> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .collect();
    let has = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
    let query = has(ParameterIn::Query);
    let headers = has(ParameterIn::Header);
    let idempotent = parameters
        .iter()
        .any(|p| p.name.eq_ignore_ascii_case("Idempotency-Key"));
    let body = op.request_body.is_some();
    describe_idempotency_key(op);
    let responses = &mut op.responses.responses;
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(r) = response
            && r.description.is_empty()
        {
            r.description = standard_description(status).to_owned();
        }
    }
    let mut add = |status: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem_response(status));
    };
    if op.security.is_some() {
        add("401");
        add("403");
    }
    if query || headers || body {
        add("400");
    }
    if body {
        add("413");
        add("415");
    }
    if query || body || idempotent {
        add("422");
    }
    if idempotent {
        add("409");
    }
    if path.starts_with("/api/") || path == "/readyz" {
        add("503");
    }
}

/// The rule the server applies to `Idempotency-Key` (1 to 255 visible ASCII characters), on
/// every operation that takes one.
fn describe_idempotency_key(op: &mut Operation) {
    for parameter in op.parameters.iter_mut().flatten() {
        if let RefOr::T(p) = parameter
            && p.name.eq_ignore_ascii_case("Idempotency-Key")
        {
            p.description = Some(
                "Makes a retry safe: the first answer is stored and replayed for a retry with \
                 the same key and body (`Idempotent-Replayed: true`)."
                    .to_owned(),
            );
            p.schema = Some(RefOr::T(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[\\x21-\\x7E]+$"))
                    .into(),
            ));
        }
    }
}

/// A nullable string with a format (`type: [string, "null"]`, `format: date`) written as
/// `oneOf: [{type: string, format: date}, {type: "null"}]`: readers and generators that apply
/// a `format` to one type only would otherwise take any string for a date.
fn split_nullable_formats(schema: &mut RefOr<Schema>) {
    let RefOr::T(s) = schema else {
        return;
    };
    let walk = |items: &mut Vec<RefOr<Schema>>| items.iter_mut().for_each(split_nullable_formats);
    match s {
        Schema::Object(obj) => {
            obj.properties.values_mut().for_each(split_nullable_formats);
            let nullable_string = matches!(
                &obj.schema_type,
                SchemaType::Array(types)
                    if types.len() == 2 && types.contains(&Type::String) && types.contains(&Type::Null)
            );
            if nullable_string && obj.format.is_some() {
                let mut string = obj.clone();
                string.schema_type = SchemaType::Type(Type::String);
                string.description = None;
                let null = ObjectBuilder::new().schema_type(Type::Null).build();
                *s = Schema::OneOf(
                    OneOfBuilder::new()
                        .item(Schema::Object(string))
                        .item(Schema::Object(null))
                        .description(obj.description.clone())
                        .build(),
                );
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(item) = &mut array.items {
                split_nullable_formats(item);
            }
        }
        Schema::OneOf(one) => walk(&mut one.items),
        Schema::AllOf(all) => walk(&mut all.items),
        Schema::AnyOf(any) => walk(&mut any.items),
        _ => {}
    }
}

/// Fills the document's metadata and the bearer scheme behind Swagger UI's Authorize button.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            complete_operation(path, op);
            for parameter in op.parameters.iter_mut().flatten() {
                if let RefOr::T(p) = parameter
                    && let Some(schema) = &mut p.schema
                {
                    split_nullable_formats(schema);
                }
            }
        }
    }
    if let Some(components) = &mut doc.components {
        components
            .schemas
            .values_mut()
            .for_each(split_nullable_formats);
    }
    doc.info = InfoBuilder::new()
        .title("fleetdesk API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The service network of a manufacturer of office and large-format printers: customer \
             accounts, devices and meter readings, service cases with a contracted response clock, \
             consumable stock, knowledge articles, and the dealer network.\n\n\
             Sign in with `POST /api/v1/auth/login`, then use Authorize with the access token; \
             partner systems use an API client's token from `POST /api/v1/oauth/token`. \
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
    components.add_security_scheme(
        "device_credential",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A device credential (fdd_…) of POST /api/v1/accounts/{id}/device-credentials; \
                     it opens supply-level reports only",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "client_basic",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some(
                    "An API client's client_id and client_secret (RFC 6749 §2.3.1), for \
                     POST /api/v1/oauth/token only; the token it answers is a bearer token",
                ))
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
        tag(
            "members",
            "Members of customer accounts, invitations and join requests",
        ),
        tag("devices", "Device models, devices and meter readings"),
        tag(
            "cases",
            "Service cases, their status, comments and the response clock",
        ),
        tag(
            "dealers",
            "The dealer network: dealers and their users, registrations, calls, dispatches, \
             close-out, labour and warranty claims",
        ),
        tag(
            "stock",
            "Consumable stock, device supply levels and automated toner replenishment",
        ),
        tag(
            "knowledge",
            "Knowledge articles: search and read (customers), write (staff)",
        ),
        tag(
            "integration",
            "The event feed, API clients and their OAuth 2.0 client-credentials tokens",
        ),
        tag("operations", "Health, readiness and metrics"),
    ]);
    doc
}
