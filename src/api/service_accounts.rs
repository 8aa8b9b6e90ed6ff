//! `POST /api/v3/core/users/service_account/`: a user for a machine, with its token.

use super::body::Body;
use super::endpoint;
use super::openapi::{GenericError, ValidationError};
use crate::auth::Identity;
use crate::domain::{Permission, Username, time, user_uid};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::service_accounts::{self, NewServiceAccount};
use crate::store::tokens;
use actix_web::http::Method;
use actix_web::web::{self, Json};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A service account's token without `expires` that should expire lives this long
/// (authentik's default for this action).
const DEFAULT_LIFETIME_DAYS: i64 = 360;

/// Mounted before the users' routes: `/core/users/{pk}` would otherwise claim
/// `service_account`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/users/service_account",
        [(Method::POST, web::to(create))],
    ));
}

/// Body of `service_account`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserServiceAccountRequest {
    /// The username (and name) of the account, and of its group.
    name: String,
    /// Default `false`. Needs `core.add_group` too.
    #[schema(nullable = false)]
    create_group: Option<bool>,
    /// Default `true`.
    #[schema(nullable = false)]
    expiring: Option<bool>,
    /// Without it, an expiring token is valid for 360 days.
    #[schema(format = DateTime, nullable = false)]
    expires: Option<String>,
}

/// What `service_account` made; `token` is the key, shown this once.
#[derive(Serialize, ToSchema)]
pub struct UserServiceAccountResponse {
    username: String,
    token: String,
    user_uid: String,
    user_pk: i64,
    /// The group's uuid, or `null` without `create_group`.
    #[schema(format = Uuid)]
    group_pk: Option<String>,
}

fn parse(body: Value) -> Result<NewServiceAccount, ApiError> {
    let mut b = Body::parse(body)?;
    let username = b
        .string("name", true, false)
        .and_then(|name| b.errors.check("name", Username::parse(&name)));
    let create_group = b.boolean("create_group").unwrap_or(false);
    let expiring = b.boolean("expiring").unwrap_or(true);
    let expires = match b.raw("expires").cloned() {
        None => expiring.then(|| {
            time::format(chrono::Utc::now() + chrono::Duration::days(DEFAULT_LIFETIME_DAYS))
        }),
        Some(Value::Null) => {
            b.errors.add("expires", super::body::NOT_NULL);
            None
        }
        Some(v) => b
            .errors
            .check("expires", time::parse(v.as_str().unwrap_or_default())),
    };
    b.finish()?;
    let username =
        username.ok_or_else(|| ApiError::Internal("name parsed without a value".into()))?;
    Ok(NewServiceAccount {
        username,
        create_group,
        expiring,
        expires,
    })
}

#[utoipa::path(post, path = "/api/v3/core/users/service_account/", tag = "core",
    request_body = UserServiceAccountRequest,
    responses((status = 200, body = UserServiceAccountResponse), (status = 400, body = ValidationError),
              (status = 403, body = GenericError)))]
pub async fn create(
    identity: Identity,
    state: web::Data<AppState>,
    body: Json<Value>,
) -> Result<Json<UserServiceAccountResponse>, ApiError> {
    // A new user is a change of who holds what, like user create.
    policy::may_change_holdings(&identity.caller())?;
    identity.require(Permission::AddUser)?;
    let new = parse(body.into_inner())?;
    if new.create_group {
        identity.require(Permission::AddGroup)?;
    }
    let key = tokens::generate_key();
    let stored_key = key.clone();
    let actor = identity.actor();
    let made = state
        .db
        .write(move |c| service_accounts::create(c, &new, &stored_key, &actor))
        .await?;
    Ok(Json(UserServiceAccountResponse {
        username: made.username,
        token: key,
        user_uid: user_uid(&state.install_id, made.user_id),
        user_pk: made.user_id,
        group_pk: made.group,
    }))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create),
    components(schemas(UserServiceAccountRequest, UserServiceAccountResponse))
)]
pub struct Doc;
