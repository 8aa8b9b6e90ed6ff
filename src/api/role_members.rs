//! `add_user` and `remove_user` of `/api/v3/rbac/roles/{uuid}/`: a role assigned to
//! a user directly. Changing what a user holds, so cover of them and, when adding,
//! every permission of the role are asked too.

use super::body::Body;
use super::group_request::UserAccountRequest;
use super::openapi::{GenericError, ValidationError};
use crate::auth::Identity;
use crate::domain::{EventAction, Permission, PermissionSet};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::{catalog, events, holdings, permissions, roles};
use actix_web::HttpResponse;
use actix_web::web::{self, Json};
use serde_json::Value;

/// `add_user` (`add`) or `remove_user`: 204, and a `model_updated` event of the
/// role when the assignment changed.
async fn assignment(
    identity: Identity,
    state: web::Data<AppState>,
    pk: String,
    body: Value,
    add: bool,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::ChangeRole)?;
    identity.require(Permission::ChangeUser)?;
    let mut b = Body::parse(body)?;
    let user = b.integer("pk", true);
    let errors = std::mem::take(&mut b.errors);
    let actor = identity.actor();
    state
        .db
        .write(move |c| {
            let role_id = roles::id_by_uuid(c, &pk)?;
            let holder = permissions::target_named_by_pk(c, user, errors.clone())?;
            let user = holder.user_id;
            if add {
                let granted: PermissionSet = catalog::current(c)?.role_grants(role_id);
                policy::may_assign_role(&caller, &holder, granted)?;
            } else {
                policy::may_unassign_role(&caller, &holder)?;
            }
            let before = holdings::before(c, &caller, &[user])?;
            let changed = if add {
                roles::assign(c, role_id, user)?
            } else {
                roles::unassign(c, role_id, user)?
            };
            before.check_after(c, &caller)?;
            if changed {
                let role = roles::load_one(c, role_id)?;
                let context = events::model_context("role", role.uuid.as_str(), &role.name);
                events::record(c, &actor, EventAction::ModelUpdated, context)?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v3/rbac/roles/{pk}/add_user/", tag = "rbac", params(("pk" = uuid::Uuid, Path)),
    request_body = UserAccountRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn add_user(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    assignment(identity, state, pk.into_inner(), body.into_inner(), true).await
}

#[utoipa::path(post, path = "/api/v3/rbac/roles/{pk}/remove_user/", tag = "rbac", params(("pk" = uuid::Uuid, Path)),
    request_body = UserAccountRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn remove_user(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    assignment(identity, state, pk.into_inner(), body.into_inner(), false).await
}
