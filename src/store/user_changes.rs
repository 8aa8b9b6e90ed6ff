//! Creating, changing and deleting users, with the rules that need the database:
//! unique usernames, existing groups and roles, and the service-account type rules.

use super::user_views::{self, UserView};
use super::{StoreError, users};
use crate::domain::{Email, FieldErrors, Timestamp, UserPath, UserType, Username, now};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

/// The fields a request sets; `None` leaves a field as it is (or at its default).
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub username: Option<Username>,
    pub name: Option<String>,
    pub is_active: Option<bool>,
    pub last_login: Option<Option<Timestamp>>,
    pub email: Option<Email>,
    pub attributes: Option<Value>,
    pub path: Option<UserPath>,
    pub user_type: Option<UserType>,
    /// Group uuids: the whole new set of memberships.
    pub groups: Option<Vec<String>>,
    /// Role uuids: the whole new set of directly assigned roles.
    pub roles: Option<Vec<String>>,
}

const ISA_REFUSED: &str = "Setting a user to internal service account is not allowed.";
const ISA_LOCKED: &str = "Can't change internal service account to other user type.";

/// Resolves `uuids` of `table` (`groups` or `roles`) to ids, recording each one that
/// does not exist under `field`.
pub(crate) fn resolve(
    c: &Connection,
    table: &str,
    field: &str,
    uuids: &[String],
    errors: &mut FieldErrors,
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = c.prepare_cached(&format!("SELECT id FROM {table} WHERE uuid = ?1"))?;
    let mut ids = Vec::with_capacity(uuids.len());
    for u in uuids {
        match stmt.query_row([u], |r| r.get::<_, i64>(0)).optional()? {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => errors.add(
                field,
                format!("Invalid pk \"{u}\" - object does not exist."),
            ),
        }
    }
    Ok(ids)
}

/// What checking a change found out: the user as they are now (when changing one)
/// and the change's group and role ids.
pub struct Resolved {
    current: Option<users::User>,
    groups: Option<Vec<i64>>,
    roles: Option<Vec<i64>>,
}

/// Adds to `errors` what only the database can tell about `change` to user `id`
/// (`None` when creating); returns the resolved group and role ids.
pub fn check(
    c: &Connection,
    id: Option<i64>,
    change: &UserChange,
    errors: &mut FieldErrors,
) -> Result<Resolved, StoreError> {
    // Also answers `NotFound` for a missing user before anything else is looked at.
    let current = id.map(|id| users::get(c, id)).transpose()?;
    let current_type = current.as_ref().map(|u| u.user_type.as_str());
    // A user keeping their own username need not look for others holding it.
    let unchanged = |u: &Username| {
        current
            .as_ref()
            .is_some_and(|cur| cur.username == u.as_str())
    };
    if let Some(username) = change.username.as_ref().filter(|u| !unchanged(u)) {
        let taken: Option<i64> = c
            .prepare_cached("SELECT id FROM users WHERE username = ?1")?
            .query_row([username.as_str()], |r| r.get(0))
            .optional()?;
        if taken.is_some() && taken != id {
            errors.add("username", "This field must be unique.");
        }
    }
    if let Some(t) = change.user_type {
        let was_isa = current_type == Some(UserType::InternalServiceAccount.as_str());
        let to_isa = t == UserType::InternalServiceAccount;
        if was_isa && !to_isa {
            errors.add("type", ISA_LOCKED);
        } else if to_isa && !was_isa {
            errors.add("type", ISA_REFUSED);
        }
    }
    let groups = match &change.groups {
        Some(u) => Some(resolve(c, "groups", "groups", u, errors)?),
        None => None,
    };
    let roles = match &change.roles {
        Some(u) => Some(resolve(c, "roles", "roles", u, errors)?),
        None => None,
    };
    Ok(Resolved {
        current,
        groups,
        roles,
    })
}

/// Makes the links of user `id` in `table` (`user_groups`/`user_roles`, column `col`)
/// exactly `wanted`, touching only the rows that differ: most edits keep them.
fn sync_links(
    c: &Connection,
    table: &str,
    col: &str,
    id: i64,
    wanted: &[i64],
) -> Result<(), StoreError> {
    let current = user_views::links_of(c, table, col, id)?;
    let mut remove = c.prepare_cached(&format!(
        "DELETE FROM {table} WHERE user_id = ?1 AND {col} = ?2"
    ))?;
    for old in current.iter().filter(|old| !wanted.contains(old)) {
        remove.execute([id, *old])?;
    }
    let mut add = c.prepare_cached(&format!(
        "INSERT INTO {table} (user_id, {col}) VALUES (?1, ?2)"
    ))?;
    for new in wanted.iter().filter(|new| !current.contains(new)) {
        add.execute([id, *new])?;
    }
    Ok(())
}

