//! The users list: every filter of CONTRACT §5 composed into one indexed query.

use super::StoreError;
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
    /// `(key, JSON value)` pairs matched by equality.
    pub attributes: Vec<(String, serde_json::Value)>,
    pub last_login_isnull: Option<bool>,
    pub date_joined_gt: Option<String>,
    pub date_joined_lt: Option<String>,
    pub last_login_gt: Option<String>,
    pub last_login_lt: Option<String>,
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

fn like_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl UserFilter {
    fn where_clause(&self) -> (String, Vec<Sql>) {
        let mut conds: Vec<String> = Vec::new();
        let mut params: Vec<Sql> = Vec::new();
        let bind = |params: &mut Vec<Sql>, v: Sql| {
            params.push(v);
            format!("?{}", params.len())
        };
        let text = |s: &String| Sql::Text(s.clone());
        let list = |v: &Vec<String>| Sql::Text(serde_json::to_string(v).unwrap_or_default());

        for (col, value) in [
            ("username", &self.username),
            ("email", &self.email),
            ("name", &self.name),
            ("path", &self.path),
            ("uuid", &self.uuid),
        ] {
            if let Some(v) = value {
                conds.push(format!("u.{col} = {}", bind(&mut params, text(v))));
            }
        }
        if let Some(active) = self.is_active {
            conds.push(format!(
                "u.is_active = {}",
                bind(&mut params, Sql::Integer(active.into()))
            ));
        }
        if let Some(su) = self.is_superuser {
            let exists = "EXISTS (SELECT 1 FROM user_groups ug WHERE ug.user_id = u.id AND ug.group_id IN (SELECT id FROM su))";
            conds.push(if su {
                exists.to_owned()
            } else {
                format!("NOT {exists}")
            });
        }
        if let Some(prefix) = &self.path_startswith {
            // A range keeps the path index usable; U+10FFFF sorts after any continuation.
            let lo = bind(&mut params, text(prefix));
            let hi = bind(&mut params, Sql::Text(format!("{prefix}\u{10FFFF}")));
            conds.push(format!("u.path >= {lo} AND u.path < {hi}"));
        }
        if !self.types.is_empty() {
            conds.push(format!(
                "u.type IN (SELECT value FROM json_each({}))",
                bind(&mut params, list(&self.types))
            ));
        }
        for (col, values) in [("name", &self.groups_by_name), ("uuid", &self.groups_by_pk)] {
            if !values.is_empty() {
                conds.push(format!(
                    "u.id IN (SELECT ug.user_id FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                              WHERE g.{col} IN (SELECT value FROM json_each({})))",
                    bind(&mut params, list(values))
                ));
            }
        }
        for (key, value) in &self.attributes {
            let path = bind(
                &mut params,
                Sql::Text(format!("$.\"{}\"", key.replace('"', "\\\""))),
            );
            let want = bind(&mut params, Sql::Text(value.to_string()));
            conds.push(format!(
                "json_extract(u.attributes, {path}) IS json_extract({want}, '$')"
            ));
        }
        match self.last_login_isnull {
            Some(true) => conds.push("u.last_login IS NULL".into()),
            Some(false) => conds.push("u.last_login IS NOT NULL".into()),
            None => {}
        }
        for (col, op, value) in [
            ("date_joined", ">", &self.date_joined_gt),
            ("date_joined", "<", &self.date_joined_lt),
            ("last_login", ">", &self.last_login_gt),
            ("last_login", "<", &self.last_login_lt),
        ] {
            if let Some(v) = value {
                conds.push(format!("u.{col} {op} {}", bind(&mut params, text(v))));
            }
        }
        if let Some(term) = &self.search {
            if term.chars().count() >= 3 {
                // Trigram full-text index: substring match, case-insensitive, indexed.
                let phrase = format!("\"{}\"", term.replace('"', "\"\""));
                conds.push(format!(
                    "u.id IN (SELECT rowid FROM users_search WHERE users_search MATCH {})",
                    bind(&mut params, Sql::Text(phrase))
                ));
            } else {
                let p = bind(&mut params, Sql::Text(like_pattern(term)));
                conds.push(format!(
                    "(u.username LIKE {p} ESCAPE '\\' OR u.name LIKE {p} ESCAPE '\\'
                      OR u.email LIKE {p} ESCAPE '\\' OR u.uuid LIKE {p} ESCAPE '\\')"
                ));
            }
        }
        let clause = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        (clause, params)
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
    let (clause, mut params) = f.where_clause();
    let with = format!("WITH RECURSIVE {SUPERUSER_GROUPS}");
    let count: i64 = c
        .prepare_cached(&format!("{with} SELECT COUNT(*) FROM users u {clause}"))?
        .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
    if count == 0 || offset >= count {
        return Ok((count, Vec::new()));
    }
    params.push(Sql::Integer(limit));
    params.push(Sql::Integer(offset));
    let n = params.len();
    let sql = format!(
        "{with} SELECT u.id FROM users u {clause} ORDER BY {} LIMIT ?{} OFFSET ?{n}",
        f.order_by(),
        n - 1
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let ids = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok((count, ids))
}
