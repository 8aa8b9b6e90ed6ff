//! Impersonation: start, end, list and revoke.

use super::endpoint;
use super::impersonation_request::{ImpersonationRequest, StartBody};
use super::openapi::{GenericError, ValidationError};
use super::pagination::{Page, Paginated, Pagination};
use super::query::Query;
use super::views::PartialUser;
use crate::auth::{Identity, Via, session};
use crate::domain::{EventAction, FieldErrors, Permission, time};
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::events::{self, UserRef};
use crate::store::impersonation_list::{self, ImpersonationFilter};
use crate::store::impersonations::{self, EndReason, Impersonation as Row, NewImpersonation};
use crate::store::{StoreError, permissions, users};
use actix_web::http::Method;
use actix_web::web::{self, Json};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/users/impersonate_end",
        [
            (Method::GET, web::to(impersonate_end)),
            (Method::POST, web::to(impersonate_end)),
        ],
    ))
    .service(endpoint(
        "/api/v3/core/users/{pk}/impersonate",
        [(Method::POST, web::to(impersonate))],
    ))
    .service(endpoint(
        "/api/v3/core/impersonations",
        [(Method::GET, web::to(list))],
    ))
    .service(endpoint(
        "/api/v3/core/impersonations/{uuid}/end",
        [(Method::POST, web::to(revoke))],
    ));
}

/// One impersonation, as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Impersonation {
    #[schema(format = Uuid)]
    pub pk: String,
    pub original: PartialUser,
    pub target: PartialUser,
    pub reason: String,
    pub started: String,
    pub expires: String,
    pub ended: Option<String>,
    /// `ended`, `logout`, `expired`, `idle`, `revoked` or `user_changed`.
    pub end_reason: Option<String>,
    /// A "view as": every write was refused while it ran.
    pub read_only: bool,
    /// Not ended and not expired.
    pub active: bool,
}

/// One page of impersonations.
#[derive(Serialize, ToSchema)]
pub struct PaginatedImpersonationList {
    pagination: Pagination,
    results: Vec<Impersonation>,
    #[schema(value_type = Object)]
    autocomplete: Value,
}

#[utoipa::path(post, path = "/api/v3/core/users/{pk}/impersonate/", tag = "core", params(("pk" = i64, Path)),
    request_body = ImpersonationRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 401, description = "Disabled, or the target is the caller"),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn impersonate(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
    pk: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let settings = &state.config.impersonation;
    // The checks run in this order, each with its own answer; the first
    // (authenticated at all) is the extractor's.
    if identity.via == Via::Token {
        return Err(ApiError::forbidden(
            "Impersonation needs a browser session.",
        ));
    }
    if identity.is_impersonating() {
        // Rule 3: refuse nesting instead of losing the original identity.
        return Err(ApiError::forbidden(
            "Already impersonating; end the current impersonation first.",
        ));
    }
    // Rule 4 takes either codename; the read-only one only for a "view as".
    let body = StartBody::read(&body);
    let read_only = body.read_only(settings.read_only_default);
    policy::may_start_impersonation(&identity.user.grants, read_only)?;
    if !settings.enabled {
        return Err(ApiError::Unauthorized);
    }
    let pk = pk.into_inner();
    let target = state.db.read(move |c| permissions::target(c, pk)).await?;
    let caller = &identity.user;
    if caller.user.id == pk {
        return Err(ApiError::Unauthorized);
    }
    policy::may_impersonate(&caller.grants, &target.grants)?;
    let reason = body.reason(settings.require_reason)?;
    let now = chrono::Utc::now();
    policy::may_start_with_password_from(
        identity.authenticated_at,
        now.timestamp(),
        settings.reauth_within.0,
    )?;

    let expires = time::format(now + settings.max_duration.0);
    let caller_id = caller.user.id;
    let actor = identity.actor();
    let started = state
        .db
        .write(move |c| {
            let new = NewImpersonation {
                original: caller_id,
                target: pk,
                reason: &reason,
                expires: &expires,
                read_only,
            };
            let imp = impersonations::start(c, &new)?;
            let target = users::get(c, pk)?;
            let actor = events::Actor {
                on_behalf_of: Some(UserRef::of(&target)),
                ..actor.clone()
            };
            let context = json!({"reason": reason, "impersonation": imp.uuid,
                                 "expires": imp.expires, "read_only": read_only});
            events::record(c, &actor, EventAction::ImpersonationStarted, context)?;
            Ok(imp)
        })
        .await?;
    session::begin_impersonation(&req, pk, &started.uuid)?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(method(get, post), path = "/api/v3/core/users/impersonate_end/", tag = "core",
    responses((status = 204), (status = 403, body = GenericError)))]
