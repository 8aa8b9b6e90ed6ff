//! CONTRACT §3 in one place: superuser status and permissions, through a user's own
//! roles, their groups, and every ancestor of those groups.

use super::StoreError;
use crate::domain::PERMISSIONS;
use rusqlite::Connection;
use std::collections::BTreeSet;

/// What a user may do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub is_superuser: bool,
    /// Every codename the user holds (all of them for a superuser).
    pub permissions: BTreeSet<String>,
}

impl Grants {
    pub fn has(&self, codename: &str) -> bool {
        self.is_superuser || self.permissions.contains(codename)
    }
}

/// The user's groups and all their ancestors, as a CTE named `anc(id)` bound to `?1`.
pub(crate) const ANCESTORS_OF_USER: &str = "WITH RECURSIVE anc(id) AS (
        SELECT group_id FROM user_groups WHERE user_id = ?1
        UNION
        SELECT gp.parent_id FROM group_parents gp JOIN anc ON gp.group_id = anc.id
    )";

/// Computes the [`Grants`] of user `user_id`.
pub fn for_user(c: &Connection, user_id: i64) -> Result<Grants, StoreError> {
    let superuser_sql = format!(
        "{ANCESTORS_OF_USER} SELECT EXISTS (
            SELECT 1 FROM groups g JOIN anc ON g.id = anc.id WHERE g.is_superuser = 1)"
    );
    let is_superuser: bool = c
        .prepare_cached(&superuser_sql)?
        .query_row([user_id], |r| r.get(0))?;
    if is_superuser {
        return Ok(Grants {
            is_superuser,
            permissions: PERMISSIONS.iter().map(|p| (*p).to_owned()).collect(),
        });
    }
    let perms_sql = format!(
        "{ANCESTORS_OF_USER} SELECT DISTINCT rp.codename FROM role_permissions rp
         WHERE rp.role_id IN (
             SELECT role_id FROM user_roles WHERE user_id = ?1
             UNION
             SELECT gr.role_id FROM group_roles gr JOIN anc ON gr.group_id = anc.id)"
    );
    let mut stmt = c.prepare_cached(&perms_sql)?;
    let permissions = stmt
        .query_map([user_id], |r| r.get::<_, String>(0))?
        .collect::<Result<BTreeSet<_>, _>>()?;
    Ok(Grants {
        is_superuser,
        permissions,
    })
}

/// Whether user `user_id` is a superuser (cheaper than [`for_user`] when only that matters).
pub fn is_superuser(c: &Connection, user_id: i64) -> Result<bool, StoreError> {
    Ok(for_user(c, user_id)?.is_superuser)
}
