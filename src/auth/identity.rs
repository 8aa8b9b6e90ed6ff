//! The one identity extractor: who logged in (`original`, while impersonating) and
//! who the request acts as (`user`), both resolved afresh on every request — from
//! memory, which the writer keeps current (`store::signed_in`), and from the database
//! when memory lacks them. Handlers never touch session keys.

use super::{client, csrf, session};
use crate::domain::Permission;
use crate::error::ApiError;
use crate::policy::{self, Caller};
use crate::state::AppState;
use crate::store::events::{Actor, UserRef};
use crate::store::impersonations::{self, EndReason, Impersonation};
use crate::store::tokens;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use check::{Checked, check, check_token};
use directory::{Database, Memory, Missing};
use futures_util::future::LocalBoxFuture;
use std::sync::Arc;

pub use crate::store::principal::Principal;

mod check;
mod directory;

/// How the request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The caller of an authenticated request.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The user the request acts as (the target while impersonating).
    pub user: Arc<Principal>,
    /// The person who logged in, present only while they impersonate `user`.
    pub original: Option<Arc<Principal>>,
    /// The running impersonation, with `original`.
    pub impersonation: Option<Arc<Impersonation>>,
    pub via: Via,
    pub client_ip: Option<String>,
    /// Unix second the person signed in last entered their password (login or
    /// confirm); `None` for tokens.
    pub authenticated_at: Option<i64>,
    /// Impersonations of `user` that they have not acknowledged yet.
    pub unseen_impersonations: i64,
}

impl Identity {
    /// The caller as the authorization policy sees it: the acting user and what
    /// they hold, and whether someone else is behind them.
    pub fn caller(&self) -> Caller {
        Caller {
            user_id: self.user.user.id,
            grants: self.user.grants,
            impersonating: self.is_impersonating(),
            read_only: self.impersonation.as_ref().is_some_and(|i| i.read_only),
        }
    }

    /// `Ok` when the acting user holds `permission`, else 403.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        Ok(policy::require(&self.caller(), permission)?)
    }

    pub fn is_impersonating(&self) -> bool {
        self.original.is_some()
    }

    /// Who events of this request are recorded as: the person who logged in, and the
    /// impersonated user as `on_behalf_of`.
    pub fn actor(&self) -> Actor {
        match &self.original {
            Some(original) => Actor {
                user: Some(UserRef::of(&original.user)),
                on_behalf_of: Some(UserRef::of(&self.user.user)),
                client_ip: self.client_ip.clone(),
            },
            None => Actor {
                user: Some(UserRef::of(&self.user.user)),
                on_behalf_of: None,
                client_ip: self.client_ip.clone(),
            },
        }
    }
}

impl FromRequest for Identity {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(&req, Use::Api).await })
    }
}

/// The running application state of a request.
pub fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("application state is not registered".into()))
}

fn bearer_key(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim().to_owned())
}

/// What the identity is resolved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// A request of standin's own API: a cookie-authenticated write needs its CSRF
    /// token, and a read-only impersonation writes nothing.
    Api,
    /// A forward-auth check on behalf of an app behind the proxy: it changes nothing
    /// here, whatever method the proxy used.
    ForwardAuth,
}

impl Identity {
    /// The identity of a forward-auth check: resolved exactly as for `me` (epoch,
    /// revocations, impersonation endings), without the checks that guard writes
    /// through standin's own API.
    pub async fn for_forward_auth(req: &HttpRequest) -> Result<Identity, ApiError> {
        resolve(req, Use::ForwardAuth).await
    }
}

