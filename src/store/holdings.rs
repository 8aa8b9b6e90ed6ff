//! What the users a write touches hold, taken before the write and compared after it
//! inside the same transaction. Whatever path a change took (a role, a membership, a
//! group's parent or roles, a role's permissions), the policy then sees each user's
//! before and after: nobody may gain what the caller does not hold, lose anything
//! unless the caller covers them, or change superuser status unless the caller is a
//! superuser. A refusal undoes the write, so it changes nothing and records nothing.

use super::StoreError;
use super::catalog::{self, Catalog};
use super::user_views::{distinct_id_list, grouped_pairs, id_list, links_of_wanted};
use crate::policy::{self, Caller, Grants, Target};
use rusqlite::Connection;
use std::collections::BTreeSet;

/// Users as they were before a write.
pub struct Before(Vec<Target>);

/// Takes what users `ids` hold now. Superusers are exempt from the rules, so for them
/// nothing is taken.
pub fn before(c: &Connection, caller: &Caller, ids: &[i64]) -> Result<Before, StoreError> {
    if policy::is_exempt(caller) || ids.is_empty() {
        return Ok(Before(Vec::new()));
    }
    let catalog = catalog::current(c)?;
    let grants = grants_of(c, &catalog, ids)?;
    Ok(Before(
        (ids.iter().zip(grants))
            .map(|(&user_id, grants)| Target { user_id, grants })
            .collect(),
    ))
}

impl Before {
    /// Refuses the write (the caller undoes it) when a user's holdings moved in a way
    /// the caller may not move them.
    pub fn check_after(self, c: &Connection, caller: &Caller) -> Result<(), StoreError> {
        if self.0.is_empty() {
            return Ok(());
        }
        // The catalog as this transaction sees it, after the write.
        let catalog = catalog::current(c)?;
        let ids: Vec<i64> = self.0.iter().map(|t| t.user_id).collect();
        for (target, after) in self.0.iter().zip(grants_of(c, &catalog, &ids)?) {
            policy::may_change_holdings_of(caller, target, &after)?;
        }
        Ok(())
    }
}

/// What each user of `ids` holds, in that order (a missing user holds nothing).
fn grants_of(c: &Connection, catalog: &Catalog, ids: &[i64]) -> Result<Vec<Grants>, StoreError> {
    let list = distinct_id_list(ids);
    let groups = grouped_pairs(c, &links_of_wanted("user_groups", "group_id"), [&list])?;
    let roles = grouped_pairs(c, &links_of_wanted("user_roles", "role_id"), [&list])?;
    let none = Vec::new();
    Ok(ids
        .iter()
        .map(|id| {
            let g = groups.get(id).unwrap_or(&none);
            let r = roles.get(id).unwrap_or(&none);
            catalog.grants(g, r)
        })
        .collect())
}

/// Users who are members of any group of `groups` or of a group below one of them:
/// everyone whose holdings a change to those groups can move.
pub fn members_at_or_below(c: &Connection, groups: &[i64]) -> Result<Vec<i64>, StoreError> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let all = catalog::current(c)?.at_or_below(groups);
    let mut stmt = c.prepare_cached(
        "SELECT DISTINCT user_id FROM user_groups
         WHERE group_id IN (SELECT value FROM json_each(?1))",
    )?;
    let ids = stmt.query_map([id_list(&all)], |r| r.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// Users holding role `id`: directly, or through a group or a group above theirs.
pub fn holders_of_role(c: &Connection, id: i64) -> Result<Vec<i64>, StoreError> {
    let groups: Vec<i64> = c
        .prepare_cached("SELECT group_id FROM group_roles WHERE role_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut users: BTreeSet<i64> = members_at_or_below(c, &groups)?.into_iter().collect();
    let mut direct = c.prepare_cached("SELECT user_id FROM user_roles WHERE role_id = ?1")?;
    for u in direct.query_map([id], |r| r.get::<_, i64>(0))? {
        users.insert(u?);
    }
    Ok(users.into_iter().collect())
}
