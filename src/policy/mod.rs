//! Who may do what: every authorization question of the API is answered here, and
//! nowhere else. Handlers and the store ask these functions; they never compare
//! codenames or decide superuser questions themselves. Nothing here touches HTTP or
//! SQL: the store gathers the facts (what a user, group or role grants) and hands
//! them over.
//!
//! The rules, each a function below:
//! - an endpoint needs its permission ([`require`]);
//! - acting on a user needs *cover*: the caller is a superuser, or the user is not a
//!   superuser and holds nothing the caller lacks; everyone covers themselves
//!   ([`may_act_on_user`], [`may_set_password`], [`may_impersonate`]);
//! - the grant ceiling: a caller gives only what they hold ([`may_grant`]), and
//!   joining a group needs cover of the member too ([`may_add_member`]);
//! - superuser status is given and taken by superusers only
//!   ([`may_change_superuser_status`], [`may_set_superuser_flag`],
//!   [`may_take_superuser_status_of`], [`may_remove_member`]);
//! - a change to what a user holds is checked as a whole: gains within the caller's
//!   grants, losses only from users the caller covers, superuser status unchanged
//!   ([`may_change_holdings_of`]);
//! - while impersonating, nothing that changes who holds what
//!   ([`may_change_holdings`]), and other actions on the impersonator's own behalf are
//!   refused ([`refuse_while_impersonating`]);
//! - an impersonation lasts only while the impersonator still covers the target
//!   ([`may_impersonate`], asked again on every request) and holds a codename that
//!   allows it ([`may_start_impersonation`]); starting one needs a recent password
//!   ([`may_start_with_password_from`]); a read-only one writes nothing
//!   ([`may_write`]).
//!
//! Superusers are exempt from every rule but the impersonation ones.

mod grants;
#[cfg(test)]
mod tests;

pub use grants::Grants;

use crate::domain::Permission;

/// Why a request was refused; each renders as 403 with its `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    PermissionDenied,
    SuperuserOnly,
    NotCovered,
    AboveCeiling,
    ImpersonateSuperuser,
    ImpersonateNotCovered,
    WhileImpersonating,
    ReadOnlyTier,
    ReadOnly,
    ReauthRequired,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.detail())
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// The `detail` of the 403.
    pub fn detail(self) -> &'static str {
        match self {
            Refusal::PermissionDenied => "You do not have permission to perform this action.",
            Refusal::SuperuserOnly => "Only superusers can change superusers.",
            Refusal::NotCovered => {
                "You cannot change a user who holds permissions you do not have."
            }
            Refusal::AboveCeiling => "You cannot grant permissions you do not hold.",
            Refusal::ImpersonateSuperuser => "Only superusers can impersonate superusers.",
            Refusal::ImpersonateNotCovered => {
                "You cannot impersonate a user who holds permissions you do not have."
            }
            Refusal::WhileImpersonating => "Not allowed while impersonating.",
            Refusal::ReadOnlyTier => "You may only view as this user (read-only).",
            Refusal::ReadOnly => "This impersonation is read-only.",
            Refusal::ReauthRequired => "Confirm your password to continue.",
        }
    }

    /// The machine-readable `code` sent beside the detail, for the ones a client acts on.
    pub fn code(self) -> Option<&'static str> {
        (self == Refusal::ReauthRequired).then_some("reauth_required")
    }
}

/// The caller of a request as the rules see it. While impersonating, `user_id` and
/// `grants` are the target's: the request acts as them.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub grants: Grants,
    pub impersonating: bool,
    /// Inside a read-only impersonation ("view as").
    pub read_only: bool,
}

/// A user a request would act on, with what they hold now.
#[derive(Debug, Clone)]
pub struct Target {
    pub user_id: i64,
    pub grants: Grants,
}

/// Whether `caller` is exempt from the rules of who may act on whom: a superuser
/// acting as themselves (inside an impersonation the "not while impersonating" rules
/// still hold). The store may then skip gathering the facts those rules weigh.
pub fn is_exempt(caller: &Caller) -> bool {
    caller.grants.is_superuser && !caller.impersonating
}

