use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ROLES: &str = "/api/v3/rbac/roles/";

fn at(pk: &Value) -> String {
    format!("{ROLES}{}/", pk.as_str().unwrap())
}

async fn create(c: &Client, body: Value) -> Value {
    created(c, ROLES, body).await
}

/// How many `action` events name a role.
fn role_events(app: &TestApp, action: &str) -> i64 {
    model_events(app, action, "role")
}

fn assert_role_shape(r: &Value) {
    assert_fields(
        r,
        &[
            ("pk", "string"),
            ("name", "string"),
            ("permissions", "array"),
        ],
    );
    uuid::Uuid::parse_str(r["pk"].as_str().unwrap()).expect("pk is a uuid");
}

#[actix_web::test]
async fn a_new_role_keeps_its_permissions_sorted_and_records_an_event() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({"name": "helpdesk", "permissions": ["core.view_user", "core.change_user", "core.view_user"]});
    let role = create(&admin, body).await;
    assert_role_shape(&role);
    assert_eq!(role["name"], "helpdesk");
    assert_eq!(
        role["permissions"],
        json!(["core.change_user", "core.view_user"])
    );
    assert_eq!(role_events(&app, "model_created"), 1);
    let context: String = app.query(
        "SELECT context FROM events WHERE action = 'model_created' ORDER BY id DESC LIMIT 1",
    );
    let context: Value = serde_json::from_str(&context).unwrap();
    assert_eq!(
        context,
        json!({"model": {"app": "standin", "model_name": "role", "pk": role["pk"], "name": "helpdesk"}})
    );
    let (status, fetched) = parts(admin.get(&at(&role["pk"])).await).await;
    assert_eq!((status, fetched), (StatusCode::OK, role.clone()));
    let empty = create(&admin, json!({"name": "nothing"})).await;
    assert_eq!(empty["permissions"], json!([]));
}

#[actix_web::test]
async fn a_missing_or_malformed_role_pk_is_a_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let expected = json!({"detail": "No Role matches the given query."});
    for pk in ["nope", "6f1c2b1e-0000-4000-8000-000000000000"] {
        let path = format!("{ROLES}{pk}/");
        for res in [
            admin.get(&path).await,
            admin.put(&path, json!({"name": "x"})).await,
            admin.patch(&path, json!({})).await,
            admin.delete(&path).await,
        ] {
            assert_eq!(
                parts(res).await,
                (StatusCode::NOT_FOUND, expected.clone()),
                "{pk}"
            );
        }
    }
}

