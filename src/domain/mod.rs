//! Value types that cannot hold a bad value, and the collected field errors of a
//! request body. Nothing here knows of HTTP or SQL.

mod avatar;
mod fields;
pub mod time;
mod user_fields;

pub use avatar::{avatar, user_uid};
pub use fields::FieldErrors;
pub use time::{Timestamp, now};
pub use user_fields::{Email, UserPath, UserType, Username};

/// Every permission codename of CONTRACT §3, sorted.
pub const PERMISSIONS: &[&str] = &[
    "core.add_group",
    "core.add_user",
    "core.change_group",
    "core.change_user",
    "core.delete_group",
    "core.delete_user",
    "core.end_impersonation",
    "core.impersonate",
    "core.reset_user_password",
    "core.view_group",
    "core.view_impersonation",
    "core.view_user",
    "events.view_event",
    "rbac.change_role",
    "rbac.view_role",
];

#[cfg(test)]
mod tests {
    #[test]
    fn permission_codenames_are_sorted_and_unique() {
        let mut sorted = super::PERMISSIONS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, super::PERMISSIONS);
    }
}