/// The endpoint's own permission.
pub fn require(caller: &Caller, permission: Permission) -> Result<(), Refusal> {
    if caller.grants.holds(permission) {
        Ok(())
    } else {
        Err(Refusal::PermissionDenied)
    }
}

/// Actions taken on the impersonator's own behalf (passwords, tokens, deleting users,
/// nesting) are not for an impersonation.
pub fn refuse_while_impersonating(caller: &Caller) -> Result<(), Refusal> {
    if caller.impersonating {
        Err(Refusal::WhileImpersonating)
    } else {
        Ok(())
    }
}

/// Any change to who holds what (roles, groups, memberships, parents, new users) is
/// refused while impersonating, so an impersonation can never leave anyone, the
/// impersonator included, holding more than before it.
pub fn may_change_holdings(caller: &Caller) -> Result<(), Refusal> {
    refuse_while_impersonating(caller)
}

/// Changing, deleting or changing the memberships of `target` needs cover.
pub fn may_act_on_user(caller: &Caller, target: &Target) -> Result<(), Refusal> {
    if caller.user_id == target.user_id || caller.grants.covers(&target.grants) {
        Ok(())
    } else if target.grants.is_superuser {
        Err(Refusal::SuperuserOnly)
    } else {
        Err(Refusal::NotCovered)
    }
}

/// Everyone may set their own password; another user's needs
/// `core.reset_user_password` and cover of them.
pub fn may_set_password(caller: &Caller, target: &Target) -> Result<(), Refusal> {
    if caller.user_id == target.user_id {
        return Ok(());
    }
    require(caller, Permission::ResetUserPassword)?;
    may_act_on_user(caller, target)
}

/// Whether a holder of `grants` may start (and go on with) an impersonation: either
/// codename will do, but `core.impersonate_read_only` alone only for a read-only one.
pub fn may_start_impersonation(grants: &Grants, read_only: bool) -> Result<(), Refusal> {
    if grants.holds(Permission::Impersonate) {
        Ok(())
    } else if !grants.holds(Permission::ImpersonateReadOnly) {
        Err(Refusal::PermissionDenied)
    } else if read_only {
        Ok(())
    } else {
        Err(Refusal::ReadOnlyTier)
    }
}

/// Starting an impersonation needs a password entered (at login or a confirm) at
/// most `within` ago, so a session left open cannot be used to become others; a
/// zero `within` turns this off. Times are Unix seconds; `None` (no password ever
/// entered in this session) is stale.
pub fn may_start_with_password_from(
    entered_at: Option<i64>,
    now: i64,
    within: std::time::Duration,
) -> Result<(), Refusal> {
    let within = i64::try_from(within.as_secs()).unwrap_or(i64::MAX);
    match entered_at {
        _ if within == 0 => Ok(()),
        Some(at) if now.saturating_sub(at) <= within => Ok(()),
        _ => Err(Refusal::ReauthRequired),
    }
}

/// Any write (every POST, PUT, PATCH, DELETE but ending the impersonation or the
/// session, which the caller leaves out) is refused inside a read-only
/// impersonation, before anything else about the request is looked at.
pub fn may_write(caller: &Caller) -> Result<(), Refusal> {
    if caller.read_only {
        Err(Refusal::ReadOnly)
    } else {
        Ok(())
    }
}

/// Whether `original` may act as `target`: asked when an impersonation starts and
/// again on every request of it, so it ends once `target` gains what `original`
/// lacks (or `original` loses it).
pub fn may_impersonate(original: &Grants, target: &Grants) -> Result<(), Refusal> {
    if original.covers(target) {
        Ok(())
    } else if target.is_superuser {
        Err(Refusal::ImpersonateSuperuser)
    } else {
        Err(Refusal::ImpersonateNotCovered)
    }
}

/// The grant ceiling: giving `granted` (what a role, or a group with its ancestors,
/// grants) needs all of it. A superuser group is superuser status, not a ceiling.
pub fn may_grant(caller: &Caller, granted: &Grants) -> Result<(), Refusal> {
    if granted.is_superuser {
        may_change_superuser_status(caller)
    } else if caller.grants.holds_all(granted.permissions) {
        Ok(())
    } else {
        Err(Refusal::AboveCeiling)
    }
}

