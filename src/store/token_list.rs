//! The tokens list: a user's own tokens, or everyone's for a superuser.

use super::StoreError;
use super::paging::{Conditions, Listing, contains_pattern, page};
use super::tokens::{COLUMNS, Token, from_row};
use super::user_views::{self, UserView};
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use std::collections::HashMap;

/// Columns the list can be ordered by.
pub const ORDERINGS: &[&str] = &["identifier", "expires", "created", "last_used"];

/// The filters of one tokens list; `None` means "no condition".
#[derive(Debug, Clone, Default)]
pub struct TokenFilter {
    /// Only this user's tokens: the caller's, unless they are a superuser.
    pub owner: Option<i64>,
    pub identifier: Option<String>,
    pub user: Option<i64>,
    pub username: Option<String>,
    pub intent: Option<String>,
    pub expiring: Option<bool>,
    pub description: Option<String>,
    /// authentik's `managed` (the name of whatever manages a token). standin manages
    /// none, so every token's is null and any value matches nothing.
    pub managed: Option<String>,
    /// Words that must each appear (any case) in the identifier, intent, owner's
    /// username or description.
    pub search: Option<String>,
    /// One of [`ORDERINGS`], and whether descending.
    pub ordering: (&'static str, bool),
}

impl TokenFilter {
    fn conditions(&self) -> Conditions {
        let mut w = Conditions::default();
        if let Some(owner) = self.owner {
            w.add("t.user_id = ?", Sql::Integer(owner));
        }
        if let Some(user) = self.user {
            w.add("t.user_id = ?", Sql::Integer(user));
        }
        if let Some(v) = &self.identifier {
            w.add("t.identifier = ?", Sql::Text(v.clone()));
        }
        if let Some(v) = &self.username {
            w.add(
                "t.user_id IN (SELECT id FROM users WHERE username = ?)",
                Sql::Text(v.clone()),
            );
        }
        if let Some(v) = &self.intent {
            w.add("t.intent = ?", Sql::Text(v.clone()));
        }
        if let Some(v) = self.expiring {
            w.add("t.expiring = ?", Sql::Integer(v.into()));
        }
        if let Some(v) = &self.description {
            w.add("t.description = ?", Sql::Text(v.clone()));
        }
        if self.managed.is_some() {
            w.push("0");
        }
        if let Some(search) = &self.search {
            // Django REST framework's search: the text splits into words at whitespace
            // and commas, and each word must match one of the fields.
            for word in search
                .split(|ch: char| ch.is_whitespace() || ch == ',')
                .filter(|w| !w.is_empty())
            {
                let p = w.bind(Sql::Text(contains_pattern(word)));
                w.push(format!(
                    "(t.identifier LIKE {p} ESCAPE '\\' OR t.intent LIKE {p} ESCAPE '\\'
                      OR t.description LIKE {p} ESCAPE '\\'
                      OR t.user_id IN (SELECT id FROM users WHERE username LIKE {p} ESCAPE '\\'))"
                ));
            }
        }
        w
    }

    fn order_by(&self) -> String {
        let (field, desc) = self.ordering;
        let col = match field {
            "expires" => "t.expires",
            "created" => "t.created",
            "last_used" => "t.last_used",
            _ => "t.identifier",
        };
        let dir = if desc { "DESC" } else { "ASC" };
        format!("{col} {dir}, t.identifier {dir}")
    }
}

/// How many tokens match `f`, and those on the page `offset..offset+limit`.
pub fn list(
    c: &Connection,
    f: &TokenFilter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Token>), StoreError> {
    let listing = Listing {
        with: "",
        select: COLUMNS,
        from: "tokens t",
        order_by: &f.order_by(),
        total: None,
        revision: None,
    };
    page(c, &listing, f.conditions(), offset, limit, from_row)
}

/// Each token with its owner's view, owners loaded in one batch.
pub fn with_owners(
    c: &Connection,
    tokens: Vec<Token>,
) -> Result<Vec<(Token, UserView)>, StoreError> {
    let mut ids: Vec<i64> = tokens.iter().map(|t| t.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let owners: HashMap<i64, UserView> = user_views::load(c, &ids)?
        .into_iter()
        .map(|v| (v.user.id, v))
        .collect();
    tokens
        .into_iter()
        .map(|t| {
            let owner = owners.get(&t.user_id).cloned();
            owner.map(|o| (t, o)).ok_or(StoreError::NotFound("User"))
        })
        .collect()
}