pub async fn impersonate_end(
    req: HttpRequest,
    identity: Identity,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // A GET carries no CSRF token, so a link on another site could end the
    // impersonation: the browser's own word on where the request came from decides.
    crate::auth::csrf::refuse_cross_site(&req)?;
    // Not impersonating (or a token): a no-op, as in authentik.
    if let Some(uuid) = identity.impersonation.as_ref().map(|i| i.uuid.clone()) {
        let ip = identity.client_ip.clone();
        state
            .db
            .write(move |c| {
                impersonations::finish(c, &uuid, EndReason::Ended, ip.clone(), json!({}))
            })
            .await?;
        session::end_impersonation(&req)?;
    }
    Ok(HttpResponse::NoContent().finish())
}

fn render(
    c: &rusqlite::Connection,
    rows: Vec<Row>,
    install_id: &str,
) -> Result<Vec<Impersonation>, StoreError> {
    let at = crate::domain::now();
    rows.into_iter()
        .map(|r| {
            Ok(Impersonation {
                active: r.is_active_at(&at),
                original: PartialUser::new(users::get(c, r.original_user_id)?, install_id),
                target: PartialUser::new(users::get(c, r.target_user_id)?, install_id),
                pk: r.uuid,
                reason: r.reason,
                started: r.started,
                expires: r.expires,
                ended: r.ended,
                end_reason: r.end_reason,
                read_only: r.read_only,
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v3/core/impersonations/", tag = "core",
    params(("active" = Option<bool>, Query), ("original" = Option<i64>, Query, description = "impersonator's pk"),
           ("target" = Option<i64>, Query, description = "impersonated user's pk"),
           ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = PaginatedImpersonationList), (status = 400, body = ValidationError), (status = 403, body = GenericError)))]
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<Paginated<Impersonation>>, ApiError> {
    identity.require(Permission::ViewImpersonation)?;
    let mut q = Query::new(query.into_inner());
    let mut errors = FieldErrors::new();
    let mut user_pk = |key: &str| {
        let v = q.get(key)?;
        v.parse::<i64>()
            .map_err(|_| errors.add(key, "Enter a whole number."))
            .ok()
    };
    let filter = ImpersonationFilter {
        original: user_pk("original"),
        target: user_pk("target"),
        active: None,
    };
    let filter = ImpersonationFilter {
        active: q.boolean("active"),
        ..filter
    };
    q.finish()?;
    errors.finish()?;
    let page = Page::from_query(&q)?;
    let install_id = state.install_id.clone();
    let idle = state.config.impersonation.idle_timeout.0;
    let (count, items) = state
        .db
        .write(move |c| {
            impersonations::expire_due(c)?;
            impersonations::end_idle(c, idle)?;
            let (count, rows) = impersonation_list::list(c, &filter, page.offset(), page.size)?;
            Ok((count, render(c, rows, &install_id)?))
        })
        .await?;
    Ok(Json(Paginated::new(page.describe(count)?, items)))
}

#[utoipa::path(post, path = "/api/v3/core/impersonations/{uuid}/end/", tag = "core", params(("uuid" = String, Path)),
    responses((status = 204), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn revoke(
    identity: Identity,
    state: web::Data<AppState>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    identity.require(Permission::EndImpersonation)?;
    let uuid = uuid.into_inner();
    let ip = identity.client_ip.clone();
    let by = identity
        .actor()
        .user
        .map(|u| json!({"pk": u.pk, "username": u.username}));
    state
        .db
        .write(move |c| {
            impersonations::find(c, &uuid)?.ok_or(StoreError::NotFound("Impersonation"))?;
            // Already over: nothing to revoke, and nothing new to record.
            impersonations::finish(
                c,
                &uuid,
                EndReason::Revoked,
                ip.clone(),
                json!({"revoked_by": by}),
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(impersonate, impersonate_end, list, revoke),
    components(schemas(ImpersonationRequest, Impersonation, PaginatedImpersonationList))
)]
pub struct Doc;
