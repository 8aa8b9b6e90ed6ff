//! The one writer: a thread that owns a connection and commits queued writes in
//! batches. Each write succeeds or fails alone, and answers only after the
//! transaction holding it has committed. Batching turns many small commits (each
//! flushing the search index and the WAL) into one, and writers queue here instead of
//! sleeping in SQLite's busy handler.
//!
//! A batch first runs its writes one after another with nothing between them. A write
//! that fails before changing anything needs no undoing, and most failures (a field
//! refused, a row not found) are of that kind. Only when one fails after changing
//! something is the batch rolled back and run again with each write in its own
//! savepoint, which undoes it alone. Savepoints for every write would cost each one a
//! copy of every page it touches, for the rare write that needs it: that is why
//! writes are `Fn`, so they can run twice.

use super::changes::{self, Change, ELSEWHERE_EVERY, Watcher};
use super::checkpoint::{self, Gate, LOG_SIZE_LIMIT, LogLimits};
use crate::store::StoreError;
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};

/// Most writes committed together.
const MAX_BATCH: usize = 64;

/// A queued write: run it, then hear whether its transaction committed.
trait Job: Send {
    /// Runs the write, again when its batch starts over (the last run's outcome is
    /// the one delivered); `true` when it succeeded and its changes should stay.
    fn run(&mut self, c: &Connection) -> bool;
    /// Delivers the outcome once the batch's transaction has committed (or failed).
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

struct Write<T, F> {
    f: F,
    out: Option<Result<T, StoreError>>,
    reply: tokio::sync::oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Write<T, F>
where
    T: Send,
    F: Fn(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, c: &Connection) -> bool {
        let out = catch_unwind(AssertUnwindSafe(|| (self.f)(c)))
            .unwrap_or_else(|_| Err(StoreError::Other("a write panicked".into())));
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let result = match (self.out, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(e)) | (None, Err(e)) => {
                Err(StoreError::Other(format!("commit failed: {e}")))
            }
            (None, Ok(())) => Err(StoreError::Other("write was not run".into())),
        };
        // The caller may have gone away (client disconnected); the write stands.
        let _ = self.reply.send(result);
    }
}

type Answer<T> = tokio::sync::oneshot::Receiver<Result<T, StoreError>>;

/// `f` as a job, and where its outcome will be told.
fn job<T, F>(f: F) -> (Box<dyn Job>, Answer<T>)
where
    F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    let write = Write {
        f,
        out: None,
        reply,
    };
    (Box::new(write), answer)
}

/// Handle to the writer thread; cloning shares the queue. When the last handle is
/// dropped, the writer and the checkpointer stop.
#[derive(Clone)]
pub struct Writer {
    queue: Sender<Box<dyn Job>>,
    _alive: Sender<()>,
}

impl Writer {
    /// Starts the writer thread on `conn`, and, given `checkpointer` (a connection and
    /// its limits), a checkpointer beside it. The writer never checkpoints itself:
    /// copying the log back into the database happens on the other connection, so
    /// commits stay short (see `db::checkpoint`); without a checkpointer, someone
    /// else (a replicator) does it.
    /// `before_commit` runs once per batch, after its writes and outside their savepoints.
    /// `watcher`, if any, hears what each committed batch changed (see `db::changes`)
    /// before any write of the batch is answered, and when another process wrote.
    pub fn start(
        conn: Connection,
        checkpointer: Option<(Connection, LogLimits)>,
        before_commit: BeforeCommit,
        watcher: Option<Arc<dyn Watcher>>,
    ) -> std::io::Result<Writer> {
        conn.execute_batch(&format!(
            "PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -16384;
             PRAGMA journal_size_limit = {LOG_SIZE_LIMIT};"
        ))
        .map_err(std::io::Error::other)?;
        if watcher.is_some() {
            changes::install(&conn).map_err(std::io::Error::other)?;
        }
        let (queue, jobs) = mpsc::channel::<Box<dyn Job>>();
        let (alive, stopped) = mpsc::channel::<()>();
        let gate = Arc::new(Gate::default());
        let held = gate.clone();
        std::thread::Builder::new()
            .name("standin-writer".into())
            .spawn(move || run(conn, jobs, before_commit, watcher, &held))?;
        if let Some((checkpoint_conn, limits)) = checkpointer {
            std::thread::Builder::new()
                .name("standin-checkpoint".into())
                .spawn(move || checkpoint::run(checkpoint_conn, stopped, limits, &gate))?;
        }
        Ok(Writer {
            queue,
            _alive: alive,
        })
    }

