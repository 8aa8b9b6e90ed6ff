//! Users with their groups, roles and superuser status, loaded for a whole page in a
//! fixed number of queries (not one per user).

use super::users::{COLUMNS, User, from_row};
use super::{StoreError, catalog};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::HashMap;

/// A group as a user's `groups_obj` shows it.
#[derive(Debug, Clone)]
pub struct GroupRef {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub is_superuser: bool,
    pub attributes: Value,
    /// `(uuid, name)` of the first parent, for clients that know only one.
    pub parent: Option<(String, String)>,
}

/// A role with its permissions.
#[derive(Debug, Clone)]
pub struct RoleRef {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub permissions: Vec<String>,
}

/// A user with everything the `User` object shows.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: User,
    pub is_superuser: bool,
    pub groups: Vec<GroupRef>,
    pub roles: Vec<RoleRef>,
}

pub(crate) fn parse_attributes(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::Object(Default::default()))
}

/// `ids` as the JSON array `json_each(?)` reads.
pub(crate) fn id_list(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// The first parent of a group, as `(uuid, name)` columns; `g` is the group's alias.
pub(crate) const FIRST_PARENT: &str =
    "(SELECT p.uuid FROM group_parents gp JOIN groups p ON p.id = gp.parent_id
          WHERE gp.group_id = g.id ORDER BY gp.position, p.name LIMIT 1),
     (SELECT p.name FROM group_parents gp JOIN groups p ON p.id = gp.parent_id
          WHERE gp.group_id = g.id ORDER BY gp.position, p.name LIMIT 1)";

pub(crate) fn group_ref(r: &rusqlite::Row, at: usize) -> rusqlite::Result<GroupRef> {
    let attributes: String = r.get(at + 4)?;
    let parent_uuid: Option<String> = r.get(at + 5)?;
    let parent_name: Option<String> = r.get(at + 6)?;
    Ok(GroupRef {
        id: r.get(at)?,
        uuid: r.get(at + 1)?,
        name: r.get(at + 2)?,
        is_superuser: r.get(at + 3)?,
        attributes: parse_attributes(&attributes),
        parent: parent_uuid.zip(parent_name),
    })
}

/// The permissions of each role in `role_ids`, sorted.
pub fn role_permissions(
    c: &Connection,
    role_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, StoreError> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    let mut stmt = c.prepare_cached(
        "SELECT role_id, codename FROM role_permissions
         WHERE role_id IN (SELECT value FROM json_each(?1)) ORDER BY codename",
    )?;
    let rows = stmt.query_map([id_list(role_ids)], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (id, codename) = row?;
        out.entry(id).or_default().push(codename);
    }
    Ok(out)
}

/// `(owner id, role id, uuid, name)` rows of `sql`, grouped by owner; role ids are
/// added to `all`.
pub(crate) fn role_refs(
    c: &Connection,
    sql: &str,
    list: &str,
    all: &mut Vec<i64>,
) -> Result<HashMap<i64, Vec<RoleRef>>, StoreError> {
    let mut out: HashMap<i64, Vec<RoleRef>> = HashMap::new();
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map([list], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            RoleRef {
                id: r.get(1)?,
                uuid: r.get(2)?,
                name: r.get(3)?,
                permissions: Vec::new(),
            },
        ))
    })?;
    for row in rows {
        let (owner, role) = row?;
        all.push(role.id);
        out.entry(owner).or_default().push(role);
    }
    Ok(out)
}

/// `(key, value)` id rows of `sql`, grouped by key.
pub(crate) fn grouped_pairs(
    c: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut stmt = c.prepare_cached(sql)?;
    for row in stmt.query_map(params, |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (key, value) = row?;
        out.entry(key).or_default().push(value);
    }
    Ok(out)
}

/// Loads the users with `ids`, in that order (missing ids are skipped): their rows
/// and links in three queries, groups and roles from the [`catalog`].
pub fn load(c: &Connection, ids: &[i64]) -> Result<Vec<UserView>, StoreError> {
    let list = id_list(ids);
    let mut users: HashMap<i64, User> = HashMap::new();
    {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM users WHERE id IN (SELECT value FROM json_each(?1))"
        ))?;
        for u in stmt.query_map([&list], from_row)? {
            let u = u?;
            users.insert(u.id, u);
        }
    }
    let mut groups = grouped_pairs(
        c,
        "SELECT user_id, group_id FROM user_groups WHERE user_id IN (SELECT value FROM json_each(?1))",
        [&list],
    )?;
    let mut roles = grouped_pairs(
        c,
        "SELECT user_id, role_id FROM user_roles WHERE user_id IN (SELECT value FROM json_each(?1))",
        [&list],
    )?;
    let catalog = catalog::current(c)?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let user = users.remove(id)?;
            let group_ids = groups.remove(id).unwrap_or_default();
            let mut groups: Vec<GroupRef> = (group_ids.iter())
                .filter_map(|g| catalog.groups.get(g).cloned())
                .collect();
            groups.sort_by(|a, b| a.name.cmp(&b.name));
            let mut roles: Vec<RoleRef> = (roles.remove(id).unwrap_or_default().iter())
                .filter_map(|r| catalog.roles.get(r).cloned())
                .collect();
            roles.sort_by(|a, b| a.name.cmp(&b.name));
            Some(UserView {
                is_superuser: group_ids.iter().any(|g| catalog.makes_superuser(*g)),
                groups,
                roles,
                user,
            })
        })
        .collect())
}

/// One user's view, or `NotFound("User")`.
pub fn load_one(c: &Connection, id: i64) -> Result<UserView, StoreError> {
    load(c, &[id])?.pop().ok_or(StoreError::NotFound("User"))
}
