//! What a user change gives and takes, put to the policy before anything is written.

use super::Resolved;
use crate::policy::{self, Caller, Grants};
use crate::store::{StoreError, catalog, users};
use rusqlite::Connection;

/// Refuses a checked change of user `id` (`None` when creating) that `caller` may not
/// make: memberships and roles change only outside impersonation; a group or role
/// given needs everything it grants (a superuser group needs a superuser); leaving a
/// superuser group needs a superuser. Cover of an existing user is asked before.
pub fn authorize(
    c: &Connection,
    caller: &Caller,
    id: Option<i64>,
    resolved: &Resolved,
) -> Result<(), StoreError> {
    let (groups_now, roles_now) = match id {
        Some(id) => users::links(c, id)?,
        None => (Vec::new(), Vec::new()),
    };
    let differs = |wanted: &Vec<i64>, now: &[i64]| {
        wanted.len() != now.len() || wanted.iter().any(|x| !now.contains(x))
    };
    let groups = (resolved.groups.as_ref()).filter(|g| differs(g, &groups_now));
    let roles = (resolved.roles.as_ref()).filter(|r| differs(r, &roles_now));
    if groups.is_none() && roles.is_none() {
        return Ok(());
    }
    policy::may_change_holdings(caller)?;
    let catalog = catalog::current(c)?;
    if let Some(wanted) = groups {
        for g in wanted.iter().filter(|g| !groups_now.contains(g)) {
            policy::may_grant(caller, &catalog.group_grants(*g))?;
        }
        for g in groups_now.iter().filter(|g| !wanted.contains(g)) {
            if catalog.makes_superuser(*g) {
                policy::may_change_superuser_status(caller)?;
            }
        }
    }
    if let Some(wanted) = roles {
        for r in wanted.iter().filter(|r| !roles_now.contains(r)) {
            policy::may_grant(caller, &Grants::of(catalog.role_grants(*r)))?;
        }
    }
    Ok(())
}
