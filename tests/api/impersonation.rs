//! The ten checks of `impersonate`, in order, and life while impersonating.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub fn start_path(pk: i64) -> String {
    format!("/api/v3/core/users/{pk}/impersonate/")
}

pub async fn start(c: &Client, pk: i64, reason: &str) -> reqwest::Response {
    c.post(&start_path(pk), json!({"reason": reason})).await
}

pub async fn me(c: &Client) -> Value {
    let (status, body) = parts(c.get("/api/v3/core/users/me/").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub fn events_of(app: &TestApp, action: &str) -> Vec<(Value, Value)> {
    let c = rusqlite::Connection::open(&app.config.database.path).unwrap();
    let mut stmt = c
        .prepare("SELECT user_json, context FROM events WHERE action = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([action], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })
    .unwrap()
    .map(|r| {
        let (u, c) = r.unwrap();
        (
            serde_json::from_str(&u).unwrap(),
            serde_json::from_str(&c).unwrap(),
        )
    })
    .collect()
}

async fn assert_status_and_empty(res: reqwest::Response, status: StatusCode) {
    assert_eq!(res.status(), status);
    assert_eq!(res.text().await.unwrap(), "", "the body is empty");
}

#[actix_web::test]
async fn rule_1_an_unauthenticated_caller_gets_403() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    assert_unauthenticated(start(&app.client(), target, "ticket 1").await).await;
}

#[actix_web::test]
async fn rule_2_a_token_cannot_impersonate() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    let key = app.create_token(1);
    let res = Client::bearer(
        &app.base,
        &key,
        Method::POST,
        &start_path(target),
        Some(json!({"reason": "x"})),
    )
    .await;
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Impersonation needs a browser session."})
    );
}

#[actix_web::test]
async fn rule_3_nested_impersonation_is_refused_and_the_original_kept() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let bob = app.create_user("bob", "pw-bob-123456");
    // ana may impersonate too, so the refusal is about nesting, not permission.
    app.sql(&format!(
        "INSERT INTO user_groups SELECT {ana}, id FROM groups WHERE name = 'admins'"
    ));
    let admin = app.admin().await;
    assert_eq!(
        start(&admin, ana, "ticket 3").await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, body) = parts(start(&admin, bob, "nested").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Already impersonating; end the current impersonation first."})
    );
    let body = me(&admin).await;
    assert_eq!(body["user"]["username"], "ana");
    assert_eq!(body["original"]["username"], "admin");
}

#[actix_web::test]
async fn rule_4_a_caller_without_core_impersonate_gets_403() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    let (viewer, _) = app
        .user_with_perms("viewer", &["core.view_user", "core.change_user"])
        .await;
    assert_denied(start(&viewer, target, "ticket 4").await).await;
}

#[actix_web::test]
async fn rule_5_disabled_impersonation_answers_401_with_an_empty_body() {
    let app = TestApp::spawn_with(|c| c.impersonation.enabled = false).await;
    let target = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    assert_status_and_empty(
        start(&admin, target, "ticket 5").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // Rule 4 comes first: without the permission it is still 403.
    let (plain, _) = app.user_with_perms("plain", &[]).await;
    assert_denied(start(&plain, target, "ticket 5").await).await;
}

#[actix_web::test]
async fn rule_6_a_missing_target_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = parts(start(&admin, 999, "ticket 6").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "No User matches the given query."}));
}

#[actix_web::test]
async fn rule_7_impersonating_yourself_answers_401_with_an_empty_body() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    assert_status_and_empty(start(&admin, 1, "ticket 7").await, StatusCode::UNAUTHORIZED).await;
}

#[actix_web::test]
async fn rule_8_non_superuser_cannot_impersonate_a_superuser() {
    let app = TestApp::spawn().await;
    let (support, _) = app.user_with_perms("support", &["core.impersonate"]).await;
    let (status, body) = parts(start(&support, 1, "ticket 8").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Only superusers can impersonate superusers."})
    );
    assert_eq!(me(&support).await["user"]["username"], "support");
}

