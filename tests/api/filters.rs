//! No documented query parameter is silently ignored: every filter the OpenAPI
//! document lists for a list endpoint is tried here on a seeded directory, and must
//! give the count it should. A new parameter without a row here fails the test.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Parameters that page, order or shape a list rather than filter it.
const NOT_FILTERS: &[&str] = &[
    "page",
    "page_size",
    "ordering",
    "include_groups",
    "include_roles",
    "include_users",
];

struct Seeded {
    app: TestApp,
    admin: Client,
    ana: i64,
    bob: i64,
    staff: String,
    auditor: String,
}

async fn seed() -> Seeded {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let auditor = created(
        &admin,
        "/api/v3/rbac/roles/",
        json!({"name": "auditor", "permissions": ["events.view_event"]}),
    )
    .await;
    created(&admin, "/api/v3/rbac/roles/", json!({"name": "viewer"})).await;
    let staff = created(&admin, "/api/v3/core/groups/", json!({"name": "staff"})).await;
    let ana = created(
        &admin,
        "/api/v3/core/users/",
        json!({"username": "ana", "name": "Ana Lima", "email": "ana@example.com",
               "path": "users/ops", "type": "external", "attributes": {"team": "blue"},
               "groups": [staff["pk"]], "roles": [auditor["pk"]],
               "last_login": "2026-06-01T10:00:00Z"}),
    )
    .await;
    let bob = created(
        &admin,
        "/api/v3/core/users/",
        json!({"username": "bob", "name": "Bob", "is_active": false}),
    )
    .await;
    let (ana, bob) = (ana["pk"].as_i64().unwrap(), bob["pk"].as_i64().unwrap());
    app.sql(&format!(
        "UPDATE users SET date_joined = '2020-01-01T00:00:00.000000Z',
                          last_updated = '2020-01-02T00:00:00.000000Z' WHERE id = {bob};
         UPDATE events SET client_ip = '10.0.0.9' WHERE id = (SELECT MIN(id) FROM events);"
    ));
    Seeded {
        app,
        admin,
        ana,
        bob,
        staff: staff["pk"].as_str().unwrap().to_owned(),
        auditor: auditor["pk"].as_str().unwrap().to_owned(),
    }
}

fn documented_filters(doc: &Value, path: &str) -> BTreeSet<String> {
    (doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter())
    .map(|p| p["name"].as_str().unwrap().to_owned())
    .filter(|n| !NOT_FILTERS.contains(&n.as_str()))
    .collect()
}

/// Checks each `(parameter, query, expected count)` against `path`, and that the
/// rows name every filter the document lists for it.
async fn check(c: &Client, doc: &Value, path: &str, rows: &[(&str, String, i64)]) {
    let listed: BTreeSet<String> = rows.iter().map(|(p, _, _)| p.to_string()).collect();
    let documented = documented_filters(doc, path);
    let untried: Vec<_> = documented.difference(&listed).collect();
    assert!(
        untried.is_empty(),
        "{path}: documented filters without a row: {untried:?}"
    );
    let (_, all) = parts(c.get(path).await).await;
    let total = (all["pagination"]["count"].as_i64()).unwrap_or_else(|| panic!("{path}: {all}"));
    for (param, query, want) in rows {
        let url = format!("{path}?{query}");
        let (status, page) = parts(c.get(&url).await).await;
        assert_eq!(status, StatusCode::OK, "{url}: {page}");
        assert_eq!(page["pagination"]["count"], *want, "{url} (of {total})");
        // Every seeded token has the one intent there is: that filter cannot narrow.
        let narrows = *want < total || *param == "intent";
        assert!(narrows, "{url} narrows nothing");
    }
}

