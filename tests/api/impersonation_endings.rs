//! Every way an impersonation ends, each taking effect on the next request.

use crate::helpers::*;
use crate::impersonation::{events_of, me, start};
use reqwest::StatusCode;
use serde_json::json;
use standin::config::Span;

fn end_reasons(app: &TestApp) -> Vec<String> {
    events_of(app, "impersonation_ended")
        .into_iter()
        .map(|(_, ctx)| ctx["end_reason"].as_str().unwrap().to_owned())
        .collect()
}

fn stored_end_reason(app: &TestApp) -> Option<String> {
    app.query("SELECT end_reason FROM impersonations ORDER BY id DESC LIMIT 1")
}

#[actix_web::test]
async fn impersonate_end_restores_the_caller_by_get_or_post() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, ana, "one").await;
    let res = admin.get("/api/v3/core/users/impersonate_end/").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.text().await.unwrap(), "");
    assert_eq!(me(&admin).await["user"]["username"], "admin");
    start(&admin, ana, "two").await;
    let res = admin
        .post("/api/v3/core/users/impersonate_end/", json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&admin).await["user"]["username"], "admin");
    assert_eq!(end_reasons(&app), ["ended", "ended"]);
    let (user, _) = events_of(&app, "impersonation_ended").pop().unwrap();
    assert_eq!(user["username"], "admin");
    assert_eq!(user["on_behalf_of"]["username"], "ana");
}

#[actix_web::test]
async fn impersonate_end_without_an_impersonation_is_a_no_op() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = admin.get("/api/v3/core/users/impersonate_end/").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(end_reasons(&app).is_empty());
    assert_eq!(me(&admin).await["user"]["username"], "admin");
}

#[actix_web::test]
async fn logging_out_ends_the_impersonation_and_the_whole_session() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, ana, "one").await;
    assert_eq!(
        admin.post("/api/v3/auth/logout/", json!({})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_unauthenticated(admin.get("/api/v3/core/users/me/").await).await;
    assert_eq!(end_reasons(&app), ["logout"]);
    assert_eq!(stored_end_reason(&app).as_deref(), Some("logout"));
}

#[actix_web::test]
async fn max_duration_ends_it_on_the_next_request() {
    let app = TestApp::spawn_with(|c| c.impersonation.max_duration = Span::secs(1)).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, ana, "short").await;
    assert_eq!(me(&admin).await["user"]["username"], "ana");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let body = me(&admin).await;
    assert_eq!(body["user"]["username"], "admin");
    assert!(body.get("original").is_none());
    assert_eq!(end_reasons(&app), ["expired"]);
    assert_eq!(stored_end_reason(&app).as_deref(), Some("expired"));
}

#[actix_web::test]
async fn another_admin_revokes_it_and_the_old_cookie_no_longer_acts_as_the_target() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let (auditor, _) = app
        .user_with_perms(
            "auditor",
            &["core.view_impersonation", "core.end_impersonation"],
        )
        .await;
    let admin = app.admin().await;
    start(&admin, ana, "one").await;
    let stolen = admin.cookie("standin_session").unwrap();
    let (status, list) = parts(
        auditor
            .get("/api/v3/core/impersonations/?active=true")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["pagination"]["count"], 1);
    let item = &list["results"][0];
    assert_fields(
        item,
        &[
            ("pk", "string"),
            ("original", "object"),
            ("target", "object"),
            ("reason", "string"),
            ("started", "string"),
            ("expires", "string"),
            ("ended", "null"),
            ("end_reason", "null"),
        ],
    );
    assert_datetimes(item, &["started", "expires"]);
    assert_eq!(item["original"]["username"], "admin");
    assert_eq!(item["target"]["username"], "ana");
    let uuid = item["pk"].as_str().unwrap();
    let res = auditor
        .post(
            &format!("/api/v3/core/impersonations/{uuid}/end/"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&admin).await["user"]["username"], "admin");
    let replay = app.client();
    replay.set_cookie("standin_session", &stolen);
    assert_eq!(
        me(&replay).await["user"]["username"],
        "admin",
        "a copy of the old cookie is the admin again"
    );
    assert_eq!(end_reasons(&app), ["revoked"]);
    let (_, ctx) = events_of(&app, "impersonation_ended").pop().unwrap();
    assert_eq!(ctx["revoked_by"]["username"], "auditor");
    let (_, list) = parts(
        auditor
            .get("/api/v3/core/impersonations/?active=false")
            .await,
    )
    .await;
    assert_eq!(list["results"][0]["end_reason"], "revoked");
    assert_datetimes(&list["results"][0], &["ended"]);
}

