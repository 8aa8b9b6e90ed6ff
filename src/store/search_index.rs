//! Keeps the users' search indexes in step with `users`, once per write transaction
//! (see `users_search_pending` in schema.sql for why not per row).

use super::StoreError;
use rusqlite::{Connection, OptionalExtension};

/// The indexed columns, with their bit in `users_search_pending.changed`.
/// Each has its own trigram index, `users_search_<column>`.
pub(crate) const COLUMNS: [(&str, i64); 4] =
    [("username", 1), ("name", 2), ("email", 4), ("uuid", 8)];

/// Applies the changes noted since the last call to the search indexes. Call inside
/// the write transaction, after the writes and outside any savepoint.
pub fn sync(c: &Connection) -> Result<(), StoreError> {
    let changed = c
        .prepare_cached("SELECT DISTINCT changed FROM users_search_pending")?
        .query_map([], |r| r.get::<_, i64>(0))?
        .try_fold(0, |all, bits| bits.map(|b| all | b))?;
    if changed == 0 {
        return Ok(());
    }
    for (column, bit) in COLUMNS {
        if changed & bit == 0 {
            continue;
        }
        // One statement per index: FTS5 writes a segment at each statement's end, and
        // the old values must leave before the new ones come (left side of UNION ALL
        // first).
        c.prepare_cached(&reindex_sql(column, bit))?.execute([])?;
    }
    c.prepare_cached("DELETE FROM users_search_pending")?
        .execute([])?;
    Ok(())
}

/// Ids of the users whose username, name, email or uuid contains `term` (at least
/// three characters: a trigram index finds nothing shorter), case-insensitively.
pub fn matching(c: &Connection, term: &str) -> Result<Vec<i64>, StoreError> {
    let phrase = format!("\"{}\"", term.replace('"', "\"\""));
    // A uuid holds only hex digits and dashes: other terms need not look there.
    let uuid_like = term.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '-');
    let per_column: Vec<String> = COLUMNS
        .iter()
        .filter(|(column, _)| uuid_like || *column != "uuid")
        .map(|(column, _)| {
            format!("SELECT rowid FROM users_search_{column} WHERE users_search_{column} MATCH ?1")
        })
        .collect();
    let ids = c
        .prepare_cached(&per_column.join(" UNION "))?
        .query_map([phrase], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Segments past which maintenance merges an index back into one: each segment is
/// one more b-tree to look in per trigram, and writes leave a new small one per batch.
const MAX_SEGMENTS: i64 = 8;

/// Pages one merge step writes: a step holds other writes for a few milliseconds.
const MERGE_PAGES: i64 = 64;

/// The indexed columns whose index has grown past [`MAX_SEGMENTS`] segments.
pub fn fragmented(c: &Connection) -> Result<Vec<&'static str>, StoreError> {
    let mut out = Vec::new();
    for (column, _) in COLUMNS {
        // FTS5 keeps its segment list in the "structure" record, row 10 of `_data`.
        let structure: Option<Vec<u8>> = c
            .prepare_cached(&format!(
                "SELECT block FROM users_search_{column}_data WHERE id = 10"
            ))?
            .query_row([], |r| r.get(0))
            .optional()?;
        if structure.as_deref().and_then(segment_count) > Some(MAX_SEGMENTS) {
            out.push(column);
        }
    }
    Ok(out)
}

/// The number of segments in an FTS5 structure record: a 4-byte cookie (then, in the
/// newer layout, 4 marker bytes), then varints for the levels and the segments.
fn segment_count(record: &[u8]) -> Option<i64> {
    let mut rest = record.get(4..)?;
    if rest.starts_with(&[0xFF, 0x00, 0x00, 0x01]) {
        rest = &rest[4..];
    }
    let _levels = varint(&mut rest)?;
    varint(&mut rest)
}

/// Reads one SQLite varint (big-endian, 7 bits a byte, a full ninth byte).
fn varint(bytes: &mut &[u8]) -> Option<i64> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let b = *bytes.get(i)?;
        if i == 8 {
            *bytes = &bytes[9..];
            return Some(((v << 8) | u64::from(b)) as i64);
        }
        v = (v << 7) | u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            *bytes = &bytes[i + 1..];
            return Some(v as i64);
        }
    }
    None
}

/// One step of merging the index of `column` into a single segment (FTS5's
/// incremental optimize); `false` once there is nothing left to merge.
pub fn merge_step(c: &Connection, column: &str) -> Result<bool, StoreError> {
    let before = c.total_changes();
    c.prepare_cached(&format!(
        "INSERT INTO users_search_{column} (users_search_{column}, rank) VALUES ('merge', ?1)"
    ))?
    .execute([-MERGE_PAGES])?;
    // The command itself counts as one change; more means it merged something.
    Ok(c.total_changes() - before > 1)
}

