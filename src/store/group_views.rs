//! Groups with their parents, children, members and roles, loaded for a whole page in
//! a fixed number of queries (not one per group).

use super::StoreError;
use super::user_views::{
    FIRST_PARENT, GroupRef, RoleRef, group_ref, id_list, parse_attributes, role_refs,
};
use super::users::{COLUMNS, User, from_row};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::HashMap;

/// A group with everything the `Group` object shows.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub id: i64,
    pub uuid: String,
    pub name: String,
    pub is_superuser: bool,
    pub attributes: Value,
    /// In the order they were given; the first is the single `parent` of old clients.
    pub parents: Vec<GroupRef>,
    /// By name.
    pub children: Vec<GroupRef>,
    /// Member pks, ascending.
    pub users: Vec<i64>,
    /// The members themselves, when asked for.
    pub members: Option<Vec<User>>,
    /// The group's own roles, by name.
    pub roles: Vec<RoleRef>,
    /// Roles of every ancestor that the group does not hold itself, by name.
    pub inherited_roles: Vec<RoleRef>,
}

/// `(owner id, GroupRef)` rows of `sql`, grouped by owner.
fn group_refs(
    c: &Connection,
    sql: &str,
    list: &str,
) -> Result<HashMap<i64, Vec<GroupRef>>, StoreError> {
    let mut out: HashMap<i64, Vec<GroupRef>> = HashMap::new();
    let mut stmt = c.prepare_cached(sql)?;
    for row in stmt.query_map([list], |r| Ok((r.get::<_, i64>(0)?, group_ref(r, 1)?)))? {
        let (owner, g) = row?;
        out.entry(owner).or_default().push(g);
    }
    Ok(out)
}

/// Loads the groups with `ids`, in that order (missing ids are skipped); the members'
/// rows only `with_members`.
pub fn load(c: &Connection, ids: &[i64], with_members: bool) -> Result<Vec<GroupView>, StoreError> {
    let list = id_list(ids);
    let mut rows: HashMap<i64, (String, String, bool, String)> = HashMap::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT id, uuid, name, is_superuser, attributes FROM groups
             WHERE id IN (SELECT value FROM json_each(?1))",
        )?;
        let found = stmt.query_map([&list], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
            ))
        })?;
        for row in found {
            let (id, g) = row?;
            rows.insert(id, g);
        }
    }

    let mut parents = group_refs(
        c,
        &format!(
            "SELECT link.group_id, g.id, g.uuid, g.name, g.is_superuser, g.attributes, {FIRST_PARENT}
             FROM group_parents link JOIN groups g ON g.id = link.parent_id
             WHERE link.group_id IN (SELECT value FROM json_each(?1))
             ORDER BY link.group_id, link.position, g.name"
        ),
        &list,
    )?;
    let mut children = group_refs(
        c,
        &format!(
            "SELECT link.parent_id, g.id, g.uuid, g.name, g.is_superuser, g.attributes, {FIRST_PARENT}
             FROM group_parents link JOIN groups g ON g.id = link.group_id
             WHERE link.parent_id IN (SELECT value FROM json_each(?1))
             ORDER BY link.parent_id, g.name"
        ),
        &list,
    )?;

    let mut users: HashMap<i64, Vec<i64>> = HashMap::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT group_id, user_id FROM user_groups
             WHERE group_id IN (SELECT value FROM json_each(?1)) ORDER BY group_id, user_id",
        )?;
        for row in stmt.query_map([&list], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
            let (group, user) = row?;
            users.entry(group).or_default().push(user);
        }
    }
    let members: HashMap<i64, User> = if with_members {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM users WHERE id IN (
                 SELECT user_id FROM user_groups WHERE group_id IN (SELECT value FROM json_each(?1)))"
        ))?;
        let found = stmt.query_map([&list], from_row)?;
        found
            .map(|u| u.map(|u| (u.id, u)))
            .collect::<Result<_, _>>()?
    } else {
        HashMap::new()
    };

    let mut role_ids = Vec::new();
    let mut roles = role_refs(
        c,
        "SELECT gr.group_id, r.id, r.uuid, r.name FROM group_roles gr JOIN roles r ON r.id = gr.role_id
         WHERE gr.group_id IN (SELECT value FROM json_each(?1)) ORDER BY gr.group_id, r.name",
        &list,
        &mut role_ids,
    )?;
    // Ancestors are all parents, transitively.
    let mut inherited = role_refs(
        c,
        "WITH RECURSIVE anc(group_id, ancestor_id) AS (
             SELECT group_id, parent_id FROM group_parents
             WHERE group_id IN (SELECT value FROM json_each(?1))
             UNION
             SELECT anc.group_id, gp.parent_id FROM group_parents gp JOIN anc ON gp.group_id = anc.ancestor_id
         )
         SELECT DISTINCT anc.group_id, r.id, r.uuid, r.name
         FROM anc JOIN group_roles gr ON gr.group_id = anc.ancestor_id JOIN roles r ON r.id = gr.role_id
         WHERE r.id NOT IN (SELECT role_id FROM group_roles WHERE group_id = anc.group_id)
         ORDER BY anc.group_id, r.name",
        &list,
        &mut role_ids,
    )?;
    if !role_ids.is_empty() {
        let perms = super::user_views::role_permissions(c, &role_ids)?;
        for role in roles.values_mut().chain(inherited.values_mut()).flatten() {
            role.permissions = perms.get(&role.id).cloned().unwrap_or_default();
        }
    }

    Ok(ids
        .iter()
        .filter_map(|id| {
            let (uuid, name, is_superuser, attributes) = rows.remove(id)?;
            let user_ids = users.remove(id).unwrap_or_default();
            Some(GroupView {
                id: *id,
                uuid,
                name,
                is_superuser,
                attributes: parse_attributes(&attributes),
                parents: parents.remove(id).unwrap_or_default(),
                children: children.remove(id).unwrap_or_default(),
                members: with_members.then(|| {
                    user_ids
                        .iter()
                        .filter_map(|u| members.get(u).cloned())
                        .collect()
                }),
                users: user_ids,
                roles: roles.remove(id).unwrap_or_default(),
                inherited_roles: inherited.remove(id).unwrap_or_default(),
            })
        })
        .collect())
}

/// One group's view, or `NotFound("Group")`.
pub fn load_one(c: &Connection, id: i64, with_members: bool) -> Result<GroupView, StoreError> {
    load(c, &[id], with_members)?
        .pop()
        .ok_or(StoreError::NotFound("Group"))
}
