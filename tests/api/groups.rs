use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const GROUPS: &str = "/api/v3/core/groups/";

pub fn at(pk: &Value) -> String {
    format!("{GROUPS}{}/", pk.as_str().unwrap())
}

pub async fn create(c: &Client, body: Value) -> Value {
    created(c, GROUPS, body).await
}

async fn create_role(c: &Client, name: &str, perms: &[&str]) -> Value {
    created(
        c,
        "/api/v3/rbac/roles/",
        json!({"name": name, "permissions": perms}),
    )
    .await
}

/// How many `action` events name a group.
fn group_events(app: &TestApp, action: &str) -> i64 {
    model_events(app, action, "group")
}

fn assert_group_shape(g: &Value) {
    assert_fields(
        g,
        &[
            ("pk", "string"),
            ("num_pk", "int"),
            ("name", "string"),
            ("is_superuser", "bool"),
            ("parents", "array"),
            ("parents_obj", "array"),
            ("parent", "string|null"),
            ("parent_name", "string|null"),
            ("children", "array"),
            ("children_obj", "array"),
            ("users", "array"),
            ("users_obj", "array|null"),
            ("attributes", "object"),
            ("roles", "array"),
            ("roles_obj", "array"),
            ("inherited_roles_obj", "array"),
        ],
    );
    uuid::Uuid::parse_str(g["pk"].as_str().unwrap()).expect("pk is a uuid");
    for related in g["parents_obj"]
        .as_array()
        .unwrap()
        .iter()
        .chain(g["children_obj"].as_array().unwrap())
    {
        assert_fields(
            related,
            &[
                ("pk", "string"),
                ("num_pk", "int"),
                ("name", "string"),
                ("is_superuser", "bool"),
                ("parent", "string|null"),
                ("parent_name", "string|null"),
                ("attributes", "object"),
                ("group_uuid", "string"),
            ],
        );
    }
}

#[actix_web::test]
async fn a_new_group_has_every_field_of_authentiks_shape_and_records_an_event() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = group_events(&app, "model_created");
    let g = create(&admin, json!({"name": "staff", "attributes": {"floor": 3}})).await;
    assert_group_shape(&g);
    assert_eq!(g["name"], "staff");
    assert_eq!(g["is_superuser"], false);
    assert_eq!(g["attributes"], json!({"floor": 3}));
    for empty in [
        "parents",
        "parents_obj",
        "children",
        "children_obj",
        "users",
        "users_obj",
    ] {
        assert_eq!(g[empty], json!([]), "{empty}");
    }
    assert_eq!(
        (&g["parent"], &g["parent_name"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(group_events(&app, "model_created"), before + 1);
    let context: String = app.query(
        "SELECT context FROM events WHERE action = 'model_created' ORDER BY id DESC LIMIT 1",
    );
    let context: Value = serde_json::from_str(&context).unwrap();
    assert_eq!(
        context,
        json!({"model": {"app": "standin", "model_name": "group", "pk": g["pk"], "name": "staff"}})
    );

    let (status, fetched) = parts(admin.get(&at(&g["pk"])).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, g);
    let (status, without_slash) = parts(admin.get(at(&g["pk"]).trim_end_matches('/')).await).await;
    assert_eq!((status, without_slash), (StatusCode::OK, g));
}

#[actix_web::test]
async fn a_missing_or_malformed_group_pk_is_a_404_for_every_method() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let expected = json!({"detail": "No Group matches the given query."});
    for pk in ["not-a-uuid", "6f1c2b1e-0000-4000-8000-000000000000"] {
        let path = format!("{GROUPS}{pk}/");
        for res in [
            admin.get(&path).await,
            admin.put(&path, json!({"name": "x"})).await,
            admin.patch(&path, json!({})).await,
            admin.delete(&path).await,
            admin
                .post(&format!("{path}add_user/"), json!({"pk": 1}))
                .await,
            admin
                .post(&format!("{path}remove_user/"), json!({"pk": 1}))
                .await,
        ] {
            let (status, body) = parts(res).await;
            assert_eq!(
                (status, body),
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
    for name in ["beta", "alpha", "gamma_1", "gamma%2"] {
        create(&admin, json!({"name": name})).await;
    }
    let (status, page) = parts(admin.get(&format!("{GROUPS}?page_size=2&page=2")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page["pagination"],
        json!({"next": 3, "previous": 1, "count": 5, "current": 2, "total_pages": 3, "start_index": 3, "end_index": 4})
    );
    assert_eq!(page["autocomplete"], json!({}));
    let names: Vec<&str> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["beta", "gamma%2"],
        "admins, alpha | beta, gamma%2 | gamma_1"
    );
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(assert_group_shape);

    let names_of = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, desc) = parts(admin.get(&format!("{GROUPS}?ordering=-name")).await).await;
    assert_eq!(
        names_of(&desc),
        ["gamma_1", "gamma%2", "beta", "alpha", "admins"]
    );
    let (_, found) = parts(admin.get(&format!("{GROUPS}?search=MMA_")).await).await;
    assert_eq!(
        names_of(&found),
        ["gamma_1"],
        "search is a case-insensitive literal substring"
    );
    let (_, named) = parts(admin.get(&format!("{GROUPS}?name=beta")).await).await;
    assert_eq!(names_of(&named), ["beta"]);
    let (_, su) = parts(admin.get(&format!("{GROUPS}?is_superuser=true")).await).await;
    assert_eq!(names_of(&su), ["admins"]);
    let (_, members) = parts(
        admin
            .get(&format!("{GROUPS}?members_by_username=admin"))
            .await,
    )
    .await;
    assert_eq!(names_of(&members), ["admins"]);

    let (status, body) = parts(admin.get(&format!("{GROUPS}?page=4&page_size=2")).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"detail": "Invalid page."}))
    );
    let (status, body) = parts(admin.get(&format!("{GROUPS}?ordering=uuid")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["ordering"][0].as_str().unwrap().contains("uuid"),
        "{body}"
    );
    let (status, body) = parts(admin.get(&format!("{GROUPS}?is_superuser=maybe")).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"is_superuser": ["Must be a valid boolean."]})
        )
    );
}

