//! A user together with what they may do: what the identity of a request is made of.

use super::StoreError;
use super::catalog::{self, Catalog};
use super::permissions::Grants;
use super::users::{self, User};
use rusqlite::Connection;
use std::sync::Arc;

/// A user together with what they may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub grants: Grants,
    /// `(uuid, name)` of the user's own groups and roles, by name. Loaded with the
    /// rest so `me` needs no second trip to the database.
    pub groups: Vec<(String, String)>,
    pub roles: Vec<(String, String)>,
    /// The ids of the user's own groups.
    pub group_ids: Vec<i64>,
    /// The groups and roles as they were when the user was loaded.
    pub catalog: Arc<Catalog>,
}

impl Principal {
    /// Loads what goes with `user`.
    pub fn load(c: &Connection, user: User) -> Result<Principal, StoreError> {
        let (group_ids, role_ids) = users::links(c, user.id)?;
        let catalog = catalog::current(c)?;
        let named = |found: Vec<(&String, &String)>| {
            let mut v: Vec<(String, String)> = (found.into_iter())
                .map(|(uuid, name)| (uuid.clone(), name.clone()))
                .collect();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        };
        let groups = (group_ids.iter().filter_map(|g| catalog.groups.get(g)))
            .map(|g| (&g.uuid, &g.name))
            .collect();
        let roles = (role_ids.iter().filter_map(|r| catalog.roles.get(r)))
            .map(|r| (&r.uuid, &r.name))
            .collect();
        Ok(Principal {
            grants: catalog.grants(&group_ids, &role_ids),
            groups: named(groups),
            roles: named(roles),
            user,
            catalog: catalog.clone(),
            group_ids,
        })
    }
}
