//! Copying the write-ahead log back into the database, beside the writer, and
//! restarting the log from its beginning before it grows large.
//!
//! SQLite restarts the log only when all of it has been copied back (and synced)
//! while no write is under way. Under a steady load that moment never comes, and the
//! log grows without end. So once it passes [`LogLimits::restart_after_frames`], the
//! checkpointer catches up, holds the writer at its next batch boundary through the
//! [`Gate`], copies the little that is left and waits for older readers; the next
//! batch then starts the log from its beginning. Once writes have stopped for a
//! while, a large log file is truncated.

use rusqlite::Connection;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// When the write-ahead log is copied back and restarted.
#[derive(Debug, Clone, Copy)]
pub struct LogLimits {
    /// How often the checkpointer copies the log back into the database.
    pub checkpoint_every: Duration,
    /// Log size (in pages) past which the log is restarted from its start.
    pub restart_after_frames: i64,
    /// Log file size (in pages) past which the file is truncated once writes stop.
    pub idle_trim_frames: i64,
    /// How long writes must have stopped before that truncation.
    pub trim_after_idle: Duration,
}

impl Default for LogLimits {
    fn default() -> Self {
        LogLimits {
            // A round copies each page written since the last one once, however often
            // it was written in between; under a stream of edits the same index pages
            // come back again and again, so rounds further apart copy fewer pages per
            // write (at 100 ms, about three pages per edit of a user; at 300 ms, under
            // two). Much further apart, one round's copying is long enough to slow the
            // writes beside it.
            checkpoint_every: Duration::from_millis(300),
            // 512 MB of 4 KB pages. A restart holds writes while the checkpointer copies
            // and syncs what the log took in during its last round of catching up:
            // 10-25 ms under a stream of edits on a slow disk, however large the log
            // is. Under such a stream (about 20 KB of log per edit) restarts at 256 MB
            // came every 1.5 s, often enough that the writes caught behind them set the
            // slowest percent of all; at 512 MB half as many wait. Under a light load
            // SQLite starts the log over by itself (in a pause between writes), so the
            // log only grows this large under a sustained stream.
            restart_after_frames: 131072,
            idle_trim_frames: 4096,
            // Truncating the file costs about a quarter of a millisecond per MB
            // (freeing its blocks and cached pages), all of it holding writes, and the
            // next burst grows the file again: a pause of a few hundred milliseconds
            // inside a burst should not pay for that.
            trim_after_idle: Duration::from_secs(1),
        }
    }
}

/// The log file's size kept after a restart (`PRAGMA journal_size_limit`, bytes).
/// Above the restart size, with room for what comes in while the checkpointer catches
/// up: shrinking the file at each restart would make the next round allocate it again,
/// and the truncation itself holds the writer (it runs in the first commit after the
/// restart). The space goes back once writes stop (idle trim).
pub const LOG_SIZE_LIMIT: i64 = 640 * 1024 * 1024;

/// Longest a restart waits for readers of older snapshots; a slow reader (a backup)
/// postpones the restart instead of holding writes.
const RESTART_WAIT: Duration = Duration::from_millis(20);

/// Lets the checkpointer hold the writer between two batches. The writer takes its
/// lock twice per batch, uncontended but for the rare hold: nanoseconds against the
/// milliseconds of a batch.
#[derive(Default)]
pub struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    /// The checkpointer wants the writer held.
    hold: bool,
    /// The writer is inside a batch.
    busy: bool,
}

