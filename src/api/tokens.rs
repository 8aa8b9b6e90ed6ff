//! `/api/v3/core/tokens/`: API tokens. Everyone manages their
//! own tokens; superusers see and manage all of them.

use super::endpoint;
use super::openapi::{GenericError, ValidationError};
use super::pagination::{Page, Paginated, Pagination};
use super::query::Query;
use super::token_edits;
use super::token_request::parse;
use super::views::{Include, User};
use crate::auth::Identity;
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::token_list::{self, ORDERINGS, TokenFilter};
use crate::store::tokens::{self, NewToken};
use crate::store::user_views::{self, UserView};
use crate::store::{StoreError, users};
use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::web::{self, Json};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(endpoint(
        "/api/v3/core/tokens",
        [
            (Method::GET, web::to(list)),
            (Method::POST, web::to(create)),
        ],
    ))
    .service(endpoint(
        "/api/v3/core/tokens/{identifier}",
        [
            (Method::GET, web::to(retrieve)),
            (Method::PUT, web::to(token_edits::update)),
            (Method::PATCH, web::to(token_edits::partial_update)),
            (Method::DELETE, web::to(destroy)),
        ],
    ))
    .service(endpoint(
        "/api/v3/core/tokens/{identifier}/view_key",
        [(Method::GET, web::to(token_edits::view_key))],
    ))
    .service(endpoint(
        "/api/v3/core/tokens/{identifier}/set_key",
        [(Method::POST, web::to(token_edits::set_key))],
    ));
}

/// An API token. Its key is never shown again after creation.
#[derive(Serialize, ToSchema)]
pub struct Token {
    #[schema(format = Uuid)]
    pk: String,
    /// Always `null`: standin manages no tokens itself.
    managed: Option<String>,
    identifier: String,
    /// Always `api`.
    intent: String,
    user: i64,
    user_obj: User,
    description: String,
    #[schema(format = DateTime)]
    expires: Option<String>,
    expiring: bool,
    #[schema(format = DateTime)]
    last_used: Option<String>,
    #[schema(format = DateTime)]
    created: String,
}

impl Token {
    pub(super) fn new(t: tokens::Token, owner: UserView, install_id: &str) -> Self {
        Token {
            pk: t.uuid,
            managed: None,
            identifier: t.identifier,
            intent: t.intent,
            user: t.user_id,
            user_obj: User::new(owner, install_id, Include::ALL),
            description: t.description,
            expires: t.expires,
            expiring: t.expiring,
            last_used: t.last_used,
            created: t.created,
        }
    }
}

/// The 201 of a create: the token and, this once, its key.
#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    #[serde(flatten)]
    token: Token,
    key: String,
}

/// Body of a create. `user` is honoured for superusers only; others always create
/// their own tokens (as authentik does).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    #[schema(max_length = 255, pattern = "^[-a-zA-Z0-9_]+$")]
    identifier: String,
    /// Only `api`.
    #[schema(nullable = false)]
    intent: Option<String>,
    #[schema(nullable = false)]
    user: Option<i64>,
    #[schema(nullable = false)]
    description: Option<String>,
    /// Without it, an expiring token expires 30 days after creation; `null` never.
    #[schema(format = DateTime)]
    expires: Option<String>,
    /// Default `true`.
    #[schema(nullable = false)]
    expiring: Option<bool>,
}

/// One page of tokens.
#[derive(Serialize, ToSchema)]
pub struct PaginatedTokenList {
    pagination: Pagination,
    results: Vec<Token>,
    #[schema(value_type = Object)]
    autocomplete: Value,
}

/// Whose tokens the caller may see: `None` for everyone's.
fn visible_owner(identity: &Identity) -> Option<i64> {
    policy::token_owner_scope(&identity.caller())
}

