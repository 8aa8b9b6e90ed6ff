//! The test application and a cookie-keeping client that sends the CSRF header the
//! way the admin page does.

use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use standin::config::{Config, Overrides};
use standin::startup::Application;
use std::sync::Arc;
use tempfile::TempDir;

pub const ADMIN_PASSWORD: &str = "bootstrap-password-for-tests";

/// A running server over its own temporary database.
pub struct TestApp {
    pub base: String,
    pub config: Config,
    pub dir: TempDir,
    handle: actix_web::dev::ServerHandle,
}

/// Settings for tests: port 0, a temp database, and argon2 light enough for debug builds.
pub fn test_config(dir: &TempDir) -> Config {
    let mut c = Config::load(None, Vec::new(), &Overrides::default()).unwrap();
    c.server.listen = "127.0.0.1:0".into();
    c.server.workers = 2;
    c.database.path = dir.path().join("standin.db");
    c.security.argon2_memory_kib = 64;
    c.security.argon2_iterations = 1;
    c.bootstrap.password = Some(ADMIN_PASSWORD.into());
    c.log.level = "warn".into();
    c
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts with the test settings changed by `tweak`.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(&dir);
        tweak(&mut config);
        let (base, handle) = start(config.clone()).await;
        TestApp {
            base,
            config,
            dir,
            handle,
        }
    }

    /// Stops the server and starts it again over the same database and key file.
    pub async fn restart(&mut self) {
        self.handle.stop(true).await;
        let (base, handle) = start(self.config.clone()).await;
        self.base = base;
        self.handle = handle;
    }

    /// A client with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client logged in as `username`.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let c = self.client();
        let res = c
            .post(
                "/api/v3/auth/login/",
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "login of {username} failed");
        c
    }

    /// A client logged in as the bootstrap superuser.
    pub async fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates a user with `password` (through the CLI's store path) and returns its pk.
    pub fn create_user(&self, username: &str, password: &str) -> i64 {
        let db = standin::db::Db::open(&self.config.database.path, 1).unwrap();
        let hash = standin::auth::passwords::Passwords::new(&self.config.security)
            .hash_now(password)
            .unwrap();
        let username = standin::domain::Username::parse(username).unwrap();
        db.write_now(move |c| {
            let mut u = standin::store::users::NewUser::named(username);
            u.password_hash = Some(hash);
            standin::store::users::insert(c, &u)
        })
        .unwrap()
    }

    /// Runs raw SQL against the database (to set up states the API cannot reach).
    pub fn sql(&self, sql: &str) {
        let c = rusqlite::Connection::open(&self.config.database.path).unwrap();
        c.execute_batch(sql).unwrap();
    }

    /// [`TestApp::sql`] on a server that may already hold the changed rows in memory:
    /// then waits [`NOTICED_WITHIN`], as long as the server may take to notice a write
    /// of another process.
    pub async fn sql_noticed(&self, sql: &str) {
        self.sql(sql);
        actix_web::rt::time::sleep(NOTICED_WITHIN).await;
    }
}

/// How soon the server must act on what another process (the command line, a
/// hand-edited database) wrote.
pub const NOTICED_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);

async fn start(config: Config) -> (String, actix_web::dev::ServerHandle) {
    let app = Application::build(config).await.expect("server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    (base, handle)
}

/// An HTTP client that keeps cookies and echoes `standin_csrf` in `X-Standin-CSRF`.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
    /// Send the CSRF header on unsafe requests (on by default).
    pub csrf: bool,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client {
            http,
            jar,
            base: base.to_owned(),
            csrf: true,
        }
    }

    /// The value of cookie `name`, if the jar holds one.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    /// Replaces cookie `name` with `value`.
    pub fn set_cookie(&self, name: &str, value: &str) {
        let url = self.base.parse().unwrap();
        self.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if self.csrf
            && method != Method::GET
            && let Some(token) = self.cookie("standin_csrf")
        {
            rb = rb.header("X-Standin-CSRF", token);
        }
        rb
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, body: Value) -> Response {
        self.request(Method::PUT, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.request(Method::PATCH, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.unwrap()
    }
}

/// Status and JSON body of a response (body `Null` when empty).
pub async fn parts(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, body)
}

