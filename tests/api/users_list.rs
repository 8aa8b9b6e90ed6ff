use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Creates users through the API and returns the admin client.
async fn seeded(app: &TestApp) -> Client {
    app.sql(
        "INSERT INTO groups (uuid, name) VALUES ('44444444-4444-4444-8444-444444444444', 'staff'),
             ('55555555-5555-4555-8555-555555555555', 'su-child');
         INSERT INTO group_parents (group_id, parent_id)
             SELECT c.id, p.id FROM groups c, groups p WHERE c.name = 'su-child' AND p.name = 'admins';",
    );
    let admin = app.admin().await;
    let people = [
        json!({"username": "alice", "name": "Alice Zed", "email": "alice@example.com", "path": "users/eng", "type": "internal",
               "groups": ["44444444-4444-4444-8444-444444444444"], "attributes": {"team": "eng", "level": 3}}),
        json!({"username": "bob", "name": "Bob Young", "email": "bob@corp.example", "path": "users/ops", "type": "external",
               "attributes": {"team": "ops"}, "is_active": false}),
        json!({"username": "carol", "name": "Carol Xu", "email": "carol@example.com", "path": "robots", "type": "service_account",
               "groups": ["55555555-5555-4555-8555-555555555555"], "last_login": "2026-01-02T03:04:05Z"}),
    ];
    for p in people {
        let res = admin.post("/api/v3/core/users/", p).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    admin
}

async fn usernames(c: &Client, query: &str) -> Vec<String> {
    let (status, body) = parts(c.get(&format!("/api/v3/core/users/?{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn the_list_has_authentiks_pagination_object() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    let res = admin.get("/api/v3/core/users/?page_size=2&page=2").await;
    assert_eq!(res.headers()["content-type"], "application/json");
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["pagination"],
        json!({"next": 0, "previous": 1, "count": 4, "current": 2, "total_pages": 2, "start_index": 3, "end_index": 4})
    );
    assert_eq!(body["autocomplete"], json!({}));
    assert_eq!(body["results"].as_array().unwrap().len(), 2);
    let (_, first) = parts(admin.get("/api/v3/core/users/?page_size=2").await).await;
    assert_eq!(first["pagination"]["next"], 2);
    assert_eq!(first["pagination"]["previous"], 0);
}

#[actix_web::test]
async fn pages_past_the_end_zero_and_garbage_are_invalid() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for q in ["page=2", "page=0", "page=-1", "page=abc"] {
        let (status, body) = parts(admin.get(&format!("/api/v3/core/users/?{q}")).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{q}");
        assert_eq!(body, json!({"detail": "Invalid page."}), "{q}");
    }
}

#[actix_web::test]
async fn page_size_is_capped_at_100() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, body) = parts(admin.get("/api/v3/core/users/?page_size=5000").await).await;
    assert_eq!(body["pagination"]["total_pages"], 1);
    app.sql(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
         INSERT INTO users (uuid, username, date_joined, last_updated, password_change_date)
         SELECT 'u-' || i, 'bulk' || i, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z',
                '2026-01-01T00:00:00.000000Z' FROM n;",
    );
    let (_, body) = parts(admin.get("/api/v3/core/users/?page_size=5000").await).await;
    assert_eq!(body["results"].as_array().unwrap().len(), 100);
    assert_eq!(body["pagination"]["total_pages"], 2);
}

#[actix_web::test]
async fn each_exact_filter_narrows_the_list() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    assert_eq!(usernames(&admin, "username=bob").await, ["bob"]);
    assert_eq!(
        usernames(&admin, "email=carol@example.com").await,
        ["carol"]
    );
    assert_eq!(usernames(&admin, "name=Alice%20Zed").await, ["alice"]);
    assert_eq!(usernames(&admin, "is_active=false").await, ["bob"]);
    assert_eq!(usernames(&admin, "path=robots").await, ["carol"]);
    assert_eq!(
        usernames(&admin, "path_startswith=users/").await,
        ["alice", "bob"]
    );
    assert_eq!(
        usernames(&admin, "type=external&type=service_account").await,
        ["bob", "carol"]
    );
    assert_eq!(usernames(&admin, "groups_by_name=staff").await, ["alice"]);
    assert_eq!(
        usernames(&admin, "groups_by_pk=55555555-5555-4555-8555-555555555555").await,
        ["carol"]
    );
    assert_eq!(
        usernames(&admin, "last_login__isnull=false").await,
        ["admin", "carol"]
    );
    let (_, bob) = parts(admin.get("/api/v3/core/users/?username=bob").await).await;
    let uuid = bob["results"][0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(usernames(&admin, &format!("uuid={uuid}")).await, ["bob"]);
}

#[actix_web::test]
async fn superusers_are_found_through_group_ancestors() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    assert_eq!(
        usernames(&admin, "is_superuser=true").await,
        ["admin", "carol"]
    );
    assert_eq!(
        usernames(&admin, "is_superuser=false").await,
        ["alice", "bob"]
    );
    let (_, carol) = parts(admin.get("/api/v3/core/users/?username=carol").await).await;
    assert_eq!(carol["results"][0]["is_superuser"], true);
}

