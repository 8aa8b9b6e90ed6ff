//! Service accounts, made the way authentik's `service_account` action makes them: a
//! user of type `service_account` without a password, an API token for it, and
//! optionally a group of the same name holding it, all in one transaction.

use super::events::{self, Actor};
use super::tokens::{self, NewToken};
use super::{StoreError, groups, users};
use crate::domain::{EventAction, FieldErrors, UserPath, UserType, Username};
use serde_json::json;

/// Where authentik files its service accounts.
const PATH: &str = "goauthentik.io/service-accounts";
/// The attribute in which authentik keeps whether the account's tokens expire.
const TOKEN_EXPIRING_ATTRIBUTE: &str = "goauthentik.io/user/token-expires";

/// A service account about to be made.
#[derive(Debug, Clone)]
pub struct NewServiceAccount {
    pub username: Username,
    pub create_group: bool,
    pub expiring: bool,
    pub expires: Option<String>,
}

/// What was made.
#[derive(Debug, Clone)]
pub struct Made {
    pub user_id: i64,
    pub username: String,
    /// The uuid of the group, when one was asked for.
    pub group: Option<String>,
}

/// Makes `new` with token key `key`, recording `model_created` for each object. A
/// name taken by a user (or, with `create_group`, by a group) is refused under `name`.
pub fn create(
    c: &rusqlite::Connection,
    new: &NewServiceAccount,
    key: &str,
    actor: &Actor,
) -> Result<Made, StoreError> {
    let name = new.username.as_str();
    let mut errors = FieldErrors::new();
    if users::login_candidate(c, name)?.is_some() {
        errors.add("name", "This field must be unique.");
    }
    if new.create_group && groups::id_by_name(c, name)?.is_some() {
        errors.add("name", "A group with this name already exists.");
    }
    errors.finish().map_err(StoreError::Invalid)?;

    let mut user = users::NewUser::named(new.username.clone());
    user.name = name.to_owned();
    user.user_type = UserType::ServiceAccount;
    user.path = UserPath::parse(PATH).map_err(StoreError::Other)?;
    user.attributes = json!({ TOKEN_EXPIRING_ATTRIBUTE: new.expiring });
    let user_id = users::insert(c, &user)?;
    events::record(
        c,
        actor,
        EventAction::ModelCreated,
        events::model_context("user", user_id, name),
    )?;

    let group = if new.create_group {
        let group_id = groups::insert_plain(c, name, false)?;
        groups::add_member(c, group_id, user_id)?;
        let uuid: String =
            c.query_row("SELECT uuid FROM groups WHERE id = ?1", [group_id], |r| {
                r.get(0)
            })?;
        events::record(
            c,
            actor,
            EventAction::ModelCreated,
            events::model_context("group", uuid.as_str(), name),
        )?;
        Some(uuid)
    } else {
        None
    };

    let token = NewToken {
        identifier: free_identifier(c, name)?,
        user_id,
        description: format!("Token of service account {name}"),
        expires: new.expires.clone(),
        expiring: new.expiring,
    };
    tokens::create(c, &token, key, actor)?;
    Ok(Made {
        user_id,
        username: name.to_owned(),
        group,
    })
}

/// authentik's identifier for the token (`service-account-<slug>-password`), with a
/// number added when a token already has it (two names can share a slug).
fn free_identifier(c: &rusqlite::Connection, name: &str) -> Result<String, StoreError> {
    let base = format!("service-account-{}-password", slug(name));
    let mut candidate = base.clone();
    let mut n = 1;
    while tokens::identifier_exists(c, &candidate)? {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

/// A username as an identifier, in the manner of Django's `slugify`: lower-case ASCII
/// letters, digits, `_` and `-`, runs of `-` made one; every other character dropped.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars().map(|c| c.to_ascii_lowercase()) {
        let keep = ch.is_ascii_alphanumeric() || ch == '_' || ch == '-';
        if keep && !(ch == '-' && out.ends_with('-')) {
            out.push(ch);
        }
    }
    out.trim_matches(|c| c == '-' || c == '_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_only_what_an_identifier_may_hold() {
        assert_eq!(slug("CI.Bot@example+1"), "cibotexample1");
        assert_eq!(slug("a--b__c"), "a-b__c");
        assert_eq!(slug("..."), "");
    }
}
