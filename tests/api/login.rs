use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[actix_web::test]
async fn admin_logs_in_and_gets_a_session_user_and_two_cookies() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let res = c
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    let session = set_cookie(&res, "standin_session")
        .expect("session cookie")
        .to_owned();
    let csrf = set_cookie(&res, "standin_csrf")
        .expect("csrf cookie")
        .to_owned();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(
        session.contains(&format!("Max-Age={}", 14 * 86_400)),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain HTTP gets no Secure flag: {session}"
    );
    assert!(
        !csrf.contains("HttpOnly"),
        "the page must read the CSRF token: {csrf}"
    );
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["is_superuser"], true);
    assert!(body.get("original").is_none());
}

#[actix_web::test]
async fn the_cookie_holds_ids_and_epoch_but_no_names() {
    let app = TestApp::spawn().await;
    let c = app.admin().await;
    let raw = c.cookie("standin_session").unwrap();
    let decoded = raw
        .replace("%22", "\"")
        .replace("%7B", "{")
        .replace("%7D", "}")
        .replace("%3A", ":")
        .replace("%2C", ",");
    assert!(decoded.contains("\"user_id\""), "{decoded}");
    assert!(decoded.contains("\"auth_epoch\""), "{decoded}");
    assert!(decoded.contains("\"issued_at\""), "{decoded}");
    assert!(
        !decoded.contains("admin"),
        "no names in the cookie: {decoded}"
    );
    assert!(!decoded.contains("original_user_id"), "{decoded}");
}

#[actix_web::test]
async fn wrong_password_unknown_user_and_inactive_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.create_user("sleepy", "right-password");
    app.sql("UPDATE users SET is_active = 0 WHERE username = 'sleepy'");
    let c = app.client();
    let expected = json!({"detail": "Invalid username or password."});
    for (user, pw) in [
        ("admin", "wrong"),
        ("nobody", "whatever"),
        ("sleepy", "right-password"),
    ] {
        let res = c
            .post(
                "/api/v3/auth/login/",
                json!({"username": user, "password": pw}),
            )
            .await;
        assert!(set_cookie(&res, "standin_session").is_none());
        let (status, body) = parts(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(body, expected, "{user}");
    }
}

#[actix_web::test]
async fn failed_logins_are_recorded_without_the_password() {
    let app = TestApp::spawn().await;
    let c = app.client();
    c.post(
        "/api/v3/auth/login/",
        json!({"username": "admin", "password": "s3cret-guess"}),
    )
    .await;
    let context: String = app.query("SELECT context FROM events WHERE action = 'login_failed'");
    assert_eq!(context, r#"{"username":"admin"}"#);
    let all: String = app.query("SELECT group_concat(context || user_json) FROM events");
    assert!(!all.contains("s3cret-guess"));
    app.admin().await;
    let logins: i64 =
        app.query("SELECT COUNT(*) FROM events WHERE action = 'login' AND username = 'admin'");
    assert_eq!(logins, 1);
}

#[actix_web::test]
async fn missing_fields_are_reported_together() {
    let app = TestApp::spawn().await;
    let (status, body) = parts(app.client().post("/api/v3/auth/login/", json!({})).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"username": ["This field is required."], "password": ["This field is required."]})
    );
}

#[actix_web::test]
async fn repeated_failures_for_one_username_are_throttled_with_retry_after() {
    let app = TestApp::spawn_with(|c| c.security.login_max_failures = 3).await;
    let c = app.client();
    for _ in 0..3 {
        let res = c
            .post(
                "/api/v3/auth/login/",
                json!({"username": "admin", "password": "x"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    // Even the right password is refused while throttled.
    let res = c
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let (_, body) = parts(res).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Request was throttled."),
        "{body}"
    );
    // Another username from the same client is not affected by the per-user limit.
    let res = c
        .post(
            "/api/v3/auth/login/",
            json!({"username": "other", "password": "x"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn failures_from_one_ip_are_throttled_across_usernames() {
    let app = TestApp::spawn_with(|c| c.security.login_max_failures_per_ip = 2).await;
    let c = app.client();
    for name in ["a", "b"] {
        c.post(
            "/api/v3/auth/login/",
            json!({"username": name, "password": "x"}),
        )
        .await;
    }
    let res = c
        .post(
            "/api/v3/auth/login/",
            json!({"username": "c", "password": "x"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
}

#[actix_web::test]
async fn a_successful_login_resets_the_username_counter() {
    let app = TestApp::spawn_with(|c| c.security.login_max_failures = 2).await;
    let c = app.client();
    c.post(
        "/api/v3/auth/login/",
        json!({"username": "admin", "password": "x"}),
    )
    .await;
    app.admin().await;
    c.post(
        "/api/v3/auth/login/",
        json!({"username": "admin", "password": "x"}),
    )
    .await;
    let res = c
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn cross_site_login_posts_are_refused() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let res = admin_login_with(&c, &[("Sec-Fetch-Site", "cross-site")]).await;
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["detail"].as_str().unwrap().starts_with("CSRF Failed"),
        "{body}"
    );
    let res = admin_login_with(&c, &[("Origin", "https://evil.example")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let same_origin = [
        ("Origin", app.base.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    let res = admin_login_with(&c, &same_origin).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn logout_clears_the_cookie_and_ends_the_session() {
    let app = TestApp::spawn().await;
    let c = app.admin().await;
    let res = c.post("/api/v3/auth/logout/", json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        set_cookie(&res, "standin_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(res.text().await.unwrap(), "");
    assert_unauthenticated(c.get("/api/v3/core/users/me/").await).await;
    let logouts: i64 = app.query("SELECT COUNT(*) FROM events WHERE action = 'logout'");
    assert_eq!(logouts, 1);
}

#[actix_web::test]
async fn the_secure_flag_follows_the_setting() {
    let app = TestApp::spawn_with(|c| c.session.secure = standin::config::CookieSecure::True).await;
    let res = app
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert!(
        set_cookie(&res, "standin_session")
            .unwrap()
            .contains("; Secure")
    );
    assert!(
        set_cookie(&res, "standin_csrf")
            .unwrap()
            .contains("; Secure")
    );
}

#[actix_web::test]
async fn secure_auto_trusts_forwarded_proto_only_from_trusted_proxies() {
    let untrusted = TestApp::spawn().await;
    let res = admin_login_with(&untrusted.client(), &[("X-Forwarded-Proto", "https")]).await;
    assert!(
        !set_cookie(&res, "standin_session")
            .unwrap()
            .contains("Secure")
    );
    let trusted = TestApp::spawn_with(|c| {
        c.server.trusted_proxies = standin::config::TrustedProxies::parse(&["127.0.0.1"]).unwrap()
    })
    .await;
    let res = admin_login_with(&trusted.client(), &[("X-Forwarded-Proto", "https")]).await;
    assert!(
        set_cookie(&res, "standin_session")
            .unwrap()
            .contains("; Secure")
    );
}

/// The admin's login, sent with extra `headers`.
async fn admin_login_with(c: &Client, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut rb = c.request(reqwest::Method::POST, "/api/v3/auth/login/");
    for (name, value) in headers {
        rb = rb.header(*name, *value);
    }
    let creds = json!({"username": "admin", "password": ADMIN_PASSWORD});
    rb.json(&creds).send().await.unwrap()
}
