//! Groups, their parents, members and roles.

use super::StoreError;
use rusqlite::{Connection, OptionalExtension, params};

/// The id of the group named `name`, if any.
pub fn id_by_name(c: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(c.prepare_cached("SELECT id FROM groups WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// Creates a group with no parents, members or roles; returns its id.
pub fn insert_plain(c: &Connection, name: &str, is_superuser: bool) -> Result<i64, StoreError> {
    c.prepare_cached(
        "INSERT INTO groups (uuid, name, is_superuser, attributes) VALUES (?1, ?2, ?3, '{}')",
    )?
    .execute(params![
        uuid::Uuid::new_v4().to_string(),
        name,
        is_superuser
    ])?;
    Ok(c.last_insert_rowid())
}

/// Puts user `user_id` in group `group_id` (no-op when already a member).
pub fn add_member(c: &Connection, group_id: i64, user_id: i64) -> Result<(), StoreError> {
    c.prepare_cached("INSERT OR IGNORE INTO user_groups (user_id, group_id) VALUES (?1, ?2)")?
        .execute(params![user_id, group_id])?;
    Ok(())
}
