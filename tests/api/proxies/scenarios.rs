//! What each proxy must do, written once and run against nginx and Caddy.

use super::{
    APP, IDENTITY_HEADERS, Kind, STAFF, Stack, Visitor, identity_of, identity_seen, query_param,
    redirect,
};
use crate::helpers::ADMIN_PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};

const START: &str = "/outpost.goauthentik.io/start";

/// Every identity header, with values no real answer has.
const FORGED: [(&str, &str); 9] = [
    ("X-authentik-username", "admin"),
    ("X-authentik-email", "forged@evil.test"),
    ("X-authentik-name", "Forged Name"),
    ("X-authentik-uid", "forged-uid"),
    ("X-authentik-groups", "admins|staff"),
    ("X-Standin-User-Pk", "1"),
    ("X-Standin-Impersonator", "forged-impersonator"),
    (
        "X-Standin-Impersonation",
        "00000000-0000-0000-0000-000000000000",
    ),
    ("X-Standin-Read-Only", "false"),
];

/// Creates a user with a password, through the store; returns its pk.
fn user(s: &Stack, username: &str) -> (i64, String) {
    let password = format!("pw-{username}-123456");
    (s.app.create_user(username, &password), password)
}

/// The admin, signed in through the proxy on the app's site.
async fn admin(s: &Stack) -> Visitor {
    let v = s.visitor();
    v.log_in(APP, "admin", ADMIN_PASSWORD).await;
    v
}

