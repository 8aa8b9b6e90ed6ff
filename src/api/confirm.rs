//! `POST /api/v3/auth/confirm/`: the person signed in enters their password again,
//! so that a session left open is not enough to start an impersonation. Guessing
//! here is throttled and recorded exactly like guessing at the login form.

use super::endpoint;
use super::openapi::{GenericError, ValidationError};
use crate::auth::attempt::attempt;
use crate::auth::{Identity, Via, client, session};
use crate::domain::EventAction;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::events;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/auth/confirm",
        [(Method::POST, web::to(confirm))],
    ));
}

/// Body of `confirm`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PasswordConfirmRequest {
    password: String,
}

#[utoipa::path(post, path = "/api/v3/auth/confirm/", tag = "auth", request_body = PasswordConfirmRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 403, body = GenericError),
              (status = 429, body = GenericError)))]
pub async fn confirm(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    if identity.via == Via::Token {
        return Err(ApiError::forbidden(
            "Confirming a password needs a browser session.",
        ));
    }
    let mut b = super::body::Body::parse(body.into_inner())?;
    let password = b.string("password", true, true);
    b.finish()?;
    let password =
        password.ok_or_else(|| ApiError::Internal("password parsed without a value".into()))?;
    // The person who signed in: the impersonator, while impersonating.
    let person = identity.original.as_ref().unwrap_or(&identity.user);
    let username = person.user.username.clone();
    let ip = client::client_ip(&req, &state.config.server.trusted_proxies).map(|i| i.to_string());
    let right = attempt(&state, &username, ip.as_deref(), password)
        .await?
        .is_some();
    if !right {
        let actor = identity.actor();
        state
            .db
            .write(move |c| {
                let context = json!({"username": username, "stage": "confirm"});
                events::record(c, &actor, EventAction::LoginFailed, context)
            })
            .await?;
        return Err(ApiError::forbidden("Invalid password."));
    }
    state.throttle.success(&username, ip.as_deref());
    session::password_entered(&req)?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(confirm), components(schemas(PasswordConfirmRequest)))]
pub struct Doc;
