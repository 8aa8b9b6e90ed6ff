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
    // At most one write a minute per token, so bearer reads stay reads. The mark is
    // bookkeeping: a busy database must not turn a valid key into a failed request.
    let cutoff = time::format(Utc::now() - Duration::seconds(LAST_USED_EVERY_SECS));
    if let Err(e) = c
        .prepare_cached(
            "UPDATE tokens SET last_used = ?2 WHERE id = ?1 AND (last_used IS NULL OR last_used < ?3)",
        )
        .and_then(|mut s| s.execute(params![id, t, cutoff]))
    {
        log::warn!("token {id}: could not record last_used: {e}");
    }
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

    #[test]
    fn last_used_is_written_at_most_once_a_minute() {
        let c = db_with_token("k");
        assert!(authenticate(&c, "k").unwrap().is_some());
        assert!(last_used(&c).is_some(), "the first use is recorded");

        let recent = time::format(Utc::now() - Duration::seconds(30));
        c.execute("UPDATE tokens SET last_used = ?1", [&recent])
            .unwrap();
        authenticate(&c, "k").unwrap();
        assert_eq!(
            last_used(&c),
            Some(recent),
            "a use within the minute writes nothing"
        );

        let old = time::format(Utc::now() - Duration::seconds(90));
        c.execute("UPDATE tokens SET last_used = ?1", [&old])
            .unwrap();
        authenticate(&c, "k").unwrap();
        assert!(last_used(&c).unwrap() > old, "an older mark is refreshed");
    }

    #[test]
    fn expired_and_unknown_keys_authenticate_nobody() {
        let c = db_with_token("k");
        assert_eq!(authenticate(&c, "other").unwrap(), None);
        c.execute(
            "UPDATE tokens SET expiring = 1, expires = '2000-01-01T00:00:00.000000Z'",
            [],
        )
        .unwrap();
        assert_eq!(authenticate(&c, "k").unwrap(), None);
        c.execute("UPDATE tokens SET expiring = 0", []).unwrap();
        assert!(
            authenticate(&c, "k").unwrap().is_some(),
            "non-expiring tokens ignore expires"
        );
    }
}
