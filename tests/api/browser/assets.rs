//! How the page's files are served (no browser needed).

use crate::helpers::TestApp;
use reqwest::StatusCode;

#[actix_web::test]
async fn the_page_files_are_served_with_types_validators_and_gzip() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", app.base));

    let res = get("/admin/app.js").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let tag = h["etag"].to_str().unwrap().to_owned();

    // Unchanged: revalidation costs a 304 and no body.
    let res = get("/admin/app.js")
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(res.bytes().await.unwrap().is_empty());

    // Compressed for browsers that ask.
    let res = get("/admin/style.css")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");

    // Every screen is index.html (hash routes); nothing outside static/ is reachable.
    for path in ["/admin", "/admin/", "/admin/index.html"] {
        let res = get(path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.text().await.unwrap().contains("<title>standin"));
    }
    for path in [
        "/admin/nope.js",
        "/admin/..%2FCargo.toml",
        "/admin/%2E%2E/src/lib.rs",
    ] {
        let res = get(path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
}
