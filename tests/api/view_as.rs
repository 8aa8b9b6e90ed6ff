//! Read-only "view as", and a fresh password before impersonating.

use crate::helpers::*;
use crate::impersonation::{events_of, me, start_path};
use reqwest::StatusCode;
use serde_json::{Value, json};
use standin::config::Span;

const READ_ONLY: &str = "This impersonation is read-only.";

async fn start_with(c: &Client, pk: i64, body: Value) -> (StatusCode, Value) {
    parts(c.post(&start_path(pk), body).await).await
}

async fn refused(res: reqwest::Response, detail: &str) {
    assert_eq!(
        parts(res).await,
        (StatusCode::FORBIDDEN, json!({ "detail": detail }))
    );
}

#[actix_web::test]
async fn a_read_only_impersonation_refuses_every_write_before_anything_else() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    let body = json!({"reason": "look only", "read_only": true});
    assert_eq!(
        start_with(&admin, ana, body).await.0,
        StatusCode::NO_CONTENT
    );
    let before: i64 = app.query("SELECT COUNT(*) FROM events");

    // Validation, lookups, permissions and the impersonation rules all come after.
    refused(
        admin
            .patch("/api/v3/core/users/1/", json!({"username": ""}))
            .await,
        READ_ONLY,
    )
    .await;
    refused(
        admin.delete("/api/v3/core/groups/not-a-uuid/").await,
        READ_ONLY,
    )
    .await;
    refused(
        admin
            .post(
                "/api/v3/core/users/1/set_password/",
                json!({"password": "x"}),
            )
            .await,
        READ_ONLY,
    )
    .await;
    refused(
        admin
            .post("/api/v3/rbac/roles/", json!({"name": "r"}))
            .await,
        READ_ONLY,
    )
    .await;
    refused(
        admin
            .post("/api/v3/core/users/me/impersonations/seen/", json!({}))
            .await,
        READ_ONLY,
    )
    .await;
    refused(
        admin
            .post("/api/v3/auth/confirm/", json!({"password": ADMIN_PASSWORD}))
            .await,
        READ_ONLY,
    )
    .await;
    let after: i64 = app.query("SELECT COUNT(*) FROM events");
    assert_eq!(after, before, "nothing recorded");

    // Looking works, and it says so everywhere.
    let session = me(&admin).await;
    assert_eq!(session["user"]["username"], "ana");
    assert_eq!(session["impersonation"]["read_only"], true);
    let (_, started) = events_of(&app, "impersonation_started").pop().unwrap();
    assert_eq!(started["read_only"], true);
    let ended = admin
        .post("/api/v3/core/users/impersonate_end/", json!({}))
        .await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let (_, rows) = parts(admin.get("/api/v3/core/impersonations/").await).await;
    assert_eq!(rows["results"][0]["read_only"], true);
    assert_eq!(me(&admin).await["user"]["username"], "admin");
}

#[actix_web::test]
async fn logout_is_allowed_inside_a_read_only_impersonation() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    let body = json!({"reason": "look", "read_only": true});
    assert_eq!(
        start_with(&admin, ana, body).await.0,
        StatusCode::NO_CONTENT
    );
    let res = admin.post("/api/v3/auth/logout/", json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let reason: String = app.query("SELECT end_reason FROM impersonations");
    assert_eq!(reason, "logout");
}

#[actix_web::test]
async fn read_only_default_decides_when_the_body_does_not_say() {
    let app = TestApp::spawn_with(|c| c.impersonation.read_only_default = true).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start_with(&admin, ana, json!({"reason": "default"})).await;
    assert_eq!(me(&admin).await["impersonation"]["read_only"], true);
    admin.get("/api/v3/core/users/impersonate_end/").await;
    start_with(&admin, ana, json!({"reason": "act", "read_only": false})).await;
    assert_eq!(me(&admin).await["impersonation"]["read_only"], false);

    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start_with(&admin, ana, json!({"reason": "default"})).await;
    assert_eq!(
        me(&admin).await["impersonation"]["read_only"],
        false,
        "off by default, as authentik clients expect"
    );
}

