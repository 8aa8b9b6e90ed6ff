//! Creating, changing and deleting users, with the rules that need the database:
//! unique usernames, existing groups and roles, and the service-account type rules.

use super::{StoreError, users};
use crate::domain::{Email, FieldErrors, Timestamp, UserPath, UserType, Username, now};
use rusqlite::{Connection, OptionalExtension, params};
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

/// Group and role ids of a change, once checked.
pub struct Resolved {
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
    let current_type: Option<String> = match id {
        Some(id) => Some(
            c.prepare_cached("SELECT type FROM users WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .map_err(super::not_found_as("User"))?,
        ),
        None => None,
    };
    if let Some(username) = &change.username {
        let taken: Option<i64> = c
            .prepare_cached("SELECT id FROM users WHERE username = ?1")?
            .query_row([username.as_str()], |r| r.get(0))
            .optional()?;
        if taken.is_some() && taken != id {
            errors.add("username", "This field must be unique.");
        }
    }
    if let Some(t) = change.user_type {
        let was_isa = current_type.as_deref() == Some(UserType::InternalServiceAccount.as_str());
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
    Ok(Resolved { groups, roles })
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
    let current: Vec<i64> = c
        .prepare_cached(&format!("SELECT {col} FROM {table} WHERE user_id = ?1"))?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
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

/// Records an error when a caller who is not a superuser would put user `id`
/// (`None` when creating) into a group that makes superusers (CONTRACT §3): only a
/// superuser may hand out superuser status, as only one may impersonate one.
pub fn check_superuser_groups(
    c: &Connection,
    id: Option<i64>,
    resolved: &Resolved,
    caller_is_superuser: bool,
    errors: &mut FieldErrors,
) -> Result<(), StoreError> {
    let Some(wanted) = &resolved.groups else {
        return Ok(());
    };
    if caller_is_superuser {
        return Ok(());
    }
    let current: Vec<i64> = match id {
        Some(id) => c
            .prepare_cached("SELECT group_id FROM user_groups WHERE user_id = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    let added: Vec<i64> = wanted
        .iter()
        .copied()
        .filter(|g| !current.contains(g))
        .collect();
    if super::groups::grants_superuser(c, &added)? {
        errors.add("groups", super::groups::SUPERUSER_ONLY);
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

/// Applies a checked `change` to user `id` and returns its username. Deactivating
/// bumps `auth_epoch`, so the user's sessions end at once.
pub fn update(
    c: &Connection,
    id: i64,
    change: &UserChange,
    resolved: &Resolved,
) -> Result<String, StoreError> {
    let username: String = c
        .prepare_cached(
            "UPDATE users SET
                 username = COALESCE(?2, username),
                 name = COALESCE(?3, name),
                 auth_epoch = auth_epoch + (CASE WHEN ?4 = 0 AND is_active = 1 THEN 1 ELSE 0 END),
                 is_active = COALESCE(?4, is_active),
                 last_login = CASE WHEN ?5 THEN ?6 ELSE last_login END,
                 email = COALESCE(?7, email),
                 attributes = COALESCE(?8, attributes),
                 path = COALESCE(?9, path),
                 type = COALESCE(?10, type),
                 last_updated = ?11
             WHERE id = ?1
             RETURNING username",
        )?
        .query_row(
            params![
                id,
                change.username.as_ref().map(Username::as_str),
                change.name,
                change.is_active,
                change.last_login.is_some(),
                change.last_login.clone().flatten(),
                change.email.as_ref().map(Email::as_str),
                change.attributes.as_ref().map(Value::to_string),
                change.path.as_ref().map(UserPath::as_str),
                change.user_type.map(UserType::as_str),
                now(),
            ],
            |r| r.get(0),
        )
        .map_err(super::not_found_as("User"))?;
    replace_links(c, id, resolved)?;
    Ok(username)
}

/// Deletes user `id`; their sessions end because the row is gone.
pub fn delete(c: &Connection, id: i64) -> Result<users::User, StoreError> {
    let user = users::get(c, id)?;
    c.prepare_cached("DELETE FROM users WHERE id = ?1")?
        .execute([id])?;
    Ok(user)
}

/// Distinct user paths containing `search` (all when `None`), sorted.
pub fn paths(c: &Connection, search: Option<&str>) -> Result<Vec<String>, StoreError> {
    let pattern = format!(
        "%{}%",
        search
            .unwrap_or("")
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = c.prepare_cached(
        "SELECT DISTINCT path FROM users WHERE path LIKE ?1 ESCAPE '\\' ORDER BY path",
    )?;
    let rows = stmt.query_map([pattern], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
