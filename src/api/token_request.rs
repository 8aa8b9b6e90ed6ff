//! The `TokenRequest` bodies of token creation and change, checked field by field.

use super::body::Body;
use super::user_request::Mode;
use crate::domain::{FieldErrors, time};
use crate::error::ApiError;
use serde_json::Value;

/// A token without `expires` that should expire lives this long.
const DEFAULT_LIFETIME_DAYS: i64 = 30;
const FIXED_IDENTIFIER: &str = "A token keeps its identifier; create a new token instead.";
const SLUG: &str = "Enter a valid \"slug\" consisting of letters, numbers, underscores or hyphens.";

/// A create body, checked field by field; `user` is the pk asked for, if any.
pub struct Draft {
    pub identifier: Option<String>,
    pub user: Option<i64>,
    pub description: String,
    pub expires: Option<String>,
    pub expiring: bool,
}

/// Parses a create body.
pub fn parse(body: Value) -> Result<(Draft, FieldErrors), ApiError> {
    let mut b = Body::parse(body)?;
    let identifier = identifier(&mut b, true);
    intent(&mut b);
    let user = user(&mut b);
    let description = b.string("description", false, true).unwrap_or_default();
    let expiring = b.boolean("expiring").unwrap_or(true);
    let expires = match expires(&mut b) {
        // An expiring token sent without `expires` still gets a finite lifetime.
        None => expiring.then(|| {
            time::format(chrono::Utc::now() + chrono::Duration::days(DEFAULT_LIFETIME_DAYS))
        }),
        Some(given) => given,
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

/// A PUT or PATCH body: each field `None` when absent, so it stays as it is.
pub struct ChangeDraft {
    pub user: Option<i64>,
    pub description: Option<String>,
    pub expires: Option<Option<String>>,
    pub expiring: Option<bool>,
}

/// Parses a PUT (`Mode::Replace`) or PATCH body for the token named `current`.
/// authentik's `TokenRequest` requires `identifier`, so a PUT carries it; a token
/// keeps its identifier, so one that differs is refused rather than ignored.
pub fn parse_change(
    body: Value,
    mode: Mode,
    current: &str,
) -> Result<(ChangeDraft, FieldErrors), ApiError> {
    let mut b = Body::parse(body)?;
    if let Some(id) = identifier(&mut b, mode == Mode::Replace)
        && id != current
    {
        b.errors.add("identifier", FIXED_IDENTIFIER);
    }
    intent(&mut b);
    let draft = ChangeDraft {
        user: user(&mut b),
        description: b.string("description", false, true),
        expires: expires(&mut b),
        expiring: b.boolean("expiring"),
    };
    Ok((draft, std::mem::take(&mut b.errors)))
}

fn identifier(b: &mut Body, required: bool) -> Option<String> {
    let identifier = b
        .string("identifier", required, false)
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
    identifier
}

fn intent(b: &mut Body) {
    if let Some(intent) = b.string("intent", false, true)
        && intent != "api"
    {
        b.errors
            .add("intent", format!("\"{intent}\" is not a valid choice."));
    }
}

/// The owner's pk asked for, if any.
fn user(b: &mut Body) -> Option<i64> {
    match b.raw("user").cloned() {
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
    }
}

/// `None` when absent, `Some(None)` for `null`, else the time given (also `None`
/// after recording an error, which the caller's `finish` reports).
fn expires(b: &mut Body) -> Option<Option<String>> {
    match b.raw("expires").cloned() {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => {
            let parsed = time::parse(v.as_str().unwrap_or_default());
            Some(b.errors.check("expires", parsed))
        }
    }
}
