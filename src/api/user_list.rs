//! `GET /api/v3/core/users/`: the users list with every filter authentik's client sends.

use super::json_with_capacity;
use super::openapi::{GenericError, ValidationError};
use super::pagination::{Page, Paginated, Pagination};
use super::query::Query;
use super::views::{Include, User};
use crate::auth::Identity;
use crate::domain::UserType;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::user_list::{self, ORDERINGS, UserFilter};
use crate::store::user_views;
use actix_web::HttpResponse;
use actix_web::web;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One page of users.
#[derive(Serialize, ToSchema)]
pub struct PaginatedUserList {
    pagination: Pagination,
    results: Vec<User>,
    #[schema(value_type = Object)]
    autocomplete: Value,
}

fn filter_from(q: &mut Query) -> UserFilter {
    let mut f = UserFilter {
        username: q.text("username"),
        email: q.text("email"),
        name: q.text("name"),
        path: q.text("path"),
        path_startswith: q.text("path_startswith"),
        uuid: q.text("uuid"),
        groups_by_name: q.all("groups_by_name"),
        search: q.text("search"),
        ..UserFilter::default()
    };
    f.is_active = q.boolean("is_active");
    f.is_superuser = q.boolean("is_superuser");
    f.last_login_isnull = q.boolean("last_login__isnull");
    f.date_joined = q.time("date_joined");
    f.last_login = q.time("last_login");
    f.date_joined_gt = q.time("date_joined__gt");
    f.date_joined_lt = q.time("date_joined__lt");
    f.last_login_gt = q.time("last_login__gt");
    f.last_login_lt = q.time("last_login__lt");
    f.groups_by_pk = q.uuids("groups_by_pk");
    f.roles_by_name = q.all("roles_by_name");
    f.roles_by_pk = q.uuids("roles_by_pk");
    f.last_updated = q.time("last_updated");
    f.last_updated_gt = q.time("last_updated__gt");
    f.last_updated_lt = q.time("last_updated__lt");
    for t in q.all("type") {
        match UserType::parse(&t) {
            Ok(t) => f.types.push(t.as_str().to_owned()),
            Err(_) => q.errors.add(
                "type",
                format!("Select a valid choice. {t} is not one of the available choices."),
            ),
        }
    }
    if let Some(raw) = q.get("attributes").map(str::to_owned) {
        match serde_json::from_str::<Value>(&raw) {
            Ok(Value::Object(map)) => match check_attribute_keys(map.keys()) {
                Ok(()) => f.attributes = map.into_iter().collect(),
                Err(message) => q.errors.add("attributes", message),
            },
            _ => q.errors.add("attributes", "filter: failed to parse JSON"),
        }
    }
    f.ordering = q.ordering(ORDERINGS, "username");
    f
}

/// Keys an `attributes` filter may hold at most: each becomes a condition of the query.
const MAX_ATTRIBUTE_KEYS: usize = 20;
const MAX_ATTRIBUTE_KEY_CHARS: usize = 100;

/// Each key becomes a JSON path inside the SQL: quotes, backslashes and control
/// characters would end or break that path, so they are refused instead.
fn check_attribute_keys<'a>(
    mut keys: impl ExactSizeIterator<Item = &'a String>,
) -> Result<(), String> {
    if keys.len() > MAX_ATTRIBUTE_KEYS {
        return Err(format!(
            "filter: at most {MAX_ATTRIBUTE_KEYS} keys are allowed."
        ));
    }
    let bad = |k: &String| {
        k.is_empty()
            || k.chars().count() > MAX_ATTRIBUTE_KEY_CHARS
            || k.chars().any(|c| c == '"' || c == '\\' || c.is_control())
    };
    if keys.any(bad) {
        return Err(format!(
            "filter: keys must be 1 to {MAX_ATTRIBUTE_KEY_CHARS} characters, without \", \\ or control characters."
        ));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v3/core/users/", tag = "core",
    params(
        ("username" = Option<String>, Query), ("email" = Option<String>, Query), ("name" = Option<String>, Query),
        ("is_active" = Option<bool>, Query), ("is_superuser" = Option<bool>, Query),
        ("path" = Option<String>, Query), ("path_startswith" = Option<String>, Query),
        ("type" = Option<Vec<String>>, Query, description = "repeatable: internal, external, service_account, internal_service_account"),
        ("uuid" = Option<String>, Query), ("groups_by_name" = Option<Vec<String>>, Query), ("groups_by_pk" = Option<Vec<String>>, Query),
        ("attributes" = Option<String>, Query, description = "JSON object; each key matched by equality; at most 20 keys of 1 to 100 characters without \", \\ or control characters"),
        ("last_login__isnull" = Option<bool>, Query),
        ("date_joined" = Option<String>, Query), ("last_login" = Option<String>, Query),
        ("date_joined__gt" = Option<String>, Query), ("date_joined__lt" = Option<String>, Query),
        ("last_login__gt" = Option<String>, Query), ("last_login__lt" = Option<String>, Query),
        ("last_updated" = Option<String>, Query), ("last_updated__gt" = Option<String>, Query), ("last_updated__lt" = Option<String>, Query),
        ("roles_by_name" = Option<Vec<String>>, Query, description = "repeatable; roles assigned directly"),
        ("roles_by_pk" = Option<Vec<String>>, Query, description = "repeatable; roles assigned directly"),
        ("search" = Option<String>, Query, description = "case-insensitive substring of username, name, email or uuid"),
        ("ordering" = Option<String>, Query, description = "username, name, date_joined, last_login, last_updated or pk; `-` for descending"),
        ("include_groups" = Option<bool>, Query), ("include_roles" = Option<bool>, Query),
        ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query),
    ),
    responses((status = 200, body = PaginatedUserList), (status = 400, body = ValidationError),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    identity.require(crate::domain::Permission::ViewUser)?;
    let mut q = Query::new(query.into_inner());
    let filter = filter_from(&mut q);
    let include = Include {
        groups: q.switch("include_groups"),
        roles: q.switch("include_roles"),
    };
    q.finish()?;
    let page = Page::from_query(&q)?;
    let (count, views) = state
        .db
        .read(move |c| {
            let (count, ids) = user_list::search(c, &filter, page.offset(), page.size)?;
            Ok((count, user_views::load(c, &ids)?))
        })
        .await?;
    let pagination = page.describe(count)?;
    let results: Vec<User> = views
        .into_iter()
        .map(|v| User::new(v, &state.install_id, include))
        .collect();
    // About 1.4 KB a user: written once into a buffer of that size instead of one that
    // doubles (and is copied) a dozen times on the way to a page of 100.
    let size = 256 + 1536 * results.len();
    json_with_capacity(&Paginated::new(pagination, results), size)
}
