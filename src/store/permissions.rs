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

/// Refuses a caller who is not a superuser to change a superuser (`user_id`): that
/// would let them take over the account, as impersonating one would (CONTRACT §6 rule 8).
pub fn guard_superuser_target(
    c: &Connection,
    user_id: i64,
    caller_is_superuser: bool,
) -> Result<(), StoreError> {
    if !caller_is_superuser && for_user(c, user_id)?.is_superuser {
        return Err(StoreError::Refused(
            "Only superusers can change superusers.",
        ));
    }
    Ok(())
}

/// Computes the [`Grants`] of user `user_id` in one query (it runs on every request).
pub fn for_user(c: &Connection, user_id: i64) -> Result<Grants, StoreError> {
    let sql = format!(
        "{ANCESTORS_OF_USER}
         SELECT EXISTS (SELECT 1 FROM groups g JOIN anc ON g.id = anc.id WHERE g.is_superuser = 1),
                (SELECT group_concat(codename, ' ') FROM (
                     SELECT DISTINCT rp.codename FROM role_permissions rp
                     WHERE rp.role_id IN (
                         SELECT role_id FROM user_roles WHERE user_id = ?1
                         UNION
                         SELECT gr.role_id FROM group_roles gr JOIN anc ON gr.group_id = anc.id)))"
    );
    let (is_superuser, codenames): (bool, Option<String>) = c
        .prepare_cached(&sql)?
        .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let permissions = if is_superuser {
        PERMISSIONS.iter().map(|p| (*p).to_owned()).collect()
    } else {
        // Codenames hold no spaces, so a space-joined list splits back exactly.
        codenames
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    Ok(Grants {
        is_superuser,
        permissions,
    })
}
