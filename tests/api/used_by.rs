//! `used_by` of users, groups and roles: always empty, behind the view permission.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

/// The three `used_by` paths of the admin, a group and a role.
async fn paths(app: &TestApp) -> [String; 3] {
    let admin = app.admin().await;
    let group = created(&admin, "/api/v3/core/groups/", json!({"name": "ops"})).await;
    let role = created(
        &admin,
        "/api/v3/rbac/roles/",
        json!({"name": "reader", "permissions": []}),
    )
    .await;
    let admin_pk: i64 = app.query("SELECT id FROM users WHERE username = 'admin'");
    [
        format!("/api/v3/core/users/{admin_pk}/used_by/"),
        format!(
            "/api/v3/core/groups/{}/used_by/",
            group["pk"].as_str().unwrap()
        ),
        format!(
            "/api/v3/rbac/roles/{}/used_by/",
            role["pk"].as_str().unwrap()
        ),
    ]
}

#[actix_web::test]
async fn used_by_of_a_user_a_group_and_a_role_is_an_empty_list() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in paths(&app).await {
        assert_eq!(
            parts(admin.get(&path).await).await,
            (StatusCode::OK, json!([])),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn used_by_needs_the_view_permission_of_its_object() {
    let app = TestApp::spawn().await;
    let [user, group, role] = paths(&app).await;
    let (nobody, _) = app.user_with_perms("nobody", &[]).await;
    for path in [&user, &group, &role] {
        assert_denied(nobody.get(path).await).await;
    }
    let (viewer, _) = app
        .user_with_perms("viewer", &["core.view_user", "rbac.view_role"])
        .await;
    assert_eq!(
        parts(viewer.get(&user).await).await,
        (StatusCode::OK, json!([]))
    );
    assert_eq!(
        parts(viewer.get(&role).await).await,
        (StatusCode::OK, json!([]))
    );
    assert_denied(viewer.get(&group).await).await;
    let (group_viewer, _) = app
        .user_with_perms("group-viewer", &["core.view_group"])
        .await;
    assert_eq!(
        parts(group_viewer.get(&group).await).await,
        (StatusCode::OK, json!([]))
    );
}

#[actix_web::test]
async fn used_by_of_a_missing_object_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let nowhere = uuid::Uuid::new_v4();
    for (path, model) in [
        ("/api/v3/core/users/9999/used_by/".to_owned(), "User"),
        (format!("/api/v3/core/groups/{nowhere}/used_by/"), "Group"),
        (format!("/api/v3/rbac/roles/{nowhere}/used_by/"), "Role"),
        ("/api/v3/rbac/roles/not-a-uuid/used_by/".to_owned(), "Role"),
    ] {
        assert_eq!(
            parts(admin.get(&path).await).await,
            (
                StatusCode::NOT_FOUND,
                json!({ "detail": format!("No {model} matches the given query.") })
            ),
            "{path}"
        );
    }
}