#[actix_web::test]
async fn the_read_only_codename_alone_may_only_view_as() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let perms = ["core.impersonate_read_only", "core.view_user"];
    let (viewer, _) = app.user_with_perms("viewer", &perms).await;
    let tier = json!({"detail": "You may only view as this user (read-only)."});
    for body in [
        json!({"reason": "x"}),
        json!({"reason": "x", "read_only": false}),
    ] {
        assert_eq!(
            start_with(&viewer, ana, body).await,
            (StatusCode::FORBIDDEN, tier.clone())
        );
    }
    let impersonations: i64 = app.query("SELECT COUNT(*) FROM impersonations");
    assert_eq!(impersonations, 0);
    let body = json!({"reason": "x", "read_only": true});
    assert_eq!(
        start_with(&viewer, ana, body).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(me(&viewer).await["impersonation"]["read_only"], true);

    let app = TestApp::spawn_with(|c| c.impersonation.read_only_default = true).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let (viewer, _) = app.user_with_perms("viewer", &perms).await;
    let body = json!({"reason": "x"});
    assert_eq!(
        start_with(&viewer, ana, body).await.0,
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn a_read_only_that_is_not_a_boolean_is_a_400() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    let body = json!({"reason": "x", "read_only": "yes"});
    assert_eq!(
        start_with(&admin, ana, body).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"read_only": ["Must be a valid boolean."]})
        )
    );
}

#[actix_web::test]
async fn a_stale_password_must_be_confirmed_before_impersonating() {
    let app = TestApp::spawn_with(|c| c.impersonation.reauth_within = Span::secs(1)).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    // The reason is checked first: a bad request is a bad request.
    let (status, body) = start_with(&admin, ana, json!({"reason": " "})).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"reason": ["This field is required."]})
        )
    );
    let reauth = json!({"detail": "Confirm your password to continue.", "code": "reauth_required"});
    assert_eq!(
        start_with(&admin, ana, json!({"reason": "x"})).await,
        (StatusCode::FORBIDDEN, reauth)
    );
    let wrong = admin
        .post("/api/v3/auth/confirm/", json!({"password": "not-it"}))
        .await;
    refused(wrong, "Invalid password.").await;
    let right = admin
        .post("/api/v3/auth/confirm/", json!({"password": ADMIN_PASSWORD}))
        .await;
    assert_eq!(right.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        start_with(&admin, ana, json!({"reason": "x"})).await.0,
        StatusCode::NO_CONTENT
    );
    // While impersonating, confirm checks the impersonator's own password.
    let as_admin = admin
        .post("/api/v3/auth/confirm/", json!({"password": ADMIN_PASSWORD}))
        .await;
    assert_eq!(as_admin.status(), StatusCode::NO_CONTENT);
    let as_ana = admin
        .post(
            "/api/v3/auth/confirm/",
            json!({"password": "pw-ana-123456"}),
        )
        .await;
    refused(as_ana, "Invalid password.").await;
}

#[actix_web::test]
async fn reauth_within_zero_turns_the_check_off() {
    let app = TestApp::spawn_with(|c| c.impersonation.reauth_within = Span::secs(0)).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        start_with(&admin, ana, json!({"reason": "x"})).await.0,
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn confirm_is_throttled_and_counted_like_login() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let confirm = |password: &str| {
        let admin = admin.clone();
        let body = json!({ "password": password });
        async move { admin.post("/api/v3/auth/confirm/", body).await }
    };
    for _ in 0..4 {
        refused(confirm("wrong").await, "Invalid password.").await;
    }
    assert_eq!(
        confirm(ADMIN_PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    // The right one reset the username's counter: five more wrong ones get through.
    for _ in 0..5 {
        refused(confirm("wrong").await, "Invalid password.").await;
    }
    let res = confirm(ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let login = app
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(
        login.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the same counters"
    );
    let failed = events_of(&app, "login_failed");
    assert_eq!(failed.len(), 9);
    assert_eq!(failed[0].1["username"], "admin");
    assert_eq!(failed[0].0["username"], "admin");
}

#[actix_web::test]
async fn confirm_needs_the_csrf_header_and_a_browser_session() {
    let app = TestApp::spawn().await;
    let mut admin = app.admin().await;
    admin.csrf = false;
    let res = admin
        .post("/api/v3/auth/confirm/", json!({"password": ADMIN_PASSWORD}))
        .await;
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["detail"].as_str().unwrap().starts_with("CSRF Failed"),
        "{body}"
    );
    let key = app.create_token(1);
    let res = Client::bearer(
        &app.base,
        &key,
        reqwest::Method::POST,
        "/api/v3/auth/confirm/",
        Some(json!({"password": ADMIN_PASSWORD})),
    )
    .await;
    refused(res, "Confirming a password needs a browser session.").await;
    assert_unauthenticated(
        app.client()
            .post("/api/v3/auth/confirm/", json!({"password": "x"}))
            .await,
    )
    .await;
}
