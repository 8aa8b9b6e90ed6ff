//! Forward auth over plain HTTP, as a proxy asks it: who the app behind the proxy
//! sees, which sites admit whom, and where a sign-in may return to. (The same paths
//! behind real nginx and Caddy are in `proxies/`.)

use crate::helpers::*;
use crate::impersonation::start;
use reqwest::{Method, StatusCode};
use serde_json::json;
use standin::config::AccessRule;

const NGINX: &str = "/outpost.goauthentik.io/auth/nginx";
const CADDY: &str = "/outpost.goauthentik.io/auth/caddy";
const TRAEFIK: &str = "/outpost.goauthentik.io/auth/traefik";
const START: &str = "/outpost.goauthentik.io/start";

/// Asks `path` as a proxy would for `https://<host>/page`.
async fn ask(c: &Client, path: &str, host: &str) -> reqwest::Response {
    c.request(Method::GET, path)
        .header("X-Original-URL", format!("https://{host}/page?x=1"))
        .header("X-Forwarded-Proto", "https")
        .header("X-Forwarded-Host", host)
        .header("X-Forwarded-Uri", "/page?x=1")
        .send()
        .await
        .unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| String::from_utf8(v.as_bytes().to_vec()).unwrap())
}

#[actix_web::test]
async fn an_anonymous_request_is_sent_to_sign_in_in_each_proxys_way() {
    let app = TestApp::spawn().await;
    let anonymous = app.client();
    let before: i64 = app.query("SELECT COUNT(*) FROM events");
    let res = ask(&anonymous, NGINX, "app.example.com").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&res, "x-authentik-username").is_none());
    assert_eq!(res.text().await.unwrap(), "");
    for path in [CADDY, TRAEFIK] {
        let res = ask(&anonymous, path, "app.example.com").await;
        assert_eq!(res.status(), StatusCode::FOUND, "{path}");
        assert_eq!(
            header(&res, "location").unwrap(),
            "/outpost.goauthentik.io/start?rd=https%3A%2F%2Fapp%2Eexample%2Ecom%2Fpage%3Fx%3D1"
        );
    }
    let after: i64 = app.query("SELECT COUNT(*) FROM events");
    assert_eq!(after, before, "a check records nothing");
}

#[actix_web::test]
async fn a_signed_in_user_is_described_to_the_app_in_authentiks_headers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana = created(
        &admin,
        "/api/v3/core/users/",
        json!({"username": "ana", "name": "Ana Lima", "email": "ana@example.com"}),
    )
    .await;
    for name in ["ops", "staff"] {
        let g = created(&admin, "/api/v3/core/groups/", json!({"name": name})).await;
        let add = format!(
            "/api/v3/core/groups/{}/add_user/",
            g["pk"].as_str().unwrap()
        );
        admin.post(&add, json!({"pk": ana["pk"]})).await;
    }
    let pk = ana["pk"].as_i64().unwrap();
    app.sql(&format!(
        "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = 1) WHERE id = {pk}"
    ));
    let c = app.login("ana", ADMIN_PASSWORD).await;
    let before: i64 = app.query("SELECT COUNT(*) FROM events");
    for path in [NGINX, CADDY, TRAEFIK] {
        let res = ask(&c, path, "app.example.com").await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&res, "x-authentik-username").unwrap(), "ana");
        assert_eq!(header(&res, "x-authentik-name").unwrap(), "Ana Lima");
        assert_eq!(
            header(&res, "x-authentik-email").unwrap(),
            "ana@example.com"
        );
        assert_eq!(
            header(&res, "x-authentik-uid").unwrap(),
            ana["uid"].as_str().unwrap()
        );
        assert_eq!(header(&res, "x-authentik-groups").unwrap(), "ops|staff");
        assert_eq!(header(&res, "x-standin-user-pk").unwrap(), pk.to_string());
        for absent in [
            "x-standin-impersonator",
            "x-standin-impersonation",
            "x-standin-read-only",
        ] {
            assert!(header(&res, absent).is_none(), "{absent} on {path}");
        }
        assert_eq!(res.text().await.unwrap(), "", "no body to build");
    }
    let after: i64 = app.query("SELECT COUNT(*) FROM events");
    assert_eq!(after, before, "checks record no events");
    // An empty value is left out, not sent empty.
    let admin_res = ask(&admin, NGINX, "app.example.com").await;
    assert!(header(&admin_res, "x-authentik-email").is_none());
    // A token answers the same way.
    let key = app.create_token(pk);
    let res = Client::bearer(&app.base, &key, Method::GET, NGINX, None).await;
    assert_eq!(header(&res, "x-authentik-username").unwrap(), "ana");
}

