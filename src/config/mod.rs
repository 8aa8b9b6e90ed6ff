//! Settings: defaults, then a TOML file, then `STANDIN_<SECTION>__<KEY>` environment
//! variables, then command-line flags. Every error names its key.

mod forward_auth;
mod lenient;
mod proxies;
mod units;
mod validate;

pub use forward_auth::{AccessRule, ForwardAuth};
pub use proxies::TrustedProxies;
pub use units::{ByteSize, Span};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why the settings could not be loaded; the message names the offending key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: Server,
    pub database: Database,
    pub session: Session,
    pub security: Security,
    pub impersonation: Impersonation,
    pub forward_auth: ForwardAuth,
    pub events: Events,
    pub bootstrap: Bootstrap,
    pub log: Log,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    pub listen: String,
    #[serde(deserialize_with = "lenient::number")]
    pub workers: usize,
    pub max_body: ByteSize,
    pub trusted_proxies: TrustedProxies,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: "127.0.0.1:9000".into(),
            workers: cpus(),
            max_body: ByteSize(64 * 1024),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    pub path: PathBuf,
    #[serde(deserialize_with = "lenient::number")]
    pub pool_size: u32,
    /// Who copies the write-ahead log back into the database.
    pub checkpoints: Checkpoints,
}

/// Who checkpoints the database's write-ahead log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Checkpoints {
    /// standin's own checkpointer keeps the log small.
    #[default]
    Standin,
    /// A replicator (Litestream) checkpoints; standin never does, in any mode, and
    /// SQLite's automatic checkpoints are off, so the replicator sees every frame.
    External,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            path: "standin.db".into(),
            pool_size: 8,
            checkpoints: Checkpoints::Standin,
        }
    }
}

/// Whether the session cookie carries `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CookieSecure {
    /// When the request came over HTTPS (directly or via a trusted proxy).
    #[default]
    Auto,
    True,
    False,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Session {
    pub secret_key: Option<String>,
    /// Keys (base64) that signed cookies before `secret_key`: cookies signed with one
    /// are still accepted, and re-signed with `secret_key` at their next use.
    #[serde(deserialize_with = "lenient::list")]
    pub previous_secret_keys: Vec<String>,
    pub cookie_name: String,
    #[serde(deserialize_with = "secure_flag")]
    pub secure: CookieSecure,
    pub max_age: Span,
    /// Unset: host-only cookies. Set (e.g. `example.com`): one sign-in serves every
    /// site below it.
    pub cookie_domain: Option<String>,
}

fn secure_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<CookieSecure, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Flag(bool),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Flag(true) => Ok(CookieSecure::True),
        Raw::Flag(false) => Ok(CookieSecure::False),
        Raw::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(CookieSecure::Auto),
            "true" => Ok(CookieSecure::True),
            "false" => Ok(CookieSecure::False),
            _ => Err(serde::de::Error::custom(format!(
                "{s:?} is not one of auto, true, false"
            ))),
        },
    }
}

