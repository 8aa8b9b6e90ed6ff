//! A minimal W3C WebDriver client over the `reqwest` the tests already use: start
//! chromedriver, open one headless Chromium session, and the few commands the page
//! tests need. Every wait polls with a deadline; nothing sleeps blindly.

use reqwest::Method;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where chromedriver and Chromium are, if both are installed.
pub struct Install {
    pub driver: PathBuf,
    pub chromium: PathBuf,
}

impl Install {
    /// `STANDIN_CHROMEDRIVER` / `STANDIN_CHROMIUM`, else `chromedriver` and `chromium`
    /// (Debian's packages `chromium-driver` and `chromium`) on the `PATH`.
    pub fn find() -> Option<Install> {
        let find = |var: &str, names: &[&str]| -> Option<PathBuf> {
            if let Some(p) = std::env::var_os(var) {
                return Some(PathBuf::from(p)).filter(|p| p.is_file());
            }
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .chain([
                    PathBuf::from("/usr/bin"),
                    PathBuf::from("/usr/lib/chromium"),
                ])
                .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
                .find(|p| p.is_file())
        };
        Some(Install {
            driver: find("STANDIN_CHROMEDRIVER", &["chromedriver"])?,
            chromium: find("STANDIN_CHROMIUM", &["chromium", "chromium-browser"])?,
        })
    }
}