#[actix_web::test]
async fn put_empties_omitted_parents_users_and_roles_but_patch_leaves_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let pk = app.create_user("member", "pw-member-123");
    let parent = create(&admin, json!({"name": "parent"})).await;
    let role = create_role(&admin, "readers", &["core.view_user"]).await;
    let g = create(
        &admin,
        json!({"name": "team", "parents": [parent["pk"]], "users": [pk], "roles": [role["pk"]], "attributes": {"a": 1}}),
    )
    .await;
    assert_eq!(
        (g["parents"].clone(), g["users"].clone()),
        (json!([parent["pk"]]), json!([pk]))
    );
    assert_eq!(g["roles"], json!([role["pk"]]));

    let (status, patched) =
        parts(admin.patch(&at(&g["pk"]), json!({"name": "team-2"})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["name"], "team-2");
    for kept in ["parents", "users", "roles", "attributes", "is_superuser"] {
        assert_eq!(patched[kept], g[kept], "PATCH keeps {kept}");
    }

    let (status, body) = parts(admin.put(&at(&g["pk"]), json!({"attributes": {}})).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"name": ["This field is required."]})
        )
    );
    let (status, put) = parts(admin.put(&at(&g["pk"]), json!({"name": "team"})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_group_shape(&put);
    for emptied in ["parents", "users", "users_obj", "roles", "roles_obj"] {
        assert_eq!(put[emptied], json!([]), "PUT empties {emptied}");
    }
    assert_eq!(
        put["attributes"],
        json!({"a": 1}),
        "PUT leaves attributes as users' PUT does"
    );
    assert_eq!(group_events(&app, "model_updated"), 2);
}

#[actix_web::test]
async fn a_group_may_have_several_parents_in_the_order_given() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let zeta = create(&admin, json!({"name": "zeta"})).await;
    let alpha = create(&admin, json!({"name": "alpha"})).await;
    let child = create(
        &admin,
        json!({"name": "child", "parents": [zeta["pk"], alpha["pk"]]}),
    )
    .await;
    assert_group_shape(&child);
    assert_eq!(child["parents"], json!([zeta["pk"], alpha["pk"]]));
    assert_eq!(
        (child["parent"].clone(), child["parent_name"].clone()),
        (zeta["pk"].clone(), json!("zeta"))
    );
    assert_eq!(child["parents_obj"][1]["name"], "alpha");
    assert_eq!(child["parents_obj"][1]["num_pk"], alpha["num_pk"]);
    assert_eq!(child["parents_obj"][1]["group_uuid"], alpha["pk"]);

    let (_, zeta) = parts(admin.get(&at(&zeta["pk"])).await).await;
    assert_group_shape(&zeta);
    assert_eq!(zeta["children"], json!([child["pk"]]));
    assert_eq!(zeta["children_obj"][0]["name"], "child");
    assert_eq!(zeta["children_obj"][0]["parent_name"], "zeta");
}

