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

/// `ids` once each, as the JSON array [`WANTED`] reads.
pub(crate) fn distinct_id_list(ids: &[i64]) -> String {
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    id_list(&distinct)
}

/// The ids of `?1` (a [`distinct_id_list`]) as a table of one column, `wanted`, to
/// join the rows they name to: `FROM {WANTED} CROSS JOIN t ON t.id = wanted`. Unlike
/// `id IN (SELECT value FROM json_each(?1))`, which builds a temporary index of the
/// list on every run, the join walks the list and looks each id up, about half the
/// cost when the list is short (one user read back after a write, a page of 20).
pub(crate) const WANTED: &str = "(SELECT value AS wanted FROM json_each(?1))";

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

/// `(user_id, column)` rows of link table `table` for the users of [`WANTED`].
pub(crate) fn links_of_wanted(table: &str, column: &str) -> String {
    format!("SELECT user_id, {column} FROM {WANTED} CROSS JOIN {table} ON user_id = wanted")
}

/// The `column` ids of user `id`'s rows in link table `table`.
pub(crate) fn links_of(
    c: &Connection,
    table: &str,
    column: &str,
    id: i64,
) -> Result<Vec<i64>, StoreError> {
    let sql = format!("SELECT {column} FROM {table} WHERE user_id = ?1");
    let mut stmt = c.prepare_cached(&sql)?;
    let ids = stmt.query_map([id], |r| r.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
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
    let list = distinct_id_list(ids);
    let mut users: HashMap<i64, User> = HashMap::new();
    {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {WANTED} CROSS JOIN users ON id = wanted"
        ))?;
        for u in stmt.query_map([&list], from_row)? {
            let u = u?;
            users.insert(u.id, u);
        }
    }
    let mut groups = grouped_pairs(c, &links_of_wanted("user_groups", "group_id"), [&list])?;
    let mut roles = grouped_pairs(c, &links_of_wanted("user_roles", "role_id"), [&list])?;
    let catalog = catalog::current(c)?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let user = users.remove(id)?;
            let group_ids = groups.remove(id).unwrap_or_default();
            let role_ids = roles.remove(id).unwrap_or_default();
            Some(assemble(user, &group_ids, &role_ids, &catalog))
        })
        .collect())
}

/// `user` (a row already in hand, as a write leaves it) with the groups and roles
/// of `groups` and `roles`; where one is `None`, the user's links as stored.
pub fn with_links(
    c: &Connection,
    user: User,
    groups: Option<&[i64]>,
    roles: Option<&[i64]>,
) -> Result<UserView, StoreError> {
    let group_ids = match groups {
        Some(ids) => ids.to_vec(),
        None => links_of(c, "user_groups", "group_id", user.id)?,
    };
    let role_ids = match roles {
        Some(ids) => ids.to_vec(),
        None => links_of(c, "user_roles", "role_id", user.id)?,
    };
    let catalog = catalog::current(c)?;
    Ok(assemble(user, &group_ids, &role_ids, &catalog))
}

/// `user` with the groups and roles of these ids as `catalog` knows them, by name.
fn assemble(
    user: User,
    group_ids: &[i64],
    role_ids: &[i64],
    catalog: &catalog::Catalog,
) -> UserView {
    let mut groups: Vec<GroupRef> = (group_ids.iter())
        .filter_map(|g| catalog.groups.get(g).cloned())
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let mut roles: Vec<RoleRef> = (role_ids.iter())
        .filter_map(|r| catalog.roles.get(r).cloned())
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    UserView {
        is_superuser: group_ids.iter().any(|g| catalog.makes_superuser(*g)),
        groups,
        roles,
        user,
    }
}

/// One user's view, or `NotFound("User")`.
pub fn load_one(c: &Connection, id: i64) -> Result<UserView, StoreError> {
    load(c, &[id])?.pop().ok_or(StoreError::NotFound("User"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Username;
    use crate::store::users;

    fn user(c: &Connection, name: &str) -> i64 {
        users::insert(c, &users::NewUser::named(Username::parse(name).unwrap())).unwrap()
    }

    #[test]
    fn users_load_in_the_order_asked_once_each_with_each_group_once() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        let (alice, bob) = (user(&c, "alice"), user(&c, "bob"));
        c.execute_batch(&format!(
            "INSERT INTO groups (id, uuid, name) VALUES (1, 'g-1', 'staff'), (2, 'g-2', 'ops');
             INSERT INTO user_groups (user_id, group_id) VALUES ({bob}, 1), ({bob}, 2), ({alice}, 1);"
        ))
        .unwrap();
        let views = load(&c, &[bob, alice, bob, 999]).unwrap();
        let shown: Vec<(&str, Vec<&str>)> = (views.iter())
            .map(|v| {
                let groups = v.groups.iter().map(|g| g.name.as_str()).collect();
                (v.user.username.as_str(), groups)
            })
            .collect();
        assert_eq!(
            shown,
            [("bob", vec!["ops", "staff"]), ("alice", vec!["staff"])]
        );
        assert!(matches!(
            load_one(&c, 999),
            Err(StoreError::NotFound("User"))
        ));
    }
}
