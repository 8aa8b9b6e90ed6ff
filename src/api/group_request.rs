//! The `Group` object and the `GroupRequest` body.

use super::body::Body;
use super::user_request::{MAX_ATTRIBUTES, Mode};
use super::views::{PartialGroup, PartialUser, Role};
use crate::domain::FieldErrors;
use crate::error::ApiError;
use crate::store::group_changes::GroupChange;
use crate::store::group_views::GroupView;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A group, as the groups endpoints return it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Group {
    #[schema(format = Uuid)]
    pk: String,
    num_pk: i64,
    name: String,
    is_superuser: bool,
    #[schema(format = Uuid)]
    parents: Vec<String>,
    parents_obj: Vec<PartialGroup>,
    /// The first parent, for clients that know one parent.
    #[schema(format = Uuid, required = true)]
    parent: Option<String>,
    #[schema(required = true)]
    parent_name: Option<String>,
    #[schema(format = Uuid)]
    children: Vec<String>,
    children_obj: Vec<PartialGroup>,
    users: Vec<i64>,
    /// `null` with `include_users=false`.
    #[schema(required = true)]
    users_obj: Option<Vec<PartialUser>>,
    #[schema(value_type = Object)]
    attributes: Value,
    #[schema(format = Uuid)]
    roles: Vec<String>,
    roles_obj: Vec<Role>,
    /// Roles reached through ancestors that the group does not hold itself.
    inherited_roles_obj: Vec<Role>,
}

impl Group {
    pub fn new(v: GroupView, install_id: &str) -> Self {
        let uuids =
            |gs: &[crate::store::user_views::GroupRef]| gs.iter().map(|g| g.uuid.clone()).collect();
        let first = v.parents.first();
        Group {
            pk: v.uuid,
            num_pk: v.id,
            name: v.name,
            is_superuser: v.is_superuser,
            parent: first.map(|p| p.uuid.clone()),
            parent_name: first.map(|p| p.name.clone()),
            parents: uuids(&v.parents),
            parents_obj: v.parents.into_iter().map(PartialGroup::from).collect(),
            children: uuids(&v.children),
            children_obj: v.children.into_iter().map(PartialGroup::from).collect(),
            users: v.users,
            users_obj: v.members.map(|m| {
                m.into_iter()
                    .map(|u| PartialUser::new(u, install_id))
                    .collect()
            }),
            attributes: v.attributes,
            roles: v.roles.iter().map(|r| r.uuid.clone()).collect(),
            roles_obj: v.roles.into_iter().map(Role::from).collect(),
            inherited_roles_obj: v.inherited_roles.into_iter().map(Role::from).collect(),
        }
    }
}

/// The writable fields of a group. On PUT an omitted `parents`/`users`/`roles` means
/// none; `parent` (2024 clients) sets `parents` to that one group, unless `parents` is given.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct GroupRequest {
    name: String,
    is_superuser: Option<bool>,
    #[schema(format = Uuid)]
    parents: Option<Vec<String>>,
    #[schema(format = Uuid)]
    parent: Option<String>,
    users: Option<Vec<i64>>,
    #[schema(value_type = Option<Object>)]
    attributes: Option<Value>,
    #[schema(format = Uuid)]
    roles: Option<Vec<String>>,
}

/// Body of `add_user` and `remove_user`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UserAccountRequest {
    pk: i64,
}

/// Parses `body` for `mode`. Returns the change and the field errors found so far:
/// the store adds the ones only the database can tell before anything is answered.
pub fn parse(body: Value, mode: Mode) -> Result<(GroupChange, FieldErrors), ApiError> {
    let mut b = Body::parse(body)?;
    let replace = mode == Mode::Replace;
    let mut change = GroupChange {
        name: b.string("name", mode != Mode::Patch, false),
        is_superuser: b.boolean("is_superuser"),
        attributes: b.object("attributes", MAX_ATTRIBUTES),
        parents_field: "parents",
        ..GroupChange::default()
    };
    // 2024 clients write one `parent`: it sets `parents` to that one; `parents` wins
    // when both are given.
    change.parents = match b.raw("parent").cloned() {
        _ if b.has("parents") => b.uuid_list("parents"),
        Some(Value::Null) => Some(Vec::new()),
        Some(v) => match v.as_str().map(uuid::Uuid::parse_str) {
            Some(Ok(u)) => Some(vec![u.to_string()]),
            _ => {
                b.errors.add("parent", "Must be a valid UUID.");
                None
            }
        },
        None => replace.then(Vec::new),
    };
    if b.has("parent") && !b.has("parents") {
        change.parents_field = "parent";
    }
    change.users = if b.has("users") {
        b.integer_list("users")
    } else {
        replace.then(Vec::new)
    };
    change.roles = if b.has("roles") {
        b.uuid_list("roles")
    } else {
        replace.then(Vec::new)
    };
    let errors = std::mem::take(&mut b.errors);
    Ok((change, errors))
}
