use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[actix_web::test]
async fn malformed_json_is_a_400_generic_error() {
    let app = TestApp::spawn().await;
    let res = app
        .client()
        .request(Method::POST, "/api/v3/auth/login/")
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error"),
        "{body}"
    );
}

#[actix_web::test]
async fn non_utf8_bytes_are_a_400_not_a_crash() {
    let app = TestApp::spawn().await;
    let res = app
        .client()
        .request(Method::POST, "/api/v3/auth/login/")
        .header("content-type", "application/json")
        .body(vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'])
        .send()
        .await
        .unwrap();
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].is_string());
}

#[actix_web::test]
async fn a_json_array_body_is_a_validation_error() {
    let app = TestApp::spawn().await;
    let (status, body) = parts(
        app.client()
            .post("/api/v3/auth/login/", json!(["admin"]))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
    );
}

#[actix_web::test]
async fn the_wrong_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let res = app
        .client()
        .request(Method::POST, "/api/v3/auth/login/")
        .header("content-type", "text/plain")
        .body("username=admin")
        .send()
        .await
        .unwrap();
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        body,
        json!({"detail": "Unsupported media type \"text/plain\" in request."})
    );
}

#[actix_web::test]
async fn a_body_over_max_body_is_a_413() {
    let app = TestApp::spawn().await;
    let big = "x".repeat(70 * 1024);
    let res = app
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": big, "password": "x"}),
        )
        .await;
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body["detail"].is_string());
}

#[actix_web::test]
async fn unknown_api_paths_are_a_json_404_for_an_authenticated_caller() {
    let app = TestApp::spawn().await;
    let (status, body) = parts(app.admin().await.get("/api/v3/no/such/thing/").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"detail": "Not found."}));
}

#[actix_web::test]
async fn a_wrong_method_is_a_json_405() {
    let app = TestApp::spawn().await;
    let (status, body) = parts(app.client().delete("/api/v3/core/users/me/").await).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body, json!({"detail": "Method not allowed."}));
}

#[actix_web::test]
async fn the_trailing_slash_is_optional() {
    let app = TestApp::spawn().await;
    let c = app.admin().await;
    let with = parts(c.get("/api/v3/core/users/me/").await).await;
    let without = parts(c.get("/api/v3/core/users/me").await).await;
    assert_eq!(with.0, StatusCode::OK);
    assert_eq!(with, without);
}

#[actix_web::test]
async fn health_probes_answer_204() {
    let app = TestApp::spawn().await;
    let c = app.client();
    for path in ["/-/health/live/", "/-/health/ready/", "/-/health/live"] {
        let res = c.get(path).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{path}");
        assert_eq!(res.text().await.unwrap(), "");
    }
}

#[actix_web::test]
async fn responses_carry_security_headers_and_a_request_id() {
    let app = TestApp::spawn().await;
    let res = app.client().get("/-/health/live/").await;
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(h.contains_key("referrer-policy"));
    assert!(!h["x-request-id"].is_empty());
}

#[actix_web::test]
async fn the_root_redirects_to_the_admin_page() {
    let app = TestApp::spawn().await;
    let res = app.client().get("/").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/admin/");
    let res = app.client().get("/admin/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("<title>standin"));
}

#[actix_web::test]
async fn a_server_error_is_opaque_and_carries_a_request_id() {
    let app = TestApp::spawn().await;
    // Break the database under the server: recording the failed login now fails.
    app.sql("DROP TABLE events");
    let res = app
        .client()
        .post(
            "/api/v3/auth/login/",
            json!({"username": "admin", "password": "wrong"}),
        )
        .await;
    assert!(res.headers().contains_key("x-request-id"));
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body,
        json!({"detail": "Internal error."}),
        "no SQL, no table names, no paths"
    );
}
