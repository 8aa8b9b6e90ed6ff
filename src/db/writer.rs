//! The one writer: a thread that owns a connection and commits queued writes in
//! batches. Each write runs inside its own savepoint, so it succeeds or fails alone,
//! and answers only after the transaction holding it has committed. Batching turns
//! many small commits (each flushing the search index and the WAL) into one, and
//! writers queue here instead of sleeping in SQLite's busy handler.

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
    /// Runs the write; `true` when it succeeded and its changes should stay.
    fn run(&mut self, c: &Connection) -> bool;
    /// Delivers the outcome once the batch's transaction has committed (or failed).
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

struct Write<T, F> {
    f: Option<F>,
    out: Option<Result<T, StoreError>>,
    reply: tokio::sync::oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Write<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, c: &Connection) -> bool {
        let Some(f) = self.f.take() else { return false };
        let out = catch_unwind(AssertUnwindSafe(|| f(c)))
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

    /// Queues `f` and waits for it to be committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Write {
            f: Some(f),
            out: None,
            reply,
        };
        self.queue
            .send(Box::new(job))
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
    conn.execute_batch("BEGIN IMMEDIATE")?;
    // Holding the write lock: every commit of another connection is in by now.
    elsewhere.check(conn);
    // Cached: these run twice per write.
    let step = |sql: &str| conn.prepare_cached(sql)?.execute([]).map(drop);
    for job in batch.iter_mut() {
        step("SAVEPOINT job")?;
        if !job.run(conn) {
            step("ROLLBACK TO job")?;
        }
        step("RELEASE job")?;
    }
    before_commit(conn)?;
    let changes = match elsewhere.watcher {
        Some(_) => changes::drain(conn)?,
        None => Vec::new(),
    };
    conn.execute_batch("COMMIT")?;
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    fn writer() -> (tempfile::TempDir, Writer, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (n INTEGER UNIQUE);")
            .unwrap();
        let checkpointer = Connection::open(&path).unwrap();
        (
            dir,
            Writer::start(
                c,
                Some((checkpointer, LogLimits::default())),
                |_| Ok(()),
                None,
            )
            .unwrap(),
            path,
        )
    }

    #[actix_web::test]
    async fn a_failed_write_rolls_back_alone() {
        let (_dir, w, path) = writer();
        let ok = w.write(|c| Ok(c.execute("INSERT INTO t VALUES (1)", [])?));
        let dup = w.write(|c| {
            c.execute("INSERT INTO t VALUES (2)", [])?;
            c.execute("INSERT INTO t VALUES (1)", [])?;
            Ok(())
        });
        let (ok, dup) = futures_util::future::join(ok, dup).await;
        assert_eq!(ok.unwrap(), 1);
        assert!(matches!(dup, Err(StoreError::Invalid(_))), "{dup:?}");
        let c = Connection::open(&path).unwrap();
        let rows: Vec<i64> = c
            .prepare("SELECT n FROM t ORDER BY n")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            rows,
            [1],
            "the failed write's first insert was rolled back too"
        );
    }

    #[actix_web::test]
    async fn many_concurrent_writes_all_commit() {
        let (_dir, w, path) = writer();
        let writes = (0..200).map(|i| {
            let w = w.clone();
            async move {
                w.write(move |c| Ok(c.execute("INSERT INTO t VALUES (?1)", [i])?))
                    .await
            }
        });
        for r in futures_util::future::join_all(writes).await {
            assert_eq!(r.unwrap(), 1);
        }
        let c = Connection::open(&path).unwrap();
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 200);
    }

    #[actix_web::test]
    async fn a_steady_stream_of_writes_keeps_the_log_small_and_idle_gives_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (b BLOB);")
            .unwrap();
        let limits = LogLimits {
            checkpoint_every: Duration::from_millis(5),
            restart_after_frames: 16,
            idle_trim_frames: 8,
        };
        let checkpointer = Some((Connection::open(&path).unwrap(), limits));
        let w = Writer::start(c, checkpointer, |_| Ok(()), None).unwrap();
        // A reader always busy, as under load: SQLite alone would never restart the log.
        let reading = Arc::new(AtomicBool::new(true));
        let reader = {
            let (reading, path) = (reading.clone(), path.clone());
            std::thread::spawn(move || {
                let r = Connection::open(path).unwrap();
                while reading.load(Ordering::Relaxed) {
                    r.query_row("SELECT COUNT(*) FROM t", [], |row| row.get::<_, i64>(0))
                        .unwrap();
                }
            })
        };
        // 300 commits of 4+ pages each: about 5 MB through the log.
        for _ in 0..300 {
            w.write(|c| Ok(c.execute("INSERT INTO t VALUES (zeroblob(16384))", [])?))
                .await
                .unwrap();
        }
        reading.store(false, Ordering::Relaxed);
        reader.join().unwrap();
        let log_size = || {
            std::fs::metadata(dir.path().join("w.db-wal"))
                .unwrap()
                .len()
        };
        // Without restarts the log would hold all ~5 MB; with them it stays a fraction
        // of that (under 1 MB on a quiet machine; a starved checkpointer gets slack).
        let log = log_size();
        assert!(log < 5 * 1024 * 1024 / 2, "the log grew to {log} bytes");
        // Once writes stop, the file is given back: within a few checkpoint rounds, but
        // a busy machine may not run the checkpointer for a while, so wait up to 10 s.
        for _ in 0..1000 {
            if log_size() == 0 {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the idle log still holds {} bytes", log_size());
    }

    #[actix_web::test]
    async fn a_panicking_write_fails_without_stopping_the_writer() {
        let (_dir, w, _path) = writer();
        let r: Result<(), _> = w.write(|_| panic!("boom")).await;
        assert!(r.is_err());
        assert_eq!(
            w.write(|c| Ok(c.execute("INSERT INTO t VALUES (5)", [])?))
                .await
                .unwrap(),
            1
        );
    }
}
