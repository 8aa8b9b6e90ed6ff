//! Apps behind Debian's real nginx and Caddy, with standin answering their forward-auth
//! checks: each test starts standin, a proxy configured from the README's own snippet
//! (`docs/nginx.conf`, `docs/Caddyfile`, changed only in ports and hosts), and an app
//! that echoes the headers it received.
//!
//! Needs `nginx` and `caddy` (Debian's packages). Without them the tests pass and say
//! they were skipped — unless `STANDIN_PROXY_TESTS=required` (set by `.ci/run`), which
//! turns a missing proxy into a failure.

mod caddy;
mod nginx;
mod scenarios;
mod upstream;

use crate::helpers::TestApp;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};
use upstream::Upstream;

/// The site without a rule, the site only group `staff` may reach, and the parent
/// domain of both (`forward_auth.domains`, `session.cookie_domain`).
pub const APP: &str = "app.example.com";
pub const STAFF: &str = "staff.example.com";
pub const DOMAIN: &str = "example.com";

const INSTALL_HINT: &str = "install nginx and caddy (apt-get install nginx caddy)";

/// The identity headers standin answers with, as the app receives them (lower-case).
pub const IDENTITY_HEADERS: [&str; 9] = [
    "x-authentik-username",
    "x-authentik-email",
    "x-authentik-name",
    "x-authentik-uid",
    "x-authentik-groups",
    "x-standin-user-pk",
    "x-standin-impersonator",
    "x-standin-impersonation",
    "x-standin-read-only",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Nginx,
    Caddy,
}

impl Kind {
    fn binary(self) -> (&'static str, &'static str) {
        match self {
            Kind::Nginx => ("STANDIN_NGINX", "nginx"),
            Kind::Caddy => ("STANDIN_CADDY", "caddy"),
        }
    }

