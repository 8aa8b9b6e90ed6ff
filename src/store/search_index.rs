//! Keeps the users' search indexes in step with `users`: triggers note each changed
//! user in `users_search_pending` (see schema.sql), and [`sync`] applies the notes,
//! many at a time. Until it does, [`matching`] looks at the noted users' rows.

use super::StoreError;
use crate::db::{Progress, UpkeepWork};
use rusqlite::{Connection, OptionalExtension};

/// The indexed columns, with their bit in `users_search_pending.changed`.
/// Each has its own trigram index, `users_search_<column>`.
pub(crate) const COLUMNS: [(&str, i64); 4] =
    [("username", 1), ("name", 2), ("email", 4), ("uuid", 8)];

/// One round of keeping the indexes up to date, as the writer's upkeep runs it, a
/// step per batch: [`sync_some`] until every noted change is applied, then
/// [`merge_some`] until no index has a level to merge.
pub const UPKEEP: [UpkeepWork; 2] = [sync_some, merge_some];

/// Applies every change noted since the last sync to the search indexes. Call inside
/// the write transaction, after the writes and outside any savepoint.
pub fn sync(c: &Connection) -> Result<(), StoreError> {
    apply(c, i64::MAX)
}

/// Applies the changes noted for up to [`SYNC_SLICE`] users (lowest ids first);
/// [`Progress::More`] while notes remain. As [`sync`], outside any savepoint.
fn sync_some(c: &Connection) -> Result<Progress, StoreError> {
    // The first id beyond the slice, if any.
    let beyond: Option<i64> = c
        .prepare_cached("SELECT id FROM users_search_pending ORDER BY id LIMIT 1 OFFSET ?1")?
        .query_row([SYNC_SLICE], |r| r.get(0))
        .optional()?;
    apply(c, beyond.unwrap_or(i64::MAX))?;
    Ok(Progress::more_if(beyond.is_some()))
}

/// Merges up to [`MERGE_SLICE`] pages in each index that has a level of four
/// segments, or a merge under way; [`Progress::More`] while one of them merged.
fn merge_some(c: &Connection) -> Result<Progress, StoreError> {
    let mut merged = false;
    for (column, _) in COLUMNS {
        merged |= merge(c, column, MERGE_SLICE)?;
    }
    Ok(Progress::more_if(merged))
}

/// Applies the changes noted for the users with an id below `beyond`.
fn apply(c: &Connection, beyond: i64) -> Result<(), StoreError> {
    let changed = c
        .prepare_cached("SELECT DISTINCT changed FROM users_search_pending WHERE id < ?1")?
        .query_map([beyond], |r| r.get::<_, i64>(0))?
        .try_fold(0, |all, bits| bits.map(|b| all | b))?;
    if changed == 0 {
        return Ok(());
    }
    for (column, bit) in COLUMNS {
        if changed & bit != 0 {
            // One statement per index: FTS5 writes a segment at each statement's end,
            // and the old values must leave before the new ones come (left side of
            // UNION ALL first).
            c.prepare_cached(&reindex_sql(column, bit))?
                .execute([beyond])?;
        }
    }
    c.prepare_cached("DELETE FROM users_search_pending WHERE id < ?1")?
        .execute([beyond])?;
    Ok(())
}

