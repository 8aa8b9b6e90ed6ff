//! The one error type of the HTTP layer. It renders authentik's two shapes:
//! `GenericError` (`{"detail": …}`) and `ValidationError` (`{"field": ["…"]}`).

use crate::domain::FieldErrors;
use crate::store::StoreError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use std::borrow::Cow;

/// Every way a request can fail, each with its status and body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 403 "Authentication credentials were not provided."
    #[error("not authenticated")]
    NotAuthenticated,
    /// 403 with the given detail.
    #[error("forbidden: {0}")]
    Forbidden(Cow<'static, str>),
    /// 403 with a detail and a `code` a client acts on (e.g. `reauth_required`).
    #[error("forbidden: {0} ({1})")]
    ForbiddenWithCode(&'static str, &'static str),
    /// 401 with an empty body: authentik's answer when impersonation is off, or of oneself.
    #[error("unauthorized")]
    Unauthorized,
    /// 404 "No <model> matches the given query."
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 404 for a path no route serves, or a page past the end.
    #[error("not found: {0}")]
    NotFoundDetail(&'static str),
    /// 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 400 `ValidationError`.
    #[error("invalid: {0:?}")]
    Invalid(FieldErrors),
    /// 400 `GenericError` (e.g. malformed JSON).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 413.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415.
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// 429 with `Retry-After`.
    #[error("throttled for {0}s")]
    Throttled(u64),
    /// 500; the cause is logged with the request id, never sent.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn forbidden(detail: &'static str) -> Self {
        ApiError::Forbidden(Cow::Borrowed(detail))
    }

    /// A single field error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(FieldErrors::single(field, message))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(model) => ApiError::NotFound(model),
            StoreError::Invalid(errors) => ApiError::Invalid(errors),
            StoreError::Refused(detail) => ApiError::forbidden(detail),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::policy::Refusal> for ApiError {
    fn from(r: crate::policy::Refusal) -> Self {
        match r.code() {
            Some(code) => ApiError::ForbiddenWithCode(r.detail(), code),
            None => ApiError::forbidden(r.detail()),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::Invalid(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotAuthenticated
            | ApiError::Forbidden(_)
            | ApiError::ForbiddenWithCode(..) => StatusCode::FORBIDDEN,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) | ApiError::NotFoundDetail(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Invalid(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        let detail: Cow<str> = match self {
            ApiError::Unauthorized => return res.finish(),
            ApiError::Invalid(errors) => return res.json(errors),
            ApiError::ForbiddenWithCode(detail, code) => {
                return res.json(json!({ "detail": detail, "code": code }));
            }
            ApiError::NotAuthenticated => "Authentication credentials were not provided.".into(),
            ApiError::Forbidden(d) => d.clone(),
            ApiError::NotFound(model) => format!("No {model} matches the given query.").into(),
            ApiError::NotFoundDetail(d) => (*d).into(),
            ApiError::MethodNotAllowed => "Method not allowed.".into(),
            ApiError::BadRequest(d) => d.clone().into(),
            ApiError::PayloadTooLarge => "Request body is too large.".into(),
            ApiError::UnsupportedMediaType(ct) => {
                format!("Unsupported media type \"{ct}\" in request.").into()
            }
            ApiError::Throttled(secs) => {
                res.insert_header((header::RETRY_AFTER, secs.to_string()));
                format!("Request was throttled. Expected available in {secs} seconds.").into()
            }
            ApiError::Internal(_) => "Internal error.".into(),
        };
        res.json(json!({ "detail": detail }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body(e: ApiError) -> (u16, String) {
        let res = e.error_response();
        let status = res.status().as_u16();
        let bytes = to_bytes(res.into_body()).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[actix_web::test]
    async fn internal_errors_say_nothing_internal() {
        let (status, text) = body(ApiError::Internal("SELECT * FROM users: disk I/O".into())).await;
        assert_eq!(status, 500);
        assert_eq!(text, r#"{"detail":"Internal error."}"#);
    }

    #[actix_web::test]
    async fn validation_errors_render_one_key_per_field() {
        let mut e = FieldErrors::new();
        e.add("username", "This field is required.");
        e.add("email", "Enter a valid email address.");
        let (status, text) = body(ApiError::Invalid(e)).await;
        assert_eq!(status, 400);
        assert_eq!(
            text,
            r#"{"email":["Enter a valid email address."],"username":["This field is required."]}"#
        );
    }

    #[actix_web::test]
    async fn unauthorized_has_an_empty_body() {
        assert_eq!(body(ApiError::Unauthorized).await, (401, String::new()));
    }
}
