//! The `TokenRequest` body of token creation, checked field by field.

use super::body::Body;
use crate::domain::{FieldErrors, time};
use crate::error::ApiError;
use serde_json::Value;

/// A token without `expires` that should expire lives this long.
const DEFAULT_LIFETIME_DAYS: i64 = 30;
const SLUG: &str = "Enter a valid \"slug\" consisting of letters, numbers, underscores or hyphens.";

/// A create body, checked field by field; `user` is the pk asked for, if any.
pub struct Draft {
    pub identifier: Option<String>,
    pub user: Option<i64>,
    pub description: String,
    pub expires: Option<String>,
    pub expiring: bool,
}

pub fn parse(body: Value) -> Result<(Draft, FieldErrors), ApiError> {
    let mut b = Body::parse(body)?;
    let identifier = b
        .string("identifier", true, false)
        .map(|s| s.trim().to_owned());
    if let Some(id) = &identifier {
        if id.chars().count() > 255 {
            b.errors.add(
                "identifier",
                "Ensure this field has no more than 255 characters.",
            );
        }
        if !id
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            b.errors.add("identifier", SLUG);
        }
    }
    if let Some(intent) = b.string("intent", false, true)
        && intent != "api"
    {
        b.errors
            .add("intent", format!("\"{intent}\" is not a valid choice."));
    }
    let user = match b.raw("user").cloned() {
        None => None,
        Some(Value::Null) => {
            b.errors.add("user", "This field may not be null.");
            None
        }
        Some(v) => {
            let pk = v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
            if pk.is_none() {
                let kind = match v {
                    Value::String(_) => "str",
                    Value::Bool(_) => "bool",
                    Value::Number(_) => "float",
                    Value::Array(_) => "list",
                    _ => "dict",
                };
                b.errors.add(
                    "user",
                    format!("Incorrect type. Expected pk value, received {kind}."),
                );
            }
            pk
        }
    };
    let description = b.string("description", false, true).unwrap_or_default();
    let expiring = b.boolean("expiring").unwrap_or(true);
    let expires = match b.raw("expires").cloned() {
        // An expiring token sent without `expires` still gets a finite lifetime.
        None => expiring.then(|| {
            time::format(chrono::Utc::now() + chrono::Duration::days(DEFAULT_LIFETIME_DAYS))
        }),
        Some(Value::Null) => None,
        Some(v) => {
            let parsed = time::parse(v.as_str().unwrap_or_default());
            b.errors.check("expires", parsed)
        }
    };
    let draft = Draft {
        identifier,
        user,
        description,
        expires,
        expiring,
    };
    Ok((draft, std::mem::take(&mut b.errors)))
}
