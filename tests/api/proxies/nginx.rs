//! nginx 1.22 (Debian's) with `auth_request`, configured from `docs/nginx.conf`.

use super::scenarios;
use super::{Kind, Running, Stack};
use std::path::Path;
use std::process::{Command, Stdio};

/// `docs/nginx.conf` with this test's ports, inside a main configuration that keeps
/// the pid file, logs and temporary files in `dir`.
fn config(dir: &Path, port: u16, standin: u16, app: u16) -> String {
    let site = replace_once(
        include_str!("../../../docs/nginx.conf"),
        &[
            ("listen 80;", format!("listen 127.0.0.1:{port};")),
            (
                "server 127.0.0.1:9000;",
                format!("server 127.0.0.1:{standin};"),
            ),
            ("server 127.0.0.1:3000;", format!("server 127.0.0.1:{app};")),
        ],
    );
    let d = dir.display();
    format!(
        "pid {d}/nginx.pid;
error_log {d}/error.log warn;
worker_processes 1;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
{site}
}}
"
    )
}

/// `text` with each `(from, to)` replaced, each `from` found exactly once (so a
/// snippet that changes shape fails here rather than running half-configured).
pub fn replace_once(text: &str, pairs: &[(&str, String)]) -> String {
    let mut out = text.to_owned();
    for (from, to) in pairs {
        assert_eq!(out.matches(from).count(), 1, "{from:?} once in the snippet");
        out = out.replace(from, to);
    }
    out
}

pub fn start(bin: &Path, port: u16, standin: u16, app: u16) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nginx.conf");
    std::fs::write(&file, config(dir.path(), port, standin, app)).unwrap();
    let log = dir.path().join("error.log");
    let out = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let child = Command::new(bin)
        .arg("-p")
        .arg(dir.path())
        .arg("-e")
        .arg(&log)
        .arg("-c")
        .arg(&file)
        .args(["-g", "daemon off;"])
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
async fn nginx_sends_anonymous_visitors_to_sign_in_and_back_without_reaching_the_app() {
    let Some(s) = Stack::start(Kind::Nginx, "nginx sign-in").await else {
        return;
    };
    scenarios::sign_in_and_return(&s).await;
}

#[actix_web::test]
async fn nginx_gives_the_app_the_signed_in_user_and_never_the_headers_a_client_forged() {
    let Some(s) = Stack::start(Kind::Nginx, "nginx identity").await else {
        return;
    };
    scenarios::identity_and_forgery(&s).await;
}

#[actix_web::test]
async fn nginx_shows_the_app_the_impersonated_user_and_the_impersonator_until_it_ends() {
    let Some(s) = Stack::start(Kind::Nginx, "nginx impersonation").await else {
        return;
    };
    scenarios::impersonation(&s).await;
}

#[actix_web::test]
async fn nginx_refuses_a_site_with_a_rule_to_users_outside_its_groups() {
    let Some(s) = Stack::start(Kind::Nginx, "nginx rules").await else {
        return;
    };
    scenarios::site_rules(&s).await;
}

#[actix_web::test]
async fn the_sign_in_start_behind_nginx_never_returns_to_a_foreign_site() {
    let Some(s) = Stack::start(Kind::Nginx, "nginx return address").await else {
        return;
    };
    scenarios::foreign_return(&s).await;
}
