//! What every handler shares.

use crate::auth::lifetime::SessionLifetime;
use crate::auth::passwords::Passwords;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::db::Db;
use std::sync::Arc;

/// Application state, registered once as `web::Data<AppState>`.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub passwords: Passwords,
    pub throttle: LoginThrottle,
    /// Which sessions are over on the server (too old, or logged out).
    pub sessions: Arc<SessionLifetime>,
    /// Salts every user's `uid`.
    pub install_id: String,
}
