//! `standin backup` under a write load gives a copy that restores, and `standin
//! restore` puts one in place safely.

use crate::command::{fails, standin, succeeds};
use crate::helpers::{ADMIN_PASSWORD, Client, TestApp, created, parts};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Every object a test created and saw acknowledged.
#[derive(Default, Clone)]
struct Acknowledged {
    users: Vec<i64>,
    groups: Vec<String>,
    roles: Vec<String>,
    token_keys: Vec<String>,
}

async fn create_some(admin: &Client, n: usize, tag: &str) -> Acknowledged {
    let mut a = Acknowledged::default();
    for i in 0..n {
        let user = created(
            admin,
            "/api/v3/core/users/",
            json!({"username": format!("{tag}-user-{i}"), "name": "Backed Up"}),
        )
        .await;
        a.users.push(user["pk"].as_i64().unwrap());
        let group = created(
            admin,
            "/api/v3/core/groups/",
            json!({"name": format!("{tag}-group-{i}"), "users": [user["pk"]]}),
        )
        .await;
        a.groups.push(group["pk"].as_str().unwrap().to_owned());
        let role = created(
            admin,
            "/api/v3/rbac/roles/",
            json!({"name": format!("{tag}-role-{i}")}),
        )
        .await;
        a.roles.push(role["pk"].as_str().unwrap().to_owned());
        let token = created(
            admin,
            "/api/v3/core/tokens/",
            json!({"identifier": format!("{tag}-token-{i}"), "expiring": false}),
        )
        .await;
        a.token_keys.push(token["key"].as_str().unwrap().to_owned());
    }
    a
}

/// Asserts the server at `app` serves every object of `a`, and the event of each
/// user's creation.
async fn assert_serves(app: &TestApp, a: &Acknowledged) {
    let admin = app.admin().await;
    let ok = |path: String| {
        let admin = admin.clone();
        async move {
            let (status, body) = parts(admin.get(&path).await).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            body
        }
    };
    for pk in &a.users {
        ok(format!("/api/v3/core/users/{pk}/")).await;
        let events = ok(format!(
            "/api/v3/events/events/?action=model_created&context_model_name=user&context_model_pk={pk}"
        ))
        .await;
        assert_eq!(events["results"].as_array().unwrap().len(), 1, "{events}");
    }
    for pk in &a.groups {
        ok(format!("/api/v3/core/groups/{pk}/")).await;
    }
    for pk in &a.roles {
        ok(format!("/api/v3/rbac/roles/{pk}/")).await;
    }
    for key in &a.token_keys {
        let res = Client::bearer(&app.base, key, Method::GET, "/api/v3/core/users/me/", None);
        assert_eq!(res.await.status(), StatusCode::OK);
    }
}