#[actix_web::test]
async fn revoking_needs_the_permission_and_an_existing_impersonation() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app
        .user_with_perms("viewer", &["core.view_impersonation"])
        .await;
    let admin = app.admin().await;
    let path = "/api/v3/core/impersonations/00000000-0000-4000-8000-000000000000/end/";
    assert_denied(viewer.post(path, json!({})).await).await;
    let (status, body) = parts(admin.post(path, json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"detail": "No Impersonation matches the given query."})
    );
    let (plain, _) = app.user_with_perms("plain", &[]).await;
    assert_denied(plain.get("/api/v3/core/impersonations/").await).await;
}

#[actix_web::test]
async fn losing_core_impersonate_ends_the_whole_session() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let (support, _) = app.user_with_perms("support", &["core.impersonate"]).await;
    assert_eq!(
        start(&support, ana, "ticket").await.status(),
        StatusCode::NO_CONTENT
    );
    app.sql_noticed("DELETE FROM role_permissions WHERE codename = 'core.impersonate'")
        .await;
    assert_unauthenticated(support.get("/api/v3/core/users/me/").await).await;
    assert_eq!(end_reasons(&app), ["user_changed"]);
}

#[actix_web::test]
async fn deactivating_the_caller_ends_the_whole_session() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let (support, support_pk) = app.user_with_perms("support", &["core.impersonate"]).await;
    start(&support, ana, "ticket").await;
    let admin = app.admin().await;
    let res = admin
        .patch(
            &format!("/api/v3/core/users/{support_pk}/"),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_unauthenticated(support.get("/api/v3/core/users/me/").await).await;
    assert_eq!(end_reasons(&app), ["user_changed"]);
}

#[actix_web::test]
async fn deleting_the_caller_ends_the_whole_session_and_records_it() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let (support, support_pk) = app.user_with_perms("support", &["core.impersonate"]).await;
    start(&support, ana, "ticket").await;
    let admin = app.admin().await;
    assert_eq!(
        admin
            .delete(&format!("/api/v3/core/users/{support_pk}/"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_unauthenticated(support.get("/api/v3/core/users/me/").await).await;
    assert_eq!(end_reasons(&app), ["user_changed"]);
}

#[actix_web::test]
async fn the_list_filters_by_activity_original_and_target() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let bob = app.create_user("bob", "pw-bob-123456");
    let (auditor, _) = app
        .user_with_perms("auditor", &["core.view_impersonation"])
        .await;
    let admin = app.admin().await;
    start(&admin, ana, "a").await;
    admin.get("/api/v3/core/users/impersonate_end/").await;
    start(&admin, bob, "b").await;
    let count = |q: &str| {
        let (auditor, path) = (auditor.clone(), format!("/api/v3/core/impersonations/?{q}"));
        async move {
            let (status, body) = parts(auditor.get(&path).await).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            body["pagination"]["count"].as_i64().unwrap()
        }
    };
    assert_eq!(count("").await, 2);
    assert_eq!(count(&format!("target={ana}")).await, 1);
    assert_eq!(count(&format!("target={bob}&active=true")).await, 1);
    assert_eq!(count("original=1").await, 2);
    assert_eq!(count("active=true").await, 1);
    assert_eq!(count("active=false").await, 1);
    let (status, body) = parts(
        auditor
            .get("/api/v3/core/impersonations/?original=me")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"original": ["Enter a whole number."]}));
}
