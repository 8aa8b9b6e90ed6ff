use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const USER_FIELDS: &[(&str, &str)] = &[
    ("pk", "int"),
    ("username", "string"),
    ("name", "string"),
    ("is_active", "bool"),
    ("last_login", "string|null"),
    ("date_joined", "string"),
    ("last_updated", "string"),
    ("password_change_date", "string"),
    ("is_superuser", "bool"),
    ("groups", "array"),
    ("groups_obj", "array|null"),
    ("roles", "array"),
    ("roles_obj", "array|null"),
    ("email", "string"),
    ("avatar", "string"),
    ("attributes", "object"),
    ("uid", "string"),
    ("path", "string"),
    ("type", "string"),
    ("uuid", "string"),
];

const GROUP_A: &str = "11111111-1111-4111-8111-111111111111";
const GROUP_B: &str = "22222222-2222-4222-8222-222222222222";
const ROLE_A: &str = "33333333-3333-4333-8333-333333333333";

/// Groups `parent-a` (A's parent), `a` and `b`, and role `r` with core.view_user.
fn seed_groups(app: &TestApp) {
    app.sql(&format!(
        "INSERT INTO groups (uuid, name) VALUES ('00000000-0000-4000-8000-00000000000a', 'parent-a'),
             ('{GROUP_A}', 'a'), ('{GROUP_B}', 'b');
         INSERT INTO group_parents (group_id, parent_id)
             SELECT c.id, p.id FROM groups c, groups p WHERE c.name = 'a' AND p.name = 'parent-a';
         INSERT INTO roles (uuid, name) VALUES ('{ROLE_A}', 'r');
         INSERT INTO role_permissions SELECT id, 'core.view_user' FROM roles WHERE name = 'r';"
    ));
}

async fn create(c: &Client, body: Value) -> (StatusCode, Value) {
    parts(c.post("/api/v3/core/users/", body).await).await
}

fn count(app: &TestApp, action: &str) -> i64 {
    app.query(&format!(
        "SELECT COUNT(*) FROM events WHERE action = '{action}'"
    ))
}

