//! Groups and roles as a user's `groups_obj` and `roles_obj` show them and as
//! permission checks need them, kept in memory between changes: a page of users, or
//! the caller of a request, then needs only their rows and links. Every change to
//! groups, their parents or roles, or to roles and their permissions, gives the
//! `catalog_rev` counter a new value (triggers in schema.sql, so changes made by other
//! processes count too), and the next reader loads the catalog again.

use super::StoreError;
use super::permissions::Grants;
use super::user_views::{FIRST_PARENT, GroupRef, RoleRef, group_ref, grouped_pairs};
use crate::domain::{Permission, PermissionSet};
use hierarchy::Hierarchy;
use rusqlite::Connection;
use std::collections::HashMap;

mod hierarchy;
use std::sync::{Arc, Mutex};

/// Every group and role, with what user views and permission checks need of them.
#[derive(Debug, Default)]
pub struct Catalog {
    pub groups: HashMap<i64, GroupRef>,
    /// Roles with their permissions, sorted.
    pub roles: HashMap<i64, RoleRef>,
    /// What each role grants.
    role_permissions: HashMap<i64, PermissionSet>,
    hierarchy: Hierarchy,
    /// Group ids by name.
    by_name: HashMap<String, i64>,
}

impl Catalog {
    /// Whether membership of group `id` makes a user a superuser: it or a group above
    /// it is a superuser group.
    pub fn makes_superuser(&self, id: i64) -> bool {
        self.hierarchy.grants(id).is_superuser
    }

    /// What a user in `groups` holding `roles` directly may do: roles count through
    /// the user, their groups and every group above those.
    pub fn grants(&self, groups: &[i64], roles: &[i64]) -> Grants {
        let direct = roles.iter().map(|r| Grants::of(self.role_grants(*r)));
        let through = groups.iter().map(|g| self.hierarchy.grants(*g));
        direct.chain(through).fold(Grants::default(), Grants::union)
    }

    /// What role `id` grants (nothing for a role that does not exist).
    pub fn role_grants(&self, id: i64) -> PermissionSet {
        self.role_permissions.get(&id).copied().unwrap_or_default()
    }

    /// What membership of group `id` grants: superuser status through it or an
    /// ancestor, else the roles of it and its ancestors.
    pub fn group_grants(&self, id: i64) -> Grants {
        self.hierarchy.grants(id)
    }

    /// Groups `ids` and every group below any of them.
    pub fn at_or_below(&self, ids: &[i64]) -> Vec<i64> {
        self.hierarchy.at_or_below(ids)
    }

    /// The id of the group named `name`.
    pub fn group_named(&self, name: &str) -> Option<i64> {
        self.by_name.get(name).copied()
    }

    /// Levels from group `id` up to its farthest ancestor, itself counted.
    pub fn level(&self, id: i64) -> usize {
        self.hierarchy.level(id)
    }

