//! The OpenAPI document served at `/api/v3/schema/`, generated from the handlers.

use super::resource;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// authentik's `GenericError`.
#[derive(Serialize, ToSchema)]
pub struct GenericError {
    pub detail: String,
    #[schema(nullable = false)]
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
    paths(
        super::auth::login,
        super::auth::logout,
        super::me::me,
        super::health::live,
        super::health::ready,
        schema,
    ),
    components(schemas(GenericError, ValidationError))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/schema").route(web::get().to(schema)));
}

/// The document itself.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[utoipa::path(get, path = "/api/v3/schema/", tag = "schema",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json")))]
pub async fn schema() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
