//! A database of schema version 1 (tests/fixtures/v1.sql) opens with this binary:
//! it is migrated, every object reads through the API, and its schema ends the same
//! as a fresh database's.

use crate::helpers::{Client, TestApp, parts};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::Path;

const V1: &str = include_str!("../fixtures/v1.sql");
const ADMIN_KEY: &str = "v1-fixture-admin-token-key-0123456789abcdef0123456789abcdef";
const SERVICE_KEY: &str = "v1-fixture-service-token-key-0123456789abcdef0123456789abcdef";

fn load_v1(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(V1).unwrap();
}

async fn get(app: &TestApp, key: &str, path: &str) -> Value {
    let (status, body) = parts(Client::bearer(&app.base, key, Method::GET, path, None).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn names(list: &Value, field: &str) -> Vec<String> {
    (list["results"].as_array().unwrap().iter())
        .map(|o| o[field].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_version_1_database_is_migrated_and_every_object_reads_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    load_v1(&db);
    let app = TestApp::spawn_with(|c| c.database.path = db.clone()).await;
    let version: i64 = app.query("PRAGMA user_version");
    assert_eq!(version, standin::db::SCHEMA_VERSION);

    let users = get(&app, ADMIN_KEY, "/api/v3/core/users/?ordering=username").await;
    assert_eq!(
        names(&users, "username"),
        ["admin", "alice", "bob", "carol", "svc-backup"]
    );
    let found = get(&app, ADMIN_KEY, "/api/v3/core/users/?search=iddel").await;
    assert_eq!(names(&found, "username"), ["alice"]);
    let alice = get(&app, ADMIN_KEY, "/api/v3/core/users/2/").await;
    assert_eq!(alice["attributes"]["desk"], 12);
    assert_eq!(
        names(&serde_json::json!({"results": alice["groups_obj"]}), "name"),
        ["staff"]
    );

    let groups = get(&app, ADMIN_KEY, "/api/v3/core/groups/?ordering=name").await;
    assert_eq!(names(&groups, "name"), ["admins", "oncall", "ops", "staff"]);
    let ops = get(
        &app,
        ADMIN_KEY,
        "/api/v3/core/groups/7d1f2c3b-0000-4000-8000-000000000003/",
    )
    .await;
    assert_eq!(ops["parent"], "7d1f2c3b-0000-4000-8000-000000000002");

    let roles = get(&app, ADMIN_KEY, "/api/v3/rbac/roles/?ordering=name").await;
    assert_eq!(names(&roles, "name"), ["auditors", "operators"]);

    let tokens = get(&app, ADMIN_KEY, "/api/v3/core/tokens/?ordering=identifier").await;
    assert_eq!(
        names(&tokens, "identifier"),
        ["admin-automation", "svc-backup-nightly"]
    );
    let me = get(&app, SERVICE_KEY, "/api/v3/core/users/me/").await;
    assert_eq!(me["user"]["username"], "svc-backup");

    let events = get(&app, ADMIN_KEY, "/api/v3/events/events/?ordering=created").await;
    let actions: Vec<String> = names(&events, "action");
    assert!(
        !actions.contains(&"token_created".to_owned()),
        "{actions:?}"
    );
    assert_eq!(actions.len(), 5, "{actions:?}");

    let impersonations = get(&app, ADMIN_KEY, "/api/v3/core/impersonations/").await;
    assert_eq!(
        impersonations["results"].as_array().unwrap().len(),
        2,
        "{impersonations}"
    );
}

/// `sqlite_master` as (type, name, sql with whitespace collapsed), sorted.
fn schema(path: &Path) -> Vec<(String, String, String)> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut s = c
        .prepare("SELECT type, name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")
        .unwrap();
    s.query_map([], |r| {
        let sql: String = r.get(2)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            sql.split_whitespace().collect::<Vec<_>>().join(" "),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn a_migrated_version_1_database_ends_with_the_schema_of_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    let old = dir.path().join("old.db");
    load_v1(&old);
    for path in [&fresh, &old] {
        standin::db::Db::open(path, 1).unwrap();
    }
    let (fresh, old) = (schema(&fresh), schema(&old));
    let only_fresh: Vec<_> = fresh.iter().filter(|o| !old.contains(o)).collect();
    let only_old: Vec<_> = old.iter().filter(|o| !fresh.contains(o)).collect();
    assert!(
        only_fresh.is_empty() && only_old.is_empty(),
        "fresh only: {only_fresh:#?}\nmigrated only: {only_old:#?}"
    );
}
