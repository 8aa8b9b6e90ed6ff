//! The admin page in a real headless Chromium, driven over WebDriver.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the tests pass and
//! say they were skipped — unless `STANDIN_BROWSER_TESTS=required` (set by `.ci/run`),
//! which turns a missing browser into a failure. Three sessions, each covering several
//! scenarios: browsers are slow to start.

mod admin;
mod assets;
mod impersonation;
mod visible_impersonation;
mod webdriver;

use crate::helpers::{ADMIN_PASSWORD, TestApp};
use std::io::Write;
use std::path::PathBuf;
use webdriver::{Browser, Install};

const INSTALL_HINT: &str =
    "install chromium chromium-driver (apt-get install chromium chromium-driver)";

/// The browser install, or `None` after saying plainly that the test is skipped.
fn install_or_skip(test: &str) -> Option<Install> {
    if let Some(install) = Install::find() {
        return Some(install);
    }
    if std::env::var("STANDIN_BROWSER_TESTS").is_ok_and(|v| v == "required") {
        panic!(
            "STANDIN_BROWSER_TESTS=required but Chromium or chromedriver is missing: {INSTALL_HINT}"
        );
    }
    // Straight to the terminal: the test harness would swallow `eprintln!` of a pass.
    let _ = writeln!(
        std::io::stderr(),
        "\nbrowser tests skipped ({test}): {INSTALL_HINT}; set STANDIN_BROWSER_TESTS=required to make this an error\n"
    );
    None
}

/// Where screenshots go: `target/tmp/browser/`.
fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser")
}

async fn open(install: &Install, app: &TestApp) -> Browser {
    Browser::start(install, &app.base, &screenshot_dir()).await
}

/// Logs in through the login form and waits for the page behind it.
async fn log_in(b: &Browser, username: &str, password: &str) {
    b.wait_visible("#login-form").await;
    b.fill("#login-form input[name=username]", username).await;
    b.fill("#login-form input[name=password]", password).await;
    b.click("#login-submit").await;
    b.wait_visible("#topbar").await;
}

async fn log_out(b: &Browser) {
    b.click("#logout").await;
    b.wait_visible("#login-form").await;
}

/// Fails on script errors and CSP violations the console reported.
async fn assert_clean_console(b: &Browser) {
    let bad: Vec<_> = b
        .console()
        .await
        .into_iter()
        .filter(|(_, m)| {
            m.contains("Content Security Policy")
                || m.contains("Uncaught")
                || m.contains("SyntaxError")
        })
        .collect();
    assert!(bad.is_empty(), "console errors: {bad:#?}");
}

/// `me` as the browser's own session sees it.
async fn me_in_browser(b: &Browser) -> serde_json::Value {
    b.js_await("const r = await fetch('/api/v3/core/users/me/'); return await r.json();")
        .await
}

/// Creates a user through the API as the admin; returns its pk.
async fn create_user(app: &TestApp, body: serde_json::Value) -> i64 {
    let admin = app.admin().await;
    let res = admin.post("/api/v3/core/users/", body).await;
    assert_eq!(res.status(), 201, "create user");
    res.json::<serde_json::Value>().await.unwrap()["pk"]
        .as_i64()
        .unwrap()
}
