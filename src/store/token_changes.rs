//! Changing a token after creation: its fields (PUT/PATCH) and its key (`set_key`).
//! Each records its event in the same transaction, never with the key.

use super::events::{self, Actor};
use super::tokens::{Token, find, hash_key};
use super::{StoreError, users};
use crate::domain::{EventAction, FieldErrors};
use rusqlite::{Connection, params};

/// The fields a PUT or PATCH sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenChange {
    /// The new owner (the handler passes it only for superusers).
    pub user: Option<i64>,
    pub description: Option<String>,
    /// `Some(None)` clears the expiry.
    pub expires: Option<Option<String>>,
    pub expiring: Option<bool>,
}

/// Applies `change` to `token`, adding to `errors` what the data refuses (an owner
/// that does not exist) before anything is written, and records `model_updated`.
/// Returns the token as stored afterwards.
pub fn update(
    c: &Connection,
    token: &Token,
    change: &TokenChange,
    mut errors: FieldErrors,
    actor: &Actor,
) -> Result<Token, StoreError> {
    if let Some(pk) = change.user
        && users::find(c, pk)?.is_none()
    {
        errors.add(
            "user",
            format!("Invalid pk \"{pk}\" - object does not exist."),
        );
    }
    errors.finish().map_err(StoreError::Invalid)?;
    let expires = match &change.expires {
        Some(e) => e.clone(),
        None => token.expires.clone(),
    };
    c.prepare_cached(
        "UPDATE tokens SET user_id = ?2, description = ?3, expires = ?4, expiring = ?5
         WHERE id = ?1",
    )?
    .execute(params![
        token.id,
        change.user.unwrap_or(token.user_id),
        change.description.as_deref().unwrap_or(&token.description),
        expires,
        change.expiring.unwrap_or(token.expiring),
    ])?;
    let updated = find(c, &token.identifier, None)?;
    events::record(c, actor, EventAction::ModelUpdated, updated.event_context())?;
    Ok(updated)
}

/// Replaces the key of `token` with `key` (only its hash is stored) and records
/// `secret_rotate`. A key another token already has is refused under `key`: two
/// tokens with one key could not tell their owners apart.
pub fn set_key(c: &Connection, token: &Token, key: &str, actor: &Actor) -> Result<(), StoreError> {
    let hash = hash_key(key);
    let taken: bool = c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM tokens WHERE key_hash = ?1 AND id <> ?2)")?
        .query_row(params![hash, token.id], |r| r.get(0))?;
    if taken {
        return Err(StoreError::Invalid(FieldErrors::single(
            "key",
            "This field must be unique.",
        )));
    }
    c.prepare_cached("UPDATE tokens SET key_hash = ?2 WHERE id = ?1")?
        .execute(params![token.id, hash])?;
    events::record(c, actor, EventAction::SecretRotate, token.event_context())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Username;
    use crate::store::tokens::{NewToken, hash_key, insert, lookup};

    fn db() -> (Connection, Token) {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        let user_id = users::insert(
            &c,
            &users::NewUser::named(Username::parse("owner").unwrap()),
        )
        .unwrap();
        let t = NewToken {
            identifier: "t1".into(),
            user_id,
            description: "before".into(),
            expires: None,
            expiring: false,
        };
        insert(&c, &t, "old-key").unwrap();
        let token = find(&c, "t1", None).unwrap();
        (c, token)
    }

    #[test]
    fn a_new_key_replaces_the_old_one() {
        let (c, token) = db();
        set_key(&c, &token, "new-key", &Actor::default()).unwrap();
        assert!(lookup(&c, &hash_key("old-key")).unwrap().is_none());
        let found = lookup(&c, &hash_key("new-key")).unwrap().unwrap();
        assert_eq!(found.user_id, token.user_id);
    }

    #[test]
    fn absent_fields_stay_as_they_were() {
        let (c, token) = db();
        let change = TokenChange {
            expiring: Some(true),
            ..TokenChange::default()
        };
        let after = update(&c, &token, &change, FieldErrors::new(), &Actor::default()).unwrap();
        assert_eq!(after.description, "before");
        assert!(after.expiring);
        assert_eq!(after.user_id, token.user_id);
    }
}
