//! Builds the application and binds its listener. Tests and production start the
//! server the same way (tests with `server.listen` on port 0).

use crate::auth::key_rotation::CookieKeys;
use crate::auth::lifetime::SessionLifetime;
use crate::auth::passwords::Passwords;
use crate::auth::throttle::LoginThrottle;
use crate::config::Config;
use crate::db::Db;
use crate::state::AppState;
use crate::store::{StoreError, events, impersonations, meta, search_index, sessions};
use crate::{api, auth, bootstrap, http};
use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite, time};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{NormalizePath, from_fn};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration error: {0}")]
    Config(String),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens the database, bootstraps it, and binds `server.listen`. Must be called
    /// inside an async runtime (the server's accept loop starts here).
    pub async fn build(config: Config) -> Result<Application, StartError> {
        // Opening, migrating and bootstrapping (an argon2 hash) block: keep them off
        // the runtime's thread like every other SQLite and argon2 call.
        let (config, db, key, passwords, install_id, lifetime) =
            actix_web::rt::task::spawn_blocking(move || {
                let db = Db::open_with(
                    &config.database.path,
                    config.database.pool_size,
                    config.database.checkpoints,
                )?;
                let key = auth::key::load_or_create(&config.session, &config.database.path)?;
                let passwords = Passwords::new(&config.security);
                let install_id = db.write_now(meta::install_id)?;
                bootstrap::run(&db, &config, &passwords)?;
                let max_age = config.session.max_age.0;
                let lifetime = db.read_now(|c| SessionLifetime::load(c, max_age))?;
                Ok::<_, StartError>((config, db, key, passwords, install_id, lifetime))
            })
            .await
            .map_err(|e| StartError::Other(format!("startup task: {e}")))??;
        let listener = TcpListener::bind(&config.server.listen)?;
        let port = listener.local_addr()?.port();
        let lifetime = Arc::new(lifetime);
        spawn_maintenance(
            db.clone(),
            lifetime.clone(),
            config.events.retention_days,
            config.impersonation.idle_timeout.0,
        );
        let s = &config.security;
        let throttle = LoginThrottle::new(
            s.login_max_failures,
            s.login_max_failures_per_ip,
            s.login_window.0,
        );
        let workers = config.server.workers;
        let cookie_keys = web::Data::new(CookieKeys::new(key.clone(), &config.session));
        let state = web::Data::new(AppState {
            config,
            db,
            passwords,
            throttle,
            sessions: lifetime,
            install_id,
        });
        let server = HttpServer::new(move || {
            let max_body = state.config.server.max_body.0;
            App::new()
                .app_data(state.clone())
                .app_data(cookie_keys.clone())
                .app_data(http::json_config(max_body))
                .app_data(http::payload_config(max_body))
                .app_data(http::query_config())
                .app_data(http::path_config())
                // First: the forward-auth check runs on every request of every app
                // behind the proxy, and routes are matched in the order they are added.
                .configure(crate::forward_auth::configure)
                .configure(api::configure)
                .configure(http::pages::configure)
                .default_service(web::to(http::not_found))
                .wrap(session_middleware(&state.config, key.current().clone()))
                // In front of the session middleware: cookies of a previous key get in.
                .wrap(from_fn(auth::key_rotation::accept_previous_keys))
                .wrap(from_fn(http::secure_cookies))
                .wrap(http::security_headers())
                .wrap(from_fn(http::no_store_for_api))
                .wrap(NormalizePath::trim())
                .wrap(from_fn(http::access_log))
        })
        .workers(workers)
        .shutdown_timeout(10)
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM/SIGINT stop gracefully, finishing in-flight requests
    /// for at most 10 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn session_middleware(config: &Config, key: Key) -> SessionMiddleware<CookieSessionStore> {
    let max_age = time::Duration::seconds(config.session.max_age.0.as_secs() as i64);
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(config.session.cookie_name.clone())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        // `Secure` is added per request by `http::secure_cookies` (session.secure = auto).
        .cookie_secure(false)
        .cookie_path("/".into())
        .cookie_domain(config.session.cookie_domain.clone())
        .cookie_content_security(CookieContentSecurity::Signed)
        .session_lifecycle(PersistentSession::default().session_ttl(max_age))
        .build()
}

/// Every minute, ends impersonations past their `max_duration` or idle for longer
/// than `idle` (so the record and its event do not wait for the impersonator's next
/// request) and merges fragmented search indexes; every hour, deletes events older than `retention_days` and
/// revocations of sessions too old to be accepted anyway.
fn spawn_maintenance(db: Db, lifetime: Arc<SessionLifetime>, retention_days: u32, idle: Duration) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(60));
        for minute in 0u64.. {
            tick.tick().await;
            if let Err(e) = db.write(impersonations::expire_due).await {
                log::error!("ending expired impersonations failed: {e}");
            }
            if let Err(e) = db.write(move |c| impersonations::end_idle(c, idle)).await {
                log::error!("ending idle impersonations failed: {e}");
            }
            compact_search_indexes(&db).await;
            if minute % 60 != 0 {
                continue;
            }
            forget_old_revocations(&db, &lifetime).await;
            let cutoff = crate::domain::time::format(
                chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days)),
            );
            match db
                .write(move |c| events::delete_older_than(c, &cutoff))
                .await
            {
                Ok(0) => {}
                Ok(n) => log::info!(
                    "event retention: deleted {n} events older than {retention_days} days"
                ),
                Err(e) => log::error!("event retention failed: {e}"),
            }
        }
    });
}

/// Drops revoked session ids whose cookies are past `session.max_age`: from disk
/// first, so memory never forgets one the database would bring back at a restart.
async fn forget_old_revocations(db: &Db, lifetime: &SessionLifetime) {
    let cutoff = lifetime.cutoff();
    match db
        .write(move |c| sessions::forget_revoked_before(c, cutoff))
        .await
    {
        Ok(_) => lifetime.forget_before(cutoff),
        Err(e) => log::error!("forgetting old session revocations failed: {e}"),
    }
}

/// Merges each fragmented search index back into one segment, one short write at a
/// time so other writes go on in between, and resting nine times as long as each
/// step took: after a burst of edits the merging can take hundreds of steps, and
/// back to back they would hold a core for seconds, slowing every other request.
async fn compact_search_indexes(db: &Db) {
    let columns = match db.read(search_index::fragmented).await {
        Ok(columns) => columns,
        Err(e) => return log::error!("checking the search indexes failed: {e}"),
    };
    for column in columns {
        // Bounded: 65536 steps of 4 pages would rewrite a 1 GB index.
        for _ in 0..65536 {
            let started = Instant::now();
            match db.write(move |c| search_index::merge_step(c, column)).await {
                Ok(true) => actix_web::rt::time::sleep(started.elapsed() * 9).await,
                Ok(false) => break,
                Err(e) => {
                    log::error!("merging the {column} search index failed: {e}");
                    break;
                }
            }
        }
    }
}