impl Gate {
    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Called by the writer before a batch: waits while a hold is on, then marks the
    /// writer busy until [`Gate::leave`].
    pub fn enter(&self) {
        let mut st = self.lock();
        while st.hold {
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.busy = true;
    }

    /// Called by the writer after a batch.
    pub fn leave(&self) {
        let mut st = self.lock();
        st.busy = false;
        if st.hold {
            self.changed.notify_all();
        }
    }

    /// Runs `f` while the writer is between batches and held there.
    fn hold_writes<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut st = self.lock();
        st.hold = true;
        while st.busy {
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        drop(st);
        let out = f();
        self.lock().hold = false;
        self.changed.notify_all();
        out
    }
}

/// The checkpointer thread's loop, until `stopped` hangs up.
pub fn run(conn: Connection, stopped: Receiver<()>, limits: LogLimits, gate: &Gate) {
    let _ = conn.busy_timeout(RESTART_WAIT);
    let page: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap_or(4096);
    // Each frame is a page and its 24-byte header.
    let trim_bytes = u64::try_from(limits.idle_trim_frames * (page + 24)).unwrap_or(u64::MAX);
    let log_file = conn.path().map(|p| format!("{p}-wal"));
    let log_bytes = || {
        (log_file.as_ref())
            .and_then(|f| std::fs::metadata(f).ok())
            .map_or(0, |m| m.len())
    };
    let mut seen = data_version(&conn);
    let mut last_write = Instant::now();
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(limits.checkpoint_every) {
        let frames = passive(&conn);
        // The log's size cannot tell: under a light load SQLite restarts the log at a
        // write, which may leave it as long as before.
        let version = data_version(&conn);
        if version.is_none() || version != seen {
            seen = version;
            last_write = Instant::now();
            if frames >= limits.restart_after_frames {
                catch_up(&conn);
                gate.hold_writes(|| checkpoint(&conn, "RESTART"));
            }
        } else if last_write.elapsed() >= limits.trim_after_idle && log_bytes() > trim_bytes {
            // No write for a while: give the space back (TRUNCATE copies whatever is
            // left first). The file, not the log, is what is measured: after a restart
            // a short log sits at the start of a file kept at its old size.
            gate.hold_writes(|| checkpoint(&conn, "TRUNCATE"));
        }
    }
    // Last one out folds the log back in, so a stopped server leaves a small WAL.
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

/// Rounds of [`catch_up`] at most.
const CATCH_UP_ROUNDS: u32 = 3;
/// A round this short leaves the hold little to do: [`catch_up`] stops after it.
const CAUGHT_UP: Duration = Duration::from_millis(5);

/// Gets the database file as close as it can to what a restart needs while writes go
/// on, so that the hold covers only what the last round missed. A restart copies what
/// is left of the log and syncs both files, and SQLite syncs the database file only
/// when a checkpoint has copied the whole log: inside the hold, that sync would flush
/// every page copied since the last restart (hundreds of megabytes under a heavy load,
/// tens of milliseconds with writes waiting). So each round copies and then syncs
/// the database file itself.
fn catch_up(conn: &Connection) {
    for _ in 0..CATCH_UP_ROUNDS {
        let started = std::time::Instant::now();
        passive(conn);
        if let Err(e) = sync_database_file(conn) {
            log::warn!("syncing the database file failed: {e}");
            return;
        }
        if started.elapsed() < CAUGHT_UP {
            return;
        }
    }
}

/// Syncs the database file through `conn`'s own file handle. A second handle would
/// do the same, but closing it would drop the locks this process holds on the file,
/// which SQLite's connections rely on.
fn sync_database_file(conn: &Connection) -> Result<(), String> {
    use rusqlite::ffi;
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    // SAFETY: `conn` is open and used by this thread only. SQLITE_FCNTL_FILE_POINTER
    // stores the main database's `sqlite3_file` (owned by the connection, alive as
    // long as it is) into `file`; its `xSync` is the method SQLite itself calls.
    let rc = unsafe {
        let rc = ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_FILE_POINTER,
            (&raw mut file).cast(),
        );
        match file.as_ref().and_then(|f| f.pMethods.as_ref()) {
            Some(methods) if rc == ffi::SQLITE_OK => match methods.xSync {
                Some(sync) => sync(file, ffi::SQLITE_SYNC_NORMAL),
                None => ffi::SQLITE_MISUSE,
            },
            _ => rc,
        }
    };
    match rc {
        ffi::SQLITE_OK => Ok(()),
        rc => Err(format!("{} (code {rc})", ffi::code_to_str(rc))),
    }
}

/// A number that changes whenever another connection commits (`None` if it cannot
/// be read).
fn data_version(conn: &Connection) -> Option<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0)).ok()
}

/// Copies what no reader still needs, never waiting for anyone; returns the log's
/// size in pages.
fn passive(conn: &Connection) -> i64 {
    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)) {
        Ok(frames) => frames,
        Err(e) => {
            log::warn!("checkpoint failed: {e}");
            0
        }
    }
}

/// A checkpoint that waits (up to [`RESTART_WAIT`]) for readers of older snapshots,
/// `mode` RESTART or TRUNCATE.
fn checkpoint(conn: &Connection, mode: &str) {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    match conn.query_row(&sql, [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))) {
        Ok((0, _)) => {}
        Ok((_, frames)) => log::debug!("{mode} postponed: readers busy ({frames} frames)"),
        Err(e) => log::warn!("{mode} checkpoint failed: {e}"),
    }
}

#[cfg(test)]
mod tests;
