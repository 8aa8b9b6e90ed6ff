use super::job::Answer;
use super::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// A new database file in WAL mode holding `tables`, and a connection to it.
fn database(tables: &str) -> (tempfile::TempDir, std::path::PathBuf, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(&format!("PRAGMA journal_mode = WAL; {tables}"))
        .unwrap();
    (dir, path, c)
}

const NO_UPKEEP: Upkeep = Upkeep {
    steps: &[],
    lag: Duration::from_secs(1),
};

fn writer() -> (tempfile::TempDir, Writer, std::path::PathBuf) {
    let (dir, path, c) = database("CREATE TABLE t (n INTEGER UNIQUE);");
    let checkpointer = Connection::open(&path).unwrap();
    (
        dir,
        Writer::start(
            c,
            Some((checkpointer, LogLimits::default())),
            NO_UPKEEP,
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
    assert_eq!(
        rows(&Connection::open(&path).unwrap()),
        [1],
        "the failed write's first insert was rolled back too"
    );
}

/// `n` inserted by a job that counts its runs in `runs`.
fn insert(n: i64, runs: &Arc<AtomicUsize>) -> (Box<dyn Job>, Answer<usize>) {
    let runs = runs.clone();
    job(move |c| {
        runs.fetch_add(1, Ordering::Relaxed);
        Ok(c.execute("INSERT INTO t VALUES (?1)", [n])?)
    })
}

/// Commits `jobs` as one batch; their outcomes (`Ok` or the error's text) and the
/// rows of `t`.
fn commit_together(jobs: Vec<(Box<dyn Job>, Answer<usize>)>) -> (Vec<String>, Vec<i64>) {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch("CREATE TABLE t (n INTEGER UNIQUE)")
        .unwrap();
    let (mut batch, mut answers): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
    let mut elsewhere = Elsewhere::new(&c, None);
    commit_batch(&c, &mut batch, None, &mut elsewhere).unwrap();
    for job in batch {
        job.finish(Ok(()));
    }
    let outcomes = (answers.iter_mut())
        .map(|a| match a.try_recv().unwrap() {
            Ok(n) => format!("Ok({n})"),
            Err(e) => e.to_string(),
        })
        .collect();
    (outcomes, rows(&c))
}

/// The values in `t`, in order.
fn rows(c: &Connection) -> Vec<i64> {
    (c.prepare("SELECT n FROM t ORDER BY n").unwrap())
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn writes_that_fail_before_changing_anything_leave_the_batch_to_run_once() {
    let runs = Arc::new(AtomicUsize::new(0));
    let refused = job(|c| {
        c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))?;
        Err::<usize, _>(StoreError::NotFound("User"))
    });
    let (outcomes, rows) = commit_together(vec![insert(1, &runs), refused, insert(2, &runs)]);
    assert_eq!(outcomes, ["Ok(1)", "User not found", "Ok(1)"]);
    assert_eq!(rows, [1, 2]);
    assert_eq!(runs.load(Ordering::Relaxed), 2, "each write ran once");
}

#[test]
fn a_write_failing_after_changing_something_is_undone_alone_and_the_others_run_again() {
    let runs = Arc::new(AtomicUsize::new(0));
    let half_done = job(|c| {
        c.execute("INSERT INTO t VALUES (2)", [])?;
        Ok(c.execute("INSERT INTO t VALUES (1)", [])?)
    });
    let (outcomes, rows) = commit_together(vec![insert(1, &runs), half_done, insert(3, &runs)]);
    assert_eq!(outcomes[0], "Ok(1)");
    assert!(outcomes[1].contains("must be unique"), "{outcomes:?}");
    assert_eq!(outcomes[2], "Ok(1)");
    assert_eq!(rows, [1, 3], "the failed write's first insert was undone");
    // The first write ran before the failure and again in the batch run anew; the
    // last one ran only in the second run.
    assert_eq!(runs.load(Ordering::Relaxed), 3);
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
    let (dir, path, c) = database("CREATE TABLE t (b BLOB);");
    let limits = LogLimits {
        checkpoint_every: Duration::from_millis(5),
        restart_after_frames: 16,
        idle_trim_frames: 8,
        trim_after_idle: Duration::from_millis(20),
    };
    let checkpointer = Some((Connection::open(&path).unwrap(), limits));
    let w = Writer::start(c, checkpointer, NO_UPKEEP, None).unwrap();
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

#[actix_web::test]
async fn upkeep_follows_writes_within_its_lag_rather_than_in_every_batch() {
    let (_dir, path, c) =
        database("PRAGMA synchronous = OFF; CREATE TABLE t (n); CREATE TABLE upkeeps (n);");
    let upkeep = Upkeep {
        steps: &[|c| {
            c.execute("INSERT INTO upkeeps VALUES (1)", [])?;
            Ok(Progress::Done)
        }],
        lag: Duration::from_millis(500),
    };
    let w = Writer::start(c, None, upkeep, None).unwrap();
    let upkeeps = || {
        Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM upkeeps", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    // A busy machine may not run the writer for a while: wait up to 5 s.
    let until = async |n: i64| {
        for _ in 0..500 {
            if upkeeps() >= n {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        upkeeps()
    };
    for n in 0..5 {
        w.write(move |c| Ok(c.execute("INSERT INTO t VALUES (?1)", [n])?))
            .await
            .unwrap();
    }
    assert_eq!(
        upkeeps(),
        1,
        "once at the start (for what an earlier run left), not once per batch"
    );
    assert_eq!(
        until(2).await,
        2,
        "once more after its lag, in a batch of its own"
    );
    actix_web::rt::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(upkeeps(), 2, "not again while no write comes");

    w.write(|c| Ok(c.execute("INSERT INTO t VALUES (9)", [])?))
        .await
        .unwrap();
    drop(w);
    assert_eq!(until(3).await, 3, "the writer catches up before it stops");
}

#[actix_web::test]
async fn a_failing_upkeep_is_undone_alone_and_the_writes_stand() {
    let (_dir, path, c) = database("CREATE TABLE t (n); CREATE TABLE upkeeps (n);");
    static TRIED: AtomicUsize = AtomicUsize::new(0);
    let upkeep = Upkeep {
        steps: &[|c| {
            TRIED.fetch_add(1, Ordering::Relaxed);
            c.execute("INSERT INTO upkeeps VALUES (1)", [])?;
            Err(StoreError::Other("the upkeep broke".into()))
        }],
        lag: Duration::from_millis(1),
    };
    let w = Writer::start(c, None, upkeep, None).unwrap();
    for n in 0..3 {
        let written = w
            .write(move |c| Ok(c.execute("INSERT INTO t VALUES (?1)", [n])?))
            .await;
        assert_eq!(written.unwrap(), 1);
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    drop(w);
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    let c = Connection::open(&path).unwrap();
    let count = |table: &str| {
        c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    };
    assert_eq!(count("t"), 3, "every write committed");
    assert!(
        TRIED.load(Ordering::Relaxed) >= 3,
        "the upkeep ran after each write"
    );
    assert_eq!(count("upkeeps"), 0, "each failed upkeep was undone");
}

#[actix_web::test]
async fn an_upkeep_round_runs_each_step_until_it_is_done_without_waiting_for_writes() {
    let (_dir, path, c) = database("CREATE TABLE t (n); CREATE TABLE steps (step TEXT);");
    let upkeep = Upkeep {
        steps: &[
            |c| {
                c.execute("INSERT INTO steps VALUES ('slice')", [])?;
                let done: i64 = c.query_row("SELECT COUNT(*) FROM steps", [], |r| r.get(0))?;
                Ok(Progress::more_if(done < 3))
            },
            |c| {
                c.execute("INSERT INTO steps VALUES ('last')", [])?;
                Ok(Progress::Done)
            },
        ],
        lag: Duration::from_secs(3600),
    };
    let w = Writer::start(c, None, upkeep, None).unwrap();
    let steps = || -> Vec<String> {
        let c = Connection::open(&path).unwrap();
        let mut stmt = c.prepare("SELECT step FROM steps ORDER BY rowid").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for _ in 0..500 {
        if steps().len() >= 4 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(steps(), ["slice", "slice", "slice", "last"]);
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(steps().len(), 4, "the round is over");
    drop(w);
}
