//! Who is calling: passwords, login throttling, the signed session, CSRF, API tokens,
//! and the one identity extractor that handlers use.

pub mod attempt;
pub mod client;
pub mod csrf;
mod hashing;
pub mod identity;
pub mod key;
pub mod key_rotation;
pub mod lifetime;
pub mod passwords;
pub mod session;
pub mod throttle;

pub use identity::{Identity, Principal, Via};