#[actix_web::test]
async fn the_single_parent_of_2024_clients_sets_parents_to_that_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let a = create(&admin, json!({"name": "a"})).await;
    let b = create(&admin, json!({"name": "b"})).await;
    let g = create(&admin, json!({"name": "g", "parent": a["pk"]})).await;
    assert_eq!(
        (g["parents"].clone(), g["parent_name"].clone()),
        (json!([a["pk"]]), json!("a"))
    );

    let (_, g2) = parts(
        admin
            .patch(&at(&g["pk"]), json!({"parents": [a["pk"], b["pk"]]}))
            .await,
    )
    .await;
    assert_eq!(g2["parents"], json!([a["pk"], b["pk"]]));
    let (_, g3) = parts(admin.patch(&at(&g["pk"]), json!({"parent": b["pk"]})).await).await;
    assert_eq!(
        g3["parents"],
        json!([b["pk"]]),
        "writing parent replaces every parent"
    );
    let (_, g4) = parts(
        admin
            .patch(
                &at(&g["pk"]),
                json!({"parent": b["pk"], "parents": [a["pk"]]}),
            )
            .await,
    )
    .await;
    assert_eq!(g4["parents"], json!([a["pk"]]), "parents wins over parent");
    let (_, g5) = parts(admin.patch(&at(&g["pk"]), json!({"parent": null})).await).await;
    assert_eq!(
        (g5["parents"].clone(), g5["parent"].clone()),
        (json!([]), Value::Null)
    );

    let (status, body) = parts(admin.patch(&at(&g["pk"]), json!({"parent": "nope"})).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"parent": ["Must be a valid UUID."]})
        )
    );
}

#[actix_web::test]
async fn a_parent_that_would_make_a_cycle_is_refused_without_an_event() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let top = create(&admin, json!({"name": "top"})).await;
    let mid = create(&admin, json!({"name": "mid", "parents": [top["pk"]]})).await;
    let leaf = create(&admin, json!({"name": "leaf", "parents": [mid["pk"]]})).await;
    let updates = group_events(&app, "model_updated");

    let (status, body) = parts(
        admin
            .patch(&at(&top["pk"]), json!({"parents": [leaf["pk"]]}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"parents": ["\"leaf\" is a descendant of this group; making it a parent would create a cycle."]})
    );
    let (status, body) = parts(
        admin
            .put(&at(&mid["pk"]), json!({"name": "mid", "parent": mid["pk"]}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"parent": ["A group cannot be its own parent."]})
        )
    );
    assert_eq!(group_events(&app, "model_updated"), updates);
    let (_, top) = parts(admin.get(&at(&top["pk"])).await).await;
    assert_eq!(top["parents"], json!([]), "nothing changed");
}

#[actix_web::test]
async fn users_obj_lists_the_members_unless_include_users_is_false() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ann = app.create_user("ann", "pw-ann-12345");
    let bob = app.create_user("bob", "pw-bob-12345");
    let g = create(&admin, json!({"name": "crew", "users": [bob, ann, bob]})).await;
    assert_eq!(g["users"], json!([ann, bob]));
    let member = &g["users_obj"][0];
    assert_fields(
        member,
        &[
            ("pk", "int"),
            ("username", "string"),
            ("name", "string"),
            ("is_active", "bool"),
            ("last_login", "string|null"),
            ("email", "string"),
            ("attributes", "object"),
            ("uid", "string"),
        ],
    );
    assert_eq!(member["username"], "ann");

    let (_, one) = parts(
        admin
            .get(&format!("{}?include_users=false", at(&g["pk"])))
            .await,
    )
    .await;
    assert_eq!(
        (one["users"].clone(), one["users_obj"].clone()),
        (json!([ann, bob]), Value::Null)
    );
    let (_, list) = parts(
        admin
            .get(&format!("{GROUPS}?include_users=false&name=crew"))
            .await,
    )
    .await;
    assert_eq!(list["results"][0]["users_obj"], Value::Null);
    let (_, list) = parts(admin.get(&format!("{GROUPS}?name=crew")).await).await;
    assert_eq!(list["results"][0]["users_obj"][1]["username"], "bob");
    let (_, by_pk) = parts(admin.get(&format!("{GROUPS}?members_by_pk={bob}")).await).await;
    assert_eq!(by_pk["pagination"]["count"], 1);
}

