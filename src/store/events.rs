//! The audit log (CONTRACT §7). Events are written in the same transaction as the
//! change they describe, and never updated.

use super::StoreError;
use crate::domain::now;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

/// A user as an event names them: a snapshot, so the log stays readable after the
/// user is renamed or deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub pk: i64,
    pub username: String,
    pub email: String,
}

impl UserRef {
    /// The reference to a stored user.
    pub fn of(u: &super::users::User) -> Self {
        UserRef {
            pk: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
        }
    }

    fn to_json(&self) -> Value {
        json!({"pk": self.pk, "username": self.username, "email": self.email})
    }
}

/// Who caused an event and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The person acting (the impersonator while impersonating); `None` when anonymous.
    pub user: Option<UserRef>,
    /// The impersonated user, while impersonating.
    pub on_behalf_of: Option<UserRef>,
    pub client_ip: Option<String>,
}

impl Actor {
    /// An unauthenticated caller at `client_ip`.
    pub fn anonymous(client_ip: Option<String>) -> Self {
        Actor {
            user: None,
            on_behalf_of: None,
            client_ip,
        }
    }

    fn user_json(&self) -> Value {
        let mut v = match &self.user {
            Some(u) => u.to_json(),
            None => json!({"pk": null, "username": "AnonymousUser", "email": ""}),
        };
        if let Some(target) = &self.on_behalf_of {
            v["on_behalf_of"] = target.to_json();
        }
        v
    }
}

/// Records event `action` with `context`.
pub fn record(
    c: &Connection,
    actor: &Actor,
    action: &str,
    context: Value,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO events (uuid, action, user_json, username, app, context, client_ip, created)
         VALUES (?1, ?2, ?3, ?4, 'standin', ?5, ?6, ?7)",
    )?
    .execute(params![
        uuid::Uuid::new_v4().to_string(),
        action,
        actor.user_json().to_string(),
        actor.user.as_ref().map(|u| u.username.as_str()),
        context.to_string(),
        actor.client_ip,
        now(),
    ])?;
    Ok(())
}

/// `context.model` of a `model_*` event.
pub fn model_context(model_name: &str, pk: impl Into<Value>, name: &str) -> Value {
    json!({"model": {"app": "standin", "model_name": model_name, "pk": pk.into(), "name": name}})
}

/// Deletes events created before `cutoff`; returns how many went.
pub fn delete_older_than(c: &Connection, cutoff: &str) -> Result<usize, StoreError> {
    Ok(c.execute("DELETE FROM events WHERE created < ?1", [cutoff])?)
}
