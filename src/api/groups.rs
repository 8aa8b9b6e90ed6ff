//! `/api/v3/core/groups/`: groups, their parents, members and roles.

use super::endpoint;
use super::group_request::{Group, GroupRequest, UserAccountRequest, parse};
use super::openapi::{GenericError, ValidationError};
use super::pagination::{Page, Paginated, Pagination};
use super::query::Query;
use super::user_request::Mode;
use super::views::PartialGroup;
use crate::auth::Identity;
use crate::domain::{EventAction, Permission};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::group_changes;
use crate::store::group_views;
use crate::store::groups::{self, GroupFilter, ORDERINGS};
use crate::store::{StoreError, events, holdings};
use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::web::{self, Json};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/groups",
        [
            (Method::GET, web::to(list)),
            (Method::POST, web::to(create)),
        ],
    ))
    .service(endpoint(
        "/api/v3/core/groups/{pk}",
        [
            (Method::GET, web::to(retrieve)),
            (Method::PUT, web::to(update)),
            (Method::PATCH, web::to(partial_update)),
            (Method::DELETE, web::to(destroy)),
        ],
    ))
    .service(endpoint(
        "/api/v3/core/groups/{pk}/add_user",
        [(Method::POST, web::to(super::group_members::add_user))],
    ))
    .service(endpoint(
        "/api/v3/core/groups/{pk}/remove_user",
        [(Method::POST, web::to(super::group_members::remove_user))],
    ));
}

/// One page of groups.
#[derive(Serialize, ToSchema)]
pub struct PaginatedGroupList {
    pagination: Pagination,
    results: Vec<Group>,
    #[schema(value_type = Object)]
    autocomplete: Value,
}

fn filter_from(q: &mut Query) -> GroupFilter {
    let mut members_by_pk = Vec::new();
    for v in q.all("members_by_pk") {
        match v.trim().parse::<i64>() {
            Ok(pk) => members_by_pk.push(pk),
            Err(_) => q.errors.add(
                "members_by_pk",
                format!("\u{201c}{v}\u{201d} is not a valid value."),
            ),
        }
    }
    GroupFilter {
        name: q.text("name"),
        is_superuser: q.boolean("is_superuser"),
        search: q.text("search"),
        members_by_pk,
        members_by_username: q.all("members_by_username"),
        ordering: q.ordering(ORDERINGS, "name"),
    }
}

#[utoipa::path(get, path = "/api/v3/core/groups/", tag = "core",
    params(
        ("name" = Option<String>, Query), ("is_superuser" = Option<bool>, Query),
        ("members_by_pk" = Option<Vec<i64>>, Query), ("members_by_username" = Option<Vec<String>>, Query),
        ("search" = Option<String>, Query, description = "case-insensitive substring of the name"),
        ("ordering" = Option<String>, Query, description = "name; `-` for descending"),
        ("include_users" = Option<bool>, Query, description = "default true; false sends `users_obj: null`"),
        ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query),
    ),
    responses((status = 200, body = PaginatedGroupList), (status = 400, body = ValidationError),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<Paginated<Group>>, ApiError> {
    identity.require(Permission::ViewGroup)?;
    let mut q = Query::new(query.into_inner());
    let filter = filter_from(&mut q);
    let with_members = q.switch("include_users");
    q.finish()?;
    let page = Page::from_query(&q)?;
    let (count, views) = state
        .db
        .read(move |c| {
            let (count, ids) = groups::search(c, &filter, page.offset(), page.size)?;
            Ok((count, group_views::load(c, &ids, with_members)?))
        })
        .await?;
    let pagination = page.describe(count)?;
    let results = views
        .into_iter()
        .map(|v| Group::new(v, &state.install_id))
        .collect();
    Ok(Json(Paginated::new(pagination, results)))
}

#[utoipa::path(post, path = "/api/v3/core/groups/", tag = "core", request_body = GroupRequest,
    responses((status = 201, body = Group), (status = 400, body = ValidationError), (status = 403, body = GenericError)))]
