//! `add_user` and `remove_user` of `/api/v3/core/groups/{pk}/` (CONTRACT §5).

use super::body::Body;
use super::group_request::UserAccountRequest;
use super::openapi::{GenericError, ValidationError};
use crate::auth::Identity;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{StoreError, events, groups};
use actix_web::HttpResponse;
use actix_web::web::{self, Json};
use serde_json::Value;

/// `add_user` (`add`) or `remove_user`: 204, and a `model_updated` event when the
/// membership changed.
async fn membership(
    identity: Identity,
    state: web::Data<AppState>,
    pk: String,
    body: Value,
    add: bool,
) -> Result<HttpResponse, ApiError> {
    identity.require("core.change_group")?;
    let mut b = Body::parse(body)?;
    let user = b.integer("pk", true);
    let mut errors = std::mem::take(&mut b.errors);
    let actor = identity.actor();
    let superuser = identity.user.grants.is_superuser;
    state
        .db
        .write(move |c| {
            let group = groups::by_uuid(c, &pk)?;
            if let Some(user) = user
                && crate::store::users::find(c, user)?.is_none()
            {
                errors.add(
                    "pk",
                    format!("Invalid pk \"{user}\" - object does not exist."),
                );
            }
            errors.finish().map_err(StoreError::Invalid)?;
            let user = user.ok_or_else(|| StoreError::Other("pk parsed without a value".into()))?;
            if add && !superuser && groups::grants_superuser(c, &[group.id])? {
                return Ok(Err(ApiError::forbidden(groups::SUPERUSER_ONLY)));
            }
            let changed = if add {
                groups::add_member(c, group.id, user)?
            } else {
                groups::remove_member(c, group.id, user)?
            };
            if changed {
                let context = events::model_context("group", group.uuid, &group.name);
                events::record(c, &actor, "model_updated", context)?;
            }
            Ok(Ok(()))
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v3/core/groups/{pk}/add_user/", tag = "core", params(("pk" = uuid::Uuid, Path)),
    request_body = UserAccountRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn add_user(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    membership(identity, state, pk.into_inner(), body.into_inner(), true).await
}

#[utoipa::path(post, path = "/api/v3/core/groups/{pk}/remove_user/", tag = "core", params(("pk" = uuid::Uuid, Path)),
    request_body = UserAccountRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn remove_user(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    membership(identity, state, pk.into_inner(), body.into_inner(), false).await
}
