//! CSRF defences: a double-submit token for cookie-authenticated writes,
//! and an origin check on login, which has no session yet.

use crate::error::ApiError;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::Method;
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "standin_csrf";
pub const HEADER: &str = "x-standin-csrf";

/// A fresh token cookie, readable by the page's script (not `HttpOnly`), for the
/// same `domain` as the session cookie (`None`: host-only).
pub fn new_cookie(domain: Option<&str>) -> Cookie<'static> {
    let token = hex::encode(rand::random::<[u8; 32]>());
    let mut c = Cookie::build(COOKIE, token)
        .path("/")
        .http_only(false)
        .same_site(SameSite::Lax)
        .finish();
    if let Some(d) = domain {
        c.set_domain(d.to_owned());
    }
    c
}

/// A cookie that removes the token set for `domain`.
pub fn removal_cookie(domain: Option<&str>) -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "").path("/").finish();
    if let Some(d) = domain {
        c.set_domain(d.to_owned());
    }
    c.make_removal();
    c
}

pub fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Refuses an unsafe request whose `X-Standin-CSRF` header does not equal the
/// `standin_csrf` cookie.
pub fn check_double_submit(req: &HttpRequest) -> Result<(), ApiError> {
    if !is_unsafe(req.method()) {
        return Ok(());
    }
    let cookie = req.cookie(COOKIE);
    let header = req.headers().get(HEADER).map(|v| v.as_bytes().to_vec());
    match (cookie, header) {
        (None, _) => Err(ApiError::forbidden("CSRF Failed: CSRF cookie not set.")),
        (Some(_), None) => Err(ApiError::forbidden("CSRF Failed: CSRF token missing.")),
        (Some(c), Some(h))
            if !c.value().is_empty() && bool::from(c.value().as_bytes().ct_eq(&h)) =>
        {
            Ok(())
        }
        _ => Err(ApiError::forbidden("CSRF Failed: CSRF token incorrect.")),
    }
}

/// Whether a browser marks the request as coming from another site: `Sec-Fetch-Site:
/// cross-site`, or an `Origin` of another host (or `null`). Clients that send
/// neither header (scripts, CLIs) are not cross-site.
fn is_cross_site(req: &HttpRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    header("origin").is_some_and(|origin| {
        let host = req.connection_info().host().to_owned();
        let origin_host = origin
            .split_once("://")
            .map_or(origin, |(_, rest)| rest)
            .trim_end_matches('/');
        origin == "null" || !origin_host.eq_ignore_ascii_case(&host)
    })
}

/// Refuses a login POST that a browser marks as cross-site.
pub fn check_login_origin(req: &HttpRequest) -> Result<(), ApiError> {
    if is_cross_site(req) {
        return Err(ApiError::forbidden(
            "CSRF Failed: Origin checking failed - cross-site login refused.",
        ));
    }
    Ok(())
}

/// Refuses a request that a browser marks as cross-site, for safe-method endpoints
/// that change state and so cannot rely on the double-submit token.
pub fn refuse_cross_site(req: &HttpRequest) -> Result<(), ApiError> {
    if is_cross_site(req) {
        return Err(ApiError::forbidden("CSRF Failed: cross-site request."));
    }
    Ok(())
}
