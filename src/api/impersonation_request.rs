//! The body of `POST /api/v3/core/users/{pk}/impersonate/`: a reason and whether the
//! impersonation only looks ("view as").

use crate::error::ApiError;
use serde_json::{Value, json};
use utoipa::ToSchema;

const MAX_REASON: usize = 1000;

/// Body of `impersonate`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImpersonationRequest {
    reason: String,
    /// A read-only "view as": every write refused while it runs. Without it,
    /// `impersonation.read_only_default` decides.
    read_only: Option<bool>,
}

/// The body, once read. A body that is not JSON is reported where the reason is
/// checked, after the checks that come before it.
pub struct StartBody(Result<Value, String>);

impl StartBody {
    /// Reads an optional JSON body (none, or only whitespace, is `{}`).
    pub fn read(body: &[u8]) -> StartBody {
        if body.iter().all(u8::is_ascii_whitespace) {
            return StartBody(Ok(json!({})));
        }
        StartBody(serde_json::from_slice(body).map_err(|e| format!("JSON parse error - {e}")))
    }

    /// Whether the impersonation asked for is read-only: `read_only` when it is a
    /// boolean, else `default`.
    pub fn read_only(&self, default: bool) -> bool {
        let asked = self.0.as_ref().ok().and_then(|v| v.get("read_only"));
        asked.and_then(Value::as_bool).unwrap_or(default)
    }

    /// The trimmed reason (empty when none was given and none is required), or the
    /// body's errors: malformed JSON, a reason missing, too long or not a string, a
    /// `read_only` that is not a boolean.
    pub fn reason(&self, required: bool) -> Result<String, ApiError> {
        let value = self
            .0
            .as_ref()
            .map_err(|e| ApiError::BadRequest(e.clone()))?;
        let mut errors = crate::domain::FieldErrors::new();
        if value
            .get("read_only")
            .is_some_and(|v| !v.is_boolean() && !v.is_null())
        {
            errors.add("read_only", "Must be a valid boolean.");
        }
        let reason = match value.get("reason") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(_) => {
                errors.add("reason", "Not a valid string.");
                String::new()
            }
        };
        if required && reason.is_empty() && errors.get("reason").is_none() {
            errors.add("reason", "This field is required.");
        }
        if reason.chars().count() > MAX_REASON || reason.contains('\0') {
            errors.add(
                "reason",
                format!("Ensure this field has no more than {MAX_REASON} characters."),
            );
        }
        errors.finish()?;
        Ok(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_falls_back_to_the_default_unless_a_boolean_is_given() {
        assert!(StartBody::read(b"").read_only(true));
        assert!(!StartBody::read(b"").read_only(false));
        assert!(StartBody::read(br#"{"read_only": true}"#).read_only(false));
        assert!(!StartBody::read(br#"{"read_only": false}"#).read_only(true));
        assert!(StartBody::read(br#"{"read_only": "no"}"#).read_only(true));
        assert!(StartBody::read(b"{not json").read_only(true));
    }

    #[test]
    fn every_field_error_is_reported_at_once() {
        let body = StartBody::read(br#"{"reason": 7, "read_only": "yes"}"#);
        match body.reason(true) {
            Err(ApiError::Invalid(e)) => {
                assert_eq!(e.get("reason").unwrap(), ["Not a valid string."]);
                assert_eq!(e.get("read_only").unwrap(), ["Must be a valid boolean."]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            StartBody::read(b"{").reason(false),
            Err(ApiError::BadRequest(_))
        ));
        assert_eq!(
            StartBody::read(br#"{"reason": "  x "}"#)
                .reason(true)
                .unwrap(),
            "x"
        );
    }
}
