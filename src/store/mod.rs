//! Synchronous data access. Every function takes a `&Connection` (or a transaction,
//! which derefs to one) and knows nothing of HTTP.

pub mod catalog;
pub mod events;
pub mod group_changes;
pub mod group_views;
pub mod groups;
pub mod holdings;
pub mod impersonation_history;
pub mod impersonation_list;
pub mod impersonations;
pub mod meta;
pub mod paging;
pub mod permissions;
pub mod principal;
pub mod roles;
pub mod search_index;
pub mod service_accounts;
pub mod sessions;
pub mod signed_in;
pub mod token_changes;
pub mod token_list;
pub mod tokens;
pub mod user_changes;
pub mod user_list;
pub mod user_views;
pub mod users;

use crate::domain::FieldErrors;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object (named by its model, e.g. `"User"`) does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change breaks a rule of the data (e.g. a unique name); rendered per field.
    #[error("invalid: {0:?}")]
    Invalid(FieldErrors),
    /// The caller may not make this change (rendered as 403 with this detail).
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("{0}")]
    Other(String),
}

impl From<crate::policy::Refusal> for StoreError {
    fn from(r: crate::policy::Refusal) -> Self {
        StoreError::Refused(r.detail())
    }
}

impl From<rusqlite::Error> for StoreError {
    /// The one place unique-constraint violations become field errors: SQLite names
    /// the column (`UNIQUE constraint failed: users.username`), which is the field.
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(code, Some(msg)) = &e
            && code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            && let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ")
        {
            let mut errors = FieldErrors::new();
            for col in cols.split(", ") {
                let field = col.rsplit('.').next().unwrap_or(col);
                errors.add(field, "This field must be unique.");
            }
            return StoreError::Invalid(errors);
        }
        StoreError::Sqlite(e)
    }
}

/// `true` for the statement `QueryReturnedNoRows`, so lookups can turn it into `NotFound`.
pub(crate) fn not_found_as(model: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound(model),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unique_violation_becomes_a_field_error() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (name TEXT UNIQUE); INSERT INTO t VALUES ('a');")
            .unwrap();
        let err: StoreError = c
            .execute("INSERT INTO t VALUES ('a')", [])
            .unwrap_err()
            .into();
        match err {
            StoreError::Invalid(e) => {
                assert_eq!(e.get("name").unwrap(), ["This field must be unique."])
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }
}
