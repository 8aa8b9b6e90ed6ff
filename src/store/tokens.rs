//! API tokens: only a SHA-256 of each key is stored.

use super::{StoreError, not_found_as};
use crate::domain::{EventAction, Timestamp, now, time};
use chrono::{Duration, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `last_used` is written at most once per this many seconds per token.
const LAST_USED_EVERY_SECS: i64 = 60;

/// hex SHA-256 of a token key, as stored.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// What authenticating with a token needs to know of it.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: i64,
    pub user_id: i64,
    /// hex SHA-256 of the key.
    pub key_hash: String,
    expires: Option<Timestamp>,
    expiring: bool,
    last_used: Option<Timestamp>,
}

impl TokenRecord {
    /// Whether `key_hash` is this token's, compared without an early exit so the
    /// answer never depends on where two hashes first differ.
    pub fn matches(&self, key_hash: &str) -> bool {
        bool::from(self.key_hash.as_bytes().ct_eq(key_hash.as_bytes()))
    }

    /// Not past its expiry at `at`.
    pub fn is_live_at(&self, at: &str) -> bool {
        !(self.expiring && self.expires.as_deref().is_some_and(|e| e <= at))
    }

    /// Whether `last_used` is old enough to be written again at `now`: at most one
    /// write a minute per token, so bearer reads stay reads.
    pub fn needs_mark(&self, now: chrono::DateTime<Utc>) -> bool {
        let cutoff = time::format(now - Duration::seconds(LAST_USED_EVERY_SECS));
        self.last_used
            .as_deref()
            .is_none_or(|l| l < cutoff.as_str())
    }
}

/// The token whose key hashes to `key_hash`, live or not.
pub fn lookup(c: &Connection, key_hash: &str) -> Result<Option<TokenRecord>, StoreError> {
    let found = c
        .prepare_cached(
            "SELECT id, user_id, key_hash, expires, expiring, last_used FROM tokens
             WHERE key_hash = ?1",
        )?
        .query_row([key_hash], |r| {
            Ok(TokenRecord {
                id: r.get(0)?,
                user_id: r.get(1)?,
                key_hash: r.get(2)?,
                expires: r.get(3)?,
                expiring: r.get(4)?,
                last_used: r.get(5)?,
            })
        })
        .optional()?;
    Ok(found)
}

/// Records that token `id` was used now, unless that was recorded within the minute.
pub fn mark_used(c: &Connection, id: i64) -> Result<(), StoreError> {
    let cutoff = time::format(Utc::now() - Duration::seconds(LAST_USED_EVERY_SECS));
    c.prepare_cached(
        "UPDATE tokens SET last_used = ?2 WHERE id = ?1 AND (last_used IS NULL OR last_used < ?3)",
    )?
    .execute(params![id, now(), cutoff])?;
    Ok(())
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

/// Creates token `t` with `key` and records `model_created` for `actor`, never the
/// key.
pub fn create(
    c: &Connection,
    t: &NewToken,
    key: &str,
    actor: &super::events::Actor,
) -> Result<Token, StoreError> {
    insert(c, t, key)?;
    let token = find(c, &t.identifier, None)?;
    super::events::record(c, actor, EventAction::ModelCreated, token.event_context())?;
    Ok(token)
}

/// Deletes `token` and records `model_deleted` for `actor`.
pub fn remove(
    c: &Connection,
    token: &Token,
    actor: &super::events::Actor,
) -> Result<(), StoreError> {
    delete(c, token.id)?;
    super::events::record(c, actor, EventAction::ModelDeleted, token.event_context())
}

/// Whether a token with this key exists.
pub fn key_exists(c: &Connection, key: &str) -> Result<bool, StoreError> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM tokens WHERE key_hash = ?1)")?
            .query_row([hash_key(key)], |r| r.get(0))?,
    )
}

/// A token as stored (its key is never stored, only the key's hash).
#[derive(Debug, Clone)]
pub struct Token {
    pub id: i64,
    pub uuid: String,
    pub identifier: String,
    pub user_id: i64,
    pub intent: String,
    pub description: String,
    pub expires: Option<Timestamp>,
    pub expiring: bool,
    pub created: Timestamp,
    pub last_used: Option<Timestamp>,
}

pub(crate) const COLUMNS: &str = "t.id, t.uuid, t.identifier, t.user_id, t.intent, t.description, t.expires, t.expiring, t.created, t.last_used";