    /// `STANDIN_NGINX` / `STANDIN_CADDY`, else the name on the `PATH` (or in
    /// `/usr/sbin`, where Debian puts nginx).
    fn find(self) -> Option<PathBuf> {
        let (var, name) = self.binary();
        if let Some(p) = std::env::var_os(var) {
            return Some(PathBuf::from(p)).filter(|p| p.is_file());
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    }
}

/// The proxy's binary, or `None` after saying plainly that the test is skipped.
fn binary_or_skip(kind: Kind, test: &str) -> Option<PathBuf> {
    if let Some(bin) = kind.find() {
        return Some(bin);
    }
    let name = kind.binary().1;
    if std::env::var("STANDIN_PROXY_TESTS").is_ok_and(|v| v == "required") {
        panic!("STANDIN_PROXY_TESTS=required but {name} is missing: {INSTALL_HINT}");
    }
    // Straight to the terminal: the test harness would swallow `eprintln!` of a pass.
    let _ = writeln!(
        std::io::stderr(),
        "\nproxy tests skipped ({test}): {name} not found; {INSTALL_HINT}; set STANDIN_PROXY_TESTS=required to make this an error\n"
    );
    None
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A proxy running as a child process in its own directory; stopped on drop.
pub struct Running {
    pub child: Child,
    pub _dir: tempfile::TempDir,
    /// The file whose tail explains a proxy that would not start.
    pub log: PathBuf,
}

impl Running {
    /// Waits until the proxy accepts connections on `port`, failing with its log if
    /// it exits or takes too long.
    fn wait_for(&mut self, port: u16, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() >= deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("{what} did not start ({exited:?}):\n{log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM: nginx's master then stops its workers too (a SIGKILL would
        // orphan them).
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: `pid` is our own child, not yet reaped.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().ok().flatten().is_none() {
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// standin, a proxy in front of it and of the app, and the app.
pub struct Stack {
    pub kind: Kind,
    pub app: TestApp,
    pub upstream: Upstream,
    /// Where the proxy listens, for every site.
    pub port: u16,
    _proxy: Running,
}

impl Stack {
    /// Starts everything, or `None` when the proxy is not installed (and may be
    /// skipped). Sign-ins return to `*.example.com`, one sign-in serves all of it,
    /// and only group `staff` (and the groups below it) may reach `staff.example.com`.
    pub async fn start(kind: Kind, test: &str) -> Option<Stack> {
        let bin = binary_or_skip(kind, test)?;
        let app = TestApp::spawn_with(|c| {
            c.forward_auth.domains = vec![DOMAIN.into()];
            c.forward_auth.rules = vec![standin::config::AccessRule {
                host: STAFF.into(),
                groups: vec!["staff".into()],
            }];
            c.session.cookie_domain = Some(DOMAIN.into());
        })
        .await;
        let standin_port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
        let upstream = Upstream::start();
        let port = free_port();
        let mut proxy = match kind {
            Kind::Nginx => nginx::start(&bin, port, standin_port, upstream.port),
            Kind::Caddy => caddy::start(&bin, port, standin_port, upstream.port),
        };
        proxy.wait_for(port, kind.binary().1);
        Some(Stack {
            kind,
            app,
            upstream,
            port,
            _proxy: proxy,
        })
    }

    /// A browser-like client with an empty cookie jar that reaches every
    /// `*.example.com` through the proxy.
    pub fn visitor(&self) -> Visitor {
        let jar = Arc::new(Jar::default());
        let to = SocketAddr::from(([127, 0, 0, 1], self.port));
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .resolve(APP, to)
            .resolve(STAFF, to)
            .build()
            .unwrap();
        Visitor {
            http,
            jar,
            port: self.port,
        }
    }

    /// `http://host:port/path` on the proxy.
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port)
    }
}

/// One browser's worth of cookies, talking only to the proxy.
pub struct Visitor {
    http: reqwest::Client,
    jar: Arc<Jar>,
    port: u16,
}

impl Visitor {
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.port)
    }

    /// A request to `url` (absolute), with the CSRF header the admin page would send.
    pub fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let mut rb = self.http.request(method.clone(), url);
        if method != Method::GET
            && let Some(token) = self.cookie(url, "standin_csrf")
        {
            rb = rb.header("X-Standin-CSRF", token);
        }
        rb
    }

    fn cookie(&self, url: &str, name: &str) -> Option<String> {
        let header = self.jar.cookies(&url.parse().unwrap())?;
        header.to_str().ok()?.split("; ").find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    pub async fn get(&self, host: &str, path: &str) -> Response {
        self.get_url(&self.url(host, path)).await
    }

    pub async fn get_url(&self, url: &str) -> Response {
        self.request(Method::GET, url).send().await.unwrap()
    }

    pub async fn post(&self, host: &str, path: &str, body: Value) -> Response {
        self.request(Method::POST, &self.url(host, path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Signs in through the proxy, on `host`.
    pub async fn log_in(&self, host: &str, username: &str, password: &str) {
        let res = self
            .post(
                host,
                "/api/v3/auth/login/",
                json!({"username": username, "password": password}),
            )
            .await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "login of {username}: {body}");
    }

    /// `me` as this visitor's session sees it, asked through the proxy.
    pub async fn me(&self, host: &str) -> Value {
        let res = self.get(host, "/api/v3/core/users/me/").await;
        assert_eq!(res.status(), StatusCode::OK, "me");
        res.json().await.unwrap()
    }

    /// Asks the app for `path` on `host`, sending `extra` headers too; asserts the
    /// app answered and returns what it received.
    pub async fn app(&self, host: &str, path: &str, extra: &[(&str, &str)]) -> Value {
        let mut rb = self.request(Method::GET, &self.url(host, path));
        for (k, v) in extra {
            rb = rb.header(*k, *v);
        }
        let res = rb.send().await.unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{host}{path}: {body}");
        let seen: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{body}"));
        assert_eq!(seen["path"], path, "{seen}");
        seen
    }
}

/// The identity headers among those the app received: name → value.
pub fn identity_seen(seen: &Value) -> Value {
    let headers = seen["headers"].as_object().unwrap();
    let picked = (IDENTITY_HEADERS.iter())
        .filter_map(|name| Some((name.to_string(), headers.get(*name)?.clone())))
        .collect();
    Value::Object(picked)
}

/// The identity headers an app should receive for `user` (a `me` UserSelf), with
/// `behind` naming the impersonator, the impersonation's uuid and its read-only flag.
pub fn identity_of(user: &Value, behind: Option<(&str, &str, bool)>) -> Value {
    let groups: Vec<&str> = (user["groups"].as_array().unwrap().iter())
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            m.insert(k.into(), Value::String(v));
        }
    };
    let s = |k: &str| user[k].as_str().unwrap_or_default().to_owned();
    put("x-authentik-username", s("username"));
    put("x-authentik-email", s("email"));
    put("x-authentik-name", s("name"));
    put("x-authentik-uid", s("uid"));
    put("x-authentik-groups", groups.join("|"));
    put("x-standin-user-pk", user["pk"].to_string());
    if let Some((impersonator, uuid, read_only)) = behind {
        put("x-standin-impersonator", impersonator.into());
        put("x-standin-impersonation", uuid.into());
        put("x-standin-read-only", read_only.to_string());
    }
    Value::Object(m)
}

/// The query parameter `name` of `url` (resolved against `base` when relative).
pub fn query_param(base: &str, url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(base).unwrap().join(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The `Location` of a 302, resolved against the URL that answered it.
pub async fn redirect(res: Response) -> String {
    let from = res.url().clone();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    assert_eq!(status, StatusCode::FOUND, "from {from}: {body}");
    let location = location.unwrap_or_else(|| panic!("302 from {from} without Location"));
    from.join(&location).unwrap().to_string()
}

/// The snippets the README shows are the files the tests run.
#[test]
fn the_readme_shows_the_proxy_configurations_the_tests_run() {
    let readme = include_str!("../../../README.md");
    for (name, snippet) in [
        ("docs/nginx.conf", include_str!("../../../docs/nginx.conf")),
        ("docs/Caddyfile", include_str!("../../../docs/Caddyfile")),
    ] {
        assert!(
            readme.contains(snippet),
            "README.md does not quote {name} verbatim"
        );
    }
}