/// One browser: a chromedriver process and its single session.
pub struct Browser {
    http: reqwest::Client,
    driver: String,
    session: String,
    child: Child,
    _profile: tempfile::TempDir,
    /// The server the page is served from.
    pub base: String,
    /// Where screenshots go.
    pub shots: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium pointed at `base`.
    pub async fn start(install: &Install, base: &str, shots: &Path) -> Browser {
        let port = free_port();
        let child = Command::new(&install.driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", install.driver.display()));
        let driver = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            http,
            driver,
            session: String::new(),
            child,
            _profile: profile,
            base: base.to_owned(),
            shots: shots.to_owned(),
        };
        browser.wait_for_driver().await;
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--lang=en-US",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            // An alert left open must fail the next command, not be dismissed silently.
            "unhandledPromptBehavior": "ignore",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": install.chromium, "args": args},
        }}});
        let res = browser
            .raw(Method::POST, "/session", Some(caps))
            .await
            .unwrap_or_else(|e| panic!("chromedriver refused a session: {e}"));
        browser.session = res["sessionId"].as_str().expect("a session id").to_owned();
        browser
    }

    async fn wait_for_driver(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(r) = self
                .http
                .get(format!("{}/status", self.driver))
                .send()
                .await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == json!(true)
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(POLL).await;
        }
    }

    /// One WebDriver command; `Err` carries the driver's error and message.
    async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut rb = self.http.request(method, format!("{}{path}", self.driver));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.map_err(|e| e.to_string())?;
        let ok = res.status().is_success();
        let v: Value = res.json().await.map_err(|e| e.to_string())?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if ok {
            Ok(value)
        } else {
            Err(format!("{}: {}", value["error"], value["message"]))
        }
    }

    async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.raw(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    /// Opens `path` of the server (`/admin/#/users`). Going to another `#/…` of the
    /// page is a same-document navigation: the old screen is wiped first, so waits
    /// that follow cannot be satisfied by what it showed.
    pub async fn goto(&self, path: &str) {
        let _ = self
            .cmd(
                Method::POST,
                "/execute/sync",
                Some(json!({"script": "document.getElementById('main')?.replaceChildren()", "args": []})),
            )
            .await;
        let url = format!("{}{path}", self.base);
        self.cmd(Method::POST, "/url", Some(json!({"url": url})))
            .await
            .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    }

    pub async fn refresh(&self) {
        self.cmd(Method::POST, "/refresh", Some(json!({})))
            .await
            .expect("refresh");
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(
            Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Awaits the promise `script` returns.
    pub async fn js_await(&self, script: &str) -> Value {
        let wrapped = format!(
            "const done = arguments[arguments.length - 1];\
             (async () => {{ {script} }})().then(done, (e) => done({{error: String(e)}}));"
        );
        self.cmd(
            Method::POST,
            "/execute/async",
            Some(json!({"script": wrapped, "args": []})),
        )
        .await
        .unwrap_or_else(|e| panic!("async script failed: {e}\n{script}"))
    }

    /// Polls `script` until it returns something truthy, and returns that.
    pub async fn wait_until(&self, what: &str, script: &str, args: Value) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let last = match self
                .cmd(
                    Method::POST,
                    "/execute/sync",
                    Some(json!({"script": script, "args": args})),
                )
                .await
            {
                Ok(v) if truthy(&v) => return v,
                Ok(v) => v,
                Err(e) => Value::String(e),
            };
            if Instant::now() >= deadline {
                self.fail(&format!("timed out waiting for {what} (last: {last})"))
                    .await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until `css` matches a visible element, and returns its text.
    pub async fn wait_visible(&self, css: &str) -> String {
        let v = self
            .wait_until(
                &format!("`{css}` to be visible"),
                "const el = document.querySelector(arguments[0]);\
                 return el && el.getClientRects().length > 0 ? (el.innerText || el.value || ' ') : null;",
                json!([css]),
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the text of `css` contains `needle`, and returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let v = self
            .wait_until(
                &format!("`{css}` to contain {needle:?}"),
                "const el = document.querySelector(arguments[0]);\
                 const t = el && el.getClientRects().length > 0 ? el.innerText : null;\
                 return t && t.includes(arguments[1]) ? t : null;",
                json!([css, needle]),
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until nothing visible matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.wait_until(
            &format!("`{css}` to disappear"),
            "const el = document.querySelector(arguments[0]);\
             return !el || el.getClientRects().length === 0;",
            json!([css]),
        )
        .await;
    }

    /// Whether something visible matches `css` now.
    pub async fn visible(&self, css: &str) -> bool {
        self.js(
            "const el = document.querySelector(arguments[0]);\
             return !!el && el.getClientRects().length > 0;",
            json!([css]),
        )
        .await
            == json!(true)
    }

    /// The element matching `css`, once it is there and displayed.
    async fn element(&self, css: &str) -> String {
        self.wait_visible(css).await;
        let v = self
            .cmd(
                Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"));
        v[ELEMENT].as_str().expect("an element id").to_owned()
    }

    /// Clicks `css` as a user would (retrying while something covers it).
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let id = self.element(css).await;
            match self
                .cmd(
                    Method::POST,
                    &format!("/element/{id}/click"),
                    Some(json!({})),
                )
                .await
            {
                Ok(_) => return,
                Err(_) if Instant::now() < deadline => tokio::time::sleep(POLL).await,
                Err(e) => self.fail(&format!("click {css}: {e}")).await,
            }
        }
    }

    /// Picks the option `value` of the `<select>` `css`, as a user would.
    pub async fn choose(&self, css: &str, value: &str) {
        self.wait_visible(css).await;
        let option = format!("{css} option[value=\"{value}\"]");
        let v = self
            .cmd(
                Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": option})),
            )
            .await
            .unwrap_or_else(|e| panic!("find {option}: {e}"));
        let id = v[ELEMENT].as_str().expect("an element id");
        self.cmd(
            Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await
        .unwrap_or_else(|e| panic!("choose {option}: {e}"));
    }

    /// Replaces the value of the input `css` by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.cmd(
            Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await
        .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        self.cmd(
            Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// The text of the open alert, if a script opened one.
    pub async fn alert_text(&self) -> Option<String> {
        self.cmd(Method::GET, "/alert/text", None)
            .await
            .ok()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    /// Saves a PNG of the window as `name` in the screenshot folder.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine;
        let v = self
            .cmd(Method::GET, "/screenshot", None)
            .await
            .expect("screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or_default())
            .expect("base64 PNG");
        std::fs::create_dir_all(&self.shots).unwrap();
        let path = self.shots.join(name);
        std::fs::write(&path, png).unwrap();
        path
    }

    /// The browser console since the last call (`[level, message]`), where supported.
    pub async fn console(&self) -> Vec<(String, String)> {
        let Ok(Value::Array(entries)) = self
            .cmd(Method::POST, "/se/log", Some(json!({"type": "browser"})))
            .await
        else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                (s("level"), s("message"))
            })
            .collect()
    }

    /// Fails the test with a screenshot and the page's text, for whoever reads the log.
    pub async fn fail(&self, why: &str) -> ! {
        let shot = self.screenshot("failure.png").await;
        let page = self
            .cmd(
                Method::POST,
                "/execute/sync",
                Some(json!({"script": "return location.href + '\\n' + document.body.innerText", "args": []})),
            )
            .await
            .unwrap_or_default();
        panic!(
            "{why}\nscreenshot: {}\npage:\n{}",
            shot.display(),
            page.as_str().unwrap_or_default()
        );
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        _ => true,
    }
}

impl Drop for Browser {
    /// Ends the session (so chromedriver closes Chromium) and stops chromedriver, also
    /// when a test panics. Plain blocking HTTP: `Drop` cannot await.
    fn drop(&mut self) {
        if !self.session.is_empty()
            && let Some(addr) = self.driver.strip_prefix("http://")
            && let Ok(mut s) = TcpStream::connect(addr)
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
