//! Impersonation records: who became whom, why, until when, and how it
//! ended.

use super::StoreError;
use crate::domain::{EventAction, Timestamp, now};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// One impersonation as stored.
#[derive(Debug, Clone)]
pub struct Impersonation {
    pub id: i64,
    pub uuid: String,
    pub original_user_id: i64,
    pub target_user_id: i64,
    pub reason: String,
    pub started: Timestamp,
    pub expires: Timestamp,
    pub ended: Option<Timestamp>,
    pub end_reason: Option<String>,
    /// A "view as": every write refused while it runs.
    pub read_only: bool,
    /// When it last served a request (written at most every [`TOUCH_EVERY`]).
    pub last_active: Timestamp,
    /// Whether the target has acknowledged it.
    pub seen: bool,
}

/// How stale `last_active` may get before a request writes it again: the idle limit
/// is minutes, so a write per request would cost without telling more.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(30);

impl Impersonation {
    /// Not ended and not past its expiry at `at`.
    pub fn is_active_at(&self, at: &str) -> bool {
        self.ended.is_none() && self.expires.as_str() > at
    }

    /// When it ends for want of requests, with `idle` as the limit (`None` when off).
    pub fn idle_expires(&self, idle: std::time::Duration) -> Option<Timestamp> {
        if idle.is_zero() {
            return None;
        }
        let last = chrono::DateTime::parse_from_rfc3339(&self.last_active).ok()?;
        let idle = chrono::Duration::from_std(idle).ok()?;
        Some(crate::domain::time::format(last.to_utc() + idle))
    }

    /// Whether `last_active` is old enough to be written again at `now`.
    pub fn needs_touch(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        crate::domain::time::format(now - TOUCH_EVERY).as_str() > self.last_active.as_str()
    }
}

/// Why an impersonation ended, as recorded in `end_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Ended,
    Logout,
    Expired,
    Revoked,
    UserChanged,
    Idle,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Ended => "ended",
            EndReason::Logout => "logout",
            EndReason::Expired => "expired",
            EndReason::Revoked => "revoked",
            EndReason::UserChanged => "user_changed",
            EndReason::Idle => "idle",
        }
    }

    /// The reason stored as `s` (`ended` for anything unknown).
    pub fn parse(s: &str) -> EndReason {
        match s {
            "logout" => EndReason::Logout,
            "expired" => EndReason::Expired,
            "revoked" => EndReason::Revoked,
            "user_changed" => EndReason::UserChanged,
            "idle" => EndReason::Idle,
            _ => EndReason::Ended,
        }
    }
}

pub(crate) const COLUMNS: &str = "id, uuid, original_user_id, target_user_id, reason, started, \
     expires, ended, end_reason, read_only, COALESCE(last_active, started), seen";

pub(crate) fn from_row(r: &Row) -> rusqlite::Result<Impersonation> {
    Ok(Impersonation {
        id: r.get(0)?,
        uuid: r.get(1)?,
        original_user_id: r.get(2)?,
        target_user_id: r.get(3)?,
        reason: r.get(4)?,
        started: r.get(5)?,
        expires: r.get(6)?,
        ended: r.get(7)?,
        end_reason: r.get(8)?,
        read_only: r.get(9)?,
        last_active: r.get(10)?,
        seen: r.get(11)?,
    })
}

/// The impersonation with `uuid`, if any.
pub fn find(c: &Connection, uuid: &str) -> Result<Option<Impersonation>, StoreError> {
    Ok(c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM impersonations WHERE uuid = ?1"
    ))?
    .query_row([uuid], from_row)
    .optional()?)
}

/// What a new impersonation is: who becomes whom, why, until when, and whether only
/// to look.
pub struct NewImpersonation<'a> {
    pub original: i64,
    pub target: i64,
    pub reason: &'a str,
    pub expires: &'a str,
    pub read_only: bool,
}

/// Records a new impersonation.
pub fn start(c: &Connection, new: &NewImpersonation) -> Result<Impersonation, StoreError> {
    let uuid = uuid::Uuid::new_v4().to_string();
    let t = now();
    c.prepare_cached(
        "INSERT INTO impersonations
             (uuid, original_user_id, target_user_id, reason, started, expires, read_only, last_active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5)",
    )?
    .execute(params![
        uuid,
        new.original,
        new.target,
        new.reason,
        t,
        new.expires,
        new.read_only
    ])?;
    find(c, &uuid)?.ok_or(StoreError::NotFound("Impersonation"))
}

