//! HTTP plumbing shared by every route: the access log with request ids, the
//! `Secure` cookie flag, security headers, and the error shapes of bodies, queries
//! and paths that fail to parse.

mod access_log;
mod cookies;
mod extract;
pub mod pages;

pub use access_log::access_log;
pub use cookies::secure_cookies;
pub use extract::{json_config, not_found, path_config, payload_config, query_config};

use actix_web::middleware::DefaultHeaders;

/// Headers every response carries (CONTRACT §5 admin page; harmless for JSON).
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