#[actix_web::test]
async fn attributes_match_each_key_by_equality() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    let q = |v: Value| format!("attributes={}", urlencode(&v.to_string()));
    assert_eq!(
        usernames(&admin, &q(json!({"team": "eng"}))).await,
        ["alice"]
    );
    assert_eq!(
        usernames(&admin, &q(json!({"team": "eng", "level": 3}))).await,
        ["alice"]
    );
    assert!(
        usernames(&admin, &q(json!({"team": "eng", "level": 4})))
            .await
            .is_empty()
    );
    for bad in ["{not json", "[1,2]", "\"text\""] {
        let (status, body) = parts(
            admin
                .get(&format!(
                    "/api/v3/core/users/?attributes={}",
                    urlencode(bad)
                ))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            body,
            json!({"attributes": ["filter: failed to parse JSON"]})
        );
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn search_is_a_case_insensitive_substring_of_name_username_email_or_uuid() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    assert_eq!(usernames(&admin, "search=YOUNG").await, ["bob"]);
    assert_eq!(usernames(&admin, "search=corp.exa").await, ["bob"]);
    assert_eq!(usernames(&admin, "search=aro").await, ["carol"]);
    assert_eq!(
        usernames(&admin, "search=xu").await,
        ["carol"],
        "two letters fall back to a scan"
    );
    assert_eq!(
        usernames(&admin, "search=example.com").await,
        ["alice", "carol"]
    );
    assert!(
        usernames(&admin, "search=%25").await.is_empty(),
        "% is literal"
    );
    let (_, bob) = parts(admin.get("/api/v3/core/users/?username=bob").await).await;
    let uuid = bob["results"][0]["uuid"].as_str().unwrap()[..13].to_owned();
    assert_eq!(usernames(&admin, &format!("search={uuid}")).await, ["bob"]);
    let upper = uuid.to_uppercase();
    assert_eq!(usernames(&admin, &format!("search={upper}")).await, ["bob"]);
    assert_eq!(
        usernames(&admin, "search=example.com&username=carol").await,
        ["carol"],
        "search combines with the other filters"
    );
    let (status, none) = parts(admin.get("/api/v3/core/users/?search=zzzqqq").await).await;
    assert_eq!(status, 200);
    assert_eq!(none["pagination"]["count"], 0);
    assert_eq!(none["results"], json!([]));
    // A rename is found at once, though the indexes take it in a little later; and
    // it is found the same way once they have.
    let pk = bob["results"][0]["pk"].clone();
    let (status, _) = parts(
        admin
            .patch(
                &format!("/api/v3/core/users/{pk}/"),
                json!({"name": "Élodie Quill"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200);
    for round in 0..2 {
        if round == 1 {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        assert_eq!(usernames(&admin, "search=quill").await, ["bob"]);
        assert_eq!(usernames(&admin, "search=%C3%89LODIE").await, ["bob"]);
        assert!(usernames(&admin, "search=young").await.is_empty());
    }
}

#[actix_web::test]
async fn date_ranges_filter_by_time() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    assert_eq!(
        usernames(&admin, "last_login__lt=2026-06-01T00:00:00Z").await,
        ["carol"]
    );
    assert_eq!(
        usernames(&admin, "last_login__gt=2026-01-01T00:00:00%2B00:00")
            .await
            .len(),
        2
    );
    assert_eq!(
        usernames(
            &admin,
            "date_joined__gt=2000-01-01T00:00:00Z&date_joined__lt=2999-01-01T00:00:00Z"
        )
        .await
        .len(),
        4
    );
    assert!(
        usernames(&admin, "date_joined__gt=2999-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    let (status, body) = parts(
        admin
            .get("/api/v3/core/users/?date_joined__gt=last-week")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"date_joined__gt": ["Enter a valid date/time."]})
    );
}

#[actix_web::test]
async fn ordering_takes_a_minus_for_descending_and_refuses_unknown_fields() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    assert_eq!(
        usernames(&admin, "").await,
        ["admin", "alice", "bob", "carol"]
    );
    assert_eq!(
        usernames(&admin, "ordering=-username").await,
        ["carol", "bob", "alice", "admin"]
    );
    assert_eq!(
        usernames(&admin, "ordering=name").await,
        ["alice", "bob", "carol", "admin"]
    );
    assert_eq!(
        usernames(&admin, "ordering=-pk").await,
        ["carol", "bob", "alice", "admin"]
    );
    let (status, body) = parts(
        admin
            .get("/api/v3/core/users/?ordering=password_hash")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["ordering"][0]
            .as_str()
            .unwrap()
            .contains("password_hash")
    );
}

#[actix_web::test]
async fn include_switches_null_the_embedded_lists() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    let (_, body) = parts(
        admin
            .get("/api/v3/core/users/?username=alice&include_groups=false&include_roles=false")
            .await,
    )
    .await;
    let u = &body["results"][0];
    assert!(u["groups_obj"].is_null());
    assert!(u["roles_obj"].is_null());
    assert_eq!(
        u["groups"],
        json!(["44444444-4444-4444-8444-444444444444"]),
        "pks stay"
    );
    let (_, body) = parts(admin.get("/api/v3/core/users/?username=alice").await).await;
    assert_eq!(body["results"][0]["groups_obj"][0]["name"], "staff");
    let (status, _) = parts(
        admin
            .get("/api/v3/core/users/?include_groups=sometimes")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn bad_filter_values_are_all_reported() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, body) = parts(
        admin
            .get("/api/v3/core/users/?is_active=perhaps&type=robot&groups_by_pk=nope&last_login__gt=soon")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for key in ["is_active", "type", "groups_by_pk", "last_login__gt"] {
        assert!(body[key].is_array(), "{key} missing in {body}");
    }
}

async fn count_of(c: &Client, query: &str) -> i64 {
    let (status, body) = parts(c.get(&format!("/api/v3/core/users/?{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["pagination"]["count"].as_i64().unwrap()
}

#[actix_web::test]
async fn filtered_counts_follow_every_change_that_moves_them() {
    let app = TestApp::spawn().await;
    let admin = seeded(&app).await;
    assert_eq!(count_of(&admin, "is_active=false").await, 1);
    let (_, alice) = parts(admin.get("/api/v3/core/users/?username=alice").await).await;
    let pk = alice["results"][0]["pk"].clone();
    admin
        .patch(
            &format!("/api/v3/core/users/{pk}/"),
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(
        count_of(&admin, "is_active=false").await,
        2,
        "an update moves it"
    );
    assert_eq!(count_of(&admin, "groups_by_name=staff").await, 1);
    let staff = "44444444-4444-4444-8444-444444444444";
    let res = admin
        .post(
            &format!("/api/v3/core/groups/{staff}/add_user/"),
            json!({"pk": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        count_of(&admin, "groups_by_name=staff").await,
        2,
        "a membership moves it"
    );
    assert_eq!(count_of(&admin, "is_superuser=true").await, 2);
    app.sql("UPDATE groups SET is_superuser = 1 WHERE name = 'staff'");
    assert_eq!(
        count_of(&admin, "is_superuser=true").await,
        3,
        "a group change moves it"
    );
    admin.delete(&format!("/api/v3/core/users/{pk}/")).await;
    assert_eq!(
        count_of(&admin, "is_active=false").await,
        1,
        "a deletion moves it"
    );
    assert_eq!(count_of(&admin, "").await, 3);
}
