//! One password attempt, as login and confirm both make it: counted by the throttle
//! when it starts (so simultaneous attempts cannot outrun the limits), then checked
//! off the async workers, against a dummy hash when the user does not exist so that
//! every failure costs the same.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::users::{self, LoginCandidate};

/// Checks `password` for `username` from `ip`: the user when it is theirs, `None`
/// when it is not (or there is no such user), 429 when the throttle says wait.
pub async fn attempt(
    state: &AppState,
    username: &str,
    ip: Option<&str>,
    password: String,
) -> Result<Option<LoginCandidate>, ApiError> {
    state
        .throttle
        .begin(username, ip)
        .map_err(ApiError::Throttled)?;
    let name = username.to_owned();
    let candidate = state
        .db
        .read(move |c| users::login_candidate(c, &name))
        .await?;
    let hash = candidate.as_ref().and_then(|c| c.password_hash.clone());
    let right = state
        .passwords
        .verify(hash, password)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(candidate.filter(|_| right))
}