#[actix_web::test]
async fn the_list_is_paginated_ordered_by_name_and_filtered() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for name in ["b-role", "a-role", "c_role"] {
        create(
            &admin,
            json!({"name": name, "permissions": ["rbac.view_role"]}),
        )
        .await;
    }
    let names = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, page) = parts(admin.get(&format!("{ROLES}?page_size=2")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&page), ["a-role", "b-role"]);
    assert_eq!(
        page["pagination"],
        json!({"next": 2, "previous": 0, "count": 3, "current": 1, "total_pages": 2, "start_index": 1, "end_index": 2})
    );
    assert_eq!(page["autocomplete"], json!({}));
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(assert_role_shape);
    let (_, desc) = parts(admin.get(&format!("{ROLES}?ordering=-name")).await).await;
    assert_eq!(names(&desc), ["c_role", "b-role", "a-role"]);
    let (_, found) = parts(admin.get(&format!("{ROLES}?search=_R")).await).await;
    assert_eq!(names(&found), ["c_role"]);
    let (_, named) = parts(admin.get(&format!("{ROLES}?name=b-role")).await).await;
    assert_eq!(names(&named), ["b-role"]);
    let (status, body) = parts(admin.get(&format!("{ROLES}?page=3&page_size=2")).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "Invalid page."}))
    );
    let (status, _) = parts(admin.get(&format!("{ROLES}?ordering=permissions")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn put_and_patch_leave_omitted_permissions_as_they_are() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let role = create(
        &admin,
        json!({"name": "ops", "permissions": ["core.view_user"]}),
    )
    .await;
    let (status, patched) = parts(
        admin
            .patch(&at(&role["pk"]), json!({"name": "ops-2"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (patched["name"].clone(), patched["permissions"].clone()),
        (json!("ops-2"), json!(["core.view_user"]))
    );
    let (_, patched) = parts(
        admin
            .patch(
                &at(&role["pk"]),
                json!({"permissions": ["events.view_event"]}),
            )
            .await,
    )
    .await;
    assert_eq!(
        (patched["name"].clone(), patched["permissions"].clone()),
        (json!("ops-2"), json!(["events.view_event"]))
    );
    let (status, body) = parts(admin.put(&at(&role["pk"]), json!({})).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"name": ["This field is required."]})
        )
    );
    // authentik's role has only a name: its clients' PUT never sends permissions.
    let (status, put) = parts(admin.put(&at(&role["pk"]), json!({"name": "ops"})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        put,
        json!({"pk": role["pk"], "name": "ops", "permissions": ["events.view_event"]})
    );
    let body = json!({"name": "ops", "permissions": []});
    let (status, put) = parts(admin.put(&at(&role["pk"]), body).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        put,
        json!({"pk": role["pk"], "name": "ops", "permissions": []})
    );
    assert_eq!(role_events(&app, "model_updated"), 4);
}

#[actix_web::test]
async fn changing_a_role_changes_what_its_holders_may_do_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let pk = app.create_user("holder", "pw-holder-123");
    let role = create(
        &admin,
        json!({"name": "viewers", "permissions": ["core.view_group"]}),
    )
    .await;
    let res = admin
        .patch(
            &format!("/api/v3/core/users/{pk}/"),
            json!({"roles": [role["pk"]]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let holder = app.login("holder", "pw-holder-123").await;
    let perms = || async {
        parts(holder.get("/api/v3/core/users/me/").await).await.1["user"]["system_permissions"]
            .clone()
    };
    assert_eq!(perms().await, json!(["core.view_group"]));
    admin
        .patch(
            &at(&role["pk"]),
            json!({"permissions": ["rbac.view_role", "core.view_group"]}),
        )
        .await;
    assert_eq!(perms().await, json!(["core.view_group", "rbac.view_role"]));
    let res = admin.delete(&at(&role["pk"])).await;
    assert_eq!(parts(res).await, (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(perms().await, json!([]));
    assert_eq!(role_events(&app, "model_deleted"), 1);
    let (status, body) = parts(admin.get(&at(&role["pk"])).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "No Role matches the given query."})
        )
    );
}

#[actix_web::test]
async fn names_must_be_unique_and_codenames_known() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let role = create(&admin, json!({"name": "taken"})).await;
    let unique = json!({"name": ["This field must be unique."]});
    let (status, body) = parts(admin.post(ROLES, json!({"name": "taken"})).await).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unique.clone()));
    let other = create(&admin, json!({"name": "other"})).await;
    let (status, body) = parts(
        admin
            .patch(&at(&other["pk"]), json!({"name": "taken"}))
            .await,
    )
    .await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unique));
    let (status, _) = parts(admin.put(&at(&role["pk"]), json!({"name": "taken"})).await).await;
    assert_eq!(status, StatusCode::OK, "a role keeps its own name");

    let body = json!({"name": "x", "permissions": ["x", "core.view_user", "core.superpowers"]});
    let (status, body) = parts(admin.post(ROLES, body).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"permissions": ["\"x\" is not a valid choice.", "\"core.superpowers\" is not a valid choice."]})
    );
    let (status, body) = parts(
        admin
            .post(ROLES, json!({"permissions": "core.view_user", "name": " "}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"name": ["This field may not be blank."], "permissions": ["Expected a list of items but got type \"str\"."]})
    );
    assert_eq!(
        role_events(&app, "model_created"),
        2,
        "refused creations record nothing"
    );
}