fn replace_links(c: &Connection, id: i64, r: &Resolved) -> Result<(), StoreError> {
    if let Some(groups) = &r.groups {
        sync_links(c, "user_groups", "group_id", id, groups)?;
    }
    if let Some(roles) = &r.roles {
        sync_links(c, "user_roles", "role_id", id, roles)?;
    }
    Ok(())
}

/// Creates a user from a checked `change` (username required); returns its id.
pub fn create(c: &Connection, change: &UserChange, resolved: &Resolved) -> Result<i64, StoreError> {
    let username = change.username.clone().ok_or_else(|| {
        StoreError::Invalid(FieldErrors::single("username", "This field is required."))
    })?;
    let mut new = users::NewUser::named(username);
    new.name = change.name.clone().unwrap_or_default();
    new.is_active = change.is_active.unwrap_or(true);
    new.last_login = change.last_login.clone().flatten();
    new.email = change.email.clone().unwrap_or_default();
    new.attributes = change
        .attributes
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    new.path = change.path.clone().unwrap_or_default();
    new.user_type = change.user_type.unwrap_or_default();
    let id = users::insert(c, &new)?;
    replace_links(c, id, resolved)?;
    Ok(id)
}

/// Applies a checked `change` to user `id` and returns the user as they now are,
/// with their groups and roles. Only columns whose value changes are written, so an
/// edit touches only the indexes it must (each indexed column written costs a random
/// index page). Deactivating bumps `auth_epoch`, so the user's sessions end at once.
pub fn update(
    c: &Connection,
    id: i64,
    change: &UserChange,
    resolved: &Resolved,
) -> Result<UserView, StoreError> {
    let current = match &resolved.current {
        Some(u) if u.id == id => u,
        _ => &users::get(c, id)?,
    };
    // What the row holds after the write: built beside the `SET` list, so the answer
    // needs no read back.
    let mut after = current.clone();
    let mut set = ColumnChanges::default();
    if let Some(v) = change.username.as_ref().map(Username::as_str) {
        set.text("username", v, &mut after.username);
    }
    if let Some(v) = &change.name {
        set.text("name", v, &mut after.name);
    }
    if let Some(v) = change.email.as_ref().map(Email::as_str) {
        set.text("email", v, &mut after.email);
    }
    if let Some(v) = change.path.as_ref().map(UserPath::as_str) {
        set.text("path", v, &mut after.path);
    }
    if let Some(v) = change.user_type.map(UserType::as_str) {
        set.text("type", v, &mut after.user_type);
    }
    if let Some(v) = &change.attributes
        && *v != current.attributes
    {
        set.push("attributes", v.to_string().into());
        after.attributes = v.clone();
    }
    if let Some(v) = &change.last_login
        && *v != current.last_login
    {
        set.push("last_login", v.clone().into());
        after.last_login = v.clone();
    }
    if let Some(active) = change.is_active
        && active != current.is_active
    {
        set.push("is_active", active.into());
        after.is_active = active;
        if !active {
            after.auth_epoch += 1;
            set.push("auth_epoch", after.auth_epoch.into());
        }
    }
    after.last_updated = now();
    set.push("last_updated", after.last_updated.clone().into());
    let sql = format!("UPDATE users SET {} WHERE id = ?1", set.assignments());
    let mut params = vec![SqlValue::Integer(id)];
    params.extend(set.values);
    c.prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(params))?;
    replace_links(c, id, resolved)?;
    user_views::with_links(
        c,
        after,
        resolved.groups.as_deref(),
        resolved.roles.as_deref(),
    )
}

/// The `SET` list of an `UPDATE`, bound from `?2` on.
#[derive(Default)]
struct ColumnChanges {
    columns: Vec<&'static str>,
    values: Vec<SqlValue>,
}

impl ColumnChanges {
    fn push(&mut self, column: &'static str, value: SqlValue) {
        self.columns.push(column);
        self.values.push(value);
    }

    /// Sets text `column` to `new` unless `value` (what the row holds) already is.
    fn text(&mut self, column: &'static str, new: &str, value: &mut String) {
        if new != value {
            new.clone_into(value);
            self.push(column, new.to_owned().into());
        }
    }

    fn assignments(&self) -> String {
        let parts: Vec<String> = (self.columns.iter().enumerate())
            .map(|(i, col)| format!("{col} = ?{}", i + 2))
            .collect();
        parts.join(", ")
    }
}

/// Deletes user `id`; their sessions end because the row is gone.
pub fn delete(c: &Connection, id: i64) -> Result<users::User, StoreError> {
    let user = users::get(c, id)?;
    c.prepare_cached("DELETE FROM users WHERE id = ?1")?
        .execute([id])?;
    Ok(user)
}

mod authorize;
pub use authorize::authorize;

#[cfg(test)]
mod tests;
