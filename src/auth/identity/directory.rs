//! Where the identity of a request is looked up: memory alone (the common case, no
//! trip to the database), or the database, which fills memory as it reads.

use crate::store::impersonations::{self, Impersonation};
use crate::store::principal::Principal;
use crate::store::signed_in::{Resident, SignedIn, Version};
use crate::store::tokens::{self, TokenRecord};
use crate::store::{StoreError, impersonation_history, users};
use rusqlite::Connection;
use std::sync::Arc;

/// The users, impersonations and tokens a request's identity is made of.
pub(super) trait Directory {
    type Error;
    fn user(&mut self, id: i64) -> Result<Option<Arc<Resident>>, Self::Error>;
    fn impersonation(&mut self, uuid: &str) -> Result<Option<Arc<Impersonation>>, Self::Error>;
    fn token(&mut self, key_hash: &str) -> Result<Option<Arc<TokenRecord>>, Self::Error>;
}

/// Something the request needs is not in memory.
#[derive(Debug)]
pub(super) struct Missing;

/// Memory alone.
pub(super) struct Memory<'a>(pub &'a SignedIn);

impl Directory for Memory<'_> {
    type Error = Missing;

    fn user(&mut self, id: i64) -> Result<Option<Arc<Resident>>, Missing> {
        self.0.user(id).map(Some).ok_or(Missing)
    }

    fn impersonation(&mut self, uuid: &str) -> Result<Option<Arc<Impersonation>>, Missing> {
        self.0.impersonation(uuid).map(Some).ok_or(Missing)
    }

    fn token(&mut self, key_hash: &str) -> Result<Option<Arc<TokenRecord>>, Missing> {
        self.0.token(key_hash).map(Some).ok_or(Missing)
    }
}

/// The database, keeping what it finds in memory (only what exists is kept: a key
/// or id that finds nothing asks the database again next time).
pub(super) struct Database<'a> {
    c: &'a Connection,
    memory: &'a SignedIn,
    since: Version,
}

impl<'a> Database<'a> {
    /// Reads through `c`; create it before the first read.
    pub(super) fn new(c: &'a Connection, memory: &'a SignedIn) -> Self {
        Database {
            c,
            memory,
            since: memory.version(),
        }
    }
}

impl Directory for Database<'_> {
    type Error = StoreError;

    fn user(&mut self, id: i64) -> Result<Option<Arc<Resident>>, StoreError> {
        let Some(user) = users::find(self.c, id)? else {
            return Ok(None);
        };
        let resident = Arc::new(Resident {
            unseen: impersonation_history::unseen(self.c, id)?,
            principal: Arc::new(Principal::load(self.c, user)?),
        });
        self.memory.keep_user(self.since, resident.clone());
        Ok(Some(resident))
    }

    fn impersonation(&mut self, uuid: &str) -> Result<Option<Arc<Impersonation>>, StoreError> {
        let Some(imp) = impersonations::find(self.c, uuid)? else {
            return Ok(None);
        };
        let imp = Arc::new(imp);
        self.memory.keep_impersonation(self.since, imp.clone());
        Ok(Some(imp))
    }

    fn token(&mut self, key_hash: &str) -> Result<Option<Arc<TokenRecord>>, StoreError> {
        let Some(token) = tokens::lookup(self.c, key_hash)? else {
            return Ok(None);
        };
        let token = Arc::new(token);
        self.memory.keep_token(self.since, token.clone());
        Ok(Some(token))
    }
}