/// Asserts `res` is a 403 with the contract's unauthenticated body.
pub async fn assert_unauthenticated(res: Response) {
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "Authentication credentials were not provided."})
    );
}

impl TestApp {
    /// One value from the database.
    pub fn query<T: rusqlite::types::FromSql>(&self, sql: &str) -> T {
        let c = rusqlite::Connection::open(&self.config.database.path).unwrap();
        c.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// The `Set-Cookie` header of `res` that sets `name`, if any.
pub fn set_cookie<'a>(res: &'a Response, name: &str) -> Option<&'a str> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

impl TestApp {
    /// Creates `username` holding `perms` through a role of its own, logs it in, and
    /// returns the client and the user's pk.
    pub async fn user_with_perms(&self, username: &str, perms: &[&str]) -> (Client, i64) {
        let password = format!("pw-{username}-123456");
        let pk = self.create_user(username, &password);
        let role = uuid::Uuid::new_v4();
        let mut sql = format!(
            "INSERT INTO roles (uuid, name) VALUES ('{role}', 'role-of-{username}');
             INSERT INTO user_roles SELECT {pk}, id FROM roles WHERE uuid = '{role}';"
        );
        for p in perms {
            sql.push_str(&format!(
                "INSERT INTO role_permissions SELECT id, '{p}' FROM roles WHERE uuid = '{role}';"
            ));
        }
        self.sql(&sql);
        (self.login(username, &password).await, pk)
    }
}

/// Asserts `res` is a 403 "You do not have permission to perform this action."
pub async fn assert_denied(res: Response) {
    let (status, body) = parts(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({"detail": "You do not have permission to perform this action."})
    );
}

/// Asserts every date-time field named in `fields` (when not null) parses as RFC 3339.
pub fn assert_datetimes(obj: &Value, fields: &[&str]) {
    for f in fields {
        let v = &obj[*f];
        if v.is_null() {
            continue;
        }
        let s = v
            .as_str()
            .unwrap_or_else(|| panic!("{f} is not a string: {obj}"));
        chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{f}={s}: {e}"));
    }
}

/// Asserts `obj` has each `(field, type)`: "string", "int", "bool", "array", "object",
/// "string|null", "array|null", "int|null".
pub fn assert_fields(obj: &Value, fields: &[(&str, &str)]) {
    for (name, kind) in fields {
        let v = obj
            .get(*name)
            .unwrap_or_else(|| panic!("missing field {name} in {obj}"));
        let ok = kind.split('|').any(|k| match k {
            "string" => v.is_string(),
            "int" => v.is_i64(),
            "bool" => v.is_boolean(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            "null" => v.is_null(),
            other => panic!("unknown kind {other}"),
        });
        assert!(ok, "field {name} should be {kind}, got {v}");
    }
}

impl TestApp {
    /// Creates an API token for user `user_pk` and returns its key.
    pub fn create_token(&self, user_pk: i64) -> String {
        let db = standin::db::Db::open(&self.config.database.path, 1).unwrap();
        let key = standin::store::tokens::generate_key();
        let k = key.clone();
        db.write_now(move |c| {
            let t = standin::store::tokens::NewToken {
                identifier: format!("test-{}", uuid::Uuid::new_v4().simple()),
                user_id: user_pk,
                description: String::new(),
                expires: None,
                expiring: false,
            };
            standin::store::tokens::insert(c, &t, &k)
        })
        .unwrap();
        key
    }
}

impl Client {
    /// A request with `Authorization: Bearer <key>` and no cookies of this client's.
    pub async fn bearer(
        base: &str,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut rb = reqwest::Client::new()
            .request(method, format!("{base}{path}"))
            .bearer_auth(key);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.unwrap()
    }
}

/// POSTs `body` to `path`, asserts 201 and returns the created object.
pub async fn created(c: &Client, path: &str, body: Value) -> Value {
    let (status, object) = parts(c.post(path, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{object}");
    object
}

/// How many `action` events name an object of `model_name` in `context.model`.
pub fn model_events(app: &TestApp, action: &str, model_name: &str) -> i64 {
    app.query(&format!(
        "SELECT COUNT(*) FROM events WHERE action = '{action}'
         AND json_extract(context, '$.model.model_name') = '{model_name}'"
    ))
}
