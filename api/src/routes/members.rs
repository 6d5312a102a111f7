//! Who belongs to a customer account: members and their roles, invitations, join requests.
//! Nobody joins on their own word: an invitation or an approved request decides.

use super::Routes;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::identity::{CustomerRole, Email};
use fleetdesk_domain::membership::{InvitationStatus, JoinRequestStatus};
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::identity::{self as repo, InvitationRow, JoinRequestView, MemberView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::accounts::find_account;
use crate::app::assignments;
use crate::app::invitations::{self, Opened};
use crate::app::members::{self as app_members, stored_ids};
use crate::auth::{Authenticated, authorize};
use crate::error::{ApiError, Problem};
use crate::formats::EmailText;
use crate::http::PageParams;
use crate::json::Json;
use crate::labels::{self, CustomerRoleName, InvitationStatusName, JoinRequestStatusName};
use crate::page::{Listed, Page};
use crate::state::{State, blocking};
use crate::throttle;
use crate::views::AcceptInvitation;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(list_members)
        .service(change_member)
        .service(remove_member)
        .service(invite)
        .service(list_invitations)
        .service(get_invitation)
        .service(revoke_invitation)
        .service(accept_invitation)
        .service(list_join_requests)
        .service(approve_join_request)
        .service(reject_join_request);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    #[schema(value_type = CustomerRoleName)]
    pub role: CustomerRole,
    pub email_confirmed: bool,
    pub joined_at: DateTime<Utc>,
}

impl From<MemberView> for Member {
    fn from(m: MemberView) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email,
            display_name: m.display_name,
            role: *m.role,
            email_confirmed: m.email_confirmed_at.is_some(),
            joined_at: m.joined_at.and_utc(),
        }
    }
}

impl Listed for Member {
    const PAGE: &'static str = "MemberPage";
}

pub type MemberPage = Page<Member>;

/// The members of an account with their roles (administrators, staff).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MemberPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/members")]
async fn list_members(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<MemberPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let id = id.into_inner();
    authorize(&who, Action::ListMembers, Some(&id))?;
    let (limit, after) = page.resolve()?;
    let state = state.into_inner();
    let rows = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            find_account(c, &id)?;
            Ok(repo::members_of(c, &id, after.as_deref(), limit)?)
        })
    })
    .await?;
    let page = fleetdesk_persistence::Page::from_rows(rows, limit, |m| m.user_id.clone());
    Ok(web::Json(Page::of(page, Member::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleChange {
    #[schema(value_type = CustomerRoleName)]
    pub role: CustomerRole,
}

/// Changes a member's role (administrators, customer service). The last administrator of an
/// account cannot be demoted.
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body = RoleChange,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Member),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account's last administrator (`last_administrator`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/accounts/{id}/members/{user_id}")]
async fn change_member(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<RoleChange>,
) -> Result<web::Json<Member>, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, user_id) = path.into_inner();
    authorize(&who, Action::ManageMembers, Some(&account_id))?;
    let next = body.role;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let member = blocking(move || {
        state.db.write(|c| {
            app_members::change_role(
                c,
                &actor,
                (&account_id, &user_id),
                next,
                state.config.clock.now(),
            )
        })
    })
    .await?;
    Ok(web::Json(member.into()))
}

