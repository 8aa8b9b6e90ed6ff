//! The invariant behind every rule of who may act on whom, tried at random: thousands
//! of writes by non-superusers, directly and while impersonating, with bodies drawn
//! from the objects that exist at that moment. After every step no user holds a
//! permission that was neither theirs nor an acting caller's before the walk, and
//! superuser status has not moved. What users hold is computed here in SQL, apart
//! from the server's own code. `STANDIN_WALK_SEED=<n>` replays a run;
//! `STANDIN_WALK_TRACE=1` (with `--nocapture`) prints every step's answer.

use crate::helpers::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const STEPS: usize = 2000;

const ACTORS: [(&str, &[&str]); 4] = [
    ("a1", &["r_view", "r_users", "r_imp"]),
    ("a2", &["r_view", "r_groups", "r_roles"]),
    ("a3", &["r_view", "r_users", "r_groups", "r_roles", "r_imp"]),
    ("a4", &["r_view", "r_imp"]),
];

const ROLES: [(&str, &[&str]); 6] = [
    (
        "r_view",
        &["core.view_user", "core.view_group", "rbac.view_role"],
    ),
    (
        "r_users",
        &[
            "core.add_user",
            "core.change_user",
            "core.delete_user",
            "core.reset_user_password",
        ],
    ),
    (
        "r_groups",
        &["core.add_group", "core.change_group", "core.delete_group"],
    ),
    ("r_roles", &["rbac.change_role"]),
    ("r_imp", &["core.impersonate"]),
    // Held by no actor: nobody may hand these out.
    (
        "r_audit",
        &[
            "events.view_event",
            "core.view_impersonation",
            "core.end_impersonation",
        ],
    ),
];

/// Who holds what, by username: superuser status and codenames.
type Holdings = BTreeMap<String, (bool, BTreeSet<String>)>;

/// What every user holds, from the tables alone.
fn holdings(db: &rusqlite::Connection) -> Holdings {
    let reach = "WITH RECURSIVE anc(user_id, group_id) AS (
             SELECT user_id, group_id FROM user_groups
             UNION
             SELECT anc.user_id, gp.parent_id FROM anc JOIN group_parents gp ON gp.group_id = anc.group_id
         ), held(user_id, role_id) AS (
             SELECT user_id, role_id FROM user_roles
             UNION
             SELECT anc.user_id, gr.role_id FROM anc JOIN group_roles gr ON gr.group_id = anc.group_id
         )";
    let mut out = Holdings::new();
    let sql = format!(
        "{reach} SELECT u.username, EXISTS (SELECT 1 FROM anc JOIN groups g ON g.id = anc.group_id
                                  WHERE anc.user_id = u.id AND g.is_superuser)
         FROM users u"
    );
    let mut stmt = db.prepare(&sql).unwrap();
    for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap() {
        let (name, su): (String, bool) = row.unwrap();
        out.insert(name, (su, BTreeSet::new()));
    }
    let sql = format!(
        "{reach} SELECT DISTINCT u.username, rp.codename FROM held
         JOIN users u ON u.id = held.user_id JOIN role_permissions rp ON rp.role_id = held.role_id"
    );
    let mut stmt = db.prepare(&sql).unwrap();
    for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap() {
        let (name, codename): (String, String) = row.unwrap();
        out.get_mut(&name).unwrap().1.insert(codename);
    }
    out
}

fn column<T: rusqlite::types::FromSql>(db: &rusqlite::Connection, sql: &str) -> Vec<T> {
    let mut stmt = db.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Picks one of `items`, or `None` when there are none.
fn pick<T: Clone>(rng: &mut StdRng, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| items[rng.random_range(0..items.len())].clone())
}

/// A random few of `items`.
fn some<T: Clone + Into<Value>>(rng: &mut StdRng, items: &[T]) -> Value {
    let chosen: Vec<Value> = (items.iter())
        .filter(|_| rng.random_bool(0.2))
        .map(|i| i.clone().into())
        .collect();
    Value::Array(chosen)
}

struct Walk {
    app: TestApp,
    db: rusqlite::Connection,
    clients: Vec<Client>,
    rng: StdRng,
    seed: u64,
}

