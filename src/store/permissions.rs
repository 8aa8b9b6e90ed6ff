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

/// The user a `{"pk": …}` body names (`add_user`/`remove_user` of groups and roles), as
/// the policy weighs them. A missing user is a field error under `pk`, answered with
/// the body's own `errors` at once.
pub fn target_named_by_pk(
    c: &Connection,
    pk: Option<i64>,
    mut errors: crate::domain::FieldErrors,
) -> Result<Target, StoreError> {
    if let Some(pk) = pk
        && super::users::find(c, pk)?.is_none()
    {
        errors.add(
            "pk",
            format!("Invalid pk \"{pk}\" - object does not exist."),
        );
    }
    errors.finish().map_err(StoreError::Invalid)?;
    let pk = pk.ok_or_else(|| StoreError::Other("pk parsed without a value".into()))?;
    target(c, pk)
}