    /// Queues `f` and waits for it to be committed. `f` may run more than once (see
    /// the module's documentation): only its last run's changes and outcome count, so
    /// it must have no effect outside the connection.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: Fn(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (job, answer) = job(f);
        self.queue
            .send(job)
            .map_err(|_| StoreError::Other("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Other("the writer dropped a write".into()))?
    }
}

/// Work done once per batch before it commits.
pub type BeforeCommit = fn(&Connection) -> Result<(), StoreError>;

fn run(
    conn: Connection,
    jobs: Receiver<Box<dyn Job>>,
    before_commit: BeforeCommit,
    watcher: Option<Arc<dyn Watcher>>,
    gate: &Gate,
) {
    let mut elsewhere = Elsewhere::new(&conn, watcher.as_deref());
    loop {
        let first = match jobs.recv_timeout(ELSEWHERE_EVERY) {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                elsewhere.check(&conn);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        gate.enter();
        let committed =
            commit_batch(&conn, &mut batch, before_commit, &mut elsewhere).map_err(|e| {
                log::error!("write batch of {} failed: {e}", batch.len());
                let _ = conn.execute_batch("ROLLBACK");
                e.to_string()
            });
        gate.leave();
        // What the batch changed is forgotten before anyone hears it committed, so the
        // next request of whoever wrote already sees it.
        if let (Ok(changes), Some(w)) = (&committed, &watcher) {
            w.committed(changes);
        }
        let committed = committed.map(drop);
        for job in batch {
            job.finish(committed.clone());
        }
    }
}

/// Notices commits of other connections through `data_version`.
struct Elsewhere<'a> {
    watcher: Option<&'a dyn Watcher>,
    seen: Option<i64>,
}

impl<'a> Elsewhere<'a> {
    fn new(conn: &Connection, watcher: Option<&'a dyn Watcher>) -> Self {
        let mut this = Elsewhere {
            watcher,
            seen: None,
        };
        this.check(conn);
        this
    }

    fn check(&mut self, conn: &Connection) {
        let Some(watcher) = self.watcher else { return };
        match changes::data_version(conn) {
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

fn commit_batch(
    conn: &Connection,
    batch: &mut [Box<dyn Job>],
    before_commit: BeforeCommit,
    elsewhere: &mut Elsewhere,
) -> Result<Vec<Change>, StoreError> {
    begin(conn, elsewhere)?;
    if !run_together(conn, batch) {
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK")?;
        }
        begin(conn, elsewhere)?;
        run_apart(conn, batch)?;
    }
    before_commit(conn)?;
    let changes = match elsewhere.watcher {
        Some(_) => changes::drain(conn)?,
        None => Vec::new(),
    };
    conn.execute_batch("COMMIT")?;
    Ok(changes)
}

fn begin(conn: &Connection, elsewhere: &mut Elsewhere) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    // Holding the write lock: every commit of another connection is in by now.
    elsewhere.check(conn);
    Ok(())
}

/// Runs the writes one after another; `false` as soon as one fails after changing
/// something (or after SQLite gave up the whole transaction): its changes cannot be
/// taken back alone.
fn run_together(conn: &Connection, batch: &mut [Box<dyn Job>]) -> bool {
    batch.iter_mut().all(|job| {
        let before = conn.total_changes();
        job.run(conn) || (conn.total_changes() == before && !conn.is_autocommit())
    })
}

/// Runs each write in its own savepoint, rolled back when the write fails.
fn run_apart(conn: &Connection, batch: &mut [Box<dyn Job>]) -> Result<(), StoreError> {
    // Cached: these run twice per write.
    let step = |sql: &str| conn.prepare_cached(sql)?.execute([]).map(drop);
    for job in batch.iter_mut() {
        step("SAVEPOINT job")?;
        if !job.run(conn) {
            step("ROLLBACK TO job")?;
        }
        step("RELEASE job")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
