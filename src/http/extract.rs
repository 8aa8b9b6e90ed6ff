use crate::auth::Identity;
use crate::error::ApiError;
use actix_web::FromRequest;
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::web;

/// JSON bodies: at most `max_body` bytes, `application/json` only; failures answer in
/// the `GenericError` shape (400 malformed, 413 too large, 415 wrong type).
pub fn json_config(max_body: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(max_body)
        .error_handler(|err, req| {
            let e = match err {
                JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Overflow { .. } => ApiError::PayloadTooLarge,
                JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::PayloadTooLarge,
                JsonPayloadError::ContentType => {
                    let ct = req
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    ApiError::UnsupportedMediaType(ct)
                }
                JsonPayloadError::Deserialize(e) => {
                    ApiError::BadRequest(format!("JSON parse error - {e}"))
                }
                other => ApiError::BadRequest(format!("Malformed request body: {other}")),
            };
            e.into()
        })
}

/// Bodies read raw (not as JSON) are capped too.
pub fn payload_config(max_body: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(max_body)
}

/// Query strings that do not parse answer 400.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| ApiError::BadRequest(format!("Invalid query: {err}")).into())
}

/// Path segments that do not parse (a non-numeric pk) name no object: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError::NotFoundDetail("Not found.").into())
}

/// The answer for a path no route serves. Under `/api/`, an unauthenticated caller
/// gets the 403 every API route gives them, so the answer does not reveal which
/// routes exist; authenticated callers learn it is not there.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    if is_api(req.path()) {
        Identity::extract(&req).await?;
    }
    Err(ApiError::NotFoundDetail("Not found."))
}

/// Whether `path` is one of the JSON API's.
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}
