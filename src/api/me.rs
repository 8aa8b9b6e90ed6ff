//! `GET /api/v3/core/users/me/`: the caller's own view (authentik's `SessionUser`).

use super::endpoint;
use crate::auth::{Identity, Principal};
use crate::domain::{avatar, user_uid};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::web::{self, Json};
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/users/me",
        [(Method::GET, web::to(me))],
    ));
}

/// A group or role as `UserSelf` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NamePk {
    pub name: String,
    /// The object's uuid, as a string.
    pub pk: String,
}

/// What a user may see of themselves.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserSelf {
    pub pk: i64,
    pub username: String,
    pub name: String,
    pub is_active: bool,
    pub is_superuser: bool,
    pub groups: Vec<NamePk>,
    pub roles: Vec<NamePk>,
    pub email: String,
    pub avatar: String,
    pub uid: String,
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    #[serde(rename = "type")]
    pub user_type: String,
    pub system_permissions: Vec<String>,
    /// Whether this is the account the session acts as.
    pub is_current: bool,
}

/// The session's users: `original` is present only while impersonating.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    pub user: UserSelf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<UserSelf>,
    pub users: Vec<UserSelf>,
    /// The running impersonation, with `original` (a standin addition: the page
    /// counts down to `expires`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation: Option<RunningImpersonation>,
    /// Impersonations of `user` they have not acknowledged yet (a standin addition).
    pub unseen_impersonations: i64,
}

/// What the impersonator may see of their running impersonation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunningImpersonation {
    #[schema(format = Uuid)]
    pub pk: String,
    pub reason: String,
    pub started: String,
    pub expires: String,
    /// A "view as": every write is refused.
    pub read_only: bool,
    /// When it ends without a request before then; `null` when there is no idle limit.
    pub idle_expires: Option<String>,
}

fn name_pks(rows: &[(String, String)]) -> Vec<NamePk> {
    rows.iter()
        .map(|(pk, name)| NamePk {
            name: name.clone(),
            pk: pk.clone(),
        })
        .collect()
}

fn user_self(p: &Principal, install_id: &str, is_current: bool) -> UserSelf {
    let u = &p.user;
    UserSelf {
        pk: u.id,
        username: u.username.clone(),
        name: u.name.clone(),
        is_active: u.is_active,
        is_superuser: p.grants.is_superuser,
        groups: name_pks(&p.groups),
        roles: name_pks(&p.roles),
        email: u.email.clone(),
        avatar: avatar(&u.name, &u.username),
        uid: user_uid(install_id, u.id),
        settings: serde_json::json!({}),
        user_type: u.user_type.clone(),
        system_permissions: p.grants.codenames().into_iter().map(String::from).collect(),
        is_current,
    }
}

/// The `SessionUser` body for `identity`: everything it needs was loaded with it.
/// `idle` is the impersonation idle limit (zero: none).
pub fn session_user(identity: &Identity, install_id: &str, idle: Duration) -> SessionUser {
    let user = user_self(&identity.user, install_id, true);
    SessionUser {
        original: identity
            .original
            .as_ref()
            .map(|o| user_self(o, install_id, false)),
        impersonation: identity
            .impersonation
            .as_ref()
            .map(|i| RunningImpersonation {
                pk: i.uuid.clone(),
                reason: i.reason.clone(),
                started: i.started.clone(),
                expires: i.expires.clone(),
                read_only: i.read_only,
                idle_expires: i.idle_expires(idle),
            }),
        unseen_impersonations: identity.unseen_impersonations,
        // standin keeps one account per browser session; 2026 clients map over this.
        users: vec![user.clone()],
        user,
    }
}

#[utoipa::path(get, path = "/api/v3/core/users/me/", tag = "core",
    responses((status = 200, body = SessionUser), (status = 403, body = super::openapi::GenericError)))]
pub async fn me(
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<Json<SessionUser>, ApiError> {
    let idle = state.config.impersonation.idle_timeout.0;
    Ok(Json(session_user(&identity, &state.install_id, idle)))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(me),
    components(schemas(SessionUser, UserSelf, NamePk, RunningImpersonation))
)]
pub struct Doc;
