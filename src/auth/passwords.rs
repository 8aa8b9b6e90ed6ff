//! argon2id hashing, always off the async workers, on background threads, at most
//! `security.max_concurrent_hashes` at a time.

use super::hashing::HashingThreads;
use crate::config::Security;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{Arc, OnceLock};

/// Why hashing failed; never carries the password.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2: {0}")]
    Argon2(String),
    #[error("hashing worker: {0}")]
    Worker(String),
}

/// The password hasher shared by every request.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    threads: Arc<HashingThreads>,
    /// A hash of a random password with the current parameters, verified against when
    /// the user does not exist so that "no such user" takes as long as "wrong password".
    dummy: Arc<OnceLock<String>>,
}

impl Passwords {
    pub fn new(cfg: &Security) -> Self {
        let params = Params::new(
            cfg.argon2_memory_kib,
            cfg.argon2_iterations,
            cfg.argon2_parallelism,
            None,
        )
        .expect("argon2 parameters are checked when the settings load");
        Passwords {
            params,
            threads: Arc::new(HashingThreads::new(cfg.max_concurrent_hashes)),
            dummy: Arc::new(OnceLock::new()),
        }
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes `password` on the calling thread (startup and command-line tools).
    pub fn hash_now(&self, password: &str) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Argon2(e.to_string()))
    }

    /// Checks `password` against `hash`; with no hash, checks against the dummy hash
    /// and answers `false`, taking the same time.
    pub fn verify_now(&self, hash: Option<&str>, password: &str) -> bool {
        let dummy = self.dummy.get_or_init(|| {
            self.hash_now(&uuid::Uuid::new_v4().to_string())
                .unwrap_or_default()
        });
        let (stored, real) = match hash {
            Some(h) => (h, true),
            None => (dummy.as_str(), false),
        };
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        // Verification uses the parameters recorded in the hash itself.
        let ok = self
            .argon()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && real
    }

    /// [`Passwords::hash_now`] on a hashing thread.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let this = self.clone();
        self.off_worker(move || this.hash_now(&password)).await?
    }

    /// [`Passwords::verify_now`] on a hashing thread.
    pub async fn verify(&self, hash: Option<String>, password: String) -> Result<bool, HashError> {
        let this = self.clone();
        self.off_worker(move || this.verify_now(hash.as_deref(), &password))
            .await
    }

    async fn off_worker<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        (self.threads.run(f).await)
            .ok_or_else(|| HashError::Worker("the hashing thread failed".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn light() -> Passwords {
        Passwords::new(&Security {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            ..Security::default()
        })
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let p = light();
        let h = p.hash_now("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify_now(Some(&h), "correct horse"));
        assert!(!p.verify_now(Some(&h), "wrong horse"));
    }

    #[test]
    fn no_hash_never_verifies() {
        let p = light();
        assert!(!p.verify_now(None, ""));
        assert!(!p.verify_now(Some("not a hash"), "x"));
    }
}
