//! What a user (or a role, or a group with its ancestors) grants.

use crate::domain::{Permission, PermissionSet};

/// What a holder may do: superuser status, or a set of permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grants {
    /// A superuser holds every permission.
    pub is_superuser: bool,
    /// The permissions held through roles; every one of them for a superuser.
    pub permissions: PermissionSet,
}

impl Grants {
    /// Superuser status.
    pub fn superuser() -> Grants {
        Grants {
            is_superuser: true,
            permissions: PermissionSet::all(),
        }
    }

    /// Exactly `permissions`, without superuser status.
    pub fn of(permissions: PermissionSet) -> Grants {
        Grants {
            is_superuser: false,
            permissions,
        }
    }

    /// Both together: what a holder of `self` and `other` holds.
    pub fn union(self, other: Grants) -> Grants {
        if self.is_superuser || other.is_superuser {
            return Grants::superuser();
        }
        Grants::of(self.permissions.union(other.permissions))
    }

    pub fn holds(&self, p: Permission) -> bool {
        self.is_superuser || self.permissions.contains(p)
    }

    /// Whether every permission of `perms` is held.
    pub fn holds_all(&self, perms: PermissionSet) -> bool {
        self.is_superuser || perms.is_subset(self.permissions)
    }

    /// Cover: a superuser covers everyone; anyone else covers a non-superuser whose
    /// every permission they hold too.
    pub fn covers(&self, other: &Grants) -> bool {
        self.is_superuser || (!other.is_superuser && self.holds_all(other.permissions))
    }

    /// The codenames held, sorted (all of them for a superuser).
    pub fn codenames(&self) -> Vec<&'static str> {
        if self.is_superuser {
            PermissionSet::all().codenames()
        } else {
            self.permissions.codenames()
        }
    }
}
