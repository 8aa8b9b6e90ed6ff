//! The keys that sign session cookies: `session.secret_key` (with
//! `session.previous_secret_keys`), or a key file beside the database created on first
//! start with mode 0600, so restarts keep sessions valid.
//!
//! The key file holds one base64 key per line. The first signs. Each later line is
//! `<unix seconds> <key>`: a key that `standin rotate-key` retired at that time, which
//! still verifies cookies until `session.max_age` has passed since then, so a rotation
//! logs nobody out. A line past that age is dropped from the file at the next start.

use crate::config::Session;
use actix_web::cookie::Key;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The key that signs cookies and the earlier ones that still verify them.
#[derive(Clone)]
pub struct KeyRing {
    current: Key,
    previous: Vec<Retired>,
}

#[derive(Clone)]
struct Retired {
    key: Key,
    /// Unix seconds when `rotate-key` replaced it; `None` for a configured key, which
    /// verifies for as long as it stays in `session.previous_secret_keys`.
    retired_at: Option<i64>,
}

impl Retired {
    fn accepted_at(&self, now: i64, max_age: Duration) -> bool {
        self.retired_at
            .is_none_or(|at| now < at.saturating_add(max_age.as_secs() as i64))
    }
}

impl KeyRing {
    /// The key that signs every cookie issued now.
    pub fn current(&self) -> &Key {
        &self.current
    }

    /// The earlier keys whose cookies are still accepted at `now` (unix seconds).
    pub fn previous_at(&self, now: i64, max_age: Duration) -> impl Iterator<Item = &Key> {
        (self.previous.iter())
            .filter(move |r| r.accepted_at(now, max_age))
            .map(|r| &r.key)
    }
}

/// Where the key file of database `db` lives.
pub fn key_file(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".key");
    db.with_file_name(name)
}

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

fn decode(text: &str, source: &str) -> io::Result<Key> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|e| invalid(format!("{source}: {e}")))?;
    Key::try_from(bytes.as_slice())
        .map_err(|_| invalid(format!("{source}: must be at least 64 bytes")))
}

/// Loads the keys from `session.secret_key` and `session.previous_secret_keys`, or
/// from the key file beside `db` (creating it when it does not exist yet, and
/// dropping from it the keys retired longer than `session.max_age` ago).
pub fn load_or_create(session: &Session, db: &Path) -> io::Result<KeyRing> {
    let configured = (session.previous_secret_keys.iter())
        .map(|k| {
            let key = decode(k, "session.previous_secret_keys")?;
            Ok(Retired {
                key,
                retired_at: None,
            })
        })
        .collect::<io::Result<Vec<_>>>()?;
    let mut ring = match &session.secret_key {
        Some(secret) => KeyRing {
            current: decode(secret, "session.secret_key")?,
            previous: Vec::new(),
        },
        None => from_file(db, session.max_age.0)?,
    };
    ring.previous.extend(configured);
    Ok(ring)
}

fn from_file(db: &Path, max_age: Duration) -> io::Result<KeyRing> {
    let path = key_file(db);
    match read(&path)? {
        Some(mut ring) => {
            let now = chrono::Utc::now().timestamp();
            let before = ring.previous.len();
            ring.previous.retain(|r| r.accepted_at(now, max_age));
            if ring.previous.len() < before {
                write(&path, &ring)?;
                log::info!(
                    "dropped {} session signing key(s) retired more than session.max_age ago",
                    before - ring.previous.len()
                );
            }
            Ok(ring)
        }
        None => {
            let ring = KeyRing {
                current: Key::from(&rand::random::<[u8; 64]>()),
                previous: Vec::new(),
            };
            write(&path, &ring)?;
            log::info!("created session signing key {}", path.display());
            Ok(ring)
        }
    }
}

/// What `rotate-key` left in the key file.
pub struct Rotated {
    pub path: PathBuf,
    /// Earlier keys that still verify cookies.
    pub previous: usize,
}

