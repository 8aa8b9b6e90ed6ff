//! Creating, changing and deleting groups, with the rules that need the database:
//! unique names, existing parents, members and roles, and no cycles of parents.

use super::StoreError;
use super::user_changes::resolve;
use crate::domain::FieldErrors;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::collections::HashMap;

/// The fields a request sets; `None` leaves a field as it is (or at its default).
#[derive(Debug, Clone, Default)]
pub struct GroupChange {
    pub name: Option<String>,
    pub is_superuser: Option<bool>,
    pub attributes: Option<Value>,
    /// Parent uuids in order: the whole new list of parents.
    pub parents: Option<Vec<String>>,
    /// The body field `parents` came from: `"parents"`, or `"parent"` when a 2024
    /// client wrote the single parent; errors about them are reported there.
    pub parents_field: &'static str,
    /// User pks: the whole new set of members.
    pub users: Option<Vec<i64>>,
    /// Role uuids: the whole new set of the group's own roles.
    pub roles: Option<Vec<String>>,
}

/// Parent, member and role ids of a change, once checked.
pub struct Resolved {
    parents: Option<Vec<i64>>,
    users: Option<Vec<i64>>,
    roles: Option<Vec<i64>>,
}

/// Records each user pk in `pks` that does not exist under `field`; returns the
/// existing ones without duplicates.
fn resolve_users(
    c: &Connection,
    pks: &[i64],
    errors: &mut FieldErrors,
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = c.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?;
    let mut ids = Vec::with_capacity(pks.len());
    for pk in pks {
        if !stmt.exists([pk])? {
            errors.add(
                "users",
                format!("Invalid pk \"{pk}\" - object does not exist."),
            );
        } else if !ids.contains(pk) {
            ids.push(*pk);
        }
    }
    Ok(ids)
}