pub async fn create(
    identity: Identity,
    state: web::Data<AppState>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::AddGroup)?;
    let (change, errors) = parse(body.into_inner(), Mode::Create)?;
    let actor = identity.actor();
    let view = state
        .db
        .write(move |c| {
            let mut errors = errors.clone();
            let resolved = group_changes::check(c, None, &change, &mut errors)?;
            errors.finish().map_err(StoreError::Invalid)?;
            group_changes::authorize(c, &caller, None, &change, &resolved)?;
            let before = holdings::before(c, &caller, change.users.as_deref().unwrap_or(&[]))?;
            let id = group_changes::create(c, &change, &resolved)?;
            before.check_after(c, &caller)?;
            let view = group_views::load_one(c, id, true)?;
            events::record(
                c,
                &actor,
                EventAction::ModelCreated,
                events::model_context("group", view.uuid.as_str(), &view.name),
            )?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Created().json(Group::new(view, &state.install_id)))
}

#[utoipa::path(get, path = "/api/v3/core/groups/{pk}/", tag = "core",
    params(("pk" = uuid::Uuid, Path), ("include_users" = Option<bool>, Query)),
    responses((status = 200, body = Group), (status = 400, body = ValidationError),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn retrieve(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<Group>, ApiError> {
    identity.require(Permission::ViewGroup)?;
    let mut q = Query::new(query.into_inner());
    let with_members = q.switch("include_users");
    q.finish()?;
    let view = state
        .db
        .read(move |c| group_views::load_one(c, groups::by_uuid(c, &pk)?.id, with_members))
        .await?;
    Ok(Json(Group::new(view, &state.install_id)))
}

async fn change(
    identity: Identity,
    state: web::Data<AppState>,
    pk: String,
    body: Value,
    mode: Mode,
) -> Result<Json<Group>, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::ChangeGroup)?;
    let (change, errors) = parse(body, mode)?;
    let actor = identity.actor();
    let view = state
        .db
        .write(move |c| {
            let mut errors = errors.clone();
            let id = groups::by_uuid(c, &pk)?.id;
            let resolved = group_changes::check(c, Some(id), &change, &mut errors)?;
            errors.finish().map_err(StoreError::Invalid)?;
            group_changes::authorize(c, &caller, Some(id), &change, &resolved)?;
            let mut touched = holdings::members_at_or_below(c, &[id])?;
            touched.extend(change.users.iter().flatten());
            let before = holdings::before(c, &caller, &touched)?;
            group_changes::update(c, id, &change, &resolved)?;
            before.check_after(c, &caller)?;
            let view = group_views::load_one(c, id, true)?;
            events::record(
                c,
                &actor,
                EventAction::ModelUpdated,
                events::model_context("group", view.uuid.as_str(), &view.name),
            )?;
            Ok(view)
        })
        .await?;
    Ok(Json(Group::new(view, &state.install_id)))
}

#[utoipa::path(put, path = "/api/v3/core/groups/{pk}/", tag = "core", params(("pk" = uuid::Uuid, Path)), request_body = GroupRequest,
    responses((status = 200, body = Group), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn update(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<Json<Group>, ApiError> {
    change(
        identity,
        state,
        pk.into_inner(),
        body.into_inner(),
        Mode::Replace,
    )
    .await
}

#[utoipa::path(patch, path = "/api/v3/core/groups/{pk}/", tag = "core", params(("pk" = uuid::Uuid, Path)), request_body = GroupRequest,
    responses((status = 200, body = Group), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn partial_update(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
    body: Json<Value>,
) -> Result<Json<Group>, ApiError> {
    change(
        identity,
        state,
        pk.into_inner(),
        body.into_inner(),
        Mode::Patch,
    )
    .await
}

#[utoipa::path(delete, path = "/api/v3/core/groups/{pk}/", tag = "core", params(("pk" = uuid::Uuid, Path)),
    responses((status = 204), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn destroy(
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::may_change_holdings(&caller)?;
    identity.require(Permission::DeleteGroup)?;
    let actor = identity.actor();
    state
        .db
        .write(move |c| {
            let group = groups::by_uuid(c, &pk)?;
            group_changes::authorize_delete(c, &caller, group.id)?;
            let before =
                holdings::before(c, &caller, &holdings::members_at_or_below(c, &[group.id])?)?;
            group_changes::delete(c, group.id)?;
            before.check_after(c, &caller)?;
            events::record(
                c,
                &actor,
                EventAction::ModelDeleted,
                events::model_context("group", group.uuid, &group.name),
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
        super::group_members::add_user,
        super::group_members::remove_user
    ),
    components(schemas(
        Group,
        GroupRequest,
        PaginatedGroupList,
        UserAccountRequest,
        PartialGroup,
        Pagination
    ))
)]
pub struct Doc;
