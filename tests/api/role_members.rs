//! Roles assigned to users directly through `add_user` and `remove_user`, under the
//! same rules as any other change of what a user holds.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn role(admin: &Client, name: &str, perms: &[&str]) -> Value {
    created(
        admin,
        "/api/v3/rbac/roles/",
        json!({"name": name, "permissions": perms}),
    )
    .await
}

fn at(role: &Value, action: &str) -> String {
    format!(
        "/api/v3/rbac/roles/{}/{action}/",
        role["pk"].as_str().unwrap()
    )
}

async fn roles_of(admin: &Client, pk: i64) -> Value {
    parts(admin.get(&format!("/api/v3/core/users/{pk}/")).await)
        .await
        .1["roles"]
        .clone()
}

#[actix_web::test]
async fn a_role_is_assigned_and_taken_back_with_one_event_each() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let viewer = role(&admin, "viewer", &["core.view_user"]).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    for _ in 0..2 {
        let res = admin
            .post(&at(&viewer, "add_user"), json!({"pk": ana}))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(roles_of(&admin, ana).await, json!([viewer["pk"]]));
    let ana_c = app.login("ana", "pw-ana-123456").await;
    let (status, _) = parts(ana_c.get("/api/v3/core/users/").await).await;
    assert_eq!(status, StatusCode::OK, "the role counts at once");
    let res = admin
        .post(&at(&viewer, "remove_user"), json!({"pk": ana}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(roles_of(&admin, ana).await, json!([]));
    assert_eq!(
        model_events(&app, "model_updated", "role"),
        2,
        "one for the assignment, one for taking it back; none for the repeat"
    );
}

#[actix_web::test]
async fn assigning_needs_change_role_and_change_user_cover_and_every_permission_of_the_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let viewer = role(&admin, "viewer", &["core.view_user"]).await;
    let deleter = role(&admin, "deleter", &["core.delete_user"]).await;
    let ana = app.create_user("ana", "pw-ana-123456");
    for perms in [&["rbac.change_role"][..], &["core.change_user"][..]] {
        let name = format!("half-{}", perms[0].replace('.', "-"));
        let (half, _) = app.user_with_perms(&name, perms).await;
        assert_denied(
            half.post(&at(&viewer, "add_user"), json!({"pk": ana}))
                .await,
        )
        .await;
    }
    let perms = ["rbac.change_role", "core.change_user", "core.view_user"];
    let (manager, _) = app.user_with_perms("manager", &perms).await;
    let res = manager
        .post(&at(&viewer, "add_user"), json!({"pk": ana}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = manager
        .post(&at(&deleter, "add_user"), json!({"pk": ana}))
        .await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You cannot grant permissions you do not hold."})
        )
    );
    // Now ana holds what the manager does not: taking anything from her needs cover.
    admin
        .post(&at(&deleter, "add_user"), json!({"pk": ana}))
        .await;
    let res = manager
        .post(&at(&viewer, "remove_user"), json!({"pk": ana}))
        .await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "You cannot change a user who holds permissions you do not have."})
        )
    );
    let res = manager
        .post(&at(&viewer, "add_user"), json!({"pk": 1}))
        .await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::FORBIDDEN,
            json!({"detail": "Only superusers can change superusers."})
        )
    );
    let mut held: Vec<Value> = roles_of(&admin, ana).await.as_array().unwrap().clone();
    held.sort_by_key(|v| v.to_string());
    let mut want = vec![viewer["pk"].clone(), deleter["pk"].clone()];
    want.sort_by_key(|v| v.to_string());
    assert_eq!(held, want);
}

#[actix_web::test]
async fn a_missing_user_is_a_400_and_a_missing_role_a_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let viewer = role(&admin, "viewer", &[]).await;
    let res = admin
        .post(&at(&viewer, "add_user"), json!({"pk": 999}))
        .await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"pk": ["Invalid pk \"999\" - object does not exist."]})
        )
    );
    let res = admin.post(&at(&viewer, "add_user"), json!({})).await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"pk": ["This field is required."]})
        )
    );
    let missing = format!("/api/v3/rbac/roles/{}/add_user/", uuid::Uuid::new_v4());
    let res = admin.post(&missing, json!({"pk": 1})).await;
    assert_eq!(
        parts(res).await,
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "No Role matches the given query."})
        )
    );
}
