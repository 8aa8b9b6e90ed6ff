//! `/api/v3/core/users/`: the directory's users.

use super::body::Body;
use super::endpoint;
use super::openapi::{GenericError, ValidationError};
use super::pagination::Pagination;
use super::query::Query;
use super::user_request::{self, Mode, UserRequest};
use super::views::{Include, User};
use crate::auth::{Identity, Via, session};
use crate::domain::{EventAction, Permission};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::{
    StoreError, events, holdings, impersonations, permissions, user_changes, user_views, users,
};
use actix_web::http::Method;
use actix_web::web::{self, Json};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/users",
        [
            (Method::GET, web::to(super::user_list::list)),
            (Method::POST, web::to(create)),
        ],
    ))
    .service(endpoint(
        "/api/v3/core/users/paths",
        [(Method::GET, web::to(paths))],
    ))
    .service(endpoint(
        "/api/v3/core/users/{pk}",
        [
            (Method::GET, web::to(retrieve)),
            (Method::PUT, web::to(update)),
            (Method::PATCH, web::to(partial_update)),
            (Method::DELETE, web::to(destroy)),
        ],
    ))
    .service(endpoint(
        "/api/v3/core/users/{pk}/set_password",
        [(Method::POST, web::to(set_password))],
    ));
}

/// `{"paths": [...]}`.
#[derive(Serialize, ToSchema)]
pub struct UserPaths {
    paths: Vec<String>,
}

/// Body of `set_password`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserPasswordSetRequest {
    password: String,
}

#[utoipa::path(post, path = "/api/v3/core/users/", tag = "core", request_body = UserRequest,
    responses((status = 201, body = User), (status = 400, body = ValidationError), (status = 403, body = GenericError)))]
pub async fn create(
    identity: Identity,
    state: web::Data<AppState>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::AddUser)?;
    let (change, errors) = user_request::parse(body.into_inner(), Mode::Create)?;
    let actor = identity.actor();
    let view = state
        .db
        .write(move |c| {
            let mut errors = errors.clone();
            let resolved = user_changes::check(c, None, &change, &mut errors)?;
            errors.finish().map_err(StoreError::Invalid)?;
            user_changes::authorize(c, &caller, None, &resolved)?;
            let id = user_changes::create(c, &change, &resolved)?;
            let view = user_views::load_one(c, id)?;
            events::record(
                c,
                &actor,
                EventAction::ModelCreated,
                events::model_context("user", id, &view.user.username),
            )?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Created().json(User::new(view, &state.install_id, Include::ALL)))
}

