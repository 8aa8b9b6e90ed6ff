//! User rows: lookup, creation, passwords and session revocation.

use super::{StoreError, not_found_as};
use crate::domain::{Email, Timestamp, UserPath, UserType, Username, now};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

/// A user as stored.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub uuid: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_active: bool,
    pub last_login: Option<Timestamp>,
    pub date_joined: Timestamp,
    pub last_updated: Timestamp,
    pub password_change_date: Timestamp,
    pub attributes: Value,
    pub path: String,
    pub user_type: String,
    /// Bumped to revoke the user's sessions.
    pub auth_epoch: i64,
}

/// The columns [`from_row`] reads, in its order.
pub(crate) const COLUMNS: &str = "id, uuid, username, name, email, is_active, last_login, \
     date_joined, last_updated, password_change_date, attributes, path, type, auth_epoch";

pub(crate) fn from_row(r: &Row) -> rusqlite::Result<User> {
    let attributes: String = r.get(10)?;
    Ok(User {
        id: r.get(0)?,
        uuid: r.get(1)?,
        username: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        is_active: r.get(5)?,
        last_login: r.get(6)?,
        date_joined: r.get(7)?,
        last_updated: r.get(8)?,
        password_change_date: r.get(9)?,
        attributes: serde_json::from_str(&attributes)
            .unwrap_or_else(|_| Value::Object(Default::default())),
        path: r.get(11)?,
        user_type: r.get(12)?,
        auth_epoch: r.get(13)?,
    })
}

/// The user with primary key `id`, or `NotFound("User")`.
pub fn get(c: &Connection, id: i64) -> Result<User, StoreError> {
    find(c, id)?.ok_or(StoreError::NotFound("User"))
}

/// The user with primary key `id`, if any.
pub fn find(c: &Connection, id: i64) -> Result<Option<User>, StoreError> {
    Ok(
        c.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE id = ?1"))?
            .query_row([id], from_row)
            .optional()?,
    )
}

/// The user named `username`, or `NotFound("User")`.
pub fn by_username(c: &Connection, username: &str) -> Result<User, StoreError> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE username = ?1"))?
        .query_row([username], from_row)
        .map_err(not_found_as("User"))
}

/// What login needs to know about a username.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    pub id: i64,
    pub password_hash: Option<String>,
    pub is_active: bool,
}

/// The login facts of `username`, if such a user exists.
pub fn login_candidate(
    c: &Connection,
    username: &str,
) -> Result<Option<LoginCandidate>, StoreError> {
    Ok(
        c.prepare_cached("SELECT id, password_hash, is_active FROM users WHERE username = ?1")?
            .query_row([username], |r| {
                Ok(LoginCandidate {
                    id: r.get(0)?,
                    password_hash: r.get(1)?,
                    is_active: r.get(2)?,
                })
            })
            .optional()?,
    )
}

/// The fields of a user about to be created.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub name: String,
    pub email: Email,
    pub is_active: bool,
    pub last_login: Option<Timestamp>,
    pub path: UserPath,
    pub user_type: UserType,
    pub attributes: Value,
    /// `None` leaves the account without a usable password.
    pub password_hash: Option<String>,
}

impl NewUser {
    /// A plain active internal user with default fields.
    pub fn named(username: Username) -> Self {
        NewUser {
            username,
            name: String::new(),
            email: Email::default(),
            is_active: true,
            last_login: None,
            path: UserPath::default(),
            user_type: UserType::Internal,
            attributes: Value::Object(Default::default()),
            password_hash: None,
        }
    }
}

/// Inserts `u` and returns its primary key.
pub fn insert(c: &Connection, u: &NewUser) -> Result<i64, StoreError> {
    let t = now();
    c.prepare_cached(
        "INSERT INTO users (uuid, username, name, email, is_active, password_hash, last_login,
             date_joined, last_updated, password_change_date, attributes, path, type)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        uuid::Uuid::new_v4().to_string(),
        u.username.as_str(),
        u.name,
        u.email.as_str(),
        u.is_active,
        u.password_hash,
        u.last_login,
        t,
        u.attributes.to_string(),
        u.path.as_str(),
        u.user_type.as_str(),
    ])?;
    Ok(c.last_insert_rowid())
}

/// Stores a new password hash and revokes the user's sessions.
pub fn set_password_hash(c: &Connection, id: i64, hash: &str) -> Result<(), StoreError> {
    let t = now();
    let n = c
        .prepare_cached(
            "UPDATE users SET password_hash = ?2, password_change_date = ?3, last_updated = ?3,
                 auth_epoch = auth_epoch + 1 WHERE id = ?1",
        )?
        .execute(params![id, hash, t])?;
    if n == 0 {
        return Err(StoreError::NotFound("User"));
    }
    Ok(())
}

/// Records a successful login.
pub fn record_login(c: &Connection, id: i64) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE users SET last_login = ?2 WHERE id = ?1")?
        .execute(params![id, now()])?;
    Ok(())
}

/// How many users exist.
pub fn count(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)
}

/// The ids of the groups user `id` is in and of the roles assigned to them directly.
pub fn links(c: &Connection, id: i64) -> Result<(Vec<i64>, Vec<i64>), StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT 0, group_id FROM user_groups WHERE user_id = ?1
         UNION ALL
         SELECT 1, role_id FROM user_roles WHERE user_id = ?1",
    )?;
    let (mut groups, mut roles) = (Vec::new(), Vec::new());
    for row in stmt.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        match row? {
            (0, group) => groups.push(group),
            (_, role) => roles.push(role),
        }
    }
    Ok((groups, roles))
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
