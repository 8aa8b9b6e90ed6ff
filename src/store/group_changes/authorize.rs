//! What a group change gives and takes, put to the policy before anything is written.

use super::{GroupChange, Resolved};
use crate::policy::{self, Caller, Grants};
use crate::store::{StoreError, catalog, permissions};
use rusqlite::Connection;

fn ids_of(c: &Connection, sql: &str, id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(c.prepare_cached(sql)?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// Refuses a checked change of group `id` (`None` when creating) that `caller` may not
/// make: setting or clearing `is_superuser`, or adding or removing a parent that makes
/// superusers, needs a superuser; a parent or role given needs everything it grants;
/// a member added or removed needs cover of that user, an added one also everything
/// the group will grant, and taking someone out of a superuser group a superuser.
pub fn authorize(
    c: &Connection,
    caller: &Caller,
    id: Option<i64>,
    change: &GroupChange,
    resolved: &Resolved,
) -> Result<(), StoreError> {
    if policy::is_exempt(caller) {
        return Ok(());
    }
    let catalog = catalog::current(c)?;
    let (flag_now, parents_now, roles_now, members_now) = match id {
        Some(id) => (
            catalog.groups.get(&id).is_some_and(|g| g.is_superuser),
            ids_of(
                c,
                "SELECT parent_id FROM group_parents WHERE group_id = ?1",
                id,
            )?,
            ids_of(c, "SELECT role_id FROM group_roles WHERE group_id = ?1", id)?,
            ids_of(c, "SELECT user_id FROM user_groups WHERE group_id = ?1", id)?,
        ),
        None => Default::default(),
    };
    let flag = change.is_superuser.unwrap_or(flag_now);
    policy::may_set_superuser_flag(caller, flag_now, flag)?;
    let parents = resolved.parents.as_ref().unwrap_or(&parents_now);
    for p in parents.iter().filter(|p| !parents_now.contains(p)) {
        policy::may_grant(caller, &catalog.group_grants(*p))?;
    }
    for p in parents_now.iter().filter(|p| !parents.contains(p)) {
        policy::may_take_superuser_status_of(caller, &catalog.group_grants(*p))?;
    }
    let roles = resolved.roles.as_ref().unwrap_or(&roles_now);
    for r in roles.iter().filter(|r| !roles_now.contains(r)) {
        policy::may_grant(caller, &Grants::of(catalog.role_grants(*r)))?;
    }
    let Some(members) = &resolved.users else {
        return Ok(());
    };
    // What membership will grant once the change is made.
    let own = roles.iter().map(|r| Grants::of(catalog.role_grants(*r)));
    let inherited = parents.iter().map(|p| catalog.group_grants(*p));
    let mut grants_after = own.chain(inherited).fold(Grants::default(), Grants::union);
    if flag {
        grants_after = Grants::superuser();
    }
    let grants_before = id.map(|id| catalog.group_grants(id)).unwrap_or_default();
    for u in members.iter().filter(|u| !members_now.contains(u)) {
        policy::may_add_member(caller, &permissions::target(c, *u)?, &grants_after)?;
    }
    for u in members_now.iter().filter(|u| !members.contains(u)) {
        policy::may_remove_member(caller, &permissions::target(c, *u)?, &grants_before)?;
    }
    Ok(())
}

/// Refuses deleting group `id` when it makes superusers, unless by a superuser.
/// (What its members and those of the groups below lose is weighed after the write.)
pub fn authorize_delete(c: &Connection, caller: &Caller, id: i64) -> Result<(), StoreError> {
    let grants = catalog::current(c)?.group_grants(id);
    Ok(policy::may_take_superuser_status_of(caller, &grants)?)
}
