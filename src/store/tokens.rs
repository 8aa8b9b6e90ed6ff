//! API tokens: only a SHA-256 of each key is stored.

use super::StoreError;
use crate::domain::now;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// hex SHA-256 of a token key, as stored.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The owner of a live token whose key is `key`, if any; marks the token used.
/// Expired tokens are not returned.
pub fn authenticate(c: &Connection, key: &str) -> Result<Option<i64>, StoreError> {
    let hash = hash_key(key);
    let found: Option<(i64, i64, String, Option<String>, bool)> = c
        .prepare_cached(
            "SELECT id, user_id, key_hash, expires, expiring FROM tokens WHERE key_hash = ?1",
        )?
        .query_row([&hash], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((id, user_id, stored, expires, expiring)) = found else {
        return Ok(None);
    };
    // The index lookup already matched; compare again without an early exit so the
    // answer never depends on where two hashes first differ.
    if !bool::from(stored.as_bytes().ct_eq(hash.as_bytes())) {
        return Ok(None);
    }
    let t = now();
    if expiring && expires.as_deref().is_some_and(|e| e <= t.as_str()) {
        return Ok(None);
    }
    c.prepare_cached("UPDATE tokens SET last_used = ?2 WHERE id = ?1")?
        .execute(params![id, t])?;
    Ok(Some(user_id))
}

/// A fresh random key: 256 bits, hex.
pub fn generate_key() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The fields of a token about to be created.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub identifier: String,
    pub user_id: i64,
    pub description: String,
    pub expires: Option<String>,
    pub expiring: bool,
}

/// Stores `t` with the hash of `key`; returns the token's uuid.
pub fn insert(c: &Connection, t: &NewToken, key: &str) -> Result<String, StoreError> {
    let uuid = uuid::Uuid::new_v4().to_string();
    c.prepare_cached(
        "INSERT INTO tokens (uuid, identifier, key_hash, user_id, intent, description, expires, expiring, created)
         VALUES (?1, ?2, ?3, ?4, 'api', ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        uuid,
        t.identifier,
        hash_key(key),
        t.user_id,
        t.description,
        t.expires,
        t.expiring,
        now()
    ])?;
    Ok(uuid)
}

/// Whether a token with this key exists.
pub fn key_exists(c: &Connection, key: &str) -> Result<bool, StoreError> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM tokens WHERE key_hash = ?1)")?
            .query_row([hash_key(key)], |r| r.get(0))?,
    )
}
