//! The key that signs session cookies: `session.secret_key`, or a key file beside the
//! database created on first start with mode 0600, so restarts keep sessions valid.

use actix_web::cookie::Key;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the key file of database `db` lives.
pub fn key_file(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".key");
    db.with_file_name(name)
}

/// Loads the signing key from `secret` (base64) or from the key file beside `db`,
/// creating that file when it does not exist yet.
pub fn load_or_create(secret: Option<&str>, db: &Path) -> std::io::Result<Key> {
    let invalid = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
    if let Some(secret) = secret {
        let bytes = STANDARD
            .decode(secret.trim())
            .map_err(|e| invalid(format!("session.secret_key: {e}")))?;
        return Key::try_from(bytes.as_slice())
            .map_err(|_| invalid("session.secret_key: must be at least 64 bytes".into()));
    }
    let path = key_file(db);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = STANDARD
                .decode(text.trim())
                .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            Key::try_from(bytes.as_slice())
                .map_err(|_| invalid(format!("{}: key shorter than 64 bytes", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes: [u8; 64] = rand::random();
            let mut file = create_private(&path)?;
            file.write_all(STANDARD.encode(bytes).as_bytes())?;
            file.sync_all()?;
            log::info!("created session signing key {}", path.display());
            Ok(Key::from(&bytes))
        }
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("standin.db");
        let first = load_or_create(None, &db).unwrap();
        let second = load_or_create(None, &db).unwrap();
        assert_eq!(first.master(), second.master());
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
}
