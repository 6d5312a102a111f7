//! A dealer's users: the dealer's administrator (or customer service) invites dealer
//! administrators and technicians by e-mail, lists and removes them. The last administrator
//! of a dealer stays.

use super::Routes;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use fleetdesk_domain::identity::{DealerRole, Email};
use fleetdesk_domain::membership::InvitationStatus;
use fleetdesk_domain::policy::Action;
use fleetdesk_persistence::dealers::{self as repo, DealerInvitationRow, DealerUserRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::{Authenticated, authorize_dealer};
use crate::error::{ApiError, Problem};
use crate::formats::EmailText;
use crate::json::Json;
use crate::labels::{DealerRoleName, InvitationStatusName};
use crate::state::{State, blocking};

use crate::app::dealers as app_dealers;
use crate::app::invitations::{self, Opened};
use crate::views::AcceptInvitation;

pub fn routes(cfg: &mut impl Routes) {
    cfg.service(invite_dealer_user)
        .service(list_dealer_invitations)
        .service(revoke_dealer_invitation)
        .service(accept_dealer_invitation)
        .service(list_dealer_users)
        .service(change_dealer_user)
        .service(remove_dealer_user);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealerInvitation {
    pub id: String,
    pub dealer_id: String,
    pub email: String,
    #[schema(value_type = DealerRoleName)]
    pub role: DealerRole,
    #[schema(value_type = InvitationStatusName)]
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

fn invitation_view(r: DealerInvitationRow, now: DateTime<Utc>) -> DealerInvitation {
    let status = InvitationStatus::of(
        r.accepted_at.is_some(),
        r.revoked_at.is_some(),
        r.expires_at.and_utc() <= now,
    );
    DealerInvitation {
        status,
        created_at: r.created_at.and_utc(),
        expires_at: r.expires_at.and_utc(),
        accepted_at: r.accepted_at.map(|t| t.and_utc()),
        id: r.id,
        dealer_id: r.dealer_id,
        email: r.email,
        role: *r.role,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DealerInvitationRequest {
    #[schema(value_type = EmailText, example = "tina.tech@westside.example")]
    pub email: String,
    #[schema(value_type = DealerRoleName)]
    pub role: DealerRole,
}

/// Invites someone by e-mail to be one of the dealer's users (the dealer's administrators,
/// customer service). The mail carries a single-use token for
/// `POST /api/v1/dealer-invitations/accept`.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = DealerInvitationRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = DealerInvitation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dealers/{id}/invitations")]
async fn invite_dealer_user(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
    body: Json<DealerInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let dealer_id = id.into_inner();
    authorize_dealer(&who, Action::ManageDealerUsers, Some(&dealer_id))?;
    let email = Email::parse(&body.email)?;
    let role = body.role;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let (row, now) = blocking(move || {
        state.db.write(|c| -> Result<_, ApiError> {
            let dealer = repo::find_dealer(c, &dealer_id)?.ok_or_else(ApiError::not_found)?;
            let now = state.config.clock.now();
            let row = app_dealers::invite(c, &state.config, &dealer, &email, role, &actor, now)?;
            Ok((row, now))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(invitation_view(row, now)))
}

/// The dealer's invitations, oldest first (the dealer's administrators, customer service).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DealerInvitation>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dealers/{id}/invitations")]
async fn list_dealer_invitations(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Vec<DealerInvitation>>, ApiError> {
    let who = caller.principal(&state).await?;
    let dealer_id = id.into_inner();
    authorize_dealer(&who, Action::ManageDealerUsers, Some(&dealer_id))?;
    let state = state.into_inner();
    let now = state.config.clock.now();
    let rows = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            repo::find_dealer(c, &dealer_id)?.ok_or_else(ApiError::not_found)?;
            Ok(repo::list_dealer_invitations(c, &dealer_id)?)
        })
    })
    .await?;
    Ok(web::Json(
        rows.into_iter().map(|r| invitation_view(r, now)).collect(),
    ))
}

/// Revokes an open dealer invitation (the dealer's administrators, customer service).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path), ("invitation_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Accepted or revoked already (`invitation_not_open`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/dealers/{id}/invitations/{invitation_id}")]
async fn revoke_dealer_invitation(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let (dealer_id, invitation_id) = path.into_inner();
    authorize_dealer(&who, Action::ManageDealerUsers, Some(&dealer_id))?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    blocking(move || {
        state.db.write(|c| {
            app_dealers::revoke_invitation(
                c,
                &actor,
                (&dealer_id, &invitation_id),
                state.config.clock.now(),
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JoinedDealer {
    pub dealer_id: String,
    pub dealer_name: String,
    pub user_id: String,
    pub email: String,
    #[schema(value_type = DealerRoleName)]
    pub role: DealerRole,
    /// True when accepting created the user.
    pub new_user: bool,
}

/// Accepts a dealer invitation: creates the user, or makes an existing user who is neither
/// staff nor a customer's nor another dealer's user one of the dealer's. Who accepts proves
/// themselves as for a customer invitation (`POST /invitations/accept`).
#[utoipa::path(
    tag = "dealers",
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "Joined", body = JoinedDealer),
        (status = 401, description = "The address has a confirmed user: sign in as it or give `current_password` (`identity_proof_required`); a wrong current password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Signed in as another user than the invited address's (`invitation_for_another_user`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "One of this dealer's users already (`already_member`), or a user who cannot also be a dealer's (`not_eligible`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown (`invitation_invalid`, also when revoked), used (`invitation_used`) or expired (`invitation_expired`) token; or a missing password or name for a new user", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords (`too_many_attempts`); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/dealer-invitations/accept")]
async fn accept_dealer_invitation(
    state: State,
    req: HttpRequest,
    who: Option<Authenticated>,
    body: Json<AcceptInvitation>,
) -> Result<web::Json<JoinedDealer>, ApiError> {
    // A token whose user cannot be read counts as no sign-in, as an absent one does.
    let signed_in = match who {
        Some(who) => who.principal(&state).await.ok().map(|p| p.user_id.clone()),
        None => None,
    };
    let client = crate::throttle::client_of(&req, &state.config.trusted_proxies);
    body.validate()?;
    let body = body.into_inner();
    let state = state.into_inner();
    let joined = blocking(move || {
        let now = state.config.clock.now();
        let Opened {
            invitation,
            email,
            mut acceptor,
        } = invitations::open(
            &state,
            &body,
            signed_in.as_deref(),
            &client,
            now,
            repo::find_dealer_invitation_by_token,
        )?;
        app_dealers::prepare_acceptor(&invitation, &mut acceptor);
        let (dealer, user_id) = state
            .db
            .write(|c| app_dealers::join_by_invitation(c, &invitation, &acceptor, now))?;
        Ok(JoinedDealer {
            dealer_id: dealer.id,
            dealer_name: dealer.name,
            user_id,
            email: email.to_string(),
            role: *invitation.role,
            new_user: acceptor.is_new(),
        })
    })
    .await?;
    Ok(web::Json(joined))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealerUser {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    #[schema(value_type = DealerRoleName)]
    pub role: DealerRole,
}

impl From<DealerUserRow> for DealerUser {
    fn from(r: DealerUserRow) -> Self {
        Self {
            user_id: r.id,
            email: r.email,
            display_name: r.display_name,
            role: *r.dealer_role,
        }
    }
}

/// The dealer's users (staff; the dealer's own users).
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DealerUser>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dealers/{id}/users")]
async fn list_dealer_users(
    state: State,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<Vec<DealerUser>>, ApiError> {
    let who = caller.principal(&state).await?;
    let dealer_id = id.into_inner();
    authorize_dealer(&who, Action::ReadDealers, Some(&dealer_id))?;
    let state = state.into_inner();
    let rows = blocking(move || {
        state.db.read(|c| -> Result<_, ApiError> {
            repo::find_dealer(c, &dealer_id)?.ok_or_else(ApiError::not_found)?;
            Ok(repo::dealer_users(c, &dealer_id)?)
        })
    })
    .await?;
    Ok(web::Json(rows.into_iter().map(DealerUser::from).collect()))
}

/// Removes a user from the dealer (the dealer's administrators, customer service); their
/// access ends at once. The dealer's last administrator stays.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path), ("user_id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dealer's last administrator (`last_administrator`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/dealers/{id}/users/{user_id}")]
async fn remove_dealer_user(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.principal(&state).await?;
    let (dealer_id, user_id) = path.into_inner();
    authorize_dealer(&who, Action::ManageDealerUsers, Some(&dealer_id))?;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    blocking(move || {
        state.db.write(|c| {
            app_dealers::remove_user(c, &actor, (&dealer_id, &user_id), state.config.clock.now())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DealerRoleChange {
    #[schema(value_type = DealerRoleName)]
    pub role: DealerRole,
}

/// Changes a dealer user's role (the dealer's administrators, customer service). The
/// dealer's last administrator cannot be demoted.
#[utoipa::path(
    tag = "dealers",
    params(("id" = String, Path), ("user_id" = String, Path)),
    request_body = DealerRoleChange,
    security(("bearer" = [])),
    responses(
        (status = 200, body = DealerUser),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The dealer's last administrator (`last_administrator`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/dealers/{id}/users/{user_id}")]
async fn change_dealer_user(
    state: State,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: Json<DealerRoleChange>,
) -> Result<web::Json<DealerUser>, ApiError> {
    let who = caller.principal(&state).await?;
    let (dealer_id, user_id) = path.into_inner();
    authorize_dealer(&who, Action::ManageDealerUsers, Some(&dealer_id))?;
    let role = body.into_inner().role;
    let state = state.into_inner();
    let actor = who.user_id.clone();
    let user = blocking(move || {
        state.db.write(|c| {
            app_dealers::change_user_role(
                c,
                &actor,
                (&dealer_id, &user_id),
                role,
                state.config.clock.now(),
            )
        })
    })
    .await?;
    Ok(web::Json(user.into()))
}
