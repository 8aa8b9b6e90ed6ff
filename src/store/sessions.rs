//! Sessions ended on the server: logged-out session ids, kept until their cookies
//! would be too old to be accepted anyway, and "log out everywhere".

use super::StoreError;
use rusqlite::{Connection, params};

/// Every revoked session id with the Unix second its cookie was issued.
pub fn revoked(c: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt = c.prepare("SELECT session_id, issued_at FROM revoked_sessions")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records that session `session_id` (issued at `issued_at`) has ended.
pub fn revoke(c: &Connection, session_id: &str, issued_at: i64) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO revoked_sessions (session_id, issued_at) VALUES (?1, ?2)
         ON CONFLICT (session_id) DO NOTHING",
    )?
    .execute(params![session_id, issued_at])?;
    Ok(())
}

/// Forgets revocations of sessions issued before `cutoff` (Unix seconds): their
/// cookies are refused for their age. Returns how many were forgotten.
pub fn forget_revoked_before(c: &Connection, cutoff: i64) -> Result<usize, StoreError> {
    Ok(
        c.prepare_cached("DELETE FROM revoked_sessions WHERE issued_at < ?1")?
            .execute([cutoff])?,
    )
}

/// Ends every session of user `user_id` by moving their `auth_epoch` on.
pub fn end_all(c: &Connection, user_id: i64) -> Result<(), StoreError> {
    let n = c
        .prepare_cached("UPDATE users SET auth_epoch = auth_epoch + 1 WHERE id = ?1")?
        .execute([user_id])?;
    if n == 0 {
        return Err(StoreError::NotFound("User"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_revocations_are_forgotten_and_recent_ones_kept() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        revoke(&c, "old", 100).unwrap();
        revoke(&c, "new", 200).unwrap();
        revoke(&c, "new", 200).unwrap();
        assert_eq!(forget_revoked_before(&c, 150).unwrap(), 1);
        assert_eq!(revoked(&c).unwrap(), vec![("new".to_owned(), 200)]);
    }
}
