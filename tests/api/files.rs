//! The database holds every password hash and the audit log: its files, and every
//! backup, are readable by their owner only.

use crate::helpers::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[actix_web::test]
async fn the_database_and_its_wal_and_shm_files_are_created_private() {
    let app = TestApp::spawn().await;
    // A login writes, so the write-ahead log and its index exist.
    app.admin().await;
    for name in ["standin.db", "standin.db-wal", "standin.db-shm"] {
        assert_eq!(mode(&app.dir.path().join(name)), 0o600, "{name}");
    }
}