/// Puts a new key first in the key file of `db`. The one it replaces keeps verifying
/// cookies for `max_age`, unless `drop_previous`, which drops every earlier key.
pub fn rotate(db: &Path, max_age: Duration, drop_previous: bool) -> io::Result<Rotated> {
    let path = key_file(db);
    let now = chrono::Utc::now().timestamp();
    let mut previous = Vec::new();
    if !drop_previous && let Some(old) = read(&path)? {
        previous.push(Retired {
            key: old.current,
            retired_at: Some(now),
        });
        previous.extend(
            old.previous
                .into_iter()
                .filter(|r| r.accepted_at(now, max_age)),
        );
    }
    let ring = KeyRing {
        current: Key::from(&rand::random::<[u8; 64]>()),
        previous,
    };
    write(&path, &ring)?;
    Ok(Rotated {
        path,
        previous: ring.previous.len(),
    })
}

/// The key file's keys, or `None` when there is no key file.
fn read(path: &Path) -> io::Result<Option<KeyRing>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    };
    let mut lines = (text.lines().enumerate()).filter(|(_, l)| !l.trim().is_empty());
    let source = |n: usize| format!("{} line {}", path.display(), n + 1);
    let Some((n, first)) = lines.next() else {
        return Err(invalid(format!("{}: empty key file", path.display())));
    };
    let current = decode(first, &source(n))?;
    let previous = lines
        .map(|(n, line)| {
            let (at, key) = (line.trim().split_once(' '))
                .ok_or_else(|| invalid(format!("{}: expected \"<seconds> <key>\"", source(n))))?;
            let retired_at = (at.parse::<i64>())
                .map_err(|_| invalid(format!("{}: {at:?} is not unix seconds", source(n))))?;
            Ok(Retired {
                key: decode(key, &source(n))?,
                retired_at: Some(retired_at),
            })
        })
        .collect::<io::Result<_>>()?;
    Ok(Some(KeyRing { current, previous }))
}

/// Replaces the key file at once (a new private file renamed over the old one), so a
/// start never reads half of it.
fn write(path: &Path, ring: &KeyRing) -> io::Result<()> {
    let mut text = STANDARD.encode(ring.current.master());
    for r in &ring.previous {
        let at = r.retired_at.unwrap_or_default();
        text.push_str(&format!("\n{at} {}", STANDARD.encode(r.key.master())));
    }
    text.push('\n');
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut file = create_private(&tmp).map_err(with_path)?;
    file.write_all(text.as_bytes()).map_err(with_path)?;
    file.sync_all().map_err(with_path)?;
    std::fs::rename(&tmp, path).map_err(with_path)
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn file_session() -> Session {
        Session::default()
    }

    #[test]
    fn the_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("standin.db");
        let first = load_or_create(&file_session(), &db).unwrap();
        let second = load_or_create(&file_session(), &db).unwrap();
        assert_eq!(first.current().master(), second.current().master());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_file(&db))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_rotated_key_verifies_until_max_age_and_drop_previous_forgets_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("standin.db");
        let old = load_or_create(&file_session(), &db).unwrap();
        assert_eq!(rotate(&db, DAY, false).unwrap().previous, 1);
        let ring = load_or_create(&file_session(), &db).unwrap();
        assert_ne!(ring.current().master(), old.current().master());
        let now = chrono::Utc::now().timestamp();
        let previous: Vec<_> = ring.previous_at(now, DAY).collect();
        assert_eq!(previous.len(), 1);
        assert_eq!(previous[0].master(), old.current().master());
        assert_eq!(ring.previous_at(now + 86_400, DAY).count(), 0);
        assert_eq!(rotate(&db, DAY, true).unwrap().previous, 0);
        let ring = load_or_create(&file_session(), &db).unwrap();
        assert_eq!(ring.previous_at(now, DAY).count(), 0);
    }

    #[test]
    fn a_damaged_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("standin.db");
        load_or_create(&file_session(), &db).unwrap();
        let text = std::fs::read_to_string(key_file(&db)).unwrap();
        std::fs::write(key_file(&db), format!("{text}yesterday {text}")).unwrap();
        let err = load_or_create(&file_session(), &db)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("unix seconds"),
            "{err}"
        );
    }
}
