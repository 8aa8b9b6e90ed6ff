//! Install-wide values kept in the `meta` table.

use super::StoreError;
use rusqlite::{Connection, OptionalExtension};

/// The install id, created on first use; it salts every user's `uid`.
pub fn install_id(c: &Connection) -> Result<String, StoreError> {
    if let Some(id) = c
        .prepare_cached("SELECT value FROM meta WHERE key = 'install_id'")?
        .query_row([], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    c.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('install_id', ?1)",
        [&id],
    )?;
    Ok(
        c.query_row("SELECT value FROM meta WHERE key = 'install_id'", [], |r| {
            r.get(0)
        })?,
    )
}
