use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

const EVENTS: &str = "/api/v3/events/events/";

const EVENT_FIELDS: &[(&str, &str)] = &[
    ("pk", "string"),
    ("action", "string"),
    ("user", "object"),
    ("app", "string"),
    ("context", "object"),
    ("client_ip", "string|null"),
    ("created", "string"),
    ("expires", "string"),
];

async fn events(c: &Client, query: &str) -> Value {
    let (status, page) = parts(c.get(&format!("{EVENTS}{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

fn actions(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

fn time(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

#[actix_web::test]
async fn an_event_has_every_field_authentik_requires() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let page = events(&admin, "?action=login").await;
    assert_eq!(page["pagination"]["count"], 1);
    assert_eq!(page["autocomplete"], json!({}));
    let login = &page["results"][0];
    assert_fields(login, EVENT_FIELDS);
    assert_datetimes(login, &["created", "expires"]);
    uuid::Uuid::parse_str(login["pk"].as_str().unwrap()).unwrap();
    assert_eq!(login["action"], "login");
    assert_eq!(login["app"], "standin");
    assert_eq!(login["client_ip"], "127.0.0.1");
    let admin_pk: i64 = app.query("SELECT id FROM users WHERE username = 'admin'");
    assert_eq!(
        login["user"],
        json!({"pk": admin_pk, "username": "admin", "email": ""})
    );
    // Kept for `events.retention_days` (365 by default).
    let kept = time(&login["expires"]) - time(&login["created"]);
    assert_eq!(kept, chrono::Duration::days(365));

    let (status, one) = parts(
        admin
            .get(&format!("{EVENTS}{}/", login["pk"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&one, login);
}

#[actix_web::test]
async fn reading_events_needs_the_view_event_permission() {
    let app = TestApp::spawn().await;
    assert_unauthenticated(app.client().get(EVENTS).await).await;
    let (plain, _) = app.user_with_perms("plain", &["core.view_user"]).await;
    assert_denied(plain.get(EVENTS).await).await;
    let pk: String = app.query("SELECT uuid FROM events LIMIT 1");
    assert_denied(plain.get(&format!("{EVENTS}{pk}/")).await).await;
    let (auditor, _) = app.user_with_perms("auditor", &["events.view_event"]).await;
    let page = events(&auditor, "").await;
    // The first start recorded the bootstrap admin's creation.
    assert_eq!(actions(&page), ["login", "login", "model_created"]);
}

#[actix_web::test]
async fn an_unknown_event_is_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for pk in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_owned()] {
        let (status, body) = parts(admin.get(&format!("{EVENTS}{pk}/")).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, json!({"detail": "No Event matches the given query."}));
    }
}

#[actix_web::test]
async fn events_are_newest_first_unless_ordered_by_created() {
    let app = TestApp::spawn().await;
    let c = app.client();
    c.post(
        "/api/v3/auth/login/",
        json!({"username": "admin", "password": "wrong"}),
    )
    .await;
    let admin = app.admin().await;
    admin.post("/api/v3/auth/logout/", json!({})).await;
    let admin = app.admin().await;
    let page = events(&admin, "").await;
    let newest_first = ["login", "logout", "login", "login_failed", "model_created"];
    assert_eq!(actions(&page), newest_first);
    let page = events(&admin, "?ordering=-created").await;
    assert_eq!(actions(&page), newest_first);
    let page = events(&admin, "?ordering=created").await;
    let oldest_first: Vec<&str> = newest_first.into_iter().rev().collect();
    assert_eq!(actions(&page), oldest_first);

    let (status, body) = parts(admin.get(&format!("{EVENTS}?ordering=context")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"ordering": ["Invalid ordering field \"context\"; choose one of: created."]})
    );
}

#[actix_web::test]
async fn events_filter_by_action_and_the_acting_username() {
    let app = TestApp::spawn().await;
    app.client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "ghost", "password": "x"}),
        )
        .await;
    let (alice, _) = app.user_with_perms("alice", &[]).await;
    alice.post("/api/v3/auth/logout/", json!({})).await;
    let admin = app.admin().await;

    let page = events(&admin, "?username=alice").await;
    assert_eq!(actions(&page), ["logout", "login"]);
    assert!(
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user"]["username"] == "alice")
    );

    let page = events(&admin, "?action=login_failed").await;
    assert_eq!(page["pagination"]["count"], 1);
    let failed = &page["results"][0];
    assert_eq!(
        failed["user"],
        json!({"pk": null, "username": "AnonymousUser", "email": ""})
    );
    assert_eq!(failed["context"], json!({"username": "ghost"}));

    let page = events(&admin, "?action=login&username=admin").await;
    assert_eq!(page["pagination"]["count"], 1);
    let page = events(&admin, "?actions=logout&actions=login_failed").await;
    assert_eq!(actions(&page), ["logout", "login_failed"]);
    let page = events(&admin, "?username=nobody").await;
    assert_eq!(page["pagination"]["count"], 0);
    assert_eq!(page["results"], json!([]));
}

#[actix_web::test]
async fn events_are_paginated_and_a_page_past_the_end_is_invalid() {
    let app = TestApp::spawn().await;
    app.admin().await;
    app.admin().await;
    let admin = app.admin().await;
    // Three logins and the bootstrap admin's creation.
    let page = events(&admin, "?page=2&page_size=3").await;
    assert_eq!(
        page["pagination"],
        json!({"next": 0, "previous": 1, "count": 4, "current": 2,
               "total_pages": 2, "start_index": 4, "end_index": 4})
    );
    assert_eq!(actions(&page), ["model_created"]);
    let (status, body) = parts(admin.get(&format!("{EVENTS}?page=3&page_size=3")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Invalid page."}));
}

#[actix_web::test]
async fn events_cannot_be_written_through_the_api() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let pk: String = app.query("SELECT uuid FROM events LIMIT 1");
    let one = format!("{EVENTS}{pk}/");
    for (method, path) in [
        (Method::POST, EVENTS),
        (Method::PUT, one.as_str()),
        (Method::PATCH, one.as_str()),
        (Method::DELETE, one.as_str()),
    ] {
        let res = admin
            .request(method.clone(), path)
            .json(&json!({"action": "login"}))
            .send()
            .await
            .unwrap();
        let (status, body) = parts(res).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(body, json!({"detail": "Method not allowed."}));
    }
    let count: i64 = app.query("SELECT COUNT(*) FROM events");
    assert_eq!(count, 2, "the bootstrap's model_created and the login");
}

#[actix_web::test]
async fn model_changes_name_the_acting_user_and_the_model() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, bob) = parts(
        admin
            .post(
                "/api/v3/core/users/",
                json!({"username": "bob", "name": "Bob"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bob}");
    let bob_pk = bob["pk"].as_i64().unwrap();
    let page = events(
        &admin,
        &format!("?context_model_name=user&context_model_pk={bob_pk}"),
    )
    .await;
    assert_eq!(actions(&page), ["model_created"]);
    let event = &page["results"][0];
    assert_eq!(event["user"]["username"], "admin");
    assert!(event["user"].get("on_behalf_of").is_none());
    assert_eq!(
        event["context"],
        json!({"model": {"app": "standin", "model_name": "user", "pk": bob_pk, "name": "bob"}})
    );
}

#[actix_web::test]
async fn an_impersonation_names_the_impersonator_and_the_target() {
    let app = TestApp::spawn().await;
    let (_, alice_pk) = app.user_with_perms("alice", &[]).await;
    let admin = app.admin().await;
    let res = admin
        .post(
            &format!("/api/v3/core/users/{alice_pk}/impersonate/"),
            json!({"reason": "ticket 7"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let admin_pk: i64 = app.query("SELECT id FROM users WHERE username = 'admin'");
    // Read as the admin again, not as alice (who may not read events).
    let reader = app.admin().await;
    let page = events(&reader, "?action=impersonation_started").await;
    let event = &page["results"][0];
    assert_eq!(
        event["user"],
        json!({"pk": admin_pk, "username": "admin", "email": "",
               "on_behalf_of": {"pk": alice_pk, "username": "alice", "email": ""}})
    );
    assert_eq!(event["context"]["reason"], "ticket 7");
}

#[actix_web::test]
async fn events_past_retention_are_deleted_and_expire_accordingly() {
    let mut app = TestApp::spawn_with(|c| c.events.retention_days = 30).await;
    let admin = app.admin().await;
    let page = events(&admin, "").await;
    let kept = time(&page["results"][0]["expires"]) - time(&page["results"][0]["created"]);
    assert_eq!(kept, chrono::Duration::days(30));

    app.sql(
        "INSERT INTO events (uuid, action, created)
         VALUES ('00000000-0000-4000-8000-000000000001', 'login', '2001-01-01T00:00:00.000000Z')",
    );
    // The retention task runs at start, then hourly.
    app.restart().await;
    let mut left = 1;
    for _ in 0..50 {
        left = app.query("SELECT COUNT(*) FROM events WHERE created < '2002-01-01'");
        if left == 0 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "the old event is gone");
    let recent: i64 = app.query("SELECT COUNT(*) FROM events WHERE action = 'login'");
    assert_eq!(recent, 1, "recent events stay");
}
