//! Rotating the session signing key without logging everyone out, and dropping a
//! leaked one at once (`standin rotate-key`, `session.previous_secret_keys`).

use crate::command::{fails, standin, standin_with, succeeds};
use crate::helpers::{Client, TestApp, assert_unauthenticated, set_cookie};
use base64::Engine;
use reqwest::StatusCode;

const ME: &str = "/api/v3/core/users/me/";

fn key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 64])
}

/// The same client, pointed at the server's new port after a restart.
fn moved(app: &TestApp, c: &Client) -> Client {
    Client {
        base: app.base.clone(),
        ..c.clone()
    }
}

/// Asserts `c` gets its own user, and returns the session cookie the response set.
async fn me_ok(c: &Client) -> Option<String> {
    let res = c.get(ME).await;
    let sets = set_cookie(&res, "standin_session").map(str::to_owned);
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["user"]["username"],
        "admin"
    );
    sets
}

/// Asserts the request is refused as unauthenticated and the cookie cleared.
async fn refused_and_cleared(c: &Client) {
    let res = c.get(ME).await;
    let cleared = set_cookie(&res, "standin_session").map(str::to_owned);
    assert_unauthenticated(res).await;
    assert!(
        cleared.as_deref().is_some_and(|v| v.contains("Max-Age=0")),
        "cleared: {cleared:?}"
    );
}

#[actix_web::test]
async fn a_cookie_of_the_previous_key_still_works_after_rotate_key_and_is_re_signed_once() {
    let mut app = TestApp::spawn().await;
    let c = app.admin().await;
    let old = c.cookie("standin_session").unwrap();
    let out = succeeds(standin(&app.config.database.path, &["rotate-key"]));
    assert!(out.contains("next start"), "{out}");
    app.restart().await;
    let c = moved(&app, &c);
    let reissued = me_ok(&c).await.expect("the cookie is re-issued");
    assert!(!reissued.contains("Max-Age=0"), "{reissued}");
    let new = c.cookie("standin_session").unwrap();
    assert_ne!(new, old);
    // Signed with the current key now: nothing more to re-issue.
    assert_eq!(me_ok(&c).await, None);
}

#[actix_web::test]
async fn the_previous_key_is_dropped_once_max_age_has_passed_since_the_rotation() {
    let mut app = TestApp::spawn().await;
    let c = app.admin().await;
    succeeds(standin(&app.config.database.path, &["rotate-key"]));
    // Move the rotation back by more than session.max_age (14 days).
    let file = app.dir.path().join("standin.db.key");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "the new key and the previous one");
    let (_, previous) = lines[1].split_once(' ').unwrap();
    let long_ago = chrono::Utc::now().timestamp() - 15 * 86_400;
    std::fs::write(&file, format!("{}\n{long_ago} {previous}\n", lines[0])).unwrap();
    app.restart().await;
    refused_and_cleared(&moved(&app, &c)).await;
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 1, "the old key left the key file");
}

#[actix_web::test]
async fn rotate_key_drop_previous_refuses_every_existing_cookie() {
    let mut app = TestApp::spawn().await;
    let c = app.admin().await;
    succeeds(standin(&app.config.database.path, &["rotate-key"]));
    app.restart().await;
    let c = moved(&app, &c);
    me_ok(&c).await;
    let out = succeeds(standin(
        &app.config.database.path,
        &["rotate-key", "--drop-previous"],
    ));
    assert!(out.contains("dropped"), "{out}");
    app.restart().await;
    let c = moved(&app, &c);
    refused_and_cleared(&c).await;
    // Signing in again works, with the new key.
    let fresh = app.admin().await;
    me_ok(&fresh).await;
}

#[actix_web::test]
async fn previous_secret_keys_accept_cookies_of_an_earlier_secret_key_until_removed() {
    let mut app = TestApp::spawn_with(|c| c.session.secret_key = Some(key(1))).await;
    let c = app.admin().await;
    let old = c.cookie("standin_session").unwrap();
    app.config.session.secret_key = Some(key(2));
    app.config.session.previous_secret_keys = vec![key(1)];
    app.restart().await;
    let c = moved(&app, &c);
    assert!(me_ok(&c).await.is_some(), "re-signed with the new key");
    app.config.session.previous_secret_keys = Vec::new();
    app.restart().await;
    let c = moved(&app, &c);
    me_ok(&c).await;
    let copy = app.client();
    copy.set_cookie("standin_session", &old);
    refused_and_cleared(&copy).await;
}

#[actix_web::test]
async fn rotate_key_with_a_configured_secret_key_says_what_to_do_instead() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(standin_with(
        &dir.path().join("standin.db"),
        &["rotate-key"],
        &[("STANDIN_SESSION__SECRET_KEY", &key(3))],
    ));
    assert!(err.contains("session.previous_secret_keys"), "{err}");
    assert!(!dir.path().join("standin.db.key").exists());
}
