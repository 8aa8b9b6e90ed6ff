//! Liveness and readiness probes.

use super::endpoint;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint("/-/health/live", [(Method::GET, web::to(live))]))
        .service(endpoint("/-/health/ready", [(Method::GET, web::to(ready))]));
}

#[utoipa::path(get, path = "/-/health/live/", tag = "health", responses((status = 204)))]
pub async fn live() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

#[utoipa::path(get, path = "/-/health/ready/", tag = "health",
    responses((status = 204), (status = 503, body = super::openapi::GenericError)))]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let ok: Result<i64, ApiError> = state
        .db
        .read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get(0))?))
        .await
        .map_err(ApiError::from);
    match ok {
        Ok(1) => HttpResponse::NoContent().finish(),
        _ => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"detail": "Database unavailable."})),
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(live, ready))]
pub struct Doc;
