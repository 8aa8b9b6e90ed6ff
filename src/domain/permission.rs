//! The permission vocabulary: every codename a role can grant, as a type, and sets of
//! them. Codenames are strings only at the edges (request bodies, the database, JSON
//! answers); a typo in code does not compile.

use std::fmt;

/// One permission a role can grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    AddGroup,
    AddUser,
    ChangeGroup,
    ChangeUser,
    DeleteGroup,
    DeleteUser,
    EndImpersonation,
    Impersonate,
    ImpersonateReadOnly,
    ResetUserPassword,
    ViewGroup,
    ViewImpersonation,
    ViewUser,
    ViewEvent,
    ChangeRole,
    ViewRole,
}

impl Permission {
    /// Every permission, in the order of their codenames.
    pub const ALL: [Permission; 16] = [
        Permission::AddGroup,
        Permission::AddUser,
        Permission::ChangeGroup,
        Permission::ChangeUser,
        Permission::DeleteGroup,
        Permission::DeleteUser,
        Permission::EndImpersonation,
        Permission::Impersonate,
        Permission::ImpersonateReadOnly,
        Permission::ResetUserPassword,
        Permission::ViewGroup,
        Permission::ViewImpersonation,
        Permission::ViewUser,
        Permission::ViewEvent,
        Permission::ChangeRole,
        Permission::ViewRole,
    ];

    /// The codename clients see, e.g. `core.view_user`.
    pub const fn codename(self) -> &'static str {
        match self {
            Permission::AddGroup => "core.add_group",
            Permission::AddUser => "core.add_user",
            Permission::ChangeGroup => "core.change_group",
            Permission::ChangeUser => "core.change_user",
            Permission::DeleteGroup => "core.delete_group",
            Permission::DeleteUser => "core.delete_user",
            Permission::EndImpersonation => "core.end_impersonation",
            Permission::Impersonate => "core.impersonate",
            Permission::ImpersonateReadOnly => "core.impersonate_read_only",
            Permission::ResetUserPassword => "core.reset_user_password",
            Permission::ViewGroup => "core.view_group",
            Permission::ViewImpersonation => "core.view_impersonation",
            Permission::ViewUser => "core.view_user",
            Permission::ViewEvent => "events.view_event",
            Permission::ChangeRole => "rbac.change_role",
            Permission::ViewRole => "rbac.view_role",
        }
    }

    /// The permission named by `codename`; `None` for a name no role can grant.
    pub fn parse(codename: &str) -> Option<Permission> {
        Permission::ALL
            .into_iter()
            .find(|p| p.codename() == codename)
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.codename())
    }
}

/// A set of permissions. Iterates in codename order.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u32);

impl PermissionSet {
    pub const EMPTY: PermissionSet = PermissionSet(0);

    /// Every permission there is.
    pub fn all() -> PermissionSet {
        Permission::ALL.into_iter().collect()
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    pub fn union(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | other.0)
    }

    /// Whether every permission of `self` is in `other`.
    pub fn is_subset(self, other: PermissionSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// The permissions of `self` that are not in `other`.
    pub fn minus(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// The codenames, sorted.
    pub fn codenames(self) -> Vec<&'static str> {
        self.iter().map(Permission::codename).collect()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = PermissionSet::EMPTY;
        for p in iter {
            set.insert(p);
        }
        set
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.codenames()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codenames_are_sorted_unique_and_parse_back() {
        let names: Vec<&str> = Permission::ALL.iter().map(|p| p.codename()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, names);
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.codename()), Some(p));
        }
    }

    #[test]
    fn unknown_codenames_do_not_parse() {
        for name in [
            "",
            "core.view_users",
            "CORE.VIEW_USER",
            " core.view_user",
            "admin",
        ] {
            assert_eq!(Permission::parse(name), None, "{name:?}");
        }
    }

    #[test]
    fn sets_answer_subset_and_difference() {
        let small: PermissionSet = [Permission::ViewUser].into_iter().collect();
        let big: PermissionSet = [Permission::ViewUser, Permission::ChangeUser]
            .into_iter()
            .collect();
        assert!(small.is_subset(big));
        assert!(!big.is_subset(small));
        assert!(PermissionSet::EMPTY.is_subset(small));
        assert_eq!(big.minus(small).codenames(), ["core.change_user"]);
        assert_eq!(small.union(big), big);
        assert_eq!(PermissionSet::all().iter().count(), Permission::ALL.len());
    }
}
