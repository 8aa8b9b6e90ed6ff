//! standin: a self-hosted user directory with admin impersonation and an
//! authentik-shaped JSON API, in one binary over one SQLite file.

pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod forward_auth;
pub mod http;
pub mod memory;
pub mod policy;
pub mod startup;
pub mod state;
pub mod store;
