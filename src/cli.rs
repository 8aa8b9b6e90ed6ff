//! The command line: `serve` (default) and the admin subcommands.

use crate::auth::passwords::Passwords;
use crate::bootstrap::ADMIN_GROUP;
use crate::config::{Config, Overrides};
use crate::db::Db;
use crate::domain::{Email, EventAction, Username};
use crate::startup::{Application, StartError};
use crate::store::events::{self, Actor};
use crate::store::{groups, tokens, users};
use clap::{Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "standin",
    version,
    about = "Self-hosted user directory with admin impersonation"
)]
struct Cli {
    /// Settings file (TOML); see config.example.toml.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (overrides server.listen).
    #[arg(long, global = true, value_name = "ADDR")]
    listen: Option<String>,
    /// SQLite database file (overrides database.path).
    #[arg(long, global = true, value_name = "PATH")]
    database: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the admin page (the default).
    Serve,
    /// Create a user; the password comes from STANDIN_PASSWORD or the first line of
    /// standard input, never from an argument.
    CreateUser {
        username: String,
        /// Put the user in the superuser group `admins`.
        #[arg(long)]
        superuser: bool,
        #[arg(long, default_value = "")]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Set a user's password (from STANDIN_PASSWORD or standard input); ends their sessions.
    SetPassword { username: String },
    /// Create an API token for a user and print its key (shown only this once).
    CreateToken {
        username: String,
        #[arg(long)]
        identifier: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// Days until the token expires; without it the token does not expire.
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// Write a consistent copy of the database to PATH (safe while serving).
    Backup { path: PathBuf },
    /// Replace the database with a copy of BACKUP (the server must be stopped); the
    /// database replaced is kept as `<database>.before-restore`.
    Restore { backup: PathBuf },
    /// Make a new session signing key in the key file; cookies signed with the previous
    /// key keep working until session.max_age has passed. A running server uses the new
    /// key from its next start.
    RotateKey {
        /// Also drop every earlier key (a leaked key): every existing cookie is refused.
        #[arg(long)]
        drop_previous: bool,
    },
    /// Validate the settings and print them, secrets masked.
    CheckConfig,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        listen: cli.listen.clone(),
        database: cli.database.clone(),
    };
    let config = match Config::load(cli.config.as_deref(), std::env::vars(), &overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("standin: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log.level);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::CheckConfig => {
            print!("{}", config.masked_toml());
            Ok(())
        }
        Command::CreateUser {
            username,
            superuser,
            email,
            name,
        } => create_user(&config, &username, superuser, &email, &name),
        Command::SetPassword { username } => set_password(&config, &username),
        Command::CreateToken {
            username,
            identifier,
            description,
            expires_days,
        } => create_token(&config, &username, identifier, description, expires_days),
        Command::Backup { path } => {
            Db::open_with(&config.database.path, 1, config.database.checkpoints)
                .and_then(|db| db.backup(&path))
                .map_err(StartError::from)
        }
        Command::Restore { backup } => restore(&config, &backup),
        Command::RotateKey { drop_previous } => rotate_key(&config, drop_previous),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("standin: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let env = env_logger::Env::default().default_filter_or(level);
    let _ = env_logger::Builder::from_env(env).try_init();
}

fn serve(config: Config) -> Result<(), StartError> {
    actix_web::rt::System::new().block_on(async move {
        let listen = config.server.listen.clone();
        let app = Application::build(config).await?;
        log::info!("standin listening on {listen} (port {})", app.port());
        app.run_until_stopped().await?;
        log::info!("standin stopped");
        Ok(())
    })
}

fn read_password() -> Result<String, StartError> {
    if let Ok(p) = std::env::var("STANDIN_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_owned();
    if p.is_empty() {
        return Err(StartError::Other(
            "no password: set STANDIN_PASSWORD or pipe it on standard input".into(),
        ));
    }
    Ok(p)
}

fn open(config: &Config) -> Result<Db, StartError> {
    Ok(Db::open_with(
        &config.database.path,
        2,
        config.database.checkpoints,
    )?)
}

fn create_user(
    config: &Config,
    username: &str,
    superuser: bool,
    email: &str,
    name: &str,
) -> Result<(), StartError> {
    let username =
        Username::parse(username).map_err(|e| StartError::Other(format!("username: {e}")))?;
    let email = Email::parse(email).map_err(|e| StartError::Other(format!("email: {e}")))?;
    let hash = Passwords::new(&config.security)
        .hash_now(&read_password()?)
        .map_err(|e| StartError::Other(e.to_string()))?;
    let name = name.to_owned();
    let shown = username.as_str().to_owned();
    let id = open(config)?.write_now(move |c| {
        let mut new = users::NewUser::named(username);
        new.email = email;
        new.name = name;
        new.password_hash = Some(hash);
        let id = users::insert(c, &new)?;
        if superuser {
            let group = match groups::id_by_name(c, ADMIN_GROUP)? {
                Some(g) => g,
                None => groups::insert_plain(c, ADMIN_GROUP, true)?,
            };
            groups::add_member(c, group, id)?;
        }
        events::record(
            c,
            &Actor::anonymous(None),
            EventAction::ModelCreated,
            events::model_context("user", id, &shown),
        )?;
        Ok(id)
    })?;
    println!("created user {id}");
    Ok(())
}

fn set_password(config: &Config, username: &str) -> Result<(), StartError> {
    let hash = Passwords::new(&config.security)
        .hash_now(&read_password()?)
        .map_err(|e| StartError::Other(e.to_string()))?;
    let username = username.to_owned();
    open(config)?.write_now(move |c| {
        let user = users::by_username(c, &username)?;
        users::set_password_hash(c, user.id, &hash)?;
        events::record(
            c,
            &Actor::anonymous(None),
            EventAction::PasswordSet,
            events::model_context("user", user.id, &user.username),
        )
    })?;
    println!("password set; the user's sessions have ended");
    Ok(())
}

fn create_token(
    config: &Config,
    username: &str,
    identifier: Option<String>,
    description: String,
    expires_days: Option<u32>,
) -> Result<(), StartError> {
    let username = username.to_owned();
    let key = tokens::generate_key();
    let k = key.clone();
    open(config)?.write_now(move |c| {
        let user = users::by_username(c, &username)?;
        let t = tokens::NewToken {
            identifier: identifier.unwrap_or_else(|| {
                format!(
                    "{}-cli-{}",
                    user.username,
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                )
            }),
            user_id: user.id,
            description,
            expires: expires_days.map(|d| {
                crate::domain::time::format(chrono::Utc::now() + chrono::Duration::days(d.into()))
            }),
            expiring: expires_days.is_some(),
        };
        tokens::create(c, &t, &k, &Actor::anonymous(None)).map(drop)
    })?;
    println!("{key}");
    Ok(())
}

fn restore(config: &Config, backup: &std::path::Path) -> Result<(), StartError> {
    let db = &config.database.path;
    let done = crate::db::restore::restore(db, backup)?;
    println!(
        "restored {} from {} (schema version {})",
        db.display(),
        backup.display(),
        done.version
    );
    if let Some(kept) = done.kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    Ok(())
}

fn rotate_key(config: &Config, drop_previous: bool) -> Result<(), StartError> {
    if config.session.secret_key.is_some() {
        return Err(StartError::Other(
            "session.secret_key is set, so the key file is not used: put a new key in \
             session.secret_key and the old one in session.previous_secret_keys"
                .into(),
        ));
    }
    let done = crate::auth::key::rotate(
        &config.database.path,
        config.session.max_age.0,
        drop_previous,
    )?;
    println!("new session signing key in {}", done.path.display());
    if drop_previous {
        println!("every earlier key is dropped: existing sessions are refused");
    } else {
        println!(
            "{} earlier key(s) still accepted until session.max_age after their rotation",
            done.previous
        );
    }
    println!("a running server uses the new key from its next start");
    Ok(())
}
