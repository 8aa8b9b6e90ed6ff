//! The payload of the signed session cookie. Only this module knows its
//! keys: `session_id` (random, one per login), `user_id` (the effective user),
//! `original_user_id` and `impersonation_id` (only while impersonating), `auth_epoch`
//! of the logged-in person, `issued_at`, and `authenticated_at` (when the person last
//! entered their password).

use crate::error::ApiError;
use actix_session::{Session, SessionExt};
use actix_web::HttpRequest;

const SESSION_ID: &str = "session_id";
const USER_ID: &str = "user_id";
const ORIGINAL_USER_ID: &str = "original_user_id";
const IMPERSONATION_ID: &str = "impersonation_id";
const AUTH_EPOCH: &str = "auth_epoch";
const ISSUED_AT: &str = "issued_at";
const AUTHENTICATED_AT: &str = "authenticated_at";

/// What a valid session cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionData {
    /// Random (128 bits, hex), new at each login: what logout revokes on the server.
    pub session_id: String,
    /// The user the requests act as.
    pub user_id: i64,
    /// The person who logged in, while they impersonate `user_id`.
    pub original_user_id: Option<i64>,
    pub impersonation_id: Option<String>,
    /// The logged-in person's `auth_epoch` when the cookie was issued.
    pub auth_epoch: i64,
    /// Unix seconds when the cookie was issued; the server refuses it after
    /// `session.max_age` whatever the browser kept.
    pub issued_at: i64,
    /// Unix seconds when the person last entered their password.
    pub authenticated_at: i64,
}

impl SessionData {
    /// The person who logged in (the impersonator while impersonating).
    pub fn person(&self) -> i64 {
        self.original_user_id.unwrap_or(self.user_id)
    }
}

fn get<T: serde::de::DeserializeOwned>(s: &Session, key: &str) -> Option<T> {
    s.get::<T>(key).ok().flatten()
}

/// The session's data, or `None` for no session. A cookie that is signed but not
/// usable (written before sessions had ids, or otherwise not in our shape) is
/// cleared on the response, so it is refused once and then gone.
pub fn read(req: &HttpRequest) -> Option<SessionData> {
    let s = req.get_session();
    let data = read_from(&s);
    if data.is_none() && !s.entries().is_empty() {
        s.purge();
    }
    data
}

fn read_from(s: &Session) -> Option<SessionData> {
    let data = SessionData {
        session_id: get(s, SESSION_ID)?,
        user_id: get(s, USER_ID)?,
        original_user_id: get(s, ORIGINAL_USER_ID),
        impersonation_id: get(s, IMPERSONATION_ID),
        auth_epoch: get(s, AUTH_EPOCH)?,
        issued_at: get(s, ISSUED_AT)?,
        authenticated_at: get(s, AUTHENTICATED_AT)?,
    };
    // Both impersonation keys or neither: anything else was not written by us.
    (data.original_user_id.is_some() == data.impersonation_id.is_some()).then_some(data)
}

fn put(s: &Session, key: &str, value: impl serde::Serialize) -> Result<(), ApiError> {
    s.insert(key, value)
        .map_err(|e| ApiError::Internal(format!("session: {e}")))
}

/// Starts a fresh session for `user_id`, who has just entered their password.
pub fn log_in_with_password(
    req: &HttpRequest,
    user_id: i64,
    auth_epoch: i64,
) -> Result<(), ApiError> {
    start(req, user_id, auth_epoch, chrono::Utc::now().timestamp())
}

/// Starts a fresh session for `user_id` (a new id and cookie; nothing of the old
/// one kept but when the same person last entered their password: a re-issue, as
/// after a password change, is not a new password entry).
pub fn log_in(req: &HttpRequest, user_id: i64, auth_epoch: i64) -> Result<(), ApiError> {
    let authenticated_at = read_from(&req.get_session())
        .filter(|d| d.person() == user_id)
        .map_or_else(|| chrono::Utc::now().timestamp(), |d| d.authenticated_at);
    start(req, user_id, auth_epoch, authenticated_at)
}

fn start(
    req: &HttpRequest,
    user_id: i64,
    auth_epoch: i64,
    authenticated_at: i64,
) -> Result<(), ApiError> {
    let s = &req.get_session();
    // `clear` + `renew`, not `purge`: a purged session stays purged for the response.
    s.clear();
    s.renew();
    put(s, SESSION_ID, hex::encode(rand::random::<[u8; 16]>()))?;
    put(s, USER_ID, user_id)?;
    put(s, AUTH_EPOCH, auth_epoch)?;
    put(s, ISSUED_AT, chrono::Utc::now().timestamp())?;
    put(s, AUTHENTICATED_AT, authenticated_at)
}

/// Makes the session act as `target` while remembering the person who logged in.
pub fn begin_impersonation(
    req: &HttpRequest,
    target: i64,
    impersonation_id: &str,
) -> Result<(), ApiError> {
    let s = &req.get_session();
    let Some(data) = read_from(s) else {
        return Err(ApiError::NotAuthenticated);
    };
    s.renew();
    put(s, ORIGINAL_USER_ID, data.user_id)?;
    put(s, IMPERSONATION_ID, impersonation_id)?;
    put(s, USER_ID, target)
}

/// Makes the session act as the person who logged in again.
pub fn end_impersonation(req: &HttpRequest) -> Result<(), ApiError> {
    let s = &req.get_session();
    let Some(data) = read_from(s) else {
        return Ok(());
    };
    s.renew();
    s.remove(ORIGINAL_USER_ID);
    s.remove(IMPERSONATION_ID);
    put(s, USER_ID, data.person())
}

/// Notes that the person signed in has just entered their password again (a
/// confirm): the cookie is re-issued with a new `authenticated_at`.
pub fn password_entered(req: &HttpRequest) -> Result<(), ApiError> {
    let s = &req.get_session();
    if read_from(s).is_none() {
        return Err(ApiError::NotAuthenticated);
    }
    put(s, AUTHENTICATED_AT, chrono::Utc::now().timestamp())
}

/// Ends the session: the cookie is cleared on the response.
pub fn clear(req: &HttpRequest) {
    req.get_session().purge();
}