/// Re-indexes `column` of the pending users whose `changed` has `bit`. CROSS JOIN
/// pins the few pending rows as the outer loop, whatever statistics say.
fn reindex_sql(column: &str, bit: i64) -> String {
    format!(
        "INSERT INTO users_search_{column} (users_search_{column}, rowid, {column})
         SELECT 'delete', id, {column} FROM users_search_pending
             WHERE indexed = 1 AND changed & {bit}
         UNION ALL
         SELECT NULL, u.id, u.{column}
             FROM users_search_pending p CROSS JOIN users u ON u.id = p.id
             WHERE p.changed & {bit}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Users whose `column` contains `term`, by the index.
    fn matches(c: &Connection, column: &str, term: &str) -> Vec<i64> {
        let phrase = format!("\"{term}\"");
        c.prepare(&format!(
            "SELECT rowid FROM users_search_{column} WHERE users_search_{column} MATCH ?1
             ORDER BY rowid"
        ))
        .unwrap()
        .query_map([phrase], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn assert_indexes_intact(c: &Connection) {
        for (column, _) in COLUMNS {
            let check: rusqlite::Result<()> = c.execute_batch(&format!(
                "INSERT INTO users_search_{column} (users_search_{column}, rank)
                 VALUES ('integrity-check', 1)"
            ));
            assert!(check.is_ok(), "{column}: {check:?}");
        }
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
    fn varints_read_as_sqlite_writes_them() {
        let mut b: &[u8] = &[0x05, 0x81, 0x00, 0xFF, 0x7F, 0x01];
        assert_eq!(varint(&mut b), Some(5));
        assert_eq!(varint(&mut b), Some(128));
        assert_eq!(varint(&mut b), Some(0x3FFF));
        assert_eq!(b, [0x01]);
        assert_eq!(varint(&mut &[0x80][..]), None, "cut short");
    }

    #[test]
    fn a_fragmented_index_is_merged_back_into_one_segment() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        // Each sync writes a new segment; without automatic merging they pile up
        // (until 16, when FTS5 merges them all at once).
        c.execute_batch(
            "INSERT INTO users_search_name (users_search_name, rank) VALUES ('automerge', 0)",
        )
        .unwrap();
        for id in 1..=12 {
            insert(&c, id, &format!("user{id}"), &format!("Name {id}"));
            sync(&c).unwrap();
        }
        assert!(fragmented(&c).unwrap().contains(&"name"));
        let mut steps = 0;
        while merge_step(&c, "name").unwrap() {
            steps += 1;
            assert!(steps < 100, "merging does not end");
        }
        assert!(!fragmented(&c).unwrap().contains(&"name"));
        assert_eq!(matches(&c, "name", "name 11"), [11]);
        assert_indexes_intact(&c);
    }

    #[test]
    fn inserts_updates_and_deletes_reach_the_indexes_on_sync() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        insert(&c, 1, "alice", "Alice Zed");
        insert(&c, 2, "bob", "Bob Young");
        insert(&c, 4, "dave", "Dave Vale");
        assert!(
            matches(&c, "username", "alice").is_empty(),
            "not before sync"
        );
        sync(&c).unwrap();
        assert_eq!(matches(&c, "username", "alice"), [1]);
        assert_eq!(matches(&c, "uuid", "u-4"), [4]);

        // Two edits of one user before a sync: the index must lose the first values.
        c.execute("UPDATE users SET name = 'Robert Quill' WHERE id = 2", [])
            .unwrap();
        c.execute(
            "UPDATE users SET name = 'Robert Quillon', email = 'rq@example.org' WHERE id = 2",
            [],
        )
        .unwrap();
        c.execute("UPDATE users SET username = 'david' WHERE id = 4", [])
            .unwrap();
        c.execute("DELETE FROM users WHERE id = 1", []).unwrap();
        insert(&c, 3, "carol", "Carol Xu");
        c.execute("DELETE FROM users WHERE id = 3", []).unwrap();
        sync(&c).unwrap();

        assert!(matches(&c, "name", "young").is_empty());
        assert!(matches(&c, "name", "quill ").is_empty());
        assert_eq!(matches(&c, "name", "quillon"), [2]);
        assert_eq!(matches(&c, "email", "rq@exa"), [2]);
        assert_eq!(matches(&c, "username", "david"), [4]);
        assert_eq!(
            matches(&c, "name", "dave vale"),
            [4],
            "unchanged columns stay"
        );
        assert!(matches(&c, "username", "alice").is_empty());
        assert!(matches(&c, "uuid", "u-1").is_empty());
        assert!(matches(&c, "username", "carol").is_empty());
        assert_indexes_intact(&c);
        let left: i64 = c
            .query_row("SELECT COUNT(*) FROM users_search_pending", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(left, 0);
    }
}
