//! What the server keeps in memory of the people making requests, so that resolving a
//! caller needs no trip to the database: each user with their groups, roles and
//! grants and their count of unseen impersonations, the impersonations being run, and
//! the tokens being used. Entries are filled on first use and dropped by the writer in
//! the step that commits a change to them (`db::changes`); a write by another process
//! drops everything.

use super::impersonations::Impersonation;
use super::principal::Principal;
use super::tokens::TokenRecord;
use crate::db::changes::{Change, Watcher};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Most entries of each kind kept; past it, one is dropped for each one added.
const CAPACITY: usize = 4096;

/// A user as a request needs them.
#[derive(Debug)]
pub struct Resident {
    pub principal: Arc<Principal>,
    /// Impersonations of the user they have not acknowledged.
    pub unseen: i64,
}

/// The moment a fill started reading: entries read before a change committed must not
/// be kept after the writer has dropped that change's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(u64);

/// The memory of signed-in users, shared by the writer (which forgets) and every
/// request (which reads and fills).
#[derive(Debug, Default)]
pub struct SignedIn {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Moves with every forgetting.
    version: u64,
    users: HashMap<i64, Arc<Resident>>,
    impersonations: HashMap<String, Arc<Impersonation>>,
    tokens: HashMap<String, Arc<TokenRecord>>,
}

impl SignedIn {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take before reading what to keep: [`SignedIn::keep_user`] and its siblings keep
    /// nothing when something was forgotten since.
    pub fn version(&self) -> Version {
        Version(self.inner().version)
    }

    /// The user with this id, if in memory.
    pub fn user(&self, id: i64) -> Option<Arc<Resident>> {
        self.inner().users.get(&id).cloned()
    }

    /// The impersonation with this uuid, if in memory.
    pub fn impersonation(&self, uuid: &str) -> Option<Arc<Impersonation>> {
        self.inner().impersonations.get(uuid).cloned()
    }

    /// The token whose key hashes to `key_hash`, if in memory.
    pub fn token(&self, key_hash: &str) -> Option<Arc<TokenRecord>> {
        self.inner().tokens.get(key_hash).cloned()
    }

    /// Keeps `user`, read after `since`.
    pub fn keep_user(&self, since: Version, user: Arc<Resident>) {
        let mut inner = self.inner();
        if inner.version == since.0 {
            let id = user.principal.user.id;
            insert(&mut inner.users, id, user);
        }
    }

    /// Keeps `imp`, read after `since`.
    pub fn keep_impersonation(&self, since: Version, imp: Arc<Impersonation>) {
        let mut inner = self.inner();
        if inner.version == since.0 {
            insert(&mut inner.impersonations, imp.uuid.clone(), imp);
        }
    }

    /// Keeps `token`, read after `since`.
    pub fn keep_token(&self, since: Version, token: Arc<TokenRecord>) {
        let mut inner = self.inner();
        if inner.version == since.0 {
            insert(&mut inner.tokens, token.key_hash.clone(), token);
        }
    }

    /// How many users are in memory.
    pub fn users_kept(&self) -> usize {
        self.inner().users.len()
    }
}

fn insert<K: Eq + Hash + Clone, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= CAPACITY
        && !map.contains_key(&key)
        && let Some(any) = map.keys().next().cloned()
    {
        map.remove(&any);
    }
    map.insert(key, value);
}

impl Watcher for SignedIn {
    fn committed(&self, changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        let mut inner = self.inner();
        inner.version += 1;
        for change in changes {
            match change {
                Change::User(id) => drop(inner.users.remove(id)),
                Change::Impersonation(uuid) => drop(inner.impersonations.remove(uuid)),
                Change::Token(hash) => drop(inner.tokens.remove(hash)),
                // Every user's grants and group names may differ now.
                Change::Catalog => inner.users.clear(),
            }
        }
    }

    fn changed_elsewhere(&self) {
        let mut inner = self.inner();
        inner.version += 1;
        inner.users.clear();
        inner.impersonations.clear();
        inner.tokens.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog::Catalog;
    use crate::store::permissions::Grants;
    use crate::store::users::User;

    fn resident(id: i64) -> Arc<Resident> {
        let user = User {
            id,
            uuid: format!("u{id}"),
            username: format!("user{id}"),
            name: String::new(),
            email: String::new(),
            is_active: true,
            last_login: None,
            date_joined: String::new(),
            last_updated: String::new(),
            password_change_date: String::new(),
            attributes: serde_json::json!({}),
            path: "users".into(),
            user_type: "internal".into(),
            auth_epoch: 0,
        };
        Arc::new(Resident {
            principal: Arc::new(Principal {
                user,
                grants: Grants::default(),
                groups: Vec::new(),
                roles: Vec::new(),
                group_ids: Vec::new(),
                catalog: Arc::new(Catalog::default()),
            }),
            unseen: 0,
        })
    }

    #[test]
    fn a_fill_read_before_a_change_committed_is_not_kept() {
        let memory = SignedIn::default();
        let since = memory.version();
        // The writer commits a change to user 7 while a request is reading them.
        memory.committed(&[Change::User(7)]);
        memory.keep_user(since, resident(7));
        assert!(
            memory.user(7).is_none(),
            "what was read may predate the change"
        );
        memory.keep_user(memory.version(), resident(7));
        assert!(memory.user(7).is_some());
    }

    #[test]
    fn a_change_forgets_only_what_it_touched_and_the_catalog_every_user() {
        let memory = SignedIn::default();
        for id in [1, 2, 3] {
            memory.keep_user(memory.version(), resident(id));
        }
        memory.committed(&[Change::User(2)]);
        assert!(memory.user(1).is_some() && memory.user(2).is_none());
        memory.committed(&[]);
        assert!(memory.user(3).is_some(), "an empty batch forgets nothing");
        memory.committed(&[Change::Catalog]);
        assert_eq!(memory.users_kept(), 0);
        memory.keep_user(memory.version(), resident(1));
        memory.changed_elsewhere();
        assert_eq!(
            memory.users_kept(),
            0,
            "another process's write forgets all"
        );
    }

    #[test]
    fn memory_holds_at_most_its_capacity() {
        let memory = SignedIn::default();
        for id in 0..(CAPACITY as i64 + 10) {
            memory.keep_user(memory.version(), resident(id));
        }
        assert_eq!(memory.users_kept(), CAPACITY);
        assert!(
            memory.user(CAPACITY as i64 + 9).is_some(),
            "the newest is kept"
        );
    }
}