#[actix_web::test]
async fn rule_9_a_reason_is_required_and_at_most_1000_characters() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    for body in [json!({}), json!({"reason": "   "}), json!({"reason": null})] {
        let (status, errors) = parts(admin.post(&start_path(target), body.clone()).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(errors, json!({"reason": ["This field is required."]}));
    }
    let res = admin
        .request(Method::POST, &start_path(target))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "no body at all");
    let (status, errors) = parts(start(&admin, target, &"x".repeat(1001)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors,
        json!({"reason": ["Ensure this field has no more than 1000 characters."]})
    );
    assert!(events_of(&app, "impersonation_started").is_empty());
    assert_eq!(
        start(&admin, target, &"x".repeat(1000)).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn rule_9_the_reason_is_optional_when_require_reason_is_off() {
    let app = TestApp::spawn_with(|c| c.impersonation.require_reason = false).await;
    let target = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    let res = admin
        .request(Method::POST, &start_path(target))
        .send()
        .await
        .unwrap();
    assert_status_and_empty(res, StatusCode::NO_CONTENT).await;
}

#[actix_web::test]
async fn rule_10_success_is_204_and_records_the_row_the_event_and_a_new_cookie() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    let before = admin.cookie("standin_session").unwrap();
    let res = start(&admin, target, "ticket 10: cannot see invoices").await;
    assert!(
        super::helpers::set_cookie(&res, "standin_session").is_some(),
        "the cookie is re-issued"
    );
    assert_status_and_empty(res, StatusCode::NO_CONTENT).await;
    let after = admin.cookie("standin_session").unwrap();
    assert_ne!(before, after);
    assert!(
        after.contains("original_user_id") && after.contains("impersonation_id"),
        "{after}"
    );
    let (original, target_id, reason, ended): (i64, i64, String, Option<String>) = {
        let c = rusqlite::Connection::open(&app.config.database.path).unwrap();
        c.query_row(
            "SELECT original_user_id, target_user_id, reason, ended FROM impersonations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    };
    assert_eq!(
        (original, target_id, reason.as_str(), ended),
        (1, target, "ticket 10: cannot see invoices", None)
    );
    let events = events_of(&app, "impersonation_started");
    assert_eq!(events.len(), 1);
    let (user, context) = &events[0];
    assert_eq!(user["username"], "admin");
    assert_eq!(user["on_behalf_of"]["username"], "ana");
    assert_eq!(context["reason"], "ticket 10: cannot see invoices");
}

#[actix_web::test]
async fn an_inactive_target_can_be_impersonated() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    app.sql(&format!(
        "UPDATE users SET is_active = 0 WHERE id = {target}"
    ));
    let admin = app.admin().await;
    assert_eq!(
        start(&admin, target, "support").await.status(),
        StatusCode::NO_CONTENT
    );
    let body = me(&admin).await;
    assert_eq!(body["user"]["username"], "ana");
    assert_eq!(body["user"]["is_active"], false);
}

#[actix_web::test]
async fn me_shows_the_target_and_the_original_while_impersonating_and_only_self_after() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, target, "ticket").await;
    let body = me(&admin).await;
    assert_eq!(body["user"]["username"], "ana");
    assert_eq!(body["user"]["is_current"], true);
    assert_eq!(body["user"]["system_permissions"], json!([]));
    assert_eq!(body["original"]["username"], "admin");
    assert_eq!(body["original"]["is_current"], false);
    assert_eq!(body["impersonation"]["reason"], "ticket");
    assert_datetimes(&body["impersonation"], &["started", "expires"]);
    assert_eq!(body["users"], json!([body["user"].clone()]));
    let res = admin.get("/api/v3/core/users/impersonate_end/").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let body = me(&admin).await;
    assert_eq!(body["user"]["username"], "admin");
    assert!(body.get("original").is_none());
    assert!(body.get("impersonation").is_none());
}

#[actix_web::test]
async fn requests_are_authorized_as_the_target() {
    let app = TestApp::spawn().await;
    let target = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    start(&admin, target, "see what ana sees").await;
    assert_denied(admin.get("/api/v3/core/users/").await).await;
}

