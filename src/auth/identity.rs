//! The one identity extractor (CONTRACT §2, §6): who logged in (`original`, while
//! impersonating) and who the request acts as (`user`), both re-read from the
//! database on every request. Handlers never touch session keys.

use super::{client, csrf, session};
use crate::domain::Permission;
use crate::error::ApiError;
use crate::policy::{self, Caller};
use crate::state::AppState;
use crate::store::catalog;
use crate::store::events::{Actor, UserRef};
use crate::store::impersonations::{self, EndReason, Impersonation};
use crate::store::permissions::Grants;
use crate::store::users::{self, User};
use crate::store::{StoreError, tokens};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use rusqlite::Connection;

/// A user together with what they may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub grants: Grants,
    /// `(uuid, name)` of the user's own groups and roles, by name. Loaded with the
    /// rest so `me` needs no second trip to the database.
    pub groups: Vec<(String, String)>,
    pub roles: Vec<(String, String)>,
}

impl Principal {
    /// Loads what goes with `user`.
    pub fn load(c: &Connection, user: User) -> Result<Principal, StoreError> {
        let (group_ids, role_ids) = users::links(c, user.id)?;
        let catalog = catalog::current(c)?;
        let named = |found: Vec<(&String, &String)>| {
            let mut v: Vec<(String, String)> = (found.into_iter())
                .map(|(uuid, name)| (uuid.clone(), name.clone()))
                .collect();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        };
        let groups = (group_ids.iter().filter_map(|g| catalog.groups.get(g)))
            .map(|g| (&g.uuid, &g.name))
            .collect();
        let roles = (role_ids.iter().filter_map(|r| catalog.roles.get(r)))
            .map(|r| (&r.uuid, &r.name))
            .collect();
        Ok(Principal {
            grants: catalog.grants(&group_ids, &role_ids),
            groups: named(groups),
            roles: named(roles),
            user,
        })
    }
}

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
    pub user: Principal,
    /// The person who logged in, present only while they impersonate `user`.
    pub original: Option<Principal>,
    /// The running impersonation, with `original`.
    pub impersonation: Option<Impersonation>,
    pub via: Via,
    pub client_ip: Option<String>,
}

impl Identity {
    /// The caller as the authorization policy sees it: the acting user and what
    /// they hold, and whether someone else is behind them.
    pub fn caller(&self) -> Caller {
        Caller {
            user_id: self.user.user.id,
            grants: self.user.grants,
            impersonating: self.is_impersonating(),
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
        Box::pin(async move { resolve(&req).await })
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

async fn resolve(req: &HttpRequest) -> Result<Identity, ApiError> {
    let state = app_state(req)?;
    let client_ip =
        client::client_ip(req, &state.config.server.trusted_proxies).map(|ip| ip.to_string());
    if let Some(key) = bearer_key(req) {
        let user = state
            .db
            .read(move |c| match tokens::authenticate(c, &key)? {
                Some(id) => match users::find(c, id)? {
                    Some(u) if u.is_active => Principal::load(c, u).map(Some),
                    _ => Ok(None),
                },
                None => Ok(None),
            })
            .await?
            .ok_or_else(|| ApiError::forbidden("Token invalid/expired"))?;
        // Bearer requests carry no ambient credential, so CSRF does not apply.
        return Ok(Identity {
            user,
            original: None,
            impersonation: None,
            via: Via::Token,
            client_ip,
        });
    }

    let Some(data) = session::read(req) else {
        return Err(ApiError::NotAuthenticated);
    };
    let checked = if !state.sessions.honours(&data) {
        // Too old for session.max_age, or logged out: over on the server.
        Checked::Revoked
    } else {
        let data = data.clone();
        state.db.read(move |c| check(c, &data)).await?
    };
    let identity = match checked {
        Checked::Valid {
            user,
            original,
            impersonation,
        } => Identity {
            user,
            original,
            impersonation,
            via: Via::Session,
            client_ip,
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
                            ip,
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
            end_session,
        } => {
            if let Some(uuid) = data.impersonation_id.clone() {
                let ip = client_ip.clone();
                state
                    .db
                    .write(move |c| {
                        impersonations::finish(c, &uuid, reason, ip, serde_json::json!({}))
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
            }
        }
    };
    csrf::check_double_submit(req)?;
    Ok(identity)
}

// Built once per request and consumed at once: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
enum Checked {
    Valid {
        user: Principal,
        original: Option<Principal>,
        impersonation: Option<Impersonation>,
    },
    /// The cookie no longer stands for anyone.
    Revoked,
    /// The impersonation the cookie carries is over; act as `person` again, or end the
    /// session when `end_session`.
    ImpersonationOver {
        reason: EndReason,
        person: Principal,
        end_session: bool,
    },
}

fn check(c: &Connection, data: &session::SessionData) -> Result<Checked, StoreError> {
    let person = match users::find(c, data.person())? {
        Some(u) if u.is_active && u.auth_epoch == data.auth_epoch => Principal::load(c, u)?,
        _ => return Ok(Checked::Revoked),
    };
    let Some(imp_id) = &data.impersonation_id else {
        return Ok(Checked::Valid {
            user: person,
            original: None,
            impersonation: None,
        });
    };
    let over = |reason, person, end_session| {
        Ok(Checked::ImpersonationOver {
            reason,
            person,
            end_session,
        })
    };
    let imp = match impersonations::find(c, imp_id)? {
        Some(imp)
            if imp.original_user_id == person.user.id && imp.target_user_id == data.user_id =>
        {
            imp
        }
        // Gone with its target, or not the one this person started.
        _ => return over(EndReason::UserChanged, person, false),
    };
    if !person.grants.holds(Permission::Impersonate) {
        return over(EndReason::UserChanged, person, true);
    }
    if imp.ended.is_some() {
        let reason = match imp.end_reason.as_deref() {
            Some("revoked") => EndReason::Revoked,
            Some("expired") => EndReason::Expired,
            Some("logout") => EndReason::Logout,
            Some("user_changed") => EndReason::UserChanged,
            _ => EndReason::Ended,
        };
        return over(reason, person, false);
    }
    if !imp.is_active_at(&crate::domain::now()) {
        return over(EndReason::Expired, person, false);
    }
    let Some(target) = users::find(c, data.user_id)? else {
        return over(EndReason::UserChanged, person, false);
    };
    let target = Principal::load(c, target)?;
    // Cover is asked again on every request: once the target holds what the
    // impersonator lacks, acting as them would be an escalation.
    if policy::may_impersonate(&person.grants, &target.grants).is_err() {
        return over(EndReason::UserChanged, person, false);
    }
    Ok(Checked::Valid {
        user: target,
        original: Some(person),
        impersonation: Some(imp),
    })
}
