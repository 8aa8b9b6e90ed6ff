//! `used_by` of users, groups and roles. authentik lists there the objects that
//! reference one (policy bindings, flows, providers) and what deleting it would do to
//! them; standin has none of those, so the list is always empty, but the object must
//! exist and the caller must be allowed to see it.

use super::endpoint;
use super::openapi::GenericError;
use crate::auth::Identity;
use crate::domain::Permission;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{groups, roles, users};
use actix_web::http::Method;
use actix_web::web::{self, Json};
use serde::Serialize;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/users/{pk}/used_by",
        [(Method::GET, web::to(user))],
    ))
    .service(endpoint(
        "/api/v3/core/groups/{pk}/used_by",
        [(Method::GET, web::to(group))],
    ))
    .service(endpoint(
        "/api/v3/rbac/roles/{pk}/used_by",
        [(Method::GET, web::to(role))],
    ));
}

/// authentik's `UsedByActionEnum`: what deleting the object does to the referrer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum UsedByActionEnum {
    Cascade,
    CascadeMany,
    SetNull,
    SetDefault,
    LeftDangling,
}

/// An object referencing the one asked about. standin never has any.
#[derive(Serialize, ToSchema)]
pub struct UsedBy {
    app: String,
    model_name: String,
    pk: String,
    name: String,
    action: UsedByActionEnum,
}

#[utoipa::path(get, path = "/api/v3/core/users/{pk}/used_by/", tag = "core", params(("pk" = i64, Path)),
    responses((status = 200, body = Vec<UsedBy>, description = "Always empty"),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn user(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<i64>,
) -> Result<Json<Vec<UsedBy>>, ApiError> {
    identity.require(Permission::ViewUser)?;
    let pk = pk.into_inner();
    state.db.read(move |c| users::get(c, pk).map(drop)).await?;
    Ok(Json(Vec::new()))
}

#[utoipa::path(get, path = "/api/v3/core/groups/{pk}/used_by/", tag = "core", params(("pk" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<UsedBy>, description = "Always empty"),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn group(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
) -> Result<Json<Vec<UsedBy>>, ApiError> {
    identity.require(Permission::ViewGroup)?;
    let pk = pk.into_inner();
    state
        .db
        .read(move |c| groups::by_uuid(c, &pk).map(drop))
        .await?;
    Ok(Json(Vec::new()))
}

#[utoipa::path(get, path = "/api/v3/rbac/roles/{pk}/used_by/", tag = "rbac", params(("pk" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<UsedBy>, description = "Always empty"),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn role(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
) -> Result<Json<Vec<UsedBy>>, ApiError> {
    identity.require(Permission::ViewRole)?;
    let pk = pk.into_inner();
    state
        .db
        .read(move |c| roles::id_by_uuid(c, &pk).map(drop))
        .await?;
    Ok(Json(Vec::new()))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(user, group, role),
    components(schemas(UsedBy, UsedByActionEnum))
)]
pub struct Doc;