    /// Levels from group `id` down to its farthest descendant.
    pub fn height(&self, id: i64) -> usize {
        self.hierarchy.height(id)
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
        let parents = grouped_pairs(c, "SELECT group_id, parent_id FROM group_parents", [])?;
        let group_roles = grouped_pairs(c, "SELECT group_id, role_id FROM group_roles", [])?;
        let ids: Vec<i64> = c
            .prepare_cached("SELECT id FROM roles")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let roles: HashMap<i64, RoleRef> = (super::roles::load(c, &ids)?.into_iter())
            .map(|role| (role.id, role))
            .collect();
        // A codename no role can grant (written by hand into the database) grants nothing.
        let role_permissions: HashMap<i64, PermissionSet> = (roles.values())
            .map(|r| {
                let set = r.permissions.iter().filter_map(|p| Permission::parse(p));
                (r.id, set.collect())
            })
            .collect();
        let own = (groups.values())
            .map(|g| {
                let grants = if g.is_superuser {
                    Grants::superuser()
                } else {
                    let roles = group_roles.get(&g.id).into_iter().flatten();
                    let held = roles.filter_map(|r| role_permissions.get(r).copied());
                    Grants::of(held.fold(PermissionSet::EMPTY, PermissionSet::union))
                };
                (g.id, grants)
            })
            .collect();
        Ok(Catalog {
            hierarchy: Hierarchy::build(&own, &parents),
            by_name: groups.values().map(|g| (g.name.clone(), g.id)).collect(),
            groups,
            roles,
            role_permissions,
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
    fn grants_come_through_own_roles_groups_and_every_group_above() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        c.execute_batch(
            "INSERT INTO groups (id, uuid, name) VALUES (1, 'g1', 'top'), (2, 'g2', 'mid'),
                 (3, 'g3', 'leaf'), (4, 'g4', 'root');
             INSERT INTO group_parents (group_id, parent_id) VALUES (3, 2), (2, 1);
             INSERT INTO roles (id, uuid, name) VALUES (1, 'r1', 'a'), (2, 'r2', 'b'), (3, 'r3', 'c');
             INSERT INTO role_permissions (role_id, codename) VALUES
                 (1, 'core.view_user'), (2, 'core.add_user'), (3, 'core.delete_user');
             INSERT INTO group_roles (group_id, role_id) VALUES (1, 2);",
        )
        .unwrap();
        let catalog = current(&c).unwrap();
        let grants = catalog.grants(&[3], &[1]);
        assert!(!grants.is_superuser);
        assert_eq!(
            grants.permissions.codenames(),
            ["core.add_user", "core.view_user"]
        );
        assert!(catalog.grants(&[], &[]).permissions.is_empty());
        c.execute_batch("UPDATE groups SET is_superuser = 1 WHERE id = 1")
            .unwrap();
        let catalog = current(&c).unwrap();
        assert!(
            catalog.grants(&[3], &[]).is_superuser,
            "through two parents"
        );
        assert!(!catalog.grants(&[4], &[3]).is_superuser);
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

    /// 2,000 groups in 32 levels, each below up to 20 groups of the level above, with
    /// a role each: the whole catalog loads, grants and all, well within a request.
    #[test]
    fn a_wide_and_deep_hierarchy_loads_quickly() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut c).unwrap();
        let tx = c.transaction().unwrap();
        tx.execute_batch(
            "INSERT INTO roles (id, uuid, name) VALUES (1, 'r1', 'viewer');
             INSERT INTO role_permissions VALUES (1, 'core.view_user');",
        )
        .unwrap();
        let per_level = 2000 / 32 + 1;
        for g in 0..2000i64 {
            tx.execute(
                "INSERT INTO groups (id, uuid, name) VALUES (?1, ?2, ?2)",
                rusqlite::params![g + 1, format!("g{g}")],
            )
            .unwrap();
            tx.execute("INSERT INTO group_roles VALUES (?1, 1)", [g + 1])
                .unwrap();
            let level = g / per_level;
            if level > 0 {
                let first_above = (level - 1) * per_level;
                for k in 0..(1 + g % 20) {
                    let p = first_above + (g * 7 + k * 13) % per_level;
                    tx.execute(
                        "INSERT OR IGNORE INTO group_parents (group_id, parent_id, position) VALUES (?1, ?2, ?3)",
                        [g + 1, p + 1, k],
                    )
                    .unwrap();
                }
            }
        }
        tx.commit().unwrap();
        let started = std::time::Instant::now();
        let catalog = Catalog::load(&c).unwrap();
        let took = started.elapsed();
        assert_eq!(catalog.level(2000), 32);
        assert_eq!(
            catalog.grants(&[2000], &[]).permissions.codenames(),
            ["core.view_user"]
        );
        eprintln!("2,000 groups in 32 levels loaded in {took:?}");
        // The target is 50 ms in a release build; debug builds and a busy machine
        // get room.
        assert!(took.as_millis() < 1000, "took {took:?}");
    }
}
