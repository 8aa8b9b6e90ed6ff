//! Login and logout.

use super::body::Body;
use super::endpoint;
use super::me::{SessionUser, session_user};
use crate::auth::attempt::attempt;
use crate::auth::identity::app_state;
use crate::auth::{Identity, Principal, Via, client, csrf, session};
use crate::domain::EventAction;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::events::{self, Actor, UserRef};
use crate::store::impersonations::{self, EndReason};
use crate::store::{impersonation_history, sessions, users};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/auth/login",
        [(Method::POST, web::to(login))],
    ))
    .service(endpoint(
        "/api/v3/auth/logout",
        [(Method::POST, web::to(logout))],
    ));
}

const INVALID_LOGIN: &str = "Invalid username or password.";

/// Characters of an attempted username kept in a `login_failed` event.
const MAX_LOGGED_USERNAME: usize = 150;

/// Credentials for `POST /api/v3/auth/login/`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[utoipa::path(post, path = "/api/v3/auth/login/", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionUser), (status = 400, body = super::openapi::ValidationError),
              (status = 403, body = super::openapi::GenericError), (status = 429, body = super::openapi::GenericError)))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    csrf::check_login_origin(&req)?;
    let mut b = Body::parse(body.into_inner())?;
    let username = b.string("username", true, false);
    let password = b.string("password", true, true);
    b.finish()?;
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::Internal(
            "login fields parsed without a value".into(),
        ));
    };
    let ip = client::client_ip(&req, &state.config.server.trusted_proxies).map(|i| i.to_string());
    let candidate = attempt(&state, &username, ip.as_deref(), password).await?;
    let user_id = match candidate {
        Some(c) if c.is_active => c.id,
        _ => {
            let actor = Actor::anonymous(ip);
            // Any body up to server.max_body could be sent as a username; the log
            // keeps what a real one could be.
            let attempted: String = username.chars().take(MAX_LOGGED_USERNAME).collect();
            state
                .db
                .write(move |c| {
                    events::record(
                        c,
                        &actor,
                        EventAction::LoginFailed,
                        json!({"username": attempted}),
                    )
                })
                .await?;
            return Err(ApiError::forbidden(INVALID_LOGIN));
        }
    };
    state.throttle.success(&username, ip.as_deref());
    let (principal, unseen) = state
        .db
        .write(move |c| {
            users::record_login(c, user_id)?;
            let user = users::get(c, user_id)?;
            let actor = Actor {
                user: Some(UserRef::of(&user)),
                on_behalf_of: None,
                client_ip: ip.clone(),
            };
            events::record(c, &actor, EventAction::Login, json!({}))?;
            let unseen = impersonation_history::unseen(c, user.id)?;
            Ok((Principal::load(c, user)?, unseen))
        })
        .await?;
    session::log_in_with_password(&req, principal.user.id, principal.user.auth_epoch)?;
    let identity = Identity {
        user: std::sync::Arc::new(principal),
        original: None,
        impersonation: None,
        via: Via::Session,
        client_ip: None,
        authenticated_at: Some(chrono::Utc::now().timestamp()),
        unseen_impersonations: unseen,
    };
    let idle = state.config.impersonation.idle_timeout.0;
    let body = session_user(&identity, &state.install_id, idle);
    let domain = state.config.session.cookie_domain.as_deref();
    Ok(HttpResponse::Ok()
        .cookie(csrf::new_cookie(domain))
        .json(body))
}

/// Optional body of `POST /api/v3/auth/logout/`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LogoutRequest {
    /// Also end every other session of the person who logged in.
    everywhere: Option<bool>,
}

/// `everywhere` from an optional JSON body (none, or only whitespace, means false).
fn everywhere_from(body: &[u8]) -> Result<bool, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(false);
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("JSON parse error - {e}")))?;
    let mut b = Body::parse(value)?;
    let everywhere = b.boolean("everywhere");
    b.finish()?;
    Ok(everywhere.unwrap_or(false))
}

#[utoipa::path(post, path = "/api/v3/auth/logout/", tag = "auth", request_body(content = LogoutRequest, description = "optional"),
    responses((status = 204), (status = 400, body = super::openapi::ValidationError), (status = 403, body = super::openapi::GenericError)))]
pub async fn logout(
    req: HttpRequest,
    identity: Identity,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let everywhere = everywhere_from(&body)?;
    if identity.via == Via::Token {
        // A token has no session to end.
        return Ok(HttpResponse::NoContent().finish());
    }
    let state = app_state(&req)?;
    let actor = identity.actor();
    let impersonation = identity.impersonation.as_ref().map(|i| i.uuid.clone());
    // The person who logged in: while impersonating, their sessions end, not the target's.
    let person = identity.original.as_ref().unwrap_or(&identity.user).user.id;
    let current = session::read(&req);
    let revoked = current.clone();
    state
        .db
        .write(move |c| {
            if let Some(uuid) = &impersonation {
                impersonations::finish(
                    c,
                    uuid,
                    EndReason::Logout,
                    actor.client_ip.clone(),
                    json!({}),
                )?;
            }
            // A copy of this cookie must not work after logout: the browser may not
            // be the only one holding it.
            if let Some(s) = &revoked {
                sessions::revoke(c, &s.session_id, s.issued_at)?;
            }
            let mut context = json!({});
            if everywhere {
                sessions::end_all(c, person)?;
                context = json!({"everywhere": true});
            }
            events::record(c, &actor, EventAction::Logout, context)
        })
        .await?;
    if let Some(s) = &current {
        state.sessions.revoke(s);
    }
    session::clear(&req);
    Ok(HttpResponse::NoContent()
        .cookie(csrf::removal_cookie(
            state.config.session.cookie_domain.as_deref(),
        ))
        .finish())
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(login, logout), components(schemas(LoginRequest, LogoutRequest)))]
pub struct Doc;