#[actix_web::test]
async fn an_admin_creates_a_user_with_every_field_authentik_requires() {
    let app = TestApp::spawn().await;
    seed_groups(&app);
    let admin = app.admin().await;
    let (status, u) = create(
        &admin,
        json!({"username": "ana", "name": "Ana Lima", "email": "ana@example.com", "groups": [GROUP_A],
               "roles": [ROLE_A], "attributes": {"team": "ops"}, "path": "users/ops", "type": "external"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    assert_fields(&u, USER_FIELDS);
    assert_datetimes(
        &u,
        &[
            "last_login",
            "date_joined",
            "last_updated",
            "password_change_date",
        ],
    );
    assert_eq!(u["username"], "ana");
    assert_eq!(u["is_active"], true);
    assert_eq!(u["is_superuser"], false);
    assert_eq!(u["type"], "external");
    assert_eq!(u["path"], "users/ops");
    assert_eq!(u["attributes"], json!({"team": "ops"}));
    assert_eq!(u["groups"], json!([GROUP_A]));
    let g = &u["groups_obj"][0];
    assert_fields(
        g,
        &[
            ("pk", "string"),
            ("num_pk", "int"),
            ("name", "string"),
            ("is_superuser", "bool"),
            ("parent", "string|null"),
            ("parent_name", "string|null"),
            ("attributes", "object"),
        ],
    );
    assert_eq!(g["name"], "a");
    assert_eq!(g["parent_name"], "parent-a");
    assert_eq!(g["parent"], "00000000-0000-4000-8000-00000000000a");
    assert_eq!(
        u["roles_obj"],
        json!([{"pk": ROLE_A, "name": "r", "permissions": ["core.view_user"]}])
    );
    assert!(
        u["avatar"]
            .as_str()
            .unwrap()
            .starts_with("data:image/svg+xml")
    );
    assert_eq!(u["uid"].as_str().unwrap().len(), 64);
    assert_eq!(count(&app, "model_created"), 2, "bootstrap admin and ana");
    // The new user has no password until one is set.
    let res = app
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "ana", "password": "guess"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn the_admins_own_record_is_a_superuser_with_stable_uid() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, first) = parts(admin.get("/api/v3/core/users/1/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_fields(&first, USER_FIELDS);
    assert_eq!(first["is_superuser"], true);
    let (_, again) = parts(admin.get("/api/v3/core/users/1/").await).await;
    assert_eq!(first["uid"], again["uid"]);
    let (_, me) = parts(admin.get("/api/v3/core/users/me/").await).await;
    assert_eq!(me["user"]["uid"], first["uid"]);
}

#[actix_web::test]
async fn every_invalid_field_is_reported_at_once_in_authentiks_words() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = create(
        &admin,
        json!({"username": "bad name!", "email": "not-an-email", "path": "/lead", "type": "robot",
               "attributes": [1, 2], "groups": ["nope"], "roles": [ROLE_A], "is_active": "perhaps"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({
            "username": ["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],
            "name": ["This field is required."],
            "email": ["Enter a valid email address."],
            "path": ["No leading or trailing slashes allowed."],
            "type": ["\"robot\" is not a valid choice."],
            "attributes": ["Value must be a dictionary, and not have any duplicate keys."],
            "groups": ["Must be a valid UUID."],
            "roles": [format!("Invalid pk \"{ROLE_A}\" - object does not exist.")],
            "is_active": ["Must be a valid boolean."],
        })
    );
    assert_eq!(count(&app, "model_created"), 1, "only the bootstrap admin");
}

#[actix_web::test]
async fn the_remaining_messages_of_the_contract() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cases = [
        (
            json!({"username": "", "name": "x"}),
            "username",
            "This field may not be blank.",
        ),
        (
            json!({"username": "a".repeat(151), "name": "x"}),
            "username",
            "Ensure this field has no more than 150 characters.",
        ),
        (
            json!({"username": "admin", "name": "x"}),
            "username",
            "This field must be unique.",
        ),
        (
            json!({"username": "p", "name": "x", "path": "a//b"}),
            "path",
            "No empty segments in user path allowed.",
        ),
        (
            json!({"username": "t", "name": "x", "type": "internal_service_account"}),
            "type",
            "Setting a user to internal service account is not allowed.",
        ),
        (
            json!({"username": "g", "name": "x", "groups": [GROUP_B]}),
            "groups",
            &format!("Invalid pk \"{GROUP_B}\" - object does not exist."),
        ),
    ];
    for (body, field, message) in cases {
        let (status, errors) = create(&admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(errors[field], json!([message]), "{body}");
    }
}

#[actix_web::test]
async fn an_internal_service_account_cannot_change_type() {
    let app = TestApp::spawn().await;
    let pk = app.create_user("robot", "pw-robot-12345");
    app.sql(&format!(
        "UPDATE users SET type = 'internal_service_account' WHERE id = {pk}"
    ));
    let admin = app.admin().await;
    let (status, body) = parts(
        admin
            .patch(
                &format!("/api/v3/core/users/{pk}/"),
                json!({"type": "internal"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"type": ["Can't change internal service account to other user type."]})
    );
}

#[actix_web::test]
async fn put_replaces_and_empties_omitted_groups_while_patch_keeps_them() {
    let app = TestApp::spawn().await;
    seed_groups(&app);
    let admin = app.admin().await;
    let (_, u) = create(&admin, json!({"username": "ana", "name": "Ana", "groups": [GROUP_A], "roles": [ROLE_A], "email": "a@example.com"})).await;
    let path = format!("/api/v3/core/users/{}/", u["pk"]);
    let (status, patched) = parts(admin.patch(&path, json!({"name": "Ana P."})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["name"], "Ana P.");
    assert_eq!(patched["groups"], json!([GROUP_A]));
    assert_eq!(patched["roles"], json!([ROLE_A]));
    assert!(patched["last_updated"].as_str() > u["last_updated"].as_str());
    let (status, put) = parts(
        admin
            .put(&path, json!({"username": "ana", "name": "Ana"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(put["groups"], json!([]));
    assert_eq!(put["roles"], json!([]));
    assert_eq!(put["email"], "a@example.com", "other omitted fields stay");
    let (status, errors) = parts(admin.put(&path, json!({"name": "x"})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(errors, json!({"username": ["This field is required."]}));
    assert_eq!(count(&app, "model_updated"), 2);
}

#[actix_web::test]
async fn read_only_and_unknown_fields_in_a_body_are_ignored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, u) = create(
        &admin,
        json!({"username": "ana", "name": "A", "pk": 77, "is_superuser": true, "uid": "x", "favourite": "tea"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(u["pk"], 77);
    assert_eq!(u["is_superuser"], false);
    assert!(u.get("favourite").is_none());
}

#[actix_web::test]
async fn missing_and_malformed_ids_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in ["/api/v3/core/users/999/", "/api/v3/core/users/-1/"] {
        let (status, body) = parts(admin.get(path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            body,
            json!({"detail": "No User matches the given query."}),
            "{path}"
        );
    }
    let (status, body) = parts(admin.get("/api/v3/core/users/abc/").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["detail"].is_string());
    let (status, _) = parts(
        admin
            .patch("/api/v3/core/users/999/", json!({"name": "x"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = parts(admin.delete("/api/v3/core/users/999/").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn deleting_a_user_answers_204_records_it_and_ends_their_session() {
    let app = TestApp::spawn().await;
    let pk = app.create_user("leaver", "pw-leaver-1234");
    let leaver = app.login("leaver", "pw-leaver-1234").await;
    let admin = app.admin().await;
    let res = admin.delete(&format!("/api/v3/core/users/{pk}/")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.text().await.unwrap(), "");
    assert_eq!(
        admin
            .get(&format!("/api/v3/core/users/{pk}/"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_unauthenticated(leaver.get("/api/v3/core/users/me/").await).await;
    let context: String = app.query("SELECT context FROM events WHERE action = 'model_deleted'");
    let context: Value = serde_json::from_str(&context).unwrap();
    assert_eq!(
        context["model"],
        json!({"app": "standin", "model_name": "user", "pk": pk, "name": "leaver"})
    );
}

#[actix_web::test]
async fn deactivating_a_user_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let pk = app.create_user("ana", "pw-ana-123456");
    let ana = app.login("ana", "pw-ana-123456").await;
    let admin = app.admin().await;
    let (status, u) = parts(
        admin
            .patch(
                &format!("/api/v3/core/users/{pk}/"),
                json!({"is_active": false}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(u["is_active"], false);
    assert_unauthenticated(ana.get("/api/v3/core/users/me/").await).await;
}

#[actix_web::test]
async fn set_password_on_another_user_needs_the_permission_and_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let pk = app.create_user("ana", "pw-ana-123456");
    let ana = app.login("ana", "pw-ana-123456").await;
    let (viewer, _) = app.user_with_perms("viewer", &["core.view_user"]).await;
    let path = format!("/api/v3/core/users/{pk}/set_password/");
    assert_denied(
        viewer
            .post(&path, json!({"password": "new-pass-123"}))
            .await,
    )
    .await;
    let admin = app.admin().await;
    let (status, body) = parts(admin.post(&path, json!({"password": ""})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"password": ["This field may not be blank."]}));
    let res = admin.post(&path, json!({"password": "new-pass-123"})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_unauthenticated(ana.get("/api/v3/core/users/me/").await).await;
    app.login("ana", "new-pass-123").await;
    assert_eq!(count(&app, "password_set"), 1);
}

#[actix_web::test]
async fn a_user_sets_their_own_password_and_stays_logged_in() {
    let app = TestApp::spawn().await;
    let pk = app.create_user("ana", "pw-ana-123456");
    let ana = app.login("ana", "pw-ana-123456").await;
    let other_device = app.login("ana", "pw-ana-123456").await;
    let res = ana
        .post(
            &format!("/api/v3/core/users/{pk}/set_password/"),
            json!({"password": "fresh-pass-42"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ana.get("/api/v3/core/users/me/").await.status(),
        StatusCode::OK
    );
    assert_unauthenticated(other_device.get("/api/v3/core/users/me/").await).await;
    // But not anyone else's.
    let res = ana
        .post(
            "/api/v3/core/users/1/set_password/",
            json!({"password": "x-takeover-1"}),
        )
        .await;
    assert_denied(res).await;
}

#[actix_web::test]
async fn a_plain_user_cannot_list_or_read_users() {
    let app = TestApp::spawn().await;
    app.create_user("plain", "pw-plain-12345");
    let plain = app.login("plain", "pw-plain-12345").await;
    assert_denied(plain.get("/api/v3/core/users/").await).await;
    assert_denied(plain.get("/api/v3/core/users/1/").await).await;
    assert_denied(plain.get("/api/v3/core/users/paths/").await).await;
    assert_denied(
        plain
            .post("/api/v3/core/users/", json!({"username": "x", "name": "x"}))
            .await,
    )
    .await;
    assert_eq!(count(&app, "model_created"), 1);
}

#[actix_web::test]
async fn a_viewer_can_read_but_not_change_or_delete() {
    let app = TestApp::spawn().await;
    let (viewer, _) = app.user_with_perms("viewer", &["core.view_user"]).await;
    let (status, page) = parts(viewer.get("/api/v3/core/users/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["pagination"]["count"], 2);
    assert_denied(
        viewer
            .patch("/api/v3/core/users/1/", json!({"name": "pwned"}))
            .await,
    )
    .await;
    assert_denied(
        viewer
            .put(
                "/api/v3/core/users/1/",
                json!({"username": "admin", "name": "pwned"}),
            )
            .await,
    )
    .await;
    assert_denied(viewer.delete("/api/v3/core/users/1/").await).await;
    assert_eq!(
        count(&app, "model_updated") + count(&app, "model_deleted"),
        0
    );
}

#[actix_web::test]
async fn unauthenticated_requests_get_403() {
    let app = TestApp::spawn().await;
    let c = app.client();
    assert_unauthenticated(c.get("/api/v3/core/users/").await).await;
    assert_unauthenticated(
        c.post("/api/v3/core/users/", json!({"username": "x", "name": "x"}))
            .await,
    )
    .await;
}

#[actix_web::test]
async fn wrong_types_nul_bytes_and_huge_attributes_are_400_never_500() {
    let app =
        TestApp::spawn_with(|c| c.server.max_body = standin::config::ByteSize(512 * 1024)).await;
    let admin = app.admin().await;
    let bodies = [
        json!({"username": 5, "name": ["x"]}),
        json!({"username": "a", "name": "x", "is_active": {}, "last_login": 3, "groups": "x", "roles": [1], "email": false, "path": null, "type": 7}),
        json!({"username": "nul\u{0}byte", "name": "x\u{0}"}),
        json!({"username": "big", "name": "x", "attributes": {"blob": "x".repeat(70 * 1024)}}),
        json!(null),
        json!("string"),
    ];
    for body in bodies {
        let (status, errors) = create(&admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(errors.is_object(), "{errors}");
    }
    let (_, e) = create(
        &admin,
        json!({"username": "big", "name": "x", "attributes": {"blob": "x".repeat(70 * 1024)}}),
    )
    .await;
    assert_eq!(
        e["attributes"],
        json!(["Ensure this value has at most 65536 bytes."])
    );
    let (_, e) = create(&admin, json!({"username": "a", "name": "x\u{0}"})).await;
    assert_eq!(e["name"], json!(["Null characters are not allowed."]));
}

#[actix_web::test]
async fn paths_are_distinct_sorted_and_searchable() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (name, path) in [
        ("a", "users/ops"),
        ("b", "users/dev"),
        ("c", "users/ops"),
        ("d", "robots"),
    ] {
        create(
            &admin,
            json!({"username": name, "name": name, "path": path}),
        )
        .await;
    }
    let (status, body) = parts(admin.get("/api/v3/core/users/paths/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"paths": ["robots", "users", "users/dev", "users/ops"]})
    );
    let (_, body) = parts(admin.get("/api/v3/core/users/paths/?search=ops").await).await;
    assert_eq!(body, json!({"paths": ["users/ops"]}));
}

#[actix_web::test]
async fn only_a_superuser_can_put_someone_in_a_superuser_group() {
    let app = TestApp::spawn().await;
    let admins: String = app.query("SELECT uuid FROM groups WHERE name = 'admins'");
    let perms = ["core.view_user", "core.add_user", "core.change_user"];
    let (helpdesk, self_pk) = app.user_with_perms("helpdesk", &perms).await;
    let only = json!({"detail": "Only superusers can change superusers."});
    let (status, body) = create(
        &helpdesk,
        json!({"username": "mole", "name": "x", "groups": [admins]}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::FORBIDDEN, only.clone()));
    let res = helpdesk
        .patch(
            &format!("/api/v3/core/users/{self_pk}/"),
            json!({"groups": [admins]}),
        )
        .await;
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not even themselves");
    assert_eq!(body, only);
    // Nor change a superuser in any other way (a password reset would be a takeover).
    let res = helpdesk
        .patch("/api/v3/core/users/1/", json!({"name": "The Admin"}))
        .await;
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Only superusers can change superusers."})
    );
    let (status, u) = create(
        &app.admin().await,
        json!({"username": "deputy", "name": "x", "groups": [admins]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(u["is_superuser"], true);
}

#[actix_web::test]
async fn a_non_superuser_cannot_reset_delete_or_change_a_superuser() {
    let app = TestApp::spawn().await;
    let perms = [
        "core.view_user",
        "core.change_user",
        "core.delete_user",
        "core.reset_user_password",
    ];
    let (helpdesk, _) = app.user_with_perms("helpdesk", &perms).await;
    let refused = json!({"detail": "Only superusers can change superusers."});
    let attempts = [
        helpdesk
            .post(
                "/api/v3/core/users/1/set_password/",
                json!({"password": "taken-over-1"}),
            )
            .await,
        helpdesk
            .put(
                "/api/v3/core/users/1/",
                json!({"username": "admin", "name": "x"}),
            )
            .await,
        helpdesk
            .patch("/api/v3/core/users/1/", json!({"is_active": false}))
            .await,
        helpdesk.delete("/api/v3/core/users/1/").await,
    ];
    for res in attempts {
        let (status, body) = parts(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body, refused);
    }
    app.admin().await; // the admin's password and account are untouched
    assert_eq!(
        count(&app, "password_set") + count(&app, "model_updated") + count(&app, "model_deleted"),
        0
    );
    // Ordinary users remain theirs to manage.
    let pk = app.create_user("ana", "pw-ana-123456");
    let res = helpdesk
        .post(
            &format!("/api/v3/core/users/{pk}/set_password/"),
            json!({"password": "new-pass-123"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}
