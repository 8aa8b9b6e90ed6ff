//! Runs the standin binary the way an operator does, over a test's database.

use std::path::Path;
use std::process::{Command, Output};

/// `standin --database DB ARGS…`, with light argon2 and no inherited log filter.
pub fn standin(db: &Path, args: &[&str]) -> Output {
    standin_with(db, args, &[])
}

/// [`standin`] with environment variables `env` set.
pub fn standin_with(db: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_standin"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("RUST_LOG")
        .env("STANDIN_SECURITY__ARGON2_MEMORY_KIB", "64")
        .env("STANDIN_SECURITY__ARGON2_ITERATIONS", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// Standard output of a run that must succeed.
pub fn succeeds(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Standard error of a run that must fail.
pub fn fails(out: Output) -> String {
    assert!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).unwrap()
}