#[actix_web::test]
async fn bad_input_is_a_4xx_never_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let role = create(&admin, json!({"name": "target"})).await;
    let cases = [
        json!({"name": null, "permissions": null}),
        json!({"name": [], "permissions": [1, null, {}]}),
        json!({"name": {}, "permissions": {"a": 1}}),
        json!({"name": "nul\u{0}"}),
        json!([]),
        json!("role"),
    ];
    for body in cases {
        for res in [
            admin.post(ROLES, body.clone()).await,
            admin.put(&at(&role["pk"]), body.clone()).await,
            admin.patch(&at(&role["pk"]), body.clone()).await,
        ] {
            let (status, answer) = parts(res).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {answer}");
        }
    }
    let (_, body) = parts(admin.post(ROLES, json!({"name": "a\u{0}b"})).await).await;
    assert_eq!(body, json!({"name": ["Null characters are not allowed."]}));
    let (_, body) = parts(
        admin
            .post(ROLES, json!({"name": "n", "permissions": [7]}))
            .await,
    )
    .await;
    assert_eq!(
        body,
        json!({"permissions": ["\"7\" is not a valid choice."]})
    );
    assert_eq!(role_events(&app, "model_updated"), 0);
}

#[actix_web::test]
async fn reading_needs_view_role_and_every_write_needs_change_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let role = create(
        &admin,
        json!({"name": "guarded", "permissions": ["core.view_user"]}),
    )
    .await;
    let (plain, _) = app.user_with_perms("plain", &[]).await;
    let (viewer, _) = app.user_with_perms("viewer", &["rbac.view_role"]).await;
    let before: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");

    assert_denied(plain.get(ROLES).await).await;
    assert_denied(plain.get(&at(&role["pk"])).await).await;
    let (status, list) = parts(viewer.get(ROLES).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["pagination"]["count"], 3,
        "guarded and the two test users' own roles"
    );
    let (status, _) = parts(viewer.get(&at(&role["pk"])).await).await;
    assert_eq!(status, StatusCode::OK);
    for c in [&plain, &viewer] {
        assert_denied(
            c.post(
                ROLES,
                json!({"name": "mine", "permissions": ["rbac.change_role"]}),
            )
            .await,
        )
        .await;
        assert_denied(c.put(&at(&role["pk"]), json!({"name": "x"})).await).await;
        assert_denied(
            c.patch(
                &at(&role["pk"]),
                json!({"permissions": ["rbac.change_role"]}),
            )
            .await,
        )
        .await;
        assert_denied(c.delete(&at(&role["pk"])).await).await;
    }
    assert_unauthenticated(app.client().get(ROLES).await).await;
    let after: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");
    assert_eq!(after, before);
    let (_, same) = parts(admin.get(&at(&role["pk"])).await).await;
    assert_eq!(same, role);

    let (writer, _) = app.user_with_perms("writer", &["rbac.change_role"]).await;
    let (status, _) = parts(
        writer
            .patch(&at(&role["pk"]), json!({"name": "renamed"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "rbac.change_role alone may write");
    assert_denied(writer.get(ROLES).await).await;
}

#[actix_web::test]
async fn role_writes_are_refused_while_impersonating_even_with_change_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let role = create(
        &admin,
        json!({"name": "stable", "permissions": ["core.view_user"]}),
    )
    .await;
    let perms = ["rbac.view_role", "rbac.change_role"];
    let (_, target) = app.user_with_perms("rolekeeper", &perms).await;
    let path = format!("/api/v3/core/users/{target}/impersonate/");
    let res = admin.post(&path, json!({"reason": "ticket 7"})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let before: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");

    let refused = json!({"detail": "Not allowed while impersonating."});
    for res in [
        admin.post(ROLES, json!({"name": "new"})).await,
        admin.put(&at(&role["pk"]), json!({"name": "x"})).await,
        admin
            .patch(&at(&role["pk"]), json!({"permissions": []}))
            .await,
        admin.delete(&at(&role["pk"])).await,
    ] {
        assert_eq!(parts(res).await, (StatusCode::FORBIDDEN, refused.clone()));
    }
    let (status, _) = parts(admin.get(&at(&role["pk"])).await).await;
    assert_eq!(status, StatusCode::OK, "reading is still allowed");
    let after: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");
    assert_eq!(after, before);
}
