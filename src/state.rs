//! What every handler shares.

use crate::auth::passwords::Passwords;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::db::Db;

/// Application state, registered once as `web::Data<AppState>`.
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub passwords: Passwords,
    pub throttle: LoginThrottle,
    /// Salts every user's `uid`.
    pub install_id: String,
}
