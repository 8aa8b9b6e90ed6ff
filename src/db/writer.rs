//! The one writer: a thread that owns a connection and commits queued writes in
//! batches. Each write succeeds or fails alone, and answers only after the
//! transaction holding it has committed. Batching turns many small commits (each
//! writing its pages to the WAL) into one, and writers queue here instead of sleeping
//! in SQLite's busy handler. Work that can wait (re-indexing for search) runs as an
//! [`Upkeep`] every so often, a short step per batch, rather than in every batch; a
//! thread beside the writer tells the waiting requests their outcome while the next
//! batch runs.
//!
//! A batch first runs its writes one after another with nothing between them. A write
//! that fails before changing anything needs no undoing, and most failures (a field
//! refused, a row not found) are of that kind. Only when one fails after changing
//! something is the batch rolled back and run again with each write in its own
//! savepoint, which undoes it alone. Savepoints for every write would cost each one a
//! copy of every page it touches, for the rare write that needs it: that is why
//! writes are `Fn`, so they can run twice.

use super::changes::{self, Change, ELSEWHERE_EVERY, Elsewhere, Watcher};
use super::checkpoint::{self, Gate, LOG_SIZE_LIMIT, LogLimits};
use crate::store::StoreError;
use job::{Job, job};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use upkeep::{Outcome, Rounds};
pub use upkeep::{Progress, Upkeep, UpkeepWork};

/// Most writes committed together.
const MAX_BATCH: usize = 64;

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
    /// `upkeep` runs now and then (see [`Upkeep`]).
    /// `watcher`, if any, hears what each committed batch changed (see `db::changes`)
    /// before any write of the batch is answered, and when another process wrote.
    pub fn start(
        conn: Connection,
        checkpointer: Option<(Connection, LogLimits)>,
        upkeep: Upkeep,
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
        let (done, answers) = mpsc::channel::<Finished>();
        let gate = Arc::new(Gate::default());
        let held = gate.clone();
        std::thread::Builder::new()
            .name("standin-answers".into())
            .spawn(move || answer(answers))?;
        std::thread::Builder::new()
            .name("standin-writer".into())
            .spawn(move || run(conn, jobs, upkeep, watcher, &held, done))?;
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

/// A batch whose transaction has ended, with how.
type Finished = (Vec<Box<dyn Job>>, Result<(), String>);

/// Tells each write of each finished batch its outcome. Waking the waiting request
/// handlers costs the waker a system call or two per write; done here, the writer
/// is already on its next batch meanwhile.
fn answer(finished: Receiver<Finished>) {
    finished.into_iter().for_each(finish);
}

/// Tells each write of a finished batch its outcome.
fn finish((batch, committed): Finished) {
    for job in batch {
        job.finish(committed.clone());
    }
}

fn run(
    conn: Connection,
    jobs: Receiver<Box<dyn Job>>,
    upkeep: Upkeep,
    watcher: Option<Arc<dyn Watcher>>,
    gate: &Gate,
    done: Sender<Finished>,
) {
    let mut elsewhere = Elsewhere::new(&conn, watcher.as_deref());
    let mut rounds = Rounds::new(upkeep);
    loop {
        // With no write in time, or none to come, an upkeep step runs in a batch of its
        // own; the writer stops once the round under way is done.
        let (mut batch, stopping) = match jobs.recv_timeout(rounds.wait(ELSEWHERE_EVERY)) {
            Ok(job) => (vec![job], false),
            Err(RecvTimeoutError::Timeout) if rounds.due_now().is_some() => (Vec::new(), false),
            Err(RecvTimeoutError::Timeout) => {
                elsewhere.check(&conn);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) if rounds.pending() => (Vec::new(), true),
            Err(RecvTimeoutError::Disconnected) => break,
        };
        while !batch.is_empty() && batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if stopping {
            // The rest of the round runs at once, batch after batch.
            rounds.hurry();
        }
        let step = rounds.due_now();
        gate.enter();
        let committed = commit_batch(&conn, &mut batch, step, &mut elsewhere).map_err(|e| {
            log::error!("write batch of {} failed: {e}", batch.len());
            let _ = conn.execute_batch("ROLLBACK");
            e.to_string()
        });
        gate.leave();
        let changes = committed.map(|(changes, outcome)| {
            rounds.committed(outcome, !batch.is_empty());
            changes
        });
        // What the batch changed is forgotten before anyone hears it committed, so the
        // next request of whoever wrote already sees it.
        if let (Ok(changes), Some(w)) = (&changes, &watcher) {
            w.committed(changes);
        }
        if stopping && changes.is_err() {
            // The round cannot go on now; the next start takes it up.
            break;
        }
        if batch.is_empty() {
            continue;
        }
        // Only if the answering thread died (a panic) are the answers left to us.
        if let Err(mpsc::SendError(finished)) = done.send((batch, changes.map(drop))) {
            finish(finished);
        }
    }
}

fn commit_batch(
    conn: &Connection,
    batch: &mut [Box<dyn Job>],
    step: Option<UpkeepWork>,
    elsewhere: &mut Elsewhere,
) -> Result<(Vec<Change>, Outcome), StoreError> {
    begin(conn, elsewhere)?;
    if !run_together(conn, batch) {
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK")?;
        }
        begin(conn, elsewhere)?;
        run_apart(conn, batch)?;
    }
    let outcome = match step {
        Some(step) => run_step(conn, step)?,
        None => Outcome::NotRun,
    };
    let changes = match elsewhere.watcher {
        Some(_) => changes::drain(conn)?,
        None => Vec::new(),
    };
    conn.execute_batch("COMMIT")?;
    Ok((changes, outcome))
}

/// Runs an upkeep step in a savepoint: should it fail, the writes before it stand.
fn run_step(conn: &Connection, step: UpkeepWork) -> Result<Outcome, StoreError> {
    savepoint(conn, "SAVEPOINT upkeep")?;
    let outcome = match step(conn) {
        Ok(progress) => Outcome::Ran(progress),
        Err(e) => {
            log::error!("upkeep failed: {e}");
            savepoint(conn, "ROLLBACK TO upkeep")?;
            Outcome::Failed
        }
    };
    savepoint(conn, "RELEASE upkeep")?;
    Ok(outcome)
}

/// Runs a savepoint statement; cached, as these run for every write set apart and
/// every upkeep step.
fn savepoint(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
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
    for job in batch.iter_mut() {
        savepoint(conn, "SAVEPOINT job")?;
        if !job.run(conn) {
            savepoint(conn, "ROLLBACK TO job")?;
        }
        savepoint(conn, "RELEASE job")?;
    }
    Ok(())
}

mod job;
#[cfg(test)]
mod tests;
mod upkeep;
