//! Numbered schema migrations recorded in `PRAGMA user_version`. Migration 1 is the
//! whole of `schema.sql`; later ones are appended to [`MIGRATIONS`] and never edited.

use crate::store::StoreError;
use rusqlite::{Connection, TransactionBehavior};

const MIGRATIONS: &[&str] = &[
    include_str!("../../schema.sql"),
    include_str!("migrations/0002_revoked_sessions.sql"),
    include_str!("migrations/0003_token_events.sql"),
    include_str!("migrations/0004_impersonation_visibility.sql"),
    include_str!("migrations/0005_search_index_merging.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies every missing migration in one transaction; refuses a database written by
/// a newer standin.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Other(format!(
            "the database has schema version {current}, but this standin only knows up to \
             {SCHEMA_VERSION}: it was written by a newer standin; run that version or restore a backup"
        )));
    }
    for sql in &MIGRATIONS[current as usize..] {
        tx.execute_batch(sql)?;
    }
    if current < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        log::info!("database schema migrated from version {current} to {SCHEMA_VERSION}");
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        migrate(&mut c).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_version_1_database_gains_the_later_tables() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
        migrate(&mut c).unwrap();
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM revoked_sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn token_events_of_version_2_become_the_model_events_recorded_beside_them() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.execute_batch(MIGRATIONS[1]).unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        for (i, action) in [
            "token_created",
            "model_created",
            "token_deleted",
            "model_deleted",
        ]
        .iter()
        .enumerate()
        {
            c.execute(
                "INSERT INTO events (uuid, action, user_json, app, context, created)
                 VALUES (?1, ?2, '{}', 'standin', '{}', '2026-11-01T00:00:00.000000Z')",
                [format!("e{i}"), action.to_string()],
            )
            .unwrap();
        }
        migrate(&mut c).unwrap();
        let mut stmt = c
            .prepare("SELECT action FROM events ORDER BY uuid")
            .unwrap();
        let left: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(left, ["model_created", "model_deleted"]);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = migrate(&mut c).unwrap_err().to_string();
        assert!(err.contains("newer standin"), "{err}");
    }
}
