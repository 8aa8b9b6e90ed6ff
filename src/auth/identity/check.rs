//! Whether the session cookie of a request still stands for someone, and for whom:
//! the person re-read from the database, and the impersonation they run checked
//! against everything that ends one.

use super::Principal;
use crate::auth::session::SessionData;
use crate::policy;
use crate::store::impersonations::{self, EndReason, Impersonation};
use crate::store::{StoreError, impersonation_history, users};
use rusqlite::Connection;
use std::time::Duration;

// Built once per request and consumed at once: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub(super) enum Checked {
    Valid {
        user: Principal,
        original: Option<Principal>,
        impersonation: Option<Impersonation>,
        /// Impersonations of `user` they have not acknowledged.
        unseen: i64,
    },
    /// The cookie no longer stands for anyone.
    Revoked,
    /// The impersonation the cookie carries is over; act as `person` again, or end the
    /// session when `end_session`.
    ImpersonationOver {
        reason: EndReason,
        person: Principal,
        unseen: i64,
        end_session: bool,
    },
}

/// Checks the session `data` describes; `idle` is the impersonation idle limit
/// (zero: none).
pub(super) fn check(
    c: &Connection,
    data: &SessionData,
    idle: Duration,
) -> Result<Checked, StoreError> {
    let person = match users::find(c, data.person())? {
        Some(u) if u.is_active && u.auth_epoch == data.auth_epoch => Principal::load(c, u)?,
        _ => return Ok(Checked::Revoked),
    };
    let Some(imp_id) = &data.impersonation_id else {
        return Ok(Checked::Valid {
            unseen: impersonation_history::unseen(c, person.user.id)?,
            user: person,
            original: None,
            impersonation: None,
        });
    };
    let over = |reason, person: Principal, end_session| {
        Ok(Checked::ImpersonationOver {
            unseen: impersonation_history::unseen(c, person.user.id)?,
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
    if policy::may_start_impersonation(&person.grants, imp.read_only).is_err() {
        return over(EndReason::UserChanged, person, true);
    }
    if imp.ended.is_some() {
        let reason = EndReason::parse(imp.end_reason.as_deref().unwrap_or_default());
        return over(reason, person, false);
    }
    let now = crate::domain::now();
    if !imp.is_active_at(&now) {
        return over(EndReason::Expired, person, false);
    }
    if imp.idle_expires(idle).is_some_and(|at| at <= now) {
        return over(EndReason::Idle, person, false);
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
        unseen: impersonation_history::unseen(c, target.user.id)?,
        user: target,
        original: Some(person),
        impersonation: Some(imp),
    })
}
