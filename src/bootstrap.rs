//! First start: on an empty database, the superuser group `admins` and the first
//! admin; and the automation token of `bootstrap.token`.

use crate::auth::passwords::Passwords;
use crate::config::Config;
use crate::db::Db;
use crate::domain::{Email, EventAction, Username};
use crate::startup::StartError;
use crate::store::events::{self, Actor};
use crate::store::{groups, tokens, users};
use rand::Rng;

pub const ADMIN_GROUP: &str = "admins";

/// A random password for the first admin: 24 letters and digits (~142 bits).
fn generate_password() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// Creates the first admin when the database has no user yet, and the bootstrap token
/// when one is configured and not stored yet.
pub fn run(db: &Db, config: &Config, passwords: &Passwords) -> Result<(), StartError> {
    let b = &config.bootstrap;
    let username = Username::parse(&b.username)
        .map_err(|e| StartError::Config(format!("bootstrap.username: {e}")))?;
    let email =
        Email::parse(&b.email).map_err(|e| StartError::Config(format!("bootstrap.email: {e}")))?;
    if db.read_now(users::count)? == 0 {
        let (password, generated) = match &b.password {
            Some(p) => (p.clone(), false),
            None => (generate_password(), true),
        };
        let hash = passwords
            .hash_now(&password)
            .map_err(|e| StartError::Other(e.to_string()))?;
        let name = username.as_str().to_owned();
        db.write_now(move |c| {
            let group = match groups::id_by_name(c, ADMIN_GROUP)? {
                Some(id) => id,
                None => groups::insert_plain(c, ADMIN_GROUP, true)?,
            };
            let mut new = users::NewUser::named(username);
            new.email = email;
            new.name = "standin admin".into();
            new.password_hash = Some(hash);
            let id = users::insert(c, &new)?;
            groups::add_member(c, group, id)?;
            events::record(
                c,
                &Actor::anonymous(None),
                EventAction::ModelCreated,
                events::model_context("user", id, &name),
            )
        })?;
        if generated {
            log::warn!(
                "\n\n    First start: created the superuser `{}` with the password\n\n        {password}\n\n    \
                 It is shown only this once. Log in and change it, or set\n    \
                 STANDIN_BOOTSTRAP_PASSWORD before the first start next time.\n",
                b.username
            );
        } else {
            log::info!(
                "first start: created the superuser `{}` (password from settings)",
                b.username
            );
        }
    }
    if let Some(key) = b.token.clone() {
        let owner = b.username.clone();
        db.write_now(move |c| {
            if tokens::key_exists(c, &key)? {
                return Ok(());
            }
            let user = users::by_username(c, &owner)?;
            let t = tokens::NewToken {
                identifier: format!(
                    "bootstrap-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                ),
                user_id: user.id,
                description: "Created from bootstrap.token".into(),
                expires: None,
                expiring: false,
            };
            tokens::create(c, &t, &key, &Actor::anonymous(None)).map(drop)
        })?;
    }
    Ok(())
}
