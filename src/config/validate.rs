//! The checks a loaded configuration must pass; each error names its key.

use super::{Config, ConfigError};
use base64::Engine;
use std::path::Path;

impl Config {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            return bad(
                "server.listen",
                "must be an address and port, e.g. 127.0.0.1:9000",
            );
        }
        if self.server.workers == 0 {
            return bad("server.workers", "must be at least 1");
        }
        if self.server.max_body.0 < 1024 {
            return bad("server.max_body", "must be at least 1KiB");
        }
        if self.database.pool_size == 0 {
            return bad("database.pool_size", "must be at least 1");
        }
        if self.database.path.as_os_str().is_empty() || self.database.path == Path::new(":memory:")
        {
            return bad("database.path", "must name a file");
        }
        let session_keys = self
            .session
            .secret_key
            .iter()
            .map(|k| ("session.secret_key", k));
        let previous =
            (self.session.previous_secret_keys.iter()).map(|k| ("session.previous_secret_keys", k));
        for (name, key) in session_keys.chain(previous) {
            match base64::engine::general_purpose::STANDARD.decode(key.trim()) {
                Ok(bytes) if bytes.len() >= 64 => {}
                Ok(_) => return bad(name, "must be at least 64 bytes (base64)"),
                Err(_) => return bad(name, "must be base64"),
            }
        }
        if self.session.cookie_name.is_empty()
            || !self
                .session
                .cookie_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return bad("session.cookie_name", "must be letters, digits, '_' or '-'");
        }
        if self.session.max_age.0.is_zero() {
            return bad("session.max_age", "must be longer than 0s");
        }
        let s = &self.security;
        if argon2::Params::new(
            s.argon2_memory_kib,
            s.argon2_iterations,
            s.argon2_parallelism,
            None,
        )
        .is_err()
        {
            return bad(
                "security.argon2_memory_kib",
                "argon2 parameters out of range (memory ≥ 8 × parallelism KiB, iterations ≥ 1, parallelism ≥ 1)",
            );
        }
        if s.max_concurrent_hashes == 0 {
            return bad("security.max_concurrent_hashes", "must be at least 1");
        }
        if s.login_max_failures == 0 {
            return bad("security.login_max_failures", "must be at least 1");
        }
        if s.login_max_failures_per_ip == 0 {
            return bad("security.login_max_failures_per_ip", "must be at least 1");
        }
        if self.impersonation.max_duration.0.is_zero() {
            return bad("impersonation.max_duration", "must be longer than 0s");
        }
        if self.bootstrap.password.as_deref() == Some("") {
            return bad("bootstrap.password", "must not be empty");
        }
        if let Some(token) = &self.bootstrap.token
            && token.len() < 32
        {
            return bad("bootstrap.token", "must be at least 32 characters");
        }
        if !valid_log_filter(&self.log.level) {
            return bad("log.level", "must be a log level or filter, e.g. info");
        }
        Ok(())
    }
}

/// `info`, `warn,standin=debug`, …: each directive is a level, or `module=level`.
fn valid_log_filter(filter: &str) -> bool {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let level_ok = |l: &str| LEVELS.contains(&l.trim().to_ascii_lowercase().as_str());
    !filter.trim().is_empty()
        && filter.split(',').all(|d| match d.split_once('=') {
            Some((module, level)) => !module.trim().is_empty() && level_ok(level),
            None => {
                level_ok(d)
                    || (!d.trim().is_empty()
                        && d.chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == ':'))
            }
        })
}