#[actix_web::test]
async fn events_written_while_impersonating_carry_both_identities() {
    let app = TestApp::spawn().await;
    let (_, helper_pk) = app
        .user_with_perms("helpdesk", &["core.view_user", "core.change_user"])
        .await;
    let victim = app.create_user("victim", "pw-victim-1234");
    let admin = app.admin().await;
    start(&admin, helper_pk, "reproduce a bug").await;
    let res = admin
        .patch(
            &format!("/api/v3/core/users/{victim}/"),
            json!({"name": "Changed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (user, context) = events_of(&app, "model_updated").pop().unwrap();
    assert_eq!(user["username"], "admin");
    assert_eq!(user["on_behalf_of"]["username"], "helpdesk");
    assert_eq!(context["model"]["name"], "victim");
}

#[actix_web::test]
async fn protected_actions_are_refused_while_impersonating() {
    let app = TestApp::spawn().await;
    let perms = [
        "core.view_user",
        "core.delete_user",
        "core.reset_user_password",
        "core.impersonate",
    ];
    let (_, helper_pk) = app.user_with_perms("helpdesk", &perms).await;
    let other = app.create_user("other", "pw-other-12345");
    let admin = app.admin().await;
    start(&admin, helper_pk, "check").await;
    let expected = json!({"detail": "Not allowed while impersonating."});
    let refused = [
        admin
            .post(
                &format!("/api/v3/core/users/{helper_pk}/set_password/"),
                json!({"password": "x-123456789"}),
            )
            .await,
        admin
            .post(
                &format!("/api/v3/core/users/{other}/set_password/"),
                json!({"password": "x-123456789"}),
            )
            .await,
        admin.delete(&format!("/api/v3/core/users/{other}/")).await,
    ];
    for res in refused {
        let (status, body) = parts(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body, expected);
    }
    assert_eq!(app.query::<i64>("SELECT COUNT(*) FROM users"), 3);
    assert!(events_of(&app, "password_set").is_empty());
}

#[actix_web::test]
async fn an_edited_impersonation_cookie_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let bob = app.create_user("bob", "pw-bob-123456");
    let admin = app.admin().await;
    start(&admin, ana, "ticket").await;
    let cookie = admin.cookie("standin_session").unwrap();
    for (from, to) in [
        (
            "%22original_user_id%22%3A%221%22",
            format!("%22original_user_id%22%3A%22{bob}%22"),
        ),
        (
            "%22impersonation_id%22%3A%22%5C%22",
            "%22impersonation_id%22%3A%22%5C%220".to_owned(),
        ),
    ] {
        let edited = cookie.replace(from, &to);
        assert_ne!(edited, cookie, "the payload holds {from}: {cookie}");
        let c = app.client();
        c.set_cookie("standin_session", &edited);
        assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
    }
}

#[actix_web::test]
async fn two_admins_impersonating_at_once_do_not_see_each_others_state() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let bob = app.create_user("bob", "pw-bob-123456");
    let second = app.create_user("second", "pw-second-1234");
    app.sql(&format!(
        "INSERT INTO user_groups SELECT {second}, id FROM groups WHERE name = 'admins'"
    ));
    let first_admin = app.admin().await;
    let second_admin = app.login("second", "pw-second-1234").await;
    start(&first_admin, ana, "one").await;
    start(&second_admin, bob, "two").await;
    let (one, two) = (me(&first_admin).await, me(&second_admin).await);
    assert_eq!(
        (
            one["user"]["username"].clone(),
            one["original"]["username"].clone()
        ),
        (json!("ana"), json!("admin"))
    );
    assert_eq!(
        (
            two["user"]["username"].clone(),
            two["original"]["username"].clone()
        ),
        (json!("bob"), json!("second"))
    );
    first_admin.get("/api/v3/core/users/impersonate_end/").await;
    assert_eq!(me(&second_admin).await["user"]["username"], "bob");
}
