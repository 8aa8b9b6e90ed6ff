//! `/api/v3/events/events/`: the audit log, read-only.

use super::endpoint;
use super::openapi::{GenericError, ValidationError};
use super::pagination::{Page, Paginated, Pagination};
use super::query::Query;
use crate::auth::Identity;
use crate::domain::{Permission, time};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::events::{self, EventFilter, ORDERINGS};
use actix_web::http::Method;
use actix_web::web::{self, Json};
use chrono::{DateTime, Duration};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Only reads: every other method gets 405 from `endpoint` (events are never
    // created, updated or deleted through the API).
    cfg.service(endpoint(
        "/api/v3/events/events",
        [(Method::GET, web::to(list))],
    ))
    .service(endpoint(
        "/api/v3/events/events/{event_uuid}",
        [(Method::GET, web::to(retrieve))],
    ));
}

/// Something that happened, and who did it.
#[derive(Serialize, ToSchema)]
pub struct Event {
    #[schema(format = Uuid)]
    pk: String,
    action: String,
    /// `{pk, username, email}` of who acted, plus `on_behalf_of` during an impersonation.
    #[schema(value_type = Object)]
    user: Value,
    /// Always `standin`.
    app: String,
    #[schema(value_type = Object)]
    context: Value,
    client_ip: Option<String>,
    #[schema(format = DateTime)]
    created: String,
    /// When the retention task will delete the event.
    #[schema(format = DateTime)]
    expires: String,
}

impl Event {
    fn new(e: events::Event, retention_days: u32) -> Self {
        let expires = DateTime::parse_from_rfc3339(&e.created)
            .map(|t| time::format(t.to_utc() + Duration::days(retention_days.into())))
            .unwrap_or_else(|_| e.created.clone());
        Event {
            pk: e.uuid,
            action: e.action,
            user: e.user,
            app: e.app,
            context: e.context,
            client_ip: e.client_ip,
            created: e.created,
            expires,
        }
    }
}

/// One page of events.
#[derive(Serialize, ToSchema)]
pub struct PaginatedEventList {
    pagination: Pagination,
    results: Vec<Event>,
    #[schema(value_type = Object)]
    autocomplete: Value,
}

#[utoipa::path(get, path = "/api/v3/events/events/", tag = "events",
    params(
        ("action" = Option<String>, Query), ("actions" = Option<Vec<String>>, Query, description = "repeatable"),
        ("username" = Option<String>, Query, description = "the acting user's username"),
        ("client_ip" = Option<String>, Query),
        ("context_model_app" = Option<String>, Query), ("context_model_name" = Option<String>, Query),
        ("context_model_pk" = Option<String>, Query),
        ("search" = Option<String>, Query, description = "case-insensitive substring of the action, username, client address or context"),
        ("ordering" = Option<String>, Query, description = "created or -created (default)"),
        ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query),
    ),
    responses((status = 200, body = PaginatedEventList), (status = 400, body = ValidationError),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<Paginated<Event>>, ApiError> {
    identity.require(Permission::ViewEvent)?;
    let mut q = Query::new(query.into_inner());
    let mut filter = EventFilter {
        action: q.text("action"),
        actions: q.all("actions"),
        username: q.text("username"),
        client_ip: q.text("client_ip"),
        model_app: q.text("context_model_app"),
        model_name: q.text("context_model_name"),
        model_pk: q.text("context_model_pk"),
        search: q.text("search"),
        ..EventFilter::default()
    };
    filter.ordering = match q.get("ordering") {
        None => ("created", true),
        Some(_) => q.ordering(ORDERINGS, "created"),
    };
    q.finish()?;
    let page = Page::from_query(&q)?;
    let (count, found) = state
        .db
        .read(move |c| events::list(c, &filter, page.offset(), page.size))
        .await?;
    let pagination = page.describe(count)?;
    let days = state.config.events.retention_days;
    let results = found.into_iter().map(|e| Event::new(e, days)).collect();
    Ok(Json(Paginated::new(pagination, results)))
}

#[utoipa::path(get, path = "/api/v3/events/events/{event_uuid}/", tag = "events",
    params(("event_uuid" = String, Path, format = Uuid)),
    responses((status = 200, body = Event), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn retrieve(
    identity: Identity,
    state: web::Data<AppState>,
    event_uuid: web::Path<String>,
) -> Result<Json<Event>, ApiError> {
    identity.require(Permission::ViewEvent)?;
    // Stored lower-case; any spelling of the same uuid finds it, anything else nothing.
    let uuid = uuid::Uuid::parse_str(&event_uuid)
        .map_err(|_| ApiError::NotFound("Event"))?
        .to_string();
    let event = state.db.read(move |c| events::get(c, &uuid)).await?;
    Ok(Json(Event::new(event, state.config.events.retention_days)))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, retrieve), components(schemas(Event, PaginatedEventList)))]
pub struct Doc;