pub(crate) fn from_row(r: &Row) -> rusqlite::Result<Token> {
    Ok(Token {
        id: r.get(0)?,
        uuid: r.get(1)?,
        identifier: r.get(2)?,
        user_id: r.get(3)?,
        intent: r.get(4)?,
        description: r.get(5)?,
        expires: r.get(6)?,
        expiring: r.get(7)?,
        created: r.get(8)?,
        last_used: r.get(9)?,
    })
}

impl Token {
    /// The context of the token's `model_created`/`model_deleted`: its name and
    /// `context.model`, never its key.
    pub fn event_context(&self) -> serde_json::Value {
        let mut context =
            super::events::model_context("token", self.uuid.as_str(), &self.identifier);
        context["identifier"] = serde_json::json!(self.identifier);
        context
    }
}

/// The token named `identifier`, or `NotFound("Token")`. With `owner`, tokens of other
/// users are not found either, so their existence is never revealed.
pub fn find(c: &Connection, identifier: &str, owner: Option<i64>) -> Result<Token, StoreError> {
    c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM tokens t WHERE t.identifier = ?1 AND (?2 IS NULL OR t.user_id = ?2)"
    ))?
    .query_row(params![identifier, owner], from_row)
    .map_err(not_found_as("Token"))
}

/// Whether a token named `identifier` exists (whoever owns it).
pub fn identifier_exists(c: &Connection, identifier: &str) -> Result<bool, StoreError> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM tokens WHERE identifier = ?1)")?
            .query_row([identifier], |r| r.get(0))?,
    )
}

/// Deletes the token with row id `id`.
pub fn delete(c: &Connection, id: i64) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM tokens WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Username;
    use crate::store::users;

    fn db_with_token(key: &str) -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        let user = users::NewUser::named(Username::parse("owner").unwrap());
        let user_id = users::insert(&c, &user).unwrap();
        let t = NewToken {
            identifier: "t1".into(),
            user_id,
            description: String::new(),
            expires: None,
            expiring: false,
        };
        insert(&c, &t, key).unwrap();
        c
    }

    fn last_used(c: &Connection) -> Option<String> {
        c.query_row("SELECT last_used FROM tokens", [], |r| r.get(0))
            .unwrap()
    }

    fn record(c: &Connection, key: &str) -> Option<TokenRecord> {
        lookup(c, &hash_key(key)).unwrap()
    }

    #[test]
    fn last_used_is_written_at_most_once_a_minute() {
        let c = db_with_token("k");
        let t = record(&c, "k").unwrap();
        assert!(t.needs_mark(Utc::now()), "never used yet");
        mark_used(&c, t.id).unwrap();
        assert!(last_used(&c).is_some(), "the first use is recorded");
        assert!(!record(&c, "k").unwrap().needs_mark(Utc::now()));

        let recent = time::format(Utc::now() - Duration::seconds(30));
        c.execute("UPDATE tokens SET last_used = ?1", [&recent])
            .unwrap();
        assert!(!record(&c, "k").unwrap().needs_mark(Utc::now()));
        mark_used(&c, t.id).unwrap();
        assert_eq!(
            last_used(&c),
            Some(recent),
            "a use within the minute writes nothing"
        );

        let old = time::format(Utc::now() - Duration::seconds(90));
        c.execute("UPDATE tokens SET last_used = ?1", [&old])
            .unwrap();
        assert!(record(&c, "k").unwrap().needs_mark(Utc::now()));
        mark_used(&c, t.id).unwrap();
        assert!(last_used(&c).unwrap() > old, "an older mark is refreshed");
    }

    #[test]
    fn expired_and_unknown_keys_are_not_live() {
        let c = db_with_token("k");
        assert!(record(&c, "other").is_none());
        let now = crate::domain::now();
        let t = record(&c, "k").unwrap();
        assert!(t.matches(&hash_key("k")) && !t.matches(&hash_key("other")));
        assert!(t.is_live_at(&now));
        c.execute(
            "UPDATE tokens SET expiring = 1, expires = '2000-01-01T00:00:00.000000Z'",
            [],
        )
        .unwrap();
        assert!(!record(&c, "k").unwrap().is_live_at(&now));
        c.execute("UPDATE tokens SET expiring = 0", []).unwrap();
        assert!(
            record(&c, "k").unwrap().is_live_at(&now),
            "non-expiring tokens ignore expires"
        );
    }
}
