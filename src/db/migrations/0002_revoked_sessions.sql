-- Sessions ended on the server by logout. A signed cookie cannot be taken back from
-- the browser, so its id is kept here until the cookie would be refused anyway for
-- being older than session.max_age; the periodic maintenance deletes older rows.
CREATE TABLE revoked_sessions (
    session_id TEXT PRIMARY KEY NOT NULL,
    -- Unix seconds when the session's cookie was issued.
    issued_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX revoked_sessions_by_issued_at ON revoked_sessions (issued_at);
