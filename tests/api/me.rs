use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const USER_SELF_KEYS: &[&str] = &[
    "pk",
    "username",
    "name",
    "is_active",
    "is_superuser",
    "groups",
    "roles",
    "email",
    "avatar",
    "uid",
    "settings",
    "type",
    "system_permissions",
    "is_current",
];

fn assert_user_self_shape(u: &Value) {
    let obj = u.as_object().expect("UserSelf is an object");
    for key in USER_SELF_KEYS {
        assert!(obj.contains_key(*key), "UserSelf lacks {key}: {u}");
    }
    assert!(u["pk"].is_i64());
    assert!(u["is_active"].is_boolean() && u["is_superuser"].is_boolean());
    assert!(u["groups"].is_array() && u["roles"].is_array());
    assert!(
        u["avatar"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml")
    );
    assert_eq!(u["uid"].as_str().unwrap().len(), 64);
    assert!(u["settings"].is_object());
    let perms: Vec<&str> = u["system_permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let mut sorted = perms.clone();
    sorted.sort();
    assert_eq!(perms, sorted, "system_permissions are sorted");
}

#[actix_web::test]
async fn me_without_a_session_is_403() {
    let app = TestApp::spawn().await;
    assert_unauthenticated(app.client().get("/api/v3/core/users/me/").await).await;
}

#[actix_web::test]
async fn me_for_the_superuser_lists_every_permission_and_no_original() {
    let app = TestApp::spawn().await;
    let (status, body) = parts(app.admin().await.get("/api/v3/core/users/me/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_user_self_shape(&body["user"]);
    assert!(
        body.get("original").is_none(),
        "original is absent, not null: {body}"
    );
    assert_eq!(body["user"]["is_superuser"], true);
    assert_eq!(body["user"]["is_current"], true);
    assert_eq!(body["user"]["type"], "internal");
    assert_eq!(body["user"]["groups"][0]["name"], "admins");
    assert!(body["user"]["groups"][0]["pk"].is_string());
    assert_eq!(
        body["user"]["system_permissions"].as_array().unwrap().len(),
        16
    );
    assert!(
        (body["user"]["system_permissions"].as_array().unwrap())
            .contains(&json!("core.impersonate_read_only"))
    );
    assert_eq!(body["unseen_impersonations"], 0);
    assert_eq!(body["users"], json!([body["user"].clone()]));
}

#[actix_web::test]
async fn me_for_a_plain_user_lists_the_permissions_of_their_roles() {
    let app = TestApp::spawn().await;
    let pk = app.create_user("viewer", "pw-viewer-123");
    app.sql(&format!(
        "INSERT INTO roles (uuid, name) VALUES ('00000000-0000-4000-8000-000000000001', 'auditors');
         INSERT INTO role_permissions VALUES (last_insert_rowid(), 'events.view_event');
         INSERT INTO role_permissions SELECT id, 'core.view_user' FROM roles WHERE name = 'auditors';
         INSERT INTO user_roles SELECT {pk}, id FROM roles WHERE name = 'auditors';"
    ));
    let c = app.login("viewer", "pw-viewer-123").await;
    let (status, body) = parts(c.get("/api/v3/core/users/me/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_user_self_shape(&body["user"]);
    assert_eq!(body["user"]["is_superuser"], false);
    assert_eq!(
        body["user"]["system_permissions"],
        json!(["core.view_user", "events.view_event"])
    );
    assert_eq!(
        body["user"]["roles"],
        json!([{"name": "auditors", "pk": "00000000-0000-4000-8000-000000000001"}])
    );
}

#[actix_web::test]
async fn permissions_and_superuser_status_come_through_group_ancestors() {
    let app = TestApp::spawn().await;
    let pk = app.create_user("deep", "pw-deep-12345");
    app.sql(&format!(
        "INSERT INTO groups (uuid, name) VALUES ('g-root', 'root'), ('g-mid', 'mid'), ('g-leaf', 'leaf');
         INSERT INTO group_parents (group_id, parent_id)
             SELECT c.id, p.id FROM groups c, groups p WHERE c.name = 'leaf' AND p.name = 'mid';
         INSERT INTO group_parents (group_id, parent_id)
             SELECT c.id, p.id FROM groups c, groups p WHERE c.name = 'mid' AND p.name = 'root';
         INSERT INTO roles (uuid, name) VALUES ('r-1', 'group-viewers');
         INSERT INTO role_permissions SELECT id, 'core.view_group' FROM roles;
         INSERT INTO group_roles SELECT g.id, r.id FROM groups g, roles r WHERE g.name = 'root';
         INSERT INTO user_groups SELECT {pk}, id FROM groups WHERE name = 'leaf';"
    ));
    let c = app.login("deep", "pw-deep-12345").await;
    let (_, body) = parts(c.get("/api/v3/core/users/me/").await).await;
    assert_eq!(
        body["user"]["system_permissions"],
        json!(["core.view_group"])
    );
    assert_eq!(body["user"]["is_superuser"], false);
    app.sql_noticed("UPDATE groups SET is_superuser = 1 WHERE name = 'root'")
        .await;
    let (_, body) = parts(c.get("/api/v3/core/users/me/").await).await;
    assert_eq!(
        body["user"]["is_superuser"], true,
        "a superuser ancestor makes a superuser"
    );
    assert_eq!(
        body["user"]["system_permissions"].as_array().unwrap().len(),
        16
    );
}
