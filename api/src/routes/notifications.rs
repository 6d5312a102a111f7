//! Which notification mails a user gets, and the one-click unsubscribe link every
//! notification carries (RFC 8058), which works without signing in.

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpResponse, Responder, get, post, put, web};
use fleetdesk_domain::labels::Label;
use fleetdesk_domain::notifications::NotificationKind;
use fleetdesk_persistence::Conn;
use fleetdesk_persistence::notifications as repo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::notify::read_unsubscribe_token;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorCode, Problem, Text};
use crate::i18n::Language;
use crate::json::Json;
use crate::labels::NotificationKindName;
use crate::state::{State, blocking};
use crate::t;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(settings)
        .service(change_settings)
        .service(unsubscribe_page)
        .service(unsubscribe);
}

/// One kind of notification and whether the caller gets it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationSetting {
    #[schema(value_type = NotificationKindName)]
    pub kind: NotificationKind,
    pub enabled: bool,
    /// What the kind is about, in the caller's language.
    pub description: String,
}

/// Every kind of notification mail, on or off. Mails about security (address confirmation,
/// password reset and change, a changed address) are not listed: they always go out.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationSettings {
    pub kinds: Vec<NotificationSetting>,
}

/// A kind to turn on or off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationChange {
    #[schema(value_type = NotificationKindName)]
    pub kind: NotificationKind,
    pub enabled: bool,
}

/// Kinds to turn on or off; kinds left out keep their setting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationChanges {
    #[schema(max_items = 32)]
    pub kinds: Vec<NotificationChange>,
}

/// The settings with their descriptions in the user's language, which the answer names.
fn settings_of(
    c: &mut Conn,
    user_id: &str,
) -> Result<actix_web::CustomizeResponder<web::Json<NotificationSettings>>, ApiError> {
    let off = repo::opted_out(c, user_id)?;
    let lang = repo::recipient(c, user_id)?.map_or(Language::En, |r| r.language());
    let found = NotificationSettings {
        kinds: NotificationKind::MEMBERS
            .iter()
            .map(|kind| NotificationSetting {
                kind: *kind,
                enabled: !off.iter().any(|k| k == kind.as_str()),
                description: t!(lang, &format!("notification-{}", kind.as_str())),
            })
            .collect(),
    };
    Ok(web::Json(found)
        .customize()
        .insert_header((header::CONTENT_LANGUAGE, lang.as_str())))
}

fn people_only(who: &fleetdesk_domain::identity::Principal) -> Result<(), ApiError> {
    if who.is_client() {
        // An API client reads no mail.
        return Err(ApiError::forbidden());
    }
    Ok(())
}

/// The caller's notification settings.
#[utoipa::path(
    tag = "identity",
    security(("bearer" = [])),
    responses(
        (status = 200, body = NotificationSettings),
        (status = 403, description = "An API client (it gets no mail)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/notifications")]
async fn settings(
    state: State,
    caller: Authenticated,
) -> Result<actix_web::CustomizeResponder<web::Json<NotificationSettings>>, ApiError> {
    caller
        .read(&state, |c, who| {
            people_only(who)?;
            settings_of(c, &who.user_id)
        })
        .await
}