impl Walk {
    /// The request of one step: a method, a path and a body, drawn from what exists.
    fn draw(&mut self) -> (Method, String, Value) {
        let users: Vec<i64> = column(&self.db, "SELECT id FROM users");
        let groups: Vec<String> = column(&self.db, "SELECT uuid FROM groups");
        let roles: Vec<String> = column(&self.db, "SELECT uuid FROM roles");
        let codenames: Vec<String> = standin::domain::Permission::ALL
            .iter()
            .map(|p| p.codename().to_owned())
            .collect();
        let rng = &mut self.rng;
        let n = rng.random_range(0..1_000_000);
        let user = pick(rng, &users).unwrap_or(0);
        let group = pick(rng, &groups).unwrap_or_default();
        let role = pick(rng, &roles).unwrap_or_default();
        let u = format!("/api/v3/core/users/{user}/");
        let g = format!("/api/v3/core/groups/{group}/");
        let r = format!("/api/v3/rbac/roles/{role}/");
        match rng.random_range(0..20) {
            0 => (Method::PATCH, u, json!({"roles": some(rng, &roles)})),
            1 => (Method::PATCH, u, json!({"groups": some(rng, &groups)})),
            2 => {
                let name: String = self
                    .db
                    .query_row("SELECT username FROM users WHERE id = ?1", [user], |r| {
                        r.get(0)
                    })
                    .unwrap_or_default();
                let body = json!({"username": name, "name": "walked", "groups": some(rng, &groups), "roles": some(rng, &roles)});
                (Method::PUT, u, body)
            }
            3 => {
                let body = json!({"username": format!("w{n}"), "name": "new", "groups": some(rng, &groups), "roles": some(rng, &roles)});
                (Method::POST, "/api/v3/core/users/".into(), body)
            }
            // Actors stay: a walk whose callers are gone would prove nothing more.
            4 if user > 5 => (Method::DELETE, u, json!({})),
            4 | 5 => (
                Method::POST,
                format!("{u}set_password/"),
                json!({"password": "walked-password-1"}),
            ),
            6 => {
                let body = json!({"name": format!("g{n}"), "parents": some(rng, &groups), "users": some(rng, &users),
                                  "roles": some(rng, &roles), "is_superuser": rng.random_bool(0.1)});
                (Method::POST, "/api/v3/core/groups/".into(), body)
            }
            7 => (Method::PATCH, g, json!({"parents": some(rng, &groups)})),
            8 => (Method::PATCH, g, json!({"users": some(rng, &users)})),
            9 => (Method::PATCH, g, json!({"roles": some(rng, &roles)})),
            10 => (
                Method::PATCH,
                g,
                json!({"is_superuser": rng.random_bool(0.5)}),
            ),
            11 => (
                Method::PUT,
                g,
                json!({"name": format!("g{n}"), "roles": some(rng, &roles), "users": some(rng, &users)}),
            ),
            12 => (Method::DELETE, g, json!({})),
            13 => (Method::POST, format!("{g}add_user/"), json!({"pk": user})),
            14 => (
                Method::POST,
                format!("{g}remove_user/"),
                json!({"pk": user}),
            ),
            15 => (
                Method::POST,
                "/api/v3/rbac/roles/".into(),
                json!({"name": format!("r{n}"), "permissions": some(rng, &codenames)}),
            ),
            16 => (
                Method::PATCH,
                r,
                json!({"permissions": some(rng, &codenames)}),
            ),
            17 => (Method::DELETE, r, json!({})),
            18 => (
                Method::POST,
                format!("{u}impersonate/"),
                json!({"reason": "walk"}),
            ),
            _ => (
                Method::POST,
                "/api/v3/core/users/impersonate_end/".into(),
                json!({}),
            ),
        }
    }

    /// Gives the actors back their roles as they were at the start (a superuser's
    /// doing, outside the walk): callers who lost everything would only be refused.
    fn restore_actors(&self) {
        let mut sql = String::new();
        for (name, perms) in ROLES {
            sql.push_str(&format!(
                "INSERT OR IGNORE INTO roles (uuid, name) VALUES ('{}', '{name}');",
                uuid::Uuid::new_v4()
            ));
            for p in perms {
                sql.push_str(&format!(
                    "INSERT OR IGNORE INTO role_permissions SELECT id, '{p}' FROM roles WHERE name = '{name}';"
                ));
            }
        }
        for (actor, roles) in ACTORS {
            for r in roles {
                sql.push_str(&format!(
                    "INSERT OR IGNORE INTO user_roles SELECT u.id, r.id FROM users u, roles r
                     WHERE u.username = '{actor}' AND r.name = '{r}';"
                ));
            }
        }
        self.app.sql(&sql);
    }

    async fn sign_in_again(&mut self, who: usize) {
        let name = ACTORS[who].0;
        for password in [format!("pw-{name}-123456"), "walked-password-1".into()] {
            let c = self.app.client();
            let body = json!({"username": name, "password": password});
            if c.post("/api/v3/auth/login/", body).await.status() == 200 {
                self.clients[who] = c;
                return;
            }
        }
    }

