//! Keeps the users' search index in step with `users`, once per write transaction
//! (see `users_search_pending` in schema.sql for why not per row).

use super::StoreError;
use rusqlite::Connection;

/// Applies the changes noted since the last call to the search index. Call inside
/// the write transaction, after the writes and outside any savepoint.
pub fn sync(c: &Connection) -> Result<(), StoreError> {
    let pending: bool = c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users_search_pending)")?
        .query_row([], |r| r.get(0))?;
    if !pending {
        return Ok(());
    }
    c.prepare_cached(
        "INSERT INTO users_search (users_search, rowid, username, name, email, uuid)
         SELECT 'delete', id, username, name, email, uuid FROM users_search_pending WHERE indexed = 1",
    )?
    .execute([])?;
    c.prepare_cached(
        "INSERT INTO users_search (rowid, username, name, email, uuid)
         SELECT u.id, u.username, u.name, u.email, u.uuid
         FROM users_search_pending p JOIN users u ON u.id = p.id",
    )?
    .execute([])?;
    c.prepare_cached("DELETE FROM users_search_pending")?
        .execute([])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(c: &Connection, term: &str) -> Vec<i64> {
        let phrase = format!("\"{term}\"");
        c.prepare("SELECT rowid FROM users_search WHERE users_search MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([phrase], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn insert(c: &Connection, id: i64, username: &str, name: &str) {
        c.execute(
            "INSERT INTO users (id, uuid, username, name, date_joined, last_updated, password_change_date)
             VALUES (?1, 'u-' || ?1, ?2, ?3, 't', 't', 't')",
            rusqlite::params![id, username, name],
        )
        .unwrap();
    }

    #[test]
    fn inserts_updates_and_deletes_reach_the_index_on_sync() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        insert(&c, 1, "alice", "Alice Zed");
        insert(&c, 2, "bob", "Bob Young");
        assert!(matches(&c, "alice").is_empty(), "not before sync");
        sync(&c).unwrap();
        assert_eq!(matches(&c, "alice"), [1]);
        c.execute("UPDATE users SET name = 'Robert Quill' WHERE id = 2", [])
            .unwrap();
        c.execute("UPDATE users SET name = 'Robert Quillon' WHERE id = 2", [])
            .unwrap();
        c.execute("DELETE FROM users WHERE id = 1", []).unwrap();
        insert(&c, 3, "carol", "Carol Xu");
        c.execute("DELETE FROM users WHERE id = 3", []).unwrap();
        sync(&c).unwrap();
        assert!(matches(&c, "young").is_empty());
        assert_eq!(matches(&c, "quillon"), [2]);
        assert!(matches(&c, "alice").is_empty());
        assert!(matches(&c, "carol").is_empty());
        let check: rusqlite::Result<()> = c.execute_batch(
            "INSERT INTO users_search (users_search, rank) VALUES ('integrity-check', 1)",
        );
        assert!(check.is_ok(), "{check:?}");
    }
}
