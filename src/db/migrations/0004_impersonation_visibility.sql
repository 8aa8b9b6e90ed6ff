-- Impersonations gain what "view as", the idle limit and the target's own history
-- need: whether one is read-only, when its last request came, whether its target has
-- seen it, and `idle` among the reasons it ended. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt.
CREATE TABLE impersonations_v4 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid             TEXT    NOT NULL UNIQUE,
    original_user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason           TEXT    NOT NULL DEFAULT '',
    started          TEXT    NOT NULL,
    expires          TEXT    NOT NULL,
    ended            TEXT,
    end_reason       TEXT CHECK (end_reason IN ('ended', 'logout', 'expired', 'idle', 'revoked', 'user_changed')),
    read_only        INTEGER NOT NULL DEFAULT 0,
    -- When the impersonation last served a request; written at most every 30 s.
    last_active      TEXT,
    -- Whether the target has acknowledged it.
    seen             INTEGER NOT NULL DEFAULT 0
);
INSERT INTO impersonations_v4
    (id, uuid, original_user_id, target_user_id, reason, started, expires, ended, end_reason, last_active)
    SELECT id, uuid, original_user_id, target_user_id, reason, started, expires, ended, end_reason, started
    FROM impersonations;
DROP TABLE impersonations;
ALTER TABLE impersonations_v4 RENAME TO impersonations;
CREATE INDEX impersonations_original ON impersonations (original_user_id, started);
CREATE INDEX impersonations_target ON impersonations (target_user_id, started);
CREATE INDEX impersonations_active ON impersonations (ended, started);
CREATE INDEX impersonations_unseen ON impersonations (target_user_id) WHERE seen = 0;
