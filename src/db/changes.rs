//! What each committed write changed, as far as what the server keeps in memory of
//! its signed-in users is concerned, and whether anyone else wrote to the database.
//!
//! The writer's connection carries temporary triggers (they live only on that
//! connection, so the schema is untouched) that note each changed user, impersonation
//! and token, and any change to groups and roles, in a temporary table. The writer
//! drains it inside each batch's transaction and tells its [`Watcher`] once the batch
//! has committed: a write undone (its savepoint or its whole batch rolled back) takes
//! its notes with it. Writes of other processes (the command line, a hand-edited
//! database) move SQLite's `data_version` of the writer's connection, which the writer
//! reads at every batch and at least every [`ELSEWHERE_EVERY`].

use crate::store::StoreError;
use rusqlite::Connection;
use std::time::Duration;

/// How often an idle writer asks whether another process has written.
pub const ELSEWHERE_EVERY: Duration = Duration::from_millis(250);

/// One change the writer saw commit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// The user with this id: their row, their groups or roles, or an impersonation
    /// of them.
    User(i64),
    /// The impersonation with this uuid.
    Impersonation(String),
    /// The token whose key hashes to this.
    Token(String),
    /// Groups, their parents or roles, or roles and their permissions.
    Catalog,
}

/// Told what committed writes changed.
pub trait Watcher: Send + Sync {
    /// A transaction holding `changes` has committed.
    fn committed(&self, changes: &[Change]);
    /// Another connection committed: anything may have changed.
    fn changed_elsewhere(&self);
}

const USER: i64 = 0;
const IMPERSONATION: i64 = 1;
const TOKEN: i64 = 2;
const CATALOG: i64 = 3;

/// Creates the notes table and the triggers that fill it on `c` (the writer's
/// connection; the tables must exist).
pub fn install(c: &Connection) -> Result<(), StoreError> {
    let mut sql = String::from(
        "PRAGMA temp_store = MEMORY;
         CREATE TEMP TABLE IF NOT EXISTS noted_changes (kind INTEGER NOT NULL, id INTEGER, key TEXT);",
    );
    let mut trigger = |table: &str, event: &str, when: &str, notes: &[String]| {
        let name = format!("note_{table}_{}", event.to_lowercase());
        let values = notes.join(", ");
        sql.push_str(&format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS {name} AFTER {event} ON main.{table} {when}
             BEGIN INSERT INTO noted_changes (kind, id, key) VALUES {values}; END;"
        ));
    };
    let user = |row: &str, column: &str| format!("({USER}, {row}.{column}, NULL)");
    let keyed = |kind: i64, row: &str, column: &str| format!("({kind}, NULL, {row}.{column})");
    for (event, rows) in [
        ("INSERT", &["NEW"][..]),
        ("UPDATE", &["OLD", "NEW"][..]),
        ("DELETE", &["OLD"][..]),
    ] {
        let each = |f: &dyn Fn(&str) -> String| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
        trigger("users", event, "", &each(&|r| user(r, "id")));
        trigger("user_groups", event, "", &each(&|r| user(r, "user_id")));
        trigger("user_roles", event, "", &each(&|r| user(r, "user_id")));
        let imps = each(&|r| keyed(IMPERSONATION, r, "uuid"));
        let targets = each(&|r| user(r, "target_user_id"));
        trigger("impersonations", event, "", &[imps, targets].concat());
        trigger("tokens", event, "", &each(&|r| keyed(TOKEN, r, "key_hash")));
    }
    // Every change to groups and roles gives `catalog_rev` a new value.
    trigger(
        "counters",
        "UPDATE",
        "WHEN NEW.name = 'catalog_rev'",
        &[format!("({CATALOG}, NULL, NULL)")],
    );
    c.execute_batch(&sql)?;
    Ok(())
}

