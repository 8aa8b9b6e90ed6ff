//! Sessions end on the server, not only in the browser: logout, logout everywhere,
//! `session.max_age`, and cookies from before sessions had ids.

use crate::helpers::*;
use crate::impersonation::start;
use actix_web::cookie::{Cookie, CookieJar, Key};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// A client holding a copy of `c`'s cookies, as someone who took them would.
fn copy_of(c: &Client) -> Client {
    let copy = Client::new(&c.base);
    for name in ["standin_session", "standin_csrf"] {
        copy.set_cookie(name, &c.cookie(name).unwrap());
    }
    copy
}

/// The JSON payload of a session cookie: it is signed, not encrypted, so readable.
fn payload(cookie: &str) -> Value {
    let decoded = Cookie::parse_encoded(format!("c={cookie}")).unwrap();
    // The value starts with the base64 of a 32-byte HMAC: 44 characters.
    let map: Value = serde_json::from_str(&decoded.value()[44..]).unwrap();
    let values = map.as_object().unwrap().iter();
    // actix-session stores each value JSON-encoded inside a string.
    values
        .map(|(k, v)| {
            (
                k.clone(),
                serde_json::from_str(v.as_str().unwrap()).unwrap(),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn session_of(c: &Client) -> Value {
    payload(&c.cookie("standin_session").unwrap())
}

/// A session cookie with `fields`, signed with the key file beside `app`'s database.
fn forged_cookie(app: &TestApp, fields: Value) -> String {
    let key_text = std::fs::read_to_string(app.dir.path().join("standin.db.key")).unwrap();
    let key_bytes = base64::engine::general_purpose::STANDARD
        .decode(key_text.trim())
        .unwrap();
    let state: serde_json::Map<String, Value> = (fields.as_object().unwrap().iter())
        .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
        .collect();
    let mut jar = CookieJar::new();
    jar.signed_mut(&Key::from(&key_bytes)).add(Cookie::new(
        "standin_session",
        Value::Object(state).to_string(),
    ));
    let cookie = jar.get("standin_session").unwrap().encoded().to_string();
    cookie.split_once('=').unwrap().1.to_owned()
}

async fn assert_refused_and_cleared(res: reqwest::Response) {
    let cleared = set_cookie(&res, "standin_session").map(str::to_owned);
    assert!(
        cleared.as_deref().is_some_and(|c| c.contains("Max-Age=0")),
        "the cookie is cleared: {cleared:?}"
    );
    assert_unauthenticated(res).await;
}

#[actix_web::test]
async fn a_copy_of_the_cookie_taken_before_logout_no_longer_works() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    let stolen = copy_of(&admin);
    let kept = copy_of(&admin);
    let res = admin.post("/api/v3/auth/logout/", json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    assert_refused_and_cleared(stolen.get("/api/v3/core/users/me/").await).await;
    // Nor can it start an impersonation.
    assert_unauthenticated(start(&kept, ana, "ticket 7").await).await;
    let started: i64 = app.query("SELECT COUNT(*) FROM impersonations");
    assert_eq!(started, 0);
}

#[actix_web::test]
async fn a_restart_keeps_a_logged_out_session_refused() {
    let mut app = TestApp::spawn().await;
    let admin = app.admin().await;
    let other = app.admin().await;
    let stolen = copy_of(&admin);
    admin.post("/api/v3/auth/logout/", json!({})).await;
    app.restart().await;
    let stolen = Client {
        base: app.base.clone(),
        ..stolen
    };
    let other = Client {
        base: app.base.clone(),
        ..other
    };
    assert_refused_and_cleared(stolen.get("/api/v3/core/users/me/").await).await;
    // Only that session ended: another login of the same user goes on.
    let (status, body) = parts(other.get("/api/v3/core/users/me/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["username"], "admin");
}

#[actix_web::test]
async fn logout_everywhere_ends_every_session_of_the_user() {
    let app = TestApp::spawn().await;
    app.create_user("ana", "pw-ana-123456");
    let laptop = app.login("ana", "pw-ana-123456").await;
    let phone = app.login("ana", "pw-ana-123456").await;
    let admin = app.admin().await;
    let res = laptop
        .post("/api/v3/auth/logout/", json!({"everywhere": true}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_refused_and_cleared(phone.get("/api/v3/core/users/me/").await).await;
    // Other users keep their sessions.
    let (status, body) = parts(admin.get("/api/v3/core/users/me/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["username"], "admin");
    let context: String =
        app.query("SELECT context FROM events WHERE action = 'logout' ORDER BY id DESC LIMIT 1");
    assert_eq!(context, r#"{"everywhere":true}"#);
}

#[actix_web::test]
async fn a_plain_logout_leaves_the_other_sessions_alone() {
    let app = TestApp::spawn().await;
    app.create_user("ana", "pw-ana-123456");
    let laptop = app.login("ana", "pw-ana-123456").await;
    let phone = app.login("ana", "pw-ana-123456").await;
    let res = laptop
        .post("/api/v3/auth/logout/", json!({"everywhere": false}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        phone.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn logout_refuses_an_everywhere_that_is_not_a_boolean() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = parts(
        admin
            .post("/api/v3/auth/logout/", json!({"everywhere": "always"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"everywhere": ["Must be a valid boolean."]}));
    assert_eq!(
        admin.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_cookie_older_than_max_age_is_refused_and_cleared() {
    let app = TestApp::spawn_with(|c| c.session.max_age.0 = Duration::from_secs(2)).await;
    let admin = app.admin().await;
    let cookie = admin.cookie("standin_session").unwrap();
    // Sent by hand: a browser would drop the cookie at Max-Age, an attacker would not.
    let send = || {
        reqwest::Client::new()
            .get(format!("{}/api/v3/core/users/me/", app.base))
            .header("Cookie", format!("standin_session={cookie}"))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    actix_web::rt::time::sleep(Duration::from_millis(3200)).await;
    assert_refused_and_cleared(send().await.unwrap()).await;
}

#[actix_web::test]
async fn a_cookie_without_a_session_id_is_refused_once_and_cleared() {
    let app = TestApp::spawn().await;
    // What a cookie looked like before sessions had ids.
    let now = chrono::Utc::now().timestamp();
    let old = forged_cookie(
        &app,
        json!({"user_id": 1, "auth_epoch": 0, "issued_at": now}),
    );
    let c = app.client();
    c.set_cookie("standin_session", &old);
    assert_refused_and_cleared(c.get("/api/v3/core/users/me/").await).await;
    assert!(c.cookie("standin_session").is_none());
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
    // The forgery itself is right: with an id, the same cookie is accepted.
    let current = forged_cookie(
        &app,
        json!({"session_id": "00112233445566778899aabbccddeeff", "user_id": 1,
               "auth_epoch": 0, "issued_at": now, "authenticated_at": now}),
    );
    c.set_cookie("standin_session", &current);
    assert_eq!(
        c.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn every_login_gets_its_own_random_session_id() {
    let app = TestApp::spawn().await;
    let first = session_of(&app.admin().await);
    let second = session_of(&app.admin().await);
    for s in [&first, &second] {
        let id = s["session_id"].as_str().unwrap();
        assert_eq!(id.len(), 32, "128 bits, hex: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    assert_ne!(first["session_id"], second["session_id"]);
}

#[actix_web::test]
async fn authenticated_at_is_kept_through_impersonation_and_a_password_change() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin_pk: i64 = app.query("SELECT id FROM users WHERE username = 'admin'");
    let admin = app.admin().await;
    let at_login = session_of(&admin);
    assert_eq!(at_login["authenticated_at"], at_login["issued_at"]);
    // Whole seconds: wait for the clock to move on so a reset would show.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;

    assert_eq!(start(&admin, ana, "ticket 7").await.status(), 204);
    let impersonating = session_of(&admin);
    assert_eq!(impersonating["user_id"], ana);
    admin.get("/api/v3/core/users/impersonate_end/").await;
    let after = session_of(&admin);
    for s in [&impersonating, &after] {
        assert_eq!(s["authenticated_at"], at_login["authenticated_at"]);
        assert_eq!(s["session_id"], at_login["session_id"]);
    }

    let res = admin
        .post(
            &format!("/api/v3/core/users/{admin_pk}/set_password/"),
            json!({"password": "a-new-password-123"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let reissued = session_of(&admin);
    assert_eq!(reissued["authenticated_at"], at_login["authenticated_at"]);
    assert_ne!(reissued["session_id"], at_login["session_id"]);

    let fresh = session_of(&app.login("admin", "a-new-password-123").await);
    assert!(fresh["authenticated_at"].as_i64() > at_login["authenticated_at"].as_i64());
}