    async fn step(&mut self, i: usize, allowed: &Holdings) {
        let who = self.rng.random_range(0..self.clients.len());
        let (method, path, body) = self.draw();
        let res = self.clients[who]
            .request(method.clone(), &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let seed = self.seed;
        let at = format!(
            "seed={seed} step={i}: {method} {path} {body} by a{}",
            who + 1
        );
        assert!(status.as_u16() < 500, "{at} answered {status}");
        let answer = res.text().await.unwrap();
        if std::env::var_os("STANDIN_WALK_TRACE").is_some() {
            eprintln!("{} {method} {path} -> {answer}", status.as_u16());
        }
        if answer.contains("Authentication credentials were not provided.") {
            // Another actor set this one's password or logged it out: sign in again.
            self.sign_in_again(who).await;
        }
        let now = holdings(&self.db);
        for (name, (su, perms)) in &now {
            match allowed.get(name) {
                Some((su_before, may_hold)) => {
                    assert_eq!(su, su_before, "{at}: superuser status of {name} moved");
                    let gained: Vec<_> = perms.difference(may_hold).collect();
                    assert!(gained.is_empty(), "{at}: {name} gained {gained:?}");
                }
                // Created during the walk: only what the acting callers held.
                None => {
                    assert!(!su, "{at}: new user {name} is a superuser");
                    let (_, callers) = &allowed[""];
                    let gained: Vec<_> = perms.difference(callers).collect();
                    assert!(gained.is_empty(), "{at}: new user {name} holds {gained:?}");
                }
            }
        }
    }
}

async fn world(seed: u64) -> Walk {
    let app = TestApp::spawn().await;
    let mut sql = String::new();
    for (name, perms) in ROLES {
        sql.push_str(&format!(
            "INSERT INTO roles (uuid, name) VALUES ('{}', '{name}');",
            uuid::Uuid::new_v4()
        ));
        for p in perms {
            sql.push_str(&format!(
                "INSERT INTO role_permissions SELECT id, '{p}' FROM roles WHERE name = '{name}';"
            ));
        }
    }
    for (name, is_superuser) in [("root", 1), ("audit", 0), ("plain", 0), ("under-root", 0)] {
        sql.push_str(&format!(
            "INSERT INTO groups (uuid, name, is_superuser) VALUES ('{}', '{name}', {is_superuser});",
            uuid::Uuid::new_v4()
        ));
    }
    sql.push_str(
        "INSERT INTO group_roles SELECT g.id, r.id FROM groups g, roles r WHERE g.name = 'audit' AND r.name = 'r_audit';
         INSERT INTO group_parents (group_id, parent_id, position)
             SELECT c.id, p.id, 0 FROM groups c, groups p WHERE c.name = 'under-root' AND p.name = 'root';",
    );
    app.sql(&sql);
    let mut clients = Vec::new();
    for (name, roles) in ACTORS {
        let password = format!("pw-{name}-123456");
        let pk = app.create_user(name, &password);
        for r in roles {
            app.sql(&format!(
                "INSERT INTO user_roles SELECT {pk}, id FROM roles WHERE name = '{r}'"
            ));
        }
        clients.push(app.login(name, &password).await);
    }
    for (name, group) in [
        ("boss", "root"),
        ("deputy", "under-root"),
        ("aud", "audit"),
        ("u1", "plain"),
        ("u2", ""),
    ] {
        let pk = app.create_user(name, &format!("pw-{name}-123456"));
        app.sql(&format!(
            "INSERT INTO user_groups SELECT {pk}, id FROM groups WHERE name = '{group}'"
        ));
    }
    let db = rusqlite::Connection::open(&app.config.database.path).unwrap();
    Walk {
        app,
        db,
        clients,
        rng: StdRng::seed_from_u64(seed),
        seed,
    }
}

#[actix_web::test]
async fn random_writes_by_non_superusers_never_grant_what_no_caller_held() {
    let seed = std::env::var("STANDIN_WALK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("escalation walk: STANDIN_WALK_SEED={seed}");
    let mut walk = world(seed).await;
    let before = holdings(&walk.db);
    let callers: BTreeSet<String> = (ACTORS.iter())
        .flat_map(|(name, _)| before[*name].1.iter().cloned())
        .collect();
    assert!(
        !callers.contains("events.view_event"),
        "the audit permissions stay out of reach"
    );
    // Each user may end up holding what they held or what an acting caller held.
    let mut allowed: Holdings = (before.iter())
        .map(|(name, (su, perms))| {
            (
                name.clone(),
                (*su, perms.union(&callers).cloned().collect()),
            )
        })
        .collect();
    allowed.insert(String::new(), (false, callers));
    for i in 0..STEPS {
        if i % 50 == 49 {
            walk.restore_actors();
        }
        walk.step(i, &allowed).await;
    }
    let granted: i64 = walk
        .app
        .query("SELECT COUNT(*) FROM events WHERE action LIKE 'model_%'");
    assert!(
        granted > 50,
        "seed={seed}: the walk changed too little to prove anything ({granted} changes)"
    );
}
