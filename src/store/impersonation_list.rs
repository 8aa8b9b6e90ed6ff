//! The impersonations list, for admins holding `core.view_impersonation`.

use super::StoreError;
use super::impersonations::{COLUMNS, Impersonation, from_row};
use crate::domain::now;
use rusqlite::{Connection, params};

/// Filters of the impersonations list.
#[derive(Debug, Clone, Default)]
pub struct ImpersonationFilter {
    /// Running (not ended, not expired) or not.
    pub active: Option<bool>,
    pub original: Option<i64>,
    pub target: Option<i64>,
}

/// How many impersonations match `f`, and the page `offset..offset+limit`, newest first.
pub fn list(
    c: &Connection,
    f: &ImpersonationFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Impersonation>), StoreError> {
    const WHERE: &str = "WHERE (?1 IS NULL OR (?1 = (ended IS NULL AND expires > ?4)))
          AND (?2 IS NULL OR original_user_id = ?2)
          AND (?3 IS NULL OR target_user_id = ?3)";
    let t = now();
    let count: i64 = c
        .prepare_cached(&format!("SELECT COUNT(*) FROM impersonations {WHERE}"))?
        .query_row(params![f.active, f.original, f.target, t], |r| r.get(0))?;
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM impersonations {WHERE} ORDER BY started DESC, id DESC LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = stmt
        .query_map(
            params![f.active, f.original, f.target, t, limit, offset],
            from_row,
        )?
        .collect::<Result<_, _>>()?;
    Ok((count, rows))
}
