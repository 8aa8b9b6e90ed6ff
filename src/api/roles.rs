//! `/api/v3/rbac/roles/`: roles and the permissions they grant.

use super::body::Body;
use super::endpoint;
use super::openapi::{GenericError, ValidationError};
use super::pagination::{Page, Paginated, Pagination};
use super::query::Query;
use super::user_request::Mode;
use super::views::Role;
use crate::auth::Identity;
use crate::domain::{EventAction, FieldErrors, Permission, PermissionSet};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::roles::{self, ORDERINGS, RoleChange, RoleFilter};
use crate::store::{StoreError, events, holdings};
use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::web::{self, Json};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/rbac/roles",
        [
            (Method::GET, web::to(list)),
            (Method::POST, web::to(create)),
        ],
    ))
    .service(endpoint(
        "/api/v3/rbac/roles/{pk}",
        [
            (Method::GET, web::to(retrieve)),
            (Method::PUT, web::to(update)),
            (Method::PATCH, web::to(partial_update)),
            (Method::DELETE, web::to(destroy)),
        ],
    ))
    .service(endpoint(
        "/api/v3/rbac/roles/{pk}/add_user",
        [(Method::POST, web::to(super::role_members::add_user))],
    ))
    .service(endpoint(
        "/api/v3/rbac/roles/{pk}/remove_user",
        [(Method::POST, web::to(super::role_members::remove_user))],
    ));
}

/// One page of roles.
#[derive(Serialize, ToSchema)]
pub struct PaginatedRoleList {
    pagination: Pagination,
    results: Vec<Role>,
    #[schema(value_type = Object)]
    autocomplete: Value,
}

/// The writable fields of a role.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RoleRequest {
    name: String,
    /// Permission codenames. Omitted, the role keeps the ones it has (authentik's
    /// role has no such field, so its clients never send it).
    permissions: Option<Vec<String>>,
}

/// Parses a role body for `mode`; every bad field is reported at once.
fn parse(body: Value, mode: Mode) -> Result<(RoleChange, FieldErrors), ApiError> {
    let mut b = Body::parse(body)?;
    let mut change = RoleChange {
        name: b.string("name", mode != Mode::Patch, false),
        permissions: None,
    };
    match b.raw("permissions").cloned() {
        None => {}
        Some(Value::Array(items)) => {
            let mut perms = PermissionSet::EMPTY;
            for item in items {
                match item.as_str().map(|p| (p, Permission::parse(p))) {
                    Some((_, Some(p))) => perms.insert(p),
                    Some((p, None)) => b
                        .errors
                        .add("permissions", format!("\"{p}\" is not a valid choice.")),
                    None => b
                        .errors
                        .add("permissions", format!("\"{item}\" is not a valid choice.")),
                }
            }
            change.permissions = Some(perms);
        }
        // Not a list: `string_list` words the error as DRF does.
        Some(_) => {
            b.string_list("permissions");
        }
    }
    let errors = std::mem::take(&mut b.errors);
    Ok((change, errors))
}

#[utoipa::path(get, path = "/api/v3/rbac/roles/", tag = "rbac",
    params(
        ("name" = Option<String>, Query),
        ("search" = Option<String>, Query, description = "case-insensitive substring of the name"),
        ("ordering" = Option<String>, Query, description = "name; `-` for descending"),
        ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query),
    ),
    responses((status = 200, body = PaginatedRoleList), (status = 400, body = ValidationError),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<Paginated<Role>>, ApiError> {
    identity.require(Permission::ViewRole)?;
    let mut q = Query::new(query.into_inner());
    let filter = RoleFilter {
        name: q.text("name"),
        search: q.text("search"),
        ordering: q.ordering(ORDERINGS, "name"),
    };
    q.finish()?;
    let page = Page::from_query(&q)?;
    let (count, found) = state
        .db
        .read(move |c| {
            let (count, ids) = roles::search(c, &filter, page.offset(), page.size)?;
            Ok((count, roles::load(c, &ids)?))
        })
        .await?;
    let pagination = page.describe(count)?;
    let results = found.into_iter().map(Role::from).collect();
    Ok(Json(Paginated::new(pagination, results)))
}

#[utoipa::path(post, path = "/api/v3/rbac/roles/", tag = "rbac", request_body = RoleRequest,
    responses((status = 201, body = Role), (status = 400, body = ValidationError), (status = 403, body = GenericError)))]
