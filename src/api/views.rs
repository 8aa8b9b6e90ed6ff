//! Response shapes shared by several resources: `User`, `PartialUser`,
//! `PartialGroup` and `Role`. Each carries the union of the fields authentik's 2024
//! and 2026 clients read.

use crate::domain::{avatar, user_uid};
use crate::store::user_views::{GroupRef, RoleRef, UserView};
use crate::store::users::User as UserRow;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A group as other objects embed it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartialGroup {
    #[schema(format = Uuid)]
    pub pk: String,
    pub num_pk: i64,
    pub name: String,
    pub is_superuser: bool,
    /// The first parent's uuid, for clients that know one parent.
    pub parent: Option<String>,
    pub parent_name: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: Value,
    /// Same as `pk` (authentik 2026 `RelatedGroup`).
    #[schema(format = Uuid)]
    pub group_uuid: String,
}

impl From<GroupRef> for PartialGroup {
    fn from(g: GroupRef) -> Self {
        let (parent, parent_name) = g.parent.unzip();
        PartialGroup {
            pk: g.uuid.clone(),
            num_pk: g.id,
            name: g.name,
            is_superuser: g.is_superuser,
            parent,
            parent_name,
            attributes: g.attributes,
            group_uuid: g.uuid,
        }
    }
}

/// A role and the permissions it grants.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Role {
    #[schema(format = Uuid)]
    pub pk: String,
    pub name: String,
    pub permissions: Vec<String>,
}

impl From<RoleRef> for Role {
    fn from(r: RoleRef) -> Self {
        Role {
            pk: r.uuid,
            name: r.name,
            permissions: r.permissions,
        }
    }
}

/// A user as other objects embed it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartialUser {
    pub pk: i64,
    pub username: String,
    pub name: String,
    pub is_active: bool,
    pub last_login: Option<String>,
    pub email: String,
    #[schema(value_type = Object)]
    pub attributes: Value,
    pub uid: String,
}

impl PartialUser {
    pub fn new(u: UserRow, install_id: &str) -> Self {
        PartialUser {
            uid: user_uid(install_id, u.id),
            pk: u.id,
            username: u.username,
            name: u.name,
            is_active: u.is_active,
            last_login: u.last_login,
            email: u.email,
            attributes: u.attributes,
        }
    }
}

/// A user, as the users endpoints return it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub pk: i64,
    pub username: String,
    pub name: String,
    pub is_active: bool,
    pub last_login: Option<String>,
    pub date_joined: String,
    pub last_updated: String,
    pub password_change_date: String,
    pub is_superuser: bool,
    pub groups: Vec<String>,
    /// `null` with `include_groups=false`.
    pub groups_obj: Option<Vec<PartialGroup>>,
    pub roles: Vec<String>,
    /// `null` with `include_roles=false`.
    pub roles_obj: Option<Vec<Role>>,
    pub email: String,
    pub avatar: String,
    #[schema(value_type = Object)]
    pub attributes: Value,
    pub uid: String,
    pub path: String,
    #[serde(rename = "type")]
    pub user_type: String,
    #[schema(format = Uuid)]
    pub uuid: String,
}

/// Which embedded lists a `User` carries.
#[derive(Debug, Clone, Copy)]
pub struct Include {
    pub groups: bool,
    pub roles: bool,
}

impl Include {
    pub const ALL: Include = Include {
        groups: true,
        roles: true,
    };
}

impl User {
    pub fn new(v: UserView, install_id: &str, include: Include) -> Self {
        let u = v.user;
        User {
            uid: user_uid(install_id, u.id),
            avatar: avatar(&u.name, &u.username),
            groups: v.groups.iter().map(|g| g.uuid.clone()).collect(),
            groups_obj: include
                .groups
                .then(|| v.groups.into_iter().map(PartialGroup::from).collect()),
            roles: v.roles.iter().map(|r| r.uuid.clone()).collect(),
            roles_obj: include
                .roles
                .then(|| v.roles.into_iter().map(Role::from).collect()),
            is_superuser: v.is_superuser,
            pk: u.id,
            username: u.username,
            name: u.name,
            is_active: u.is_active,
            last_login: u.last_login,
            date_joined: u.date_joined,
            last_updated: u.last_updated,
            password_change_date: u.password_change_date,
            email: u.email,
            attributes: u.attributes,
            path: u.path,
            user_type: u.user_type,
            uuid: u.uuid,
        }
    }
}