/// Takes the notes of the running transaction. Call inside it, before `COMMIT`: a
/// rollback then restores the table as it was before the transaction began.
pub fn drain(c: &Connection) -> Result<Vec<Change>, StoreError> {
    let mut stmt = c.prepare_cached("DELETE FROM temp.noted_changes RETURNING kind, id, key")?;
    let rows = stmt.query_map([], |r| {
        let (kind, id, key): (i64, Option<i64>, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok(match kind {
            USER => Change::User(id.unwrap_or_default()),
            IMPERSONATION => Change::Impersonation(key.unwrap_or_default()),
            TOKEN => Change::Token(key.unwrap_or_default()),
            _ => Change::Catalog,
        })
    })?;
    let mut changes: Vec<Change> = rows.collect::<Result<_, _>>()?;
    changes.sort_unstable();
    changes.dedup();
    Ok(changes)
}

/// SQLite's count of commits by other connections, as `c` sees it.
pub fn data_version(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// Notices commits of other connections through `data_version`.
pub struct Elsewhere<'a> {
    /// Who hears of other connections' commits (and so, whether to look at all).
    pub watcher: Option<&'a dyn Watcher>,
    seen: Option<i64>,
}

impl<'a> Elsewhere<'a> {
    /// Starts from the current version.
    pub fn new(conn: &Connection, watcher: Option<&'a dyn Watcher>) -> Self {
        let mut this = Elsewhere {
            watcher,
            seen: None,
        };
        this.check(conn);
        this
    }

    /// Tells the watcher when the version moved since the last look.
    pub fn check(&mut self, conn: &Connection) {
        let Some(watcher) = self.watcher else { return };
        match data_version(conn) {
            Ok(v) if self.seen != Some(v) => {
                if self.seen.is_some() {
                    watcher.changed_elsewhere();
                }
                self.seen = Some(v);
            }
            Ok(_) => {}
            Err(e) => {
                log::error!("reading data_version failed: {e}");
                watcher.changed_elsewhere();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer_connection() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Connection::open(dir.path().join("c.db")).unwrap();
        crate::db::migrate(&mut c).unwrap();
        c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        install(&c).unwrap();
        (dir, c)
    }

    fn noted(c: &Connection, sql: &str) -> Vec<Change> {
        c.execute_batch(&format!("BEGIN; {sql};")).unwrap();
        let changes = drain(c).unwrap();
        c.execute_batch("COMMIT").unwrap();
        changes
    }

    const SEED: &str =
        "INSERT INTO users (id, uuid, username, date_joined, last_updated, password_change_date)
            VALUES (7, 'u7', 'ana', 'x', 'x', 'x'), (8, 'u8', 'bob', 'x', 'x', 'x');
        INSERT INTO groups (id, uuid, name) VALUES (1, 'g1', 'staff');
        INSERT INTO roles (id, uuid, name) VALUES (1, 'r1', 'viewer');";

    #[test]
    fn each_change_to_what_an_identity_is_made_of_is_noted() {
        let (_dir, c) = writer_connection();
        noted(&c, SEED);
        assert_eq!(
            noted(&c, "UPDATE users SET name = 'Ana' WHERE id = 7"),
            [Change::User(7)]
        );
        assert_eq!(
            noted(
                &c,
                "INSERT INTO user_groups VALUES (7, 1); INSERT INTO user_roles VALUES (8, 1)"
            ),
            [Change::User(7), Change::User(8)]
        );
        assert_eq!(
            noted(
                &c,
                "INSERT INTO role_permissions VALUES (1, 'core.view_user')"
            ),
            [Change::Catalog]
        );
        assert_eq!(
            noted(
                &c,
                "INSERT INTO impersonations (uuid, original_user_id, target_user_id, started, expires)
                 VALUES ('i1', 7, 8, 'x', 'y')"
            ),
            [Change::User(8), Change::Impersonation("i1".into())]
        );
        assert_eq!(
            noted(
                &c,
                "INSERT INTO tokens (uuid, identifier, key_hash, user_id, created)
                 VALUES ('t', 't', 'h1', 7, 'x')"
            ),
            [Change::Token("h1".into())]
        );
        assert_eq!(noted(&c, "SELECT 1"), []);
    }

    #[test]
    fn rows_deleted_by_a_cascade_are_noted_too() {
        let (_dir, c) = writer_connection();
        noted(&c, SEED);
        noted(
            &c,
            "INSERT INTO user_groups VALUES (7, 1);
             INSERT INTO tokens (uuid, identifier, key_hash, user_id, created) VALUES ('t', 't', 'h1', 8, 'x')",
        );
        assert_eq!(
            noted(&c, "DELETE FROM groups WHERE id = 1"),
            [Change::User(7), Change::Catalog]
        );
        assert_eq!(
            noted(&c, "DELETE FROM users WHERE id = 8"),
            [Change::User(8), Change::Token("h1".into())]
        );
    }

    #[test]
    fn a_change_rolled_back_to_its_savepoint_leaves_no_note() {
        let (_dir, c) = writer_connection();
        noted(&c, SEED);
        c.execute_batch(
            "BEGIN; SAVEPOINT job; UPDATE users SET name = 'x' WHERE id = 7;
             ROLLBACK TO job; RELEASE job;
             SAVEPOINT job; UPDATE users SET name = 'y' WHERE id = 8; RELEASE job;",
        )
        .unwrap();
        assert_eq!(drain(&c).unwrap(), [Change::User(8)]);
        c.execute_batch("COMMIT").unwrap();
    }

    #[test]
    fn a_commit_of_another_connection_moves_the_data_version() {
        let (dir, c) = writer_connection();
        let before = data_version(&c).unwrap();
        noted(&c, SEED);
        assert_eq!(data_version(&c).unwrap(), before, "its own commits do not");
        let other = Connection::open(dir.path().join("c.db")).unwrap();
        other
            .execute("UPDATE users SET name = 'z' WHERE id = 7", [])
            .unwrap();
        assert_ne!(data_version(&c).unwrap(), before);
    }
}