pub async fn create(
    identity: Identity,
    state: web::Data<AppState>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::ChangeRole)?;
    let (change, errors) = parse(body.into_inner(), Mode::Create)?;
    let actor = identity.actor();
    let role = state
        .db
        .write(move |c| {
            let mut errors = errors.clone();
            roles::check(c, None, &change, &mut errors)?;
            errors.finish().map_err(StoreError::Invalid)?;
            roles::authorize(c, &caller, None, &change)?;
            let id = roles::create(c, &change)?;
            let role = roles::load_one(c, id)?;
            events::record(
                c,
                &actor,
                EventAction::ModelCreated,
                events::model_context("role", role.uuid.as_str(), &role.name),
            )?;
            Ok(role)
        })
        .await?;
    Ok(HttpResponse::Created().json(Role::from(role)))
}

#[utoipa::path(get, path = "/api/v3/rbac/roles/{pk}/", tag = "rbac", params(("pk" = uuid::Uuid, Path)),
    responses((status = 200, body = Role), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn retrieve(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
) -> Result<Json<Role>, ApiError> {
    identity.require(Permission::ViewRole)?;
    let role = state
        .db
        .read(move |c| roles::load_one(c, roles::id_by_uuid(c, &pk)?))
        .await?;
    Ok(Json(Role::from(role)))
}

async fn change(
    identity: Identity,
    state: web::Data<AppState>,
    pk: String,
    body: Value,
    mode: Mode,
) -> Result<Json<Role>, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::ChangeRole)?;
    let (change, errors) = parse(body, mode)?;
    let actor = identity.actor();
    let role = state
        .db
        .write(move |c| {
            let mut errors = errors.clone();
            let id = roles::id_by_uuid(c, &pk)?;
            roles::check(c, Some(id), &change, &mut errors)?;
            errors.finish().map_err(StoreError::Invalid)?;
            roles::authorize(c, &caller, Some(id), &change)?;
            let before = holdings::before(c, &caller, &holdings::holders_of_role(c, id)?)?;
            roles::update(c, id, &change)?;
            before.check_after(c, &caller)?;
            let role = roles::load_one(c, id)?;
            events::record(
                c,
                &actor,
                EventAction::ModelUpdated,
                events::model_context("role", role.uuid.as_str(), &role.name),
            )?;
            Ok(role)
        })
        .await?;
    Ok(Json(Role::from(role)))
}

#[utoipa::path(put, path = "/api/v3/rbac/roles/{pk}/", tag = "rbac", params(("pk" = uuid::Uuid, Path)), request_body = RoleRequest,
    responses((status = 200, body = Role), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn update(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<Json<Role>, ApiError> {
    change(
        identity,
        state,
        pk.into_inner(),
        body.into_inner(),
        Mode::Replace,
    )
    .await
}

#[utoipa::path(patch, path = "/api/v3/rbac/roles/{pk}/", tag = "rbac", params(("pk" = uuid::Uuid, Path)), request_body = RoleRequest,
    responses((status = 200, body = Role), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn partial_update(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<Json<Role>, ApiError> {
    change(
        identity,
        state,
        pk.into_inner(),
        body.into_inner(),
        Mode::Patch,
    )
    .await
}

#[utoipa::path(delete, path = "/api/v3/rbac/roles/{pk}/", tag = "rbac", params(("pk" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn destroy(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::ChangeRole)?;
    let actor = identity.actor();
    state
        .db
        .write(move |c| {
            let id = roles::id_by_uuid(c, &pk)?;
            let before = holdings::before(c, &caller, &holdings::holders_of_role(c, id)?)?;
            let role = roles::delete(c, id)?;
            before.check_after(c, &caller)?;
            events::record(
                c,
                &actor,
                EventAction::ModelDeleted,
                events::model_context("role", role.uuid.as_str(), &role.name),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list,
        create,
        retrieve,
        update,
        partial_update,
        destroy,
        super::role_members::add_user,
        super::role_members::remove_user
    ),
    components(schemas(Role, RoleRequest, PaginatedRoleList, Pagination))
)]
pub struct Doc;
