//! The users list: every filter composed into one indexed query.

use super::paging::{Conditions, Listing, contains_pattern, page};
use super::user_views::id_list;
use super::{StoreError, search_index};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;

/// Columns the list can be ordered by.
pub const ORDERINGS: &[&str] = &[
    "username",
    "name",
    "date_joined",
    "last_login",
    "last_updated",
    "pk",
];

/// The filters of one list request; `None`/empty means "no condition".
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub username: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub is_active: Option<bool>,
    pub is_superuser: Option<bool>,
    pub path: Option<String>,
    pub path_startswith: Option<String>,
    pub types: Vec<String>,
    pub uuid: Option<String>,
    pub groups_by_name: Vec<String>,
    pub groups_by_pk: Vec<String>,
    /// Roles assigned to the user directly, by name or uuid.
    pub roles_by_name: Vec<String>,
    pub roles_by_pk: Vec<String>,
    /// `(key, JSON value)` pairs matched by equality.
    pub attributes: Vec<(String, serde_json::Value)>,
    pub last_login_isnull: Option<bool>,
    pub date_joined: Option<String>,
    pub date_joined_gt: Option<String>,
    pub date_joined_lt: Option<String>,
    pub last_login: Option<String>,
    pub last_login_gt: Option<String>,
    pub last_login_lt: Option<String>,
    pub last_updated: Option<String>,
    pub last_updated_gt: Option<String>,
    pub last_updated_lt: Option<String>,
    pub search: Option<String>,
    /// One of [`ORDERINGS`], and whether descending.
    pub ordering: (&'static str, bool),
}

/// Groups that are superuser groups or descend from one, as a CTE named `su(id)`.
const SUPERUSER_GROUPS: &str = "su(id) AS (
        SELECT id FROM groups WHERE is_superuser = 1
        UNION
        SELECT gp.group_id FROM group_parents gp JOIN su ON gp.parent_id = su.id
    )";

impl UserFilter {
    /// The conditions of the filter; `matched` holds the ids the search indexes found
    /// for `search`, when it was long enough to use them.
    fn conditions(&self, matched: Option<&[i64]>) -> Conditions {
        let mut w = Conditions::default();
        let text = |s: &String| Sql::Text(s.clone());
        let list = |v: &Vec<String>| Sql::Text(serde_json::to_string(v).unwrap_or_default());

        for (cond, value) in [
            ("u.username = ?", &self.username),
            ("u.email = ?", &self.email),
            ("u.name = ?", &self.name),
            ("u.path = ?", &self.path),
            ("u.uuid = ?", &self.uuid),
        ] {
            if let Some(v) = value {
                w.add(cond, text(v));
            }
        }
        if let Some(active) = self.is_active {
            w.add_coarse("u.is_active = ?", Sql::Integer(active.into()));
        }
        if let Some(su) = self.is_superuser {
            let exists = "EXISTS (SELECT 1 FROM user_groups ug WHERE ug.user_id = u.id AND ug.group_id IN (SELECT id FROM su))";
            w.push(if su {
                exists.to_owned()
            } else {
                format!("NOT {exists}")
            });
        }
        if let Some(prefix) = &self.path_startswith {
            // A range keeps the path index usable; U+10FFFF sorts after any continuation.
            let lo = w.bind(text(prefix));
            let hi = w.bind(Sql::Text(format!("{prefix}\u{10FFFF}")));
            w.push(format!("u.path >= {lo} AND u.path < {hi}"));
        }
        if !self.types.is_empty() {
            w.add_coarse(
                "u.type IN (SELECT value FROM json_each(?))",
                list(&self.types),
            );
        }
        for (col, values) in [("name", &self.groups_by_name), ("uuid", &self.groups_by_pk)] {
            if !values.is_empty() {
                let cond = format!(
                    "u.id IN (SELECT ug.user_id FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                              WHERE g.{col} IN (SELECT value FROM json_each(?)))"
                );
                w.add(&cond, list(values));
            }
        }
        for (col, values) in [("name", &self.roles_by_name), ("uuid", &self.roles_by_pk)] {
            if !values.is_empty() {
                let cond = format!(
                    "u.id IN (SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                              WHERE r.{col} IN (SELECT value FROM json_each(?)))"
                );
                w.add(&cond, list(values));
            }
        }
        for (key, value) in &self.attributes {
            let path = w.bind(Sql::Text(format!("$.\"{}\"", key.replace('"', "\\\""))));
            let want = w.bind(Sql::Text(value.to_string()));
            w.push(format!(
                "json_extract(u.attributes, {path}) IS json_extract({want}, '$')"
            ));
        }
        match self.last_login_isnull {
            Some(true) => w.push("u.last_login IS NULL"),
            Some(false) => w.push("u.last_login IS NOT NULL"),
            None => {}
        }
        for (cond, value) in [
            ("u.date_joined = ?", &self.date_joined),
            ("u.date_joined > ?", &self.date_joined_gt),
            ("u.date_joined < ?", &self.date_joined_lt),
            ("u.last_login = ?", &self.last_login),
            ("u.last_login > ?", &self.last_login_gt),
            ("u.last_login < ?", &self.last_login_lt),
            ("u.last_updated = ?", &self.last_updated),
            ("u.last_updated > ?", &self.last_updated_gt),
            ("u.last_updated < ?", &self.last_updated_lt),
        ] {
            if let Some(v) = value {
                w.add(cond, text(v));
            }
        }
        match (matched, &self.search) {
            (Some(ids), _) => w.add(
                "u.id IN (SELECT value FROM json_each(?))",
                Sql::Text(id_list(ids)),
            ),
            (None, Some(term)) => {
                // Too short for the trigram indexes: every row is looked at.
                let p = w.bind(Sql::Text(contains_pattern(term)));
                w.push(format!(
                    "(u.username LIKE {p} ESCAPE '\\' OR u.name LIKE {p} ESCAPE '\\'
                      OR u.email LIKE {p} ESCAPE '\\' OR u.uuid LIKE {p} ESCAPE '\\')"
                ));
            }
            (None, None) => {}
        }
        w
    }

    fn order_by(&self) -> String {
        let (field, desc) = self.ordering;
        let col = match field {
            "pk" => "u.id",
            "name" => "u.name",
            "date_joined" => "u.date_joined",
            "last_login" => "u.last_login",
            "last_updated" => "u.last_updated",
            _ => "u.username",
        };
        let dir = if desc { "DESC" } else { "ASC" };
        if col == "u.id" {
            format!("u.id {dir}")
        } else {
            format!("{col} {dir}, u.id {dir}")
        }
    }
}

/// How many users match `f`, and the ids of those on the page `offset..offset+limit`.
pub fn search(
    c: &Connection,
    f: &UserFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<i64>), StoreError> {
    // The index is asked once, not by both the count and the page query.
    let matched = match f.search.as_deref() {
        Some(term) if term.chars().count() >= 3 => {
            let ids = search_index::matching(c, term)?;
            if ids.is_empty() {
                return Ok((0, Vec::new()));
            }
            Some(ids)
        }
        _ => None,
    };
    let listing = Listing {
        with: &format!("WITH RECURSIVE {SUPERUSER_GROUPS}"),
        select: "u.id",
        from: "users u",
        order_by: &f.order_by(),
        total: Some("SELECT n FROM counters WHERE name = 'users'"),
        revision: Some("SELECT n FROM counters WHERE name = 'users_rev'"),
    };
    let conditions = f.conditions(matched.as_deref());
    page(c, &listing, conditions, offset, limit, |r| r.get(0))
}
