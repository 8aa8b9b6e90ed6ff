//! Every write endpoint against every kind of caller: the status (and for refusals the
//! detail) each gets. A write route the server serves without a row here fails the
//! test, so a new endpoint cannot skip the policy unnoticed.

use crate::helpers::*;
use crate::impersonation::start;
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// What a caller kind should get.
#[derive(Debug, Clone, Copy)]
enum Want {
    Status(u16),
    Refused(&'static str),
}
use Want::{Refused, Status};

const DENIED: Want = Refused("You do not have permission to perform this action.");
const NOT_COVERED: Want =
    Refused("You cannot change a user who holds permissions you do not have.");
const CEILING: Want = Refused("You cannot grant permissions you do not hold.");
const WHILE: Want = Refused("Not allowed while impersonating.");

/// The caller kinds, in the order of a row's `want`.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// The bootstrap admin.
    Superuser,
    /// Holds every permission, as the target does: it covers the target.
    Peer,
    /// Holds every permission but `events.view_event`, which the target holds.
    Lesser,
    /// A peer impersonating a user who holds nothing.
    ImpersonatingPlain,
    /// A peer whose target became a superuser after the impersonation started: the
    /// impersonation ends and the request is served as the peer.
    ImpersonatingUncovered,
}
const KINDS: [Kind; 5] = [
    Kind::Superuser,
    Kind::Peer,
    Kind::Lesser,
    Kind::ImpersonatingPlain,
    Kind::ImpersonatingUncovered,
];

/// The objects every cell starts with.
struct World {
    /// Holds every permission, through the group `crew` and its role `crew-role`;
    /// `spare` is assigned to them directly.
    target: i64,
    /// A user in no group, for `add_user`.
    newbie: i64,
    crew: String,
    crew_role: String,
    /// A role nobody holds, granting `core.view_user`.
    spare: String,
    /// A running impersonation of the admin's, for revoking.
    impersonation: String,
    /// The identifier of a token of the caller's own.
    token: String,
    /// The password of the person signed in.
    password: String,
}

struct Row {
    method: Method,
    /// The route as the server registers it.
    route: &'static str,
    url: fn(&World) -> String,
    body: fn(&World) -> Value,
    want: [Want; 5],
}

fn every_codename() -> Vec<&'static str> {
    standin::domain::Permission::ALL
        .iter()
        .map(|p| p.codename())
        .collect()
}