/// Ends impersonation `uuid` for `reason` if it has not ended yet; returns the row
/// when this call ended it (so its event is recorded exactly once).
pub fn end(
    c: &Connection,
    uuid: &str,
    reason: EndReason,
) -> Result<Option<Impersonation>, StoreError> {
    let n = c
        .prepare_cached(
            "UPDATE impersonations SET ended = ?2, end_reason = ?3 WHERE uuid = ?1 AND ended IS NULL",
        )?
        .execute(params![uuid, now(), reason.as_str()])?;
    if n == 0 {
        return Ok(None);
    }
    find(c, uuid)
}

/// Ends impersonation `uuid` for `reason` and, when this call ended it, records
/// `impersonation_ended` with the impersonator as `user` and the target as
/// `on_behalf_of`. `extra` is merged into the event's context.
pub fn finish(
    c: &Connection,
    uuid: &str,
    reason: EndReason,
    client_ip: Option<String>,
    extra: serde_json::Value,
) -> Result<bool, StoreError> {
    let Some(imp) = end(c, uuid, reason)? else {
        return Ok(false);
    };
    let original = super::users::get(c, imp.original_user_id)?;
    let target = super::users::get(c, imp.target_user_id)?;
    let actor = super::events::Actor {
        user: Some(super::events::UserRef::of(&original)),
        on_behalf_of: Some(super::events::UserRef::of(&target)),
        client_ip,
    };
    let mut context = serde_json::json!({"impersonation": imp.uuid, "end_reason": reason.as_str()});
    if let (Some(ctx), serde_json::Value::Object(more)) = (context.as_object_mut(), extra) {
        ctx.extend(more);
    }
    super::events::record(c, &actor, EventAction::ImpersonationEnded, context)?;
    Ok(true)
}

/// Ends every impersonation past its expiry, recording `impersonation_ended`
/// (`expired`) for each; returns how many ended.
pub fn expire_due(c: &Connection) -> Result<usize, StoreError> {
    let due: Vec<String> = {
        let mut stmt = c.prepare_cached(
            "SELECT uuid FROM impersonations WHERE ended IS NULL AND expires <= ?1",
        )?;
        stmt.query_map([now()], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut n = 0;
    for uuid in due {
        if finish(c, &uuid, EndReason::Expired, None, serde_json::json!({}))? {
            n += 1;
        }
    }
    Ok(n)
}

/// Notes that impersonation `uuid` served a request now, unless it was noted less
/// than [`TOUCH_EVERY`] ago (another request may have got there first).
pub fn touch(c: &Connection, uuid: &str) -> Result<(), StoreError> {
    let now = chrono::Utc::now();
    let stale = crate::domain::time::format(now - TOUCH_EVERY);
    c.prepare_cached(
        "UPDATE impersonations SET last_active = ?2
         WHERE uuid = ?1 AND ended IS NULL AND COALESCE(last_active, started) < ?3",
    )?
    .execute(params![uuid, crate::domain::time::format(now), stale])?;
    Ok(())
}

/// Ends every running impersonation without a request for `idle` (none when zero),
/// recording `impersonation_ended` (`idle`) for each; returns how many ended.
pub fn end_idle(c: &Connection, idle: std::time::Duration) -> Result<usize, StoreError> {
    let Ok(idle) = chrono::Duration::from_std(idle) else {
        return Ok(0);
    };
    if idle.is_zero() {
        return Ok(0);
    }
    let cutoff = crate::domain::time::format(chrono::Utc::now() - idle);
    let due: Vec<String> = {
        let mut stmt = c.prepare_cached(
            "SELECT uuid FROM impersonations
             WHERE ended IS NULL AND COALESCE(last_active, started) <= ?1",
        )?;
        stmt.query_map([&cutoff], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut n = 0;
    for uuid in due {
        if finish(c, &uuid, EndReason::Idle, None, serde_json::json!({}))? {
            n += 1;
        }
    }
    Ok(n)
}

/// Ends every running impersonation by or of `user_id` (`user_changed`), before the
/// user is deleted: the rows go with the user, the events stay.
pub fn end_all_involving(
    c: &Connection,
    user_id: i64,
    client_ip: Option<String>,
) -> Result<(), StoreError> {
    let running: Vec<String> = {
        let mut stmt = c.prepare_cached(
            "SELECT uuid FROM impersonations WHERE ended IS NULL AND (original_user_id = ?1 OR target_user_id = ?1)",
        )?;
        stmt.query_map([user_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for uuid in running {
        finish(
            c,
            &uuid,
            EndReason::UserChanged,
            client_ip.clone(),
            serde_json::json!({}),
        )?;
    }
    Ok(())
}
