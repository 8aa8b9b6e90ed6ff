//! The SQLite pool and the one way to reach it: a closure run with a pooled
//! connection on actix's blocking pool, so no SQLite call ever blocks an async worker.

mod migrate;

pub use migrate::{SCHEMA_VERSION, migrate};

use crate::store::StoreError;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// Pragmas every pooled connection gets (CONTRACT §8, standards: WAL, foreign keys,
/// busy timeout, synchronous=NORMAL which is durable in WAL mode up to the last checkpoint).
const CONNECTION_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA foreign_keys = ON;
     PRAGMA busy_timeout = 5000;
     PRAGMA synchronous = NORMAL;
     PRAGMA temp_store = MEMORY;";

/// The database handle shared by every request: a connection pool plus an in-process
/// writer lock, so concurrent writers queue here instead of sleeping in SQLite's busy
/// handler.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    writer: Arc<Mutex<()>>,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path, pool_size: u32) -> Result<Db, StoreError> {
        let manager = SqliteConnectionManager::file(path).with_init(|c| {
            c.execute_batch(CONNECTION_PRAGMAS)?;
            c.set_prepared_statement_cache_capacity(64);
            Ok(())
        });
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        let mut conn = pool.get()?;
        migrate(&mut conn)?;
        drop(conn);
        Ok(Db {
            pool,
            writer: Arc::new(Mutex::new(())),
        })
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

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction on the blocking pool; commits
    /// when it returns `Ok`, rolls back otherwise.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Transaction) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.write_now(f))
            .await
            .map_err(|e| StoreError::Other(format!("blocking pool: {e}")))?
    }

    /// [`Db::read`] for synchronous callers (command-line tools, startup).
    pub fn read_now<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.pool.get()?;
        f(&conn)
    }

    /// [`Db::write`] for synchronous callers (command-line tools, startup).
    pub fn write_now<T>(
        &self,
        f: impl FnOnce(&Transaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.pool.get()?;
        // A poisoned lock only means another writer panicked; its transaction rolled back.
        let _turn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Writes a consistent copy of the live database to `dest` (SQLite `VACUUM INTO`).
    pub fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        let dest = dest.to_string_lossy().into_owned();
        self.read_now(|c| {
            c.execute("VACUUM INTO ?1", [dest])?;
            Ok(())
        })
    }
}
