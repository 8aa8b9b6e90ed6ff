-- standin schema, version 1. Applied in one transaction on an empty database;
-- later versions add numbered migrations (see src/db/migrate.rs).
-- Times are RFC 3339 UTC text with microseconds, so text order is time order.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid                 TEXT    NOT NULL UNIQUE,
    username             TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL DEFAULT '',
    email                TEXT    NOT NULL DEFAULT '',
    is_active            INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    -- NULL: no usable password (login impossible).
    password_hash        TEXT,
    last_login           TEXT,
    date_joined          TEXT    NOT NULL,
    last_updated         TEXT    NOT NULL,
    password_change_date TEXT    NOT NULL,
    attributes           TEXT    NOT NULL DEFAULT '{}',
    path                 TEXT    NOT NULL DEFAULT 'users',
    type                 TEXT    NOT NULL DEFAULT 'internal'
        CHECK (type IN ('internal', 'external', 'service_account', 'internal_service_account')),
    -- Bumped to revoke every signed session cookie of the user (CONTRACT §2).
    auth_epoch           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_name ON users (name);
CREATE INDEX users_email ON users (email);
CREATE INDEX users_path ON users (path);
CREATE INDEX users_type ON users (type);
-- Covers counting the common `is_active` + `type` filters without touching rows.
CREATE INDEX users_active_type ON users (is_active, type);
CREATE INDEX users_date_joined ON users (date_joined);
CREATE INDEX users_last_login ON users (last_login);
CREATE INDEX users_last_updated ON users (last_updated);

-- Row counts kept by triggers, so an unfiltered list need not count every row.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, n) VALUES ('users', 0);
CREATE TRIGGER users_count_insert AFTER INSERT ON users BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users';
END;
CREATE TRIGGER users_count_delete AFTER DELETE ON users BEGIN
    UPDATE counters SET n = n - 1 WHERE name = 'users';
END;
-- Bumped by every change that can alter which users a list filter matches, so
-- counts of filtered lists can be remembered until it moves (src/store/paging.rs).
INSERT INTO counters (name, n) VALUES ('users_rev', 0);
CREATE TRIGGER users_rev_insert AFTER INSERT ON users BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
CREATE TRIGGER users_rev_update AFTER UPDATE ON users BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
CREATE TRIGGER users_rev_delete AFTER DELETE ON users BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;

CREATE TABLE groups (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL UNIQUE,
    is_superuser INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
    attributes   TEXT    NOT NULL DEFAULT '{}'
);

-- A group may have several parents; `position` keeps the order they were given in,
-- so the first one can be shown as the single `parent` of older clients.
CREATE TABLE group_parents (
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    parent_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, parent_id),
    CHECK (group_id <> parent_id)
) WITHOUT ROWID;
CREATE INDEX group_parents_parent ON group_parents (parent_id);

CREATE TABLE user_groups (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
) WITHOUT ROWID;
CREATE INDEX user_groups_group ON user_groups (group_id, user_id);

CREATE TABLE roles (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE role_permissions (
    role_id  INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    codename TEXT    NOT NULL,
    PRIMARY KEY (role_id, codename)
) WITHOUT ROWID;

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
) WITHOUT ROWID;
CREATE INDEX user_roles_role ON user_roles (role_id);

CREATE TABLE group_roles (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    role_id  INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, role_id)
) WITHOUT ROWID;
CREATE INDEX group_roles_role ON group_roles (role_id);

-- Set to a new random value by every change to what `store::catalog` keeps in memory
-- (groups, their parents and roles, roles and their permissions), so it knows when to
-- load again.
-- Random, not counted up: a change rolled back inside a write batch must not leave
-- its value to be taken again by other data.
INSERT INTO counters (name, n) VALUES ('catalog_rev', 0);
CREATE TRIGGER groups_catalog_insert AFTER INSERT ON groups BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER groups_catalog_update AFTER UPDATE ON groups BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER groups_catalog_delete AFTER DELETE ON groups BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER group_parents_catalog_insert AFTER INSERT ON group_parents BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER group_parents_catalog_update AFTER UPDATE ON group_parents BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER group_parents_catalog_delete AFTER DELETE ON group_parents BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER roles_catalog_insert AFTER INSERT ON roles BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER roles_catalog_update AFTER UPDATE ON roles BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER roles_catalog_delete AFTER DELETE ON roles BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER role_permissions_catalog_insert AFTER INSERT ON role_permissions BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER role_permissions_catalog_update AFTER UPDATE ON role_permissions BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER role_permissions_catalog_delete AFTER DELETE ON role_permissions BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER group_roles_catalog_insert AFTER INSERT ON group_roles BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER group_roles_catalog_update AFTER UPDATE ON group_roles BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;
CREATE TRIGGER group_roles_catalog_delete AFTER DELETE ON group_roles BEGIN
    UPDATE counters SET n = random() WHERE name = 'catalog_rev';
