//! The database holds every password hash and the audit log, so its files are the
//! owner's alone. SQLite creates the `-wal` and `-shm` files with the mode of the
//! database file, so creating that file 0600 before SQLite does covers all three.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `path` empty with mode 0600 unless it exists (an existing file keeps its
/// mode: whoever set it may have meant it; a warning says it is readable by others).
/// Paths SQLite does not treat as files (`:memory:`, `file:` URIs) are left alone.
pub fn create_private(path: &Path) -> io::Result<()> {
    let text = path.to_string_lossy();
    if text == ":memory:" || text.starts_with("file:") {
        return Ok(());
    }
    match open_private(path, true) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            warn_if_shared(path);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Opens `path` for writing with mode 0600, creating it; with `new_only`, refuses a
/// file that already exists.
pub fn open_private(path: &Path, new_only: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if new_only {
        options.create_new(true);
    } else {
        options.create(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes `file` readable and writable by its owner only.
pub fn make_private(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        log::warn!(
            "{} is readable by other users (mode {:o}); it holds password hashes: \
             consider chmod 600",
            path.display(),
            meta.permissions().mode() & 0o777
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_private_and_an_existing_one_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.db");
        create_private(&new).unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = dir.path().join("old.db");
        std::fs::write(&old, b"data").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
        create_private(&old).unwrap();
        assert_eq!(mode(&old), 0o640);
        assert_eq!(std::fs::read(&old).unwrap(), b"data");
    }
}
