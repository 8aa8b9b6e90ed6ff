//! Every event standin writes carries one of authentik's own `EventActions` values:
//! authentik's generated clients refuse an event list holding any other.

use crate::helpers::*;
use crate::impersonation::start;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::BTreeSet;

/// authentik 2026.5's `EventActions` enum, as its OpenAPI schema lists it.
const AUTHENTIK_ACTIONS: &[&str] = &[
    "login",
    "login_failed",
    "logout",
    "user_write",
    "suspicious_request",
    "password_set",
    "secret_view",
    "secret_rotate",
    "invitation_used",
    "authorize_application",
    "source_linked",
    "impersonation_started",
    "impersonation_ended",
    "flow_execution",
    "policy_execution",
    "policy_exception",
    "property_mapping_exception",
    "system_task_execution",
    "system_task_exception",
    "system_exception",
    "configuration_error",
    "configuration_warning",
    "model_created",
    "model_updated",
    "model_deleted",
    "email_sent",
    "update_available",
    "export_ready",
    "review_initiated",
    "review_overdue",
    "review_attested",
    "review_completed",
    "custom_",
];

#[actix_web::test]
async fn every_kind_of_event_standin_writes_is_one_of_authentiks_actions() {
    let app = TestApp::spawn_with(|c| c.bootstrap.token = Some("t".repeat(40))).await;
    let admin = app.admin().await;
    let failed = app
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": "wrong"}),
        )
        .await;
    assert_eq!(failed.status(), StatusCode::FORBIDDEN);
    let ana = created(
        &admin,
        "/api/v3/core/users/",
        json!({"username": "ana", "name": "Ana"}),
    )
    .await["pk"]
        .as_i64()
        .unwrap();
    admin
        .patch(
            &format!("/api/v3/core/users/{ana}/"),
            json!({"name": "Ana L"}),
        )
        .await;
    admin
        .post(
            &format!("/api/v3/core/users/{ana}/set_password/"),
            json!({"password": "pw-ana-123456"}),
        )
        .await;
    created(&admin, "/api/v3/core/tokens/", json!({"identifier": "ci"})).await;
    let rotated = admin
        .post(
            "/api/v3/core/tokens/ci/set_key/",
            json!({"key": "k".repeat(40)}),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::NO_CONTENT);
    admin.delete("/api/v3/core/tokens/ci/").await;
    assert_eq!(
        start(&admin, ana, "ticket").await.status(),
        StatusCode::NO_CONTENT
    );
    admin.get("/api/v3/core/users/impersonate_end/").await;
    admin.delete(&format!("/api/v3/core/users/{ana}/")).await;
    admin.post("/api/v3/auth/logout/", json!({})).await;

    let c = rusqlite::Connection::open(&app.config.database.path).unwrap();
    let mut stmt = c.prepare("SELECT DISTINCT action FROM events").unwrap();
    let written: BTreeSet<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let foreign: Vec<&String> = (written.iter())
        .filter(|a| !AUTHENTIK_ACTIONS.contains(&a.as_str()))
        .collect();
    assert!(foreign.is_empty(), "not authentik's: {foreign:?}");
    let expected = [
        "impersonation_ended",
        "impersonation_started",
        "login",
        "login_failed",
        "logout",
        "model_created",
        "model_deleted",
        "model_updated",
        "password_set",
        "secret_rotate",
    ];
    assert_eq!(
        written.iter().map(String::as_str).collect::<Vec<_>>(),
        expected,
        "every kind tried here was written"
    );
    // The bootstrap token is recorded as a token's creation, like any other.
    let token_events: i64 = app.query(
        "SELECT COUNT(*) FROM events WHERE json_extract(context, '$.model.model_name') = 'token'",
    );
    assert_eq!(
        token_events, 4,
        "bootstrap token, ci created, its key set, ci deleted"
    );
}