/// Group `id` and every group below it, by id, with their names.
fn self_and_descendants(c: &Connection, id: i64) -> Result<HashMap<i64, String>, StoreError> {
    let mut stmt = c.prepare_cached(
        "WITH RECURSIVE d(id) AS (
             SELECT ?1
             UNION
             SELECT gp.group_id FROM group_parents gp JOIN d ON gp.parent_id = d.id
         )
         SELECT g.id, g.name FROM d JOIN groups g ON g.id = d.id",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Most levels from a group up to its farthest ancestor, the group itself counted.
pub const MAX_LEVELS: usize = 32;
/// Most parents of one group.
pub const MAX_PARENTS: usize = 20;

/// Keeps the hierarchy within [`MAX_PARENTS`] parents per group and [`MAX_LEVELS`]
/// levels, counting the groups already below group `id` (`None` when creating), so
/// that neither a wide nor a deep hierarchy makes resolving grants expensive.
fn check_limits(
    c: &Connection,
    id: Option<i64>,
    parents: &[i64],
    field: &str,
    errors: &mut FieldErrors,
) -> Result<(), StoreError> {
    if parents.len() > MAX_PARENTS {
        errors.add(
            field,
            format!("Ensure this field has no more than {MAX_PARENTS} elements."),
        );
    }
    let catalog = super::catalog::current(c)?;
    let above = parents.iter().map(|p| catalog.level(*p)).max().unwrap_or(0);
    let below = id.map_or(0, |id| catalog.height(id));
    if above + 1 + below > MAX_LEVELS {
        errors.add(
            field,
            format!("Groups can be nested at most {MAX_LEVELS} levels deep."),
        );
    }
    Ok(())
}

/// Adds to `errors` what only the database can tell about `change` to group `id`
/// (`None` when creating); returns the resolved parent, member and role ids.
pub fn check(
    c: &Connection,
    id: Option<i64>,
    change: &GroupChange,
    errors: &mut FieldErrors,
) -> Result<Resolved, StoreError> {
    if let Some(name) = &change.name {
        let taken: Option<i64> = c
            .prepare_cached("SELECT id FROM groups WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        if taken.is_some() && taken != id {
            errors.add("name", "This field must be unique.");
        }
    }
    let parents = match &change.parents {
        Some(u) => {
            let field = change.parents_field;
            let ids = resolve(c, "groups", field, u, errors)?;
            // A new group has no descendants, so only an existing one can close a cycle.
            if let Some(id) = id {
                let below = self_and_descendants(c, id)?;
                for p in &ids {
                    match below.get(p) {
                        Some(_) if *p == id => {
                            errors.add(field, "A group cannot be its own parent.")
                        }
                        Some(name) => errors.add(
                            field,
                            format!(
                                "\"{name}\" is a descendant of this group; making it a parent would create a cycle."
                            ),
                        ),
                        None => {}
                    }
                }
            }
            check_limits(c, id, &ids, field, errors)?;
            Some(ids)
        }
        None => None,
    };
    let users = match &change.users {
        Some(pks) => Some(resolve_users(c, pks, errors)?),
        None => None,
    };
    let roles = match &change.roles {
        Some(u) => Some(resolve(c, "roles", "roles", u, errors)?),
        None => None,
    };
    Ok(Resolved {
        parents,
        users,
        roles,
    })
}

fn replace_links(c: &Connection, id: i64, r: &Resolved) -> Result<(), StoreError> {
    if let Some(parents) = &r.parents {
        c.prepare_cached("DELETE FROM group_parents WHERE group_id = ?1")?
            .execute([id])?;
        let mut add = c.prepare_cached(
            "INSERT INTO group_parents (group_id, parent_id, position) VALUES (?1, ?2, ?3)",
        )?;
        for (position, p) in parents.iter().enumerate() {
            add.execute(params![id, p, position as i64])?;
        }
    }
    if let Some(users) = &r.users {
        c.prepare_cached("DELETE FROM user_groups WHERE group_id = ?1")?
            .execute([id])?;
        let mut add =
            c.prepare_cached("INSERT INTO user_groups (user_id, group_id) VALUES (?1, ?2)")?;
        for u in users {
            add.execute([*u, id])?;
        }
    }
    if let Some(roles) = &r.roles {
        c.prepare_cached("DELETE FROM group_roles WHERE group_id = ?1")?
            .execute([id])?;
        let mut add =
            c.prepare_cached("INSERT INTO group_roles (group_id, role_id) VALUES (?1, ?2)")?;
        for role in roles {
            add.execute([id, *role])?;
        }
    }
    Ok(())
}

/// Creates a group from a checked `change` (name required); returns its id.
pub fn create(
    c: &Connection,
    change: &GroupChange,
    resolved: &Resolved,
) -> Result<i64, StoreError> {
    let name = change.name.clone().ok_or_else(|| {
        StoreError::Invalid(FieldErrors::single("name", "This field is required."))
    })?;
    c.prepare_cached(
        "INSERT INTO groups (uuid, name, is_superuser, attributes) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        uuid::Uuid::new_v4().to_string(),
        name,
        change.is_superuser.unwrap_or(false),
        change
            .attributes
            .as_ref()
            .map_or_else(|| "{}".to_owned(), Value::to_string),
    ])?;
    let id = c.last_insert_rowid();
    replace_links(c, id, resolved)?;
    Ok(id)
}

/// Applies a checked `change` to group `id`.
pub fn update(
    c: &Connection,
    id: i64,
    change: &GroupChange,
    resolved: &Resolved,
) -> Result<(), StoreError> {
    let n = c
        .prepare_cached(
            "UPDATE groups SET
                 name = COALESCE(?2, name),
                 is_superuser = COALESCE(?3, is_superuser),
                 attributes = COALESCE(?4, attributes)
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            change.name,
            change.is_superuser,
            change.attributes.as_ref().map(Value::to_string),
        ])?;
    if n == 0 {
        return Err(StoreError::NotFound("Group"));
    }
    replace_links(c, id, resolved)
}

/// Deletes group `id`; its children lose it as a parent, its members their membership.
pub fn delete(c: &Connection, id: i64) -> Result<(), StoreError> {
    let n = c
        .prepare_cached("DELETE FROM groups WHERE id = ?1")?
        .execute([id])?;
    if n == 0 {
        return Err(StoreError::NotFound("Group"));
    }
    Ok(())
}

mod authorize;
pub use authorize::{authorize, authorize_delete};
