//! Groups and roles as a user's `groups_obj` and `roles_obj` show them, kept in
//! memory between changes: a page of users then needs only its rows and links. Every
//! change to groups, their parents, roles or permissions gives the `catalog_rev`
//! counter a new value (triggers in schema.sql, so changes made by other processes
//! count too), and the next reader loads the catalog again.

use super::StoreError;
use super::user_views::{FIRST_PARENT, GroupRef, RoleRef, group_ref, role_permissions};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Every group and role, with what a user view needs to know of them.
#[derive(Debug, Default)]
pub struct Catalog {
    pub groups: HashMap<i64, GroupRef>,
    /// Roles with their permissions, sorted.
    pub roles: HashMap<i64, RoleRef>,
    /// Superuser groups and every group below one: their members are superusers.
    superuser_groups: HashSet<i64>,
}

impl Catalog {
    /// Whether membership of group `id` makes a user a superuser (CONTRACT §3).
    pub fn makes_superuser(&self, id: i64) -> bool {
        self.superuser_groups.contains(&id)
    }

    fn load(c: &Connection) -> Result<Catalog, StoreError> {
        let mut groups = HashMap::new();
        {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT g.id, g.uuid, g.name, g.is_superuser, g.attributes, {FIRST_PARENT}
                 FROM groups g"
            ))?;
            for g in stmt.query_map([], |r| group_ref(r, 0))? {
                let g = g?;
                groups.insert(g.id, g);
            }
        }
        let superuser_groups = c
            .prepare_cached(
                "WITH RECURSIVE su(id) AS (
                     SELECT id FROM groups WHERE is_superuser = 1
                     UNION
                     SELECT gp.group_id FROM group_parents gp JOIN su ON gp.parent_id = su.id
                 )
                 SELECT id FROM su",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut roles: HashMap<i64, RoleRef> = HashMap::new();
        {
            let mut stmt = c.prepare_cached("SELECT id, uuid, name FROM roles")?;
            let rows = stmt.query_map([], |r| {
                Ok(RoleRef {
                    id: r.get(0)?,
                    uuid: r.get(1)?,
                    name: r.get(2)?,
                    permissions: Vec::new(),
                })
            })?;
            for role in rows {
                let role = role?;
                roles.insert(role.id, role);
            }
        }
        let ids: Vec<i64> = roles.keys().copied().collect();
        for (id, permissions) in role_permissions(c, &ids)? {
            if let Some(role) = roles.get_mut(&id) {
                role.permissions = permissions;
            }
        }
        Ok(Catalog {
            groups,
            roles,
            superuser_groups,
        })
    }
}

/// Database file → the revision its last catalog was loaded at, and that catalog.
type Loaded = HashMap<String, (i64, Arc<Catalog>)>;

static CATALOGS: Mutex<Option<Loaded>> = Mutex::new(None);

/// The catalog of the database `c` is connected to, as `c` sees it now. A write
/// transaction may fill the cache too: a revision it sees and then rolls back is a
/// random number no other data will have.
pub fn current(c: &Connection) -> Result<Arc<Catalog>, StoreError> {
    let rev: i64 = c
        .prepare_cached("SELECT n FROM counters WHERE name = 'catalog_rev'")?
        .query_row([], |r| r.get(0))?;
    // In-memory databases have no name to tell them apart: never cached.
    let Some(key) = c.path().filter(|p| !p.is_empty()) else {
        return Ok(Arc::new(Catalog::load(c)?));
    };
    {
        let cache = CATALOGS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, catalog)) = cache.as_ref().and_then(|m| m.get(key))
            && *at == rev
        {
            return Ok(catalog.clone());
        }
    }
    let catalog = Arc::new(Catalog::load(c)?);
    let mut cache = CATALOGS.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .get_or_insert_with(HashMap::new)
        .insert(key.to_owned(), (rev, catalog.clone()));
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(c: &Connection) -> Vec<String> {
        let catalog = current(c).unwrap();
        let mut names: Vec<String> = catalog.groups.values().map(|g| g.name.clone()).collect();
        names.sort();
        names
    }

    #[test]
    fn every_change_to_groups_and_roles_reaches_the_next_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut reader = Connection::open(&path).unwrap();
        crate::db::migrate(&mut reader).unwrap();
        // Another connection, as another process would be.
        let other = Connection::open(&path).unwrap();
        let sql = |s: &str| other.execute_batch(s).unwrap();
        assert!(names(&reader).is_empty());
        sql("INSERT INTO groups (id, uuid, name) VALUES (1, 'g1', 'staff'), (2, 'g2', 'ops')");
        assert_eq!(names(&reader), ["ops", "staff"]);
        sql("UPDATE groups SET name = 'crew' WHERE id = 2");
        assert_eq!(names(&reader), ["crew", "staff"]);
        sql("UPDATE groups SET is_superuser = 1 WHERE id = 1");
        assert!(current(&reader).unwrap().makes_superuser(1));
        sql("INSERT INTO group_parents (group_id, parent_id) VALUES (2, 1)");
        let catalog = current(&reader).unwrap();
        assert!(catalog.makes_superuser(2), "a child of a superuser group");
        assert_eq!(catalog.groups[&2].parent.as_ref().unwrap().1, "staff");
        sql("DELETE FROM group_parents");
        assert!(!current(&reader).unwrap().makes_superuser(2));
        sql("INSERT INTO roles (id, uuid, name) VALUES (7, 'r7', 'viewer')");
        assert_eq!(current(&reader).unwrap().roles[&7].name, "viewer");
        sql("INSERT INTO role_permissions (role_id, codename) VALUES (7, 'core.view_user')");
        assert_eq!(
            current(&reader).unwrap().roles[&7].permissions,
            ["core.view_user"]
        );
        sql("DELETE FROM roles");
        assert!(current(&reader).unwrap().roles.is_empty());
        sql("DELETE FROM groups WHERE id = 1");
        assert_eq!(names(&reader), ["crew"]);
    }

    #[test]
    fn a_change_rolled_back_inside_a_write_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut writer = Connection::open(&path).unwrap();
        crate::db::migrate(&mut writer).unwrap();
        let reader = Connection::open(&path).unwrap();
        writer
            .execute_batch("BEGIN IMMEDIATE; SAVEPOINT job;")
            .unwrap();
        writer
            .execute("INSERT INTO groups (uuid, name) VALUES ('g', 'ghost')", [])
            .unwrap();
        assert_eq!(names(&writer), ["ghost"], "the write sees its own change");
        writer
            .execute_batch("ROLLBACK TO job; RELEASE job;")
            .unwrap();
        writer
            .execute("INSERT INTO groups (uuid, name) VALUES ('h', 'real')", [])
            .unwrap();
        writer.execute_batch("COMMIT").unwrap();
        assert_eq!(names(&reader), ["real"]);
        assert_eq!(names(&writer), ["real"]);
    }
}