#[actix_web::test]
async fn during_an_impersonation_the_app_sees_the_target_and_who_is_behind_it() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    let body = json!({"reason": "ticket", "read_only": true});
    let res = admin
        .post(&format!("/api/v3/core/users/{ana}/impersonate/"), body)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let uuid: String = app.query("SELECT uuid FROM impersonations");
    let res = ask(&admin, NGINX, "app.example.com").await;
    assert_eq!(header(&res, "x-authentik-username").unwrap(), "ana");
    assert_eq!(header(&res, "x-standin-user-pk").unwrap(), ana.to_string());
    assert_eq!(header(&res, "x-standin-impersonator").unwrap(), "admin");
    assert_eq!(header(&res, "x-standin-impersonation").unwrap(), uuid);
    assert_eq!(header(&res, "x-standin-read-only").unwrap(), "true");

    // Revoked by another admin: the very next check describes the admin again.
    let other = app.admin().await;
    let res = other
        .post(
            &format!("/api/v3/core/impersonations/{uuid}/end/"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = ask(&admin, NGINX, "app.example.com").await;
    assert_eq!(header(&res, "x-authentik-username").unwrap(), "admin");
    assert!(header(&res, "x-standin-impersonator").is_none());

    assert_eq!(
        start(&admin, ana, "again").await.status(),
        StatusCode::NO_CONTENT
    );
    let res = ask(&admin, CADDY, "app.example.com").await;
    assert_eq!(header(&res, "x-standin-read-only").unwrap(), "false");
    admin.get("/api/v3/core/users/impersonate_end/").await;
    let res = ask(&admin, CADDY, "app.example.com").await;
    assert_eq!(header(&res, "x-authentik-username").unwrap(), "admin");
}

#[actix_web::test]
async fn a_logged_out_or_revoked_session_is_signed_out_for_the_apps_too() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let copy = Client::new(&app.base);
    copy.set_cookie("standin_session", &admin.cookie("standin_session").unwrap());
    assert_eq!(
        ask(&copy, NGINX, "app.example.com").await.status(),
        StatusCode::OK
    );
    admin.post("/api/v3/auth/logout/", json!({})).await;
    assert_eq!(
        ask(&copy, NGINX, "app.example.com").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn a_site_with_a_rule_admits_members_of_its_groups_and_the_groups_below_only() {
    let app = TestApp::spawn_with(|c| {
        c.forward_auth.rules = vec![AccessRule {
            host: "wiki.example.com".into(),
            groups: vec!["staff".into()],
        }];
    })
    .await;
    let admin = app.admin().await;
    let staff = created(&admin, "/api/v3/core/groups/", json!({"name": "staff"})).await;
    let interns = created(
        &admin,
        "/api/v3/core/groups/",
        json!({"name": "interns", "parents": [staff["pk"]]}),
    )
    .await;
    let ana = app.create_user("ana", "pw-ana-123456");
    app.create_user("bob", "pw-bob-123456");
    let add = format!(
        "/api/v3/core/groups/{}/add_user/",
        interns["pk"].as_str().unwrap()
    );
    admin.post(&add, json!({"pk": ana})).await;
    let ana_c = app.login("ana", "pw-ana-123456").await;
    let bob_c = app.login("bob", "pw-bob-123456").await;

    let res = ask(&ana_c, NGINX, "wiki.example.com").await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "a member of a group below staff"
    );
    for (who, c) in [("bob", &bob_c), ("admin, a superuser", &admin)] {
        let res = ask(c, NGINX, "wiki.example.com").await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
        assert!(header(&res, "x-authentik-username").is_none());
        assert_eq!(res.text().await.unwrap(), "");
        let res = ask(c, NGINX, "other.example.com").await;
        assert_eq!(res.status(), StatusCode::OK, "no rule for {who}");
    }
    // Caddy says the site in X-Forwarded-Host; nginx in X-Original-URL (or Host).
    let res = bob_c
        .request(Method::GET, CADDY)
        .header("X-Forwarded-Host", "WIKI.example.com:443")
        .header("X-Forwarded-Uri", "/")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // While impersonating, the rule applies to the target.
    assert_eq!(
        start(&admin, ana, "wiki").await.status(),
        StatusCode::NO_CONTENT
    );
    let res = ask(&admin, NGINX, "wiki.example.com").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-standin-impersonator").unwrap(), "admin");
}

#[actix_web::test]
async fn the_sign_in_start_returns_only_to_configured_sites() {
    let app = TestApp::spawn_with(|c| c.forward_auth.domains = vec!["example.com".into()]).await;
    let anonymous = app.client();
    let res = anonymous
        .get(&format!("{START}?rd=https%3A%2F%2Fwiki.example.com%2Fa"))
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        header(&res, "location").unwrap(),
        "/admin/?next=%2Foutpost%2Egoauthentik%2Eio%2Fstart%3Frd%3Dhttps%253A%252F%252Fwiki%252Eexample%252Ecom%252Fa"
    );
    let admin = app.admin().await;
    for (rd, to) in [
        (
            "https://wiki.example.com/a?b=1",
            "https://wiki.example.com/a?b=1",
        ),
        ("https://example.com/", "https://example.com/"),
        ("/wiki/page", "/wiki/page"),
        ("https://evil.com/", "/admin/"),
        ("https://example.com.evil.com/", "/admin/"),
        ("//evil.com/", "/admin/"),
        ("/\\evil.com", "/admin/"),
        ("https://admin@example.com/", "/admin/"),
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(rd.as_bytes()).collect();
        let res = admin.get(&format!("{START}?rd={encoded}")).await;
        assert_eq!(res.status(), StatusCode::FOUND, "{rd}");
        assert_eq!(header(&res, "location").unwrap(), to, "{rd}");
    }
    let res = admin.get(START).await;
    assert_eq!(header(&res, "location").unwrap(), "/admin/");
}

#[actix_web::test]
async fn a_cookie_domain_makes_one_sign_in_serve_every_site_below_it() {
    let app = TestApp::spawn_with(|c| c.session.cookie_domain = Some("example.com".into())).await;
    let res = app
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for name in ["standin_session", "standin_csrf"] {
        let cookie = set_cookie(&res, name).unwrap().to_ascii_lowercase();
        assert!(cookie.contains("domain=example.com"), "{name}: {cookie}");
    }
    let plain = TestApp::spawn().await;
    let res = plain
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    let cookie = set_cookie(&res, "standin_session")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        !cookie.contains("domain="),
        "host-only by default: {cookie}"
    );
}
