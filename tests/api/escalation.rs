//! Nobody gains what they were not given: the attacks that once turned one
//! permission into more, each refused with the contract's message and leaving
//! nothing changed.

use crate::helpers::*;
use crate::impersonation::{me, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NOT_COVERED: &str = "You cannot change a user who holds permissions you do not have.";
const CEILING: &str = "You cannot grant permissions you do not hold.";
const SUPERUSERS_ONLY: &str = "Only superusers can change superusers.";
const WHILE_IMPERSONATING: &str = "Not allowed while impersonating.";

async fn refused(res: reqwest::Response, detail: &str) {
    assert_eq!(
        parts(res).await,
        (StatusCode::FORBIDDEN, json!({ "detail": detail }))
    );
}

async fn permissions_of(c: &Client) -> Value {
    me(c).await["user"]["system_permissions"].clone()
}

fn role_uuid_of(app: &TestApp, username: &str) -> String {
    app.query(&format!(
        "SELECT uuid FROM roles WHERE name = 'role-of-{username}'"
    ))
}

/// A group created by the superuser, holding `roles` and with `parents`.
async fn group(admin: &Client, name: &str, is_superuser: bool, users: &[i64]) -> Value {
    created(
        admin,
        "/api/v3/core/groups/",
        json!({"name": name, "is_superuser": is_superuser, "users": users}),
    )
    .await
}

fn events_since(app: &TestApp, before: i64) -> i64 {
    let now: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");
    now - before
}

#[actix_web::test]
async fn an_impersonation_cannot_turn_into_permanent_permissions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let power_perms = ["core.change_user", "core.change_group", "rbac.change_role"];
    let (_, power) = app.user_with_perms("power", &power_perms).await;
    let staff = group(&admin, "staff", false, &[]).await;
    let (helpdesk, helpdesk_pk) = app
        .user_with_perms("helpdesk", &["core.impersonate", "core.view_user"])
        .await;
    let held_before = permissions_of(&helpdesk).await;

    // The helpdesk does not cover `power`, so it cannot become them at all.
    refused(
        start(&helpdesk, power, "ticket 1").await,
        "You cannot impersonate a user who holds permissions you do not have.",
    )
    .await;

    // A helpdesk that does cover its target still cannot use the impersonation to
    // change who holds what, not even to give itself what it already holds.
    let mut wider = power_perms.to_vec();
    wider.extend(["core.impersonate", "core.view_user"]);
    let (lead, lead_pk) = app.user_with_perms("lead", &wider).await;
    assert_eq!(start(&lead, power, "ticket 2").await.status(), 204);
    let before: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");
    let roles = json!([role_uuid_of(&app, "lead"), role_uuid_of(&app, "power")]);
    refused(
        lead.patch(
            &format!("/api/v3/core/users/{helpdesk_pk}/"),
            json!({ "roles": roles }),
        )
        .await,
        WHILE_IMPERSONATING,
    )
    .await;
    refused(
        lead.post(
            &format!(
                "/api/v3/core/groups/{}/add_user/",
                staff["pk"].as_str().unwrap()
            ),
            json!({ "pk": lead_pk }),
        )
        .await,
        WHILE_IMPERSONATING,
    )
    .await;
    assert_eq!(events_since(&app, before), 0);
    let res = lead
        .post("/api/v3/core/users/impersonate_end/", json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(permissions_of(&helpdesk).await, held_before);
    let (_, staff_now) = parts(
        admin
            .get(&format!(
                "/api/v3/core/groups/{}/",
                staff["pk"].as_str().unwrap()
            ))
            .await,
    )
    .await;
    assert_eq!(staff_now["users"], json!([]));
}

#[actix_web::test]
async fn a_non_superuser_cannot_strip_superuser_status_and_then_take_the_account() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let admin2 = app.create_user("admin2", "pw-admin2-123456");
    let root2 = group(&admin, "root2", true, &[admin2]).await;
    let root2_at = format!("/api/v3/core/groups/{}/", root2["pk"].as_str().unwrap());
    let child = created(
        &admin,
        "/api/v3/core/groups/",
        json!({"name": "child", "parents": [root2["pk"]], "users": [admin2]}),
    )
    .await;
    let child_at = format!("/api/v3/core/groups/{}/", child["pk"].as_str().unwrap());
    let perms = [
        "core.view_group",
        "core.change_group",
        "core.delete_group",
        "core.reset_user_password",
    ];
    let (grouper, _) = app.user_with_perms("grouper", &perms).await;
    let before: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");

    refused(
        grouper
            .post(&format!("{root2_at}remove_user/"), json!({"pk": admin2}))
            .await,
        SUPERUSERS_ONLY,
    )
    .await;
    refused(
        grouper
            .put(&root2_at, json!({"name": "root2", "is_superuser": true}))
            .await,
        SUPERUSERS_ONLY,
    )
    .await;
    refused(
        grouper.patch(&child_at, json!({"parents": []})).await,
        SUPERUSERS_ONLY,
    )
    .await;
    refused(grouper.delete(&root2_at).await, SUPERUSERS_ONLY).await;
    refused(grouper.delete(&child_at).await, SUPERUSERS_ONLY).await;
    refused(
        grouper
            .post(
                &format!("/api/v3/core/users/{admin2}/set_password/"),
                json!({"password": "taken-over-1"}),
            )
            .await,
        SUPERUSERS_ONLY,
    )
    .await;
    assert_eq!(events_since(&app, before), 0);
    let events: i64 = app.query("SELECT COUNT(*) FROM events WHERE action = 'password_set'");
    assert_eq!(events, 0);
    let taken = app.client();
    let res = taken
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin2", "password": "taken-over-1"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let admin2_session = app.login("admin2", "pw-admin2-123456").await;
    assert_eq!(me(&admin2_session).await["user"]["is_superuser"], true);
    let (_, root2_now) = parts(admin.get(&root2_at).await).await;
    assert_eq!(root2_now["users"], json!([admin2]));
}

