use crate::auth::client::is_https;
use crate::config::CookieSecure;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::middleware::Next;
use actix_web::{Error, web};

/// Adds `Secure` to every cookie set on a response when `session.secure` says so:
/// always for `true`, never for `false`, and for `auto` when the request came over
/// HTTPS (directly, or per `X-Forwarded-Proto` from a trusted proxy).
pub async fn secure_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let secure = match req.app_data::<web::Data<AppState>>() {
        Some(state) => match state.config.session.secure {
            CookieSecure::True => true,
            CookieSecure::False => false,
            CookieSecure::Auto => is_https(&req, &state.config.server.trusted_proxies),
        },
        None => false,
    };
    let mut res = next.call(req).await?;
    if secure {
        let cookies: Vec<HeaderValue> = res.headers().get_all(SET_COOKIE).cloned().collect();
        if !cookies.is_empty() {
            res.headers_mut().remove(SET_COOKIE);
            for c in cookies {
                let text = c.to_str().unwrap_or_default();
                let v = if text.to_ascii_lowercase().contains("; secure") {
                    c.clone()
                } else {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c)
                };
                res.headers_mut().append(SET_COOKIE, v);
            }
        }
    }
    Ok(res)
}
