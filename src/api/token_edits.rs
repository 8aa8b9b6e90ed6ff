//! Changing a token after creation: `PUT`/`PATCH /api/v3/core/tokens/{identifier}/`,
//! `set_key` and `view_key`. Like every token action they reach the caller's own
//! tokens only (a superuser's reach all), and none is for an impersonation.

use super::body::Body;
use super::openapi::{GenericError, ValidationError};
use super::token_request::parse_change;
use super::tokens::Token;
use super::user_request::Mode;
use crate::auth::Identity;
use crate::error::ApiError;
use crate::policy;
use crate::state::AppState;
use crate::store::token_changes::{self, TokenChange};
use crate::store::tokens;
use crate::store::user_views;
use actix_web::HttpResponse;
use actix_web::web::{self, Json};
use serde_json::Value;
use utoipa::ToSchema;

/// The least length of a key chosen with `set_key`: 32 characters, so a chosen key
/// is no easier to guess than a 128-bit random one written in hex.
const MIN_KEY_CHARS: usize = 32;

const KEY_CHARACTERS: &str = "A key may hold only printable ASCII characters, without spaces.";

/// Why `view_key` has nothing to show.
const KEY_NOT_KEPT: &str =
    "Token keys are shown only once, at creation; use set_key to choose a known key.";

/// Body of a PUT or PATCH. `identifier`, required on PUT as in authentik, must be the
/// token's own; `user` is honoured for superusers only and ignored for others (as on
/// create). Absent fields stay as they are.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PatchedTokenRequest {
    #[schema(max_length = 255, pattern = "^[-a-zA-Z0-9_]+$")]
    identifier: Option<String>,
    /// Only `api`.
    #[schema(nullable = false)]
    intent: Option<String>,
    #[schema(nullable = false)]
    user: Option<i64>,
    #[schema(nullable = false)]
    description: Option<String>,
    #[schema(format = DateTime)]
    expires: Option<String>,
    #[schema(nullable = false)]
    expiring: Option<bool>,
}

/// Body of `set_key`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TokenSetKeyRequest {
    /// At least 32 characters.
    #[schema(min_length = 32)]
    key: String,
}

async fn change(
    identity: Identity,
    state: web::Data<AppState>,
    identifier: String,
    body: Value,
    mode: Mode,
) -> Result<Json<Token>, ApiError> {
    let caller = identity.caller();
    policy::refuse_while_impersonating(&caller)?;
    let owner = policy::token_owner_scope(&caller);
    let (draft, errors) = parse_change(body, mode, &identifier)?;
    let change = TokenChange {
        user: policy::honoured_token_owner(&caller, draft.user),
        description: draft.description,
        expires: draft.expires,
        expiring: draft.expiring,
    };
    let actor = identity.actor();
    let (token, view) = state
        .db
        .write(move |c| {
            let token = tokens::find(c, &identifier, owner)?;
            let token = token_changes::update(c, &token, &change, errors.clone(), &actor)?;
            let view = user_views::load_one(c, token.user_id)?;
            Ok((token, view))
        })
        .await?;
    Ok(Json(Token::new(token, view, &state.install_id)))
}

#[utoipa::path(put, path = "/api/v3/core/tokens/{identifier}/", tag = "core", params(("identifier" = String, Path)),
    request_body = super::tokens::TokenRequest,
    responses((status = 200, body = Token), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn update(
    identity: Identity,
    state: web::Data<AppState>,
    identifier: web::Path<String>,
    body: Json<Value>,
) -> Result<Json<Token>, ApiError> {
    let (identifier, body) = (identifier.into_inner(), body.into_inner());
    change(identity, state, identifier, body, Mode::Replace).await
}

#[utoipa::path(patch, path = "/api/v3/core/tokens/{identifier}/", tag = "core", params(("identifier" = String, Path)),
    request_body = PatchedTokenRequest,
    responses((status = 200, body = Token), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn partial_update(
    identity: Identity,
    state: web::Data<AppState>,
    identifier: web::Path<String>,
    body: Json<Value>,
) -> Result<Json<Token>, ApiError> {
    let (identifier, body) = (identifier.into_inner(), body.into_inner());
    change(identity, state, identifier, body, Mode::Patch).await
}

#[utoipa::path(get, path = "/api/v3/core/tokens/{identifier}/view_key/", tag = "core", params(("identifier" = String, Path)),
    responses((status = 403, body = GenericError, description = "Always, for a token the caller may see: keys are stored hashed"),
              (status = 404, body = GenericError)))]
pub async fn view_key(
    identity: Identity,
    state: web::Data<AppState>,
    identifier: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::refuse_while_impersonating(&caller)?;
    let owner = policy::token_owner_scope(&caller);
    let identifier = identifier.into_inner();
    // Missing (or someone else's) is a 404 first, as for every other token action.
    state
        .db
        .read(move |c| tokens::find(c, &identifier, owner).map(drop))
        .await?;
    Err(ApiError::forbidden(KEY_NOT_KEPT))
}

#[utoipa::path(post, path = "/api/v3/core/tokens/{identifier}/set_key/", tag = "core", params(("identifier" = String, Path)),
    request_body = TokenSetKeyRequest,
    responses((status = 204), (status = 400, body = ValidationError), (status = 403, body = GenericError), (status = 404, body = GenericError)))]
pub async fn set_key(
    identity: Identity,
    state: web::Data<AppState>,
    identifier: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let caller = identity.caller();
    policy::refuse_while_impersonating(&caller)?;
    let owner = policy::token_owner_scope(&caller);
    let mut b = Body::parse(body.into_inner())?;
    let key = b.string("key", true, false);
    if let Some(k) = &key {
        if k.chars().count() < MIN_KEY_CHARS {
            b.errors.add(
                "key",
                format!("Ensure this field has at least {MIN_KEY_CHARS} characters."),
            );
        }
        // The key travels in an `Authorization` header, which carries no other.
        if !k.chars().all(|ch| ch.is_ascii_graphic()) {
            b.errors.add("key", KEY_CHARACTERS);
        }
    }
    b.finish()?;
    let key = key.ok_or_else(|| ApiError::Internal("key parsed without a value".into()))?;
    let identifier = identifier.into_inner();
    let actor = identity.actor();
    state
        .db
        .write(move |c| {
            let token = tokens::find(c, &identifier, owner)?;
            token_changes::set_key(c, &token, &key, &actor)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
