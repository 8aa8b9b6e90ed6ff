//! What a user may do (CONTRACT §3). The rule itself, through a user's own roles,
//! their groups and every ancestor of those groups, is `Catalog::grants`.

use super::StoreError;
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

/// Computes the [`Grants`] of user `user_id` (it runs on every request): their links
/// from the database, the groups and roles behind them from the catalog.
pub fn for_user(c: &Connection, user_id: i64) -> Result<Grants, StoreError> {
    let (groups, roles) = super::users::links(c, user_id)?;
    Ok(super::catalog::current(c)?.grants(&groups, &roles))
}
