//! Roles and the permissions they grant: the roles list, loading, and changes.

use super::StoreError;
use super::paging::{Conditions, Listing, contains_pattern, page};
use super::user_views::{RoleRef, id_list, role_permissions};
use crate::domain::{FieldErrors, Permission, PermissionSet};
use crate::policy::{self, Caller, Grants};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// Columns the roles list can be ordered by.
pub const ORDERINGS: &[&str] = &["name"];

/// The filters of one roles list request.
#[derive(Debug, Clone)]
pub struct RoleFilter {
    pub name: Option<String>,
    /// Case-insensitive substring of the name.
    pub search: Option<String>,
    /// One of [`ORDERINGS`], and whether descending.
    pub ordering: (&'static str, bool),
}

/// How many roles match `f`, and the ids of those on the page `offset..offset+limit`.
pub fn search(
    c: &Connection,
    f: &RoleFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<i64>), StoreError> {
    let mut w = Conditions::default();
    if let Some(name) = &f.name {
        w.add("name = ?", Sql::Text(name.clone()));
    }
    if let Some(term) = &f.search {
        w.add("name LIKE ? ESCAPE '\\'", Sql::Text(contains_pattern(term)));
    }
    let dir = if f.ordering.1 { "DESC" } else { "ASC" };
    let listing = Listing {
        with: "",
        select: "id",
        from: "roles",
        order_by: &format!("name {dir}, id {dir}"),
        total: None,
        revision: None,
    };
    page(c, &listing, w, offset, limit, |r| r.get(0))
}

/// Loads the roles with `ids` and their permissions, in that order (missing ids are skipped).
pub fn load(c: &Connection, ids: &[i64]) -> Result<Vec<RoleRef>, StoreError> {
    let mut found: HashMap<i64, RoleRef> = HashMap::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT id, uuid, name FROM roles WHERE id IN (SELECT value FROM json_each(?1))",
        )?;
        let rows = stmt.query_map([id_list(ids)], |r| {
            Ok(RoleRef {
                id: r.get(0)?,
                uuid: r.get(1)?,
                name: r.get(2)?,
                permissions: Vec::new(),
            })
        })?;
        for role in rows {
            let role = role?;
            found.insert(role.id, role);
        }
    }
    let mut perms = role_permissions(c, ids)?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let mut role = found.remove(id)?;
            role.permissions = perms.remove(id).unwrap_or_default();
            Some(role)
        })
        .collect())
}

/// One role, or `NotFound("Role")`.
pub fn load_one(c: &Connection, id: i64) -> Result<RoleRef, StoreError> {
    load(c, &[id])?.pop().ok_or(StoreError::NotFound("Role"))
}

/// The id of the role with `uuid`, or `NotFound("Role")`. A string that is not a
/// UUID names no role.
pub fn id_by_uuid(c: &Connection, uuid: &str) -> Result<i64, StoreError> {
    let Ok(uuid) = uuid::Uuid::parse_str(uuid) else {
        return Err(StoreError::NotFound("Role"));
    };
    c.prepare_cached("SELECT id FROM roles WHERE uuid = ?1")?
        .query_row([uuid.to_string()], |r| r.get(0))
        .map_err(super::not_found_as("Role"))
}

/// The fields a request sets; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RoleChange {
    pub name: Option<String>,
    /// The whole new set of permissions.
    pub permissions: Option<PermissionSet>,
}

/// Adds to `errors` what only the database can tell about `change` to role `id`
/// (`None` when creating).
pub fn check(
    c: &Connection,
    id: Option<i64>,
    change: &RoleChange,
    errors: &mut FieldErrors,
) -> Result<(), StoreError> {
    if let Some(name) = &change.name {
        let taken: Option<i64> = c
            .prepare_cached("SELECT id FROM roles WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        if taken.is_some() && taken != id {
            errors.add("name", "This field must be unique.");
        }
    }
    Ok(())
}

/// Refuses giving role `id` (`None` when creating) permissions the caller does not
/// hold: whoever holds the role would get them. (What its holders lose when
/// permissions are taken away is weighed after the write.)
pub fn authorize(
    c: &Connection,
    caller: &Caller,
    id: Option<i64>,
    change: &RoleChange,
) -> Result<(), StoreError> {
    let Some(wanted) = change.permissions else {
        return Ok(());
    };
    let now: PermissionSet = match id {
        Some(id) => (load_one(c, id)?.permissions.iter())
            .filter_map(|p| Permission::parse(p))
            .collect(),
        None => PermissionSet::EMPTY,
    };
    Ok(policy::may_grant(caller, &Grants::of(wanted.minus(now)))?)
}

fn replace_permissions(c: &Connection, id: i64, change: &RoleChange) -> Result<(), StoreError> {
    if let Some(perms) = &change.permissions {
        c.prepare_cached("DELETE FROM role_permissions WHERE role_id = ?1")?
            .execute([id])?;
        let mut add =
            c.prepare_cached("INSERT INTO role_permissions (role_id, codename) VALUES (?1, ?2)")?;
        for p in perms.iter() {
            add.execute(params![id, p.codename()])?;
        }
    }
    Ok(())
}

/// Creates a role from a checked `change` (name required); returns its id.
pub fn create(c: &Connection, change: &RoleChange) -> Result<i64, StoreError> {
    let name = change.name.clone().ok_or_else(|| {
        StoreError::Invalid(FieldErrors::single("name", "This field is required."))
    })?;
    c.prepare_cached("INSERT INTO roles (uuid, name) VALUES (?1, ?2)")?
        .execute(params![uuid::Uuid::new_v4().to_string(), name])?;
    let id = c.last_insert_rowid();
    replace_permissions(c, id, change)?;
    Ok(id)
}

/// Applies a checked `change` to role `id`.
pub fn update(c: &Connection, id: i64, change: &RoleChange) -> Result<(), StoreError> {
    let n = c
        .prepare_cached("UPDATE roles SET name = COALESCE(?2, name) WHERE id = ?1")?
        .execute(params![id, change.name])?;
    if n == 0 {
        return Err(StoreError::NotFound("Role"));
    }
    replace_permissions(c, id, change)
}

/// Assigns role `role_id` to user `user_id` directly; `false` when it already was.
pub fn assign(c: &Connection, role_id: i64, user_id: i64) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached("INSERT OR IGNORE INTO user_roles (user_id, role_id) VALUES (?1, ?2)")?
        .execute(params![user_id, role_id])?;
    Ok(n > 0)
}

/// Takes role `role_id` from user `user_id`; `false` when it was not assigned.
pub fn unassign(c: &Connection, role_id: i64, user_id: i64) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached("DELETE FROM user_roles WHERE user_id = ?1 AND role_id = ?2")?
        .execute(params![user_id, role_id])?;
    Ok(n > 0)
}

/// Deletes role `id`; users and groups holding it lose it. Returns the deleted role.
pub fn delete(c: &Connection, id: i64) -> Result<RoleRef, StoreError> {
    let role = load_one(c, id)?;
    c.prepare_cached("DELETE FROM roles WHERE id = ?1")?
        .execute([id])?;
    Ok(role)
}
