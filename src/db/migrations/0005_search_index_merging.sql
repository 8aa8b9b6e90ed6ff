-- The search indexes stop merging their segments by themselves. FTS5's automatic
-- merging does its work in lumps of a few hundred pages inside whichever write
-- happens to cross its threshold, and that write (a sync of the indexes, holding every
-- other write behind it) then takes tens of milliseconds. `store::search_index::sync`
-- merges a bounded number of pages after each sync instead. The setting is kept in
-- each index's `_config` table.
INSERT INTO users_search_username (users_search_username, rank) VALUES ('automerge', 0);
INSERT INTO users_search_name (users_search_name, rank) VALUES ('automerge', 0);
INSERT INTO users_search_email (users_search_email, rank) VALUES ('automerge', 0);
INSERT INTO users_search_uuid (users_search_uuid, rank) VALUES ('automerge', 0);
