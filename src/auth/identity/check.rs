//! Whether the credentials of a request still stand for someone, and for whom: the
//! person as they are now, and the impersonation they run checked against everything
//! that ends one. Asked of memory first and of the database when memory lacks
//! something, with the same rules either way.

use super::directory::Directory;
use crate::auth::session::SessionData;
use crate::policy;
use crate::store::impersonations::{EndReason, Impersonation};
use crate::store::principal::Principal;
use crate::store::signed_in::Resident;
use crate::store::tokens::TokenRecord;
use std::sync::Arc;
use std::time::Duration;

pub(super) enum Checked {
    Valid {
        user: Arc<Principal>,
        original: Option<Arc<Principal>>,
        impersonation: Option<Arc<Impersonation>>,
        /// Impersonations of `user` they have not acknowledged.
        unseen: i64,
    },
    /// The cookie no longer stands for anyone.
    Revoked,
    /// The impersonation the cookie carries is over; act as `person` again, or end the
    /// session when `end_session`.
    ImpersonationOver {
        reason: EndReason,
        person: Arc<Principal>,
        unseen: i64,
        end_session: bool,
    },
}

/// Checks the session `data` describes; `idle` is the impersonation idle limit
/// (zero: none).
pub(super) fn check<D: Directory>(
    d: &mut D,
    data: &SessionData,
    idle: Duration,
) -> Result<Checked, D::Error> {
    let person = match d.user(data.person())? {
        Some(p) if p.principal.user.is_active && p.principal.user.auth_epoch == data.auth_epoch => {
            p
        }
        _ => return Ok(Checked::Revoked),
    };
    let Some(imp_id) = &data.impersonation_id else {
        return Ok(Checked::Valid {
            unseen: person.unseen,
            user: person.principal.clone(),
            original: None,
            impersonation: None,
        });
    };
    let over = |reason, person: &Resident, end_session| {
        Ok(Checked::ImpersonationOver {
            unseen: person.unseen,
            reason,
            person: person.principal.clone(),
            end_session,
        })
    };
    let me = &person.principal;
    let imp = match d.impersonation(imp_id)? {
        Some(imp) if imp.original_user_id == me.user.id && imp.target_user_id == data.user_id => {
            imp
        }
        // Gone with its target, or not the one this person started.
        _ => return over(EndReason::UserChanged, &person, false),
    };
    if policy::may_start_impersonation(&me.grants, imp.read_only).is_err() {
        return over(EndReason::UserChanged, &person, true);
    }
    if imp.ended.is_some() {
        let reason = EndReason::parse(imp.end_reason.as_deref().unwrap_or_default());
        return over(reason, &person, false);
    }
    let now = crate::domain::now();
    if !imp.is_active_at(&now) {
        return over(EndReason::Expired, &person, false);
    }
    if imp.idle_expires(idle).is_some_and(|at| at <= now) {
        return over(EndReason::Idle, &person, false);
    }
    let Some(target) = d.user(data.user_id)? else {
        return over(EndReason::UserChanged, &person, false);
    };
    // Cover is asked again on every request: once the target holds what the
    // impersonator lacks, acting as them would be an escalation.
    if policy::may_impersonate(&me.grants, &target.principal.grants).is_err() {
        return over(EndReason::UserChanged, &person, false);
    }
    Ok(Checked::Valid {
        unseen: target.unseen,
        user: target.principal.clone(),
        original: Some(person.principal.clone()),
        impersonation: Some(imp),
    })
}

/// A live token and its active owner.
pub(super) type TokenOwner = (Arc<Resident>, Arc<TokenRecord>);

/// The live token whose key hashes to `key_hash`, with its active owner.
pub(super) fn check_token<D: Directory>(
    d: &mut D,
    key_hash: &str,
    now: &str,
) -> Result<Option<TokenOwner>, D::Error> {
    let Some(token) = d.token(key_hash)? else {
        return Ok(None);
    };
    if !token.matches(key_hash) || !token.is_live_at(now) {
        return Ok(None);
    }
    Ok(match d.user(token.user_id)? {
        Some(owner) if owner.principal.user.is_active => Some((owner, token)),
        _ => None,
    })
}
