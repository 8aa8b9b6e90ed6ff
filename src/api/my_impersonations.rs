//! `/api/v3/core/users/me/impersonations/`: who entered my account, when and why.
//! Any signed-in user reads their own history; acknowledging it is theirs alone, so
//! an impersonator cannot hide their own visit.

use super::endpoint;
use super::openapi::{GenericError, ValidationError};
use super::pagination::{Page, Paginated, Pagination};
use super::query::Query;
use super::views::PartialUser;
use crate::auth::Identity;
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::{impersonation_history, users};
use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::web::{self, Json};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/users/me/impersonations",
        [(Method::GET, web::to(list))],
    ))
    .service(endpoint(
        "/api/v3/core/users/me/impersonations/seen",
        [(Method::POST, web::to(seen))],
    ));
}

/// An impersonation of the current user, as they see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImpersonationOfMe {
    #[schema(format = Uuid)]
    pk: String,
    /// Who became me.
    original: PartialUser,
    reason: String,
    read_only: bool,
    started: String,
    ended: Option<String>,
    end_reason: Option<String>,
    /// Whether I have acknowledged it.
    seen: bool,
}

/// One page of impersonations of the current user.
#[derive(Serialize, ToSchema)]
pub struct PaginatedImpersonationOfMeList {
    pagination: Pagination,
    results: Vec<ImpersonationOfMe>,
    #[schema(value_type = Object)]
    autocomplete: Value,
}

#[utoipa::path(get, path = "/api/v3/core/users/me/impersonations/", tag = "core",
    params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = PaginatedImpersonationOfMeList), (status = 400, body = ValidationError),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<Paginated<ImpersonationOfMe>>, ApiError> {
    let mut q = Query::new(query.into_inner());
    q.finish()?;
    let page = Page::from_query(&q)?;
    let me = identity.user.user.id;
    let install_id = state.install_id.clone();
    let (count, items) = state
        .db
        .read(move |c| {
            let (count, rows) = impersonation_history::of_target(c, me, page.offset(), page.size)?;
            let items = (rows.into_iter())
                .map(|r| {
                    Ok(ImpersonationOfMe {
                        original: PartialUser::new(users::get(c, r.original_user_id)?, &install_id),
                        pk: r.uuid,
                        reason: r.reason,
                        read_only: r.read_only,
                        started: r.started,
                        ended: r.ended,
                        end_reason: r.end_reason,
                        seen: r.seen,
                    })
                })
                .collect::<Result<Vec<_>, crate::store::StoreError>>()?;
            Ok((count, items))
        })
        .await?;
    Ok(Json(Paginated::new(page.describe(count)?, items)))
}

#[utoipa::path(post, path = "/api/v3/core/users/me/impersonations/seen/", tag = "core",
    responses((status = 204), (status = 403, body = GenericError)))]
pub async fn seen(
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    policy::refuse_while_impersonating(&identity.caller())?;
    let me = identity.user.user.id;
    state
        .db
        .write(move |c| impersonation_history::mark_seen(c, me))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, seen),
    components(schemas(ImpersonationOfMe, PaginatedImpersonationOfMeList))
)]
pub struct Doc;
