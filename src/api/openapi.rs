//! The OpenAPI document served at `/api/v3/schema/`, generated from the handlers:
//! each resource module contributes its own `Doc`, merged here.

use super::endpoint;
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use std::sync::OnceLock;
use utoipa::{OpenApi, ToSchema};

/// authentik's `GenericError`.
#[derive(Serialize, ToSchema)]
pub struct GenericError {
    pub detail: String,
    pub code: Option<String>,
}

/// authentik's `ValidationError`: one key per invalid field, each a list of messages.
#[derive(Serialize, ToSchema)]
pub struct ValidationError {
    pub non_field_errors: Option<Vec<String>>,
    pub code: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "standin",
        description = "Self-hosted user directory with admin impersonation; an authentik-shaped users API."
    ),
    paths(schema),
    components(schemas(GenericError, ValidationError))
)]
struct ApiDoc;

/// Every resource's document, merged.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        super::auth::Doc::openapi(),
        super::confirm::Doc::openapi(),
        super::me::Doc::openapi(),
        super::my_impersonations::Doc::openapi(),
        super::users::Doc::openapi(),
        super::service_accounts::Doc::openapi(),
        super::used_by::Doc::openapi(),
        super::impersonation::Doc::openapi(),
        super::groups::Doc::openapi(),
        super::roles::Doc::openapi(),
        super::tokens::Doc::openapi(),
        super::events::Doc::openapi(),
        super::health::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint("/api/v3/schema", [(Method::GET, web::to(schema))]));
}

#[utoipa::path(get, path = "/api/v3/schema/", tag = "schema",
    responses((status = 200, description = "This OpenAPI 3 document", content_type = "application/json")))]
pub async fn schema() -> HttpResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let body = JSON.get_or_init(|| serde_json::to_string(&document()).unwrap_or_default());
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.as_str())
}