#[actix_web::test]
async fn add_user_and_remove_user_change_membership_and_record_events() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let pk = app.create_user("joiner", "pw-joiner-123");
    let g = create(&admin, json!({"name": "club"})).await;
    let before = group_events(&app, "model_updated");

    let res = admin
        .post(&format!("{}add_user/", at(&g["pk"])), json!({"pk": pk}))
        .await;
    assert_eq!(parts(res).await, (StatusCode::NO_CONTENT, Value::Null));
    let (_, club) = parts(admin.get(&at(&g["pk"])).await).await;
    assert_eq!(club["users"], json!([pk]));
    assert_eq!(group_events(&app, "model_updated"), before + 1);

    let res = admin
        .post(&format!("{}remove_user/", at(&g["pk"])), json!({"pk": pk}))
        .await;
    assert_eq!(parts(res).await, (StatusCode::NO_CONTENT, Value::Null));
    let (_, club) = parts(admin.get(&at(&g["pk"])).await).await;
    assert_eq!(club["users"], json!([]));
    assert_eq!(group_events(&app, "model_updated"), before + 2);

    let (status, body) = parts(
        admin
            .post(&format!("{}add_user/", at(&g["pk"])), json!({"pk": 9999}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"pk": ["Invalid pk \"9999\" - object does not exist."]})
    );
    let (status, body) = parts(
        admin
            .post(&format!("{}add_user/", at(&g["pk"])), json!({}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"pk": ["This field is required."]})
        )
    );
    let (status, body) = parts(
        admin
            .post(&format!("{}remove_user/", at(&g["pk"])), json!({"pk": "x"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"pk": ["A valid integer is required."]})
        )
    );
    assert_eq!(
        group_events(&app, "model_updated"),
        before + 2,
        "refused changes record nothing"
    );
}

#[actix_web::test]
async fn inherited_roles_come_from_every_ancestor_but_not_the_group_itself() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let far = create_role(&admin, "far", &["events.view_event"]).await;
    let near = create_role(&admin, "near", &["core.view_user", "core.view_group"]).await;
    let own = create_role(&admin, "own", &[]).await;
    let grand = create(
        &admin,
        json!({"name": "grand", "roles": [far["pk"], own["pk"]]}),
    )
    .await;
    let parent = create(
        &admin,
        json!({"name": "parent", "parents": [grand["pk"]], "roles": [near["pk"]]}),
    )
    .await;
    let g = create(
        &admin,
        json!({"name": "g", "parents": [parent["pk"]], "roles": [own["pk"]]}),
    )
    .await;
    assert_eq!(g["roles_obj"], json!([own]));
    assert_eq!(g["inherited_roles_obj"], json!([far, near]));
    assert_eq!(
        g["inherited_roles_obj"][1]["permissions"],
        json!(["core.view_group", "core.view_user"])
    );
    assert_eq!(grand["inherited_roles_obj"], json!([]));
}

#[actix_web::test]
async fn members_of_a_group_below_a_superuser_group_are_superusers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let pk = app.create_user("heir", "pw-heir-12345");
    let root = create(&admin, json!({"name": "root", "is_superuser": true})).await;
    assert_eq!(root["is_superuser"], true);
    let mid = create(&admin, json!({"name": "mid", "parents": [root["pk"]]})).await;
    create(
        &admin,
        json!({"name": "leaf", "parents": [mid["pk"]], "users": [pk]}),
    )
    .await;
    let (status, user) = parts(admin.get(&format!("/api/v3/core/users/{pk}/")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["is_superuser"], true);
    admin.patch(&at(&mid["pk"]), json!({"parents": []})).await;
    let (_, user) = parts(admin.get(&format!("/api/v3/core/users/{pk}/")).await).await;
    assert_eq!(user["is_superuser"], false);
}