/// Ids of the users whose username, name, email or uuid contains `term` (at least
/// three characters: a trigram index finds nothing shorter), case-insensitively.
///
/// The indexes may lag behind the users (the writer syncs them now and then): users
/// changed since the last sync are left out of what the indexes found and checked
/// against their current row instead, in the same statement (one snapshot).
pub fn matching(c: &Connection, term: &str) -> Result<Vec<i64>, StoreError> {
    let phrase = format!("\"{}\"", term.replace('"', "\"\""));
    // A uuid holds only hex digits and dashes: other terms need not look there.
    let uuid_like = term.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '-');
    let per_column: Vec<String> = COLUMNS
        .iter()
        .filter(|(column, _)| uuid_like || *column != "uuid")
        .map(|(column, _)| {
            format!(
                "SELECT rowid AS id FROM users_search_{column} WHERE users_search_{column} MATCH ?1"
            )
        })
        .collect();
    let sql = format!(
        "SELECT id, 0, NULL, NULL, NULL, NULL FROM ({}) AS found
             WHERE id NOT IN (SELECT id FROM users_search_pending)
         UNION ALL
         SELECT u.id, 1, u.username, u.name, u.email, u.uuid
             FROM users_search_pending p CROSS JOIN users u ON u.id = p.id",
        per_column.join(" UNION ")
    );
    let wanted = folded(term);
    let mut ids = Vec::new();
    let mut rows = c.prepare_cached(&sql)?;
    let mut rows = rows.query([phrase])?;
    while let Some(r) = rows.next()? {
        let (id, changed): (i64, bool) = (r.get(0)?, r.get(1)?);
        let current: [Option<String>; 4] = [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?];
        let contains = |v: &String| folded(v).contains(&wanted);
        if !changed || current.iter().flatten().any(contains) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `text` with each character folded as the trigram indexes fold it for a
/// case-insensitive match: to its (first) lowercase form.
fn folded(text: &str) -> String {
    text.chars()
        .map(|ch| ch.to_lowercase().next().unwrap_or(ch))
        .collect()
}

/// Segments past which maintenance merges an index back into one: each segment is
/// one more b-tree to look in per trigram, and each sync leaves a new small one.
const MAX_SEGMENTS: i64 = 8;

/// Users whose noted changes one [`sync_some`] applies. A step runs inside a batch of
/// writes and holds every write queued behind it: at 128 users it takes about a
/// millisecond (twice a batch's usual length at most). Each step writes a segment into
/// each index it touches, so smaller slices mean more merging.
const SYNC_SLICE: i64 = 128;

/// Pages one [`merge_some`] merges in an index: like a sync step, about a millisecond.
/// The indexes do not merge by themselves (migration 5 turns FTS5's automatic
/// merging off): that merged a few hundred pages at a time inside whichever write
/// crossed its threshold, holding every write queued behind it for tens of
/// milliseconds. Positive, so only a level that has gathered four segments is merged:
/// under a steady stream of edits the segments stay within a dozen or so, and
/// maintenance merges what is left.
const MERGE_SLICE: i64 = 8;

/// Pages one merge step writes. A step holds other writes, and a core, for about a
/// millisecond: longer steps, even with rests between them, show in the slowest
/// percent of requests that share the core.
const MERGE_PAGES: i64 = 4;

/// The indexed columns whose index has grown past [`MAX_SEGMENTS`] segments.
pub fn fragmented(c: &Connection) -> Result<Vec<&'static str>, StoreError> {
    let mut out = Vec::new();
    for (column, _) in COLUMNS {
        if segments(c, column)? > Some(MAX_SEGMENTS) {
            out.push(column);
        }
    }
    Ok(out)
}

/// How many segments the index of `column` has; `None` when its structure record is
/// missing or unreadable.
fn segments(c: &Connection, column: &str) -> Result<Option<i64>, StoreError> {
    // FTS5 keeps its segment list in the "structure" record, row 10 of `_data`.
    let structure: Option<Vec<u8>> = c
        .prepare_cached(&format!(
            "SELECT block FROM users_search_{column}_data WHERE id = 10"
        ))?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(structure.as_deref().and_then(segment_count))
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
    merge(c, column, -MERGE_PAGES)
}

/// FTS5's `merge` command on the index of `column`: about `pages` pages of merging;
/// negative merges any level with two segments or more, and the levels into one.
/// `true` when it merged something.
fn merge(c: &Connection, column: &str, pages: i64) -> Result<bool, StoreError> {
    let before = c.total_changes();
    c.prepare_cached(&format!(
        "INSERT INTO users_search_{column} (users_search_{column}, rank) VALUES ('merge', ?1)"
    ))?
    .execute([pages])?;
    // The command itself counts as one change; more means it merged something.
    Ok(c.total_changes() - before > 1)
}

/// Re-indexes `column` of the pending users whose `changed` has `bit` and whose id
/// is below `?1`. CROSS JOIN pins the few pending rows as the outer loop, whatever
/// statistics say.
fn reindex_sql(column: &str, bit: i64) -> String {
    format!(
        "INSERT INTO users_search_{column} (users_search_{column}, rowid, {column})
         SELECT 'delete', id, {column} FROM users_search_pending
             WHERE id < ?1 AND indexed = 1 AND changed & {bit}
         UNION ALL
         SELECT NULL, u.id, u.{column}
             FROM users_search_pending p CROSS JOIN users u ON u.id = p.id
             WHERE p.id < ?1 AND p.changed & {bit}"
    )
}

#[cfg(test)]
mod tests;
