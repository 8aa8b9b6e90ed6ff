//! What API answers give away and where they may be kept: no caching, no map of the
//! routes for strangers, and a client address a client cannot forge.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn cache_control(res: &reqwest::Response) -> Option<&str> {
    res.headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
}

#[actix_web::test]
async fn every_api_response_carries_cache_control_no_store() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    let admin = app.admin().await;
    let answers = [
        (admin.get("/api/v3/core/users/me/").await, StatusCode::OK),
        (admin.get("/api/v3/core/users/").await, StatusCode::OK),
        (
            admin.get("/api/v3/no/such/thing/").await,
            StatusCode::NOT_FOUND,
        ),
        (
            admin.delete("/api/v3/core/users/me/").await,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            anon.get("/api/v3/core/users/me/").await,
            StatusCode::FORBIDDEN,
        ),
        (
            anon.post(
                "/api/v3/auth/login/",
                json!({"username": "admin", "password": ADMIN_PASSWORD}),
            )
            .await,
            StatusCode::OK,
        ),
    ];
    for (res, status) in answers {
        assert_eq!(res.status(), status, "{}", res.url());
        assert_eq!(cache_control(&res), Some("no-store"), "{}", res.url());
        assert!(res.json::<serde_json::Value>().await.is_ok());
    }
}

#[actix_web::test]
async fn an_unknown_api_path_answers_an_anonymous_caller_like_any_other_api_path() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    for method in [Method::GET, Method::POST, Method::DELETE] {
        let res = anon
            .request(method.clone(), "/api/v3/no/such/thing/")
            .send()
            .await
            .unwrap();
        assert_unauthenticated(res).await;
    }
    assert_unauthenticated(anon.get("/api/v9/").await).await;
    // Outside the API, a missing page is still a 404.
    assert_eq!(
        anon.get("/no/such/page/").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_forwarded_address() {
    let app = TestApp::spawn_with(|c| {
        c.server.trusted_proxies =
            standin::config::TrustedProxies::parse(&["127.0.0.1", "10.0.0.0/8"]).unwrap()
    })
    .await;
    // The client sent its own X-Forwarded-For ("6.6.6.6"); each proxy appended the
    // address it saw.
    let res = app
        .client()
        .request(Method::POST, "/api/v3/auth/login/")
        .header("X-Forwarded-For", "6.6.6.6, 203.0.113.7, 10.1.2.3")
        .json(&json!({"username": "admin", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"detail": "Invalid username or password."}));
    let ip: String = app.query("SELECT client_ip FROM events WHERE action = 'login_failed'");
    assert_eq!(ip, "203.0.113.7");
}