#[actix_web::test]
async fn members_hold_the_permissions_of_roles_on_ancestor_groups() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let pk = app.create_user("deep", "pw-deep-12345");
    let role = create_role(
        &admin,
        "auditors",
        &["events.view_event", "core.view_group"],
    )
    .await;
    let top = create(&admin, json!({"name": "top", "roles": [role["pk"]]})).await;
    let mid = create(&admin, json!({"name": "mid", "parents": [top["pk"]]})).await;
    create(
        &admin,
        json!({"name": "leaf", "parents": [mid["pk"]], "users": [pk]}),
    )
    .await;
    let deep = app.login("deep", "pw-deep-12345").await;
    let (_, me) = parts(deep.get("/api/v3/core/users/me/").await).await;
    assert_eq!(
        me["user"]["system_permissions"],
        json!(["core.view_group", "events.view_event"])
    );
    let (status, _) = parts(deep.get(GROUPS).await).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the inherited core.view_group is honoured"
    );
}

#[actix_web::test]
async fn each_action_needs_its_permission_and_a_refusal_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let g = create(&admin, json!({"name": "guarded"})).await;
    let (plain, _) = app.user_with_perms("plain", &[]).await;
    let (viewer, viewer_pk) = app.user_with_perms("viewer", &["core.view_group"]).await;
    let events_before: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");

    assert_denied(plain.get(GROUPS).await).await;
    assert_denied(plain.get(&at(&g["pk"])).await).await;
    let (status, _) = parts(viewer.get(GROUPS).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = parts(viewer.get(&at(&g["pk"])).await).await;
    assert_eq!(status, StatusCode::OK);
    for c in [&plain, &viewer] {
        assert_denied(c.post(GROUPS, json!({"name": "new"})).await).await;
        assert_denied(c.put(&at(&g["pk"]), json!({"name": "renamed"})).await).await;
        assert_denied(c.patch(&at(&g["pk"]), json!({"name": "renamed"})).await).await;
        assert_denied(c.delete(&at(&g["pk"])).await).await;
        let add = format!("{}add_user/", at(&g["pk"]));
        assert_denied(c.post(&add, json!({"pk": viewer_pk})).await).await;
        let remove = format!("{}remove_user/", at(&g["pk"]));
        assert_denied(c.post(&remove, json!({"pk": viewer_pk})).await).await;
    }
    assert_unauthenticated(app.client().get(GROUPS).await).await;
    let events_after: i64 = app.query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");
    assert_eq!(events_after, events_before);
    let (_, same) = parts(admin.get(&at(&g["pk"])).await).await;
    assert_eq!(same, g);
}

#[actix_web::test]
async fn only_a_superuser_may_make_or_unmake_a_superuser_group() {
    let app = TestApp::spawn().await;
    let (manager, _) = app
        .user_with_perms("manager", &["core.add_group", "core.change_group"])
        .await;
    let (status, body) = parts(
        manager
            .post(GROUPS, json!({"name": "sneaky", "is_superuser": true}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Only superusers can change superusers."})
    );
    let g = create(&manager, json!({"name": "plain", "is_superuser": false})).await;
    let (status, _) = parts(
        manager
            .patch(
                &at(&g["pk"]),
                json!({"is_superuser": false, "name": "plainer"}),
            )
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an unchanged flag needs no superuser"
    );
}

#[actix_web::test]
async fn names_are_unique_and_every_bad_reference_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let unique = json!({"name": ["This field must be unique."]});
    let (status, body) = parts(admin.post(GROUPS, json!({"name": "admins"})).await).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unique.clone()));
    let g = create(&admin, json!({"name": "other"})).await;
    let (status, body) = parts(admin.patch(&at(&g["pk"]), json!({"name": "admins"})).await).await;
    assert_eq!((status, body), (StatusCode::BAD_REQUEST, unique));

    let ghost = "0b7a4c1e-1111-4222-8333-444455556666";
    let body = json!({"name": "admins", "parents": [ghost], "users": [4242], "roles": [ghost]});
    let (status, body) = parts(admin.post(GROUPS, body).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let missing = |v: &str| json!([format!("Invalid pk \"{v}\" - object does not exist.")]);
    assert_eq!(
        body,
        json!({"name": ["This field must be unique."], "parents": missing(ghost), "users": missing("4242"), "roles": missing(ghost)})
    );
    let (status, body) = parts(
        admin
            .post(
                GROUPS,
                json!({"name": "x", "parents": ["nope"], "roles": ["1"]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"parents": ["Must be a valid UUID."], "roles": ["Must be a valid UUID."]})
    );
    assert_eq!(group_events(&app, "model_created"), 1, "only `other`");
}

#[actix_web::test]
async fn bad_input_is_a_4xx_never_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let g = create(&admin, json!({"name": "target"})).await;
    let cases = [
        json!({"name": 5.5, "is_superuser": "perhaps", "parents": "x", "users": ["a"], "attributes": [1], "roles": {"a": 1}}),
        json!({"name": null, "is_superuser": null, "parents": [1], "users": 3, "attributes": "x", "roles": [null]}),
        json!({"name": "", "parent": 12, "users": [true], "attributes": null}),
        json!({"name": "nul\u{0}byte"}),
        json!({"name": "x".repeat(2000), "users": [1e300], "parents": [[]]}),
    ];
    for body in cases {
        for res in [
            admin.post(GROUPS, body.clone()).await,
            admin.put(&at(&g["pk"]), body.clone()).await,
        ] {
            let (status, answer) = parts(res).await;
            assert!(status.is_client_error(), "{body} → {status} {answer}");
        }
    }
    let (status, body) = parts(admin.post(GROUPS, json!({"name": "a\u{0}b"})).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"name": ["Null characters are not allowed."]})
        )
    );
    let (status, body) = parts(admin.post(GROUPS, json!(["name"])).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
    );
    let (status, body) = parts(
        admin
            .post(
                GROUPS,
                json!({"name": "t", "users": ["a"], "is_superuser": "perhaps"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"users": ["Incorrect type. Expected pk value, received str."], "is_superuser": ["Must be a valid boolean."]})
    );
    let res = admin
        .request(Method::POST, GROUPS)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(group_events(&app, "model_updated"), 0);
}

