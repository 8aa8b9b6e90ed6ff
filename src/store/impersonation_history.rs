//! Impersonations as the impersonated user sees them: their own history, and which
//! visits they have not acknowledged yet.

use super::StoreError;
use super::impersonations::{COLUMNS, Impersonation, from_row};
use rusqlite::{Connection, params};

/// How many impersonations of `user_id` they have not acknowledged (the running one
/// included). Asked on every request: a partial index holds only the unseen rows.
pub fn unseen(c: &Connection, user_id: i64) -> Result<i64, StoreError> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM impersonations WHERE target_user_id = ?1 AND seen = 0",
    )?
    .query_row([user_id], |r| r.get(0))?)
}

/// How many impersonations had `user_id` as their target, and the page
/// `offset..offset+limit` of them, newest first.
pub fn of_target(
    c: &Connection,
    user_id: i64,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Impersonation>), StoreError> {
    let count: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM impersonations WHERE target_user_id = ?1")?
        .query_row([user_id], |r| r.get(0))?;
    let rows = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM impersonations WHERE target_user_id = ?1
             ORDER BY started DESC, id DESC LIMIT ?2 OFFSET ?3"
        ))?
        .query_map(params![user_id, limit, offset], from_row)?
        .collect::<Result<_, _>>()?;
    Ok((count, rows))
}

/// Marks every impersonation of `user_id` as seen by them; returns how many were not.
pub fn mark_seen(c: &Connection, user_id: i64) -> Result<usize, StoreError> {
    Ok(c.prepare_cached(
        "UPDATE impersonations SET seen = 1 WHERE target_user_id = ?1 AND seen = 0",
    )?
    .execute([user_id])?)
}
