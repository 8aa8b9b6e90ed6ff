//! Integration tests: each starts the real server on port 0 over a fresh temporary
//! database and talks HTTP to it. One test binary keeps link time down.

#[allow(dead_code)] // each test module uses a different part of the helpers
mod helpers;

mod authorization_table;
mod backups;
mod browser;
pub mod cli;
mod command;
mod cross_site;
mod errors;
mod escalation;
mod escalation_walk;
mod event_actions;
mod events;
mod exposure;
mod files;
mod filters;
mod forward_auth;
mod group_limits;
mod groups;
mod identity;
mod identity_memory;
mod impersonation;
mod impersonation_endings;
mod impersonation_history;
mod key_rotation;
mod limits;
mod litestream;
mod login;
mod me;
mod openapi;
mod proxies;
mod python_client;
mod role_members;
mod roles;
mod service_accounts;
mod sessions;
mod tokens;
mod tokens_filters;
mod tokens_keys;
mod upgrades;
mod used_by;
mod users;
mod users_list;
mod view_as;
