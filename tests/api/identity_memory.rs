//! The identity of a request comes from memory once its people have made a request:
//! every change made through the server counts from the very next request, a change
//! made by another process (the command line) within a second, and requests racing
//! with writes never bring back what a write replaced.

use crate::command::standin_with;
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ME: &str = "/api/v3/core/users/me/";

async fn me(c: &Client) -> Value {
    let (status, body) = parts(c.get(ME).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["user"].clone()
}

async fn role(admin: &Client, name: &str, perms: &[&str]) -> String {
    let role = created(
        admin,
        "/api/v3/rbac/roles/",
        json!({"name": name, "permissions": perms}),
    )
    .await;
    role["pk"].as_str().unwrap().to_owned()
}

async fn give_role(admin: &Client, role: &str, pk: i64) {
    let res = admin
        .post(
            &format!("/api/v3/rbac/roles/{role}/add_user/"),
            json!({"pk": pk}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

fn names(list: &Value) -> Vec<&str> {
    let list = list.as_array().unwrap();
    list.iter().map(|v| v["name"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn every_change_made_through_the_server_counts_from_the_very_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana_pk = app.create_user("ana", "pw-ana-123456");
    let ana = app.login("ana", "pw-ana-123456").await;
    let user_at = format!("/api/v3/core/users/{ana_pk}/");
    // Twice: the second answer comes from memory.
    me(&ana).await;
    assert_eq!(me(&ana).await["name"], "");

    let res = admin.patch(&user_at, json!({"name": "Ana Lima"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(me(&ana).await["name"], "Ana Lima");

    let viewer = role(&admin, "viewer", &["core.view_user"]).await;
    give_role(&admin, &viewer, ana_pk).await;
    let now = me(&ana).await;
    assert_eq!(now["system_permissions"], json!(["core.view_user"]));
    assert_eq!(names(&now["roles"]), ["viewer"]);
    let (status, _) = parts(ana.get("/api/v3/core/users/").await).await;
    assert_eq!(status, StatusCode::OK, "the permission is honoured at once");

    let res = admin
        .patch(
            &format!("/api/v3/rbac/roles/{viewer}/"),
            json!({"permissions": ["core.view_user", "core.view_group"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        me(&ana).await["system_permissions"],
        json!(["core.view_group", "core.view_user"])
    );

    let staff = created(&admin, "/api/v3/core/groups/", json!({"name": "staff"})).await;
    let staff = staff["pk"].as_str().unwrap();
    let res = admin
        .post(
            &format!("/api/v3/core/groups/{staff}/add_user/"),
            json!({"pk": ana_pk}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(names(&me(&ana).await["groups"]), ["staff"]);
    let res = admin
        .patch(
            &format!("/api/v3/core/groups/{staff}/"),
            json!({"name": "crew"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(names(&me(&ana).await["groups"]), ["crew"]);

    let res = admin.delete(&format!("/api/v3/rbac/roles/{viewer}/")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, body) = parts(ana.get("/api/v3/core/users/").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(me(&ana).await["system_permissions"], json!([]));

    let res = admin.patch(&user_at, json!({"is_active": false})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_unauthenticated(ana.get(ME).await).await;
}

#[actix_web::test]
async fn a_token_is_refused_on_its_very_next_use_after_it_or_its_owner_changes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let use_key = |key: String| {
        let base = app.base.clone();
        async move { Client::bearer(&base, &key, Method::GET, ME, None).await }
    };
    let kept = app.create_token(ana);
    let deleted = app.create_token(ana);
    for key in [&kept, &deleted] {
        for _ in 0..2 {
            assert_eq!(use_key(key.clone()).await.status(), StatusCode::OK);
        }
    }
    let doomed: String = app.query(&format!(
        "SELECT identifier FROM tokens WHERE key_hash = '{}'",
        standin::store::tokens::hash_key(&deleted)
    ));
    let res = admin
        .delete(&format!("/api/v3/core/tokens/{doomed}/"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, body) = parts(use_key(deleted).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "Token invalid/expired"}));
    assert_eq!(use_key(kept.clone()).await.status(), StatusCode::OK);

    let res = admin
        .patch(
            &format!("/api/v3/core/users/{ana}/"),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body) = parts(use_key(kept).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "Token invalid/expired"}));
}

#[actix_web::test]
async fn a_password_set_on_the_command_line_ends_the_sessions_within_a_second() {
    let app = TestApp::spawn().await;
    app.create_user("ana", "pw-ana-123456");
    let ana = app.login("ana", "pw-ana-123456").await;
    me(&ana).await;
    me(&ana).await;
    let out = standin_with(
        &app.config.database.path,
        &["set-password", "ana"],
        &[("STANDIN_PASSWORD", "a-new-password-1")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changed = Instant::now();
    loop {
        let res = ana.get(ME).await;
        if res.status() == StatusCode::FORBIDDEN {
            assert_unauthenticated(res).await;
            break;
        }
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            changed.elapsed() < NOTICED_WITHIN,
            "the session still works {:?} after the password changed",
            changed.elapsed()
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let again = app.login("ana", "a-new-password-1").await;
    assert_eq!(me(&again).await["username"], "ana");
}

#[actix_web::test]
async fn requests_racing_with_writes_never_bring_back_what_a_write_replaced() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana_pk = app.create_user("ana", "pw-ana-123456");
    let ana = app.login("ana", "pw-ana-123456").await;
    let key = app.create_token(ana_pk);
    let others: Vec<i64> = (0..4)
        .map(|i| app.create_user(&format!("other{i}"), "pw-other-123456"))
        .collect();
    let viewer = role(&admin, "viewer", &["core.view_user"]).await;
    give_role(&admin, &viewer, ana_pk).await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let running = |stop: &std::sync::Arc<std::sync::atomic::AtomicBool>| {
        !stop.load(std::sync::atomic::Ordering::Relaxed)
    };
    // Readers keep filling memory with ana, by cookie and by token, as fast as they can.
    let mut readers = Vec::new();
    for n in 0..4 {
        let (stop, c, base, key) = (stop.clone(), ana.clone(), app.base.clone(), key.clone());
        readers.push(actix_web::rt::spawn(async move {
            let mut served = 0;
            while running(&stop) {
                let res = if n % 2 == 0 {
                    c.get(ME).await
                } else {
                    Client::bearer(&base, &key, Method::GET, ME, None).await
                };
                assert_eq!(res.status(), StatusCode::OK);
                served += 1;
            }
            served
        }));
    }
    // Other writes keep the writer committing batches around ana's.
    let noise = {
        let (stop, admin) = (stop.clone(), admin.clone());
        actix_web::rt::spawn(async move {
            let mut i = 0;
            while running(&stop) {
                let pk = others[i % others.len()];
                let res = admin
                    .patch(
                        &format!("/api/v3/core/users/{pk}/"),
                        json!({"name": format!("noise {i}")}),
                    )
                    .await;
                assert_eq!(res.status(), StatusCode::OK);
                i += 1;
            }
        })
    };
    for i in 0..40 {
        let name = format!("Ana {i}");
        let res = admin
            .patch(
                &format!("/api/v3/core/users/{ana_pk}/"),
                json!({"name": name}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let perms = if i % 2 == 0 {
            json!(["core.view_group", "core.view_user"])
        } else {
            json!(["core.view_user"])
        };
        let res = admin
            .patch(
                &format!("/api/v3/rbac/roles/{viewer}/"),
                json!({"permissions": perms}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let by_cookie = me(&ana).await;
        assert_eq!(by_cookie["name"], name.as_str(), "round {i}");
        assert_eq!(by_cookie["system_permissions"], perms, "round {i}");
        let res = Client::bearer(&app.base, &key, Method::GET, ME, None).await;
        let (_, by_token) = parts(res).await;
        assert_eq!(by_token["user"]["name"], name.as_str(), "round {i}");
        assert_eq!(by_token["user"]["system_permissions"], perms, "round {i}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    noise.await.unwrap();
    for r in readers {
        assert!(r.await.unwrap() > 0, "every reader was served");
    }
}
