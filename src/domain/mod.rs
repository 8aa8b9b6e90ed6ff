//! Value types that cannot hold a bad value, and the collected field errors of a
//! request body. Nothing here knows of HTTP or SQL.

mod avatar;
mod event_action;
mod fields;
mod permission;
pub mod time;
mod user_fields;

pub use avatar::{avatar, user_uid};
pub use event_action::EventAction;
pub use fields::FieldErrors;
pub use permission::{Permission, PermissionSet};
pub use time::{Timestamp, now};
pub use user_fields::{Email, UserPath, UserType, Username};
