use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[actix_web::test]
async fn unsafe_requests_without_the_csrf_header_are_refused() {
    let app = TestApp::spawn().await;
    let mut c = app.admin().await;
    c.csrf = false;
    let (status, body) = parts(c.post("/api/v3/auth/logout/", json!({})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "CSRF Failed: CSRF token missing."}));
}

#[actix_web::test]
async fn unsafe_requests_with_a_wrong_csrf_header_are_refused() {
    let app = TestApp::spawn().await;
    let mut c = app.admin().await;
    c.csrf = false;
    let res = c
        .request(reqwest::Method::POST, "/api/v3/auth/logout/")
        .header("X-Standin-CSRF", "0".repeat(64))
        .send()
        .await
        .unwrap();
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "CSRF Failed: CSRF token incorrect."})
    );
    // Still logged in: the refused request changed nothing.
    assert_eq!(
        c.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn unsafe_requests_with_the_right_csrf_header_pass() {
    let app = TestApp::spawn().await;
    let c = app.admin().await;
    let res = c.post("/api/v3/auth/logout/", json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn safe_requests_need_no_csrf_header() {
    let app = TestApp::spawn().await;
    let mut c = app.admin().await;
    c.csrf = false;
    assert_eq!(
        c.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_tampered_cookie_is_unauthenticated_not_an_error() {
    let app = TestApp::spawn().await;
    let c = app.admin().await;
    let cookie = c.cookie("standin_session").unwrap();
    // Change the user id inside the signed payload: 1 → 2.
    let edited = cookie.replace("%22user_id%22%3A%221%22", "%22user_id%22%3A%222%22");
    assert_ne!(
        edited, cookie,
        "the payload has the expected form: {cookie}"
    );
    app.create_user("victim", "pw-victim-123");
    c.set_cookie("standin_session", &edited);
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
    // Flipping one character of the signature is refused the same way.
    let mut bytes = cookie.into_bytes();
    bytes[3] = if bytes[3] == b'A' { b'B' } else { b'A' };
    c.set_cookie("standin_session", &String::from_utf8(bytes).unwrap());
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
    // Garbage is refused too.
    c.set_cookie("standin_session", "%%%not-a-cookie");
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
}

#[actix_web::test]
async fn a_cookie_signed_with_another_key_is_refused() {
    let ours = TestApp::spawn().await;
    let theirs = TestApp::spawn().await;
    let foreign = theirs.admin().await.cookie("standin_session").unwrap();
    let c = ours.client();
    c.set_cookie("standin_session", &foreign);
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
}

#[actix_web::test]
async fn a_cookie_with_a_stale_epoch_is_refused_and_cleared() {
    let app = TestApp::spawn().await;
    let c = app.admin().await;
    app.sql("UPDATE users SET auth_epoch = auth_epoch + 1 WHERE username = 'admin'");
    let res = c.get("/api/v3/core/users/me/").await;
    assert!(
        set_cookie(&res, "standin_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_unauthenticated(res).await;
}

#[actix_web::test]
async fn a_deactivated_user_is_logged_out_at_once() {
    let app = TestApp::spawn().await;
    app.create_user("ana", "pw-ana-12345");
    let c = app.login("ana", "pw-ana-12345").await;
    assert_eq!(
        c.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
    app.sql_noticed("UPDATE users SET is_active = 0 WHERE username = 'ana'")
        .await;
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
}

#[actix_web::test]
async fn a_deleted_user_is_logged_out_at_once() {
    let app = TestApp::spawn().await;
    app.create_user("ana", "pw-ana-12345");
    let c = app.login("ana", "pw-ana-12345").await;
    app.sql_noticed("DELETE FROM users WHERE username = 'ana'")
        .await;
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
}

#[actix_web::test]
async fn a_restart_keeps_sessions_and_does_not_bootstrap_again() {
    let mut app = TestApp::spawn().await;
    let c = app.admin().await;
    app.restart().await;
    let c = Client {
        base: app.base.clone(),
        ..c
    };
    let (status, body) = parts(c.get("/api/v3/core/users/me/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["username"], "admin");
    let users: i64 = app.query("SELECT COUNT(*) FROM users");
    let groups: i64 = app.query("SELECT COUNT(*) FROM groups WHERE name = 'admins'");
    assert_eq!((users, groups), (1, 1));
}

#[actix_web::test]
async fn the_database_runs_in_wal_mode_with_a_private_key_file_beside_it() {
    let app = TestApp::spawn().await;
    let mode: String = app.query("PRAGMA journal_mode");
    assert_eq!(mode, "wal");
    let key = app.dir.path().join("standin.db.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[actix_web::test]
async fn a_configured_secret_key_replaces_the_key_file() {
    use base64::Engine;
    let secret = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
    let app = TestApp::spawn_with(|c| c.session.secret_key = Some(secret)).await;
    let c = app.admin().await;
    assert_eq!(
        c.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
    assert!(!app.dir.path().join("standin.db.key").exists());
}
