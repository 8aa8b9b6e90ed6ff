//! `GET impersonate_end` carries no CSRF token, so the browser's word on where the
//! request came from decides: another site cannot end an impersonation.

use crate::helpers::*;
use crate::impersonation::{me, start};
use reqwest::StatusCode;
use serde_json::json;

const END: &str = "/api/v3/core/users/impersonate_end/";

async fn end_with(c: &Client, header: Option<(&str, &str)>) -> reqwest::Response {
    let mut rb = c.request(reqwest::Method::GET, END);
    if let Some((name, value)) = header {
        rb = rb.header(name, value);
    }
    rb.send().await.unwrap()
}

#[actix_web::test]
async fn a_cross_site_get_of_impersonate_end_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    assert_eq!(start(&admin, ana, "ticket 7").await.status(), 204);
    for header in [
        ("Sec-Fetch-Site", "cross-site"),
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
    ] {
        let (status, body) = parts(end_with(&admin, Some(header)).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{header:?}");
        assert_eq!(body, json!({"detail": "CSRF Failed: cross-site request."}));
        let now = me(&admin).await;
        assert_eq!(now["user"]["username"], "ana", "still impersonating");
        assert_eq!(now["original"]["username"], "admin");
    }
    let open: i64 = app.query("SELECT COUNT(*) FROM impersonations WHERE ended IS NULL");
    assert_eq!(open, 1);
}

#[actix_web::test]
async fn same_site_requests_and_plain_clients_end_an_impersonation_as_before() {
    let app = TestApp::spawn().await;
    let ana = app.create_user("ana", "pw-ana-123456");
    let admin = app.admin().await;
    for header in [
        Some(("Sec-Fetch-Site", "same-origin")),
        Some(("Sec-Fetch-Site", "same-site")),
        Some(("Sec-Fetch-Site", "none")),
        Some(("Origin", app.base.as_str())),
        None,
    ] {
        assert_eq!(start(&admin, ana, "ticket 7").await.status(), 204);
        let res = end_with(&admin, header).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "{header:?}");
        assert_eq!(res.text().await.unwrap(), "");
        assert_eq!(me(&admin).await["user"]["username"], "admin", "{header:?}");
    }
}
