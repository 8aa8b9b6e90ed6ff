//! What an audit event records, as a type. Every value is one of authentik's
//! `EventActions`: its generated clients refuse a list holding any other.

use std::fmt;

/// The `action` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventAction {
    Login,
    LoginFailed,
    Logout,
    ImpersonationStarted,
    ImpersonationEnded,
    PasswordSet,
    SecretRotate,
    ModelCreated,
    ModelUpdated,
    ModelDeleted,
}

impl EventAction {
    /// Every action standin records.
    pub const ALL: [EventAction; 10] = [
        EventAction::Login,
        EventAction::LoginFailed,
        EventAction::Logout,
        EventAction::ImpersonationStarted,
        EventAction::ImpersonationEnded,
        EventAction::PasswordSet,
        EventAction::SecretRotate,
        EventAction::ModelCreated,
        EventAction::ModelUpdated,
        EventAction::ModelDeleted,
    ];

    /// The name stored and sent, as authentik spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventAction::Login => "login",
            EventAction::LoginFailed => "login_failed",
            EventAction::Logout => "logout",
            EventAction::ImpersonationStarted => "impersonation_started",
            EventAction::ImpersonationEnded => "impersonation_ended",
            EventAction::PasswordSet => "password_set",
            EventAction::SecretRotate => "secret_rotate",
            EventAction::ModelCreated => "model_created",
            EventAction::ModelUpdated => "model_updated",
            EventAction::ModelDeleted => "model_deleted",
        }
    }
}

impl fmt::Display for EventAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // That each is one of authentik's `EventActions` is checked against authentik's
    // list by `tests/api/event_actions.rs`, on the events a server really writes.
    #[test]
    fn every_action_has_its_own_name() {
        let mut names: Vec<&str> = EventAction::ALL.iter().map(|a| a.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EventAction::ALL.len());
    }
}
