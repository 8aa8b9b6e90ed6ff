//! Caddy 2.6 (Debian's) with `forward_auth`, configured from `docs/Caddyfile`.

use super::nginx::replace_once;
use super::scenarios;
use super::{APP, Kind, Running, STAFF, Stack};
use std::path::Path;
use std::process::{Command, Stdio};

/// `docs/Caddyfile` serving both test sites over plain HTTP on `port`, after the
/// global options a test needs (no admin endpoint, no certificates).
fn config(port: u16, standin: u16, app: u16) -> String {
    let site = replace_once(
        include_str!("../../../docs/Caddyfile"),
        &[(
            "app.example.com {",
            format!("http://{APP}:{port}, http://{STAFF}:{port} {{"),
        )],
    )
    .replace("127.0.0.1:9000", &format!("127.0.0.1:{standin}"))
    .replace("127.0.0.1:3000", &format!("127.0.0.1:{app}"));
    format!("{{\n\tadmin off\n\tauto_https off\n}}\n\n{site}")
}

pub fn start(bin: &Path, port: u16, standin: u16, app: u16) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Caddyfile");
    std::fs::write(&file, config(port, standin, app)).unwrap();
    let log = dir.path().join("caddy.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new(bin)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        // Its autosaved configuration and data stay in the test's directory.
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    Running {
        child,
        _dir: dir,
        log,
    }
}

#[actix_web::test]
async fn caddy_sends_anonymous_visitors_to_sign_in_and_back_without_reaching_the_app() {
    let Some(s) = Stack::start(Kind::Caddy, "caddy sign-in").await else {
        return;
    };
    scenarios::sign_in_and_return(&s).await;
}

#[actix_web::test]
async fn caddy_gives_the_app_the_signed_in_user_and_never_the_headers_a_client_forged() {
    let Some(s) = Stack::start(Kind::Caddy, "caddy identity").await else {
        return;
    };
    scenarios::identity_and_forgery(&s).await;
}

#[actix_web::test]
async fn caddy_shows_the_app_the_impersonated_user_and_the_impersonator_until_it_ends() {
    let Some(s) = Stack::start(Kind::Caddy, "caddy impersonation").await else {
        return;
    };
    scenarios::impersonation(&s).await;
}

#[actix_web::test]
async fn caddy_refuses_a_site_with_a_rule_to_users_outside_its_groups() {
    let Some(s) = Stack::start(Kind::Caddy, "caddy rules").await else {
        return;
    };
    scenarios::site_rules(&s).await;
}

#[actix_web::test]
async fn the_sign_in_start_behind_caddy_never_returns_to_a_foreign_site() {
    let Some(s) = Stack::start(Kind::Caddy, "caddy return address").await else {
        return;
    };
    scenarios::foreign_return(&s).await;
}