fn rows() -> Vec<Row> {
    let users = |w: &World| format!("/api/v3/core/users/{}/", w.target);
    let crew = |w: &World| format!("/api/v3/core/groups/{}/", w.crew);
    let crew_role = |w: &World| format!("/api/v3/rbac/roles/{}/", w.crew_role);
    let spare = |w: &World| format!("/api/v3/rbac/roles/{}/", w.spare);
    let none = |_: &World| json!({});
    vec![
        Row {
            method: Method::POST,
            route: "/api/v3/auth/login/",
            url: |_| "/api/v3/auth/login/".into(),
            body: |_| json!({"username": "admin", "password": "wrong-password"}),
            want: [Refused("Invalid username or password."); 5],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/auth/confirm/",
            url: |_| "/api/v3/auth/confirm/".into(),
            body: |w| json!({"password": w.password}),
            want: [Status(204); 5],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/users/me/impersonations/seen/",
            url: |_| "/api/v3/core/users/me/impersonations/seen/".into(),
            body: none,
            want: [Status(204), Status(204), Status(204), WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/auth/logout/",
            url: |_| "/api/v3/auth/logout/".into(),
            body: none,
            want: [Status(204); 5],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/users/",
            url: |_| "/api/v3/core/users/".into(),
            body: |w| json!({"username": "made", "name": "Made", "roles": [w.crew_role]}),
            want: [Status(201), Status(201), CEILING, WHILE, Status(201)],
        },
        Row {
            method: Method::PUT,
            route: "/api/v3/core/users/{pk}/",
            url: users,
            body: |w| json!({"username": "target", "name": "T", "groups": [w.crew]}),
            want: [Status(200), Status(200), NOT_COVERED, DENIED, Status(200)],
        },
        Row {
            method: Method::PATCH,
            route: "/api/v3/core/users/{pk}/",
            url: users,
            body: |_| json!({"name": "T"}),
            want: [Status(200), Status(200), NOT_COVERED, DENIED, Status(200)],
        },
        Row {
            method: Method::DELETE,
            route: "/api/v3/core/users/{pk}/",
            url: users,
            body: none,
            want: [Status(204), Status(204), NOT_COVERED, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/users/{pk}/set_password/",
            url: |w| format!("/api/v3/core/users/{}/set_password/", w.target),
            body: |_| json!({"password": "a-new-password-1"}),
            want: [Status(204), Status(204), NOT_COVERED, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/users/{pk}/impersonate/",
            url: |w| format!("/api/v3/core/users/{}/impersonate/", w.target),
            body: |_| json!({"reason": "ticket"}),
            want: [
                Status(204),
                Status(204),
                Refused("You cannot impersonate a user who holds permissions you do not have."),
                Refused("Already impersonating; end the current impersonation first."),
                Status(204),
            ],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/users/impersonate_end/",
            url: |_| "/api/v3/core/users/impersonate_end/".into(),
            body: none,
            want: [Status(204); 5],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/impersonations/{uuid}/end/",
            url: |w| format!("/api/v3/core/impersonations/{}/end/", w.impersonation),
            body: none,
            want: [Status(204), Status(204), Status(204), DENIED, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/groups/",
            url: |_| "/api/v3/core/groups/".into(),
            body: |w| json!({"name": "made", "roles": [w.crew_role]}),
            want: [Status(201), Status(201), CEILING, WHILE, Status(201)],
        },
        Row {
            method: Method::PUT,
            route: "/api/v3/core/groups/{pk}/",
            url: crew,
            body: |w| json!({"name": "crew", "users": [w.target, w.newbie], "roles": [w.crew_role]}),
            want: [Status(200), Status(200), CEILING, WHILE, Status(200)],
        },
        Row {
            method: Method::PATCH,
            route: "/api/v3/core/groups/{pk}/",
            url: crew,
            body: |_| json!({"users": []}),
            want: [Status(200), Status(200), NOT_COVERED, WHILE, Status(200)],
        },
        Row {
            method: Method::DELETE,
            route: "/api/v3/core/groups/{pk}/",
            url: crew,
            body: none,
            want: [Status(204), Status(204), NOT_COVERED, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/groups/{pk}/add_user/",
            url: |w| format!("/api/v3/core/groups/{}/add_user/", w.crew),
            body: |w| json!({"pk": w.newbie}),
            want: [Status(204), Status(204), CEILING, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/groups/{pk}/remove_user/",
            url: |w| format!("/api/v3/core/groups/{}/remove_user/", w.crew),
            body: |w| json!({"pk": w.target}),
            want: [Status(204), Status(204), NOT_COVERED, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/rbac/roles/",
            url: |_| "/api/v3/rbac/roles/".into(),
            body: |_| json!({"name": "made", "permissions": ["events.view_event"]}),
            want: [Status(201), Status(201), CEILING, WHILE, Status(201)],
        },
        Row {
            method: Method::PUT,
            route: "/api/v3/rbac/roles/{pk}/",
            url: crew_role,
            body: |_| json!({"name": "crew-role", "permissions": ["core.view_user"]}),
            want: [Status(200), Status(200), NOT_COVERED, WHILE, Status(200)],
        },
        Row {
            method: Method::PATCH,
            route: "/api/v3/rbac/roles/{pk}/",
            url: spare,
            body: |_| json!({"permissions": ["core.view_user", "events.view_event"]}),
            want: [Status(200), Status(200), CEILING, WHILE, Status(200)],
        },
        Row {
            method: Method::DELETE,
            route: "/api/v3/rbac/roles/{pk}/",
            url: crew_role,
            body: none,
            want: [Status(204), Status(204), NOT_COVERED, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/rbac/roles/{pk}/add_user/",
            url: |w| format!("/api/v3/rbac/roles/{}/add_user/", w.crew_role),
            body: |w| json!({"pk": w.newbie}),
            want: [Status(204), Status(204), CEILING, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/rbac/roles/{pk}/remove_user/",
            url: |w| format!("/api/v3/rbac/roles/{}/remove_user/", w.spare),
            body: |w| json!({"pk": w.target}),
            want: [Status(204), Status(204), NOT_COVERED, WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/tokens/",
            url: |_| "/api/v3/core/tokens/".into(),
            body: |_| json!({"identifier": "made"}),
            want: [Status(201), Status(201), Status(201), WHILE, Status(201)],
        },
        Row {
            method: Method::PUT,
            route: "/api/v3/core/tokens/{identifier}/",
            url: |w| format!("/api/v3/core/tokens/{}/", w.token),
            body: |w| json!({"identifier": w.token, "description": "changed"}),
            want: [Status(200), Status(200), Status(200), WHILE, Status(200)],
        },
        Row {
            method: Method::PATCH,
            route: "/api/v3/core/tokens/{identifier}/",
            url: |w| format!("/api/v3/core/tokens/{}/", w.token),
            body: |_| json!({"expiring": false}),
            want: [Status(200), Status(200), Status(200), WHILE, Status(200)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/tokens/{identifier}/set_key/",
            url: |w| format!("/api/v3/core/tokens/{}/set_key/", w.token),
            body: |_| json!({"key": "a-chosen-key-of-at-least-32-characters"}),
            want: [Status(204), Status(204), Status(204), WHILE, Status(204)],
        },
        Row {
            method: Method::POST,
            route: "/api/v3/core/users/service_account/",
            url: |_| "/api/v3/core/users/service_account/".into(),
            body: |_| json!({"name": "svc", "create_group": true}),
            want: [Status(200), Status(200), Status(200), WHILE, Status(200)],
        },
        Row {
            method: Method::DELETE,
            route: "/api/v3/core/tokens/{identifier}/",
            url: |w| format!("/api/v3/core/tokens/{}/", w.token),
            body: none,
            want: [Status(204), Status(204), Status(204), WHILE, Status(204)],
        },
    ]
}

/// A role named `name` granting `perms`; returns its uuid.
fn role(app: &TestApp, name: &str, perms: &[&str]) -> String {
    let uuid = uuid::Uuid::new_v4().to_string();
    let mut sql = format!("INSERT INTO roles (uuid, name) VALUES ('{uuid}', '{name}');");
    for p in perms {
        sql.push_str(&format!(
            "INSERT INTO role_permissions SELECT id, '{p}' FROM roles WHERE uuid = '{uuid}';"
        ));
    }
    app.sql(&sql);
    uuid
}

fn token_of(app: &TestApp, user: i64) -> String {
    let db = standin::db::Db::open(&app.config.database.path, 1).unwrap();
    let identifier = format!("own-{user}");
    let t = standin::store::tokens::NewToken {
        identifier: identifier.clone(),
        user_id: user,
        description: String::new(),
        expires: None,
        expiring: false,
    };
    let key = standin::store::tokens::generate_key();
    db.write_now(move |c| standin::store::tokens::insert(c, &t, &key))
        .unwrap();
    identifier
}

/// A fresh server holding the world, and a client of `kind` in it.
async fn cell(kind: Kind) -> (TestApp, World, Client) {
    let app = TestApp::spawn().await;
    let all = every_codename();
    let target = app.create_user("target", "pw-target-123456");
    let newbie = app.create_user("newbie", "pw-newbie-123456");
    let bystander = app.create_user("bystander", "pw-bystander-123456");
    let crew_role = role(&app, "crew-role", &all);
    let spare = role(&app, "spare", &["core.view_user"]);
    let crew = uuid::Uuid::new_v4().to_string();
    let impersonation = uuid::Uuid::new_v4().to_string();
    app.sql(&format!(
        "INSERT INTO groups (uuid, name) VALUES ('{crew}', 'crew');
         INSERT INTO group_roles SELECT g.id, r.id FROM groups g, roles r
             WHERE g.uuid = '{crew}' AND r.uuid = '{crew_role}';
         INSERT INTO user_groups SELECT {target}, id FROM groups WHERE uuid = '{crew}';
         INSERT INTO user_roles SELECT {target}, id FROM roles WHERE uuid = '{spare}';
         INSERT INTO impersonations (uuid, original_user_id, target_user_id, reason, started, expires)
             VALUES ('{impersonation}', 1, {bystander}, 'support',
                     '2026-01-01T00:00:00.000000Z', '2999-01-01T00:00:00.000000Z');"
    ));
    let (client, caller) = match kind {
        Kind::Superuser => (app.admin().await, 1),
        Kind::Peer => app.user_with_perms("peer", &all).await,
        Kind::Lesser => {
            let lesser: Vec<&str> = all
                .iter()
                .copied()
                .filter(|p| *p != "events.view_event")
                .collect();
            app.user_with_perms("lesser", &lesser).await
        }
        Kind::ImpersonatingPlain | Kind::ImpersonatingUncovered => {
            let (client, pk) = app.user_with_perms("peer", &all).await;
            let plain = app.create_user("plain", "pw-plain-123456");
            assert_eq!(start(&client, plain, "support").await.status(), 204);
            if let Kind::ImpersonatingUncovered = kind {
                // Nothing of `plain` is in the server's memory yet (no request has
                // acted as them), so the change counts from the next request.
                app.sql(&format!(
                    "INSERT INTO user_groups SELECT {plain}, id FROM groups WHERE name = 'admins'"
                ));
            }
            (client, pk)
        }
    };
    let world = World {
        target,
        newbie,
        crew,
        crew_role,
        spare,
        impersonation,
        token: token_of(&app, caller),
        password: match kind {
            Kind::Superuser => ADMIN_PASSWORD.to_owned(),
            Kind::Lesser => "pw-lesser-123456".to_owned(),
            _ => "pw-peer-123456".to_owned(),
        },
    };
    (app, world, client)
}

async fn run(row: &Row, kind: Kind, want: Want) {
    let (app, world, client) = cell(kind).await;
    let res = client
        .request(row.method.clone(), &(row.url)(&world))
        .json(&(row.body)(&world))
        .send()
        .await
        .unwrap();
    let (status, body) = parts(res).await;
    let at = format!("{} {} as {kind:?}", row.method, row.route);
    match want {
        Status(code) => assert_eq!(status.as_u16(), code, "{at}: {body}"),
        Refused(detail) => {
            assert_eq!(
                (status, body),
                (StatusCode::FORBIDDEN, json!({ "detail": detail })),
                "{at}"
            );
        }
    }
    // Login reads no session, so it leaves the impersonation for the next request.
    if let (Kind::ImpersonatingUncovered, false) = (kind, row.route == "/api/v3/auth/login/") {
        let ended: String =
            app.query("SELECT end_reason FROM impersonations WHERE target_user_id = (SELECT id FROM users WHERE username = 'plain')");
        assert_eq!(ended, "user_changed", "{at}");
    }
}

#[actix_web::test]
async fn every_write_endpoint_answers_each_kind_of_caller_as_the_rules_say() {
    let rows = rows();
    for row in &rows {
        let cells = KINDS
            .iter()
            .zip(row.want)
            .map(|(kind, want)| run(row, *kind, want));
        join_all(cells).await;
    }
    let listed: BTreeSet<(String, String)> = (rows.iter())
        .map(|r| (r.method.to_string(), r.route.to_owned()))
        .collect();
    let served: BTreeSet<(String, String)> = (standin::api::registered_routes().into_iter())
        .filter(|(method, _)| method != "GET")
        .collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "write routes without a row: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(stale.is_empty(), "rows for routes not served: {stale:?}");
}
