//! One test per rule of the policy.

use super::*;
use crate::domain::{Permission as P, PermissionSet};

fn set(perms: &[P]) -> PermissionSet {
    perms.iter().copied().collect()
}

fn caller(id: i64, perms: &[P]) -> Caller {
    Caller {
        user_id: id,
        grants: Grants::of(set(perms)),
        impersonating: false,
        read_only: false,
    }
}

fn superuser(id: i64) -> Caller {
    Caller {
        user_id: id,
        grants: Grants::superuser(),
        impersonating: false,
        read_only: false,
    }
}

fn target(id: i64, perms: &[P]) -> Target {
    Target {
        user_id: id,
        grants: Grants::of(set(perms)),
    }
}

fn superuser_target(id: i64) -> Target {
    Target {
        user_id: id,
        grants: Grants::superuser(),
    }
}

#[test]
fn an_endpoint_needs_its_permission_and_superusers_hold_all() {
    let c = caller(1, &[P::ViewUser]);
    assert_eq!(require(&c, P::ViewUser), Ok(()));
    assert_eq!(require(&c, P::ChangeUser), Err(Refusal::PermissionDenied));
    assert_eq!(require(&superuser(2), P::ChangeRole), Ok(()));
}

#[test]
fn cover_needs_every_permission_of_the_target_and_no_superuser_status() {
    let helpdesk = caller(1, &[P::ViewUser, P::ChangeUser]);
    assert_eq!(
        may_act_on_user(&helpdesk, &target(2, &[P::ViewUser])),
        Ok(())
    );
    assert_eq!(
        may_act_on_user(&helpdesk, &target(2, &[P::ViewUser, P::ChangeUser])),
        Ok(()),
        "a peer with equal permissions is covered"
    );
    assert_eq!(
        may_act_on_user(&helpdesk, &target(2, &[P::DeleteUser])),
        Err(Refusal::NotCovered)
    );
    assert_eq!(
        may_act_on_user(&helpdesk, &superuser_target(3)),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(may_act_on_user(&superuser(4), &superuser_target(3)), Ok(()));
}

#[test]
fn everyone_covers_themselves() {
    let weak = caller(5, &[]);
    assert_eq!(may_act_on_user(&weak, &target(5, &[P::ChangeRole])), Ok(()));
}

#[test]
fn another_users_password_needs_the_permission_and_cover_but_ones_own_needs_neither() {
    let plain = caller(1, &[]);
    assert_eq!(may_set_password(&plain, &target(1, &[])), Ok(()));
    assert_eq!(
        may_set_password(&plain, &target(2, &[])),
        Err(Refusal::PermissionDenied)
    );
    let resetter = caller(1, &[P::ResetUserPassword]);
    assert_eq!(may_set_password(&resetter, &target(2, &[])), Ok(()));
    assert_eq!(
        may_set_password(&resetter, &target(2, &[P::ChangeRole])),
        Err(Refusal::NotCovered)
    );
    assert_eq!(
        may_set_password(&resetter, &superuser_target(2)),
        Err(Refusal::SuperuserOnly)
    );
}

#[test]
fn impersonating_needs_cover_with_its_own_messages() {
    let helpdesk = Grants::of(set(&[P::Impersonate, P::ViewUser]));
    assert_eq!(
        may_impersonate(&helpdesk, &Grants::of(set(&[P::ViewUser]))),
        Ok(())
    );
    assert_eq!(
        may_impersonate(&helpdesk, &Grants::of(set(&[P::ChangeGroup]))),
        Err(Refusal::ImpersonateNotCovered)
    );
    assert_eq!(
        may_impersonate(&helpdesk, &Grants::superuser()),
        Err(Refusal::ImpersonateSuperuser)
    );
    assert_eq!(
        may_impersonate(&Grants::superuser(), &Grants::superuser()),
        Ok(())
    );
}

#[test]
fn the_grant_ceiling_allows_only_what_the_caller_holds() {
    let c = caller(1, &[P::ChangeUser, P::ViewUser]);
    assert_eq!(may_grant(&c, &Grants::of(set(&[P::ViewUser]))), Ok(()));
    assert_eq!(may_grant(&c, &Grants::of(PermissionSet::EMPTY)), Ok(()));
    assert_eq!(
        may_grant(&c, &Grants::of(set(&[P::ViewUser, P::ChangeRole]))),
        Err(Refusal::AboveCeiling)
    );
    assert_eq!(
        may_grant(&c, &Grants::superuser()),
        Err(Refusal::SuperuserOnly),
        "a superuser group is superuser status"
    );
    assert_eq!(may_grant(&superuser(2), &Grants::superuser()), Ok(()));
}

#[test]
fn superuser_status_is_given_and_taken_by_superusers_only() {
    let everything = Caller {
        grants: Grants::of(PermissionSet::all()),
        ..caller(1, &[])
    };
    assert_eq!(
        may_change_superuser_status(&everything),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(may_change_superuser_status(&superuser(2)), Ok(()));
}

#[test]
fn nothing_that_changes_holdings_happens_while_impersonating() {
    let mut c = superuser(1);
    assert_eq!(may_change_holdings(&c), Ok(()));
    c.impersonating = true;
    assert_eq!(may_change_holdings(&c), Err(Refusal::WhileImpersonating));
    assert_eq!(
        refuse_while_impersonating(&c),
        Err(Refusal::WhileImpersonating)
    );
}

#[test]
fn a_change_of_holdings_gains_within_the_ceiling_and_loses_only_from_the_covered() {
    let c = caller(1, &[P::ViewUser, P::ChangeGroup]);
    let weak = target(2, &[P::ViewUser]);
    let strong = target(3, &[P::ViewUser, P::DeleteUser]);
    let more = Grants::of(set(&[P::ViewUser, P::ChangeGroup]));
    assert_eq!(may_change_holdings_of(&c, &weak, &more), Ok(()));
    let above = Grants::of(set(&[P::ViewUser, P::ChangeRole]));
    assert_eq!(
        may_change_holdings_of(&c, &weak, &above),
        Err(Refusal::AboveCeiling)
    );
    let less = Grants::of(set(&[P::ViewUser]));
    assert_eq!(
        may_change_holdings_of(&c, &strong, &less),
        Err(Refusal::NotCovered),
        "taking from a user the caller does not cover"
    );
    assert_eq!(
        may_change_holdings_of(&c, &strong, &strong.grants),
        Ok(()),
        "no change needs nothing"
    );
    assert_eq!(
        may_change_holdings_of(&c, &superuser_target(4), &less),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(
        may_change_holdings_of(&c, &weak, &Grants::superuser()),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(
        may_change_holdings_of(&superuser(5), &superuser_target(4), &less),
        Ok(())
    );
}

#[test]
fn only_superusers_see_and_name_the_owners_of_others_tokens() {
    let c = caller(7, &[P::ChangeUser]);
    assert_eq!(token_owner_scope(&c), Some(7));
    assert_eq!(honoured_token_owner(&c, Some(9)), None);
    assert_eq!(token_owner_scope(&superuser(1)), None);
    assert_eq!(honoured_token_owner(&superuser(1), Some(9)), Some(9));
}

#[test]
fn refusals_render_the_contract_details() {
    assert_eq!(
        Refusal::NotCovered.to_string(),
        "You cannot change a user who holds permissions you do not have."
    );
    assert_eq!(
        Refusal::AboveCeiling.to_string(),
        "You cannot grant permissions you do not hold."
    );
}

#[test]
fn joining_a_group_needs_cover_and_everything_it_grants() {
    let c = caller(1, &[P::ChangeGroup, P::ViewUser]);
    let viewers = Grants::of(set(&[P::ViewUser]));
    assert_eq!(may_add_member(&c, &target(2, &[]), &viewers), Ok(()));
    assert_eq!(
        may_add_member(&c, &target(2, &[P::DeleteUser]), &viewers),
        Err(Refusal::NotCovered)
    );
    assert_eq!(
        may_add_member(&c, &target(2, &[]), &Grants::of(set(&[P::ChangeRole]))),
        Err(Refusal::AboveCeiling)
    );
    assert_eq!(
        may_add_member(&c, &target(2, &[]), &Grants::superuser()),
        Err(Refusal::SuperuserOnly)
    );
}

#[test]
fn leaving_a_group_needs_cover_and_a_superuser_for_superuser_groups() {
    let c = caller(1, &[P::ChangeGroup]);
    let plain = Grants::of(set(&[P::ViewUser]));
    assert_eq!(may_remove_member(&c, &target(2, &[]), &plain), Ok(()));
    assert_eq!(
        may_remove_member(&c, &target(2, &[P::ViewUser]), &plain),
        Err(Refusal::NotCovered)
    );
    assert_eq!(
        may_remove_member(&c, &superuser_target(2), &Grants::superuser()),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(
        may_remove_member(&superuser(3), &superuser_target(2), &Grants::superuser()),
        Ok(())
    );
}

#[test]
fn parents_flags_and_deletes_that_move_superuser_status_need_a_superuser() {
    let c = caller(1, &[P::ChangeGroup, P::DeleteGroup]);
    assert_eq!(may_set_superuser_flag(&c, false, false), Ok(()));
    assert_eq!(
        may_set_superuser_flag(&c, false, true),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(
        may_set_superuser_flag(&c, true, false),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(
        may_take_superuser_status_of(&c, &Grants::of(PermissionSet::all())),
        Ok(())
    );
    assert_eq!(
        may_take_superuser_status_of(&c, &Grants::superuser()),
        Err(Refusal::SuperuserOnly)
    );
    assert_eq!(
        may_take_superuser_status_of(&superuser(2), &Grants::superuser()),
        Ok(())
    );
}

#[test]
fn the_read_only_codename_alone_starts_only_read_only_impersonations() {
    let full = Grants::of(set(&[P::Impersonate]));
    let viewer = Grants::of(set(&[P::ImpersonateReadOnly]));
    assert_eq!(may_start_impersonation(&full, false), Ok(()));
    assert_eq!(may_start_impersonation(&full, true), Ok(()));
    assert_eq!(may_start_impersonation(&viewer, true), Ok(()));
    assert_eq!(
        may_start_impersonation(&viewer, false),
        Err(Refusal::ReadOnlyTier)
    );
    assert_eq!(
        may_start_impersonation(&Grants::of(set(&[P::ViewUser])), true),
        Err(Refusal::PermissionDenied)
    );
}

#[test]
fn starting_an_impersonation_needs_a_recent_password_unless_turned_off() {
    let ten_minutes = std::time::Duration::from_secs(600);
    assert_eq!(
        may_start_with_password_from(Some(1_000), 1_600, ten_minutes),
        Ok(())
    );
    assert_eq!(
        may_start_with_password_from(Some(1_000), 1_601, ten_minutes),
        Err(Refusal::ReauthRequired)
    );
    assert_eq!(
        may_start_with_password_from(None, 1_000, ten_minutes),
        Err(Refusal::ReauthRequired)
    );
    assert_eq!(
        may_start_with_password_from(None, 1_000, std::time::Duration::ZERO),
        Ok(())
    );
    assert_eq!(Refusal::ReauthRequired.code(), Some("reauth_required"));
}

#[test]
fn a_read_only_impersonation_writes_nothing() {
    let mut c = superuser(1);
    c.impersonating = true;
    assert_eq!(may_write(&c), Ok(()));
    c.read_only = true;
    assert_eq!(may_write(&c), Err(Refusal::ReadOnly));
}

#[test]
fn assigning_a_role_needs_cover_and_each_of_its_permissions() {
    let c = caller(1, &[P::ChangeRole, P::ChangeUser, P::ViewUser]);
    assert_eq!(
        may_assign_role(&c, &target(2, &[]), set(&[P::ViewUser])),
        Ok(())
    );
    assert_eq!(
        may_assign_role(&c, &target(2, &[]), set(&[P::DeleteUser])),
        Err(Refusal::AboveCeiling)
    );
    assert_eq!(
        may_assign_role(&c, &target(2, &[P::DeleteUser]), set(&[P::ViewUser])),
        Err(Refusal::NotCovered)
    );
    assert_eq!(may_unassign_role(&c, &target(2, &[P::ViewUser])), Ok(()));
    assert_eq!(
        may_unassign_role(&c, &superuser_target(2)),
        Err(Refusal::SuperuserOnly)
    );
}

#[test]
fn only_a_superuser_acting_as_themselves_is_exempt() {
    assert!(is_exempt(&superuser(1)));
    assert!(!is_exempt(&caller(1, &[P::ChangeUser])));
    let mut inside = superuser(1);
    inside.impersonating = true;
    assert!(
        !is_exempt(&inside),
        "impersonating a superuser is still impersonating"
    );
}
