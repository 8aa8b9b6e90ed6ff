//! The JSON API under `/api/v3` and the health probes. Each resource module owns its
//! routes (`configure`), its request and response shapes, and its OpenAPI `Doc`.

pub mod auth;
pub mod body;
pub mod confirm;
pub mod events;
pub mod group_members;
pub mod group_request;
pub mod groups;
pub mod health;
pub mod impersonation;
pub mod impersonation_request;
pub mod me;
pub mod my_impersonations;
pub mod openapi;
pub mod pagination;
pub mod query;
pub mod role_members;
pub mod roles;
pub mod service_accounts;
pub mod token_edits;
pub mod token_request;
pub mod tokens;
pub mod used_by;
pub mod user_list;
pub mod user_request;
pub mod users;
pub mod views;

use crate::error::ApiError;
use actix_web::http::Method;
use actix_web::{Resource, Route, web};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Mounts every API route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::configure)
        .configure(confirm::configure)
        .configure(me::configure)
        .configure(my_impersonations::configure)
        .configure(impersonation::configure)
        .configure(service_accounts::configure)
        // After `me`, `impersonate_end` and `service_account`: `/core/users/{pk}` would
        // otherwise claim them.
        .configure(users::configure)
        .configure(used_by::configure)
        .configure(groups::configure)
        .configure(roles::configure)
        .configure(tokens::configure)
        .configure(events::configure)
        .configure(openapi::configure)
        .configure(health::configure);
}

static ROUTES: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

/// Every `(METHOD, path)` registered through [`endpoint`], paths spelled as in the
/// OpenAPI document (`/api/v3/core/users/{pk}/`). Filled when an app is built.
pub fn registered_routes() -> Vec<(String, String)> {
    ROUTES
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .cloned()
        .collect()
}

/// One path and the handlers of its methods. The path is written without its
/// trailing slash: `NormalizePath` trims it from requests, so both spellings are
/// served alike. Other methods answer 405 in the `GenericError` shape.
pub fn endpoint<const N: usize>(path: &str, routes: [(Method, Route); N]) -> Resource {
    let mut resource = web::resource(path).default_service(web::to(|| async {
        Err::<(), _>(ApiError::MethodNotAllowed)
    }));
    let mut table = ROUTES.lock().unwrap_or_else(|p| p.into_inner());
    for (method, route) in routes {
        table.insert((method.to_string(), format!("{path}/")));
        resource = resource.route(route.method(method));
    }
    resource
}

/// A 200 JSON answer serialized into a buffer of `capacity` bytes from the start.
pub fn json_with_capacity<T: serde::Serialize>(
    value: &T,
    capacity: usize,
) -> Result<actix_web::HttpResponse, ApiError> {
    let mut body = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut body, value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}
