//! `add_user` and `remove_user` of `/api/v3/core/groups/{pk}/`.

use super::body::Body;
use super::group_request::UserAccountRequest;
use super::openapi::{GenericError, ValidationError};
use crate::auth::Identity;
use crate::domain::{EventAction, Permission};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::{catalog, events, groups, holdings, permissions};
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
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::ChangeGroup)?;
    let mut b = Body::parse(body)?;
    let user = b.integer("pk", true);
    let errors = std::mem::take(&mut b.errors);
    let actor = identity.actor();
    state
        .db
        .write(move |c| {
            let group = groups::by_uuid(c, &pk)?;
            let member = permissions::target_named_by_pk(c, user, errors.clone())?;
            let user = member.user_id;
            let grants = catalog::current(c)?.group_grants(group.id);
            if add {
                policy::may_add_member(&caller, &member, &grants)?;
            } else {
                policy::may_remove_member(&caller, &member, &grants)?;
            }
            let before = holdings::before(c, &caller, &[user])?;
            let changed = if add {
                groups::add_member(c, group.id, user)?
            } else {
                groups::remove_member(c, group.id, user)?
            };
            before.check_after(c, &caller)?;
            if changed {
                let context = events::model_context("group", group.uuid, &group.name);
                events::record(c, &actor, EventAction::ModelUpdated, context)?;
            }
            Ok(())
        })
        .await?;
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
