//! `UserRequest`: a body parsed into a [`UserChange`], every field
//! checked before answering.

use super::body::Body;
use crate::domain::{Email, FieldErrors, UserPath, UserType, Username, time};
use crate::error::ApiError;
use crate::store::user_changes::UserChange;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// How a body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST: `username` and `name` required.
    Create,
    /// PUT: `username` and `name` required; omitted `groups`/`roles` mean none.
    Replace,
    /// PATCH: everything optional; omitted means unchanged.
    Patch,
}

/// Largest accepted `attributes`, serialised.
pub const MAX_ATTRIBUTES: usize = 64 * 1024;

/// The writable fields of a user (documentation of the body parsed by [`parse`]).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct UserRequest {
    username: String,
    name: String,
    is_active: Option<bool>,
    last_login: Option<String>,
    #[schema(format = Uuid)]
    groups: Option<Vec<String>>,
    #[schema(format = Uuid)]
    roles: Option<Vec<String>>,
    email: Option<String>,
    #[schema(value_type = Option<Object>)]
    attributes: Option<Value>,
    path: Option<String>,
    #[serde(rename = "type")]
    #[schema(inline)]
    user_type: Option<String>,
}

/// Parses `body` for `mode`. Returns the change and the field errors found so far:
/// the store adds the ones only the database can tell before anything is answered.
pub fn parse(body: Value, mode: Mode) -> Result<(UserChange, FieldErrors), ApiError> {
    let mut b = Body::parse(body)?;
    let required = mode != Mode::Patch;
    let mut change = UserChange::default();
    if let Some(s) = b.string("username", required, false) {
        change.username = b.errors.check("username", Username::parse(&s));
    }
    change.name = b.string("name", required, true);
    change.is_active = b.boolean("is_active");
    if let Some(raw) = b.raw("last_login").cloned() {
        change.last_login = match raw {
            Value::Null => Some(None),
            Value::String(s) => b.errors.check("last_login", time::parse(&s)).map(Some),
            _ => {
                b.errors.add("last_login", "Datetime has wrong format.");
                None
            }
        };
    }
    if let Some(s) = b.string("email", false, true) {
        change.email = b.errors.check("email", Email::parse(&s));
    }
    change.attributes = b.object("attributes", MAX_ATTRIBUTES);
    if let Some(s) = b.string("path", false, false) {
        change.path = b.errors.check("path", UserPath::parse(&s));
    }
    if let Some(s) = b.string("type", false, true) {
        change.user_type = b.errors.check("type", UserType::parse(&s));
    }
    change.groups = b.uuid_list("groups");
    change.roles = b.uuid_list("roles");
    if mode == Mode::Replace {
        // On PUT an omitted `groups`/`roles` means empty, as in authentik.
        if !b.has("groups") {
            change.groups = Some(Vec::new());
        }
        if !b.has("roles") {
            change.roles = Some(Vec::new());
        }
    }
    let errors = std::mem::take(&mut b.errors);
    Ok((change, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn put_empties_omitted_groups_and_roles_but_patch_leaves_them() {
        let (put, e) = parse(json!({"username": "a", "name": ""}), Mode::Replace).unwrap();
        assert!(e.is_empty());
        assert_eq!(put.groups, Some(vec![]));
        assert_eq!(put.roles, Some(vec![]));
        let (patch, _) = parse(json!({"name": "x"}), Mode::Patch).unwrap();
        assert_eq!(patch.groups, None);
        assert_eq!(patch.username, None);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let body = json!({
            "username": "a b", "email": "nope", "path": "/x", "type": "robot",
            "attributes": [1], "groups": ["not-a-uuid"], "is_active": "perhaps",
            "last_login": "yesterday"
        });
        let (_, e) = parse(body, Mode::Create).unwrap();
        for field in [
            "username",
            "name",
            "email",
            "path",
            "type",
            "attributes",
            "groups",
            "is_active",
            "last_login",
        ] {
            assert!(e.get(field).is_some(), "{field} not reported: {e:?}");
        }
        assert_eq!(e.get("name").unwrap(), ["This field is required."]);
        assert_eq!(e.get("type").unwrap(), ["\"robot\" is not a valid choice."]);
        assert_eq!(
            e.get("attributes").unwrap(),
            ["Value must be a dictionary, and not have any duplicate keys."]
        );
    }

    #[test]
    fn read_only_and_unknown_fields_are_ignored() {
        let body = json!({"username": "a", "name": "A", "pk": 99, "uid": "x", "is_superuser": true, "color": "red"});
        let (c, e) = parse(body, Mode::Create).unwrap();
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(c.username.unwrap().as_str(), "a");
    }
}