#[actix_web::test]
async fn every_documented_filter_of_every_list_narrows_it() {
    let s = seed().await;
    let (_, doc) = parts(s.app.client().get("/api/v3/schema/").await).await;
    let (ana, bob, staff, auditor) = (s.ana, s.bob, &s.staff, &s.auditor);
    let users = [
        ("username", "username=ana".into(), 1),
        ("email", "email=ana%40example.com".into(), 1),
        ("name", "name=Bob".into(), 1),
        ("is_active", "is_active=false".into(), 1),
        ("is_superuser", "is_superuser=true".into(), 1),
        ("path", "path=users%2Fops".into(), 1),
        ("path_startswith", "path_startswith=users%2F".into(), 1),
        ("type", "type=external".into(), 1),
        ("uuid", format!("uuid={}", uuid_of(&s, ana)), 1),
        ("groups_by_name", "groups_by_name=staff".into(), 1),
        ("groups_by_pk", format!("groups_by_pk={staff}"), 1),
        ("roles_by_name", "roles_by_name=auditor".into(), 1),
        ("roles_by_pk", format!("roles_by_pk={auditor}"), 1),
        (
            "attributes",
            "attributes=%7B%22team%22%3A%22blue%22%7D".into(),
            1,
        ),
        ("last_login__isnull", "last_login__isnull=true".into(), 1),
        ("date_joined", "date_joined=2020-01-01".into(), 1),
        (
            "last_login",
            "last_login=2026-06-01T12:00:00%2B02:00".into(),
            1,
        ),
        ("date_joined__gt", "date_joined__gt=2021-01-01".into(), 2),
        (
            "date_joined__lt",
            "date_joined__lt=2021-01-01T00:00:00.000000%2B0000".into(),
            1,
        ),
        (
            "last_login__gt",
            "last_login__gt=2026-06-01T09:00:00%2B0000".into(),
            2,
        ),
        (
            "last_login__lt",
            "last_login__lt=2026-06-01T11:00:00Z".into(),
            1,
        ),
        (
            "last_updated",
            "last_updated=2020-01-02T01:00:00%2B01:00".into(),
            1,
        ),
        ("last_updated__gt", "last_updated__gt=2021-01-01".into(), 2),
        ("last_updated__lt", "last_updated__lt=2021-01-01".into(), 1),
        ("search", "search=lima".into(), 1),
    ];
    check(&s.admin, &doc, "/api/v3/core/users/", &users).await;

    let groups = [
        ("name", "name=staff".into(), 1),
        ("is_superuser", "is_superuser=true".into(), 1),
        ("members_by_pk", format!("members_by_pk={ana}"), 1),
        ("members_by_username", "members_by_username=ana".into(), 1),
        ("search", "search=sta".into(), 1),
    ];
    check(&s.admin, &doc, "/api/v3/core/groups/", &groups).await;

    let roles = [
        ("name", "name=auditor".into(), 1),
        ("search", "search=audit".into(), 1),
    ];
    check(&s.admin, &doc, "/api/v3/rbac/roles/", &roles).await;

    let events = [
        ("action", "action=login".into(), 1),
        ("actions", "actions=login&actions=model_updated".into(), 1),
        ("username", "username=admin".into(), 6),
        ("client_ip", "client_ip=10.0.0.9".into(), 1),
        ("context_model_app", "context_model_app=standin".into(), 6),
        ("context_model_name", "context_model_name=user".into(), 3),
        ("context_model_pk", format!("context_model_pk={bob}"), 1),
        ("search", "search=auditor".into(), 1),
    ];
    check(&s.admin, &doc, "/api/v3/events/events/", &events).await;

    s.app.create_token(ana);
    s.app.create_token(1);
    s.app.sql(&format!(
        "UPDATE tokens SET description = 'deploys' WHERE user_id = {ana}"
    ));
    let tokens = [
        (
            "identifier",
            format!("identifier={}", token_identifier(&s, ana)),
            1,
        ),
        ("user", format!("user={ana}"), 1),
        ("user__username", "user__username=ana".into(), 1),
        ("intent", "intent=api".into(), 2),
        ("expiring", "expiring=true".into(), 0),
        ("search", "search=deploy".into(), 1),
        ("description", "description=deploys".into(), 1),
        // standin manages no tokens of its own.
        ("managed", "managed=goauthentik.io%2Fsomething".into(), 0),
    ];
    check(&s.admin, &doc, "/api/v3/core/tokens/", &tokens).await;

    for target in [ana, bob] {
        let res = s
            .admin
            .post(
                &format!("/api/v3/core/users/{target}/impersonate/"),
                json!({"reason": "filters"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        if target == ana {
            s.admin.get("/api/v3/core/users/impersonate_end/").await;
        }
    }
    let (helpdesk, _) = s
        .app
        .user_with_perms("helpdesk", &["core.impersonate"])
        .await;
    let res = helpdesk
        .post(
            &format!("/api/v3/core/users/{bob}/impersonate/"),
            json!({"reason": "filters"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let impersonations = [
        ("active", "active=true".into(), 2),
        ("original", "original=1".into(), 2),
        ("target", format!("target={ana}"), 1),
    ];
    // The admin is still impersonating bob: another session of theirs looks.
    let looking = s.app.admin().await;
    check(
        &looking,
        &doc,
        "/api/v3/core/impersonations/",
        &impersonations,
    )
    .await;
}

fn uuid_of(s: &Seeded, pk: i64) -> String {
    s.app
        .query(&format!("SELECT uuid FROM users WHERE id = {pk}"))
}

fn token_identifier(s: &Seeded, owner: i64) -> String {
    s.app.query(&format!(
        "SELECT identifier FROM tokens WHERE user_id = {owner}"
    ))
}

#[actix_web::test]
async fn a_date_time_that_django_would_not_read_is_a_400_naming_the_parameter() {
    let s = seed().await;
    let (status, body) = parts(
        s.admin
            .get("/api/v3/core/users/?date_joined__gt=yesterday&last_updated__lt=2026-13-01")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"date_joined__gt": ["Enter a valid date/time."],
               "last_updated__lt": ["Enter a valid date/time."]})
    );
}
