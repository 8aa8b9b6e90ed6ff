//! HTTP plumbing shared by every route: the access log with request ids, the
//! `Secure` cookie flag, security headers (and `no-store` for the API), and the error
//! shapes of bodies, queries and paths that fail to parse.

mod access_log;
mod cookies;
mod extract;
pub mod pages;

pub use access_log::access_log;
pub use cookies::secure_cookies;
pub use extract::{is_api, json_config, not_found, path_config, payload_config, query_config};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};

/// Headers every response carries (the admin page's; harmless for JSON).
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ))
}

/// `Cache-Control: no-store` on every API response, errors included: they hold
/// personal data and session state that no cache (shared or the browser's) should keep.
pub async fn no_store_for_api(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let api = is_api(req.path());
    let mut res = next.call(req).await?;
    if api {
        res.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
