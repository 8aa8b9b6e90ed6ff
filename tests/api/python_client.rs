//! authentik's official Python client (`authentik-client` from PyPI, generated, with
//! pydantic models that validate every response) driven against a running server by
//! `tests/python/authentik_client_e2e.py`.
//!
//! Needs `python3` with `venv` and pip, and PyPI the first time: the client is installed
//! once into a venv under `target/` (`STANDIN_PYTHON_CLIENT_VENV` chooses another
//! place), with pip's cache beside it. Without them the test passes and says it was
//! skipped — unless `STANDIN_PYTHON_CLIENT_TESTS=required` (set by `.ci/run`), which
//! turns a missing client into a failure.

use crate::helpers::{ADMIN_PASSWORD, TestApp};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PACKAGE: &str = "authentik-client==2026.8.5";
const VERSION: &str = "2026.8.5";
const INSTALL_HINT: &str = "install python3 with venv and pip (Debian: apt-get install python3-venv python3-pip), \
     or make a venv yourself: python3 -m venv DIR && DIR/bin/pip install authentik-client==2026.8.5, \
     then point STANDIN_PYTHON_CLIENT_VENV at DIR";

/// `target/tmp/python-client/`: the venv and pip's cache, kept between runs.
fn work_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-client")
}

fn venv_dir() -> PathBuf {
    std::env::var_os("STANDIN_PYTHON_CLIENT_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| work_dir().join("venv"))
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/authentik_client_e2e.py")
}

/// Runs `cmd`; its output, or why it could not start.
fn run(cmd: &mut Command) -> Result<Output, String> {
    cmd.output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))
}

fn describe(what: &str, out: &Output) -> String {
    format!(
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Whether `python` has the client installed at the pinned version (read from its
/// metadata: importing the package takes seconds).
fn has_client(python: &Path) -> bool {
    python.is_file()
        && run(Command::new(python).args([
            "-c",
            &format!(
                "import importlib.metadata as m, sys; sys.exit(m.version('authentik-client') != '{VERSION}')"
            ),
        ]))
        .is_ok_and(|out| out.status.success())
}

/// The venv's python with the client installed, creating the venv and installing the
/// client when they are missing.
fn python_with_client() -> Result<PathBuf, String> {
    let venv = venv_dir();
    let python = venv.join("bin/python");
    if has_client(&python) {
        return Ok(python);
    }
    let has_pip = |python: &Path| {
        run(Command::new(python).args(["-m", "pip", "--version"]))
            .is_ok_and(|out| out.status.success())
    };
    if !python.is_file() || !has_pip(&python) {
        let mut venv_cmd = Command::new("python3");
        venv_cmd.args(["-m", "venv"]);
        // A venv of ours left without pip (python3-venv was missing) is made again;
        // one named by STANDIN_PYTHON_CLIENT_VENV is never cleared.
        if std::env::var_os("STANDIN_PYTHON_CLIENT_VENV").is_none() {
            venv_cmd.arg("--clear");
        }
        let out = run(venv_cmd.arg(&venv))?;
        if !out.status.success() {
            return Err(describe("python3 -m venv", &out));
        }
    }
    let out = run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--timeout", "30", "--retries", "2", "--cache-dir"])
        .arg(work_dir().join("pip-cache"))
        .arg(PACKAGE))?;
    if !out.status.success() {
        return Err(describe(&format!("pip install {PACKAGE}"), &out));
    }
    if !has_client(&python) {
        return Err(format!("{PACKAGE} installed but not found by {python:?}"));
    }
    Ok(python)
}

/// The python to run the script with, or `None` after saying plainly that the test is
/// skipped.
fn python_or_skip() -> Option<PathBuf> {
    let why = match python_with_client() {
        Ok(python) => return Some(python),
        Err(why) => why,
    };
    if std::env::var("STANDIN_PYTHON_CLIENT_TESTS").is_ok_and(|v| v == "required") {
        panic!(
            "STANDIN_PYTHON_CLIENT_TESTS=required but authentik's Python client is not available: {why}\n{INSTALL_HINT}"
        );
    }
    // Straight to the terminal: the test harness would swallow `eprintln!` of a pass.
    let _ = writeln!(
        std::io::stderr(),
        "\nPython client test SKIPPED: {why}\n{INSTALL_HINT}\nset STANDIN_PYTHON_CLIENT_TESTS=required to make this an error\n"
    );
    None
}

#[actix_web::test]
async fn authentiks_python_client_works_end_to_end() {
    let Some(python) = python_or_skip() else {
        return;
    };
    let app = TestApp::spawn().await;
    let token = app.create_token(1);
    let base = app.base.clone();
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script())
            .arg(base)
            .env("STANDIN_E2E_TOKEN", token)
            .env("STANDIN_E2E_PASSWORD", ADMIN_PASSWORD)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("the script starts")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        describe("authentik_client_e2e.py", &out)
    );
}