#[actix_web::test]
async fn an_impersonation_ends_when_its_target_becomes_a_superuser_mid_way() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (helpdesk, helpdesk_pk) = app
        .user_with_perms("helpdesk", &["core.impersonate", "core.view_user"])
        .await;
    let victim = app.create_user("victim", "pw-victim-123456");
    assert_eq!(start(&helpdesk, victim, "ticket 3").await.status(), 204);
    assert_eq!(me(&helpdesk).await["user"]["username"], "victim");
    let root = group(&admin, "root", true, &[]).await;
    let root_at = format!("/api/v3/core/groups/{}/", root["pk"].as_str().unwrap());
    let res = admin
        .post(&format!("{root_at}add_user/"), json!({"pk": victim}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // The very next request is served as the helpdesk itself.
    refused(
        helpdesk
            .patch("/api/v3/core/users/1/", json!({"name": "Taken"}))
            .await,
        "You do not have permission to perform this action.",
    )
    .await;
    refused(
        helpdesk
            .post(&format!("{root_at}add_user/"), json!({"pk": helpdesk_pk}))
            .await,
        "You do not have permission to perform this action.",
    )
    .await;
    let session = me(&helpdesk).await;
    assert_eq!(session["user"]["username"], "helpdesk");
    assert!(session.get("original").is_none(), "{session}");
    let reason: String =
        app.query("SELECT end_reason FROM impersonations ORDER BY id DESC LIMIT 1");
    assert_eq!(reason, "user_changed");
    let (_, root_now) = parts(admin.get(&root_at).await).await;
    assert_eq!(root_now["users"], json!([victim]));
    let (_, admin_now) = parts(admin.get("/api/v3/core/users/1/").await).await;
    assert_eq!(admin_now["name"], "standin admin");
}

#[actix_web::test]
async fn change_user_alone_cannot_grant_its_holder_every_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let all = created(
        &admin,
        "/api/v3/rbac/roles/",
        json!({"name": "everything", "permissions": [
            "core.add_user", "core.change_user", "core.delete_user", "rbac.change_role"
        ]}),
    )
    .await;
    let (editor, editor_pk) = app.user_with_perms("editor", &["core.change_user"]).await;
    let own = role_uuid_of(&app, "editor");
    let before = permissions_of(&editor).await;
    refused(
        editor
            .patch(
                &format!("/api/v3/core/users/{editor_pk}/"),
                json!({"roles": [own, all["pk"]]}),
            )
            .await,
        CEILING,
    )
    .await;
    assert_eq!(permissions_of(&editor).await, before);
    assert_eq!(before, json!(["core.change_user"]));
    // A role within its own grants it may hand on, and a name it may change.
    let viewer = created(
        &admin,
        "/api/v3/rbac/roles/",
        json!({"name": "editor-like", "permissions": ["core.change_user"]}),
    )
    .await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let (status, body) = parts(
        editor
            .patch(
                &format!("/api/v3/core/users/{ana}/"),
                json!({"roles": [viewer["pk"]], "name": "Ana"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["roles"], json!([viewer["pk"]]));
}

#[actix_web::test]
async fn taking_permissions_away_needs_cover_of_everyone_who_loses_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let role = created(
        &admin,
        "/api/v3/rbac/roles/",
        json!({"name": "auditing", "permissions": ["events.view_event", "core.view_user"]}),
    )
    .await;
    let (auditor, auditor_pk) = app.user_with_perms("auditor", &["core.delete_user"]).await;
    let team = created(
        &admin,
        "/api/v3/core/groups/",
        json!({"name": "team", "roles": [role["pk"]], "users": [auditor_pk]}),
    )
    .await;
    let perms = [
        "rbac.change_role",
        "core.change_group",
        "events.view_event",
        "core.view_user",
    ];
    let (manager, _) = app.user_with_perms("manager", &perms).await;
    let team_at = format!("/api/v3/core/groups/{}/", team["pk"].as_str().unwrap());
    let role_at = format!("/api/v3/rbac/roles/{}/", role["pk"].as_str().unwrap());
    let before = permissions_of(&auditor).await;
    refused(
        manager
            .patch(&role_at, json!({"permissions": ["core.view_user"]}))
            .await,
        NOT_COVERED,
    )
    .await;
    refused(
        manager.patch(&team_at, json!({"roles": []})).await,
        NOT_COVERED,
    )
    .await;
    refused(manager.delete(&role_at).await, NOT_COVERED).await;
    refused(
        manager
            .post(&format!("{team_at}remove_user/"), json!({"pk": auditor_pk}))
            .await,
        NOT_COVERED,
    )
    .await;
    assert_eq!(permissions_of(&auditor).await, before);
    // Once the manager covers the auditor, the same change goes through.
    app.sql_noticed(
        "INSERT INTO role_permissions SELECT id, 'core.delete_user' FROM roles
         WHERE name = 'role-of-manager'",
    )
    .await;
    let res = manager.patch(&team_at, json!({"roles": []})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(permissions_of(&auditor).await, json!(["core.delete_user"]));
}
