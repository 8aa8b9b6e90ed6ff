//! The JSON API under `/api/v3` and the health probes. Each resource module owns its
//! routes (`configure`) and its request and response shapes.

pub mod auth;
pub mod body;
pub mod health;
pub mod me;
pub mod openapi;

use crate::error::ApiError;
use actix_web::{Resource, web};

/// Mounts every API route. Paths are registered without their trailing slash;
/// `NormalizePath` trims it from requests, so both spellings are served alike.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v3")
            .configure(auth::configure)
            .configure(me::configure)
            .configure(openapi::configure),
    )
    .configure(health::configure);
}

/// A route whose unmatched methods answer 405 in the `GenericError` shape.
pub fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(|| async {
        Err::<(), _>(ApiError::MethodNotAllowed)
    }))
}
