//! Group rows: lookup by uuid, membership, and the groups list.

use super::StoreError;
use super::paging::{Conditions, Listing, contains_pattern, page};
use super::user_views::id_list;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, params};

/// The id of the group named `name`, if any.
pub fn id_by_name(c: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(c.prepare_cached("SELECT id FROM groups WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// How a group is named in a path and in events.
#[derive(Debug, Clone)]
pub struct GroupKey {
    pub id: i64,
    pub uuid: String,
    pub name: String,
}

/// The group with `uuid`, or `NotFound("Group")`. A string that is not a UUID names
/// no group.
pub fn by_uuid(c: &Connection, uuid: &str) -> Result<GroupKey, StoreError> {
    let Ok(uuid) = uuid::Uuid::parse_str(uuid) else {
        return Err(StoreError::NotFound("Group"));
    };
    c.prepare_cached("SELECT id, uuid, name FROM groups WHERE uuid = ?1")?
        .query_row([uuid.to_string()], |r| {
            Ok(GroupKey {
                id: r.get(0)?,
                uuid: r.get(1)?,
                name: r.get(2)?,
            })
        })
        .map_err(super::not_found_as("Group"))
}

/// Creates a group with no parents, members or roles; returns its id.
pub fn insert_plain(c: &Connection, name: &str, is_superuser: bool) -> Result<i64, StoreError> {
    c.prepare_cached(
        "INSERT INTO groups (uuid, name, is_superuser, attributes) VALUES (?1, ?2, ?3, '{}')",
    )?
    .execute(params![
        uuid::Uuid::new_v4().to_string(),
        name,
        is_superuser
    ])?;
    Ok(c.last_insert_rowid())
}

/// Puts user `user_id` in group `group_id`; `false` when already a member.
pub fn add_member(c: &Connection, group_id: i64, user_id: i64) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached("INSERT OR IGNORE INTO user_groups (user_id, group_id) VALUES (?1, ?2)")?
        .execute(params![user_id, group_id])?;
    Ok(n > 0)
}

/// Takes user `user_id` out of group `group_id`; `false` when not a member.
pub fn remove_member(c: &Connection, group_id: i64, user_id: i64) -> Result<bool, StoreError> {
    let n = c
        .prepare_cached("DELETE FROM user_groups WHERE user_id = ?1 AND group_id = ?2")?
        .execute(params![user_id, group_id])?;
    Ok(n > 0)
}

/// Columns the groups list can be ordered by.
pub const ORDERINGS: &[&str] = &["name"];

/// The filters of one groups list request; `None`/empty means "no condition".
#[derive(Debug, Clone)]
pub struct GroupFilter {
    pub name: Option<String>,
    pub is_superuser: Option<bool>,
    /// Case-insensitive substring of the name.
    pub search: Option<String>,
    /// Groups any of these users is directly a member of.
    pub members_by_pk: Vec<i64>,
    pub members_by_username: Vec<String>,
    /// One of [`ORDERINGS`], and whether descending.
    pub ordering: (&'static str, bool),
}

impl Default for GroupFilter {
    fn default() -> Self {
        GroupFilter {
            name: None,
            is_superuser: None,
            search: None,
            members_by_pk: Vec::new(),
            members_by_username: Vec::new(),
            ordering: ("name", false),
        }
    }
}

impl GroupFilter {
    fn conditions(&self) -> Conditions {
        let mut w = Conditions::default();
        if let Some(name) = &self.name {
            w.add("g.name = ?", Sql::Text(name.clone()));
        }
        if let Some(su) = self.is_superuser {
            w.add("g.is_superuser = ?", Sql::Integer(su.into()));
        }
        if let Some(term) = &self.search {
            w.add(
                "g.name LIKE ? ESCAPE '\\'",
                Sql::Text(contains_pattern(term)),
            );
        }
        if !self.members_by_pk.is_empty() {
            w.add(
                "g.id IN (SELECT group_id FROM user_groups
                          WHERE user_id IN (SELECT value FROM json_each(?)))",
                Sql::Text(id_list(&self.members_by_pk)),
            );
        }
        if !self.members_by_username.is_empty() {
            let names = serde_json::to_string(&self.members_by_username).unwrap_or_default();
            w.add(
                "g.id IN (SELECT ug.group_id FROM user_groups ug JOIN users u ON u.id = ug.user_id
                          WHERE u.username IN (SELECT value FROM json_each(?)))",
                Sql::Text(names),
            );
        }
        w
    }
}

/// How many groups match `f`, and the ids of those on the page `offset..offset+limit`.
pub fn search(
    c: &Connection,
    f: &GroupFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<i64>), StoreError> {
    let dir = if f.ordering.1 { "DESC" } else { "ASC" };
    let listing = Listing {
        with: "",
        select: "g.id",
        from: "groups g",
        order_by: &format!("g.name {dir}, g.id {dir}"),
        total: None,
        revision: None,
    };
    page(c, &listing, f.conditions(), offset, limit, |r| r.get(0))
}
