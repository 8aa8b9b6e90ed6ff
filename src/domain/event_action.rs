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

    /// authentik 2026.5's `EventActions` enum, as its OpenAPI schema lists it.
    const AUTHENTIK: &[&str] = &[
        "login",
        "login_failed",
        "logout",
        "user_write",
        "suspicious_request",
        "password_set",
        "secret_view",
        "secret_rotate",
        "invitation_used",
        "authorize_application",
        "source_linked",
        "impersonation_started",
        "impersonation_ended",
        "flow_execution",
        "policy_execution",
        "policy_exception",
        "property_mapping_exception",
        "system_task_execution",
        "system_task_exception",
        "system_exception",
        "configuration_error",
        "configuration_warning",
        "model_created",
        "model_updated",
        "model_deleted",
        "email_sent",
        "update_available",
        "export_ready",
        "review_initiated",
        "review_overdue",
        "review_attested",
        "review_completed",
        "custom_",
    ];

    #[test]
    fn every_action_is_one_of_authentiks() {
        for action in EventAction::ALL {
            assert!(AUTHENTIK.contains(&action.as_str()), "{action}");
        }
    }
}
