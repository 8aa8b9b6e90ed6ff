//! Which sessions the server still honours: a cookie older than
//! `session.max_age` is refused whatever the browser kept, and a logged-out session
//! id is refused even from a copy of its cookie. The revoked ids live on disk (so a
//! restart does not bring them back) and in memory, so checking a request costs no
//! query.

use super::session::SessionData;
use crate::store::{StoreError, sessions};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

/// The server's view of which sessions are over.
pub struct SessionLifetime {
    max_age: i64,
    /// Revoked session id → Unix second its cookie was issued.
    revoked: RwLock<HashMap<String, i64>>,
}

impl SessionLifetime {
    /// Loads the revoked ids from the database.
    pub fn load(c: &Connection, max_age: Duration) -> Result<SessionLifetime, StoreError> {
        Ok(SessionLifetime {
            max_age: i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
            revoked: RwLock::new(sessions::revoked(c)?.into_iter().collect()),
        })
    }

    /// Whether a request may act on `session`: not past `max_age`, not logged out.
    pub fn honours(&self, session: &SessionData) -> bool {
        let age = now() - session.issued_at;
        // Whole seconds: a cookie is refused once it is surely older than max_age,
        // never before.
        age <= self.max_age
            && !(self.revoked.read().unwrap_or_else(|p| p.into_inner()))
                .contains_key(&session.session_id)
    }

    /// Refuses `session` from now on. The caller records it on disk too
    /// ([`sessions::revoke`]) so that a restart keeps it refused.
    pub fn revoke(&self, session: &SessionData) {
        (self.revoked.write().unwrap_or_else(|p| p.into_inner()))
            .insert(session.session_id.clone(), session.issued_at);
    }

    /// The issue time before which sessions are refused for their age: their
    /// revocations are no longer needed.
    pub fn cutoff(&self) -> i64 {
        now().saturating_sub(self.max_age)
    }

    /// Forgets revocations of sessions issued before `cutoff`.
    pub fn forget_before(&self, cutoff: i64) {
        (self.revoked.write().unwrap_or_else(|p| p.into_inner()))
            .retain(|_, issued_at| *issued_at >= cutoff);
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str, issued_at: i64) -> SessionData {
        SessionData {
            session_id: id.into(),
            user_id: 1,
            original_user_id: None,
            impersonation_id: None,
            auth_epoch: 0,
            issued_at,
            authenticated_at: issued_at,
        }
    }

    fn lifetime(max_age: u64) -> SessionLifetime {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        SessionLifetime::load(&c, Duration::from_secs(max_age)).unwrap()
    }

    #[test]
    fn a_session_older_than_max_age_is_refused() {
        let l = lifetime(60);
        assert!(l.honours(&session("a", now() - 60)));
        assert!(!l.honours(&session("a", now() - 62)));
    }

    #[test]
    fn a_revoked_session_is_refused_until_forgotten() {
        let l = lifetime(60);
        let s = session("a", now());
        l.revoke(&s);
        assert!(!l.honours(&s));
        assert!(l.honours(&session("b", now())));
        l.forget_before(l.cutoff());
        assert!(!l.honours(&s), "still young enough to need its revocation");
        l.forget_before(now() + 1);
        assert!(l.honours(&s));
    }
}