/// Making a group a superuser group or not, giving it or taking away a parent that
/// makes superusers, adding or removing members of such a group, or deleting one.
pub fn may_change_superuser_status(caller: &Caller) -> Result<(), Refusal> {
    if caller.grants.is_superuser {
        Ok(())
    } else {
        Err(Refusal::SuperuserOnly)
    }
}

/// Setting a group's own `is_superuser` flag from `now` to `wanted`.
pub fn may_set_superuser_flag(caller: &Caller, now: bool, wanted: bool) -> Result<(), Refusal> {
    if now == wanted {
        Ok(())
    } else {
        may_change_superuser_status(caller)
    }
}

/// Putting `member` into a group whose membership grants `group`: cover of the
/// member, and everything the group grants.
pub fn may_add_member(caller: &Caller, member: &Target, group: &Grants) -> Result<(), Refusal> {
    may_act_on_user(caller, member)?;
    may_grant(caller, group)
}

/// Taking `member` out of a group whose membership grants `group`: cover of the
/// member, and a superuser when the group makes superusers.
pub fn may_remove_member(caller: &Caller, member: &Target, group: &Grants) -> Result<(), Refusal> {
    may_act_on_user(caller, member)?;
    may_take_superuser_status_of(caller, group)
}

/// Assigning a role granting `role` to `user` directly: cover of the user, and every
/// permission of the role.
pub fn may_assign_role(
    caller: &Caller,
    user: &Target,
    role: crate::domain::PermissionSet,
) -> Result<(), Refusal> {
    may_act_on_user(caller, user)?;
    may_grant(caller, &Grants::of(role))
}

/// Taking a directly assigned role from `user`: cover of the user.
pub fn may_unassign_role(caller: &Caller, user: &Target) -> Result<(), Refusal> {
    may_act_on_user(caller, user)
}

/// Taking away a parent (or deleting a group) whose membership grants `group`: a
/// superuser when it makes superusers. (What members lose otherwise is weighed by
/// [`may_change_holdings_of`] for each of them.)
pub fn may_take_superuser_status_of(caller: &Caller, group: &Grants) -> Result<(), Refusal> {
    if group.is_superuser {
        may_change_superuser_status(caller)
    } else {
        Ok(())
    }
}

/// A change that moves `before` (what a user held) to `after`: superuser status only
/// by superusers; anything gained must be held by the caller; anything lost needs
/// cover of the user as they were. This is the check every write runs over the users
/// it touches, whatever path (role, group, parent) the change took.
pub fn may_change_holdings_of(
    caller: &Caller,
    before: &Target,
    after: &Grants,
) -> Result<(), Refusal> {
    if before.grants.is_superuser != after.is_superuser {
        return may_change_superuser_status(caller);
    }
    let gained = after.permissions.minus(before.grants.permissions);
    if !caller.grants.holds_all(gained) {
        return Err(Refusal::AboveCeiling);
    }
    let lost = !before.grants.permissions.is_subset(after.permissions);
    if lost {
        may_act_on_user(caller, before)?;
    }
    Ok(())
}

/// Per-site access behind the proxy: a user reaches a site with a rule only as a
/// member of one of `admitted` (its groups and every group below them). Superusers
/// are not exempt: a rule says who uses an app, not who administers standin.
pub fn may_reach_site(member_of: &[i64], admitted: &[i64]) -> bool {
    member_of.iter().any(|g| admitted.contains(g))
}

/// Whose API tokens the caller sees and manages: `None` means everyone's
/// (superusers), else only their own.
pub fn token_owner_scope(caller: &Caller) -> Option<i64> {
    (!caller.grants.is_superuser).then_some(caller.user_id)
}

/// The owner a caller asked a new token for, when that is honoured: superusers may
/// name any user; for everyone else the token is their own and the `user` they sent
/// is ignored, as in authentik.
pub fn honoured_token_owner(caller: &Caller, asked_for: Option<i64>) -> Option<i64> {
    asked_for.filter(|_| caller.grants.is_superuser)
}
