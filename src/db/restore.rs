//! `standin restore BACKUP`: puts a backup in the database's place, so nobody has to
//! move `-wal` and `-shm` files by hand.
//!
//! In order: take the database alone (refused while a server or another command holds
//! it, see `lock`); check the backup (`PRAGMA integrity_check`, a standin schema no
//! newer than this binary's); copy it through SQLite into a new private file beside
//! the database (so a backup that still has a `-wal` of its own is copied whole);
//! fold the old database's log into it and keep it as `<database>.before-restore`;
//! move the copy into place. Until that last rename the old database is untouched
//! where it was, so a failure on the way leaves it as it was.

use super::{SCHEMA_VERSION, files, lock};
use crate::store::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The backup's schema version (an older one is migrated at the next start).
    pub version: i64,
    /// Where the database it replaced was kept, if there was one.
    pub kept: Option<PathBuf>,
}

fn fail(why: String) -> StoreError {
    StoreError::Other(why)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where a restore keeps the database it replaces.
pub fn before_restore(db: &Path) -> PathBuf {
    with_suffix(db, ".before-restore")
}

/// Replaces the database at `db` with a copy of `backup` (see the module header).
pub fn restore(db: &Path, backup: &Path) -> Result<Restored, StoreError> {
    let _alone = lock::exclusive(db).map_err(|e| match e {
        lock::LockError::Busy => fail(format!(
            "{} is in use by a running standin (the server, or a command such as backup): \
             stop it, then restore",
            db.display()
        )),
        lock::LockError::Io(e) => fail(e.to_string()),
    })?;
    if let (Ok(a), Ok(b)) = (db.canonicalize(), backup.canonicalize())
        && a == b
    {
        return Err(fail(format!("{} is the database itself", backup.display())));
    }
    let version = check(backup)?;
    let kept = before_restore(db);
    if kept.exists() {
        return Err(fail(format!(
            "{} is left from an earlier restore: move it away first, so it is not lost",
            kept.display()
        )));
    }
    let staged = with_suffix(db, ".restoring");
    let _ = std::fs::remove_file(&staged);
    copy(backup, &staged)?;
    let had_old = db.exists();
    if had_old {
        set_aside(db, &kept)?;
    }
    let io = |e: std::io::Error| fail(format!("{}: {e}", db.display()));
    std::fs::rename(&staged, db).map_err(io)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The renames last through a power cut only once the directory is on disk.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(Restored {
        version,
        kept: had_old.then_some(kept),
    })
}

/// The backup's schema version, once it has passed `integrity_check` and holds a
/// standin schema this binary can open.
pub fn check(backup: &Path) -> Result<i64, StoreError> {
    let name = backup.display();
    if !backup.is_file() {
        return Err(fail(format!("{name}: no such file")));
    }
    let not_db =
        |e: rusqlite::Error| fail(format!("{name} is not a readable SQLite database: {e}"));
    let c =
        Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(not_db)?;
    let problems: Vec<String> = c
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(not_db)?;
    if problems != ["ok"] {
        let shown: Vec<_> = problems.iter().take(5).map(String::as_str).collect();
        return Err(fail(format!(
            "{name} fails the integrity check: {}",
            shown.join("; ")
        )));
    }
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_db)?;
    let has_users: bool = c
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users')",
            [],
            |r| r.get(0),
        )
        .map_err(not_db)?;
    if version < 1 || !has_users {
        return Err(fail(format!("{name} is not a standin database")));
    }
    if version > SCHEMA_VERSION {
        return Err(fail(format!(
            "{name} has schema version {version}, but this standin only knows up to \
             {SCHEMA_VERSION}: restore it with the newer standin that wrote it"
        )));
    }
    Ok(version)
}

/// Copies `backup` into a new private file `dest` through SQLite.
fn copy(backup: &Path, dest: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| fail(format!("{}: {e}", dest.display()));
    // VACUUM INTO fills an empty file and keeps its mode: make it private first.
    drop(files::open_private(dest, true).map_err(io)?);
    let c = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let copied = c.execute("VACUUM INTO ?1", [dest.to_string_lossy()]);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(dest);
        return Err(fail(format!("copying {}: {e}", backup.display())));
    }
    Ok(())
}

/// Moves the database at `db` to `kept`, its log folded in when SQLite can, and
/// otherwise its `-wal` (and `-shm`) moved along under the names SQLite looks for
/// beside `kept`.
fn set_aside(db: &Path, kept: &Path) -> Result<(), StoreError> {
    let folded = Connection::open(db).and_then(|c| {
        let mode: String = c.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        Ok(mode == "delete")
    });
    if !matches!(folded, Ok(true)) {
        log::warn!(
            "could not fold the log of {} into it; it is kept beside it",
            db.display()
        );
    }
    let io = |e: std::io::Error| fail(format!("{}: {e}", db.display()));
    for suffix in ["-wal", "-shm", "-journal"] {
        let from = with_suffix(db, suffix);
        if from.exists() {
            std::fs::rename(&from, with_suffix(kept, suffix)).map_err(io)?;
        }
    }
    std::fs::rename(db, kept).map_err(io)
}