END;

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid        TEXT    NOT NULL UNIQUE,
    identifier  TEXT    NOT NULL UNIQUE,
    -- hex SHA-256 of the key; the key itself is never stored.
    key_hash    TEXT    NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    intent      TEXT    NOT NULL DEFAULT 'api',
    description TEXT    NOT NULL DEFAULT '',
    expires     TEXT,
    expiring    INTEGER NOT NULL DEFAULT 1,
    created     TEXT    NOT NULL,
    last_used   TEXT
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid            TEXT NOT NULL UNIQUE,
    action          TEXT NOT NULL,
    -- Who acted, as they were when it happened (JSON {pk, username, email[, on_behalf_of]}):
    -- a snapshot, so deleting a user keeps the history readable.
    user_json       TEXT NOT NULL DEFAULT '{}',
    username        TEXT,
    app             TEXT NOT NULL DEFAULT 'standin',
    context         TEXT NOT NULL DEFAULT '{}',
    client_ip       TEXT,
    created         TEXT NOT NULL
);
CREATE INDEX events_created ON events (created);
CREATE INDEX events_action ON events (action, created);
CREATE INDEX events_username ON events (username, created);

CREATE TABLE impersonations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid             TEXT    NOT NULL UNIQUE,
    original_user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason           TEXT    NOT NULL DEFAULT '',
    started          TEXT    NOT NULL,
    expires          TEXT    NOT NULL,
    ended            TEXT,
    end_reason       TEXT CHECK (end_reason IN ('ended', 'logout', 'expired', 'revoked', 'user_changed'))
);
CREATE INDEX impersonations_original ON impersonations (original_user_id, started);
CREATE INDEX impersonations_target ON impersonations (target_user_id, started);
CREATE INDEX impersonations_active ON impersonations (ended, started);

-- Substring search over users (CONTRACT §5 `search`): trigram indexes answer
-- `%term%` without scanning every row. One index per column, so an edit re-indexes
-- only the columns it changed (most change `name` or `email`; `uuid` never changes).
-- `columnsize = 0`: no per-row size table (it only serves ranking, which search does
-- not do), so an edit writes one random page less.
-- Triggers only note which users changed (with the values the indexes still hold);
-- `store::search_index::sync` applies the notes once per write transaction, because
-- FTS5 flushes at every savepoint and the writer gives each request one.
CREATE VIRTUAL TABLE users_search_username USING fts5(
    username, content = 'users', content_rowid = 'id', tokenize = 'trigram', columnsize = 0
);
CREATE VIRTUAL TABLE users_search_name USING fts5(
    name, content = 'users', content_rowid = 'id', tokenize = 'trigram', columnsize = 0
);
CREATE VIRTUAL TABLE users_search_email USING fts5(
    email, content = 'users', content_rowid = 'id', tokenize = 'trigram', columnsize = 0
);
CREATE VIRTUAL TABLE users_search_uuid USING fts5(
    uuid, content = 'users', content_rowid = 'id', tokenize = 'trigram', columnsize = 0
);
CREATE TABLE users_search_pending (
    id       INTEGER PRIMARY KEY,
    -- 1 when the indexes hold this user with the values below (noted at the first
    -- change since the last sync), which must go first.
    indexed  INTEGER NOT NULL,
    -- Columns to re-index: 1 username, 2 name, 4 email, 8 uuid.
    changed  INTEGER NOT NULL,
    username TEXT,
    name     TEXT,
    email    TEXT,
    uuid     TEXT
);
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search_pending (id, indexed, changed) VALUES (new.id, 0, 15)
    ON CONFLICT (id) DO UPDATE SET changed = 15;
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search_pending (id, indexed, changed, username, name, email, uuid)
    VALUES (old.id, 1, 15, old.username, old.name, old.email, old.uuid)
    ON CONFLICT (id) DO UPDATE SET changed = 15;
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF username, name, email, uuid ON users
WHEN old.username IS NOT new.username OR old.name IS NOT new.name
  OR old.email IS NOT new.email OR old.uuid IS NOT new.uuid
BEGIN
    INSERT INTO users_search_pending (id, indexed, changed, username, name, email, uuid)
    VALUES (old.id, 1,
            (old.username IS NOT new.username) | ((old.name IS NOT new.name) << 1)
            | ((old.email IS NOT new.email) << 2) | ((old.uuid IS NOT new.uuid) << 3),
            old.username, old.name, old.email, old.uuid)
    ON CONFLICT (id) DO UPDATE SET changed = changed | excluded.changed;
END;

-- Membership and group changes move which users `groups_by_*` and `is_superuser`
-- match: they bump `users_rev` too.
CREATE TRIGGER user_groups_rev_insert AFTER INSERT ON user_groups BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
CREATE TRIGGER user_groups_rev_delete AFTER DELETE ON user_groups BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
CREATE TRIGGER groups_rev_update AFTER UPDATE ON groups BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
CREATE TRIGGER groups_rev_delete AFTER DELETE ON groups BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
CREATE TRIGGER group_parents_rev_insert AFTER INSERT ON group_parents BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
CREATE TRIGGER group_parents_rev_delete AFTER DELETE ON group_parents BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'users_rev';
END;
