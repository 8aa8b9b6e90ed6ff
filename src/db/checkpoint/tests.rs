use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A new database file in WAL mode, with automatic checkpoints off, after `sql`; and
/// the connection that ran it.
fn database(sql: &str) -> (tempfile::TempDir, std::path::PathBuf, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; {sql}"
    ))
    .unwrap();
    (dir, path, c)
}

#[test]
fn catching_up_copies_the_whole_log_and_syncs_the_database_file() {
    let (dir, path, writer) = database(
        "CREATE TABLE t (x);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
         INSERT INTO t SELECT i FROM n;",
    );
    let checkpointer = Connection::open(&path).unwrap();
    assert_eq!(sync_database_file(&checkpointer), Ok(()));
    catch_up(&checkpointer);
    let (log, copied): (i64, i64) = checkpointer
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert!(log > 0);
    assert_eq!(copied, log);
    // What was copied is in the database file itself.
    drop(writer);
    let copy = dir.path().join("copy");
    std::fs::copy(&path, &copy).unwrap();
    let n: i64 = Connection::open(&copy)
        .unwrap()
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 5000);
}

#[test]
fn a_hold_waits_for_the_batch_under_way_and_keeps_the_next_one_out() {
    let gate = Arc::new(Gate::default());
    let in_batch = Arc::new(AtomicBool::new(false));
    gate.enter();
    in_batch.store(true, Ordering::SeqCst);
    let holder = {
        let (gate, in_batch) = (gate.clone(), in_batch.clone());
        std::thread::spawn(move || {
            gate.hold_writes(|| {
                assert!(!in_batch.load(Ordering::SeqCst), "held during a batch");
                std::thread::sleep(Duration::from_millis(30));
                assert!(!in_batch.load(Ordering::SeqCst), "a batch began while held");
            })
        })
    };
    std::thread::sleep(Duration::from_millis(30));
    in_batch.store(false, Ordering::SeqCst);
    gate.leave();
    // The next batch waits until the hold is over.
    std::thread::sleep(Duration::from_millis(5));
    gate.enter();
    in_batch.store(true, Ordering::SeqCst);
    holder.join().expect("the hold saw no batch");
    gate.leave();
}

#[test]
fn the_log_file_is_truncated_only_once_writes_have_stopped_for_the_idle_time() {
    let (dir, path, writer) = database("CREATE TABLE t (b BLOB);");
    let limits = LogLimits {
        checkpoint_every: Duration::from_millis(5),
        restart_after_frames: i64::MAX,
        // Below one write's frames: a trim before the last write cannot hide it.
        idle_trim_frames: 2,
        trim_after_idle: Duration::from_millis(200),
    };
    let (alive, stopped) = mpsc::channel::<()>();
    let checkpointer = {
        let conn = Connection::open(&path).unwrap();
        std::thread::spawn(move || run(conn, stopped, limits, &Gate::default()))
    };
    let log = dir.path().join("db-wal");
    let log_bytes = || std::fs::metadata(&log).map_or(0, |m| m.len());
    // Writes a few rounds apart: the checkpointer sees them come and go.
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(10));
        writer
            .execute("INSERT INTO t VALUES (zeroblob(16384))", [])
            .unwrap();
    }
    let stopped_writing = std::time::Instant::now();
    assert!(
        log_bytes() > 2 * 4120,
        "the log holds {} bytes",
        log_bytes()
    );
    // The checkpointer notices the last write at its next round, so the file cannot go
    // before the idle time has passed since that write; a busy machine may delay it.
    let mut truncated_after = None;
    for _ in 0..2000 {
        if log_bytes() == 0 {
            truncated_after = Some(stopped_writing.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(alive);
    checkpointer.join().unwrap();
    let after = truncated_after.expect("the idle log was never truncated");
    assert!(
        after >= limits.trim_after_idle,
        "truncated {after:?} after the last write"
    );
}
