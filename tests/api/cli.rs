//! The binary itself: settings errors, check-config, subcommands and first start.

use crate::helpers::ADMIN_PASSWORD;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn standin(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_standin"));
    cmd.current_dir(dir)
        .env_remove("RUST_LOG")
        .env("STANDIN_SECURITY__ARGON2_MEMORY_KIB", "64")
        .env("STANDIN_SECURITY__ARGON2_ITERATIONS", "1");
    cmd
}

#[test]
fn check_config_prints_the_settings_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let out = standin(dir.path())
        .arg("check-config")
        .env("STANDIN_BOOTSTRAP_PASSWORD", "do-not-print-me")
        .env("STANDIN_SERVER__LISTEN", "127.0.0.1:9999")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("listen = \"127.0.0.1:9999\""), "{text}");
    assert!(text.contains("password = \"********\""), "{text}");
    assert!(!text.contains("do-not-print-me"));
}

#[test]
fn an_unknown_key_stops_the_start_and_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "[server]\nlisten = \"127.0.0.1:0\"\nporter = 1\n",
    )
    .unwrap();
    let out = standin(dir.path())
        .args(["--config", "c.toml", "serve"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("server.porter"), "{err}");
    assert!(
        !dir.path().join("standin.db").exists(),
        "nothing is created before the settings are valid"
    );
}

#[test]
fn a_bad_value_from_the_environment_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = standin(dir.path())
        .arg("check-config")
        .env("STANDIN_IMPERSONATION__MAX_DURATION", "forever")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("impersonation.max_duration"), "{err}");
}

#[test]
fn a_too_short_secret_key_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = standin(dir.path())
        .arg("serve")
        .env("STANDIN_SESSION__SECRET_KEY", "c2hvcnQ=")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("session.secret_key")
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = rusqlite::Connection::open(dir.path().join("standin.db")).unwrap();
    c.pragma_update(None, "user_version", 99).unwrap();
    drop(c);
    let out = standin(dir.path())
        .args(["create-user", "x"])
        .env("STANDIN_PASSWORD", "pw-x-1234567")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("schema version 99") && err.contains("newer standin"),
        "{err}"
    );
}

/// A running `standin serve`, stopped when dropped (so a failing test leaves no
/// server behind).
pub struct Served {
    pub child: std::process::Child,
    /// What it logged up to "listening".
    lines: Vec<String>,
    pub port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `standin serve` on port 0.
pub fn serve(dir: &std::path::Path, env: &[(&str, &str)]) -> Served {
    let mut cmd = standin(dir);
    cmd.args(["--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = Vec::new();
    let mut port = 0;
    for line in stderr.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("(port ").nth(1) {
            port = rest.trim_end_matches(')').parse().unwrap();
            lines.push(line);
            break;
        }
        lines.push(line);
    }
    assert_ne!(port, 0, "server did not start: {lines:?}");
    Served { child, lines, port }
}

fn login_status(port: u16, username: &str, password: &str) -> u16 {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /api/v3/auth/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).unwrap();
    status.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_first_start_prints_a_generated_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = serve(dir.path(), &[]);
    let at = first
        .lines
        .iter()
        .position(|l| l.contains("with the password"))
        .expect("password banner");
    let password = first.lines[at + 1..]
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 24);
    assert_eq!(login_status(first.port, "admin", &password), 200);
    drop(first);
    let second = serve(dir.path(), &[]);
    assert!(
        !second.lines.iter().any(|l| l.contains("with the password")),
        "{:?}",
        second.lines
    );
    assert_eq!(login_status(second.port, "admin", &password), 200);
    drop(second);
}

#[test]
fn the_bootstrap_password_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        &[("STANDIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)],
    );
    assert!(
        !server.lines.iter().any(|l| l.contains(ADMIN_PASSWORD)),
        "the given password is not logged"
    );
    assert_eq!(login_status(server.port, "admin", ADMIN_PASSWORD), 200);
    drop(server);
}

#[test]
fn create_user_reads_the_password_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = standin(dir.path())
        .args([
            "create-user",
            "ops",
            "--superuser",
            "--email",
            "ops@example.com",
        ])
        .env("STANDIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"ops-password-123\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let server = serve(dir.path(), &[]);
    assert_eq!(login_status(server.port, "ops", "ops-password-123"), 200);
    drop(server);
    let c = rusqlite::Connection::open(dir.path().join("standin.db")).unwrap();
    let superuser: bool = c
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM user_groups ug JOIN groups g ON g.id = ug.group_id
             JOIN users u ON u.id = ug.user_id WHERE u.username = 'ops' AND g.is_superuser = 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(superuser);
}

#[test]
fn set_password_changes_the_password_and_create_token_prints_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = standin(dir.path())
        .args(["set-password", "admin"])
        .env("STANDIN_PASSWORD", "new-admin-password")
        .output()
        .unwrap();
    // No database yet: the user does not exist.
    assert!(!out.status.success());
    let server = serve(
        dir.path(),
        &[("STANDIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)],
    );
    let out = standin(dir.path())
        .args(["set-password", "admin"])
        .env("STANDIN_PASSWORD", "new-admin-password")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(login_status(server.port, "admin", ADMIN_PASSWORD), 403);
    assert_eq!(
        login_status(server.port, "admin", "new-admin-password"),
        200
    );
    let out = standin(dir.path())
        .args(["create-token", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(key.len(), 64, "256 bits, hex");
    drop(server);
}

#[test]
fn backup_writes_a_consistent_copy() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        &[("STANDIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)],
    );
    let out = standin(dir.path())
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
    let c = rusqlite::Connection::open(dir.path().join("copy.db")).unwrap();
    let users: i64 = c
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 1);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(
        dir.path(),
        &[("STANDIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)],
    );
    assert_eq!(login_status(server.port, "admin", ADMIN_PASSWORD), 200);
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed().as_secs() < 15,
            "the server did not stop within 15 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status:?}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err(),
        "the port is closed"
    );
}

#[test]
fn the_backup_subcommand_writes_a_copy_only_its_owner_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = standin(dir.path())
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["copy.db", "standin.db"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let c = rusqlite::Connection::open(dir.path().join("copy.db")).unwrap();
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        version,
        standin::db::SCHEMA_VERSION,
        "a copy of the database"
    );
}
