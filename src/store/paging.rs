//! The shape every list query shares: conditions joined with `AND`, a count, and one
//! ordered page.

use super::StoreError;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, Row};
use std::collections::HashMap;
use std::sync::Mutex;

/// `WHERE` conditions and their positional parameters.
#[derive(Debug, Default)]
pub struct Conditions {
    /// Each condition as the count query uses it, and as the page query does.
    parts: Vec<(String, String)>,
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
        self.push(cond.replace('?', &placeholder));
    }

    /// Adds a condition whose parameters, if any, were bound with [`Conditions::bind`].
    pub fn push(&mut self, cond: impl Into<String>) {
        let cond = cond.into();
        self.parts.push((cond.clone(), cond));
    }

    /// Adds a condition on a column with few distinct values (`u.is_active = ?`). The
    /// count may use an index for it, but the page query must not: the index would
    /// match most rows and then need sorting, where walking the ordering's index and
    /// stopping after one page is cheap. The unary `+` keeps SQLite off the index.
    pub fn add_coarse(&mut self, cond: &str, v: Sql) {
        let placeholder = self.bind(v);
        let cond = cond.replace('?', &placeholder);
        self.parts.push((cond.clone(), format!("+{cond}")));
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    fn clause(&self, for_page: bool) -> String {
        if self.parts.is_empty() {
            return String::new();
        }
        let parts: Vec<&str> = self
            .parts
            .iter()
            .map(|(count, page)| {
                if for_page {
                    page.as_str()
                } else {
                    count.as_str()
                }
            })
            .collect();
        format!("WHERE {}", parts.join(" AND "))
    }
}

/// What a list reads: `select` columns `from` a table (with its alias), after an
/// optional `with` prefix (CTEs), in `order_by` order.
pub struct Listing<'a> {
    pub with: &'a str,
    pub select: &'a str,
    pub from: &'a str,
    pub order_by: &'a str,
    /// A cheaper query for the count when there is no condition (e.g. a counter).
    pub total: Option<&'a str>,
    /// A query for a number that moves whenever a count could change; with it,
    /// filtered counts are remembered until it moves (see [`CountCache`]).
    pub revision: Option<&'a str>,
}

/// Counts of filtered lists, remembered per database, query and parameters until the
/// listing's revision moves. Paging through a large filtered list then counts once,
/// not on every page; any change to the rows bumps the revision and forgets it.
struct CountCache {
    entries: HashMap<String, (i64, i64)>,
}

/// Entries kept before the cache starts over, so varied filters cannot grow it
/// without bound.
const COUNT_CACHE_SIZE: usize = 512;

/// Longest query text plus bound text remembered (a search that matched many users
/// binds all their ids), so the cache stays small.
const MAX_CACHED_KEY: usize = 4096;

static COUNTS: Mutex<Option<CountCache>> = Mutex::new(None);

impl CountCache {
    fn get(key: &str, revision: i64) -> Option<i64> {
        let cache = COUNTS.lock().unwrap_or_else(|p| p.into_inner());
        let (rev, count) = cache.as_ref()?.entries.get(key)?;
        (*rev == revision).then_some(*count)
    }

    fn put(key: String, revision: i64, count: i64) {
        let mut cache = COUNTS.lock().unwrap_or_else(|p| p.into_inner());
        let cache = cache.get_or_insert_with(|| CountCache {
            entries: HashMap::new(),
        });
        if cache.entries.len() >= COUNT_CACHE_SIZE {
            cache.entries.clear();
        }
        cache.entries.insert(key, (revision, count));
    }
}

fn count(
    c: &Connection,
    sql: &str,
    params: &[Sql],
    revision: Option<&str>,
) -> Result<i64, StoreError> {
    let run = || -> Result<i64, StoreError> {
        Ok(c.prepare_cached(sql)?
            .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?)
    };
    // Judged before any key is built: a long id list is not worth formatting.
    let bound: usize = (params.iter())
        .map(|p| match p {
            Sql::Text(t) => t.len(),
            _ => 16,
        })
        .sum();
    let Some(revision_sql) = revision.filter(|_| sql.len() + bound <= MAX_CACHED_KEY) else {
        return run();
    };
    let rev: i64 = c
        .prepare_cached(revision_sql)?
        .query_row([], |r| r.get(0))?;
    let key = format!("{}\u{0}{sql}\u{0}{params:?}", c.path().unwrap_or_default());
    if let Some(n) = CountCache::get(&key, rev) {
        return Ok(n);
    }
    let n = run()?;
    CountCache::put(key, rev, n);
    Ok(n)
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
        total,
        revision,
    } = listing;
    let clause = conds.clause(true);
    let count = match total {
        Some(sql) if conds.is_empty() => self::count(c, sql, &[], None)?,
        _ => {
            let sql = format!("{with} SELECT COUNT(*) FROM {from} {}", conds.clause(false));
            self::count(c, &sql, &conds.params, *revision)?
        }
    };
    let mut params = conds.params;
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
        w.add_coarse("d = ?", Sql::Integer(0));
        assert_eq!(
            w.clause(false),
            "WHERE a = ?1 AND (b = ?2 OR c = ?2) AND d = ?3"
        );
        assert_eq!(
            w.clause(true),
            "WHERE a = ?1 AND (b = ?2 OR c = ?2) AND +d = ?3"
        );
        assert_eq!(Conditions::default().clause(false), "");
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
            total: None,
            revision: None,
        };
        let mut w = Conditions::default();
        w.add("n > ?", Sql::Integer(1));
        let (count, rows) = page(&c, &listing, w, 1, 2, |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!((count, rows), (4, vec![4, 3]));
    }
}
