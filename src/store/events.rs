//! The audit log. Events are written in the same transaction as the
//! change they describe, and never updated.

use super::paging::{Conditions, Listing, page};
use super::{StoreError, not_found_as};
use crate::domain::{EventAction, Timestamp, now};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, Row, params};
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
    action: EventAction,
    context: Value,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO events (uuid, action, user_json, username, app, context, client_ip, created)
         VALUES (?1, ?2, ?3, ?4, 'standin', ?5, ?6, ?7)",
    )?
    .execute(params![
        // Time-ordered, so each new event lands at the end of the uuid index instead
        // of on a random page of it.
        uuid::Uuid::now_v7().to_string(),
        action.as_str(),
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

/// An event as stored.
#[derive(Debug, Clone)]
pub struct Event {
    pub uuid: String,
    pub action: String,
    /// `{pk, username, email[, on_behalf_of]}` as the actor was at the time.
    pub user: Value,
    pub app: String,
    pub context: Value,
    pub client_ip: Option<String>,
    pub created: Timestamp,
}

const COLUMNS: &str = "e.uuid, e.action, e.user_json, e.app, e.context, e.client_ip, e.created";

fn from_row(r: &Row) -> rusqlite::Result<Event> {
    let object = |text: String| {
        serde_json::from_str(&text).unwrap_or_else(|_| Value::Object(Default::default()))
    };
    Ok(Event {
        uuid: r.get(0)?,
        action: r.get(1)?,
        user: object(r.get(2)?),
        app: r.get(3)?,
        context: object(r.get(4)?),
        client_ip: r.get(5)?,
        created: r.get(6)?,
    })
}

/// The event with `uuid`, or `NotFound("Event")`.
pub fn get(c: &Connection, uuid: &str) -> Result<Event, StoreError> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM events e WHERE e.uuid = ?1"))?
        .query_row([uuid], from_row)
        .map_err(not_found_as("Event"))
}

/// Columns the list can be ordered by.
pub const ORDERINGS: &[&str] = &["created"];

/// The filters of one events list; `None`/empty means "no condition".
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub action: Option<String>,
    /// Any of these actions (authentik's repeatable `actions`).
    pub actions: Vec<String>,
    /// The acting user's username.
    pub username: Option<String>,
    pub client_ip: Option<String>,
    pub model_app: Option<String>,
    pub model_name: Option<String>,
    pub model_pk: Option<String>,
    /// Case-insensitive substring of the action, username, client address or context.
    pub search: Option<String>,
    /// `created`, and whether descending.
    pub ordering: (&'static str, bool),
}

impl EventFilter {
    fn conditions(&self) -> Conditions {
        let mut w = Conditions::default();
        for (cond, value) in [
            ("e.action = ?", &self.action),
            ("e.username = ?", &self.username),
            ("e.client_ip = ?", &self.client_ip),
            (
                "json_extract(e.context, '$.model.app') = ?",
                &self.model_app,
            ),
            (
                "json_extract(e.context, '$.model.model_name') = ?",
                &self.model_name,
            ),
            // Users' pks are numbers, the others' uuids: compare as text.
            (
                "CAST(json_extract(e.context, '$.model.pk') AS TEXT) = ?",
                &self.model_pk,
            ),
        ] {
            if let Some(v) = value {
                w.add(cond, Sql::Text(v.clone()));
            }
        }
        if let Some(term) = &self.search {
            let p = w.bind(Sql::Text(super::paging::contains_pattern(term)));
            w.push(format!(
                "(e.action LIKE {p} ESCAPE '\\' OR e.username LIKE {p} ESCAPE '\\'
                  OR e.client_ip LIKE {p} ESCAPE '\\' OR e.context LIKE {p} ESCAPE '\\')"
            ));
        }
        if !self.actions.is_empty() {
            let list = serde_json::to_string(&self.actions).unwrap_or_default();
            w.add(
                "e.action IN (SELECT value FROM json_each(?))",
                Sql::Text(list),
            );
        }
        w
    }
}

/// How many events match `f`, and those on the page `offset..offset+limit`.
pub fn list(
    c: &Connection,
    f: &EventFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Event>), StoreError> {
    // Rows written in the same microsecond keep the order they were written in.
    let dir = if f.ordering.1 { "DESC" } else { "ASC" };
    let listing = Listing {
        with: "",
        select: COLUMNS,
        from: "events e",
        order_by: &format!("e.created {dir}, e.id {dir}"),
        total: None,
        revision: None,
    };
    page(c, &listing, f.conditions(), offset, limit, from_row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        c
    }

    #[test]
    fn retention_deletes_only_events_older_than_the_cutoff() {
        let c = db();
        record(
            &c,
            &Actor::anonymous(None),
            EventAction::LoginFailed,
            json!({}),
        )
        .unwrap();
        c.execute(
            "INSERT INTO events (uuid, action, created) VALUES ('old', 'login', '2001-01-01T00:00:00.000000Z')",
            [],
        )
        .unwrap();
        assert_eq!(
            delete_older_than(&c, "2020-01-01T00:00:00.000000Z").unwrap(),
            1
        );
        assert!(matches!(get(&c, "old"), Err(StoreError::NotFound("Event"))));
        let (count, left) = list(&c, &EventFilter::default(), 0, 10).unwrap();
        assert_eq!((count, left[0].action.as_str()), (1, "login_failed"));
    }

    #[test]
    fn the_actor_and_the_impersonated_user_are_both_kept() {
        let c = db();
        let who = |pk, name: &str| UserRef {
            pk,
            username: name.into(),
            email: format!("{name}@example.com"),
        };
        let actor = Actor {
            user: Some(who(1, "admin")),
            on_behalf_of: Some(who(2, "alice")),
            client_ip: Some("10.0.0.1".into()),
        };
        record(
            &c,
            &actor,
            EventAction::PasswordSet,
            model_context("user", 2, "alice"),
        )
        .unwrap();
        let f = EventFilter {
            username: Some("admin".into()),
            model_pk: Some("2".into()),
            ..EventFilter::default()
        };
        let (count, events) = list(&c, &f, 0, 10).unwrap();
        assert_eq!(count, 1);
        assert_eq!(
            events[0].user,
            json!({"pk": 1, "username": "admin", "email": "admin@example.com",
                   "on_behalf_of": {"pk": 2, "username": "alice", "email": "alice@example.com"}})
        );
        assert_eq!(events[0].client_ip.as_deref(), Some("10.0.0.1"));
    }
}
