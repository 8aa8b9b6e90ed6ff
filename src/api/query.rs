//! Query-string filters: repeatable keys, booleans and times, with every bad value
//! reported at once as a `ValidationError`.

use crate::domain::{FieldErrors, time};
use crate::error::ApiError;

/// The decoded query string of a list request.
pub struct Query {
    pairs: Vec<(String, String)>,
    pub errors: FieldErrors,
}

impl Query {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Query {
            pairs,
            errors: FieldErrors::new(),
        }
    }

    /// The last value of `key`, if given and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key` as owned text.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(str::to_owned)
    }

    /// Every non-empty value of a repeatable `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// `true`/`false` (also `1`/`0`, any case); a bad value is recorded.
    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        let v = self.get(key)?.to_ascii_lowercase();
        match v.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => {
                self.errors.add(key, "Must be a valid boolean.");
                None
            }
        }
    }

    /// `true` unless `key` is given as false (the `include_*` switches).
    pub fn switch(&mut self, key: &str) -> bool {
        self.boolean(key).unwrap_or(true)
    }

    /// A date-time in any spelling Django's forms take, normalised to a UTC
    /// timestamp; a bad value is recorded. Every date-time filter reads through here.
    pub fn time(&mut self, key: &str) -> Option<String> {
        let v = self.get(key)?.to_owned();
        let parsed = time::parse_query(&v);
        if parsed.is_none() {
            self.errors.add(key, "Enter a valid date/time.");
        }
        parsed
    }

    /// Every value of `key` checked as a UUID; bad ones are recorded.
    pub fn uuids(&mut self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for v in self.all(key) {
            match uuid::Uuid::parse_str(&v) {
                Ok(u) => out.push(u.to_string()),
                Err(_) => self
                    .errors
                    .add(key, format!("\u{201c}{v}\u{201d} is not a valid UUID.")),
            }
        }
        out
    }

    /// The `ordering` field: one of `allowed`, optionally prefixed with `-`.
    /// Returns `(field, descending)`; an unknown field is recorded.
    pub fn ordering(
        &mut self,
        allowed: &[&'static str],
        default: &'static str,
    ) -> (&'static str, bool) {
        let Some(raw) = self.get("ordering").map(str::to_owned) else {
            return (default, false);
        };
        let (name, desc) = match raw.strip_prefix('-') {
            Some(n) => (n, true),
            None => (raw.as_str(), false),
        };
        match allowed.iter().find(|a| **a == name) {
            Some(field) => (field, desc),
            None => {
                self.errors.add(
                    "ordering",
                    format!(
                        "Invalid ordering field \"{name}\"; choose one of: {}.",
                        allowed.join(", ")
                    ),
                );
                (default, false)
            }
        }
    }

    /// `Ok` when every value parsed.
    pub fn finish(&mut self) -> Result<(), ApiError> {
        std::mem::take(&mut self.errors)
            .finish()
            .map_err(ApiError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &[(&str, &str)]) -> Query {
        Query::new(
            s.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn repeated_keys_are_all_kept_and_the_last_wins_for_single_values() {
        let q = q(&[
            ("type", "internal"),
            ("type", "external"),
            ("name", "a"),
            ("name", "b"),
        ]);
        assert_eq!(q.all("type"), ["internal", "external"]);
        assert_eq!(q.get("name"), Some("b"));
    }

    #[test]
    fn bad_values_are_collected() {
        let mut q = q(&[
            ("is_active", "maybe"),
            ("date_joined__gt", "yesterday"),
            ("ordering", "-password"),
        ]);
        assert_eq!(q.boolean("is_active"), None);
        assert_eq!(q.time("date_joined__gt"), None);
        assert_eq!(q.ordering(&["username"], "username"), ("username", false));
        let e = q.finish().unwrap_err();
        match e {
            ApiError::Invalid(f) => {
                assert!(f.get("is_active").is_some());
                assert!(f.get("date_joined__gt").is_some());
                assert!(f.get("ordering").is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ordering_accepts_a_minus_for_descending() {
        let mut q = q(&[("ordering", "-date_joined")]);
        assert_eq!(
            q.ordering(&["username", "date_joined"], "username"),
            ("date_joined", true)
        );
    }
}