/// Turns kinds of notification on or off for the caller.
#[utoipa::path(
    tag = "identity",
    request_body = NotificationChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every kind, as it is now", body = NotificationSettings),
        (status = 403, description = "An API client (it gets no mail)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown kind, or one named twice", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/notifications")]
async fn change_settings(
    state: State,
    caller: Authenticated,
    body: Json<NotificationChanges>,
) -> Result<actix_web::CustomizeResponder<web::Json<NotificationSettings>>, ApiError> {
    let changes = body.into_inner().kinds;
    let mut named: Vec<&str> = changes.iter().map(|c| c.kind.as_str()).collect();
    named.sort_unstable();
    if named.windows(2).any(|w| w[0] == w[1]) {
        return Err(ApiError::invalid_field(
            "kinds",
            Text::key("invalid-names-kind-twice"),
        ));
    }
    let now = state.config.clock.now();
    caller
        .write(&state, move |c, who| {
            people_only(who)?;
            for change in &changes {
                repo::set_opted_out(c, &who.user_id, change.kind.as_str(), !change.enabled, now)?;
            }
            settings_of(c, &who.user_id)
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UnsubscribeQuery {
    /// The token from the mail's link.
    #[param(max_length = 512)]
    pub token: String,
}

/// What an unsubscribe link turned off.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unsubscribed {
    #[schema(value_type = NotificationKindName)]
    pub kind: NotificationKind,
    pub enabled: bool,
    /// A sentence saying so, in the user's language.
    pub message: String,
}

/// Whom a link's token speaks for, with their address and language.
fn link_holder(
    state: &crate::state::AppState,
    token: &str,
) -> Result<(repo::Recipient, NotificationKind), ApiError> {
    let invalid = || {
        ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsubscribeLinkInvalid,
            Text::key("detail-unsubscribe-link-valid"),
        )
    };
    if token.len() > 512 {
        return Err(invalid());
    }
    let (user_id, kind) =
        read_unsubscribe_token(&state.config.jwt_secret, token).ok_or_else(invalid)?;
    let user = state
        .db
        .read(|c| repo::recipient(c, &user_id))?
        .ok_or_else(invalid)?;
    Ok((user, kind))
}

/// The page an unsubscribe link opens in a browser: it asks before turning anything off
/// (a link scanner that follows the link changes nothing), then posts to the same address.
#[utoipa::path(
    tag = "identity",
    params(UnsubscribeQuery),
    responses(
        (status = 200, description = "A page with one button", content_type = "text/html"),
        (status = 422, description = "Not a link fleetdesk wrote (`unsubscribe_link_invalid`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/notifications/unsubscribe")]
async fn unsubscribe_page(
    state: State,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    let state = state.into_inner();
    let token = query.into_inner().token;
    let (user, kind) = {
        let (state, token) = (state.clone(), token.clone());
        blocking(move || link_holder(&state, &token)).await?
    };
    let lang = user.language();
    let what = t!(lang, &format!("notification-{}", kind.as_str()));
    let page = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\n\
         <body><h1>{title}</h1><p>{text}</p>\n\
         <form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
         <button type=\"submit\">{button}</button></form></body></html>\n",
        lang = lang.as_str(),
        title = html(&t!(lang, "unsubscribe-page-title")),
        text = html(&t!(
            lang,
            "unsubscribe-page-text",
            what = what,
            email = user.email.as_str()
        )),
        button = html(&t!(lang, "unsubscribe-page-button")),
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_LANGUAGE, lang.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(page))
}

/// Turns the link's kind off for its user, without a sign-in: a mail client's one-click
/// unsubscribe (RFC 8058, a form body `List-Unsubscribe=One-Click`) or the page's button.
/// Doing it twice changes nothing.
#[utoipa::path(
    tag = "identity",
    params(UnsubscribeQuery),
    responses(
        (status = 200, body = Unsubscribed),
        (status = 422, description = "Not a link fleetdesk wrote (`unsubscribe_link_invalid`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/notifications/unsubscribe")]
async fn unsubscribe(
    state: State,
    query: web::Query<UnsubscribeQuery>,
) -> Result<HttpResponse, ApiError> {
    let state = state.into_inner();
    let token = query.into_inner().token;
    let answer = blocking(move || {
        let (user, kind) = link_holder(&state, &token)?;
        let now = state.config.clock.now();
        state
            .db
            .write(|c| repo::set_opted_out(c, &user.id, kind.as_str(), true, now))?;
        let lang = user.language();
        let what = t!(lang, &format!("notification-{}", kind.as_str()));
        Ok::<_, ApiError>((
            lang,
            Unsubscribed {
                kind,
                enabled: false,
                message: t!(lang, "unsubscribe-done", what = what),
            },
        ))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_LANGUAGE, answer.0.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer.1))
}

/// Text put into the page, with HTML's special characters escaped.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
