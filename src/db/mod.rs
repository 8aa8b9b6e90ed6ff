//! The SQLite pool and the one way to reach it: a closure run with a pooled
//! connection on actix's blocking pool, so no SQLite call ever blocks an async worker.

pub mod changes;
mod checkpoint;
mod files;
pub mod lock;
mod migrate;
pub mod restore;
mod writer;

pub use migrate::{SCHEMA_VERSION, migrate};
pub use writer::{Progress, Upkeep, UpkeepWork, Writer};

use crate::config::Checkpoints;
use crate::store::StoreError;
use crate::store::signed_in::SignedIn;
use r2d2::ManageConnection;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// Pragmas every connection gets: WAL, foreign keys, the busy timeout (below), and
/// synchronous=NORMAL (in WAL mode a power cut can lose the last commits but never
/// leaves the database inconsistent).
const CONNECTION_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA foreign_keys = ON;
     PRAGMA synchronous = NORMAL;
     PRAGMA temp_store = MEMORY;";

/// How long a connection waits for a lock another one holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest a change waits before the search indexes start taking it in.
const SEARCH_LAG: Duration = Duration::from_millis(100);

fn manager_for(path: &Path, checkpoints: Checkpoints) -> SqliteConnectionManager {
    SqliteConnectionManager::file(path).with_init(move |c| {
        c.execute_batch(CONNECTION_PRAGMAS)?;
        c.busy_timeout(BUSY_TIMEOUT)?;
        c.set_prepared_statement_cache_capacity(64);
        if checkpoints == Checkpoints::External {
            // A checkpoint the replicator does not expect makes it start a new
            // generation: none automatic after commits, none when a connection closes.
            c.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
            c.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        }
        Ok(())
    })
}

/// The database handle shared by every request: a pool of reading connections, the
/// one [`Writer`], and what is kept in memory of the signed-in users, which the writer
/// keeps current.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    writer: Writer,
    signed_in: Arc<SignedIn>,
    /// Keeps `standin restore` out while the database is open here.
    _held: Option<std::sync::Arc<lock::Held>>,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to
    /// date, with standin's own checkpointer.
    pub fn open(path: &Path, pool_size: u32) -> Result<Db, StoreError> {
        Db::open_with(path, pool_size, Checkpoints::Standin)
    }

    /// [`Db::open`], with `checkpoints` saying who checkpoints the log.
    pub fn open_with(
        path: &Path,
        pool_size: u32,
        checkpoints: Checkpoints,
    ) -> Result<Db, StoreError> {
        let held = lock::shared(path).map_err(|e| match e {
            lock::LockError::Busy => StoreError::Other(format!(
                "{}: a restore is replacing this database; try again when it has finished",
                path.display()
            )),
            lock::LockError::Io(e) => StoreError::Other(e.to_string()),
        })?;
        files::create_private(path)
            .map_err(|e| StoreError::Other(format!("{}: {e}", path.display())))?;
        let manager = manager_for(path, checkpoints);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        let mut conn = pool.get()?;
        migrate(&mut conn)?;
        drop(conn);
        let manager = manager_for(path, checkpoints);
        // The search indexes start taking what changed at most SEARCH_LAG later, many
        // edits at a time (a slice per batch): each sync step writes a new segment into
        // each index it touches, and searching bridges the gap (see
        // `store::search_index`).
        let sync = Upkeep {
            steps: &crate::store::search_index::UPKEEP,
            lag: SEARCH_LAG,
        };
        let checkpointer = match checkpoints {
            Checkpoints::Standin => Some((manager.connect()?, checkpoint::LogLimits::default())),
            Checkpoints::External => None,
        };
        let signed_in = Arc::new(SignedIn::default());
        let watcher: Arc<dyn changes::Watcher> = signed_in.clone();
        let writer = Writer::start(manager.connect()?, checkpointer, sync, Some(watcher))
            .map_err(|e| StoreError::Other(format!("writer thread: {e}")))?;
        Ok(Db {
            pool,
            writer,
            signed_in,
            _held: held.map(Arc::new),
        })
    }

    /// What is kept in memory of the signed-in users.
    pub fn signed_in(&self) -> &Arc<SignedIn> {
        &self.signed_in
    }

    /// Runs a read-only `f` on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.read_now(f))
            .await
            .map_err(|e| StoreError::Other(format!("blocking pool: {e}")))?
    }

    /// Runs `f` on the writer thread inside a `BEGIN IMMEDIATE` transaction: its
    /// changes are kept when it returns `Ok` and the transaction has committed, and
    /// undone otherwise. `f` may run more than once (only its last run counts), so it
    /// must have no effect outside the connection.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write(f).await
    }

    /// [`Db::read`] for synchronous callers (command-line tools, startup).
    pub fn read_now<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.pool.get()?;
        f(&conn)
    }

    /// [`Db::write`] for synchronous callers (command-line tools, startup), on a pooled
    /// connection in its own transaction.
    pub fn write_now<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        crate::store::search_index::sync(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Writes a consistent copy of the live database to `dest` (SQLite `VACUUM INTO`),
    /// readable by its owner only.
    pub fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Other(format!("{}: {e}", dest.display()));
        // VACUUM INTO fills an empty file and keeps its mode, and refuses one that
        // holds data: so the copy goes into a private empty file made first.
        let file = files::open_private(dest, false).map_err(io)?;
        if file.metadata().map_err(io)?.len() == 0 {
            files::make_private(&file).map_err(io)?;
        }
        drop(file);
        let dest = dest.to_string_lossy().into_owned();
        self.read_now(|c| {
            c.execute("VACUUM INTO ?1", [dest])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes about 2,000 pages (more than SQLite's automatic checkpoint threshold of
    /// 1,000) through pooled connections, closes everything, and returns the size of
    /// the log left behind.
    fn log_left_after_writes(checkpoints: Checkpoints) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let db = Db::open_with(&path, 2, checkpoints).unwrap();
        db.write_now(|c| Ok(c.execute_batch("CREATE TABLE t (b BLOB)")?))
            .unwrap();
        for _ in 0..500 {
            db.write_now(|c| Ok(c.execute("INSERT INTO t VALUES (zeroblob(16000))", [])?))
                .unwrap();
        }
        drop(db);
        // The writer thread closes its connection once its queue is gone.
        std::thread::sleep(Duration::from_millis(300));
        std::fs::metadata(dir.path().join("c.db-wal")).map_or(0, |m| m.len())
    }

    #[test]
    fn with_external_checkpoints_standin_leaves_every_frame_to_the_replicator() {
        let left = log_left_after_writes(Checkpoints::External);
        assert!(
            left > 2000 * 4096,
            "the log was checkpointed: {left} bytes left"
        );
        assert_eq!(
            log_left_after_writes(Checkpoints::Standin),
            0,
            "standin's own mode gives the log back when it closes"
        );
    }
}