impl Default for Session {
    fn default() -> Self {
        Session {
            secret_key: None,
            previous_secret_keys: Vec::new(),
            cookie_name: "standin_session".into(),
            secure: CookieSecure::Auto,
            max_age: Span::secs(14 * 86_400),
            cookie_domain: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    #[serde(deserialize_with = "lenient::number")]
    pub login_max_failures: u32,
    #[serde(deserialize_with = "lenient::number")]
    pub login_max_failures_per_ip: u32,
    pub login_window: Span,
    #[serde(deserialize_with = "lenient::number")]
    pub argon2_memory_kib: u32,
    #[serde(deserialize_with = "lenient::number")]
    pub argon2_iterations: u32,
    #[serde(deserialize_with = "lenient::number")]
    pub argon2_parallelism: u32,
    #[serde(deserialize_with = "lenient::number")]
    pub max_concurrent_hashes: usize,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            login_max_failures: 5,
            login_max_failures_per_ip: 50,
            login_window: Span::secs(15 * 60),
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            // Each hash holds argon2_memory_kib (19 MiB by default): on small
            // machines memory, not CPU, is the scarcer.
            max_concurrent_hashes: (cpus() / 2).max(1),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Impersonation {
    #[serde(deserialize_with = "lenient::flag")]
    pub enabled: bool,
    #[serde(deserialize_with = "lenient::flag")]
    pub require_reason: bool,
    pub max_duration: Span,
    /// Whether a start without `read_only` is read-only.
    #[serde(deserialize_with = "lenient::flag")]
    pub read_only_default: bool,
    /// How long after entering a password one may start an impersonation without
    /// entering it again; 0 turns the check off.
    pub reauth_within: Span,
    /// An impersonation with no request for this long ends; 0 turns the limit off.
    pub idle_timeout: Span,
}

impl Default for Impersonation {
    fn default() -> Self {
        Impersonation {
            enabled: true,
            require_reason: true,
            max_duration: Span::secs(3600),
            read_only_default: false,
            reauth_within: Span::secs(600),
            idle_timeout: Span::secs(900),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Events {
    #[serde(deserialize_with = "lenient::number")]
    pub retention_days: u32,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            retention_days: 365,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bootstrap {
    pub username: String,
    pub password: Option<String>,
    pub email: String,
    pub token: Option<String>,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            username: "admin".into(),
            password: None,
            email: String::new(),
            token: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    pub level: String,
}

impl Default for Log {
    fn default() -> Self {
        Log {
            level: "info".into(),
        }
    }
}

/// Settings given as command-line flags; they win over every other source.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database: Option<PathBuf>,
}

impl Config {
    /// Loads defaults → `file` → environment (`env`) → `overrides`, then validates.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?
            }
            None => toml::Table::new(),
        };
        for (name, value) in env {
            if let Some((section, key)) = env_key(&name) {
                set(&mut table, &section, &key, toml::Value::String(value))?;
            }
        }
        if let Some(listen) = &overrides.listen {
            set(&mut table, "server", "listen", listen.clone().into())?;
        }
        if let Some(path) = &overrides.database {
            let path = path.to_string_lossy().into_owned();
            set(&mut table, "database", "path", path.into())?;
        }
        let config: Config = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| ConfigError(format!("{}: {}", e.path(), e.inner().message())))?;
        config.validate()?;
        Ok(config)
    }

    /// The settings as TOML, with secrets replaced by `********`.
    pub fn masked_toml(&self) -> String {
        let mut shown = self.clone();
        let mask = |v: &mut Option<String>| {
            if v.is_some() {
                *v = Some("********".into());
            }
        };
        mask(&mut shown.session.secret_key);
        for key in &mut shown.session.previous_secret_keys {
            *key = "********".into();
        }
        mask(&mut shown.bootstrap.password);
        mask(&mut shown.bootstrap.token);
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

/// `STANDIN_SERVER__LISTEN` → ("server", "listen"); also the two bootstrap spellings
/// with one underscore that authentik uses.
fn env_key(name: &str) -> Option<(String, String)> {
    match name {
        "STANDIN_BOOTSTRAP_PASSWORD" => return Some(("bootstrap".into(), "password".into())),
        "STANDIN_BOOTSTRAP_TOKEN" => return Some(("bootstrap".into(), "token".into())),
        _ => {}
    }
    let rest = name.strip_prefix("STANDIN_")?;
    let (section, key) = rest.split_once("__")?;
    Some((section.to_ascii_lowercase(), key.to_ascii_lowercase()))
}

fn set(
    table: &mut toml::Table,
    section: &str,
    key: &str,
    value: toml::Value,
) -> Result<(), ConfigError> {
    let entry = table
        .entry(section.to_owned())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    match entry {
        toml::Value::Table(t) => {
            t.insert(key.to_owned(), value);
            Ok(())
        }
        _ => Err(ConfigError(format!("{section}: must be a table"))),
    }
}

#[cfg(test)]
mod tests;
