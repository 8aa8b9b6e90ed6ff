//! The shape every list query shares: conditions joined with `AND`, a count, and one
//! ordered page.

use super::StoreError;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, Row};

/// `WHERE` conditions and their positional parameters.
#[derive(Debug, Default)]
pub struct Conditions {
    parts: Vec<String>,
    params: Vec<Sql>,
}

impl Conditions {
    /// Binds `v` and returns its placeholder (`?N`), for a condition that uses it
    /// more than once or builds its own text.
    pub fn bind(&mut self, v: Sql) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    /// Adds `cond`, whose `?` stands for `v`.
    pub fn add(&mut self, cond: &str, v: Sql) {
        let placeholder = self.bind(v);
        self.parts.push(cond.replace('?', &placeholder));
    }

    /// Adds a condition whose parameters, if any, were bound with [`Conditions::bind`].
    pub fn push(&mut self, cond: impl Into<String>) {
        self.parts.push(cond.into());
    }

    fn clause(&self) -> String {
        if self.parts.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.parts.join(" AND "))
        }
    }
}

/// What a list reads: `select` columns `from` a table (with its alias), after an
/// optional `with` prefix (CTEs), in `order_by` order.
pub struct Listing<'a> {
    pub with: &'a str,
    pub select: &'a str,
    pub from: &'a str,
    pub order_by: &'a str,
}

/// How many rows match `conds`, and the rows of the page `offset..offset+limit`.
pub fn page<T>(
    c: &Connection,
    listing: &Listing,
    conds: Conditions,
    offset: i64,
    limit: i64,
    map: impl FnMut(&Row) -> rusqlite::Result<T>,
) -> Result<(i64, Vec<T>), StoreError> {
    let Listing {
        with,
        select,
        from,
        order_by,
    } = listing;
    let clause = conds.clause();
    let mut params = conds.params;
    let count: i64 = c
        .prepare_cached(&format!("{with} SELECT COUNT(*) FROM {from} {clause}"))?
        .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
    if count == 0 || offset >= count {
        return Ok((count, Vec::new()));
    }
    params.push(Sql::Integer(limit));
    params.push(Sql::Integer(offset));
    let n = params.len();
    let sql = format!(
        "{with} SELECT {select} FROM {from} {clause} ORDER BY {order_by} LIMIT ?{} OFFSET ?{n}",
        n - 1
    );
    let rows = c
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(params.iter()), map)?
        .collect::<Result<_, _>>()?;
    Ok((count, rows))
}

/// A `LIKE` pattern matching `term` anywhere, with `%`, `_` and `\` taken literally
/// (use with `ESCAPE '\'`).
pub fn contains_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_parameters_in_order() {
        let mut w = Conditions::default();
        w.add("a = ?", Sql::Integer(1));
        let p = w.bind(Sql::Text("x".into()));
        w.push(format!("(b = {p} OR c = {p})"));
        assert_eq!(w.clause(), "WHERE a = ?1 AND (b = ?2 OR c = ?2)");
        assert_eq!(Conditions::default().clause(), "");
    }

    #[test]
    fn like_metacharacters_are_literal() {
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn a_page_counts_everything_and_reads_its_slice() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3), (4), (5);",
        )
        .unwrap();
        let listing = Listing {
            with: "",
            select: "n",
            from: "t",
            order_by: "n DESC",
        };
        let mut w = Conditions::default();
        w.add("n > ?", Sql::Integer(1));
        let (count, rows) = page(&c, &listing, w, 1, 2, |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!((count, rows), (4, vec![4, 3]));
    }
}
