//! What a user change gives and takes, put to the policy before anything is written.

use super::Resolved;
use crate::policy::{self, Caller, Grants, Target};
use crate::store::{StoreError, catalog, users};
use rusqlite::Connection;

/// Refuses a checked change of user `id` (`None` when creating) that `caller` may
/// not make: memberships and roles change only outside impersonation; changing an
/// existing user needs cover of them; a group or role given needs everything it
/// grants (a superuser group needs a superuser); leaving a superuser group needs a
/// superuser.
pub fn authorize(
    c: &Connection,
    caller: &Caller,
    id: Option<i64>,
    resolved: &Resolved,
) -> Result<(), StoreError> {
    if policy::is_exempt(caller) {
        return Ok(());
    }
    let (groups_now, roles_now) = match id {
        Some(id) => users::links(c, id)?,
        None => (Vec::new(), Vec::new()),
    };
    let catalog = catalog::current(c)?;
    // What the user holds now, from the links just read.
    let target = id.map(|user_id| Target {
        user_id,
        grants: catalog.grants(&groups_now, &roles_now),
    });
    let differs = |wanted: &Vec<i64>, now: &[i64]| {
        wanted.len() != now.len() || wanted.iter().any(|x| !now.contains(x))
    };
    let groups = (resolved.groups.as_ref()).filter(|g| differs(g, &groups_now));
    let roles = (resolved.roles.as_ref()).filter(|r| differs(r, &roles_now));
    if groups.is_some() || roles.is_some() {
        policy::may_change_holdings(caller)?;
    }
    if let Some(target) = &target {
        policy::may_act_on_user(caller, target)?;
    }
    if let Some(wanted) = groups {
        // Cover of an existing user is settled above: what is left is what the
        // groups joined give and the groups left take away.
        for g in wanted.iter().filter(|g| !groups_now.contains(g)) {
            policy::may_grant(caller, &catalog.group_grants(*g))?;
        }
        for g in groups_now.iter().filter(|g| !wanted.contains(g)) {
            policy::may_take_superuser_status_of(caller, &catalog.group_grants(*g))?;
        }
    }
    if let Some(wanted) = roles {
        for r in wanted.iter().filter(|r| !roles_now.contains(r)) {
            policy::may_grant(caller, &Grants::of(catalog.role_grants(*r)))?;
        }
    }
    Ok(())
}
