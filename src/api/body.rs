//! Reads a JSON request body field by field, collecting every field error before
//! answering, with Django REST framework's messages.

use crate::domain::FieldErrors;
use crate::error::ApiError;
use serde_json::{Map, Value};

pub const REQUIRED: &str = "This field is required.";
pub const NOT_NULL: &str = "This field may not be null.";
pub const BLANK: &str = "This field may not be blank.";

/// A JSON object body and the errors found in it so far.
pub struct Body {
    map: Map<String, Value>,
    pub errors: FieldErrors,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

impl Body {
    /// Accepts only a JSON object.
    pub fn parse(v: Value) -> Result<Body, ApiError> {
        match v {
            Value::Object(map) => Ok(Body {
                map,
                errors: FieldErrors::new(),
            }),
            other => Err(ApiError::field(
                "non_field_errors",
                format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    kind(&other)
                ),
            )),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The raw value of `key`, if given.
    pub fn raw(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    fn missing(&mut self, key: &str, required: bool) -> Option<&Value> {
        match self.map.get(key) {
            Some(v) => Some(v),
            None => {
                if required {
                    self.errors.add(key, REQUIRED);
                }
                None
            }
        }
    }

    /// A string (blank allowed when `allow_blank`); `None` when absent or invalid.
    pub fn string(&mut self, key: &str, required: bool, allow_blank: bool) -> Option<String> {
        let v = self.missing(key, required)?.clone();
        let s = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Null => {
                self.errors.add(key, NOT_NULL);
                return None;
            }
            _ => {
                self.errors.add(key, "Not a valid string.");
                return None;
            }
        };
        if s.contains('\0') {
            self.errors.add(key, "Null characters are not allowed.");
            return None;
        }
        if !allow_blank && s.trim().is_empty() {
            self.errors.add(key, BLANK);
            return None;
        }
        Some(s)
    }

    /// A boolean; `None` when absent or invalid.
    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        match self.missing(key, false)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if ["true", "1"].contains(&s.to_lowercase().as_str()) => Some(true),
            Value::String(s) if ["false", "0"].contains(&s.to_lowercase().as_str()) => Some(false),
            Value::Number(n) if n.as_i64() == Some(1) => Some(true),
            Value::Number(n) if n.as_i64() == Some(0) => Some(false),
            _ => {
                self.errors.add(key, "Must be a valid boolean.");
                None
            }
        }
    }

    /// A whole number; `None` when absent or invalid.
    pub fn integer(&mut self, key: &str, required: bool) -> Option<i64> {
        match self.missing(key, required)? {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            _ => {
                self.errors.add(key, "A valid integer is required.");
                None
            }
        }
    }

    /// A list of strings; `None` when absent or invalid.
    pub fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        match self.missing(key, false)?.clone() {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => out.push(s),
                        other => {
                            self.errors.add(
                                key,
                                format!(
                                    "Incorrect type. Expected pk value, received {}.",
                                    kind(&other)
                                ),
                            );
                            return None;
                        }
                    }
                }
                Some(out)
            }
            other => {
                self.errors.add(
                    key,
                    format!(
                        "Expected a list of items but got type \"{}\".",
                        kind(&other)
                    ),
                );
                None
            }
        }
    }

    /// A list of UUIDs, normalised; `None` (with the error recorded) when absent or invalid.
    pub fn uuid_list(&mut self, key: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for item in self.string_list(key)? {
            match uuid::Uuid::parse_str(&item) {
                Ok(u) => out.push(u.to_string()),
                Err(_) => {
                    self.errors.add(key, "Must be a valid UUID.");
                    return None;
                }
            }
        }
        Some(out)
    }

    /// A list of whole numbers (integer pks); `None` when absent or invalid.
    pub fn integer_list(&mut self, key: &str) -> Option<Vec<i64>> {
        let items = match self.missing(key, false)?.clone() {
            Value::Array(items) => items,
            other => {
                let message = format!(
                    "Expected a list of items but got type \"{}\".",
                    kind(&other)
                );
                self.errors.add(key, message);
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item
                .as_i64()
                .or_else(|| item.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(pk) => out.push(pk),
                None => {
                    let message = format!(
                        "Incorrect type. Expected pk value, received {}.",
                        kind(&item)
                    );
                    self.errors.add(key, message);
                    return None;
                }
            }
        }
        Some(out)
    }

    /// A JSON object of at most `max_bytes` when serialised; `None` when absent or invalid.
    pub fn object(&mut self, key: &str, max_bytes: usize) -> Option<Value> {
        let v = self.missing(key, false)?.clone();
        if !v.is_object() {
            self.errors.add(
                key,
                "Value must be a dictionary, and not have any duplicate keys.",
            );
            return None;
        }
        if v.to_string().len() > max_bytes {
            self.errors.add(
                key,
                format!("Ensure this value has at most {max_bytes} bytes."),
            );
            return None;
        }
        Some(v)
    }

    /// `Ok` when no field error was recorded.
    pub fn finish(self) -> Result<(), ApiError> {
        self.errors.finish().map_err(ApiError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut b =
            Body::parse(json!({"name": 5, "flag": "maybe", "list": "x", "nul": "a\u{0}"})).unwrap();
        assert_eq!(b.string("username", true, false), None);
        assert_eq!(b.string("name", true, true).as_deref(), Some("5"));
        assert_eq!(b.boolean("flag"), None);
        assert_eq!(b.string_list("list"), None);
        assert_eq!(b.string("nul", false, true), None);
        let errors = b.errors.clone();
        assert_eq!(errors.get("username").unwrap(), [REQUIRED]);
        assert_eq!(errors.get("flag").unwrap(), ["Must be a valid boolean."]);
        assert_eq!(
            errors.get("list").unwrap(),
            ["Expected a list of items but got type \"str\"."]
        );
        assert_eq!(
            errors.get("nul").unwrap(),
            ["Null characters are not allowed."]
        );
        assert!(b.finish().is_err());
    }

    #[test]
    fn only_objects_are_bodies() {
        assert!(Body::parse(json!([1, 2])).is_err());
        assert!(Body::parse(json!("x")).is_err());
    }
}
