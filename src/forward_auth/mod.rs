//! Forward auth: authentik's outpost paths, so that nginx `auth_request`, Caddy
//! `forward_auth` and Traefik `ForwardAuth` snippets written for authentik put any app
//! behind standin's sign-in when pointed here. Each check answers from the same
//! identity as `me` (epoch, revoked sessions, impersonation endings, read-only),
//! builds no JSON and records no event, because it runs on every request of every
//! app behind the proxy.

mod headers;
mod site;

use crate::auth::Identity;
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use site::Proxy;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Any method: a proxy may ask with the method of the request it guards.
    cfg.route("/outpost.goauthentik.io/auth/nginx", web::route().to(nginx))
        .route(
            "/outpost.goauthentik.io/auth/caddy",
            web::route().to(forwarding),
        )
        .route(
            "/outpost.goauthentik.io/auth/traefik",
            web::route().to(forwarding),
        )
        .route("/outpost.goauthentik.io/start", web::get().to(start));
}

/// nginx `auth_request`: 200 with the headers, 401 to send the browser to sign in.
async fn nginx(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    check(&req, &state, Proxy::Nginx).await
}

/// Caddy and Traefik: 200 with the headers, else a redirect to sign in that returns
/// to the page asked for.
async fn forwarding(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    check(&req, &state, Proxy::Forwarding).await
}

async fn check(req: &HttpRequest, state: &AppState, proxy: Proxy) -> HttpResponse {
    let identity = match Identity::for_forward_auth(req).await {
        Ok(identity) => identity,
        Err(e @ ApiError::Internal(_)) => return e.error_response(),
        Err(_) => return signed_out(req, proxy),
    };
    // Which site is asked for matters only to a rule: most installs have none, and
    // this runs on every request of every app.
    let rules = &state.config.forward_auth;
    if !rules.rules.is_empty() && !may_reach(state, &identity, &site::asked_host(req, proxy)) {
        return HttpResponse::Forbidden().finish();
    }
    let mut res = HttpResponse::Ok();
    headers::identity_headers(&mut res, &identity, &state.install_id);
    res.finish()
}

fn signed_out(req: &HttpRequest, proxy: Proxy) -> HttpResponse {
    match proxy {
        Proxy::Nginx => HttpResponse::Unauthorized().finish(),
        Proxy::Forwarding => {
            let start = site::start_path(site::original_url(req).as_deref());
            HttpResponse::Found()
                .insert_header((LOCATION, start))
                .finish()
        }
    }
}

/// Whether the user the request acts as (the target while impersonating) may reach
/// `host` under `forward_auth.rules`.
fn may_reach(state: &AppState, identity: &Identity, host: &str) -> bool {
    let Some(rule) = state.config.forward_auth.rule_for(host) else {
        return true;
    };
    let catalog = &identity.user.catalog;
    let named: Vec<i64> = (rule.groups.iter())
        .filter_map(|name| catalog.group_named(name))
        .collect();
    policy::may_reach_site(&identity.user.group_ids, &catalog.at_or_below(&named))
}

/// `/outpost.goauthentik.io/start?rd=`: signed in, back to `rd` when it is allowed
/// (else the admin page); signed out, to the admin page's sign-in, which comes back
/// here afterwards.
async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> HttpResponse {
    let rd = (query.iter())
        .find(|(k, _)| k == "rd")
        .map(|(_, v)| v.as_str());
    let to = match Identity::for_forward_auth(&req).await {
        Ok(_) => rd
            .and_then(|rd| site::allowed_return(rd, &state.config.forward_auth.domains))
            .unwrap_or_else(|| "/admin/".into()),
        Err(e @ ApiError::Internal(_)) => return e.error_response(),
        Err(_) => site::sign_in_path(&site::start_path(rd)),
    };
    HttpResponse::Found().insert_header((LOCATION, to)).finish()
}