#[utoipa::path(get, path = "/api/v3/core/users/{pk}/", tag = "core", params(("pk" = i64, Path)),
    responses((status = 200, body = User), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn retrieve(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<i64>,
) -> Result<Json<User>, ApiError> {
    identity.require(Permission::ViewUser)?;
    let pk = pk.into_inner();
    let view = state.db.read(move |c| user_views::load_one(c, pk)).await?;
    Ok(Json(User::new(view, &state.install_id, Include::ALL)))
}

async fn change(
    identity: Identity,
    state: web::Data<AppState>,
    pk: i64,
    body: Value,
    mode: Mode,
) -> Result<Json<User>, ApiError> {
    identity.require(Permission::ChangeUser)?;
    let (change, errors) = user_request::parse(body, mode)?;
    let actor = identity.actor();
    let caller = identity.caller();
    let view = state
        .db
        .write(move |c| {
            let mut errors = errors.clone();
            // Also answers `NotFound` for a missing user before the body is weighed.
            let resolved = user_changes::check(c, Some(pk), &change, &mut errors)?;
            errors.finish().map_err(StoreError::Invalid)?;
            user_changes::authorize(c, &caller, Some(pk), &resolved)?;
            let before = holdings::before(c, &caller, &[pk])?;
            let view = user_changes::update(c, pk, &change, &resolved)?;
            before.check_after(c, &caller)?;
            let context = events::model_context("user", pk, &view.user.username);
            events::record(c, &actor, EventAction::ModelUpdated, context)?;
            Ok(view)
        })
        .await?;
    Ok(Json(User::new(view, &state.install_id, Include::ALL)))
}

#[utoipa::path(put, path = "/api/v3/core/users/{pk}/", tag = "core", params(("pk" = i64, Path)), request_body = UserRequest,
    responses((status = 200, body = User), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn update(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<i64>,
    body: Json<Value>,
) -> Result<Json<User>, ApiError> {
    change(
        identity,
        state,
        pk.into_inner(),
        body.into_inner(),
        Mode::Replace,
    )
    .await
}

#[utoipa::path(patch, path = "/api/v3/core/users/{pk}/", tag = "core", params(("pk" = i64, Path)), request_body = UserRequest,
    responses((status = 200, body = User), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn partial_update(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<i64>,
    body: Json<Value>,
) -> Result<Json<User>, ApiError> {
    change(
        identity,
        state,
        pk.into_inner(),
        body.into_inner(),
        Mode::Patch,
    )
    .await
}

#[utoipa::path(delete, path = "/api/v3/core/users/{pk}/", tag = "core", params(("pk" = i64, Path)),
    responses((status = 204), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn destroy(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::refuse_while_impersonating(&caller)?;
    identity.require(Permission::DeleteUser)?;
    let pk = pk.into_inner();
    let actor = identity.actor();
    state
        .db
        .write(move |c| {
            policy::may_act_on_user(&caller, &permissions::target(c, pk)?)?;
            // End impersonations by or of the user first, so their endings are recorded.
            impersonations::end_all_involving(c, pk, actor.client_ip.clone())?;
            let user = user_changes::delete(c, pk)?;
            events::record(
                c,
                &actor,
                EventAction::ModelDeleted,
                events::model_context("user", pk, &user.username),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v3/core/users/{pk}/set_password/", tag = "core", params(("pk" = i64, Path)),
    request_body = UserPasswordSetRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn set_password(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<i64>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::refuse_while_impersonating(&caller)?;
    let pk = pk.into_inner();
    let own = caller.user_id == pk;
    if !own {
        // Refused before the body is looked at, as authentik answers.
        identity.require(Permission::ResetUserPassword)?;
    }
    let mut b = Body::parse(body.into_inner())?;
    let password = b.string("password", true, false);
    b.finish()?;
    let password =
        password.ok_or_else(|| ApiError::Internal("password parsed without a value".into()))?;
    // Checked before hashing (which is costly) and again in the write.
    let guard = move |c: &rusqlite::Connection| -> Result<(), StoreError> {
        Ok(policy::may_set_password(
            &caller,
            &permissions::target(c, pk)?,
        )?)
    };
    state.db.read(guard.clone()).await?;
    let hash = state
        .passwords
        .hash(password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let actor = identity.actor();
    let user = state
        .db
        .write(move |c| {
            guard(c)?;
            users::set_password_hash(c, pk, &hash)?;
            let user = users::get(c, pk)?;
            events::record(
                c,
                &actor,
                EventAction::PasswordSet,
                events::model_context("user", pk, &user.username),
            )?;
            Ok(user)
        })
        .await?;
    if own && identity.via == Via::Session {
        // The new epoch revokes every session of the user, except the one that asked.
        session::log_in(&req, user.id, user.auth_epoch)?;
    }
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v3/core/users/paths/", tag = "core", params(("search" = Option<String>, Query)),
    responses((status = 200, body = UserPaths), (status = 403, body = GenericError)))]
pub async fn paths(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<UserPaths>, ApiError> {
    identity.require(Permission::ViewUser)?;
    let search = Query::new(query.into_inner()).text("search");
    let paths = state
        .db
        .read(move |c| users::paths(c, search.as_deref()))
        .await?;
    Ok(Json(UserPaths { paths }))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        super::user_list::list,
        create,
        retrieve,
        update,
        partial_update,
        destroy,
        set_password,
        paths
    ),
    components(schemas(
        User,
        UserRequest,
        super::user_list::PaginatedUserList,
        UserPaths,
        UserPasswordSetRequest,
        Pagination
    ))
)]
pub struct Doc;