async fn resolve(req: &HttpRequest, used_for: Use) -> Result<Identity, ApiError> {
    let state = app_state(req)?;
    let client_ip =
        client::client_ip(req, &state.config.server.trusted_proxies).map(|ip| ip.to_string());
    let memory = state.db.signed_in().clone();
    if let Some(key) = bearer_key(req) {
        let hash = tokens::hash_key(&key);
        let now = crate::domain::now();
        let found = match check_token(&mut Memory(&memory), &hash, &now) {
            Ok(found) => found,
            Err(Missing) => {
                (state.db)
                    .read(move |c| check_token(&mut Database::new(c, &memory), &hash, &now))
                    .await?
            }
        };
        let (owner, token) = found.ok_or_else(|| ApiError::forbidden("Token invalid/expired"))?;
        if token.needs_mark(chrono::Utc::now()) {
            // Bookkeeping: a busy database must not turn a valid key into a failed
            // request.
            let id = token.id;
            if let Err(e) = state.db.write(move |c| tokens::mark_used(c, id)).await {
                log::warn!("token {id}: could not record last_used: {e}");
            }
        }
        // Bearer requests carry no ambient credential, so CSRF does not apply.
        return Ok(Identity {
            user: owner.principal.clone(),
            original: None,
            impersonation: None,
            via: Via::Token,
            client_ip,
            authenticated_at: None,
            unseen_impersonations: owner.unseen,
        });
    }

    let Some(data) = session::read(req) else {
        return Err(ApiError::NotAuthenticated);
    };
    let idle = state.config.impersonation.idle_timeout.0;
    let checked = if !state.sessions.honours(&data) {
        // Too old for session.max_age, or logged out: over on the server.
        Checked::Revoked
    } else {
        match check(&mut Memory(&memory), &data, idle) {
            Ok(checked) => checked,
            Err(Missing) => {
                let data = data.clone();
                (state.db)
                    .read(move |c| check(&mut Database::new(c, &memory), &data, idle))
                    .await?
            }
        }
    };
    let authenticated_at = Some(data.authenticated_at);
    let identity = match checked {
        Checked::Valid {
            user,
            original,
            impersonation,
            unseen,
        } => Identity {
            user,
            original,
            impersonation,
            via: Via::Session,
            client_ip,
            authenticated_at,
            unseen_impersonations: unseen,
        },
        Checked::Revoked => {
            // The person was deleted, deactivated or had their sessions revoked: the
            // whole session ends, and with it any impersonation it carried.
            if let Some(uuid) = data.impersonation_id.clone() {
                let ip = client_ip.clone();
                state
                    .db
                    .write(move |c| {
                        impersonations::finish(
                            c,
                            &uuid,
                            EndReason::UserChanged,
                            ip.clone(),
                            serde_json::json!({}),
                        )
                    })
                    .await?;
            }
            session::clear(req);
            return Err(ApiError::NotAuthenticated);
        }
        Checked::ImpersonationOver {
            reason,
            person,
            unseen,
            end_session,
        } => {
            if let Some(uuid) = data.impersonation_id.clone() {
                let ip = client_ip.clone();
                state
                    .db
                    .write(move |c| {
                        impersonations::finish(c, &uuid, reason, ip.clone(), serde_json::json!({}))
                    })
                    .await?;
            }
            if end_session {
                session::clear(req);
                return Err(ApiError::NotAuthenticated);
            }
            session::end_impersonation(req)?;
            Identity {
                user: person,
                original: None,
                impersonation: None,
                via: Via::Session,
                client_ip,
                authenticated_at,
                unseen_impersonations: unseen,
            }
        }
    };
    if used_for == Use::Api {
        csrf::check_double_submit(req)?;
    }
    if let Some(imp) = &identity.impersonation
        && imp.needs_touch(chrono::Utc::now())
    {
        // The idle limit counts from here; written through the writer at most every
        // 30 s per impersonation.
        let uuid = imp.uuid.clone();
        state
            .db
            .write(move |c| impersonations::touch(c, &uuid))
            .await?;
    }
    if used_for == Use::Api && csrf::is_unsafe(req.method()) && !ends_impersonation_or_session(req)
    {
        policy::may_write(&identity.caller())?;
    }
    Ok(identity)
}

/// The writes a read-only impersonation may still make: ending it, or logging out.
fn ends_impersonation_or_session(req: &HttpRequest) -> bool {
    let path = req.path().trim_end_matches('/');
    path == "/api/v3/core/users/impersonate_end" || path == "/api/v3/auth/logout"
}
