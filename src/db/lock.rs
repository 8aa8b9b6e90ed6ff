//! Who holds the database: every standin process that opens it (the server, and the
//! commands that write to it) holds a shared lock on `<database>.lock` for as long as
//! it has it open; `standin restore` takes that lock exclusively, so it refuses while
//! anything else holds the database, and nothing opens it while a restore runs.
//!
//! Why a lock file and `flock`, not SQLite's own locks: from outside, those can only
//! be tested by poking at the byte ranges SQLite locks in its WAL index (an internal
//! detail), or by trying to leave WAL mode, which changes the file when it succeeds.
//! The kernel drops a `flock` when its process ends in any way (SIGKILL included), so
//! a crashed server leaves no stale lock behind; and the lock is on a file of its own,
//! so it cannot meddle with SQLite's locks on the database.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct Held {
    _file: File,
}

/// Where the lock file of database `db` lives.
pub fn lock_file(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock in a conflicting way.
    #[error("in use")]
    Busy,
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Holds `db` open, beside other holders; fails with [`LockError::Busy`] while a
/// restore runs. Paths SQLite does not treat as files are not locked.
pub fn shared(db: &Path) -> Result<Option<Held>, LockError> {
    let text = db.to_string_lossy();
    if text == ":memory:" || text.starts_with("file:") {
        return Ok(None);
    }
    take(db, false).map(Some)
}

/// Holds `db` alone; fails with [`LockError::Busy`] while any other holder has it.
pub fn exclusive(db: &Path) -> Result<Held, LockError> {
    take(db, true)
}

fn take(db: &Path, exclusive: bool) -> Result<Held, LockError> {
    let path = lock_file(db);
    let file = super::files::open_private(&path, false)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    flock(&file, exclusive)?;
    Ok(Held { _file: file })
}

#[cfg(unix)]
fn flock(file: &File, exclusive: bool) -> Result<(), LockError> {
    use std::os::fd::AsRawFd;
    let how = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    };
    // SAFETY: flock on a file descriptor this function borrows for the call.
    if unsafe { libc::flock(file.as_raw_fd(), how | libc::LOCK_NB) } == 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::WouldBlock {
        Err(LockError::Busy)
    } else {
        Err(LockError::Io(e))
    }
}

#[cfg(not(unix))]
fn flock(_: &File, _: bool) -> Result<(), LockError> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn shared_holders_coexist_and_keep_an_exclusive_one_out() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("standin.db");
        let one = shared(&db).unwrap();
        let two = shared(&db).unwrap();
        assert!(matches!(exclusive(&db), Err(LockError::Busy)));
        drop((one, two));
        let alone = exclusive(&db).unwrap();
        assert!(matches!(shared(&db), Err(LockError::Busy)));
        drop(alone);
        assert!(shared(&db).unwrap().is_some());
    }
}