fn integrity(path: &Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[actix_web::test]
async fn a_backup_taken_during_a_write_load_restores_everything_acknowledged_before_it_began() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut before = create_some(&admin, 5, "early").await;
    // A write load runs while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let load_acked = Arc::new(Mutex::new(Vec::new()));
    let load = actix_web::rt::spawn({
        let (admin, stop, acked) = (admin.clone(), stop.clone(), load_acked.clone());
        async move {
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    return i;
                }
                let body = json!({"username": format!("load-{i}"), "name": "Load"});
                let user = created(&admin, "/api/v3/core/users/", body).await;
                acked.lock().unwrap().push(user["pk"].as_i64().unwrap());
            }
            unreachable!()
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while load_acked.lock().unwrap().len() < 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the write load stalled"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    before
        .users
        .extend(load_acked.lock().unwrap().iter().copied());
    let (db, copy) = (
        app.config.database.path.clone(),
        app.dir.path().join("copy.db"),
    );
    let out = actix_web::rt::task::spawn_blocking(move || {
        standin(&db, &["backup", copy.to_str().unwrap()])
    })
    .await
    .unwrap();
    succeeds(out);
    stop.store(true, Ordering::Relaxed);
    let during = load.await.unwrap();
    assert!(during > 20, "the load ran on during the backup");
    let copy = app.dir.path().join("copy.db");
    assert_eq!(integrity(&copy), "ok");
    let restored = TestApp::spawn_with(|c| c.database.path = copy).await;
    assert_serves(&restored, &before).await;
}

#[actix_web::test]
async fn restore_refuses_while_a_server_holds_the_database() {
    let app = TestApp::spawn().await;
    let db = &app.config.database.path;
    let copy = app.dir.path().join("copy.db");
    succeeds(standin(db, &["backup", copy.to_str().unwrap()]));
    let err = fails(standin(db, &["restore", copy.to_str().unwrap()]));
    assert!(err.contains("in use by a running standin"), "{err}");
    assert!(!app.dir.path().join("standin.db.before-restore").exists());
    let admin = app.admin().await;
    let res = admin.get("/api/v3/core/users/me/").await;
    assert_eq!(res.status(), StatusCode::OK, "the server serves on");
}

#[actix_web::test]
async fn restore_checks_the_backup_before_it_replaces_anything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("standin.db");
    let good = dir.path().join("good.db");
    succeeds(standin(&db, &["backup", good.to_str().unwrap()]));
    let restore = |backup: &Path| fails(standin(&db, &["restore", backup.to_str().unwrap()]));

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 8192]).unwrap();
    assert!(restore(&junk).contains("not a readable SQLite database"));

    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.pragma_update(None, "user_version", standin::db::SCHEMA_VERSION + 1)
        .unwrap();
    drop(c);
    let err = restore(&newer);
    assert!(
        err.contains("schema version") && err.contains("newer"),
        "{err}"
    );

    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    let page = 4096;
    assert!(bytes.len() > 8 * page);
    for b in &mut bytes[page..] {
        *b = 0x55;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let err = restore(&damaged);
    assert!(
        err.contains("integrity check") || err.contains("not a readable"),
        "{err}"
    );

    assert!(restore(&dir.path().join("missing.db")).contains("no such file"));
    assert!(!dir.path().join("standin.db.before-restore").exists());
}

/// Starts `standin serve` over `db`, creates user `after` through the API and kills
/// the server with SIGKILL, so its log is left behind as after a crash.
async fn serve_write_and_crash(db: &Path, after: &str) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_standin"))
        .arg("--database")
        .arg(db)
        .args(["--listen", "127.0.0.1:0", "serve"])
        .env_remove("RUST_LOG")
        .env("STANDIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let port = stderr.lines().map_while(Result::ok).find_map(|l| {
        l.split("(port ")
            .nth(1)?
            .trim_end_matches(')')
            .parse::<u16>()
            .ok()
    });
    let Some(port) = port else {
        let _ = child.kill();
        panic!("the server did not start");
    };
    let admin = Client::new(&format!("http://127.0.0.1:{port}"));
    let res = admin
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    created(
        &admin,
        "/api/v3/core/users/",
        json!({"username": after, "name": "Crash"}),
    )
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
}

#[actix_web::test]
async fn restore_puts_the_backup_in_place_and_keeps_the_old_database_with_its_log() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("standin.db");
    serve_write_and_crash(&db, "in-the-backup").await;
    let backup = dir.path().join("nightly.db");
    succeeds(standin(&db, &["backup", backup.to_str().unwrap()]));
    serve_write_and_crash(&db, "after-the-backup").await;
    assert!(
        dir.path().join("standin.db-wal").exists(),
        "a crash leaves the log"
    );

    let out = succeeds(standin(&db, &["restore", backup.to_str().unwrap()]));
    assert!(out.contains("standin.db.before-restore"), "{out}");
    let mode = std::fs::metadata(&db).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    for left in ["standin.db-wal", "standin.db-shm"] {
        assert!(
            !dir.path().join(left).exists(),
            "{left} of the old database"
        );
    }
    // The old database, log included, is whole under its new name.
    let kept = dir.path().join("standin.db.before-restore");
    assert_eq!(integrity(&kept), "ok");
    let c = rusqlite::Connection::open(&kept).unwrap();
    let n: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM users WHERE username = 'after-the-backup'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(c);
    // A second restore would lose the first one's copy: refused until it is moved.
    let err = fails(standin(&db, &["restore", backup.to_str().unwrap()]));
    assert!(err.contains("earlier restore"), "{err}");

    let app = TestApp::spawn_with(|c| c.database.path = db.clone()).await;
    let admin = app.admin().await;
    let (status, list) = parts(admin.get("/api/v3/core/users/?ordering=username").await).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = (list["results"].as_array().unwrap().iter())
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "in-the-backup"]);
}