/// Removes a member from an account (administrators, customer service). The last
/// administrator cannot be removed.
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("user_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account's last administrator (`last_administrator`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/accounts/{id}/members/{user_id}")]
async fn remove_member(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, user_id) = path.into_inner();
    authorize(&who, Action::ManageMembers, Some(&account_id))?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    blocking(move || {
        state.db.write(|c| {
            app_members::remove(c, &actor, (&account_id, &user_id), state.config.clock.now())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct InvitationRequest {
    #[schema(value_type = EmailText, example = "dan.devices@nordicprint.example")]
    pub email: String,
    #[schema(value_type = CustomerRoleName)]
    pub role: CustomerRole,
    /// Devices of the account to assign on acceptance (device managers only).
    #[serde(default)]
    pub device_ids: Vec<String>,
    /// Stock locations of the account to assign on acceptance (stock managers only).
    #[serde(default)]
    pub stock_location_ids: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Invitation {
    pub id: String,
    pub account_id: String,
    pub email: String,
    #[schema(value_type = CustomerRoleName)]
    pub role: CustomerRole,
    #[schema(value_type = InvitationStatusName)]
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Devices assigned on acceptance.
    pub device_ids: Vec<String>,
    /// Stock locations assigned on acceptance.
    pub stock_location_ids: Vec<String>,
}

fn invitation_view(row: InvitationRow, now: DateTime<Utc>) -> Invitation {
    let status = InvitationStatus::of(
        row.accepted_at.is_some(),
        row.revoked_at.is_some(),
        row.expires_at() <= now,
    );
    Invitation {
        device_ids: stored_ids(row.device_ids.as_deref()),
        stock_location_ids: stored_ids(row.stock_location_ids.as_deref()),
        status,
        created_at: row.created_at(),
        expires_at: row.expires_at(),
        accepted_at: row.accepted_at.map(|t| t.and_utc()),
        id: row.id,
        account_id: row.account_id,
        email: row.email,
        role: *row.role,
    }
}

/// Invites someone by e-mail to join the account with a role (administrators, customer
/// service). The mail carries a single-use token for `POST /api/v1/invitations/accept`.
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = InvitationRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Invitation, headers(("Location" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address belongs to a member already (`already_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts/{id}/invitations")]
async fn invite(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<InvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::InviteMembers, Some(&account_id))?;
    let email = Email::parse(&body.email)?;
    let role = body.role;
    let body = body.into_inner();
    let device_ids = assignments::distinct(body.device_ids);
    let stock_location_ids = assignments::distinct(body.stock_location_ids);
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let clock = state.config.clock.clone();
    let row = blocking(move || {
        let now = state.config.clock.now();
        let invite = app_members::Invite {
            email,
            role,
            device_ids,
            stock_location_ids,
        };
        state
            .db
            .write(|c| app_members::invite(c, &state.config, &actor, &account_id, invite, now))
    })
    .await?;
    let view = invitation_view(row, clock.now());
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/accounts/{}/invitations/{}",
                view.account_id, view.id
            ),
        ))
        .json(view))
}

impl Listed for Invitation {
    const PAGE: &'static str = "InvitationPage";
}

pub type InvitationPage = Page<Invitation>;

/// The account's invitations, newest last (administrators, customer service).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = InvitationPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/invitations")]
async fn list_invitations(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<InvitationPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::InviteMembers, Some(&account_id))?;
    let (limit, after) = page.resolve()?;
    let state = state.into_inner();
    let clock = state.config.clock.clone();
    let page = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            find_account(c, &account_id)?;
            Ok(repo::list_invitations(
                c,
                &account_id,
                after.as_deref(),
                limit,
            )?)
        })
    })
    .await?;
    let now = clock.now();
    Ok(web::Json(Page::of(page, |r| invitation_view(r, now))))
}

/// One invitation of the account (administrators, customer service).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("invitation_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Invitation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/invitations/{invitation_id}")]
async fn get_invitation(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Invitation>, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, invitation_id) = path.into_inner();
    authorize(&who, Action::InviteMembers, Some(&account_id))?;
    let state = state.into_inner();
    let clock = state.config.clock.clone();
    let row = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            repo::find_invitation(c, &account_id, &invitation_id)?.ok_or_else(ApiError::not_found)
        })
    })
    .await?;
    Ok(web::Json(invitation_view(row, clock.now())))
}

/// Revokes an open invitation (administrators, customer service): its token stops working.
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("invitation_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Accepted or revoked already (`invitation_not_open`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/accounts/{id}/invitations/{invitation_id}")]
async fn revoke_invitation(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, invitation_id) = path.into_inner();
    authorize(&who, Action::InviteMembers, Some(&account_id))?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    blocking(move || {
        state.db.write(|c| {
            app_members::revoke_invitation(
                c,
                &actor,
                (&account_id, &invitation_id),
                state.config.clock.now(),
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Joined {
    pub account_id: String,
    pub account_name: String,
    pub user_id: String,
    pub email: String,
    #[schema(value_type = CustomerRoleName)]
    pub role: CustomerRole,
    /// True when accepting created the user.
    pub new_user: bool,
}

/// Accepts an invitation. The mailed token proves the address: a new address gets a user with
/// the password and name given; an address whose user never confirmed it gets the password
/// given (whatever an earlier registration set) and counts as confirmed; a confirmed user
/// proves to be that user — signed in as them, or with `current_password`.
#[utoipa::path(
    tag = "members",
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "Joined", body = Joined),
        (status = 401, description = "The address has a confirmed user: sign in as it or give `current_password` (`identity_proof_required`); a wrong current password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Signed in as another user than the invited address's (`invitation_for_another_user`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member (`already_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown (`invitation_invalid`, also when revoked), used (`invitation_used`) or expired (`invitation_expired`) token; or a missing password or name for a new user", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords (`too_many_attempts`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invitations/accept")]
async fn accept_invitation(
    state: State,
    req: HttpRequest,
    who: Option<Authenticated>,
    body: Json<AcceptInvitation>,
) -> Result<web::Json<Joined>, ApiError> {
    // A token whose user cannot be read counts as no sign-in, as an absent one does.
    let signed_in = match who {
        Some(who) => who.principal(&state).await.ok().map(|p| p.user_id.clone()),
        None => None,
    };
    let client = throttle::client_of(&req, &state.config.trusted_proxies);
    body.validate()?;
    let body = body.into_inner();
    let state = state.into_inner();
    let joined = blocking(move || {
        let now = state.config.clock.now();
        let Opened {
            invitation,
            email,
            acceptor,
        } = invitations::open(
            &state,
            &body,
            signed_in.as_deref(),
            &client,
            now,
            repo::find_invitation_by_token,
        )?;
        let joined = state
            .db
            .write(|c| app_members::join_by_invitation(c, &invitation, &acceptor, now))?;
        Ok(Joined {
            account_id: joined.account_id,
            account_name: joined.account_name,
            user_id: joined.user_id,
            email: email.to_string(),
            role: *invitation.role,
            new_user: acceptor.is_new(),
        })
    })
    .await?;
    Ok(web::Json(joined))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JoinRequest {
    pub id: String,
    pub account_id: String,
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub email_confirmed: bool,
    #[schema(value_type = JoinRequestStatusName)]
    pub status: JoinRequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<CustomerRoleName>)]
    pub granted_role: Option<CustomerRole>,
    pub reason: Option<String>,
}

impl From<JoinRequestView> for JoinRequest {
    fn from(v: JoinRequestView) -> Self {
        let r = v.request;
        Self {
            id: r.id,
            account_id: r.account_id,
            user_id: r.user_id,
            email: v.email,
            display_name: v.display_name,
            email_confirmed: v.email_confirmed_at.is_some(),
            status: *r.status,
            created_at: r.created_at.and_utc(),
            decided_at: r.decided_at.map(|t| t.and_utc()),
            granted_role: r.granted_role.map(|r| *r),
            reason: r.reason,
        }
    }
}

impl Listed for JoinRequest {
    const PAGE: &'static str = "JoinRequestPage";
}

pub type JoinRequestPage = Page<JoinRequest>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JoinRequestQuery {
    /// All when absent.
    #[param(value_type = Option<JoinRequestStatusName>)]
    pub status: Option<String>,
}

/// Requests to join the account (administrators, customer service).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), JoinRequestQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = JoinRequestPage),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/accounts/{id}/join-requests")]
async fn list_join_requests(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    q: web::Query<JoinRequestQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<JoinRequestPage>, ApiError> {
    let who = caller.principal(&state).await?;
    let account_id = id.into_inner();
    authorize(&who, Action::ListJoinRequests, Some(&account_id))?;
    let status = labels::parse_opt("status", q.status.as_deref())?;
    let (limit, after) = page.resolve()?;
    let state = state.into_inner();
    let rows = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            find_account(c, &account_id)?;
            Ok(repo::list_join_requests(
                c,
                &account_id,
                status,
                after.as_deref(),
                limit,
            )?)
        })
    })
    .await?;
    let page = fleetdesk_persistence::Page::from_rows(rows, limit, |r| r.request.id.clone());
    Ok(web::Json(Page::of(page, JoinRequest::from)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Approval {
    /// The role the new member gets.
    #[schema(value_type = CustomerRoleName)]
    pub role: CustomerRole,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct Rejection {
    /// Told to the requester.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Approves a join request with a role (administrators, customer service).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("rid" = String, Path)),
    request_body = Approval,
    security(("bearer" = [])),
    responses(
        (status = 200, body = JoinRequest),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`join_request_decided`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts/{id}/join-requests/{rid}/approve")]
async fn approve_join_request(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<Approval>,
) -> Result<web::Json<JoinRequest>, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, request_id) = path.into_inner();
    authorize(&who, Action::DecideJoinRequests, Some(&account_id))?;
    let role = body.role;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let view = blocking(move || {
        state.db.write(|c| {
            app_members::decide_join_request(
                c,
                &account_id,
                &request_id,
                &actor,
                Ok(role),
                state.config.clock.now(),
            )
        })
    })
    .await?;
    Ok(web::Json(view.into()))
}

/// Rejects a join request (administrators, customer service).
#[utoipa::path(
    tag = "members",
    params(("id" = String, Path), ("rid" = String, Path)),
    request_body = Rejection,
    security(("bearer" = [])),
    responses(
        (status = 200, body = JoinRequest),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already (`join_request_decided`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/accounts/{id}/join-requests/{rid}/reject")]
async fn reject_join_request(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<Rejection>,
) -> Result<web::Json<JoinRequest>, ApiError> {
    let who = caller.principal(&state).await?;
    let (account_id, request_id) = path.into_inner();
    authorize(&who, Action::DecideJoinRequests, Some(&account_id))?;
    body.validate()?;
    let reason = body
        .into_inner()
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let view = blocking(move || {
        state.db.write(|c| {
            app_members::decide_join_request(
                c,
                &account_id,
                &request_id,
                &actor,
                Err(reason),
                state.config.clock.now(),
            )
        })
    })
    .await?;
    Ok(web::Json(view.into()))
}
