//! Lets a session cookie signed with a previous key in, re-signed with the current one.
//!
//! actix-session's middleware verifies with one key and silently ignores a cookie that
//! does not verify. This layer runs just in front of it: a cookie signed with a
//! still-accepted previous key (see `auth::key`) is re-signed with the current key in
//! the request, so the session middleware reads it, and the response re-issues it
//! (a new `Set-Cookie`), so the browser holds the new signature from then on. A cookie
//! no key verifies is taken out of the request and cleared on the response
//! (refused as unauthenticated, and cleared, like a stale one).

use super::key::KeyRing;
use crate::config::Session;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, SameSite, time};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{COOKIE, HeaderValue, SET_COOKIE};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use std::time::Duration;

/// The session cookie's keys and the attributes it is issued with (as
/// `startup::session_middleware` issues it).
pub struct CookieKeys {
    ring: KeyRing,
    name: String,
    domain: Option<String>,
    max_age: Duration,
}

impl CookieKeys {
    /// The keys of `ring` for the session cookie that `session` describes.
    pub fn new(ring: KeyRing, session: &Session) -> CookieKeys {
        CookieKeys {
            ring,
            name: session.cookie_name.clone(),
            domain: session.cookie_domain.clone(),
            max_age: session.max_age.0,
        }
    }

    /// What the request's session cookie (the first of that name, as the session
    /// middleware takes) is signed with.
    fn check(&self, req: &ServiceRequest) -> Signed {
        let Some(raw) = session_cookie(req, &self.name) else {
            return Signed::Absent;
        };
        let Ok(cookie) = Cookie::parse_encoded(raw) else {
            return Signed::Unknown;
        };
        let mut jar = CookieJar::new();
        jar.add_original(cookie.into_owned());
        if jar.signed(self.ring.current()).get(&self.name).is_some() {
            return Signed::Current;
        }
        let now = chrono::Utc::now().timestamp();
        (self.ring.previous_at(now, self.max_age))
            .find_map(|key| jar.signed(key).get(&self.name))
            .map_or(Signed::Unknown, |c| Signed::Previous(c.value().to_owned()))
    }

    /// The session cookie holding `payload`, signed with the current key.
    fn sign(&self, cookie: Cookie<'static>) -> Cookie<'static> {
        let mut jar = CookieJar::new();
        jar.signed_mut(self.ring.current()).add(cookie);
        jar.delta().next().cloned().expect("the cookie just added")
    }

    fn issued(&self, payload: String) -> Cookie<'static> {
        let mut cookie = Cookie::new(self.name.clone(), payload);
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_path("/");
        cookie.set_max_age(time::Duration::seconds(self.max_age.as_secs() as i64));
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie
    }

    fn removal(&self) -> Cookie<'static> {
        let mut cookie = self.issued(String::new());
        cookie.make_removal();
        cookie
    }
}

enum Signed {
    Absent,
    Current,
    /// Verified with a previous key; the payload.
    Previous(String),
    /// No accepted key verifies it (edited, foreign, or its key was dropped).
    Unknown,
}

/// The middleware (see the module header); a no-op without [`CookieKeys`] app data.
pub async fn accept_previous_keys(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let Some(keys) = req.app_data::<web::Data<CookieKeys>>().cloned() else {
        return next.call(req).await;
    };
    let reply = match keys.check(&req) {
        Signed::Absent | Signed::Current => None,
        Signed::Previous(payload) => {
            let resigned = keys.sign(Cookie::new(keys.name.clone(), payload.clone()));
            replace_session_cookie(&mut req, &keys.name, Some(&resigned));
            Some(keys.sign(keys.issued(payload)))
        }
        Signed::Unknown => {
            replace_session_cookie(&mut req, &keys.name, None);
            Some(keys.removal())
        }
    };
    let mut res = next.call(req).await?;
    // A response that sets the session cookie itself (a login, a logout, a change to
    // the session) already carries the current signature or the removal.
    if let Some(cookie) = reply
        && !sets_cookie(&res, &keys.name)
        && let Ok(value) = HeaderValue::from_str(&cookie.encoded().to_string())
    {
        res.headers_mut().append(SET_COOKIE, value);
    }
    Ok(res)
}

/// The `name=value` text of the first cookie called `name` in the request.
fn session_cookie<'a>(req: &'a ServiceRequest, name: &str) -> Option<&'a str> {
    cookie_pairs(req).find(|pair| pair_name(pair) == name)
}

fn cookie_pairs(req: &ServiceRequest) -> impl Iterator<Item = &str> {
    (req.headers().get_all(COOKIE))
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
}

fn pair_name(pair: &str) -> &str {
    pair.split_once('=').map_or(pair, |(n, _)| n).trim()
}

/// Rewrites the request's cookies with the first `name` replaced by `with` (or left
/// out).
fn replace_session_cookie(req: &mut ServiceRequest, name: &str, with: Option<&Cookie>) {
    let mut replaced = false;
    let pairs: Vec<String> = cookie_pairs(req)
        .filter_map(|pair| {
            if replaced || pair_name(pair) != name {
                return Some(pair.to_owned());
            }
            replaced = true;
            with.map(|c| c.encoded().stripped().to_string())
        })
        .collect();
    let headers = req.headers_mut();
    headers.remove(COOKIE);
    if let Ok(value) = HeaderValue::from_str(&pairs.join("; "))
        && !pairs.is_empty()
    {
        headers.insert(COOKIE, value);
    }
}

fn sets_cookie(res: &ServiceResponse<impl MessageBody>, name: &str) -> bool {
    let prefix = format!("{name}=");
    (res.headers().get_all(SET_COOKIE))
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with(&prefix))
}