#[actix_web::test]
async fn deleting_a_group_frees_its_children_and_members_and_records_an_event() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let pk = app.create_user("left", "pw-left-12345");
    let old = create(&admin, json!({"name": "old", "users": [pk]})).await;
    let keep = create(&admin, json!({"name": "keep"})).await;
    let child = create(
        &admin,
        json!({"name": "child", "parents": [old["pk"], keep["pk"]]}),
    )
    .await;
    let res = admin.delete(&at(&old["pk"])).await;
    assert_eq!(parts(res).await, (StatusCode::NO_CONTENT, Value::Null));
    let (status, body) = parts(admin.get(&at(&old["pk"])).await).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "No Group matches the given query."})
        )
    );
    let (_, child) = parts(admin.get(&at(&child["pk"])).await).await;
    assert_eq!(
        (child["parents"].clone(), child["parent_name"].clone()),
        (json!([keep["pk"]]), json!("keep"))
    );
    let (_, user) = parts(admin.get(&format!("/api/v3/core/users/{pk}/")).await).await;
    assert_eq!(user["groups"], json!([]));
    let context: String = app.query("SELECT context FROM events WHERE action = 'model_deleted'");
    let context: Value = serde_json::from_str(&context).unwrap();
    assert_eq!(
        (&context["model"]["pk"], &context["model"]["name"]),
        (&old["pk"], &json!("old"))
    );
}

#[actix_web::test]
async fn only_a_superuser_can_grant_superuser_status_through_a_group() {
    let app = TestApp::spawn().await;
    let admins: String = app.query("SELECT uuid FROM groups WHERE name = 'admins'");
    let perms = ["core.view_group", "core.add_group", "core.change_group"];
    let (manager, manager_pk) = app.user_with_perms("manager", &perms).await;
    let res = manager
        .post(
            &format!("/api/v3/core/groups/{admins}/add_user/"),
            json!({"pk": manager_pk}),
        )
        .await;
    let (status, body) = parts(res).await;
    let refused = json!({"detail": "Only superusers can change superusers."});
    assert_eq!((status, body), (StatusCode::FORBIDDEN, refused.clone()));
    let res = manager
        .post(
            "/api/v3/core/groups/",
            json!({"name": "backdoor", "parents": [admins], "users": [manager_pk]}),
        )
        .await;
    assert_eq!(parts(res).await, (StatusCode::FORBIDDEN, refused));
    let backdoors: i64 = app.query("SELECT COUNT(*) FROM groups WHERE name = 'backdoor'");
    assert_eq!(backdoors, 0, "a refused create leaves nothing behind");
    let (_, me) = parts(manager.get("/api/v3/core/users/me/").await).await;
    assert_eq!(me["user"]["is_superuser"], false);
    let admin = app.admin().await;
    let res = admin
        .post(
            &format!("/api/v3/core/groups/{admins}/add_user/"),
            json!({"pk": manager_pk}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}