#[utoipa::path(get, path = "/api/v3/core/tokens/", tag = "core",
    params(
        ("identifier" = Option<String>, Query), ("user" = Option<i64>, Query, description = "owner's pk"),
        ("user__username" = Option<String>, Query), ("intent" = Option<String>, Query), ("expiring" = Option<bool>, Query),
        ("description" = Option<String>, Query), ("managed" = Option<String>, Query, description = "standin manages no tokens: any value matches none"),
        ("search" = Option<String>, Query, description = "words matched in identifier, intent, owner's username and description"),
        ("ordering" = Option<String>, Query, description = "identifier, expires, created or last_used; `-` for descending"),
        ("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query),
    ),
    responses((status = 200, body = PaginatedTokenList), (status = 400, body = ValidationError),
              (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn list(
    identity: Identity,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<Json<Paginated<Token>>, ApiError> {
    let mut q = Query::new(query.into_inner());
    let mut filter = TokenFilter {
        owner: visible_owner(&identity),
        identifier: q.text("identifier"),
        username: q.text("user__username"),
        intent: q.text("intent"),
        description: q.text("description"),
        managed: q.text("managed"),
        search: q.text("search"),
        ..TokenFilter::default()
    };
    if let Some(raw) = q.get("user") {
        filter.user = raw.trim().parse().ok();
        if filter.user.is_none() {
            q.errors.add("user", "Enter a number.");
        }
    }
    filter.expiring = q.boolean("expiring");
    filter.ordering = q.ordering(ORDERINGS, "identifier");
    q.finish()?;
    let page = Page::from_query(&q)?;
    let (count, rows) = state
        .db
        .read(move |c| {
            let (count, found) = token_list::list(c, &filter, page.offset(), page.size)?;
            Ok((count, token_list::with_owners(c, found)?))
        })
        .await?;
    let pagination = page.describe(count)?;
    let results = rows
        .into_iter()
        .map(|(t, owner)| Token::new(t, owner, &state.install_id))
        .collect();
    Ok(Json(Paginated::new(pagination, results)))
}

#[utoipa::path(post, path = "/api/v3/core/tokens/", tag = "core", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 400, body = ValidationError), (status = 403, body = GenericError)))]
pub async fn create(
    identity: Identity,
    state: web::Data<AppState>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::refuse_while_impersonating(&caller)?;
    let (draft, errors) = parse(body.into_inner())?;
    let asked_for = policy::honoured_token_owner(&caller, draft.user);
    let owner = asked_for.unwrap_or(caller.user_id);
    let actor = identity.actor();
    let key = tokens::generate_key();
    let stored_key = key.clone();
    let (token, view) = state
        .db
        .write(move |c| {
            let mut errors = errors.clone();
            if let Some(id) = &draft.identifier
                && tokens::identifier_exists(c, id)?
            {
                errors.add("identifier", "This field must be unique.");
            }
            if let Some(pk) = asked_for
                && users::find(c, pk)?.is_none()
            {
                errors.add(
                    "user",
                    format!("Invalid pk \"{pk}\" - object does not exist."),
                );
            }
            errors.finish().map_err(StoreError::Invalid)?;
            let identifier = (draft.identifier.clone())
                .ok_or_else(|| StoreError::Other("identifier parsed without a value".into()))?;
            let new = NewToken {
                identifier,
                user_id: owner,
                description: draft.description.clone(),
                expires: draft.expires.clone(),
                expiring: draft.expiring,
            };
            let token = tokens::create(c, &new, &stored_key, &actor)?;
            Ok((token, user_views::load_one(c, owner)?))
        })
        .await?;
    let token = Token::new(token, view, &state.install_id);
    Ok(HttpResponse::Created().json(TokenCreated { token, key }))
}

#[utoipa::path(get, path = "/api/v3/core/tokens/{identifier}/", tag = "core", params(("identifier" = String, Path)),
    responses((status = 200, body = Token), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn retrieve(
    identity: Identity,
    state: web::Data<AppState>,
    identifier: web::Path<String>,
) -> Result<Json<Token>, ApiError> {
    let owner = visible_owner(&identity);
    let identifier = identifier.into_inner();
    let (token, view) = state
        .db
        .read(move |c| {
            let token = tokens::find(c, &identifier, owner)?;
            let view = user_views::load_one(c, token.user_id)?;
            Ok((token, view))
        })
        .await?;
    Ok(Json(Token::new(token, view, &state.install_id)))
}

#[utoipa::path(delete, path = "/api/v3/core/tokens/{identifier}/", tag = "core", params(("identifier" = String, Path)),
    responses((status = 204), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn destroy(
    identity: Identity,
    state: web::Data<AppState>,
    identifier: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    policy::refuse_while_impersonating(&identity.caller())?;
    let owner = visible_owner(&identity);
    let identifier = identifier.into_inner();
    let actor = identity.actor();
    state
        .db
        .write(move |c| {
            let token = tokens::find(c, &identifier, owner)?;
            tokens::remove(c, &token, &actor)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list,
        create,
        retrieve,
        token_edits::update,
        token_edits::partial_update,
        destroy,
        token_edits::view_key,
        token_edits::set_key
    ),
    components(schemas(
        Token,
        TokenCreated,
        TokenRequest,
        token_edits::PatchedTokenRequest,
        token_edits::TokenSetKeyRequest,
        PaginatedTokenList
    ))
)]
pub struct Doc;
