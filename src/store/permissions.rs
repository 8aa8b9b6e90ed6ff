//! What a user holds: their own roles, their groups and every ancestor of those
//! groups (the rule itself is `Catalog::grants`).

use super::StoreError;
pub use crate::policy::Grants;
use crate::policy::Target;
use rusqlite::Connection;

/// Computes the [`Grants`] of user `user_id` (it runs on every request): their links
/// from the database, the groups and roles behind them from the catalog.
pub fn for_user(c: &Connection, user_id: i64) -> Result<Grants, StoreError> {
    let (groups, roles) = super::users::links(c, user_id)?;
    Ok(super::catalog::current(c)?.grants(&groups, &roles))
}

/// User `id` with what they hold, as the policy weighs a user acted on; or
/// `NotFound("User")`.
pub fn target(c: &Connection, id: i64) -> Result<Target, StoreError> {
    super::users::get(c, id)?;
    Ok(Target {
        user_id: id,
        grants: for_user(c, id)?,
    })
}