/// Creates group `name` (below `parent`) as the admin; returns its uuid.
async fn group(admin: &Visitor, name: &str, parent: Option<&str>) -> String {
    let res = admin
        .post(
            APP,
            "/api/v3/core/groups/",
            json!({"name": name, "parent": parent}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "create group {name}");
    let body: Value = res.json().await.unwrap();
    body["pk"].as_str().unwrap().to_owned()
}

async fn add_to_group(admin: &Visitor, group: &str, user: i64) {
    let res = admin
        .post(
            APP,
            &format!("/api/v3/core/groups/{group}/add_user/"),
            json!({"pk": user}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NO_CONTENT,
        "add {user} to {group}"
    );
}

/// Anonymous: sent to the sign-in start with the page asked for, then to the admin
/// page's sign-in with the start as `next`; the app is not reached. Signed in on the
/// app's site, the start sends the browser back to that page, which the app serves
/// to the user.
pub async fn sign_in_and_return(s: &Stack) {
    let v = s.visitor();
    let page = s.url(APP, "/wiki/page?x=1");

    // nginx's `@signin` builds the start URL; Caddy passes on standin's redirect.
    let to_start = redirect(v.get_url(&page).await).await;
    assert!(to_start.starts_with(&s.url(APP, START)), "{to_start}");
    assert_eq!(
        query_param(&page, &to_start, "rd").as_deref(),
        Some(page.as_str())
    );

    // The start, signed out: to the admin page's sign-in, on the same site.
    let to_sign_in = redirect(v.get_url(&to_start).await).await;
    assert!(
        to_sign_in.starts_with(&s.url(APP, "/admin/?next=")),
        "{to_sign_in}"
    );
    let next = query_param(&page, &to_sign_in, "next").unwrap();
    assert!(next.starts_with(&format!("{START}?")), "{next}");
    assert_eq!(
        query_param(&page, &next, "rd").as_deref(),
        Some(page.as_str())
    );
    let res = v.get_url(&to_sign_in).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("/admin/view-login.js"), "{html}");
    assert_eq!(s.upstream.hits(), 0, "the app was reached before sign-in");

    // The page signs in through the proxy, then follows `next` (its script does
    // that in a browser: tests/api/browser/admin.rs).
    v.log_in(APP, "admin", ADMIN_PASSWORD).await;
    let back = redirect(v.get(APP, &next).await).await;
    assert_eq!(back, page);
    let seen = v.app(APP, "/wiki/page?x=1", &[]).await;
    assert_eq!(seen["method"], "GET");
    assert_eq!(seen["headers"]["x-authentik-username"], "admin");
    assert_eq!(s.upstream.hits(), 1);
}

/// The app receives exactly the signed-in user's identity headers — the ones a
/// user lacks are absent, not empty and not a placeholder — and none of the values a
/// client sent under those names.
pub async fn identity_and_forgery(s: &Stack) {
    let admin = admin(s).await;
    let staff = group(&admin, "staff", None).await;
    let (ana, ana_pw) = user(s, "ana");
    let res = admin
        .request(
            reqwest::Method::PATCH,
            &s.url(APP, &format!("/api/v3/core/users/{ana}/")),
        )
        .json(&json!({"name": "Ana Lima", "email": "ana@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    add_to_group(&admin, &staff, ana).await;
    // bo has no name, no email and no group.
    let (_, bo_pw) = user(s, "bo");

    for (username, password) in [("ana", &ana_pw), ("bo", &bo_pw)] {
        let v = s.visitor();
        v.log_in(APP, username, password).await;
        let me = v.me(APP).await;
        let expected = identity_of(&me["user"], None);
        assert_eq!(expected["x-authentik-username"], username);

        let seen = v.app(APP, "/", &[]).await;
        assert_eq!(identity_seen(&seen), expected, "{username}: {seen}");
        let seen = v.app(APP, "/", &FORGED).await;
        assert_eq!(identity_seen(&seen), expected, "{username} forged: {seen}");
        let headers = seen["headers"].as_object().unwrap();
        for (name, value) in headers {
            let value = value.as_str().unwrap();
            assert!(
                !value.contains("forged") && !value.contains("{http."),
                "{name}: {value}"
            );
        }
    }
    let seen = s
        .visitor()
        .get(APP, "/")
        .await
        .headers()
        .get("x-authentik-username")
        .cloned();
    assert_eq!(seen, None, "an identity header in the sign-in redirect");

    // ana's own values, checked once against literal text.
    let v = s.visitor();
    v.log_in(APP, "ana", &ana_pw).await;
    let seen = identity_seen(&v.app(APP, "/", &FORGED).await);
    assert_eq!(seen["x-authentik-name"], "Ana Lima");
    assert_eq!(seen["x-authentik-email"], "ana@example.com");
    assert_eq!(seen["x-authentik-groups"], "staff");
    assert_eq!(seen["x-standin-user-pk"], ana.to_string());
}

/// During an impersonation the app sees the target and who is behind it; after it
/// ends, the admin again, with nothing left of the impersonation.
pub async fn impersonation(s: &Stack) {
    let admin = admin(s).await;
    let (ana, _) = user(s, "ana");
    let own = identity_of(&admin.me(APP).await["user"], None);
    assert_eq!(identity_seen(&admin.app(APP, "/", &[]).await), own);

    for read_only in [false, true] {
        let res = admin
            .post(
                APP,
                &format!("/api/v3/core/users/{ana}/impersonate/"),
                json!({"reason": "checking the wiki", "read_only": read_only}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "impersonate");
        let me = admin.me(APP).await;
        assert_eq!(me["original"]["username"], "admin");
        let uuid = me["impersonation"]["pk"].as_str().unwrap();
        let expected = identity_of(&me["user"], Some(("admin", uuid, read_only)));
        assert_eq!(expected["x-authentik-username"], "ana");

        let seen = admin.app(APP, "/", &FORGED).await;
        assert_eq!(identity_seen(&seen), expected, "{seen}");
        assert_eq!(seen["headers"]["x-standin-impersonator"], "admin");
        assert_eq!(
            seen["headers"]["x-standin-read-only"],
            read_only.to_string()
        );

        let res = admin.get(APP, "/api/v3/core/users/impersonate_end/").await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "end");
        let seen = admin.app(APP, "/", &FORGED).await;
        assert_eq!(identity_seen(&seen), own, "after the end: {seen}");
    }
}

/// `staff.example.com` admits members of `staff` and of groups below it; anyone else,
/// superusers included, gets 403 and the app is not reached, whichever site the
/// client claims in its own headers. A site without a rule admits every user.
pub async fn site_rules(s: &Stack) {
    let admin = admin(s).await;
    let staff = group(&admin, "staff", None).await;
    let nurses = group(&admin, "nurses", Some(&staff)).await;
    let (ana, ana_pw) = user(s, "ana");
    add_to_group(&admin, &nurses, ana).await;
    let (_, bo_pw) = user(s, "bo");

    // One sign-in on the app's site serves the staff site (`session.cookie_domain`).
    let ana_v = s.visitor();
    ana_v.log_in(APP, "ana", &ana_pw).await;
    let seen = ana_v.app(STAFF, "/rota", &[]).await;
    assert_eq!(seen["headers"]["x-authentik-username"], "ana");
    assert_eq!(seen["headers"]["x-authentik-groups"], "nurses");

    let bo_v = s.visitor();
    bo_v.log_in(APP, "bo", &bo_pw).await;
    let hits = s.upstream.hits();
    let claims = [
        ("X-Forwarded-Host", APP),
        ("X-Original-URL", "http://app.example.com/"),
    ];
    for (who, v) in [("bo", &bo_v), ("admin", &admin)] {
        for extra in [&[][..], &claims[..]] {
            let mut rb = v.request(reqwest::Method::GET, &s.url(STAFF, "/rota"));
            for (k, val) in extra {
                rb = rb.header(*k, *val);
            }
            let res = rb.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who} {extra:?}");
            for name in IDENTITY_HEADERS {
                assert!(res.headers().get(name).is_none(), "{name} on a 403");
            }
            let body = res.text().await.unwrap();
            match s.kind {
                // Caddy passes on standin's answer; nginx shows its own error page.
                Kind::Caddy => assert_eq!(body, "", "{who}"),
                Kind::Nginx => assert!(body.contains("403 Forbidden"), "{body}"),
            }
        }
    }
    assert_eq!(s.upstream.hits(), hits, "the app was reached past a rule");
    let seen = bo_v.app(APP, "/", &[]).await;
    assert_eq!(seen["headers"]["x-authentik-username"], "bo");
}

/// The start sends a signed-in browser back only to a page on a configured site or
/// on this one; any other `rd` ends on the admin page. Signed out, the foreign
/// `rd` survives the sign-in only to be refused after it.
pub async fn foreign_return(s: &Stack) {
    let admin = admin(s).await;
    let start = |rd: &str| {
        format!(
            "{START}?rd={}",
            percent_encoding::utf8_percent_encode(rd, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    for rd in [
        "https://evil.test/x",
        "https://example.com.evil.test/",
        "//evil.test/",
        "https://admin@app.example.com/",
        "javascript:alert(1)",
    ] {
        let to = redirect(admin.get(APP, &start(rd)).await).await;
        assert_eq!(to, s.url(APP, "/admin/"), "rd={rd}");
    }
    for rd in ["https://wiki.example.com/page?x=1", "/local/page"] {
        let to = redirect(admin.get(APP, &start(rd)).await).await;
        let expected = url::Url::parse(&s.url(APP, "/")).unwrap().join(rd).unwrap();
        assert_eq!(to, expected.to_string(), "rd={rd}");
    }

    let v = s.visitor();
    let to_sign_in = redirect(v.get(APP, &start("https://evil.test/x")).await).await;
    let next = query_param(&to_sign_in, &to_sign_in, "next").unwrap();
    v.log_in(APP, "admin", ADMIN_PASSWORD).await;
    let to = redirect(v.get(APP, &next).await).await;
    assert_eq!(to, s.url(APP, "/admin/"));
    assert_eq!(s.upstream.hits(), 0);
}
